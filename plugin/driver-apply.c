/*
 * What the driver's decisions mean beyond its state: each object's plan
 * (plan.c) handed to the backend (backend.h), an endpoint's record, the
 * index of host ports every endpoint holds and of the host's [::1] ports
 * the relay serves, and an endpoint removed in every respect.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver-int.h"
#include "log.h"

int driver_net_up(struct gn_driver *d, const struct gn_network *net, struct gn_err *err)
{
	struct plan_bridge b;

	plan_bridge(&d->env, net, &b);
	return d->be.ops->network_up(d->be.ctx, &b, err);
}

void driver_net_down(struct gn_driver *d, const struct gn_network *net)
{
	struct plan_bridge b;

	plan_bridge(&d->env, net, &b);
	d->be.ops->network_down(d->be.ctx, &b);
}

int driver_ep_up(struct gn_driver *d, const struct gn_endpoint *ep, struct gn_err *err)
{
	struct plan_veth v;

	plan_veth(ep, &v);
	return d->be.ops->endpoint_up(d->be.ctx, &v, err);
}

void driver_ep_down(struct gn_driver *d, const struct gn_endpoint *ep)
{
	struct plan_veth v;

	plan_veth(ep, &v);
	d->be.ops->endpoint_down(d->be.ctx, &v);
}

int driver_save_endpoint(struct gn_driver *d, const struct gn_endpoint *ep, struct gn_err *err)
{
	return d->store ? store_put_endpoint(d->store, ep, err) : 0;
}

int driver_firewall(struct gn_driver *d, struct gn_err *err)
{
	struct plan_model pm;
	int r = plan_model(&d->env, &d->st, &pm);

	if (r < 0)
		return gn_errf(err, r, "out of memory");
	r = d->be.ops->firewall(d->be.ctx, &pm.m, err);
	plan_model_clear(&pm);
	return r;
}

int driver_firewall_net(struct gn_driver *d, const struct gn_network *net, bool add, struct gn_err *err)
{
	struct plan_model pm;
	struct plan_net pn;
	int r;

	/* An endpoint left in a network being removed (a crash's leftover)
	 * takes its ports with it: more than the network's part. */
	if ((!add && net->endpoints) || !d->be.ops->network)
		return driver_firewall(d, err);
	if (plan_net(&d->env, net, &pn) < 0)
		return gn_errf(err, -ENOMEM, "out of memory");
	if ((r = plan_model(&d->env, &d->st, &pm)) < 0) {
		plan_net_clear(&pn);
		return gn_errf(err, r, "out of memory");
	}
	r = d->be.ops->network(d->be.ctx, &pm.m, &pn.f, add, err);
	if (r == -ESTALE) {
		log_debug("firewall: %s; building the tables whole", err->msg);
		r = d->be.ops->firewall(d->be.ctx, &pm.m, err);
	}
	plan_model_clear(&pm);
	plan_net_clear(&pn);
	return r;
}

void driver_prefetch(struct gn_driver *d)
{
	if (d->be.ops->prefetch)
		d->be.ops->prefetch(d->be.ctx);
}

int driver_reconcile(struct gn_driver *d, struct gn_err *err)
{
	struct plan_links want;
	struct plan_model pm;
	int r = plan_links(&d->env, &d->st, &want);

	if (r == 0 && (r = plan_model(&d->env, &d->st, &pm)) < 0)
		plan_links_clear(&want);
	if (r < 0)
		return gn_errf(err, r, "out of memory");
	r = d->be.ops->reconcile(d->be.ctx, &want, &pm.m, err);
	plan_model_clear(&pm);
	plan_links_clear(&want);
	return r;
}

int driver_apply_share(struct gn_driver *d, const struct plan_share *from, const struct plan_share *to,
		       struct gn_err *err)
{
	int r;

	if (!from->whole && !to->whole) {
		struct fw_share f = plan_share_view(from), t = plan_share_view(to);

		r = d->be.ops->share(d->be.ctx, &f, &t, err);
		if (r != -ESTALE)
			return r;
		log_info("firewall: %s; rebuilding the table whole", err->msg);
	}
	return driver_firewall(d, err);
}

void driver_undo_share(struct gn_driver *d, const struct plan_share *done, const struct plan_share *back)
{
	struct gn_err e;

	if (driver_apply_share(d, done, back, &e) < 0)
		log_warnx("restoring the firewall after a failed change: %s", e.msg);
}

void driver_restore_firewall(struct gn_driver *d)
{
	struct gn_err e;

	if (driver_firewall(d, &e) < 0)
		log_warnx("restoring the firewall after a failed change: %s", e.msg);
}

/* ep's claims on the host's [::1] into the relay's index or out of it:
 * the cost of its own ports, not the host's.  Claims go by owner, whatever
 * the network's state now (DeleteNetwork marks it dying first). */
static void index_relays(struct gn_driver *d, const struct gn_endpoint *ep, bool programmed,
			 const struct gn_ports *published, bool add)
{
	struct gn_relay_svc *v;
	size_t n;

	if (d->relays_dirty || !programmed || !published->n_map)
		return;
	if (!add) {
		for (size_t i = 0; i < published->n_map; i++)
			if (published->map[i].proto == GN_PROTO_TCP)
				relayindex_del(&d->relays, published->map[i].host_port, ep);
		return;
	}
	if (!(v = malloc(published->n_map * sizeof *v))) {
		d->relays_dirty = true;
		return;
	}
	n = plan_relays_ep(&d->env, ep, programmed, published, v);
	for (size_t i = 0; i < n && !d->relays_dirty; i++)
		d->relays_dirty = relayindex_add(&d->relays, &v[i], ep) < 0;
	free(v);
}

struct relays_ctx {
	struct gn_driver *d;
	struct gn_relay_svc *v;
	size_t cap;
	int err;
};

static void index_network(void *p, void *ctx)
{
	const struct gn_network *net = p;
	struct relays_ctx *c = ctx;

	for (const struct gn_endpoint *ep = net->endpoints; ep && !c->err; ep = ep->next) {
		size_t n;

		if (ep->published.n_map > c->cap) {
			free(c->v);
			c->cap = ep->published.n_map;
			if (!(c->v = malloc(c->cap * sizeof *c->v))) {
				c->err = -ENOMEM;
				return;
			}
		}
		n = plan_relays_ep(&c->d->env, ep, ep->programmed, &ep->published, c->v);
		for (size_t i = 0; i < n && !c->err; i++)
			c->err = relayindex_add(&c->d->relays, &c->v[i], ep);
	}
}

int driver_relays_whole(struct gn_driver *d, struct gn_relay_svc **ret, size_t *n)
{
	struct relays_ctx c = { .d = d };

	*ret = NULL;
	*n = 0;
	relayindex_clear(&d->relays);
	state_each_network(&d->st, index_network, &c);
	free(c.v);
	if (c.err == 0)
		c.err = relayindex_list(&d->relays, ret, n);
	if (c.err < 0) {
		relayindex_clear(&d->relays);
		return c.err;
	}
	d->relays_dirty = false;
	return 0;
}

void driver_index_pubs(struct gn_driver *d, const struct gn_endpoint *ep, bool programmed,
		       const struct gn_ports *published, bool add)
{
	struct gn_pub_list l = { 0 };

	index_relays(d, ep, programmed, published, add);
	if (!programmed || d->taken_stale)
		return;
	if (publish_expand(publish_allowed(ep->net, d->env.default_publish), &ep->spec, ep->net->spec.id, published, &l) < 0)
		d->taken_stale = true;
	for (size_t i = 0; i < l.n && !d->taken_stale; i++) {
		if (!add)
			pubindex_del(&d->taken, &l.v[i]);
		else if (pubindex_add(&d->taken, &l.v[i]) < 0)
			d->taken_stale = true;
	}
	pub_list_clear(&l);
}

int driver_taken_current(struct gn_driver *d)
{
	struct gn_pub_list all = { 0 };
	int r;

	if (!d->taken_stale)
		return 0;
	pubindex_clear(&d->taken);
	r = publish_all(&d->st, d->env.default_publish, NULL, &all);
	for (size_t i = 0; i < all.n && r == 0; i++)
		r = pubindex_add(&d->taken, &all.v[i]);
	pub_list_clear(&all);
	d->taken_stale = r < 0;
	return r;
}

int driver_remove_endpoint(struct gn_driver *d, struct gn_endpoint *ep, bool *firewall, struct gn_err *err)
{
	struct plan_share share, none = { 0 };
	char id[GN_ID_LEN + 1];
	struct gn_err e;
	int r;

	if (d->store && (r = store_del_endpoint(d->store, ep->spec.id, err)) < 0)
		return r;
	snprintf(id, sizeof id, "%s", ep->spec.id);
	plan_share(&d->env, ep, ep->programmed, &ep->published, &share);
	driver_index_pubs(d, ep, ep->programmed, &ep->published, false);
	driver_ep_down(d, ep);
	state_remove_endpoint(&d->st, ep);
	if (driver_apply_share(d, &share, &none, &e) < 0) {
		log_warnx("endpoint %.12s: removing its firewall elements: %s; rebuilding the table", id, e.msg);
		*firewall = true;
	}
	plan_share_clear(&share);
	return 0;
}
