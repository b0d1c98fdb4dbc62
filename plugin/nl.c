#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "addr.h"
#include "log.h"
#include "nl.h"

#define BUF_SIZE 32768

struct gn_nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
};

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

/* buf holds BUF_SIZE bytes.  It is zeroed first: libmnl leaves attribute
 * padding as it finds it, and stack bytes must not go to the kernel. */
static struct nlmsghdr *start(struct gn_nl *nl, char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, BUF_SIZE);
	nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

/* Sends one request and waits for its answer; cb sees data messages. */
static int talk(struct gn_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[BUF_SIZE];
	int n;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = (int)mnl_socket_recvfrom(nl->sock, buf, sizeof buf);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		n = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, nl->portid, cb, data);
	} while (n > 0 && (nlh->nlmsg_flags & NLM_F_DUMP));
	return n < 0 ? -errno : 0;
}

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh, int index)
{
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	return ifm;
}

/* What link_set changes: each field that is set.  A link that is down may
 * be renamed, and a new alias on a link that is down is no link change for
 * the kernel to walk its routes over. */
struct link_change {
	const char *name;          /* the new name */
	bool up;
	int master;                /* ifindex of the bridge to enslave it to */
	const char *alias;
	const uint8_t *mac;
};

static int link_set(struct gn_nl *nl, const char *name, const struct link_change *c)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh = start(nl, buf, RTM_NEWLINK, NLM_F_ACK);
	int idx = (int)if_nametoindex(name);
	struct ifinfomsg *ifm;

	if (!idx)
		return -ENODEV;
	ifm = put_ifinfo(nlh, idx);
	ifm->ifi_change = c->up ? IFF_UP : 0;
	ifm->ifi_flags = c->up ? IFF_UP : 0;
	if (c->name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, c->name);
	if (c->master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)c->master);
	if (c->alias)
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, c->alias);
	if (c->mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, c->mac);
	return talk(nl, nlh, NULL, NULL);
}

static int addr_add(struct gn_nl *nl, int ifindex, const struct gn_prefix *p)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh = start(nl, buf, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
	size_t len = p->addr.family == AF_INET ? 4 : 16;

	ifa->ifa_family = p->addr.family;
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_index = (unsigned)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, len, p->addr.a);
	mnl_attr_put(nlh, IFA_ADDRESS, len, p->addr.a);
	if (p->addr.family == AF_INET) {
		struct gn_prefix host = { .addr = p->addr, .len = p->len };
		struct gn_addr bcast;

		/* The broadcast address: the network with every host bit set. */
		prefix_network(&host, &bcast);
		for (unsigned bit = p->len; bit < 32; bit++)
			bcast.a[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		mnl_attr_put(nlh, IFA_BROADCAST, 4, bcast.a);
	} else {
		/* No duplicate address detection: the gateway is ours alone,
		 * and DAD would leave it tentative (unusable) for a second. */
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return talk(nl, nlh, NULL, NULL);
}

struct find_ctx {
	const char *name;
	struct nl_link *out;
	bool found;
};

static int parse_linkinfo(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
		snprintf(l->kind, sizeof l->kind, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int parse_link_attr(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			snprintf(l->name, sizeof l->name, "%s", mnl_attr_get_str(a));
		break;
	case IFLA_IFALIAS:
		if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			snprintf(l->alias, sizeof l->alias, "%s", mnl_attr_get_str(a));
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == sizeof l->mac)
			memcpy(l->mac, mnl_attr_get_payload(a), sizeof l->mac);
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->master = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(a, parse_linkinfo, l);
		break;
	}
	return MNL_CB_OK;
}

struct link_list {
	struct nl_link *v;
	size_t n, cap;
};

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct link_list *ll = data;
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct nl_link l = { .ifindex = ifm->ifi_index };

	mnl_attr_parse(nlh, sizeof *ifm, parse_link_attr, &l);
	if (ll->n == ll->cap) {
		size_t cap = ll->cap ? ll->cap * 2 : 32;
		struct nl_link *v = realloc(ll->v, cap * sizeof *v);

		if (!v)
			return MNL_CB_ERROR;
		ll->v = v;
		ll->cap = cap;
	}
	ll->v[ll->n++] = l;
	return MNL_CB_OK;
}

int nl_links(struct gn_nl *nl, struct nl_link **ret, size_t *n, struct gn_err *err)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh = start(nl, buf, RTM_GETLINK, NLM_F_DUMP);
	struct link_list ll = { 0 };
	int r;

	put_ifinfo(nlh, 0);
	r = talk(nl, nlh, on_link, &ll);
	if (r < 0) {
		free(ll.v);
		return gn_errf(err, r, "listing links: %s", strerror(-r));
	}
	*ret = ll.v;
	*n = ll.n;
	return 0;
}

struct route_ctx {
	struct nl_route *r;
	int oif;
	int family;
};

static int parse_route_attr(const struct nlattr *a, void *data)
{
	struct route_ctx *c = data;
	size_t alen = c->family == AF_INET ? 4 : 16;

	switch (mnl_attr_get_type(a)) {
	case RTA_OIF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			c->oif = (int)mnl_attr_get_u32(a);
		break;
	case RTA_PREFSRC:
		if (mnl_attr_get_payload_len(a) == alen) {
			c->r->src.family = (uint8_t)c->family;
			memcpy(c->r->src.a, mnl_attr_get_payload(a), alen);
			c->r->has_src = true;
		}
		break;
	}
	return MNL_CB_OK;
}

static int on_route(const struct nlmsghdr *nlh, void *data)
{
	struct route_ctx *c = data;
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	c->r->local = rtm->rtm_type == RTN_LOCAL;
	mnl_attr_parse(nlh, sizeof *rtm, parse_route_attr, c);
	return MNL_CB_OK;
}

int nl_route_get(struct gn_nl *nl, const struct gn_addr *dst, struct nl_route *ret, struct gn_err *err)
{
	char buf[BUF_SIZE], name[GN_PREFIX_STRLEN];
	struct nlmsghdr *nlh = start(nl, buf, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
	struct route_ctx c = { .r = ret, .family = dst->family };
	int r;

	memset(ret, 0, sizeof *ret);
	rtm->rtm_family = dst->family;
	rtm->rtm_dst_len = dst->family == AF_INET ? 32 : 128;
	mnl_attr_put(nlh, RTA_DST, dst->family == AF_INET ? 4 : 16, dst->a);
	r = talk(nl, nlh, on_route, &c);
	if (r == 0 && c.oif > 0 && !if_indextoname((unsigned)c.oif, ret->oif))
		ret->oif[0] = '\0';
	/* No route: not the host's, and nothing arrives from there. */
	if (r == -ENETUNREACH || r == -EHOSTUNREACH)
		return 0;
	if (r < 0) {
		addr_format(dst, name, sizeof name);
		return gn_errf(err, r, "no route to %s: %s", name, strerror(-r));
	}
	return 0;
}

/* The link called name, if any. */
static int link_get(struct gn_nl *nl, const char *name, struct nl_link *ret)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh = start(nl, buf, RTM_GETLINK, 0);
	struct link_list ll = { 0 };
	int r;

	put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	r = talk(nl, nlh, on_link, &ll);
	if (r == 0 && ll.n == 1)
		*ret = ll.v[0];
	else if (r == 0)
		r = -ENODEV;
	free(ll.v);
	return r;
}

/* 0 when name is free, 1 when it is our link (same alias, or made by us and
 * not yet given the alias: no alias and the MAC we create it with), -EEXIST
 * otherwise. */
static int claim(struct gn_nl *nl, const char *name, const char *kind, const char *alias, const uint8_t mac[6],
		 struct gn_err *err)
{
	struct nl_link l;
	int r = link_get(nl, name, &l);

	if (r == -ENODEV || r == -ENOENT)
		return 0;
	if (r < 0)
		return gn_errf(err, r, "link %s: %s", name, strerror(-r));
	if ((!strcmp(l.alias, alias) || (!l.alias[0] && !memcmp(l.mac, mac, sizeof l.mac))) && !strcmp(l.kind, kind))
		return 1;
	return gn_errf(err, -EEXIST, "a %s named %s exists already and is not this guardnet %s's",
		       l.kind[0] ? l.kind : "link", name, !strcmp(kind, "bridge") ? "network" : "endpoint");
}

int nl_bridge_create(struct gn_nl *nl, const struct nl_bridge *b, struct gn_err *err)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *info, *data;
	int r = claim(nl, b->name, "bridge", b->alias, b->mac, err), idx;

	if (r < 0)
		return r;
	if (r == 0) {
		nlh = start(nl, buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
		put_ifinfo(nlh, 0);
		mnl_attr_put_strz(nlh, IFLA_IFNAME, b->name);
		if (b->mtu)
			mnl_attr_put_u32(nlh, IFLA_MTU, b->mtu);
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, b->mac);
		info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 0);
		mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 0);
		/* Traffic between two ports of the bridge must cross the
		 * forward hook, or guardnet.icc=false could not hold. */
		mnl_attr_put_u8(nlh, IFLA_BR_NF_CALL_IPTABLES, 1);
		mnl_attr_put_u8(nlh, IFLA_BR_NF_CALL_IP6TABLES, 1);
		mnl_attr_nest_end(nlh, data); /* IFLA_INFO_DATA */
		mnl_attr_nest_end(nlh, info); /* IFLA_LINKINFO */
		r = talk(nl, nlh, NULL, NULL);
		if (r < 0)
			return gn_errf(err, r, "creating bridge %s: %s", b->name, strerror(-r));
	}
	idx = (int)if_nametoindex(b->name);
	for (size_t i = 0; i < b->n_addrs && r >= 0; i++) {
		r = addr_add(nl, idx, &b->addrs[i]);
		if (r < 0) {
			char a[GN_PREFIX_STRLEN];

			prefix_format(&b->addrs[i], a, sizeof a);
			gn_errf(err, r, "adding %s to bridge %s: %s", a, b->name, strerror(-r));
		}
	}
	if (r >= 0 && (r = link_set(nl, b->name, &(struct link_change){ .up = true, .alias = b->alias })) < 0)
		gn_errf(err, r, "bringing bridge %s up: %s", b->name, strerror(-r));
	return r < 0 ? r : 0;
}

/* Lets the bridge send a frame back out of the port it came in on: a
 * container reaching its own published port through a host address. */
static int hairpin(struct gn_nl *nl, const char *port)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh = start(nl, buf, RTM_SETLINK, NLM_F_ACK);
	struct ifinfomsg *ifm;
	struct nlattr *pi;
	int idx = (int)if_nametoindex(port);

	if (!idx)
		return -ENODEV;
	ifm = put_ifinfo(nlh, idx);
	ifm->ifi_family = AF_BRIDGE;
	pi = mnl_attr_nest_start(nlh, IFLA_PROTINFO | NLA_F_NESTED);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, 1);
	mnl_attr_nest_end(nlh, pi); /* IFLA_PROTINFO */
	return talk(nl, nlh, NULL, NULL);
}

/* A bridge port needs no IPv6 address of its own.  Without one, each
 * container no longer adds a link-local address and its routes to the
 * table the kernel walks on every link change, which made the thousandth
 * container slower to start than the tenth.  Set while the link is down,
 * before any address is made.  The alias goes in the same message, for
 * the same reason: changed on a link that is up, it is a link change
 * (NETDEV_CHANGE), and the kernel walks the IPv6 routes, one multicast
 * route per bridge port.  Returns 0 when the alias is set. */
static int no_ipv6_address(struct gn_nl *nl, const char *name, const char *alias)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh = start(nl, buf, RTM_NEWLINK, NLM_F_ACK);
	struct nlattr *af, *in6;
	int r;

	put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	in6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, in6);
	mnl_attr_nest_end(nlh, af);
	/* Failing costs only speed (a kernel without IPv6 has nothing to
	 * generate anyway): the caller sets the alias with the link up. */
	r = talk(nl, nlh, NULL, NULL);
	if (r < 0)
		log_debug("%s: IPv6 address generation stays on: %s", name, strerror(-r));
	return r;
}

int nl_veth_create(struct gn_nl *nl, const struct nl_veth *v, struct gn_err *err)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *info, *data, *pn;
	struct ifinfomsg *pifm;
	struct nl_link l;
	int r = claim(nl, v->host, "veth", v->alias, v->host_mac, err), midx;

	if (r < 0)
		return r;
	midx = (int)if_nametoindex(v->master);
	if (!midx)
		return gn_errf(err, -ENODEV, "bridge %s for veth %s does not exist", v->master, v->host);
	if (r == 0) {
		nlh = start(nl, buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
		put_ifinfo(nlh, 0);
		mnl_attr_put_strz(nlh, IFLA_IFNAME, v->host);
		if (v->mtu)
			mnl_attr_put_u32(nlh, IFLA_MTU, v->mtu);
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, v->host_mac);
		info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		pn = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
		pifm = mnl_nlmsg_put_extra_header(nlh, sizeof *pifm);
		memset(pifm, 0, sizeof *pifm);
		mnl_attr_put_strz(nlh, IFLA_IFNAME, v->peer);
		if (v->mtu)
			mnl_attr_put_u32(nlh, IFLA_MTU, v->mtu);
		if (v->peer_mac)
			mnl_attr_put(nlh, IFLA_ADDRESS, 6, v->peer_mac);
		mnl_attr_nest_end(nlh, pn);   /* VETH_INFO_PEER */
		mnl_attr_nest_end(nlh, data); /* IFLA_INFO_DATA */
		mnl_attr_nest_end(nlh, info); /* IFLA_LINKINFO */
		r = talk(nl, nlh, NULL, NULL);
		if (r < 0)
			return gn_errf(err, r, "creating veth pair %s/%s: %s", v->host, v->peer, strerror(-r));
	}
	r = no_ipv6_address(nl, v->host, v->alias);
	/* Asking for the link makes the kernel apply its pending carrier
	 * state (linkwatch_sync_dev in rtnl_getlink): down until the
	 * container's end is up.  Left "unknown", the bridge takes the new
	 * port for up and enables it while enslaving it, a pass over every
	 * port (and each one's multicast timers) in this call.  It is now
	 * enabled when its carrier comes, in the kernel's link watch. */
	link_get(nl, v->host, &l);
	r = link_set(nl, v->host,
		     &(struct link_change){ .up = true, .master = midx, .alias = r < 0 ? v->alias : NULL });
	if (r == 0)
		r = hairpin(nl, v->host);
	if (r < 0) {
		gn_errf(err, r, "attaching %s to %s: %s", v->host, v->master, strerror(-r));
		nl_link_delete(nl, v->host, NULL);
	}
	return r;
}

int nl_link_delete(struct gn_nl *nl, const char *name, struct gn_err *err)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh = start(nl, buf, RTM_DELLINK, NLM_F_ACK);
	int r;

	put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	r = talk(nl, nlh, NULL, NULL);
	if (r == -ENODEV || r == -ENOENT)
		return 0;
	return r < 0 ? gn_errf(err, r, "deleting link %s: %s", name, strerror(-r)) : 0;
}

static int sysctl_path(const char *key, char *path, size_t len)
{
	/* Interface names may not contain "..": keys are built from them. */
	if (strstr(key, ".."))
		return -EINVAL;
	snprintf(path, len, "/proc/sys/%s", key);
	return 0;
}

int nl_sysctl_set(const char *key, const char *value, struct gn_err *err)
{
	char path[256];
	int fd, r = sysctl_path(key, path, sizeof path);
	ssize_t n;

	if (r < 0)
		return gn_errf(err, r, "sysctl %s: invalid key", key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return gn_errf(err, -errno, "sysctl %s: %s", key, strerror(errno));
	n = write(fd, value, strlen(value));
	r = n < 0 ? -errno : 0;
	close(fd);
	return r < 0 ? gn_errf(err, r, "sysctl %s=%s: %s", key, value, strerror(-r)) : 0;
}

int nl_sysctl_get(const char *key, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	if (sysctl_path(key, path, sizeof path) < 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}
