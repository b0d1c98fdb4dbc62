/*
 * Links through rtnetlink: guardnet's bridges and veth pairs, made, set up,
 * listed and deleted.  A link is recognised as guardnet's by its alias, or,
 * between the message that creates it and the one that gives it its alias,
 * by the MAC it was created with (nl.h).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "addr.h"
#include "log.h"
#include "nl-msg.h"

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh, int index)
{
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	return ifm;
}

/* What every link guardnet creates starts with: name, MTU (0: the
 * kernel's), MAC, and IFLA_LINKINFO opened with its kind (the caller
 * closes it). */
static struct nlattr *put_new_link(struct nlmsghdr *nlh, const char *name, unsigned mtu, const uint8_t mac[6],
				   const char *kind)
{
	struct nlattr *info;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	return info;
}

/* ip link add NAME [mtu MTU] address MAC type bridge stp_state 0
 *     forward_delay 0 nf_call_iptables 1 nf_call_ip6tables 1 */
struct nlmsghdr *nl_msg_bridge_new(void *buf, const struct nl_bridge *b)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *info, *data;

	put_ifinfo(nlh, 0);
	/* The device group, which guardnet's iptables rules match (the
	 * second barrier), from the start. */
	if (b->group)
		mnl_attr_put_u32(nlh, IFLA_GROUP, b->group);
	info = put_new_link(nlh, b->name, b->mtu, b->mac, "bridge");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 0);
	mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 0);
	/* Traffic between two ports of the bridge must cross the forward
	 * hook, or guardnet.icc=false could not hold. */
	mnl_attr_put_u8(nlh, IFLA_BR_NF_CALL_IPTABLES, 1);
	mnl_attr_put_u8(nlh, IFLA_BR_NF_CALL_IP6TABLES, 1);
	mnl_attr_nest_end(nlh, data); /* IFLA_INFO_DATA */
	mnl_attr_nest_end(nlh, info); /* IFLA_LINKINFO */
	return nlh;
}

/* ip link add HOST [mtu MTU] address HOST_MAC type veth
 *     peer name PEER [mtu MTU] [address PEER_MAC] */
struct nlmsghdr *nl_msg_veth_new(void *buf, const struct nl_veth *v)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *info, *data, *pn;

	put_ifinfo(nlh, 0);
	info = put_new_link(nlh, v->host, v->mtu, v->host_mac, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	pn = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer is a link of its own: its ifinfomsg, then its attributes. */
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, v->peer);
	if (v->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, v->mtu);
	if (v->peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, v->peer_mac);
	mnl_attr_nest_end(nlh, pn);   /* VETH_INFO_PEER */
	mnl_attr_nest_end(nlh, data); /* IFLA_INFO_DATA */
	mnl_attr_nest_end(nlh, info); /* IFLA_LINKINFO */
	return nlh;
}

/* ip link set dev INDEX [up] [master MASTER] [alias ALIAS] */
struct nlmsghdr *nl_msg_link_set(void *buf, int ifindex, const struct nl_change *c)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = put_ifinfo(nlh, ifindex);

	ifm->ifi_change = c->up ? IFF_UP : 0;
	ifm->ifi_flags = c->up ? IFF_UP : 0;
	if (c->master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)c->master);
	if (c->alias)
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, c->alias);
	if (c->group)
		mnl_attr_put_u32(nlh, IFLA_GROUP, c->group);
	return nlh;
}

/* ip link show [NAME] */
struct nlmsghdr *nl_msg_link_get(void *buf, const char *name)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETLINK, name ? 0 : NLM_F_DUMP);

	put_ifinfo(nlh, 0);
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	/* guardnet reads no counter; a link's and its IPv6 statistics are a
	 * third of what the kernel spends filling 6,000 links (perf). */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nlh;
}

/* ip link del NAME */
struct nlmsghdr *nl_msg_link_del(void *buf, const char *name)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_DELLINK, NLM_F_ACK);

	put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

/* bridge link set dev INDEX hairpin on: a container reaching its own
 * published port through a host address gets the answer back out of the
 * port it came in on. */
struct nlmsghdr *nl_msg_hairpin(void *buf, int ifindex)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_SETLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = put_ifinfo(nlh, ifindex);
	struct nlattr *pi;

	ifm->ifi_family = AF_BRIDGE;
	pi = mnl_attr_nest_start(nlh, IFLA_PROTINFO | NLA_F_NESTED);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, 1);
	mnl_attr_nest_end(nlh, pi); /* IFLA_PROTINFO */
	return nlh;
}

/* ip link set NAME alias ALIAS addrgenmode none
 *
 * A bridge port needs no IPv6 address of its own.  Without one, each
 * container no longer adds a link-local address and its routes to the
 * table the kernel walks on every link change, which made the thousandth
 * container slower to start than the tenth.  Set while the link is down,
 * before any address is made.  The alias goes in the same message, for the
 * same reason: changed on a link that is up, it is a link change
 * (NETDEV_CHANGE), and the kernel walks the IPv6 routes, one multicast
 * route per bridge port. */
struct nlmsghdr *nl_msg_port_conf(void *buf, const char *name, const char *alias)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWLINK, NLM_F_ACK);
	struct nlattr *af, *in6;

	put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	in6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, in6); /* AF_INET6 */
	mnl_attr_nest_end(nlh, af);  /* IFLA_AF_SPEC */
	return nlh;
}

static int parse_brport(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	if (mnl_attr_get_type(a) == IFLA_BRPORT_MODE && mnl_attr_validate(a, MNL_TYPE_U8) == 0)
		l->hairpin = mnl_attr_get_u8(a);
	return MNL_CB_OK;
}

static int parse_linkinfo(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_INFO_KIND:
		if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			snprintf(l->kind, sizeof l->kind, "%s", mnl_attr_get_str(a));
		break;
	case IFLA_INFO_SLAVE_KIND:
		/* A bridge port: its settings follow (br_port_fill_attrs);
		 * another master's have other attributes under the same numbers. */
		if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0 && !strcmp(mnl_attr_get_str(a), "bridge"))
			l->hairpin = 0;
		break;
	case IFLA_INFO_SLAVE_DATA:
		if (l->hairpin >= 0)
			mnl_attr_parse_nested(a, parse_brport, l);
		break;
	}
	return MNL_CB_OK;
}

static int parse_inet6(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	if (mnl_attr_get_type(a) == IFLA_INET6_ADDR_GEN_MODE && mnl_attr_validate(a, MNL_TYPE_U8) == 0)
		l->addr_gen_mode = mnl_attr_get_u8(a);
	return MNL_CB_OK;
}

static int parse_inet(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_INET_CONF)
		nl_ipv4_conf_parse(a, &((struct nl_link *)data)->ipv4);
	return MNL_CB_OK;
}

static int parse_af(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == AF_INET)
		mnl_attr_parse_nested(a, parse_inet, data);
	else if (mnl_attr_get_type(a) == AF_INET6)
		mnl_attr_parse_nested(a, parse_inet6, data);
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
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_GROUP:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->group = mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(a, parse_linkinfo, l);
		break;
	case IFLA_AF_SPEC:
		mnl_attr_parse_nested(a, parse_af, l);
		break;
	}
	return MNL_CB_OK;
}

void nl_link_parse(const struct nlmsghdr *nlh, struct nl_link *ret)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	memset(ret, 0, sizeof *ret);
	ret->ifindex = ifm->ifi_index;
	ret->flags = ifm->ifi_flags;
	ret->hairpin = ret->addr_gen_mode = -1;
	ret->ipv4 = (struct nl_ipv4_conf){ -1, -1, -1 };
	mnl_attr_parse(nlh, sizeof *ifm, parse_link_attr, ret);
}

struct link_list {
	struct nl_link *v;
	size_t n, cap;
};

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct link_list *ll = data;

	if (ll->n == ll->cap) {
		size_t cap = ll->cap ? ll->cap * 2 : 32;
		struct nl_link *v = realloc(ll->v, cap * sizeof *v);

		if (!v)
			return MNL_CB_ERROR;
		ll->v = v;
		ll->cap = cap;
	}
	nl_link_parse(nlh, &ll->v[ll->n++]);
	return MNL_CB_OK;
}

int nl_links(struct gn_nl *nl, struct nl_link **ret, size_t *n, struct gn_err *err)
{
	char buf[NL_BUF_SIZE];
	struct link_list ll = { 0 };
	int r = nl_talk(nl, nl_msg_link_get(buf, NULL), on_link, &ll);

	if (r < 0) {
		free(ll.v);
		return gn_errf(err, r, "listing links: %s", strerror(-r));
	}
	*ret = ll.v;
	*n = ll.n;
	return 0;
}

int nl_link_get(struct gn_nl *nl, const char *name, struct nl_link *ret)
{
	char buf[NL_BUF_SIZE];
	struct link_list ll = { 0 };
	int r = nl_talk(nl, nl_msg_link_get(buf, name), on_link, &ll);

	if (r == 0 && ll.n == 1)
		*ret = ll.v[0];
	else if (r == 0 || r == -ENOENT)
		r = -ENODEV;
	free(ll.v);
	return r;
}

static int link_set(struct gn_nl *nl, const char *name, const struct nl_change *c)
{
	char buf[NL_BUF_SIZE];
	int idx = (int)if_nametoindex(name);

	return idx ? nl_talk(nl, nl_msg_link_set(buf, idx, c), NULL, NULL) : -ENODEV;
}

bool nl_link_adoptable(const struct nl_link *have, const char *kind, const char *alias, const uint8_t mac[6])
{
	return (!strcmp(have->alias, alias) || (!have->alias[0] && !memcmp(have->mac, mac, sizeof have->mac))) &&
	       !strcmp(have->kind, kind);
}

/* 0 when name is free, 1 when it is our link (same alias, or made by us and
 * not yet given the alias: no alias and the MAC we create it with), -EEXIST
 * otherwise. */
static int claim(struct gn_nl *nl, const char *name, const char *kind, const char *alias, const uint8_t mac[6],
		 struct gn_err *err)
{
	struct nl_link l;
	int r = nl_link_get(nl, name, &l);

	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return gn_errf(err, r, "link %s: %s", name, strerror(-r));
	if (nl_link_adoptable(&l, kind, alias, mac))
		return 1;
	return gn_errf(err, -EEXIST, "a %s named %s exists already and is not this guardnet %s's",
		       l.kind[0] ? l.kind : "link", name, !strcmp(kind, "bridge") ? "network" : "endpoint");
}

int nl_bridge_create(struct gn_nl *nl, const struct nl_bridge *b, struct gn_err *err)
{
	char buf[NL_BUF_SIZE];
	int r = claim(nl, b->name, "bridge", b->alias, b->mac, err), idx;

	if (r < 0)
		return r;
	if (r == 0 && (r = nl_talk(nl, nl_msg_bridge_new(buf, b), NULL, NULL)) < 0)
		return gn_errf(err, r, "creating bridge %s: %s", b->name, strerror(-r));
	idx = (int)if_nametoindex(b->name);
	for (size_t i = 0; i < b->n_addrs && r >= 0; i++) {
		r = nl_talk(nl, nl_msg_addr_new(buf, idx, &b->addrs[i]), NULL, NULL);
		if (r < 0) {
			char a[GN_PREFIX_STRLEN];

			prefix_format(&b->addrs[i], a, sizeof a);
			gn_errf(err, r, "adding %s to bridge %s: %s", a, b->name, strerror(-r));
		}
	}
	if (r >= 0 && (r = link_set(nl, b->name, &(struct nl_change){ .up = true, .alias = b->alias, .group = b->group })) < 0)
		gn_errf(err, r, "bringing bridge %s up: %s", b->name, strerror(-r));
	return r < 0 ? r : 0;
}

int nl_veth_create(struct gn_nl *nl, const struct nl_veth *v, struct gn_err *err)
{
	char buf[NL_BUF_SIZE];
	struct nl_link l;
	int r = claim(nl, v->host, "veth", v->alias, v->host_mac, err), midx, off;

	if (r < 0)
		return r;
	midx = (int)if_nametoindex(v->master);
	if (!midx)
		return gn_errf(err, -ENODEV, "bridge %s for veth %s does not exist", v->master, v->host);
	if (r == 0 && (r = nl_talk(nl, nl_msg_veth_new(buf, v), NULL, NULL)) < 0)
		return gn_errf(err, r, "creating veth pair %s/%s: %s", v->host, v->peer, strerror(-r));
	/* Failing costs only speed (a kernel without IPv6 has nothing to
	 * generate anyway): the alias then comes with the link up. */
	r = nl_talk(nl, nl_msg_port_conf(buf, v->host, v->alias), NULL, NULL);
	if (r < 0)
		log_debug("%s: IPv6 address generation stays on: %s", v->host, strerror(-r));
	if ((off = nl_port_ipv6_off(v->host)) < 0)
		log_debug("%s: IPv6 stays on: %s", v->host, strerror(-off));
	/* Asking for the link makes the kernel apply its pending carrier
	 * state (linkwatch_sync_dev in rtnl_getlink): down until the
	 * container's end is up.  Left "unknown", the bridge takes the new
	 * port for up and enables it while enslaving it, a pass over every
	 * port (and each one's multicast timers) in this call.  It is now
	 * enabled when its carrier comes, in the kernel's link watch. */
	nl_link_get(nl, v->host, &l);
	r = link_set(nl, v->host, &(struct nl_change){ .up = true, .master = midx, .alias = r < 0 ? v->alias : NULL });
	if (r == 0) {
		int idx = (int)if_nametoindex(v->host);

		r = idx ? nl_talk(nl, nl_msg_hairpin(buf, idx), NULL, NULL) : -ENODEV;
	}
	if (r < 0) {
		gn_errf(err, r, "attaching %s to %s: %s", v->host, v->master, strerror(-r));
		nl_link_delete(nl, v->host, NULL);
	}
	return r;
}

int nl_link_delete(struct gn_nl *nl, const char *name, struct gn_err *err)
{
	char buf[NL_BUF_SIZE];
	int r = nl_talk(nl, nl_msg_link_del(buf, name), NULL, NULL);

	if (r == -ENODEV || r == -ENOENT)
		return 0;
	return r < 0 ? gn_errf(err, r, "deleting link %s: %s", name, strerror(-r)) : 0;
}
