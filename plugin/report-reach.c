/*
 * Who may reach a published port, as guardnetctl status says it: the
 * steps of admit.h's order that can admit or refuse a connection to it,
 * whatever its source.  explain.c answers the same question for one
 * source; this is its view over every source, so it keeps the rules that
 * can match some connection to the port and stops at the first one that
 * matches every connection (nothing after it is ever reached).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "admit.h"
#include "report.h"
#include "ufw.h"

static bool ports_hold(const struct ufw_ports *p, uint16_t port)
{
	for (size_t i = 0; i < p->n; i++)
		if (port >= p->lo[i] && port <= p->hi[i])
			return true;
	return p->n == 0;
}

/* How one UFW rule can meet connections to (dst, port, proto): never,
 * for some sources (or interfaces), or for all of them.  dst NULL: every
 * local address (a port published on 0.0.0.0 or ::), which a rule naming
 * one destination meets for some connections only.  The protocol rule is
 * fw-nft-ufw.c's: "any" with ports means TCP and UDP. */
enum meet { MEET_NONE, MEET_SOME, MEET_ALL };

static enum meet meets(const struct ufw_rule *u, const struct gn_addr *dst, uint16_t port, uint8_t proto,
		       const char *out_if)
{
	bool all = true;

	if (u->proto ? u->proto != proto : (u->dport.n || u->sport.n) && proto != 6 && proto != 17)
		return MEET_NONE;
	if (!ports_hold(&u->dport, port))
		return MEET_NONE;
	if (u->dst.len) {
		if (dst && !prefix_contains(&u->dst, dst))
			return MEET_NONE;
		all = all && dst;
	}
	if (out_if && u->out_if[0] && strcmp(u->out_if, out_if))
		return MEET_NONE;
	all = all && !u->src.len && !u->sport.n && !u->in_if[0];
	return all ? MEET_ALL : MEET_SOME;
}

static int push_rule(struct report_reach *r, unsigned number)
{
	unsigned *v = realloc(r->ufw_rules, (r->n_ufw_rules + 1) * sizeof *v);

	if (!v)
		return -ENOMEM;
	v[r->n_ufw_rules++] = number;
	r->ufw_rules = v;
	return 0;
}

/* UFW's incoming rules (on the host side of the port), then its route
 * rules (on the container's side and the bridge); true when one of them
 * decides for every connection. */
static int ufw_steps(const struct ufw_config *u, const struct gn_network *net, const struct gn_pub *p,
		     struct report_reach *r, bool *final)
{
	const struct ufw_rule *v = p->family == AF_INET ? u->v4 : u->v6;
	size_t n = p->family == AF_INET ? u->n4 : u->n6;

	for (int route = 0; route < 2; route++)
		for (size_t i = 0; i < n; i++) {
			enum meet m;

			if (route ? !v[i].route : v[i].route || v[i].out)
				continue;
			m = route ? meets(&v[i], &p->ctr, p->ctr_port, p->proto, net->spec.opts.bridge)
				  : meets(&v[i], p->any ? NULL : &p->host, p->port, p->proto, NULL);
			if (m == MEET_NONE)
				continue;
			if (push_rule(r, ufw_rule_number(u, p->family, i)) < 0)
				return -ENOMEM;
			if (m == MEET_ALL) {
				*final = true;
				return 0;
			}
		}
	return 0;
}

static int allow_step(const struct gn_prefix_list *l, int family, struct report_reach *r)
{
	for (size_t i = 0; i < l->n; i++) {
		struct gn_prefix *v;

		if (l->v[i].addr.family != family)
			continue;
		v = realloc(r->allow, (r->n_allow + 1) * sizeof *v);
		if (!v)
			return -ENOMEM;
		v[r->n_allow++] = l->v[i];
		r->allow = v;
	}
	return 0;
}

static enum report_default final_step(const struct plan_env *env, bool ufw, int family)
{
	if (!ufw || (family == AF_INET6 && !env->ufw->ipv6))
		return REPORT_DEFAULT_DENY;
	switch (env->ufw->in_policy) {
	case UFW_POLICY_ACCEPT:
		return REPORT_DEFAULT_UFW_ALLOW;
	case UFW_POLICY_REJECT:
		return REPORT_DEFAULT_UFW_REJECT;
	default:
		return REPORT_DEFAULT_UFW_DENY;
	}
}

int report_reach(const struct plan_env *env, const struct gn_network *net, const struct gn_endpoint *ep,
		 const struct gn_pub *p, struct report_reach *ret)
{
	const struct gn_net_opts *o = &net->spec.opts;
	bool ufw = plan_ufw_in_force(env, net), final = false;
	int r = 0;

	memset(ret, 0, sizeof *ret);
	for (size_t i = 0; i < admit_steps && r == 0 && !final; i++) {
		enum admit_step s = admit_order[i].step;

		if (!admit_applies(s, o->icc, ufw))
			continue;
		switch (s) {
		case ADMIT_HOST:
			break;
		case ADMIT_HAIRPIN:
			ret->hairpin = true;
			break;
		case ADMIT_UFW_IN:
			r = ufw_steps(env->ufw, net, p, ret, &final);
			break;
		case ADMIT_UFW_ROUTE:
			/* ufw_steps took the route rules after the incoming ones. */
			break;
		case ADMIT_NET_ALLOW:
			r = allow_step(&o->allow, p->family, ret);
			break;
		case ADMIT_EP_ALLOW:
			r = allow_step(&ep->spec.allow, p->family, ret);
			break;
		case ADMIT_FINAL:
			ret->dflt = final_step(env, ufw, p->family);
			break;
		}
	}
	if (r < 0)
		report_reach_clear(ret);
	return r;
}

void report_reach_clear(struct report_reach *r)
{
	free(r->ufw_rules);
	free(r->allow);
	memset(r, 0, sizeof *r);
}
