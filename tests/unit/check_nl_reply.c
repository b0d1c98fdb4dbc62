/*
 * nl_reply (nl-reply.c) on a real rtnetlink socket, without root: what an
 * earlier request left in the socket is skipped by its sequence number.
 */
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/rtnetlink.h>

#include "nl-reply.h"
#include "suites.h"

static int count_msg(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return MNL_CB_OK;
}

/* A request whose answer was left unread on a socket (a dump a reader
 * gave up on leaves its rest) does not make the next request fail: that
 * answer is skipped, as its sequence number says, and the next request
 * gets its own.  On a real rtnetlink socket, without root; the request
 * left unread is a small one, so that the kernel queues both answers
 * whole, in order. */
START_TEST(reply_after_a_request_left_unread)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_ROUTE);
	char req[256], ans[8192];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int n = 0;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID), 0);
	/* A hang would be a failure too, not a stuck test run. */
	setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ .tv_sec = 2 }, sizeof(struct timeval));
	for (uint32_t seq = 1; seq <= 2; seq++) {
		memset(req, 0, sizeof req);
		nlh = mnl_nlmsg_put_header(req);
		nlh->nlmsg_type = RTM_GETLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = seq;
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = 1; /* lo */
		ck_assert_int_ge(mnl_socket_sendto(s, nlh, nlh->nlmsg_len), 0);
	}
	ck_assert_int_eq(nl_reply(s, NLM_F_REQUEST | NLM_F_ACK, 2, count_msg, &n, ans, sizeof ans), 0);
	ck_assert_int_eq(n, 1);
	mnl_socket_close(s);
}
END_TEST

Suite *nl_reply_suite(void)
{
	Suite *s = suite_create("nl_reply");
	TCase *tc = tcase_create("socket");

	tcase_add_test(tc, reply_after_a_request_left_unread);
	suite_add_tcase(s, tc);
	return s;
}
