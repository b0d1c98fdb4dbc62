/*
 * Addresses and routes through rtnetlink: a bridge's gateway addresses,
 * and how the host routes to an address (for guardnetctl explain).
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "addr.h"
#include "log.h"
#include "nl-msg.h"

/* ip addr replace ADDR/LEN [broadcast B | nodad] dev INDEX */
struct nlmsghdr *nl_msg_addr_new(void *buf, int ifindex, const struct gn_prefix *p)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
	size_t len = p->addr.family == AF_INET ? 4 : 16;

	ifa->ifa_family = p->addr.family;
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_index = (unsigned)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, len, p->addr.a);
	mnl_attr_put(nlh, IFA_ADDRESS, len, p->addr.a);
	if (p->addr.family == AF_INET) {
		struct gn_addr bcast;

		/* The broadcast address: the network with every host bit set. */
		prefix_network(p, &bcast);
		for (unsigned bit = p->len; bit < 32; bit++)
			bcast.a[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		mnl_attr_put(nlh, IFA_BROADCAST, 4, bcast.a);
	} else {
		/* No duplicate address detection: the gateway is ours alone,
		 * and DAD would leave it tentative (unusable) for a second. */
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return nlh;
}

/* ip route get DST */
struct nlmsghdr *nl_msg_route_get(void *buf, const struct gn_addr *dst)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);

	rtm->rtm_family = dst->family;
	rtm->rtm_dst_len = dst->family == AF_INET ? 32 : 128;
	mnl_attr_put(nlh, RTA_DST, dst->family == AF_INET ? 4 : 16, dst->a);
	return nlh;
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
	char buf[NL_BUF_SIZE], name[GN_PREFIX_STRLEN];
	struct route_ctx c = { .r = ret, .family = dst->family };
	int r;

	memset(ret, 0, sizeof *ret);
	r = nl_talk(nl, nl_msg_route_get(buf, dst), on_route, &c);
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

/* ip addr show */
struct nlmsghdr *nl_msg_addr_dump(void *buf)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);

	ifa->ifa_family = AF_UNSPEC;
	return nlh;
}

struct addr_list {
	struct nl_addr *v;
	size_t n, cap;
	const struct ifaddrmsg *ifa;
	bool local;                 /* IFA_LOCAL seen: it is the address */
};

static int parse_addr_attr(const struct nlattr *a, void *data)
{
	struct addr_list *l = data;
	struct nl_addr *x = &l->v[l->n];
	uint16_t type = mnl_attr_get_type(a);
	size_t alen = l->ifa->ifa_family == AF_INET ? 4 : 16;

	/* IPv4 has the address in IFA_LOCAL (IFA_ADDRESS is the peer's on
	 * a point-to-point link); IPv6 in IFA_ADDRESS alone. */
	if ((type != IFA_LOCAL && (type != IFA_ADDRESS || l->local)) || mnl_attr_get_payload_len(a) != alen)
		return MNL_CB_OK;
	memcpy(x->p.addr.a, mnl_attr_get_payload(a), alen);
	l->local = type == IFA_LOCAL;
	return MNL_CB_OK;
}

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	struct addr_list *l = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct nl_addr *v = realloc(l->v, cap * sizeof *v);

		if (!v)
			return MNL_CB_ERROR;
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof l->v[0]);
	l->v[l->n].ifindex = (int)ifa->ifa_index;
	l->v[l->n].p.addr.family = ifa->ifa_family;
	l->v[l->n].p.len = ifa->ifa_prefixlen;
	l->ifa = ifa;
	l->local = false;
	mnl_attr_parse(nlh, sizeof *ifa, parse_addr_attr, l);
	l->n++;
	return MNL_CB_OK;
}

int nl_addrs(struct gn_nl *nl, struct nl_addr **ret, size_t *n, struct gn_err *err)
{
	char buf[NL_BUF_SIZE];
	struct addr_list l = { 0 };
	int r = nl_talk(nl, nl_msg_addr_dump(buf), on_addr, &l);

	if (r < 0) {
		free(l.v);
		return gn_errf(err, r, "listing addresses: %s", strerror(-r));
	}
	*ret = l.v;
	*n = l.n;
	return 0;
}
