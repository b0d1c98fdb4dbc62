/*
 * Kernel settings guardnet makes.  Per interface they go through rtnetlink,
 * which works where /proc/sys is read-only (a Docker managed plugin): the
 * IPv4 ones (net.ipv4.conf.<link>.*) in RTM_NEWLINK's IFLA_AF_SPEC /
 * AF_INET / IFLA_INET_CONF, one attribute per setting, typed by its
 * IPV4_DEVCONF_* index.  The kernel accepts no IPv6 setting that way but
 * addr_gen_mode (nl-link.c): IFLA_INET6_CONF is read-only.  The host-wide
 * forwarding switches have no netlink path at all and are read and written
 * under /proc/sys.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "nl-msg.h"

static const struct {
	size_t offset;      /* in struct nl_ipv4_conf */
	int id;             /* IPV4_DEVCONF_* */
	const char *name;   /* under net.ipv4.conf.<link> */
} ipv4_settings[] = {
	{ offsetof(struct nl_ipv4_conf, forwarding), IPV4_DEVCONF_FORWARDING, "forwarding" },
	{ offsetof(struct nl_ipv4_conf, route_localnet), IPV4_DEVCONF_ROUTE_LOCALNET, "route_localnet" },
	{ offsetof(struct nl_ipv4_conf, rp_filter), IPV4_DEVCONF_RP_FILTER, "rp_filter" },
};
#define N_SETTINGS (sizeof ipv4_settings / sizeof ipv4_settings[0])

static int *setting(struct nl_ipv4_conf *c, size_t i)
{
	return (int *)((char *)c + ipv4_settings[i].offset);
}

/* sysctl net.ipv4.conf.INDEX.forwarding=F route_localnet=R rp_filter=P */
struct nlmsghdr *nl_msg_ipv4_conf(void *buf, int ifindex, const struct nl_ipv4_conf *c)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
	struct nlattr *af, *in, *conf;

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	in = mnl_attr_nest_start(nlh, AF_INET);
	conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);
	for (size_t i = 0; i < N_SETTINGS; i++) {
		int v = *setting((struct nl_ipv4_conf *)c, i);

		if (v >= 0)
			mnl_attr_put_u32(nlh, (uint16_t)ipv4_settings[i].id, (uint32_t)v);
	}
	mnl_attr_nest_end(nlh, conf); /* IFLA_INET_CONF */
	mnl_attr_nest_end(nlh, in);   /* AF_INET */
	mnl_attr_nest_end(nlh, af);   /* IFLA_AF_SPEC */
	return nlh;
}

int nl_ipv4_conf_set(struct gn_nl *nl, const char *link, const struct nl_ipv4_conf *c, struct gn_err *err)
{
	char buf[NL_BUF_SIZE];
	int idx = (int)if_nametoindex(link), r;

	if (!idx)
		return gn_errf(err, -ENODEV, "IPv4 settings of %s: no such link", link);
	r = nl_talk(nl, nl_msg_ipv4_conf(buf, idx, c), NULL, NULL);
	if (r < 0)
		return gn_errf(err, r, "IPv4 settings of %s (forwarding %d, route_localnet %d, rp_filter %d): %s", link,
			       c->forwarding, c->route_localnet, c->rp_filter, strerror(-r));
	return 0;
}

/* In an answer, IFLA_INET_CONF is not nested: it is the array of every
 * setting, IPV4_DEVCONF_* index i at position i - 1 (inet_fill_link_af). */
void nl_ipv4_conf_parse(const struct nlattr *a, struct nl_ipv4_conf *c)
{
	for (size_t i = 0; i < N_SETTINGS; i++) {
		size_t at = (size_t)(ipv4_settings[i].id - 1) * 4;
		uint32_t v;

		if (mnl_attr_get_payload_len(a) >= at + 4) {
			memcpy(&v, (const char *)mnl_attr_get_payload(a) + at, 4);
			*setting(c, i) = (int)v;
		}
	}
}

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct nl_link l;

	nl_link_parse(nlh, &l);
	*(struct nl_ipv4_conf *)data = l.ipv4;
	return MNL_CB_OK;
}

int nl_ipv4_conf_get(struct gn_nl *nl, const char *link, struct nl_ipv4_conf *ret, struct gn_err *err)
{
	char buf[NL_BUF_SIZE];
	struct nl_ipv4_conf c = { -1, -1, -1 };
	int r = nl_talk(nl, nl_msg_link_get(buf, link), on_link, &c);

	if (r < 0)
		return gn_errf(err, r, "IPv4 settings of %s: %s", link, strerror(-r));
	*ret = c;
	return 0;
}

static const char *forwarding_path(int family)
{
	return family == AF_INET6 ? "/proc/sys/net/ipv6/conf/all/forwarding" : "/proc/sys/net/ipv4/ip_forward";
}

int nl_forwarding_get(int family, bool *ret)
{
	char buf[8] = "";
	int fd = open(forwarding_path(family), O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return -errno;
	*ret = buf[0] != '0';
	return 0;
}

int nl_forwarding_set(int family, bool on, struct gn_err *err)
{
	const char *path = forwarding_path(family);
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return gn_errf(err, -errno, "%s: %s", path, strerror(errno));
	if (write(fd, on ? "1" : "0", 1) < 0)
		r = -errno;
	close(fd);
	return r < 0 ? gn_errf(err, r, "%s=%d: %s", path, on, strerror(-r)) : 0;
}

/* A bridge port needs no IPv6 at all (nl_msg_port_conf took its addresses
 * away).  Without IPv6 it has no multicast route either: one per port, in
 * the table the kernel walks whenever a link goes down or away
 * (fib6_ifdown: a quarter of guardnetd's profile while containers came and
 * went on a host of 10,000).  Set before the link is up, when the route
 * would be made.  There is no netlink path; where /proc/sys is read-only
 * (a managed plugin) the port keeps IPv6, which costs time, nothing else. */
int nl_port_ipv6_off(const char *link)
{
	char path[96];
	int fd, r = 0;

	snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", link);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) < 0)
		r = -errno;
	close(fd);
	return r;
}
