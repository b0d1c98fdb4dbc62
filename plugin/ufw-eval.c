/*
 * UFW's decision for one new connection, from the rules ufw.c read: the
 * incoming rules against the original destination, first match wins, then
 * the route rules against the container (design.md section 3, steps 3
 * and 4).  What guardnetctl explain says for a published port, and what
 * guardnetctl audit takes as UFW's verdict for a host service on a port.
 */
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "ufw.h"

static bool in_ports(const struct ufw_ports *p, uint16_t port)
{
	for (size_t i = 0; i < p->n; i++)
		if (port >= p->lo[i] && port <= p->hi[i])
			return true;
	return p->n == 0;
}

/* The match of one rule as fw-nft-ufw.c compiles it: "any" protocol with
 * ports means TCP and UDP.  A rule qualified by a source port matches no
 * query that does not know its source port. */
static bool matches(const struct ufw_rule *u, const struct ufw_query *q, bool route)
{
	const struct gn_addr *dst = route ? &q->ctr : &q->dst;
	uint16_t dport = route ? q->ctr_port : q->dport;

	if (u->sport.n && (!q->sport || !in_ports(&u->sport, q->sport)))
		return false;
	if (u->proto ? u->proto != q->proto : u->dport.n && q->proto != 6 && q->proto != 17)
		return false;
	if (u->dst.len && !prefix_contains(&u->dst, dst))
		return false;
	if (!in_ports(&u->dport, dport))
		return false;
	if (u->src.len && !prefix_contains(&u->src, &q->src))
		return false;
	if (u->in_if[0] && (!q->in_if || strcmp(u->in_if, q->in_if)))
		return false;
	return !route || !u->out_if[0] || (q->out_if && !strcmp(u->out_if, q->out_if));
}

static bool first(const struct ufw_config *c, const struct ufw_query *q, bool route, struct ufw_decision *ret)
{
	static const enum ufw_outcome by_action[] = {
		[UFW_ALLOW] = UFW_OUT_ACCEPT,
		[UFW_DENY] = UFW_OUT_DROP,
		[UFW_REJECT] = UFW_OUT_REJECT,
		[UFW_LIMIT] = UFW_OUT_LIMIT,
	};
	const struct ufw_rule *v = q->family == AF_INET ? c->v4 : c->v6;
	size_t n = q->family == AF_INET ? c->n4 : c->n6;

	for (size_t i = 0; i < n; i++) {
		if (route ? !v[i].route : v[i].route || v[i].out)
			continue;
		if (!matches(&v[i], q, route))
			continue;
		ret->outcome = by_action[v[i].action];
		ret->rule = &v[i];
		ret->index = i;
		ret->route = route;
		return true;
	}
	return false;
}

void ufw_eval(const struct ufw_config *c, const struct ufw_query *q, struct ufw_decision *ret)
{
	memset(ret, 0, sizeof *ret);
	if (q->family == AF_INET6 && !c->ipv6)
		return;
	if (!first(c, q, false, ret) && q->ctr.family)
		first(c, q, true, ret);
}

unsigned ufw_rule_number(const struct ufw_config *c, int family, size_t i)
{
	return (unsigned)(family == AF_INET ? i + 1 : c->n4 + i + 1);
}
