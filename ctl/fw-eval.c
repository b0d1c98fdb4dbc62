/*
 * One packet through the chains of a hook, as the kernel runs them: every
 * base chain on the hook whose table holds the packet's family (ip or ip6,
 * inet, and legacy x_tables at their fixed priorities), lowest priority
 * first.  A drop or reject anywhere is final; an accept only ends its own
 * chain, and the packet goes on to the next (research/docker-remote-driver.md
 * section 3.3: "accept is not final").  Jumps, gotos and returns as in
 * nf_tables and x_tables.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>

#include "../plugin/addr.h"
#include "fw.h"

#define MAX_DEPTH 16    /* nf_tables' jump stack */

void fw_unsure(struct fw_ctx *x, const char *why)
{
	if (!x->unsure)
		snprintf(x->unsure_why, sizeof x->unsure_why, "%s", why);
	x->unsure = true;
}

void fw_seen_prefix(struct fw_result *res, const struct gn_prefix *p)
{
	for (size_t i = 0; i < res->n_seen; i++)
		if (res->seen[i].len == p->len && addr_equal(&res->seen[i].addr, &p->addr))
			return;
	if (res->n_seen < FW_SEEN_MAX)
		res->seen[res->n_seen++] = *p;
}

static void note_unsure(struct fw_ctx *x, const struct fw_chain *c, size_t pos)
{
	struct fw_result *res = x->res;

	for (size_t i = 0; i < res->n_unsure; i++)
		if (res->unsure[i].c == c && res->unsure[i].pos == pos)
			return;
	if (res->n_unsure == FW_UNSURE_MAX)
		return;
	res->unsure[res->n_unsure] = (struct fw_where){ x->t, c, (unsigned)pos };
	snprintf(res->unsure_why[res->n_unsure++], sizeof res->unsure_why[0], "%s", x->unsure_why);
}

static const struct fw_chain *target_chain(const struct fw_ctx *x)
{
	if (x->t->legacy)
		return x->target_idx >= 0 && (size_t)x->target_idx < x->t->n_chains ? &x->t->chains[x->target_idx] : NULL;
	return fw_chain_find(x->t, x->target);
}

/* One base chain: FW_S_ACCEPT, FW_S_DROP or FW_S_REJECT, and where. */
static enum fw_step run(struct fw_ctx *x, const struct fw_chain *base, struct fw_where *by)
{
	struct {
		const struct fw_chain *c;
		size_t i;
	} st[MAX_DEPTH];
	int depth = 0;

	st[0].c = base;
	st[0].i = 0;
	for (;;) {
		const struct fw_chain *c = st[depth].c, *to;
		size_t pos;
		enum fw_step s;

		if (st[depth].i >= c->n) {
			if (depth-- > 0)
				continue;
			*by = (struct fw_where){ x->t, base, 0 };
			return base->policy_drop ? FW_S_DROP : FW_S_ACCEPT;
		}
		pos = ++st[depth].i;
		x->unsure = false;
		x->target[0] = '\0';
		x->target_idx = -1;
		s = x->t->legacy ? fw_xt_rule(x, &c->rules[pos - 1]) : fw_nft_rule(x, &c->rules[pos - 1]);
		if (s != FW_NEXT && x->unsure) {
			/* It may or may not match: walk on as if it did not,
			 * and say so. */
			note_unsure(x, c, pos);
			continue;
		}
		switch (s) {
		case FW_NEXT:
			break;
		case FW_S_ACCEPT:
		case FW_S_DROP:
		case FW_S_REJECT:
			*by = (struct fw_where){ x->t, c, (unsigned)pos };
			return s;
		case FW_S_RETURN:
			if (depth-- == 0) {
				*by = (struct fw_where){ x->t, base, 0 };
				return base->policy_drop ? FW_S_DROP : FW_S_ACCEPT;
			}
			break;
		case FW_S_JUMP:
		case FW_S_GOTO:
			to = target_chain(x);
			if (!to || (s == FW_S_JUMP && depth + 1 == MAX_DEPTH)) {
				fw_unsure(x, to ? "jumps too deep" : "jumps to a chain that is not there");
				note_unsure(x, c, pos);
				break;
			}
			if (s == FW_S_JUMP)
				depth++;
			st[depth].c = to;
			st[depth].i = 0;
			break;
		}
	}
}

static bool family_fits(const struct fw_table *t, int family)
{
	return t->family == NFPROTO_INET || (family == AF_INET ? t->family == NFPROTO_IPV4 : t->family == NFPROTO_IPV6);
}

struct hooked {
	struct fw_table *t;
	const struct fw_chain *c;
};

static int by_prio(const void *a, const void *b)
{
	const struct hooked *x = a, *y = b;

	return (x->c->prio > y->c->prio) - (x->c->prio < y->c->prio);
}

/* The chains on hook with a priority in [lo, hi), the packet's marks
 * going on from chain to chain as skb->mark and the connection's mark do
 * (guardnet marks what it admits, for its own later chains and for
 * iptables' FORWARD).  res collects what every walk saw; its verdict is
 * this walk's. */
static void walk(struct fw_ruleset *rs, int hook, int lo, int hi, struct fw_pkt *cur, struct fw_result *res)
{
	struct hooked *v = NULL;
	size_t n = 0;
	struct fw_where accept_by = { 0 };
	bool accept_from_drop_policy = false;

	res->v = FW_ACCEPT;
	for (size_t i = 0; i < rs->n; i++) {
		struct fw_table *t = &rs->v[i];

		if (!family_fits(t, cur->family))
			continue;
		for (size_t j = 0; j < t->n_chains; j++) {
			const struct fw_chain *c = &t->chains[j];
			struct hooked *nv;

			if (!c->base || c->hook != hook || !strcmp(c->type, "nat") || c->prio < lo || c->prio >= hi)
				continue;
			if (!(nv = realloc(v, (n + 1) * sizeof *v)))
				break;
			v = nv;
			v[n++] = (struct hooked){ t, c };
		}
	}
	qsort(v, n, sizeof *v, by_prio);
	for (size_t i = 0; i < n; i++) {
		struct fw_ctx x = { .rs = rs, .t = v[i].t, .p = *cur, .res = res };
		struct fw_where by;
		enum fw_step s = run(&x, v[i].c, &by);

		*cur = x.p;
		if (s == FW_S_DROP || s == FW_S_REJECT) {
			res->v = s == FW_S_DROP ? FW_DROP : FW_REJECT;
			res->by = by;
			free(v);
			return;
		}
		if (res->n_accepts < sizeof res->accepts / sizeof res->accepts[0])
			res->accepts[res->n_accepts++] = by;
		/* The accept worth naming is the one in a chain that would
		 * otherwise drop (iptables' FORWARD under Docker). */
		if (!accept_by.t || (v[i].c->policy_drop && !accept_from_drop_policy)) {
			accept_by = by;
			accept_from_drop_policy = v[i].c->policy_drop;
		}
	}
	res->by = accept_by;
	free(v);
}

void fw_eval_hook(struct fw_ruleset *rs, int hook, int prio_below, const struct fw_pkt *p, struct fw_result *res)
{
	struct fw_pkt cur = *p;

	memset(res, 0, sizeof *res);
	walk(rs, hook, INT_MIN, prio_below, &cur, res);
}

void fw_eval_forwarded(struct fw_ruleset *rs, const struct fw_pkt *p, struct fw_result *res)
{
	struct fw_pkt cur = *p;
	const char *oif = cur.oif;

	memset(res, 0, sizeof *res);
	/* Before routing: no output interface yet. */
	cur.oif = NULL;
	walk(rs, NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST + 1, INT_MAX, &cur, res);
	if (res->v != FW_ACCEPT)
		return;
	cur.oif = oif;
	walk(rs, NF_INET_FORWARD, INT_MIN, INT_MAX, &cur, res);
}

void fw_where_format(const struct fw_where *w, char *buf, size_t len)
{
	char chain[160];

	if (!w->t) {
		snprintf(buf, len, "no firewall rule");
		return;
	}
	fw_chain_label(w->t, w->c, chain, sizeof chain);
	if (w->pos)
		snprintf(buf, len, "%s rule %u", chain, w->pos);
	else
		snprintf(buf, len, "%s policy %s", chain, w->c->policy_drop ? "drop" : "accept");
}

