#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "state.h"

void state_init(struct gn_state *st)
{
	memset(st, 0, sizeof *st);
}

static void free_network(void *p, void *ctx)
{
	struct gn_network *net = p;

	(void)ctx;
	while (net->endpoints) {
		struct gn_endpoint *ep = net->endpoints;

		net->endpoints = ep->next;
		endpoint_free(ep);
	}
	idmap_free(&net->by_addr);
	netspec_clear(&net->spec);
	free(net);
}

void state_free(struct gn_state *st)
{
	idmap_each(&st->nets, free_network, NULL);
	idmap_free(&st->nets);
	idmap_free(&st->eps);
}

struct gn_network *state_network(const struct gn_state *st, const char *id)
{
	return idmap_get(&st->nets, id);
}

struct gn_endpoint *state_endpoint(const struct gn_state *st, const char *id)
{
	return idmap_get(&st->eps, id);
}

struct bridge_search {
	const char *name;
	struct gn_network *found;
};

static void match_bridge(void *p, void *ctx)
{
	struct gn_network *net = p;
	struct bridge_search *s = ctx;

	if (!strcmp(net->spec.opts.bridge, s->name))
		s->found = net;
}

struct gn_network *state_network_by_bridge(const struct gn_state *st, const char *ifname)
{
	struct bridge_search s = { .name = ifname };

	idmap_each(&st->nets, match_bridge, &s);
	return s.found;
}

int state_add_network(struct gn_state *st, struct gn_network_spec *spec, struct gn_network **ret)
{
	struct gn_network *net = calloc(1, sizeof *net);
	int r;

	if (!net)
		return -ENOMEM;
	net->spec = *spec;
	r = idmap_put(&st->nets, net->spec.id, net);
	if (r < 0) {
		free(net);
		return r;
	}
	memset(spec, 0, sizeof *spec);
	*ret = net;
	return 0;
}

/* Indexes ep's addresses in net->by_addr, the keys kept in ep. */
static void index_addrs(struct gn_network *net, struct gn_endpoint *ep)
{
	const struct gn_prefix *a[2] = { ep->spec.has_addr4 ? &ep->spec.addr4 : NULL,
					 ep->spec.has_addr6 ? &ep->spec.addr6 : NULL };

	for (int i = 0; i < 2; i++) {
		if (!a[i])
			continue;
		addr_format(&a[i]->addr, ep->addr_key[i], sizeof ep->addr_key[i]);
		if (idmap_put(&net->by_addr, ep->addr_key[i], ep) < 0)
			net->n_unindexed++;
	}
}

static void unindex_addrs(struct gn_network *net, struct gn_endpoint *ep)
{
	for (int i = 0; i < 2; i++) {
		if (!ep->addr_key[i][0])
			continue;
		if (idmap_get(&net->by_addr, ep->addr_key[i]) == ep)
			idmap_del(&net->by_addr, ep->addr_key[i]);
		else
			net->n_unindexed--;
	}
}

struct gn_endpoint *state_address_holder(const struct gn_network *net, const struct gn_addr *addr)
{
	char key[GN_PREFIX_STRLEN];

	if (net->n_unindexed) {
		for (struct gn_endpoint *ep = net->endpoints; ep; ep = ep->next)
			if ((ep->spec.has_addr4 && addr_equal(addr, &ep->spec.addr4.addr)) ||
			    (ep->spec.has_addr6 && addr_equal(addr, &ep->spec.addr6.addr)))
				return ep;
		return NULL;
	}
	addr_format(addr, key, sizeof key);
	return idmap_get(&net->by_addr, key);
}

int state_add_endpoint(struct gn_state *st, struct gn_network *net, struct gn_endpoint_spec *spec,
		       struct gn_endpoint **ret)
{
	struct gn_endpoint *ep = calloc(1, sizeof *ep);
	int r;

	if (!ep)
		return -ENOMEM;
	ep->spec = *spec;
	r = idmap_put(&st->eps, ep->spec.id, ep);
	if (r < 0) {
		free(ep);
		return r;
	}
	memset(spec, 0, sizeof *spec);
	ep->net = net;
	ep->next = net->endpoints;
	if (net->endpoints)
		net->endpoints->prev = ep;
	net->endpoints = ep;
	net->n_endpoints++;
	index_addrs(net, ep);
	*ret = ep;
	return 0;
}

void endpoint_free(struct gn_endpoint *ep)
{
	if (!ep)
		return;
	epspec_clear(&ep->spec);
	ports_clear(&ep->published);
	free(ep->sandbox_key);
	free(ep);
}

void state_remove_endpoint(struct gn_state *st, struct gn_endpoint *ep)
{
	struct gn_network *net = ep->net;

	idmap_del(&st->eps, ep->spec.id);
	unindex_addrs(net, ep);
	if (ep->prev)
		ep->prev->next = ep->next;
	else
		net->endpoints = ep->next;
	if (ep->next)
		ep->next->prev = ep->prev;
	net->n_endpoints--;
	endpoint_free(ep);
}

void state_remove_network(struct gn_state *st, struct gn_network *net)
{
	while (net->endpoints)
		state_remove_endpoint(st, net->endpoints);
	idmap_del(&st->nets, net->spec.id);
	free_network(net, NULL);
}

void state_each_network(const struct gn_state *st, void (*fn)(void *net, void *ctx), void *ctx)
{
	idmap_each(&st->nets, fn, ctx);
}
