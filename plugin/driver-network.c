/*
 * Networks and endpoints: CreateNetwork, DeleteNetwork, CreateEndpoint,
 * DeleteEndpoint.  Kernel first, record last, so that what is on disk
 * exists; every step that fails takes back the ones before it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "driver-int.h"
#include "log.h"
#include "names.h"
#include "spec.h"

static int save_network(struct gn_driver *d, const struct gn_network *net, struct gn_err *err)
{
	return d->store ? store_put_network(d->store, net, err) : 0;
}

static int check_ipam(const struct gn_ipam_data *v, size_t n, const char *key, bool needed, struct gn_err *err)
{
	if (needed && n == 0)
		return gn_errf(err, -EINVAL, "%s: no subnet given; guardnet needs one for the bridge", key);
	for (size_t i = 0; i < n; i++) {
		if (v[i].pool.len == 0)
			return gn_errf(err, -EINVAL, "%s[%zu].Pool: a /0 pool (--ipam-driver null?) is not supported; "
				       "give the network a subnet", key, i);
		if (!v[i].has_gateway)
			return gn_errf(err, -EINVAL, "%s[%zu].Gateway: missing; guardnet needs a gateway address "
				       "for the bridge", key, i);
	}
	return 0;
}

static int check_spec(const struct gn_network_spec *spec, struct gn_err *err)
{
	int r = check_ipam(spec->ipv4, spec->n_ipv4, "IPv4Data", spec->opts.enable_ipv4, err);

	if (r < 0 || (r = check_ipam(spec->ipv6, spec->n_ipv6, "IPv6Data", spec->opts.enable_ipv6, err)) < 0)
		return r;
	/* A subnet without its gateway on the bridge has no route there,
	 * and the source check would drop all its containers send. */
	if (spec->n_ipv4 + spec->n_ipv6 > PLAN_BRIDGE_ADDRS)
		return gn_errf(err, -EINVAL, "IPv4Data and IPv6Data: %zu subnets; guardnet gives a bridge at most %d "
			       "gateways", spec->n_ipv4 + spec->n_ipv6, PLAN_BRIDGE_ADDRS);
	return 0;
}

int driver_allocate_network(struct gn_driver *d, const struct gn_network_spec *spec, struct gn_err *err)
{
	int r = check_spec(spec, err);

	(void)d;
	if (r == 0)
		log_info("network %.12s allocated for the swarm: the nodes will check it again", spec->id);
	return r;
}

int driver_create_network(struct gn_driver *d, struct gn_network_spec *spec, struct gn_err *err)
{
	struct gn_network *net = state_network(&d->st, spec->id), *other;
	struct gn_net_opts *o = &spec->opts;
	int r;

	if (!o->bridge[0])
		names_bridge(spec->id, o->bridge);
	if (net) {
		if (netspec_equal(&net->spec, spec))
			return 0;
		return gn_errf(err, -EEXIST, "NetworkID: network %s already exists with other options", spec->id);
	}
	if ((r = check_spec(spec, err)) < 0)
		return r;
	other = state_network_by_bridge(&d->st, o->bridge);
	if (other)
		return gn_errf(err, -EEXIST, "guardnet.bridge: bridge \"%s\" is already used by network %.12s",
			       o->bridge, other->spec.id);
	r = state_add_network(&d->st, spec, &net);
	if (r < 0)
		return gn_errf(err, r, "network %s: %s", spec->id, strerror(-r));
	r = driver_net_up(d, net, err);
	if (r < 0)
		goto undo_state;
	r = driver_firewall_net(d, net, true, err);
	if (r < 0)
		goto undo_bridge;
	r = save_network(d, net, err);
	if (r < 0)
		goto undo_firewall;
	log_info("network %.12s created: bridge %s%s%s", net->spec.id, net->spec.opts.bridge,
		 net->spec.opts.internal ? ", internal" : "", net->spec.opts.enable_ipv6 ? ", IPv6" : "");
	return 0;
undo_firewall:
	net->dying = true;
	driver_restore_firewall(d);
undo_bridge:
	driver_net_down(d, net);
undo_state:
	state_remove_network(&d->st, net);
	return r;
}

int driver_delete_network(struct gn_driver *d, const char *id, struct gn_err *err)
{
	struct gn_network *net = state_network(&d->st, id);
	int r;

	if (!net)
		return 0;
	net->dying = true;
	r = driver_firewall_net(d, net, false, err);
	if (r < 0) {
		net->dying = false;
		return r;
	}
	/* Endpoints first: a crash in between leaves a network without
	 * endpoints, never endpoints without their network. */
	for (struct gn_endpoint *ep = net->endpoints; ep && d->store && r == 0; ep = ep->next)
		r = store_del_endpoint(d->store, ep->spec.id, err);
	if (r == 0 && d->store)
		r = store_del_network(d->store, id, err);
	if (r < 0) {
		net->dying = false;
		driver_restore_firewall(d);
		return r;
	}
	for (struct gn_endpoint *ep = net->endpoints; ep; ep = ep->next) {
		driver_index_pubs(d, ep, ep->programmed, &ep->published, false);
		driver_ep_down(d, ep);
	}
	driver_net_down(d, net);
	log_info("network %.12s deleted (bridge %s)", id, net->spec.opts.bridge);
	state_remove_network(&d->st, net);
	return 0;
}

static bool in_pools(const struct gn_ipam_data *v, size_t n, const struct gn_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_contains(&v[i].pool, a))
			return true;
	return false;
}

static int check_endpoint_addrs(const struct gn_network *net, const struct gn_endpoint_spec *s,
				struct gn_err *err)
{
	char buf[GN_PREFIX_STRLEN];

	if (s->has_addr4 && !in_pools(net->spec.ipv4, net->spec.n_ipv4, &s->addr4.addr)) {
		prefix_format(&s->addr4, buf, sizeof buf);
		return gn_errf(err, -EINVAL, "Interface.Address: %s is outside network %.12s's subnets", buf,
			       net->spec.id);
	}
	if (s->has_addr6 && !in_pools(net->spec.ipv6, net->spec.n_ipv6, &s->addr6.addr)) {
		prefix_format(&s->addr6, buf, sizeof buf);
		return gn_errf(err, -EINVAL, "Interface.AddressIPv6: %s is outside network %.12s's subnets", buf,
			       net->spec.id);
	}
	if (!s->has_addr4 && !s->has_addr6)
		return gn_errf(err, -EINVAL, "Interface: endpoint %s has no address; guardnet networks need "
			       "Docker's IPAM", s->id);
	return 0;
}

static int no_network(const char *id, struct gn_err *err)
{
	return gn_errf(err, -ENOENT, "NetworkID: guardnet has no network %s (created while another "
		       "state directory was in use? remove and recreate the network)", id);
}

int driver_create_endpoint(struct gn_driver *d, struct gn_endpoint_spec *spec, bool *has_mac, uint8_t ret_mac[6],
			   struct gn_err *err)
{
	struct gn_network *net = state_network(&d->st, spec->net_id);
	struct gn_endpoint *ep = state_endpoint(&d->st, spec->id);
	struct plan_share share = { 0 }, none = { 0 };
	bool undo = false;
	int r;

	if (!net)
		return no_network(spec->net_id, err);
	if (ep) {
		if (ep->net == net && epspec_equal(&ep->spec, spec)) {
			ep->suspect = false;
			*has_mac = !ep->spec.has_mac;
			names_container_mac(&ep->spec, ret_mac);
			return 0;
		}
		return gn_errf(err, -EEXIST, "EndpointID: endpoint %s already exists with other settings", spec->id);
	}
	r = check_endpoint_addrs(net, spec, err);
	if (r == 0)
		r = driver_forget_address_holders(d, net, spec, err);
	if (r < 0)
		return r;
	r = state_add_endpoint(&d->st, net, spec, &ep);
	if (r < 0)
		return gn_errf(err, r, "endpoint %s: %s", spec->id, strerror(-r));
	r = driver_ep_up(d, ep, err);
	if (r == 0) {
		/* Its guardnet.allow, if it has one, goes in now. */
		plan_share(&d->env, ep, false, NULL, &share);
		r = driver_apply_share(d, &none, &share, err);
		if (r == 0 && (r = driver_save_endpoint(d, ep, err)) < 0)
			undo = true;
		if (r < 0)
			driver_ep_down(d, ep);
	}
	if (r < 0) {
		state_remove_endpoint(&d->st, ep);
		if (undo)
			driver_undo_share(d, &share, &none);
		plan_share_clear(&share);
		return r;
	}
	plan_share_clear(&share);
	*has_mac = !ep->spec.has_mac;
	names_container_mac(&ep->spec, ret_mac);
	log_debug("endpoint %.12s created on network %.12s", ep->spec.id, net->spec.id);
	return 0;
}

int driver_delete_endpoint(struct gn_driver *d, const struct gn_ep_ref *ref, struct gn_err *err)
{
	struct gn_endpoint *ep = state_endpoint(&d->st, ref->id);
	bool firewall = false;
	int r;

	if (!ep)
		return 0;
	r = driver_remove_endpoint(d, ep, &firewall, err);
	if (r < 0)
		return r;
	log_debug("endpoint %.12s deleted", ref->id);
	if (firewall)
		driver_restore_firewall(d);
	return 0;
}
