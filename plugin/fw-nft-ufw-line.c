/*
 * One of UFW's -A lines as nf_tables expressions (fw-nft-ufw.c builds the
 * chains that hold them): what the line matches, against what a host
 * service would see, and how its REJECT answers.  Incoming rules match the
 * connection's original destination (ct original daddr and proto-dst), the
 * host address and port the client asked for; route rules match the
 * forwarded packet (the container and its port).  Matches that xtables
 * has and nft has not (recent, limit) go through nft_compat, encoded as
 * iptables-nft encodes them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter/xt_limit.h>
#include <linux/netfilter/xt_recent.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <netinet/in.h>

#include "fw.h"
#include "fw-nft.h"

/* reg1 within prefix p (already loaded); inv: not within */
void x_prefix(struct nftnl_rule *r, const struct gn_prefix *p, bool inv)
{
	uint32_t alen = p->addr.family == AF_INET ? 4 : 16;
	uint8_t mask[16] = { 0 }, zero[16] = { 0 }, net[16];

	for (unsigned bit = 0; bit < p->len; bit++)
		mask[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	for (unsigned i = 0; i < alen; i++)
		net[i] = p->addr.a[i] & mask[i];
	if (p->len)
		x_bitwise(r, mask, zero, alen);
	x_cmp(r, inv ? NFT_CMP_NEQ : NFT_CMP_EQ, net, alen);
}

/* reg1 (a port, network order) within lo-hi */
static void x_range(struct nftnl_rule *r, uint16_t lo, uint16_t hi)
{
	uint16_t l = htons(lo), h = htons(hi);

	if (lo == hi) {
		x_cmp(r, NFT_CMP_EQ, &l, 2);
		return;
	}
	if (lo)
		x_cmp(r, NFT_CMP_GTE, &l, 2);
	if (hi != 65535)
		x_cmp(r, NFT_CMP_LTE, &h, 2);
}

static void x_ct_orig(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, 0); /* IP_CT_DIR_ORIGINAL */
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

/* "iifname eth0" or "iifname eth+" (a prefix), or their negation. */
static void x_dev(struct nftnl_rule *r, uint32_t key, const char *name, bool inv)
{
	size_t n = strlen(name);

	if (name[n - 1] != '+') {
		x_ifname(r, key, inv ? NFT_CMP_NEQ : NFT_CMP_EQ, name);
		return;
	}
	x_meta(r, key, NFT_REG_1);
	if (n > 1)
		x_cmp(r, inv ? NFT_CMP_NEQ : NFT_CMP_EQ, name, (uint32_t)n - 1);
}

/* An xtables match through nft_compat, as iptables-nft sends it. */
static void x_match(struct nftnl_rule *r, const char *name, uint32_t rev, const void *info, size_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("match");
	void *copy = malloc(len);

	/* libnftnl keeps (and later frees) the info pointer it is given. */
	if (!copy) {
		nftnl_expr_free(e);
		return;
	}
	memcpy(copy, info, len);
	nftnl_expr_set_str(e, NFTNL_EXPR_MT_NAME, name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_MT_REV, rev);
	nftnl_expr_set(e, NFTNL_EXPR_MT_INFO, copy, (uint32_t)len);
	nftnl_rule_add_expr(r, e);
}

/* -m recent: xt_recent's revision 1, every address bit significant (as
 * iptables fills in --mask's default), source side. */
static void x_recent(struct nftnl_rule *r, const struct ufw_recent *u)
{
	struct xt_recent_mtinfo_v1 info;

	memset(&info, 0, sizeof info);
	info.seconds = u->seconds;
	info.hit_count = u->hitcount;
	info.check_set = u->ops;
	info.invert = u->inv;
	info.side = XT_RECENT_SOURCE;
	snprintf(info.name, sizeof info.name, "%s", u->name[0] ? u->name : "DEFAULT");
	memset(&info.mask, 0xff, sizeof info.mask);
	x_match(r, "recent", 1, &info, sizeof info);
}

static void x_xt_limit(struct nftnl_rule *r, const struct ufw_limit *u)
{
	struct xt_rateinfo info;

	memset(&info, 0, sizeof info);
	info.avg = u->avg;
	info.burst = u->burst;
	x_match(r, "limit", 0, &info, sizeof info);
}

/* exthdr: the IPv6 routing header's type, when there is one */
static void x_rt_type(struct nftnl_rule *r, uint8_t type)
{
	struct nftnl_expr *e = nftnl_expr_alloc("exthdr");

	nftnl_expr_set_u8(e, NFTNL_EXPR_EXTHDR_TYPE, IPPROTO_ROUTING);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OFFSET, 2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_LEN, 1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OP, NFT_EXTHDR_OP_IPV6);
	nftnl_rule_add_expr(r, e);
	x_cmp(r, NFT_CMP_EQ, &type, 1);
}

/* ipt_REJECT and ip6t_REJECT's answers, as nft reject types and codes. */
void x_reject_as(struct nftnl_rule *r, int family, enum ufw_reject how)
{
	static const uint8_t v4[] = {
		[UFW_REJECT_PORT_UNREACH] = ICMP_PORT_UNREACH,   [UFW_REJECT_NET_UNREACH] = ICMP_NET_UNREACH,
		[UFW_REJECT_HOST_UNREACH] = ICMP_HOST_UNREACH,   [UFW_REJECT_PROTO_UNREACH] = ICMP_PROT_UNREACH,
		[UFW_REJECT_NET_PROHIBITED] = ICMP_NET_ANO,      [UFW_REJECT_HOST_PROHIBITED] = ICMP_HOST_ANO,
		[UFW_REJECT_ADMIN_PROHIBITED] = ICMP_PKT_FILTERED,
	};
	static const uint8_t v6[] = {
		[UFW_REJECT_PORT_UNREACH] = ICMPV6_PORT_UNREACH, [UFW_REJECT_ADMIN_PROHIBITED] = ICMPV6_ADM_PROHIBITED,
		[UFW_REJECT_NO_ROUTE] = ICMPV6_NOROUTE,          [UFW_REJECT_ADDR_UNREACH] = ICMPV6_ADDR_UNREACH,
	};
	struct nftnl_expr *e = nftnl_expr_alloc("reject");

	if (how == UFW_REJECT_TCP_RESET) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
		nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, 0);
	} else {
		nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_ICMP_UNREACH);
		nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, family == AF_INET ? v4[how] : v6[how]);
	}
	nftnl_rule_add_expr(r, e);
}

void x_reject(struct nftnl_rule *r, bool tcp)
{
	struct nftnl_expr *e = nftnl_expr_alloc("reject");

	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, tcp ? NFT_REJECT_TCP_RST : NFT_REJECT_ICMPX_UNREACH);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, tcp ? 0 : NFT_REJECT_ICMPX_PORT_UNREACH);
	nftnl_rule_add_expr(r, e);
}

bool ufw_line_match(struct nftnl_rule *r, int family, const struct ufw_line *l, bool route,
		    const struct ufw_variant *v)
{
	uint32_t alen = family == AF_INET ? 4 : 16;
	uint8_t types = route ? UFW_ADDR_UNICAST : UFW_ADDR_LOCAL | UFW_ADDR_UNICAST;

	if (l->dst_type && !(l->dst_type & types) != l->dst_type_inv)
		return false;
	if (l->out_if[0] && !route && !l->out_inv)
		return false;   /* a host service's packets have no output device */
	if (l->has_proto && l->proto) {
		x_meta(r, NFT_META_L4PROTO, NFT_REG_1);
		x_cmp(r, l->proto_inv ? NFT_CMP_NEQ : NFT_CMP_EQ, &l->proto, 1);
	}
	if (l->src.len || l->src_inv) {
		x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 12 : 8, alen);
		x_prefix(r, &l->src, l->src_inv);
	}
	if (l->dst.len || l->dst_inv) {
		if (route)
			x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 16 : 24, alen);
		else
			x_ct_orig(r, family == AF_INET ? NFT_CT_DST_IP : NFT_CT_DST_IP6);
		x_prefix(r, &l->dst, l->dst_inv);
	}
	if (l->in_if[0])
		x_dev(r, NFT_META_IIFNAME, l->in_if, l->in_inv);
	if (l->out_if[0] && route)
		x_dev(r, NFT_META_OIFNAME, l->out_if, l->out_inv);
	if (v->d >= 0 || (v->p >= 0 && (size_t)v->p < l->port.n)) {
		const struct ufw_ports *p = v->d >= 0 ? &l->dport : &l->port;
		int i = v->d >= 0 ? v->d : v->p;

		if (route)
			x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
		else
			x_ct_orig(r, NFT_CT_PROTO_DST);
		x_range(r, p->lo[i], p->hi[i]);
	}
	if (v->s >= 0 || (v->p >= 0 && (size_t)v->p >= l->port.n)) {
		const struct ufw_ports *p = v->s >= 0 ? &l->sport : &l->port;
		int i = v->s >= 0 ? v->s : v->p - (int)l->port.n;

		x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2);
		x_range(r, p->lo[i], p->hi[i]);
	}
	if (l->ctstate) {
		uint32_t bits = l->ctstate, zero = 0;

		x_ct(r, NFT_CT_STATE, NFT_REG_1);
		x_bitwise(r, &bits, &zero, sizeof bits);
		x_cmp(r, l->ctstate_inv ? NFT_CMP_EQ : NFT_CMP_NEQ, &zero, sizeof zero);
	}
	if (l->tcp_mask) {
		uint8_t mask = l->tcp_mask, cmp = l->tcp_cmp, zero = 0;

		x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1);
		x_bitwise(r, &mask, &zero, 1);
		x_cmp(r, l->tcp_inv ? NFT_CMP_NEQ : NFT_CMP_EQ, &cmp, 1);
	}
	if (l->has_rt)
		x_rt_type(r, l->rt_type);
	if (l->has_limit)
		x_xt_limit(r, &l->limit);
	/* Last, as in the file: only a packet that got this far counts. */
	if (l->has_recent)
		x_recent(r, &l->recent);
	return true;
}
