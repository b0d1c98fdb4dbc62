#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "admit.h"
#include "explain.h"
#include "log.h"
#include "options.h"

const char *explain_verdict_name(enum explain_verdict v)
{
	static const char *names[] = { "accept", "accept (rate-limited)", "drop", "reject", "closed" };

	return names[v];
}

static int decide(struct explain_result *r, enum explain_verdict v, const char *step, const char *fmt, ...)
{
	va_list ap;

	r->verdict = v;
	r->step = step;
	va_start(ap, fmt);
	vsnprintf(r->because, sizeof r->because, fmt, ap);
	va_end(ap);
	return 0;
}

/* UFW's lines as fw-nft-ufw.c compiles them (ufw-eval.c), once for both
 * of UFW's steps: the incoming rules, then the route rules. */
static void ufw_decide(const struct explain_env *env, const struct explain_query *q, const struct explain_result *r,
		       struct ufw_decision *d)
{
	struct ufw_query uq = { .family = q->to.family, .proto = q->proto, .src = q->from, .dst = q->to,
				.dport = q->port, .in_if = q->in_if, .ctr = r->pub.ctr, .ctr_port = r->pub.ctr_port,
				.out_if = r->net->spec.opts.bridge };

	ufw_eval(env->env->ufw, &uq, d);
}

/* The verdict names the line that decided, and the rule it belongs to as
 * `ufw status numbered` numbers it. */
static void ufw_verdict(struct explain_result *r, const struct ufw_config *u, const struct ufw_decision *d,
			int family, const char *step)
{
	static const enum explain_verdict by_outcome[] = {
		[UFW_OUT_ACCEPT] = EXPLAIN_ACCEPT,
		[UFW_OUT_LIMIT] = EXPLAIN_LIMIT,
		[UFW_OUT_DROP] = EXPLAIN_DROP,
		[UFW_OUT_REJECT] = EXPLAIN_REJECT,
	};
	char text[sizeof r->because];

	ufw_decision_format(u, d, family, text, sizeof text);
	decide(r, by_outcome[d->outcome], step, "%s", text);
}

static const struct gn_prefix *allowed_by(const struct gn_prefix_list *l, const struct gn_addr *a)
{
	for (size_t i = 0; i < l->n; i++)
		if (prefix_contains(&l->v[i], a))
			return &l->v[i];
	return NULL;
}

/* Nothing admitted the connection: UFW's default incoming policy when UFW
 * decides (for IPv6 only when UFW manages IPv6), else drop. */
static void final(const struct explain_env *env, const struct explain_query *q, struct explain_result *r, bool ufw)
{
	const struct ufw_config *u = env->env->ufw;
	enum ufw_policy policy = UFW_POLICY_DROP;

	if (ufw && (q->to.family == AF_INET || u->ipv6))
		policy = u->in_policy;
	if (policy == UFW_POLICY_ACCEPT)
		decide(r, EXPLAIN_ACCEPT, "policy", "UFW's default incoming policy is allow");
	else if (ufw)
		decide(r, policy == UFW_POLICY_REJECT ? EXPLAIN_REJECT : EXPLAIN_DROP, "policy",
		       "no UFW rule matches and UFW's default incoming policy is %s; logged as [GUARDNET BLOCK]",
		       policy == UFW_POLICY_REJECT ? "reject" : "deny");
	else
		decide(r, EXPLAIN_DROP, "default",
		       "not in guardnet.allow and UFW does not decide for network %.12s (guardnet.ufw=%s, UFW %s); "
		       "logged as [GUARDNET BLOCK]",
		       r->net->spec.id, ufw_mode_name(r->net->spec.opts.ufw), u && u->enabled ? "enabled" : "disabled");
}

/* One step of admit_order for a connection to a published port: whether
 * it decided. */
static bool step(const struct explain_env *env, const struct explain_query *q, struct explain_result *r,
		 const struct admit_rule *a, bool ufw)
{
	const struct gn_net_opts *o = &r->net->spec.opts;
	struct ufw_decision d;
	const struct gn_prefix *p;
	char buf[GN_PREFIX_STRLEN];

	if (!admit_applies(a->step, o->icc, ufw))
		return false;
	switch (a->step) {
	case ADMIT_HOST:
		if (!q->from_host)
			return false;
		decide(r, EXPLAIN_ACCEPT, a->name, "the host itself is always admitted");
		return true;
	case ADMIT_HAIRPIN:
		if (strcmp(q->in_if, o->bridge))
			return false;
		decide(r, EXPLAIN_ACCEPT, a->name,
		       "a container of the same network (bridge %s, guardnet.icc=true) reaches it anyway", o->bridge);
		return true;
	case ADMIT_UFW_IN:
	case ADMIT_UFW_ROUTE:
		ufw_decide(env, q, r, &d);
		if (d.outcome == UFW_OUT_NONE || d.route != (a->step == ADMIT_UFW_ROUTE))
			return false;
		ufw_verdict(r, env->env->ufw, &d, q->to.family, a->name);
		return true;
	case ADMIT_NET_ALLOW:
	case ADMIT_EP_ALLOW:
		p = allowed_by(a->step == ADMIT_NET_ALLOW ? &o->allow : &r->ep->spec.allow, &q->from);
		if (!p)
			return false;
		prefix_format(p, buf, sizeof buf);
		decide(r, EXPLAIN_ACCEPT, a->name, "guardnet.allow %s of %s %.12s", buf,
		       a->step == ADMIT_NET_ALLOW ? "network" : "endpoint",
		       a->step == ADMIT_NET_ALLOW ? r->net->spec.id : r->ep->spec.id);
		return true;
	case ADMIT_FINAL:
		final(env, q, r, ufw);
		return true;
	}
	return false;
}

/* A published port: admit_order, step by step, as chain pub holds it. */
static int published_port(const struct explain_env *env, const struct explain_query *q, struct explain_result *r)
{
	bool ufw = plan_ufw_in_force(env->env, r->net);

	for (size_t i = 0; i < admit_steps; i++)
		if (step(env, q, r, &admit_order[i], ufw))
			break;
	return 0;
}

struct find_ctx {
	const struct explain_query *q;
	const struct gn_network *net;
};

static void find_subnet(void *p, void *ctx)
{
	const struct gn_network *net = p;
	struct find_ctx *c = ctx;

	for (size_t i = 0; !net->dying && i < net->spec.n_ipv4 + net->spec.n_ipv6; i++) {
		const struct gn_ipam_data *d = i < net->spec.n_ipv4 ? &net->spec.ipv4[i]
								    : &net->spec.ipv6[i - net->spec.n_ipv4];

		if (prefix_contains(&d->pool, &c->q->to))
			c->net = net;
	}
}

/* A container address: no DNAT, so only the forward chain's bridge rules
 * (fw-nft-table.c) apply. */
static int container_address(const struct explain_env *env, const struct explain_query *q,
			     struct explain_result *r, struct gn_err *err)
{
	struct find_ctx c = { .q = q };
	char buf[GN_PREFIX_STRLEN];

	state_each_network(env->st, find_subnet, &c);
	addr_format(&q->to, buf, sizeof buf);
	if (!c.net)
		return gn_errf(err, -EINVAL, "%s is neither an address of this host nor in a guardnet network", buf);
	r->net = c.net;
	if (q->from_host)
		return decide(r, EXPLAIN_ACCEPT, "host", "the host itself reaches its containers directly");
	if (!strcmp(q->in_if, c.net->spec.opts.bridge))
		return c.net->spec.opts.icc
			       ? decide(r, EXPLAIN_ACCEPT, "icc", "containers of one network talk to each other")
			       : decide(r, EXPLAIN_DROP, "icc", "guardnet.icc=false on network %.12s", c.net->spec.id);
	return decide(r, EXPLAIN_DROP, "direct",
		      "%s is a container of network %.12s: traffic routed straight to it is dropped, "
		      "only published ports lead into a network",
		      buf, c.net->spec.id);
}

static bool same_port(const struct gn_pub *p, const struct explain_query *q)
{
	return p->family == q->to.family && p->proto == q->proto && p->port == q->port;
}

/* No mapping for (to, port): say where the port is published instead. */
static int closed(const struct gn_pub_list *pubs, const struct explain_query *q, struct explain_result *r)
{
	char to[GN_PREFIX_STRLEN], where[GN_PREFIX_STRLEN] = "";

	addr_format(&q->to, to, sizeof to);
	for (size_t i = 0; i < pubs->n && !where[0]; i++)
		if (same_port(&pubs->v[i], q))
			addr_format(&pubs->v[i].host, where, sizeof where);
	if (where[0])
		return decide(r, EXPLAIN_CLOSED, "closed",
			      "port %u/%s is published on %s only, not on %s (guardnet.publish decides where)",
			      q->port, proto_name(q->proto), where, to);
	return decide(r, EXPLAIN_CLOSED, "closed", "no guardnet container publishes %s port %u/%s", to, q->port,
		      proto_name(q->proto));
}

/* [::1]:P: no DNAT (the kernel cannot answer it from a bridge) but the
 * relay (plan-relay.c), for the host alone: the kernel drops whatever
 * arrives for ::1 on an interface other than lo. */
static int loopback6(const struct explain_env *env, const struct explain_query *q, struct explain_result *r)
{
	struct gn_relay_svc *v;
	size_t n;
	char to[GN_PREFIX_STRLEN];
	int rc = plan_relays(env->env, env->st, &v, &n);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (v[i].proto != q->proto || v[i].port != q->port)
			continue;
		addr_format(&v[i].to, to, sizeof to);
		if (q->from_host)
			decide(r, EXPLAIN_ACCEPT, "host", "the host reaches [::1]:%u through guardnet's relay, to %s%s%s:%u",
			       q->port, v[i].to.family == AF_INET6 ? "[" : "", to, v[i].to.family == AF_INET6 ? "]" : "",
			       v[i].to_port);
		else
			decide(r, EXPLAIN_CLOSED, "closed", "only the host reaches [::1]: the kernel drops what arrives for "
			       "::1 on any interface but lo");
		free(v);
		return 0;
	}
	free(v);
	return decide(r, EXPLAIN_CLOSED, "closed", "guardnet's relay serves no [::1]:%u/%s (it serves the TCP ports "
		      "published without a host address, or on :: or ::1)", q->port, proto_name(q->proto));
}

int explain(const struct explain_env *env, const struct explain_query *q, struct explain_result *r,
	    struct gn_err *err)
{
	static const uint8_t loop6[16] = { [15] = 1 };
	struct gn_pub_list pubs = { 0 };
	const struct gn_pub *hit = NULL;
	int rc;

	memset(r, 0, sizeof *r);
	if (!q->to_host)
		return container_address(env, q, r, err);
	if (q->to.family == AF_INET6 && !memcmp(q->to.a, loop6, 16))
		return loopback6(env, q, r);
	rc = publish_all(env->st, env->env->default_publish, NULL, &pubs);
	if (rc < 0)
		return gn_errf(err, rc, "out of memory");
	/* The prerouting and output chains look up one host address first,
	 * then every local address (fw-nft-pub.c). */
	for (size_t i = 0; i < pubs.n && !hit; i++)
		if (same_port(&pubs.v[i], q) && !pubs.v[i].any && addr_equal(&pubs.v[i].host, &q->to))
			hit = &pubs.v[i];
	for (size_t i = 0; i < pubs.n && !hit; i++)
		if (same_port(&pubs.v[i], q) && pubs.v[i].any)
			hit = &pubs.v[i];
	if (!hit) {
		rc = closed(&pubs, q, r);
	} else {
		r->mapped = true;
		r->pub = *hit;
		r->ep = state_endpoint(env->st, hit->ep_id);
		r->net = r->ep ? r->ep->net : NULL;
		rc = r->net ? published_port(env, q, r) : gn_errf(err, -ENOENT, "endpoint %.12s vanished", hit->ep_id);
	}
	pub_list_clear(&pubs);
	return rc;
}
