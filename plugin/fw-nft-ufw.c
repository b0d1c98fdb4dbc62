/*
 * UFW's rules, compiled line by line into guardnet's per-family tables
 * (design.md section 3, steps 3 and 4).  What ufw-init loads into
 * iptables (before.rules, user.rules, after.rules, read by ufw-restore.c)
 * becomes, in nft syntax, for family ip (and alike for ip6):
 *
 *   table ip guardnet {
 *     chain prerouting { type filter hook prerouting priority dstnat + 1; policy accept;
 *       ct mark & M == M accept                           # admitted earlier
 *       ct status dnat iifname . ip daddr != @ufw_hair ip daddr @ufw_dst jump ufw-input
 *     }                          # networks under UFW by subnet, less each one's own hairpin (icc on)
 *     chain forward { type filter hook forward priority filter - 11; policy accept;
 *       ct mark & M == M accept
 *       ct status dnat iifname . oifname != @ufw_icc oifname @ufw_br jump ufw-route
 *     }                          # (the sets: fw-nft-net.c)
 *     chain ufw-input { jump ufw-before-input }
 *     chain ufw-route { jump route-ufw-user-forward }
 *     chain ufw-before-input { ...its lines...; jump ufw-user-input; goto ufw-after-input }
 *     chain ufw-user-input { ...its lines... }     and every other chain UFW's lines reach
 *   }
 *
 * Why tables of their own: UFW's limit rules count in the kernel's
 * "recent" list DEFAULT, shared by every limit rule, both protocols and
 * UFW's own host rules.  guardnet uses the same match (nft_compat, encoded
 * as iptables-nft does), and nft_compat finds xtables matches only for the
 * ip and ip6 families, never inet (measured on 6.18: ENOENT).  These
 * chains run before the inet table's forward chain: an accept there sets
 * the connection's mark, which the inet chain admits at once; a drop or a
 * reject is final; no verdict goes on to the route rules, then the
 * network's own rules (guardnet.allow, then UFW's default policy;
 * fw-nft-pub.c).
 *
 * Each line matches what it matches for a host service (fw-nft-ufw-line.c
 * makes its expressions).  Route rules (ufw-user-forward and what it
 * jumps to) get chains of their own, prefixed "route-".  A RETURN in
 * ufw-before-input skips the user rules, as in UFW, by going to
 * ufw-after-input; ufw-skip-to-policy-input leaves UFW's rules.  LOG lines
 * decide nothing and are left out.  An unreadable line (ufw-restore.c) is
 * left out when it would accept, and drops on what was read otherwise.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>

#include "fw.h"
#include "fw-nft.h"

#define UFW_PRIORITY (-11)      /* before the inet table's forward chain (-10) */
#define UFW_PRE_PRIORITY (-99)  /* right after the DNAT (NF_IP_PRI_NAT_DST, -100) */

struct ctx {
	struct nft_batch *b;
	const struct ufw_ruleset *rs;
	int family;
	uint32_t nfproto;
	uint32_t mark;
	void (*admit)(struct nftnl_rule *r, uint32_t mark);
	bool *reach[2];         /* per context (input, route): chains to build */
	int before, after, user, fwd;
};

static void table(struct nft_batch *b, uint32_t nfproto, uint16_t type, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();

	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, nfproto);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, FW_TABLE);
	nft_batch_table(b, type, t, flags, nfproto == NFPROTO_IPV4 ? "table ip guardnet" : "table ip6 guardnet");
}

/* A regular chain, or with hook >= 0 a base chain (policy accept). */
static void chain(struct ctx *c, const char *name, int hook, int prio)
{
	struct nftnl_chain *ch = nftnl_chain_alloc();

	nftnl_chain_set_u32(ch, NFTNL_CHAIN_FAMILY, c->nfproto);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, FW_TABLE);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, name);
	if (hook >= 0) {
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nft_batch_chain(c->b, NFT_MSG_NEWCHAIN, ch, NLM_F_CREATE, "ufw chain");
}

/* The kernel name of chain i in a context: route rules get their own copy. */
static const char *kname(const struct ctx *c, int i, bool route, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", route ? "route-" : "", c->rs->chains[i].name);
	return buf;
}

static void add(struct ctx *c, struct nftnl_rule *r, const char *what)
{
	nft_batch_rule(c->b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, what);
}

static void verdict(struct ctx *c, struct nftnl_rule *r, const struct ufw_line *l, bool route, bool before)
{
	char name[64];
	const char *after = c->after >= 0 ? c->rs->chains[c->after].name : NULL;

	if (l->unreadable) {
		x_counter(r);
		x_verdict(r, NF_DROP);
		return;
	}
	switch (l->verdict) {
	case UFW_V_ACCEPT:
		c->admit(r, c->mark);
		break;
	case UFW_V_DROP:
		x_counter(r);
		x_verdict(r, NF_DROP);
		break;
	case UFW_V_REJECT:
		x_counter(r);
		x_reject_as(r, c->family, l->reject);
		break;
	case UFW_V_RETURN:
		if (before && after)
			x_jump(r, NFT_GOTO, after);
		else
			x_verdict(r, NFT_RETURN);
		break;
	case UFW_V_SKIP:
		x_verdict(r, NFT_RETURN);
		break;
	case UFW_V_JUMP:
	case UFW_V_GOTO:
		x_jump(r, l->verdict == UFW_V_GOTO && !before ? NFT_GOTO : NFT_JUMP,
		       kname(c, l->target, route, name, sizeof name));
		break;
	case UFW_V_NONE:
	case UFW_V_LOG:
		x_counter(r);
		break;
	}
}

/* One line as rules: a list of ports is one rule per range (the ranges
 * of one list do not overlap in what UFW writes, so a packet matches one). */
static void line(struct ctx *c, const struct ufw_line *l, bool route, bool before)
{
	size_t nd = l->dport.n ? l->dport.n : 1, ns = l->sport.n ? l->sport.n : 1;
	size_t np = l->port.n ? 2 * l->port.n : 1;

	if (l->unreadable && (l->verdict == UFW_V_ACCEPT || l->verdict == UFW_V_NONE || l->verdict == UFW_V_LOG))
		return;
	if (!l->unreadable && l->verdict == UFW_V_LOG && !l->has_recent)
		return;
	for (size_t d = 0; d < nd; d++)
		for (size_t s = 0; s < ns; s++)
			for (size_t p = 0; p < np; p++) {
				struct ufw_variant v = { l->dport.n ? (int)d : -1, l->sport.n ? (int)s : -1,
						     l->port.n ? (int)p : -1 };
				char name[64];
				struct nftnl_rule *r = rule_new(c->nfproto, FW_TABLE,
								kname(c, l->chain, route, name, sizeof name));

				if (!ufw_line_match(r, c->family, l, route, &v)) {
					nftnl_rule_free(r);
					return;
				}
				verdict(c, r, l, route, before);
				/* iptables' -g from ufw-before-input returns to
				 * INPUT, which goes on with ufw-after-input. */
				if (before && l->verdict == UFW_V_GOTO && !l->unreadable && c->after >= 0) {
					add(c, r, "ufw line");
					r = rule_new(c->nfproto, FW_TABLE, kname(c, l->chain, route, name, sizeof name));
					ufw_line_match(r, c->family, l, route, &v);
					x_jump(r, NFT_GOTO, c->rs->chains[c->after].name);
				}
				add(c, r, "ufw line");
			}
}

/* The index of UFW's chain "ufw[6]-SUFFIX" in rs, or -1. */
static int ufw_chain(const struct ufw_ruleset *rs, int family, const char *suffix)
{
	char name[UFW_CHAIN_MAX + 1];

	snprintf(name, sizeof name, "ufw%s-%s", family == AF_INET6 ? "6" : "", suffix);
	for (size_t i = 0; i < rs->n_chains; i++)
		if (!strcmp(rs->chains[i].name, name))
			return (int)i;
	return -1;
}

static void mark_reach(struct ctx *c, bool route, int chain, int depth)
{
	if (chain < 0 || c->reach[route][chain] || depth > 32)
		return;
	c->reach[route][chain] = true;
	for (size_t i = 0; i < c->rs->n_lines; i++) {
		const struct ufw_line *l = &c->rs->lines[i];

		if (l->chain == (uint16_t)chain && (l->verdict == UFW_V_JUMP || l->verdict == UFW_V_GOTO))
			mark_reach(c, route, l->target, depth + 1);
	}
}

static void chains(struct ctx *c)
{
	char name[64];
	struct nftnl_rule *r;

	chain(c, "ufw-input", -1, 0);
	chain(c, "ufw-route", -1, 0);
	for (int route = 0; route < 2; route++)
		for (size_t i = 0; i < c->rs->n_chains; i++)
			if (c->reach[route][i])
				chain(c, kname(c, (int)i, route, name, sizeof name), -1, 0);
	for (int route = 0; route < 2; route++)
		for (size_t i = 0; i < c->rs->n_lines; i++)
			if (c->reach[route][c->rs->lines[i].chain])
				line(c, &c->rs->lines[i], route,
				     !route && c->rs->lines[i].chain == (uint16_t)c->before);
	/* ufw-init ends ufw-before-input with a jump to ufw-user-input. */
	if (c->before >= 0 && c->user >= 0) {
		r = rule_new(c->nfproto, FW_TABLE, c->rs->chains[c->before].name);
		x_jump(r, NFT_JUMP, c->rs->chains[c->user].name);
		add(c, r, "ufw-before-input: jump ufw-user-input");
	}
	if (c->before >= 0 && c->after >= 0) {
		r = rule_new(c->nfproto, FW_TABLE, c->rs->chains[c->before].name);
		x_jump(r, NFT_GOTO, c->rs->chains[c->after].name);
		add(c, r, "ufw-before-input: goto ufw-after-input");
	}
	for (int i = 0; i < 3; i++) {
		int ch = i == 0 ? c->before : i == 1 ? c->user : c->after;

		/* Without ufw-before-input, the user rules then the after rules. */
		if (ch < 0 || (i > 0 && c->before >= 0))
			continue;
		r = rule_new(c->nfproto, FW_TABLE, "ufw-input");
		x_jump(r, NFT_JUMP, c->rs->chains[ch].name);
		add(c, r, "ufw: input rules");
	}
	if (c->fwd >= 0) {
		int fwd = c->fwd;

		r = rule_new(c->nfproto, FW_TABLE, "ufw-route");
		x_jump(r, NFT_JUMP, kname(c, fwd, true, name, sizeof name));
		add(c, r, "ufw: route rules");
	}
}

/* ct mark & M == M accept: a connection admitted earlier goes on to the
 * inet table, which admits it (fw-nft.c). */
static void admitted(struct ctx *c, const char *chain, uint32_t mark)
{
	struct nftnl_rule *r = rule_new(c->nfproto, FW_TABLE, chain);
	uint32_t zero = 0;

	x_ct(r, NFT_CT_MARK, NFT_REG_1);
	x_bitwise(r, &mark, &zero, sizeof mark);
	x_cmp(r, NFT_CMP_EQ, &mark, sizeof mark);
	x_verdict(r, NF_ACCEPT);
	add(c, r, "ufw: admitted connections");
}

/* ct status dnat KEY != @except, the start of both entry rules: the
 * hairpin from a network itself (icc on) is admitted by chain pub. */
static struct nftnl_rule *entry_rule(struct ctx *c, const char *chain, bool route)
{
	struct nftnl_rule *r = rule_new(c->nfproto, FW_TABLE, chain);
	uint32_t dnat = IPS_DST_NAT, zero = 0;

	x_ct(r, NFT_CT_STATUS, NFT_REG_1);
	x_bitwise(r, &dnat, &zero, sizeof dnat);
	x_cmp(r, NFT_CMP_NEQ, &zero, sizeof zero);
	if (route) {
		x_iif_oif_names(r);
		x_lookup_inv(r, "ufw_icc", NFT_REG_1);
	} else {
		x_meta(r, NFT_META_IIFNAME, NFT_REG_1);
		x_payload_to(r, NFT_PAYLOAD_NETWORK_HEADER, c->family == AF_INET ? 16 : 24,
			     c->family == AF_INET ? 4 : 16, NFT_REG_2);
		x_lookup_inv(r, "ufw_hair", NFT_REG_1);
	}
	return r;
}

/* The base chains, for connections DNATed into a network under UFW.  The
 * incoming rules decide in prerouting, right after the DNAT, where the
 * packet is still the one a host service would see: an ICMP error then
 * quotes it with its TTL (hop limit) as it arrived, as UFW's INPUT reject
 * does.  Forwarding has not begun, so the network is told by the
 * container's address.  Route rules need the output device: forward.
 * Which networks are under UFW is in sets (fw-nft-net.c):
 *   ct status dnat iifname . ip daddr != @ufw_hair ip daddr @ufw_dst jump ufw-input
 *   ct status dnat iifname . oifname != @ufw_icc oifname @ufw_br jump ufw-route */
static void entry(struct ctx *c, const struct fw_model *m)
{
	uint32_t set_id = 1;
	struct nftnl_rule *r;

	fw_net_sets(c->b, m, c->nfproto, &set_id, false);
	chain(c, "prerouting", NF_INET_PRE_ROUTING, UFW_PRE_PRIORITY);
	chain(c, "forward", NF_INET_FORWARD, UFW_PRIORITY);
	admitted(c, "prerouting", m->mark);
	admitted(c, "forward", m->mark);
	r = entry_rule(c, "prerouting", false);
	x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, c->family == AF_INET ? 16 : 24, c->family == AF_INET ? 4 : 16);
	x_lookup(r, "ufw_dst", NFT_REG_1);
	x_jump(r, NFT_JUMP, "ufw-input");
	add(c, r, "ufw prerouting: a network under UFW");
	r = entry_rule(c, "forward", true);
	x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
	x_lookup(r, "ufw_br", NFT_REG_1);
	x_jump(r, NFT_JUMP, "ufw-route");
	add(c, r, "ufw forward: a network under UFW");
}

bool fw_ufw_table_wanted(const struct fw_model *m, uint32_t nfproto)
{
	bool any = false;

	for (size_t i = 0; i < m->n; i++)
		any |= m->nets[i].ufw;
	return any && m->ufw && (nfproto == NFPROTO_IPV4 || m->ufw->ipv6);
}

void fw_ufw_tables(struct nft_batch *b, const struct fw_model *m, void (*admit)(struct nftnl_rule *r, uint32_t mark))
{
	for (int f = 0; f < 2; f++) {
		struct ctx c = { .b = b, .family = f ? AF_INET6 : AF_INET, .nfproto = f ? NFPROTO_IPV6 : NFPROTO_IPV4,
				 .mark = m->mark, .admit = admit };

		table(b, c.nfproto, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		table(b, c.nfproto, NFT_MSG_DELTABLE, 0);
		if (!fw_ufw_table_wanted(m, c.nfproto))
			continue;
		c.rs = f ? &m->ufw->rs6 : &m->ufw->rs4;
		c.reach[0] = calloc(c.rs->n_chains + 1, sizeof(bool));
		c.reach[1] = calloc(c.rs->n_chains + 1, sizeof(bool));
		if (!c.reach[0] || !c.reach[1]) {
			free(c.reach[0]);
			free(c.reach[1]);
			nft_batch_fail(b);
			return;
		}
		c.before = ufw_chain(c.rs, c.family, "before-input");
		c.user = ufw_chain(c.rs, c.family, "user-input");
		c.after = ufw_chain(c.rs, c.family, "after-input");
		mark_reach(&c, false, c.before, 0);
		mark_reach(&c, false, c.user, 0);
		mark_reach(&c, false, c.after, 0);
		c.fwd = ufw_chain(c.rs, c.family, "user-forward");
		mark_reach(&c, true, c.fwd, 0);
		table(b, c.nfproto, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		chains(&c);
		entry(&c, m);
		free(c.reach[0]);
		free(c.reach[1]);
	}
}
