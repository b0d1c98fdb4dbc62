/*
 * The link watch's bookkeeping (nl-watch.c): which notifications make
 * guardnetd classify the uplinks again.  A container's veth pair coming
 * and going must not (thousands of them on a large host); a link that
 * could route out, or an address that makes one, must.  The watch runs
 * on a network namespace of the test's own (a user namespace too when not
 * root), where only lo exists, and reads notifications sent to its socket
 * the way the kernel sends them: the real nl_watch_read on real netlink
 * messages, no root needed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "nl.h"
#include "suites.h"

static struct gn_nl *nl;
static struct nl_watch *w;
static struct mnl_socket *from;
static struct sockaddr_nl to = { .nl_family = AF_NETLINK };

static void setup(void)
{
	struct gn_err e;
	socklen_t len = sizeof to;

	/* An empty namespace of our own: root may make one; anyone else in a
	 * user namespace of their own, where they hold CAP_NET_ADMIN. */
	if (unshare(CLONE_NEWNET) < 0)
		ck_assert_msg(unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0, "no network namespace of our own: %s",
			      strerror(errno));
	ck_assert_int_eq(nl_open(&nl, &e), 0);
	ck_assert_msg(nl_watch_open(nl, &w, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(getsockname(nl_watch_fd(w), (struct sockaddr *)&to, &len), 0);
	from = mnl_socket_open(NETLINK_ROUTE);
	ck_assert_ptr_nonnull(from);
	ck_assert_int_eq(mnl_socket_bind(from, 0, MNL_SOCKET_AUTOPID), 0);
}

static void teardown(void)
{
	mnl_socket_close(from);
	nl_watch_close(w);
	nl_close(nl);
}

static char buf[8192];

/* A notification as the kernel sends it: sequence 0, port 0. */
static void send_msg(struct nlmsghdr *nlh)
{
	ck_assert_int_eq(sendto(mnl_socket_get_fd(from), nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&to, sizeof to),
			 (ssize_t)nlh->nlmsg_len);
}

static void link_msg(uint16_t type, uint8_t family, int ifindex, const char *name, const char *kind, unsigned flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);

	nlh->nlmsg_type = type;
	ifm->ifi_family = family;
	ifm->ifi_index = ifindex;
	ifm->ifi_flags = flags;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (*kind) {
		struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);

		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
		mnl_attr_nest_end(nlh, info);
	}
	send_msg(nlh);
}

static void addr_msg(uint16_t type, int ifindex, const char *addr, uint8_t len, uint8_t scope)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
	uint8_t a[16];
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	nlh->nlmsg_type = type;
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = len;
	ifa->ifa_scope = scope;
	ifa->ifa_index = (uint32_t)ifindex;
	ck_assert_int_eq(inet_pton(family, addr, a), 1);
	mnl_attr_put(nlh, IFA_ADDRESS, family == AF_INET ? 4 : 16, a);
	send_msg(nlh);
}

/* What nl_watch_read makes of what was sent since the last read. */
static bool changed(void)
{
	struct gn_err e;
	bool c = false;

	ck_assert_msg(nl_watch_read(w, &c, &e) == 0, "%s", e.msg);
	return c;
}

static const struct nl_watched *watched(int ifindex)
{
	size_t n;
	const struct nl_watched *v = nl_watch_links(w, &n);

	for (size_t i = 0; i < n; i++)
		if (v[i].link.ifindex == ifindex)
			return &v[i];
	return NULL;
}

START_TEST(containers_pairs_change_nothing)
{
	ck_assert(!changed());
	link_msg(RTM_NEWLINK, AF_UNSPEC, 100, "gnh0123456789ab", "veth", 0);
	link_msg(RTM_NEWLINK, AF_UNSPEC, 101, "vethabc", "veth", 0);
	ck_assert_msg(!changed(), "two new veths without an address made the uplinks be classified again");
	ck_assert_ptr_nonnull(watched(100));
	/* The same link again (it came up): still nothing. */
	link_msg(RTM_NEWLINK, AF_UNSPEC, 100, "gnh0123456789ab", "veth", IFF_UP);
	ck_assert(!changed());
	ck_assert_uint_eq(watched(100)->link.flags & IFF_UP, IFF_UP);
	/* The bridge layer's own messages about a port are not the link's. */
	link_msg(RTM_NEWLINK, AF_BRIDGE, 102, "gnh2", "", 0);
	ck_assert(!changed());
	ck_assert_ptr_null(watched(102));
	/* Link-local addresses say nothing of routing out. */
	addr_msg(RTM_NEWADDR, 100, "fe80::1", 64, RT_SCOPE_LINK);
	ck_assert(!changed());
	link_msg(RTM_DELLINK, AF_UNSPEC, 101, "vethabc", "veth", 0);
	ck_assert_msg(!changed(), "a veth without an address going made the uplinks be classified again");
	ck_assert_ptr_null(watched(101));
}
END_TEST

START_TEST(what_could_route_out_changes)
{
	link_msg(RTM_NEWLINK, AF_UNSPEC, 200, "eth9", "", IFF_UP);
	ck_assert_msg(changed(), "a new physical link did not count");
	link_msg(RTM_NEWLINK, AF_UNSPEC, 201, "br-x", "bridge", 0);
	ck_assert_msg(changed(), "a new bridge did not count");
	/* A veth with a global address routes out (a VM's, a tunnel's). */
	link_msg(RTM_NEWLINK, AF_UNSPEC, 202, "veth-out", "veth", 0);
	ck_assert(!changed());
	addr_msg(RTM_NEWADDR, 202, "192.0.2.9", 24, RT_SCOPE_UNIVERSE);
	ck_assert_msg(changed(), "a global address on a veth did not count");
	ck_assert(watched(202)->global_addr);
	/* Then its other changes count too, and its going. */
	link_msg(RTM_NEWLINK, AF_UNSPEC, 202, "veth-out", "veth", IFF_UP);
	ck_assert(!changed());
	link_msg(RTM_NEWLINK, AF_UNSPEC, 202, "veth-renamed", "veth", IFF_UP);
	ck_assert_msg(changed(), "a veth with a global address renamed did not count");
	addr_msg(RTM_DELADDR, 202, "192.0.2.9", 24, RT_SCOPE_UNIVERSE);
	ck_assert_msg(changed(), "the address going did not count");
	ck_assert(!watched(202)->global_addr);
	link_msg(RTM_DELLINK, AF_UNSPEC, 200, "eth9", "", 0);
	ck_assert_msg(changed(), "a physical link going did not count");
	/* An IPv6 global address on a new tun. */
	link_msg(RTM_NEWLINK, AF_UNSPEC, 203, "tun0", "tun", 0);
	ck_assert(!changed());
	addr_msg(RTM_NEWADDR, 203, "2001:db8::9", 64, RT_SCOPE_UNIVERSE);
	ck_assert(changed());
	ck_assert(watched(203)->global_addr);
}
END_TEST

Suite *nl_watch_suite(void)
{
	Suite *s = suite_create("nl_watch");
	TCase *tc = tcase_create("changed");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, containers_pairs_change_nothing);
	tcase_add_test(tc, what_could_route_out_changes);
	suite_add_tcase(s, tc);
	return s;
}
