/*
 * A netlink request's answer, read to its end whatever goes wrong in it.
 * libmnl's mnl_cb_run stops at the first message it does not like: one
 * the kernel marks interrupted (NLM_F_DUMP_INTR: the ruleset or the links
 * changed while they were dumped, as when Docker adds its iptables rules
 * for a new bridge network while guardnet reads iptables' chains), or one
 * a callback refuses.  The rest of the dump then stays in the socket, the
 * kernel goes on filling it at every read, and every later request on that
 * socket reads it first and fails with EPROTO (another request's sequence
 * number), found with 1,000 Docker bridge networks made beside guardnet's
 * (tests/bench/networks.sh).  Here the answer is always read to its
 * NLMSG_DONE or NLMSG_ERROR; what an older request left is skipped.
 */
#include <errno.h>
#include <stdbool.h>

#include "nl-reply.h"

int nl_reply(struct mnl_socket *sock, uint16_t req_flags, uint32_t seq, mnl_cb_t cb, void *data, void *buf,
	     size_t len)
{
	uint32_t portid = mnl_socket_get_portid(sock);
	bool one = !(req_flags & (NLM_F_DUMP | NLM_F_ACK)), done = false;
	int err = 0;

	while (!done) {
		ssize_t got = mnl_socket_recvfrom(sock, buf, len);
		int n = (int)got;

		if (got < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		for (struct nlmsghdr *h = buf; !done && mnl_nlmsg_ok(h, n); h = mnl_nlmsg_next(h, &n)) {
			if (h->nlmsg_seq != seq || (h->nlmsg_pid && h->nlmsg_pid != portid))
				continue;
			if ((h->nlmsg_flags & NLM_F_DUMP_INTR) && !err)
				err = -EINTR;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

				if (h->nlmsg_len >= mnl_nlmsg_size(sizeof *e) && e->error && !err)
					err = e->error;
				done = true;
			} else if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
			} else if (h->nlmsg_type >= NLMSG_MIN_TYPE && cb && !err) {
				int r = cb(h, data);

				if (r == MNL_CB_ERROR)
					err = errno ? -errno : -EPROTO;
				else if (r == MNL_CB_STOP)
					cb = NULL;      /* the caller has what it wants: the rest is read, not used */
				done = one;
			} else {
				done = one;
			}
		}
	}
	return err;
}
