#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "names.h"
#include "plan.h"

void plan_bridge(const struct plan_env *env, const struct gn_network *net, struct plan_bridge *ret)
{
	const struct gn_network_spec *s = &net->spec;
	const struct gn_net_opts *o = &s->opts;

	memset(ret, 0, sizeof *ret);
	ret->owner = s->id;
	snprintf(ret->name, sizeof ret->name, "%s", o->bridge);
	names_alias(s->id, ret->alias);
	names_mark_mac(ret->name, ret->mac);
	ret->mtu = o->mtu;
	ret->group = env->group;
	for (size_t i = 0; i < s->n_ipv4 && ret->n_addrs < PLAN_BRIDGE_ADDRS; i++)
		ret->addrs[ret->n_addrs++] = s->ipv4[i].gateway;
	for (size_t i = 0; o->enable_ipv6 && i < s->n_ipv6 && ret->n_addrs < PLAN_BRIDGE_ADDRS; i++)
		ret->addrs[ret->n_addrs++] = s->ipv6[i].gateway;
	/* Internal networks never route, so they need no forwarding. */
	ret->route_localnet = !o->internal;
	ret->forward4 = !o->internal && o->enable_ipv4 && s->n_ipv4;
	ret->forward6 = !o->internal && o->enable_ipv6 && s->n_ipv6;
}

void plan_veth(const struct gn_endpoint *ep, struct plan_veth *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->owner = ep->spec.id;
	names_veth(ep->spec.id, ret->host, ret->peer);
	snprintf(ret->master, sizeof ret->master, "%s", ep->net->spec.opts.bridge);
	names_alias(ep->spec.id, ret->alias);
	names_mark_mac(ret->host, ret->host_mac);
	names_container_mac(&ep->spec, ret->peer_mac);
	ret->mtu = ep->net->spec.opts.mtu;
	ret->in_use = ep->joined;
}

struct links_ctx {
	const struct plan_env *env;
	struct plan_links *l;
	size_t n_eps;
};

static void count_eps(void *p, void *ctx)
{
	((struct links_ctx *)ctx)->n_eps += ((struct gn_network *)p)->n_endpoints;
}

static void add_links(void *p, void *ctx)
{
	struct gn_network *net = p;
	struct plan_links *l = ((struct links_ctx *)ctx)->l;

	plan_bridge(((struct links_ctx *)ctx)->env, net, &l->bridges[l->n_bridges++]);
	for (struct gn_endpoint *ep = net->endpoints; ep; ep = ep->next)
		plan_veth(ep, &l->veths[l->n_veths++]);
}

int plan_links(const struct plan_env *env, const struct gn_state *st, struct plan_links *ret)
{
	struct links_ctx c = { .env = env, .l = ret };

	memset(ret, 0, sizeof *ret);
	state_each_network(st, count_eps, &c);
	ret->bridges = calloc(st->nets.live + 1, sizeof *ret->bridges);
	ret->veths = calloc(c.n_eps + 1, sizeof *ret->veths);
	if (!ret->bridges || !ret->veths) {
		plan_links_clear(ret);
		return -ENOMEM;
	}
	state_each_network(st, add_links, &c);
	return 0;
}

void plan_links_clear(struct plan_links *l)
{
	free(l->bridges);
	free(l->veths);
	memset(l, 0, sizeof *l);
}

bool plan_ufw_in_force(const struct plan_env *env, const struct gn_network *net)
{
	enum gn_ufw_mode mode = net->spec.opts.ufw;

	if (mode == GN_UFW_AUTO)
		mode = env->default_ufw;
	if (!env->ufw || mode == GN_UFW_OFF)
		return false;
	return mode == GN_UFW_ON || env->ufw->enabled;
}

_Static_assert(FW_EPALLOW_NAME_MAX >= NAMES_EPALLOW_MAX, "fw_epallow's name holds names_epallow's");

/* ep's guardnet.allow (src, a copy or the spec's own list): one entry per
 * family ep has an address in. */
static size_t ep_allow(const struct gn_endpoint *ep, const struct gn_prefix *src, struct fw_epallow out[2])
{
	size_t n = 0;

	if (!ep->spec.allow.n)
		return 0;
	if (ep->spec.has_addr4) {
		out[n] = (struct fw_epallow){ .ctr = ep->spec.addr4.addr, .src = src, .n_src = ep->spec.allow.n };
		names_epallow(ep->spec.id, AF_INET, out[n++].name, sizeof out->name);
	}
	if (ep->spec.has_addr6) {
		out[n] = (struct fw_epallow){ .ctr = ep->spec.addr6.addr, .src = src, .n_src = ep->spec.allow.n };
		names_epallow(ep->spec.id, AF_INET6, out[n++].name, sizeof out->name);
	}
	for (size_t i = 0; i < n; i++)
		snprintf(out[i].bridge, sizeof out[i].bridge, "%s", ep->net->spec.opts.bridge);
	return n;
}

struct model_ctx {
	const struct plan_env *env;
	struct plan_model *pm;
	size_t n, n_sub, n_gw, n_ep;
};

static void count_net(void *p, void *ctx)
{
	struct gn_network *net = p;
	struct model_ctx *m = ctx;

	if (net->dying)
		return;
	m->n++;
	m->n_sub += net->spec.n_ipv4 + net->spec.n_ipv6;
	m->n_gw += net->spec.n_ipv4 + net->spec.n_ipv6;
	for (struct gn_endpoint *ep = net->endpoints; ep; ep = ep->next)
		m->n_ep += ep->spec.allow.n ? 2 : 0;
}

/* net as the firewall sees it, its subnets and gateways written from
 * subnets and gateways on: how many of each through *n_sub and *n_gw. */
static void fill_net(const struct plan_env *env, const struct gn_network *net, struct fw_network *f,
		     struct gn_prefix *subnets, struct gn_addr *gateways, size_t *n_sub, size_t *n_gw)
{
	size_t ns = 0, ng = 0;

	f->bridge = net->spec.opts.bridge;
	f->internal = net->spec.opts.internal;
	f->icc = net->spec.opts.icc;
	f->allow = net->spec.opts.allow.v;
	f->n_allow = net->spec.opts.allow.n;
	f->ufw = plan_ufw_in_force(env, net);
	for (size_t i = 0; i < net->spec.n_ipv4; i++)
		subnets[ns++] = net->spec.ipv4[i].pool;
	for (size_t i = 0; net->spec.opts.enable_ipv6 && i < net->spec.n_ipv6; i++)
		subnets[ns++] = net->spec.ipv6[i].pool;
	for (size_t i = 0; i < net->spec.n_ipv4; i++)
		if (net->spec.ipv4[i].has_gateway)
			gateways[ng++] = net->spec.ipv4[i].gateway.addr;
	for (size_t i = 0; net->spec.opts.enable_ipv6 && i < net->spec.n_ipv6; i++)
		if (net->spec.ipv6[i].has_gateway)
			gateways[ng++] = net->spec.ipv6[i].gateway.addr;
	f->subnets = subnets;
	f->n_subnets = ns;
	f->gateways = gateways;
	f->n_gateways = ng;
	f->no_masquerade = net->spec.opts.no_masquerade;
	*n_sub = ns;
	*n_gw = ng;
}

static void add_net(void *p, void *ctx)
{
	struct gn_network *net = p;
	struct model_ctx *m = ctx;
	struct plan_model *pm = m->pm;
	size_t ns, ng;

	if (net->dying)
		return;
	fill_net(m->env, net, &pm->nets[m->n++], pm->subnets + m->n_sub, pm->gateways + m->n_gw, &ns, &ng);
	m->n_sub += ns;
	m->n_gw += ng;
	for (struct gn_endpoint *ep = net->endpoints; ep; ep = ep->next)
		m->n_ep += ep_allow(ep, ep->spec.allow.v, pm->epallow + m->n_ep);
}

int plan_net(const struct plan_env *env, const struct gn_network *net, struct plan_net *ret)
{
	size_t n = net->spec.n_ipv4 + net->spec.n_ipv6 + 1, ns, ng;

	memset(ret, 0, sizeof *ret);
	ret->subnets = calloc(n, sizeof *ret->subnets);
	ret->gateways = calloc(n, sizeof *ret->gateways);
	if (!ret->subnets || !ret->gateways) {
		plan_net_clear(ret);
		return -ENOMEM;
	}
	fill_net(env, net, &ret->f, ret->subnets, ret->gateways, &ns, &ng);
	return 0;
}

void plan_net_clear(struct plan_net *pn)
{
	free(pn->subnets);
	free(pn->gateways);
	memset(pn, 0, sizeof *pn);
}

static int by_bridge(const void *a, const void *b)
{
	return strcmp(((const struct fw_network *)a)->bridge, ((const struct fw_network *)b)->bridge);
}

int plan_model(const struct plan_env *env, const struct gn_state *st, struct plan_model *ret)
{
	struct model_ctx m = { .env = env, .pm = ret };
	int r;

	memset(ret, 0, sizeof *ret);
	state_each_network(st, count_net, &m);
	ret->nets = calloc(m.n + 1, sizeof *ret->nets);
	ret->subnets = calloc(m.n_sub + 1, sizeof *ret->subnets);
	ret->gateways = calloc(m.n_gw + 1, sizeof *ret->gateways);
	ret->epallow = calloc(m.n_ep + 1, sizeof *ret->epallow);
	r = publish_all(st, env->default_publish, NULL, &ret->pubs);
	if (!ret->nets || !ret->subnets || !ret->gateways || !ret->epallow || r < 0) {
		plan_model_clear(ret);
		return -ENOMEM;
	}
	m.n = m.n_sub = m.n_gw = m.n_ep = 0;
	state_each_network(st, add_net, &m);
	/* In the order of their bridges, not of the state's hash map (which
	 * depends on its history): the same state always makes the same
	 * table, and a restart finds the table it would build (fw_sync). */
	qsort(ret->nets, m.n, sizeof *ret->nets, by_bridge);
	ret->m = (struct fw_model){ .nets = ret->nets, .n = m.n, .mark = env->mark, .group = env->group, .pubs = ret->pubs.v,
				    .n_pubs = ret->pubs.n, .epallow = ret->epallow, .n_epallow = m.n_ep,
				    .ufw = env->ufw };
	return 0;
}

void plan_model_clear(struct plan_model *pm)
{
	free(pm->nets);
	free(pm->subnets);
	free(pm->gateways);
	free(pm->epallow);
	pub_list_clear(&pm->pubs);
	memset(pm, 0, sizeof *pm);
}

void plan_share(const struct plan_env *env, const struct gn_endpoint *ep, bool programmed,
		const struct gn_ports *published, struct plan_share *ret)
{
	const struct gn_network *net = ep->net;
	size_t n = ep->spec.allow.n;

	memset(ret, 0, sizeof *ret);
	/* The same rules as plan_model's, endpoint by endpoint. */
	if (net->dying)
		return;
	if (programmed && publish_expand(publish_allowed(net, env->default_publish), &ep->spec, net->spec.id,
					  published, &ret->pubs) < 0)
		ret->whole = true;
	for (size_t i = 0; i < ret->pubs.n; i++)
		ret->pubs.v[i].ep_id = ret->pubs.v[i].net_id = NULL; /* they would outlive ep */
	if (n && !(ret->allow = malloc(n * sizeof *ret->allow))) {
		ret->whole = true;
	} else if (n) {
		memcpy(ret->allow, ep->spec.allow.v, n * sizeof *ret->allow);
		ret->n_epallow = ep_allow(ep, ret->allow, ret->epallow);
	}
}

void plan_share_clear(struct plan_share *s)
{
	pub_list_clear(&s->pubs);
	free(s->allow);
	memset(s, 0, sizeof *s);
}

struct fw_share plan_share_view(const struct plan_share *s)
{
	return (struct fw_share){ .pubs = s->pubs.v, .n_pubs = s->pubs.n, .epallow = s->epallow,
				  .n_epallow = s->n_epallow };
}
