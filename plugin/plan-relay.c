/*
 * Which ports the host's [::1] serves through guardnet's relay (relay.c),
 * decided from the state alone.  Docker's bridge driver is the reference
 * (research/docker-remote-driver.md section 3.2; moby's port mapping):
 * a binding without a host address is published on 0.0.0.0 and on [::],
 * and an IPv4-only container's [::] side is served by docker-proxy, so
 * the host reaches [::1]:P whatever the network's IPv6; a binding on :: or
 * ::1 asks for it too; one on an IPv4 address (127.0.0.1, 0.0.0.0 given
 * explicitly) does not.  Docker 28 sends no_proxy_6to4 when another
 * network of the container carries its IPv6: the IPv4 side then leaves
 * [::1] to it.  Only the host reaches [::1], as only the host reaches
 * 127.0.0.1:P; the kernel cannot answer a connection to ::1 from a bridge
 * (spec/firewall-model.md), so a relay carries it.  TCP only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "plan.h"
#include "relayindex.h"

struct relays_ctx {
	const struct plan_env *env;
	struct gn_relay_svc *v;
	size_t n, cap;
	int err;
};

static bool v6_loopback_or_any(const struct gn_addr *a)
{
	static const uint8_t one[16] = { [15] = 1 };

	return a->family == AF_INET6 && (addr_is_any(a) || !memcmp(a->a, one, 16));
}

/* Whether the network's host allowlist lets a binding without an address
 * reach the host's IPv6 side. */
static bool allows_v6(const struct gn_addr_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (v6_loopback_or_any(&l->v[i]))
			return true;
	return false;
}

size_t plan_relays_ep(const struct plan_env *env, const struct gn_endpoint *ep, bool programmed,
		      const struct gn_ports *published, struct gn_relay_svc *ret)
{
	const struct gn_endpoint_spec *s = &ep->spec;
	const struct gn_addr_list *allowed;
	size_t n = 0;

	if (!programmed || ep->net->dying || ep->net->spec.opts.internal)
		return 0;
	allowed = publish_allowed(ep->net, env->default_publish);
	for (size_t i = 0; i < published->n_map; i++) {
		const struct gn_port_binding *b = &published->map[i];
		struct gn_relay_svc r = { .proto = b->proto, .port = b->host_port, .to_port = b->port };

		if (b->proto != GN_PROTO_TCP || !b->host_port)
			continue;
		if (b->has_host_ip ? !v6_loopback_or_any(&b->host_ip) : !allows_v6(allowed))
			continue;
		if (s->has_addr6)
			r.to = s->addr6.addr;
		else if (s->has_addr4 && !ep->no_proxy_6to4)
			r.to = s->addr4.addr;
		else
			continue;
		ret[n++] = r;
	}
	return n;
}

static void network(void *p, void *ctx)
{
	const struct gn_network *net = p;
	struct relays_ctx *c = ctx;

	for (const struct gn_endpoint *ep = net->endpoints; ep && !c->err; ep = ep->next) {
		size_t need = c->n + ep->published.n_map;

		if (need > c->cap) {
			size_t cap = 2 * need > 16 ? 2 * need : 16;
			struct gn_relay_svc *v = realloc(c->v, cap * sizeof *v);

			if (!v) {
				c->err = -ENOMEM;
				return;
			}
			c->v = v;
			c->cap = cap;
		}
		c->n += plan_relays_ep(c->env, ep, ep->programmed, &ep->published, c->v + c->n);
	}
}

int plan_relays(const struct plan_env *env, const struct gn_state *st, struct gn_relay_svc **ret, size_t *n)
{
	struct relays_ctx c = { .env = env };
	size_t kept = 0;

	state_each_network(st, network, &c);
	/* One [::1]:P (pubindex keeps P to one endpoint): sorted, then the
	 * first of each port, in n log n (a host may publish 20,000 ports).
	 * relayindex.c keeps the same choice as endpoints come and go. */
	if (c.n)
		qsort(c.v, c.n, sizeof *c.v, relay_svc_cmp);
	for (size_t i = 0; i < c.n; i++)
		if (!kept || c.v[i].proto != c.v[kept - 1].proto || c.v[i].port != c.v[kept - 1].port)
			c.v[kept++] = c.v[i];
	c.n = kept;
	if (c.err) {
		free(c.v);
		c.v = NULL;
		c.n = 0;
	}
	*ret = c.v;
	*n = c.n;
	return c.err;
}
