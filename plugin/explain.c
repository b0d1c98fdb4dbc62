#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
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

/* UFW's lines as fw-nft-ufw.c compiles them (ufw-eval.c); the verdict
 * names the line, and the rule it belongs to as `ufw status numbered` does. */
static int ufw_rules(const struct explain_env *env, const struct explain_query *q, struct explain_result *r)
{
	static const enum explain_verdict by_outcome[] = {
		[UFW_OUT_ACCEPT] = EXPLAIN_ACCEPT,
		[UFW_OUT_LIMIT] = EXPLAIN_LIMIT,
		[UFW_OUT_DROP] = EXPLAIN_DROP,
		[UFW_OUT_REJECT] = EXPLAIN_REJECT,
	};
	const struct ufw_config *u = env->ufw;
	struct ufw_query uq = { .family = q->to.family, .proto = q->proto, .src = q->from, .dst = q->to,
				.dport = q->port, .in_if = q->in_if, .ctr = r->pub.ctr, .ctr_port = r->pub.ctr_port,
				.out_if = r->net->spec.opts.bridge };
	const struct ufw_rule *tuples = q->to.family == AF_INET ? u->v4 : u->v6;
	struct ufw_decision d;
	char text[256];
	const char *file;

	ufw_eval(u, &uq, &d);
	if (d.outcome == UFW_OUT_NONE)
		return 0;
	file = ufw_file_name(d.line->file, q->to.family);
	if (d.line->unreadable)
		return 1 + decide(r, by_outcome[d.outcome], d.route ? "ufw-route" : "ufw-in",
			      "%s line %u, which guardnet cannot read whole, drops what it could read", file,
			      d.line->line);
	if (d.line->tuple < 0)
		return 1 + decide(r, by_outcome[d.outcome], d.route ? "ufw-route" : "ufw-in", "UFW's %s line %u", file,
			      d.line->line);
	ufw_rule_format(&tuples[d.line->tuple], text, sizeof text);
	return 1 + decide(r, by_outcome[d.outcome], d.route ? "ufw-route" : "ufw-in",
		      "UFW rule [%u] \"%s\" (%s line %u)",
		      ufw_rule_number(u, q->to.family, (size_t)d.line->tuple), text, file, d.line->line);
}

static const struct gn_prefix *allowed_by(const struct gn_prefix_list *l, const struct gn_addr *a)
{
	for (size_t i = 0; i < l->n; i++)
		if (prefix_contains(&l->v[i], a))
			return &l->v[i];
	return NULL;
}

/* Chain pub-<bridge> of fw-nft-pub.c, rule by rule. */
static int published_port(const struct explain_env *env, const struct explain_query *q, struct explain_result *r)
{
	const struct gn_net_opts *o = &r->net->spec.opts;
	bool ufw = env->ufw && env->ufw_decides(r->net, env->ctx);
	const struct gn_prefix *p;
	char buf[GN_PREFIX_STRLEN];
	enum ufw_policy policy = UFW_POLICY_DROP;

	if (q->from_host)
		return decide(r, EXPLAIN_ACCEPT, "host", "the host itself is always admitted");
	if (o->icc && !strcmp(q->in_if, o->bridge))
		return decide(r, EXPLAIN_ACCEPT, "hairpin",
			      "a container of the same network (bridge %s, guardnet.icc=true) reaches it anyway",
			      o->bridge);
	if (ufw && ufw_rules(env, q, r))
		return 0;
	if ((p = allowed_by(&o->allow, &q->from))) {
		prefix_format(p, buf, sizeof buf);
		return decide(r, EXPLAIN_ACCEPT, "allow", "guardnet.allow %s of network %.12s", buf, r->net->spec.id);
	}
	if ((p = allowed_by(&r->ep->spec.allow, &q->from))) {
		prefix_format(p, buf, sizeof buf);
		return decide(r, EXPLAIN_ACCEPT, "endpoint-allow", "guardnet.allow %s of endpoint %.12s", buf,
			      r->ep->spec.id);
	}
	if (ufw && (q->to.family == AF_INET || env->ufw->ipv6))
		policy = env->ufw->in_policy;
	if (policy == UFW_POLICY_ACCEPT)
		return decide(r, EXPLAIN_ACCEPT, "policy", "UFW's default incoming policy is allow");
	if (ufw)
		return decide(r, policy == UFW_POLICY_REJECT ? EXPLAIN_REJECT : EXPLAIN_DROP, "policy",
			      "no UFW rule matches and UFW's default incoming policy is %s; logged as [GUARDNET BLOCK]",
			      policy == UFW_POLICY_REJECT ? "reject" : "deny");
	return decide(r, EXPLAIN_DROP, "default",
		      "not in guardnet.allow and UFW does not decide for network %.12s (guardnet.ufw=%s, UFW %s); "
		      "logged as [GUARDNET BLOCK]",
		      r->net->spec.id, ufw_mode_name(o->ufw), env->ufw && env->ufw->enabled ? "enabled" : "disabled");
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
 * (fw-nft.c) apply. */
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
		return decide(r, EXPLAIN_CLOSED, "closed", "[::1] is never published (the kernel routes no IPv6 "
							   "loopback traffic to a bridge)");
	rc = publish_all(env->st, env->default_publish, NULL, &pubs);
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
