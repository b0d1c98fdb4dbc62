#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "log.h"
#include "driver-publish.h"
#include "pubindex.h"
#include "spec.h"
#include "state.h"

const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case GN_PROTO_TCP:
		return "tcp";
	case GN_PROTO_UDP:
		return "udp";
	default:
		return "sctp";
	}
}

void pub_list_clear(struct gn_pub_list *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int push(struct gn_pub_list *l, const struct gn_pub *p)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct gn_pub *v = realloc(l->v, cap * sizeof *v);

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *p;
	return 0;
}

static bool allows_any(const struct gn_addr_list *allowed, int family)
{
	for (size_t i = 0; i < allowed->n; i++)
		if (allowed->v[i].family == family && addr_is_any(&allowed->v[i]))
			return true;
	return false;
}

static bool allows(const struct gn_addr_list *allowed, const struct gn_addr *a)
{
	if (allows_any(allowed, a->family))
		return true;
	for (size_t i = 0; i < allowed->n; i++)
		if (addr_equal(&allowed->v[i], a))
			return true;
	return false;
}

static const struct gn_addr *ctr_addr(const struct gn_endpoint_spec *ep, int family)
{
	if (family == AF_INET)
		return ep->has_addr4 ? &ep->addr4.addr : NULL;
	return ep->has_addr6 ? &ep->addr6.addr : NULL;
}

/* The publications of one binding with host port `port`. */
static int expand_one(const struct gn_addr_list *allowed, const struct gn_endpoint_spec *ep, const char *net_id,
		      const struct gn_port_binding *b, uint16_t port, struct gn_pub_list *out)
{
	const struct gn_addr *targets = b->has_host_ip ? &b->host_ip : allowed->v;
	size_t n = b->has_host_ip ? 1 : allowed->n;
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		const struct gn_addr *t = &targets[i], *c = ctr_addr(ep, t->family);
		struct gn_pub p = { .family = t->family, .proto = b->proto, .port = port, .ctr_port = b->port,
				    .ep_id = ep->id, .net_id = net_id };

		if (!c)
			continue;
		p.ctr = *c;
		p.any = addr_is_any(t);
		/* An address the allowlist's wildcard already covers adds nothing. */
		if (!p.any && !b->has_host_ip && allows_any(allowed, t->family))
			continue;
		if (!p.any)
			p.host = *t;
		r = push(out, &p);
	}
	return r;
}

int publish_expand(const struct gn_addr_list *allowed, const struct gn_endpoint_spec *ep, const char *net_id,
		   const struct gn_ports *resolved, struct gn_pub_list *out)
{
	int r = 0;

	for (size_t i = 0; i < resolved->n_map && r == 0; i++)
		r = expand_one(allowed, ep, net_id, &resolved->map[i], resolved->map[i].host_port, out);
	return r;
}

static void where(const struct gn_pub *p, char *buf, size_t len)
{
	char a[GN_PREFIX_STRLEN];

	if (p->any)
		snprintf(a, sizeof a, "%s", p->family == AF_INET ? "0.0.0.0" : "::");
	else
		addr_format(&p->host, a, sizeof a);
	snprintf(buf, len, "%u/%s on %s", p->port, proto_name(p->proto), a);
}

/* 0 when every publication in cand is free; else -EADDRINUSE with who holds it. */
static int check_free(const struct publish_env *env, const struct gn_pub_list *mine, const struct gn_pub_list *cand,
		      struct gn_err *err)
{
	for (size_t i = 0; i < cand->n; i++) {
		const struct gn_pub *p = &cand->v[i];
		char at[96], who[128];

		const struct gn_pub *holder = env->taken ? pubindex_find(env->taken, p, p->ep_id) : NULL;

		where(p, at, sizeof at);
		if (holder)
			return gn_errf(err, -EADDRINUSE, "host port %s is already published by endpoint %.12s on "
				       "network %.12s", at, holder->ep_id, holder->net_id);
		for (size_t j = 0; j < mine->n; j++)
			if (pub_overlap(p, &mine->v[j]))
				return gn_errf(err, -EADDRINUSE, "host port %s is requested twice by this container", at);
		if (env->host_in_use &&
		    env->host_in_use(env->host_ctx, p->proto, p->family, p->any ? NULL : &p->host, p->port, who, sizeof who))
			return gn_errf(err, -EADDRINUSE, "host port %s is in use by a process on the host (%s)", at, who);
	}
	return 0;
}

static int check_allowed(const struct publish_env *env, const struct gn_port_binding *b, struct gn_err *err)
{
	char a[GN_PREFIX_STRLEN];

	if (!b->has_host_ip || allows(env->allowed, &b->host_ip))
		return 0;
	addr_format(&b->host_ip, a, sizeof a);
	return gn_errf(err, -EACCES, "HostIP %s (port %u/%s) is not allowed by %s", a, b->host_port ? b->host_port : 0,
		       proto_name(b->proto), env->allowed_name);
}

/* Picks the host port of b: the fixed one if free, else the first free one
 * in its range (or the ephemeral range for HostPort 0). */
static int choose(const struct publish_env *env, const struct gn_endpoint_spec *ep, const char *net_id,
		  const struct gn_port_binding *b, struct gn_pub_list *mine, uint16_t *ret, struct gn_err *err)
{
	uint32_t lo = b->host_port ? b->host_port : env->eph_lo;
	uint32_t hi = b->host_port ? b->host_port_end : env->eph_hi;
	int r = -EADDRINUSE;

	for (uint32_t port = lo; port <= hi; port++) {
		struct gn_pub_list cand = { 0 };

		r = expand_one(env->allowed, ep, net_id, b, (uint16_t)port, &cand);
		if (r == 0)
			r = check_free(env, mine, &cand, lo == hi ? err : NULL);
		if (r == 0) {
			for (size_t i = 0; i < cand.n && r == 0; i++)
				r = push(mine, &cand.v[i]);
			pub_list_clear(&cand);
			*ret = (uint16_t)port;
			return r;
		}
		pub_list_clear(&cand);
		if (r == -ENOMEM)
			return gn_errf(err, r, "out of memory");
	}
	if (lo != hi)
		return gn_errf(err, -EADDRINUSE, "no free host port in %u-%u/%s for container port %u", lo, hi,
			       proto_name(b->proto), b->port);
	return r;
}

int publish_resolve(const struct publish_env *env, const struct gn_endpoint_spec *ep, const char *net_id,
		    const struct gn_ports *req, struct gn_ports *ret, struct gn_err *err)
{
	struct gn_pub_list mine = { 0 };
	struct gn_ports out;
	int r = ports_copy(&out, req);

	if (r < 0)
		return gn_errf(err, r, "out of memory");
	for (size_t i = 0; i < out.n_map && r == 0; i++) {
		struct gn_port_binding *b = &out.map[i];
		uint16_t port = 0;

		r = check_allowed(env, b, err);
		if (r == 0)
			r = choose(env, ep, net_id, b, &mine, &port, err);
		if (r == 0)
			b->host_port = b->host_port_end = port;
	}
	pub_list_clear(&mine);
	if (r < 0) {
		ports_clear(&out);
		return r;
	}
	*ret = out;
	return 0;
}

static const struct gn_addr_list *effective(const struct gn_network *net, const struct gn_addr_list *dflt)
{
	return net->spec.opts.publish_set ? &net->spec.opts.publish : dflt;
}

struct all_ctx {
	const struct gn_addr_list *dflt;
	const struct gn_endpoint *exclude;
	struct gn_pub_list *out;
	int r;
};

static void net_pubs(void *p, void *ctx)
{
	struct gn_network *net = p;
	struct all_ctx *c = ctx;

	if (net->dying)
		return;
	for (struct gn_endpoint *ep = net->endpoints; ep && c->r == 0; ep = ep->next)
		if (ep->programmed && ep != c->exclude)
			c->r = publish_expand(effective(net, c->dflt), &ep->spec, net->spec.id, &ep->published, c->out);
}

int publish_all(const struct gn_state *st, const struct gn_addr_list *dflt, const struct gn_endpoint *exclude,
		struct gn_pub_list *out)
{
	struct all_ctx c = { .dflt = dflt, .exclude = exclude, .out = out };

	state_each_network(st, net_pubs, &c);
	return c.r;
}

const struct gn_addr_list *publish_allowed(const struct gn_network *net, const struct gn_addr_list *dflt)
{
	return effective(net, dflt);
}
