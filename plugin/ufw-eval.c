/*
 * UFW's decision for one new connection, walked line by line through the
 * chains ufw-restore.c read, with the same reading of each line that
 * fw-nft-ufw.c compiles into the kernel: what `guardnetctl explain` says.
 *
 * The walk is UFW's (ufw-init-functions): ufw-before-input, which ends by
 * jumping to ufw-user-input, then ufw-after-input; a RETURN in
 * ufw-before-input skips the user rules, and ufw-skip-to-policy-input
 * leaves for the default policy.  Then the route rules (ufw-user-forward)
 * against the container (design.md section 3, step 4), unless the query
 * has no container: guardnetctl audit asks for a host service on the port.
 *
 * A connection is taken to be new and its first packet a SYN; a limit
 * rule's recent list is taken to be under its threshold (the kernel keeps
 * the count: explain says "rate-limited").
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "ufw.h"

#define MAX_DEPTH 16    /* nf_tables' jump stack */

enum step {
	STEP_END,       /* fell off the chain's end */
	STEP_RETURN,    /* an explicit RETURN */
	STEP_SKIP,      /* ufw-skip-to-policy-input */
	STEP_DECIDED,
};

struct walk {
	const struct ufw_ruleset *rs;
	const struct ufw_query *q;
	bool route;             /* matching against the forwarded packet */
	bool limited;           /* a recent --set or a limit matched on the way */
	struct ufw_decision *d;
};

static bool in_ports(const struct ufw_ports *p, uint16_t port)
{
	for (size_t i = 0; i < p->n; i++)
		if (port >= p->lo[i] && port <= p->hi[i])
			return true;
	return p->n == 0;
}

static bool ifname_matches(const char *rule, const char *dev)
{
	size_t n = strlen(rule);

	if (!rule[0])
		return true;
	if (!dev)
		return false;
	if (rule[n - 1] == '+')
		return !strncmp(rule, dev, n - 1);
	return !strcmp(rule, dev);
}

static bool prefix_matches(const struct gn_prefix *p, bool inv, const struct gn_addr *a)
{
	if (!p->len && p->addr.family == 0)
		return true;
	return prefix_contains(p, a) != inv;
}

/* Whether l's match holds; for an unreadable line, the part that was read. */
static bool line_matches(const struct ufw_line *l, const struct ufw_query *q, bool route, bool *limited)
{
	const struct gn_addr *dst = route ? &q->ctr : &q->dst;
	uint16_t dport = route ? q->ctr_port : q->dport;
	bool ports = q->proto == 6 || q->proto == 17 || q->proto == 132;

	if (l->has_proto && l->proto && (l->proto == q->proto) == l->proto_inv)
		return false;
	if (!prefix_matches(&l->src, l->src_inv, &q->src) || !prefix_matches(&l->dst, l->dst_inv, dst))
		return false;
	if (l->in_if[0] && ifname_matches(l->in_if, q->in_if) == l->in_inv)
		return false;
	if (l->out_if[0] && ifname_matches(l->out_if, route ? q->out_if : NULL) == l->out_inv)
		return false;
	if ((l->dport.n || l->sport.n || l->port.n) && !ports)
		return false;
	if (!in_ports(&l->dport, dport))
		return false;
	if (l->sport.n && (!q->sport || !in_ports(&l->sport, q->sport)))
		return false;
	if (l->port.n && !in_ports(&l->port, dport) && !(q->sport && in_ports(&l->port, q->sport)))
		return false;
	if (l->ctstate && !(l->ctstate & UFW_CT_NEW) != l->ctstate_inv)
		return false;
	/* The host address is local unicast; a container's, unicast. */
	if (l->dst_type &&
	    !(l->dst_type & (route ? UFW_ADDR_UNICAST : UFW_ADDR_LOCAL | UFW_ADDR_UNICAST)) != l->dst_type_inv)
		return false;
	if (l->tcp_mask && (q->proto != 6 || ((0x02 & l->tcp_mask) == l->tcp_cmp) == l->tcp_inv))
		return false;
	if (l->has_rt)
		return false;
	if (l->has_recent) {
		/* --set (and --remove of nothing) matches; --update and
		 * --rcheck find the source under its threshold. */
		bool hit = (l->recent.ops & 0x02) != 0;

		if (hit != !l->recent.inv)
			return false;
		if (l->recent.ops & 0x02)
			*limited = true;
	}
	if (l->has_limit)
		*limited = true;
	return true;
}

static enum step run(struct walk *w, int chain, int depth);

static enum step decide(struct walk *w, const struct ufw_line *l, enum ufw_outcome o)
{
	w->d->outcome = o;
	w->d->line = l;
	w->d->route = w->route;
	return STEP_DECIDED;
}

static enum step run(struct walk *w, int chain, int depth)
{
	if (chain < 0 || depth >= MAX_DEPTH)
		return STEP_END;
	for (size_t i = 0; i < w->rs->n_lines; i++) {
		const struct ufw_line *l = &w->rs->lines[i];
		bool limited = w->limited;
		enum step s;

		if (l->chain != (uint16_t)chain)
			continue;
		if (l->unreadable && (l->verdict == UFW_V_ACCEPT || l->verdict == UFW_V_NONE || l->verdict == UFW_V_LOG))
			continue;
		if (!line_matches(l, w->q, w->route, &limited))
			continue;
		w->limited = limited;
		if (l->unreadable)
			return decide(w, l, UFW_OUT_DROP);
		switch (l->verdict) {
		case UFW_V_NONE:
		case UFW_V_LOG:
			break;
		case UFW_V_ACCEPT:
			return decide(w, l, w->limited ? UFW_OUT_LIMIT : UFW_OUT_ACCEPT);
		case UFW_V_DROP:
			return decide(w, l, UFW_OUT_DROP);
		case UFW_V_REJECT:
			return decide(w, l, UFW_OUT_REJECT);
		case UFW_V_RETURN:
			return STEP_RETURN;
		case UFW_V_SKIP:
			return STEP_SKIP;
		case UFW_V_JUMP:
			s = run(w, l->target, depth + 1);
			/* A skip leaves the walk only from ufw-before-input
			 * and ufw-after-input themselves (fw-nft-ufw.c). */
			if (s == STEP_DECIDED)
				return s;
			break;
		case UFW_V_GOTO:
			s = run(w, l->target, depth + 1);
			return s == STEP_DECIDED ? s : STEP_RETURN;
		}
	}
	return STEP_END;
}

static void input_and_route(struct walk *w, int family)
{
	const struct ufw_ruleset *rs = w->rs;
	enum step s;

	s = run(w, ufw_chain_find(rs, ufw_chain_name(family, "before-input")), 0);
	if (s == STEP_DECIDED)
		return;
	if (s == STEP_END) {
		/* A skip in ufw-user-input only returns from it. */
		if (run(w, ufw_chain_find(rs, ufw_chain_name(family, "user-input")), 1) == STEP_DECIDED)
			return;
	}
	if (s != STEP_SKIP && run(w, ufw_chain_find(rs, ufw_chain_name(family, "after-input")), 0) == STEP_DECIDED)
		return;
	if (!w->q->ctr.family)
		return;
	w->route = true;
	w->limited = false;
	run(w, ufw_chain_find(rs, ufw_chain_name(family, "user-forward")), 0);
}

void ufw_eval(const struct ufw_config *c, const struct ufw_query *q, struct ufw_decision *ret)
{
	struct walk w = { .rs = q->family == AF_INET ? &c->rs4 : &c->rs6, .q = q, .d = ret };

	memset(ret, 0, sizeof *ret);
	if (q->family == AF_INET6 && !c->ipv6)
		return;
	input_and_route(&w, q->family);
}

void ufw_decision_format(const struct ufw_config *c, const struct ufw_decision *d, int family, char *buf, size_t len)
{
	const struct ufw_rule *tuples = family == AF_INET ? c->v4 : c->v6;
	const char *file = ufw_file_name(d->line->file, family);
	char text[256];

	if (d->line->unreadable) {
		snprintf(buf, len, "%s line %u, which guardnet cannot read whole, drops what it could read", file,
			 d->line->line);
	} else if (d->line->tuple < 0) {
		snprintf(buf, len, "UFW's %s line %u", file, d->line->line);
	} else {
		ufw_rule_format(&tuples[d->line->tuple], text, sizeof text);
		snprintf(buf, len, "UFW rule [%u] \"%s\" (%s line %u)", ufw_rule_number(c, family, (size_t)d->line->tuple),
			 text, file, d->line->line);
	}
}
