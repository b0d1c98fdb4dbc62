/*
 * UFW's rules, compiled into guardnet's table (design.md section 3, steps
 * 3-5).  For a DNATed connection to a network where UFW is in force:
 *
 *   chain ufw-in      UFW's incoming rules, in file order, against the
 *                     original destination: ct original daddr / proto-dst
 *   chain ufw-route   UFW's route rules against the container: ip daddr, th dport
 *
 * A rule that matches decides: allow admits, deny drops, reject answers
 * with a TCP reset or an ICMP port unreachable, limit refuses a source's
 * sixth new connection in a burst (as UFW's "6 hits in 30 s" does for a
 * host service) and admits the others.  No match returns to the network's
 * chain, which goes on with guardnet.allow and then UFW's default incoming
 * policy (fw-nft-pub.c).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter/nf_conntrack_common.h>

#include "fw.h"
#include "fw-nft.h"

#define LIMIT_BURST 5
#define LIMIT_PER_MINUTE 10     /* one more every 6 s after the burst */
#define LIMIT_TIMEOUT_MS 30000  /* UFW forgets a source after 30 s */

static void x_ct_orig(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, 0); /* IP_CT_DIR_ORIGINAL */
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

/* reg1 (already loaded, alen bytes) within prefix p */
static void x_in_prefix(struct nftnl_rule *r, const struct gn_prefix *p)
{
	uint32_t alen = p->addr.family == AF_INET ? 4 : 16;
	uint8_t mask[16] = { 0 }, zero[16] = { 0 }, net[16];

	for (unsigned bit = 0; bit < p->len; bit++)
		mask[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	for (unsigned i = 0; i < alen; i++)
		net[i] = p->addr.a[i] & mask[i];
	x_bitwise(r, mask, zero, alen);
	x_cmp(r, NFT_CMP_EQ, net, alen);
}

/* reg1 (a port, network order) within lo-hi */
static void x_in_ports(struct nftnl_rule *r, uint16_t lo, uint16_t hi)
{
	uint16_t l = htons(lo), h = htons(hi);

	if (lo == hi) {
		x_cmp(r, NFT_CMP_EQ, &l, 2);
		return;
	}
	x_cmp(r, NFT_CMP_GTE, &l, 2);
	x_cmp(r, NFT_CMP_LTE, &h, 2);
}

struct match {
	const struct ufw_rule *u;
	int family;
	uint8_t proto;          /* 0: any */
	int dport, sport;       /* range index, -1: any */
	bool route;
};

/* The match part of one expanded UFW rule. */
static void matches(struct nftnl_rule *r, const struct match *m)
{
	const struct ufw_rule *u = m->u;
	uint32_t alen = m->family == AF_INET ? 4 : 16;

	x_nfproto(r, m->family);
	if (m->proto) {
		x_meta(r, NFT_META_L4PROTO, NFT_REG_1);
		x_cmp(r, NFT_CMP_EQ, &m->proto, 1);
	}
	if (u->dst.len) {
		if (m->route)
			x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, m->family == AF_INET ? 16 : 24, alen);
		else
			x_ct_orig(r, m->family == AF_INET ? NFT_CT_DST_IP : NFT_CT_DST_IP6);
		x_in_prefix(r, &u->dst);
	}
	if (m->dport >= 0) {
		if (m->route)
			x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
		else
			x_ct_orig(r, NFT_CT_PROTO_DST);
		x_in_ports(r, u->dport.lo[m->dport], u->dport.hi[m->dport]);
	}
	if (u->src.len) {
		x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, m->family == AF_INET ? 12 : 8, alen);
		x_in_prefix(r, &u->src);
	}
	if (m->sport >= 0) {
		x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2);
		x_in_ports(r, u->sport.lo[m->sport], u->sport.hi[m->sport]);
	}
	if (u->in_if[0])
		x_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, u->in_if);
	if (m->route && u->out_if[0])
		x_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, u->out_if);
}

void x_reject(struct nftnl_rule *r, bool tcp)
{
	struct nftnl_expr *e = nftnl_expr_alloc("reject");

	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, tcp ? NFT_REJECT_TCP_RST : NFT_REJECT_ICMPX_UNREACH);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, tcp ? 0 : NFT_REJECT_ICMPX_PORT_UNREACH);
	nftnl_rule_add_expr(r, e);
}

/* ct state new add @set { saddr limit rate over 10/minute burst 5 } */
static void x_limit_over(struct nftnl_rule *r, int family, const char *set)
{
	struct nftnl_expr *d = nftnl_expr_alloc("dynset"), *l = limit_expr(LIMIT_PER_MINUTE, 60, LIMIT_BURST, true);
	uint32_t state = NF_CT_STATE_BIT(IP_CT_NEW), zero = 0;

	x_ct(r, NFT_CT_STATE, NFT_REG_1);
	x_bitwise(r, &state, &zero, sizeof state);
	x_cmp(r, NFT_CMP_NEQ, &zero, sizeof zero);
	x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 12 : 8, family == AF_INET ? 4 : 16);
	nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_ADD);
	nftnl_expr_set_str(d, NFTNL_EXPR_DYNSET_SET_NAME, set);
	nftnl_expr_set(d, NFTNL_EXPR_DYNSET_EXPR, l, 0); /* d owns l now */
	nftnl_rule_add_expr(r, d);
}

struct ctx {
	struct nft_batch *b;
	uint32_t *set_id;
	uint32_t mark;
	void (*admit)(struct nftnl_rule *r, uint32_t mark);
	unsigned n_limit;
};

static void emit(struct ctx *c, const char *chain, const struct match *m)
{
	const struct ufw_rule *u = m->u;
	struct nftnl_rule *r;

	switch (u->action) {
	case UFW_ALLOW:
		r = rule_new(NFPROTO_INET, FW_TABLE, chain);
		matches(r, m);
		c->admit(r, c->mark);
		nft_batch_rule(c->b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "ufw allow");
		break;
	case UFW_DENY:
		r = rule_new(NFPROTO_INET, FW_TABLE, chain);
		matches(r, m);
		x_counter(r);
		x_verdict(r, NF_DROP);
		nft_batch_rule(c->b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "ufw deny");
		break;
	case UFW_REJECT:
		/* TCP gets a reset, everything else a port unreachable. */
		if (m->proto == 0 || m->proto == 6) {
			struct match t = *m;

			t.proto = 6;
			r = rule_new(NFPROTO_INET, FW_TABLE, chain);
			matches(r, &t);
			x_counter(r);
			x_reject(r, true);
			nft_batch_rule(c->b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "ufw reject (tcp)");
		}
		r = rule_new(NFPROTO_INET, FW_TABLE, chain);
		matches(r, m);
		x_counter(r);
		x_reject(r, false);
		nft_batch_rule(c->b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "ufw reject");
		break;
	case UFW_LIMIT: {
		char set[32];
		struct nftnl_set *s;

		snprintf(set, sizeof set, "limit%d-%u", m->family == AF_INET ? 4 : 6, c->n_limit++);
		s = set_new(c->b, set, (*c->set_id)++, NFT_SET_EVAL | NFT_SET_TIMEOUT,
			    m->family == AF_INET ? 7 : 8, m->family == AF_INET ? 4 : 16, 0, 0, NULL);
		nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, LIMIT_TIMEOUT_MS);
		nftnl_set_free(s);
		r = rule_new(NFPROTO_INET, FW_TABLE, chain);
		matches(r, m);
		x_limit_over(r, m->family, set);
		x_counter(r);
		x_reject(r, m->proto == 6);
		nft_batch_rule(c->b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "ufw limit (over)");
		r = rule_new(NFPROTO_INET, FW_TABLE, chain);
		matches(r, m);
		c->admit(r, c->mark);
		nft_batch_rule(c->b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "ufw limit");
		break;
	}
	}
}

/* One UFW rule as nft rules: a protocol "any" with ports means tcp and
 * udp (as ufw writes it), and each port range is a rule of its own. */
static void expand(struct ctx *c, const char *chain, const struct ufw_rule *u, int family, bool route)
{
	uint8_t protos[2] = { u->proto, 0 };
	size_t np = 1;

	if (u->proto == 0 && (u->dport.n || u->sport.n)) {
		protos[0] = 6;
		protos[1] = 17;
		np = 2;
	}
	for (size_t p = 0; p < np; p++)
		for (int d = u->dport.n ? 0 : -1; d < (int)u->dport.n; d++)
			for (int s = u->sport.n ? 0 : -1; s < (int)u->sport.n; s++) {
				struct match m = { .u = u, .family = family, .proto = protos[p], .dport = d,
						   .sport = s, .route = route };

				emit(c, chain, &m);
			}
}

void fw_ufw_chains(struct nft_batch *b, const struct fw_model *m, uint32_t *set_id,
		   void (*admit)(struct nftnl_rule *r, uint32_t mark))
{
	struct ctx c = { .b = b, .set_id = set_id, .mark = m->mark, .admit = admit };
	const struct ufw_config *u = m->ufw;

	chain_new(b, "ufw-in", NULL, 0, 0);
	chain_new(b, "ufw-route", NULL, 0, 0);
	if (!u)
		return;
	for (int f = 0; f < 2; f++) {
		const struct ufw_rule *v = f ? u->v6 : u->v4;
		size_t n = f ? u->n6 : u->n4;

		for (size_t i = 0; i < n; i++) {
			if (v[i].route)
				expand(&c, "ufw-route", &v[i], f ? AF_INET6 : AF_INET, true);
			else if (!v[i].out)
				expand(&c, "ufw-in", &v[i], f ? AF_INET6 : AF_INET, false);
		}
	}
}
