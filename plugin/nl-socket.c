/*
 * guardnet's rtnetlink socket: opening it, and the one place that sends a
 * request and reads its answer (nl_talk).  What the requests hold is built
 * in nl-link.c, nl-addr.c and nl-conf.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "nl-msg.h"
#include "nl-reply.h"

int nl_open(struct gn_nl **ret, struct gn_err *err)
{
	struct gn_nl *nl = calloc(1, sizeof *nl);
	struct timeval tv = { .tv_sec = 5 };
	int one = 1;

	if (!nl)
		return gn_errf(err, -ENOMEM, "out of memory");
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;

		nl_close(nl);
		return gn_errf(err, r, "rtnetlink: %s", strerror(-r));
	}
	/* A lost answer must not hang the daemon (and Docker with it). */
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof one);
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
	*ret = nl;
	return 0;
}

void nl_close(struct gn_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

struct nlmsghdr *nl_msg_start(void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, NL_BUF_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

int nl_talk(struct gn_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[NL_BUF_SIZE];
	int r = -EINTR;

	/* A dump the links changed under is asked again (nl-reply.c). */
	for (int tries = 0; r == -EINTR && tries < NL_DUMP_TRIES; tries++) {
		nlh->nlmsg_seq = ++nl->seq;
		if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
			return -errno;
		r = nl_reply(nl->sock, nlh->nlmsg_flags, nlh->nlmsg_seq, cb, data, buf, sizeof buf);
	}
	return r;
}
