#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "driver.h"
#include "encode.h"
#include "hostports.h"
#include "publish.h"
#include "log.h"
#include "spec.h"

/* Bridges are "gn-" plus the first 12 hex digits of the network ID: 15 bytes. */
#define BRIDGE_PREFIX "gn-"
#define ID_CHARS_IN_NAME 12

void driver_init(struct gn_driver *d, struct gn_store *store, struct gn_kernel *kern, const struct gn_config *cfg)
{
	memset(d, 0, sizeof *d);
	state_init(&d->st);
	d->store = store;
	d->kern = kern;
	d->cfg = cfg;
	d->taken_stale = true; /* built from the state on first use */
}

void driver_free(struct gn_driver *d)
{
	pubindex_clear(&d->taken);
	state_free(&d->st);
}

/* Puts ep's publications, were its runtime programmed and published, into
 * the index of taken host ports (add) or takes them out.  A failure leaves
 * the index to be rebuilt. */
static void index_pubs(struct gn_driver *d, const struct gn_endpoint *ep, bool programmed,
		       const struct gn_ports *published, bool add)
{
	struct gn_pub_list l = { 0 };

	if (!programmed || d->taken_stale)
		return;
	if (publish_expand(publish_allowed(ep->net, &d->cfg->publish), &ep->spec, ep->net->spec.id, published, &l) < 0)
		d->taken_stale = true;
	for (size_t i = 0; i < l.n && !d->taken_stale; i++) {
		if (!add)
			pubindex_del(&d->taken, &l.v[i]);
		else if (pubindex_add(&d->taken, &l.v[i]) < 0)
			d->taken_stale = true;
	}
	pub_list_clear(&l);
}

/* The index of taken host ports, rebuilt from the state if it may have
 * missed a change (at start-up, after running out of memory). */
static int taken_current(struct gn_driver *d)
{
	struct gn_pub_list all = { 0 };
	int r;

	if (!d->taken_stale)
		return 0;
	pubindex_clear(&d->taken);
	r = publish_all(&d->st, &d->cfg->publish, NULL, &all);
	for (size_t i = 0; i < all.n && r == 0; i++)
		r = pubindex_add(&d->taken, &all.v[i]);
	pub_list_clear(&all);
	d->taken_stale = r < 0;
	return r;
}

void driver_veth_names(const char *ep_id, char host[GN_IFNAME_MAX + 1], char ctr[GN_IFNAME_MAX + 1])
{
	snprintf(host, GN_IFNAME_MAX + 1, "gnh%.*s", ID_CHARS_IN_NAME, ep_id);
	snprintf(ctr, GN_IFNAME_MAX + 1, "gnc%.*s", ID_CHARS_IN_NAME, ep_id);
}

static int save_network(struct gn_driver *d, const struct gn_network *net, struct gn_err *err)
{
	return d->store ? store_put_network(d->store, net, err) : 0;
}

static int save_endpoint(struct gn_driver *d, const struct gn_endpoint *ep, struct gn_err *err)
{
	return d->store ? store_put_endpoint(d->store, ep, err) : 0;
}

/* Two specs mean the same network when they serialise identically. */
static bool same_json(json_t *a, json_t *b)
{
	bool eq = a && b && json_equal(a, b);

	json_decref(a);
	json_decref(b);
	return eq;
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

/* Takes back a change of one endpoint's share after a later step failed;
 * the state must already be as it was before the change. */
static void undo_share(struct gn_driver *d, const struct kernel_share *done, const struct kernel_share *back)
{
	struct gn_err e;

	if (kernel_share_apply(d->kern, &d->st, done, back, &e) < 0)
		log_warnx("restoring the firewall after a failed change: %s", e.msg);
}

/* Puts the firewall back as the state says after a failed change. */
void driver_restore_firewall(struct gn_driver *d)
{
	struct gn_err e;

	if (kernel_firewall(d->kern, &d->st, &e) < 0)
		log_warnx("restoring the firewall after a failed change: %s", e.msg);
}

int driver_create_network(struct gn_driver *d, struct gn_network_spec *spec, struct gn_err *err)
{
	struct gn_network *net = state_network(&d->st, spec->id), *other;
	struct gn_net_opts *o = &spec->opts;
	int r;

	if (!o->bridge[0])
		snprintf(o->bridge, sizeof o->bridge, BRIDGE_PREFIX "%.*s", ID_CHARS_IN_NAME, spec->id);
	if (net) {
		if (same_json(encode_network(&net->spec), encode_network(spec)))
			return 0;
		return gn_errf(err, -EEXIST, "NetworkID: network %s already exists with other options", spec->id);
	}
	if ((r = check_ipam(spec->ipv4, spec->n_ipv4, "IPv4Data", o->enable_ipv4, err)) < 0 ||
	    (r = check_ipam(spec->ipv6, spec->n_ipv6, "IPv6Data", o->enable_ipv6, err)) < 0)
		return r;
	other = state_network_by_bridge(&d->st, o->bridge);
	if (other)
		return gn_errf(err, -EEXIST, "guardnet.bridge: bridge \"%s\" is already used by network %.12s",
			       o->bridge, other->spec.id);
	r = state_add_network(&d->st, spec, &net);
	if (r < 0)
		return gn_errf(err, r, "network %s: %s", spec->id, strerror(-r));
	/* Kernel first, record last: a network is on disk only once it exists. */
	r = kernel_network_up(d->kern, net, err);
	if (r < 0)
		goto undo_state;
	r = kernel_firewall(d->kern, &d->st, err);
	if (r < 0)
		goto undo_bridge;
	r = save_network(d, net, err);
	if (r < 0)
		goto undo_firewall;
	log_info("network %.12s created: bridge %s%s%s", net->spec.id, net->spec.opts.bridge,
		 net->spec.opts.internal ? ", internal" : "", net->spec.opts.enable_ipv6 ? ", IPv6" : "");
	kernel_spares_fill(d->kern, net);
	return 0;
undo_firewall:
	net->dying = true;
	driver_restore_firewall(d);
undo_bridge:
	kernel_network_down(d->kern, net);
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
	r = kernel_firewall(d->kern, &d->st, err);
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
		index_pubs(d, ep, ep->programmed, &ep->published, false);
		kernel_endpoint_down(d->kern, ep);
	}
	kernel_network_down(d->kern, net);
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

static int no_endpoint(const char *id, struct gn_err *err)
{
	return gn_errf(err, -ENOENT, "EndpointID: guardnet has no endpoint %s", id);
}

/* Removes ep: record, taken host ports, link, memory, and its elements in
 * the firewall.  *firewall: set when those elements would not go, so that
 * the caller rebuilds the table (once for several removals). */
int driver_remove_endpoint(struct gn_driver *d, struct gn_endpoint *ep, bool *firewall, struct gn_err *err)
{
	struct gn_network *net = ep->net;
	struct kernel_share share, none = { 0 };
	char id[GN_ID_LEN + 1];
	struct gn_err e;
	int r;

	if (d->store && (r = store_del_endpoint(d->store, ep->spec.id, err)) < 0)
		return r;
	snprintf(id, sizeof id, "%s", ep->spec.id);
	kernel_share_of(d->kern, ep, ep->programmed, &ep->published, &share);
	index_pubs(d, ep, ep->programmed, &ep->published, false);
	kernel_endpoint_down(d->kern, ep);
	state_remove_endpoint(&d->st, ep);
	if (kernel_share_apply(d->kern, &d->st, &share, &none, &e) < 0) {
		log_warnx("endpoint %.12s: removing its firewall elements: %s; rebuilding the table", id, e.msg);
		*firewall = true;
	}
	kernel_share_clear(&share);
	/* Last, once the endpoint is gone in every respect. */
	kernel_spares_fill(d->kern, net);
	return 0;
}

int driver_create_endpoint(struct gn_driver *d, struct gn_endpoint_spec *spec, bool *has_mac, uint8_t ret_mac[6],
			   struct gn_err *err)
{
	struct gn_network *net = state_network(&d->st, spec->net_id);
	struct gn_endpoint *ep = state_endpoint(&d->st, spec->id);
	struct kernel_share share = { 0 }, none = { 0 };
	bool undo = false;
	int r;

	if (!net)
		return no_network(spec->net_id, err);
	if (ep) {
		/* Compare the specs alone: the probe borrows ep's runtime state. */
		struct gn_endpoint probe = *ep;

		probe.spec = *spec;
		if (ep->net == net && same_json(encode_endpoint(ep), encode_endpoint(&probe))) {
			ep->suspect = false;
			*has_mac = !ep->spec.has_mac;
			kernel_endpoint_mac(&ep->spec, ret_mac);
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
	r = kernel_endpoint_up(d->kern, ep, err);
	if (r == 0) {
		/* Its guardnet.allow, if it has one, goes in now. */
		kernel_share_of(d->kern, ep, false, NULL, &share);
		r = kernel_share_apply(d->kern, &d->st, &none, &share, err);
		if (r == 0 && (r = save_endpoint(d, ep, err)) < 0)
			undo = true;
		if (r < 0)
			kernel_endpoint_down(d->kern, ep);
	}
	if (r < 0) {
		state_remove_endpoint(&d->st, ep);
		if (undo)
			undo_share(d, &share, &none);
		kernel_share_clear(&share);
		return r;
	}
	kernel_share_clear(&share);
	*has_mac = !ep->spec.has_mac;
	kernel_endpoint_mac(&ep->spec, ret_mac);
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

int driver_oper_info(const struct gn_driver *d, const struct gn_ep_ref *ref, struct gn_ports *ret)
{
	const struct gn_endpoint *ep = state_endpoint(&d->st, ref->id);
	struct gn_ports exp = { 0 };

	*ret = (struct gn_ports){ 0 };
	if (!ep)
		return -ENOENT;
	if (ep->programmed)
		return publish_in_force(publish_allowed(ep->net, &d->cfg->publish), &ep->spec, ep->net->spec.id,
					&ep->published, ret);
	exp.exposed = ep->spec.ports.exposed;
	exp.n_exposed = ep->spec.ports.n_exposed;
	return ports_copy(ret, &exp);
}

/* Runtime fields of an endpoint, saved so a failed write can be undone. */
struct ep_runtime {
	bool joined, programmed, no_proxy_6to4;
	char *sandbox_key;
	struct gn_ports published;
};

static void runtime_take(struct gn_endpoint *ep, struct ep_runtime *rt)
{
	rt->joined = ep->joined;
	rt->programmed = ep->programmed;
	rt->no_proxy_6to4 = ep->no_proxy_6to4;
	rt->sandbox_key = ep->sandbox_key;
	rt->published = ep->published;
	ep->sandbox_key = NULL;
	memset(&ep->published, 0, sizeof ep->published);
}

static void runtime_put(struct gn_endpoint *ep, struct ep_runtime *rt)
{
	free(ep->sandbox_key);
	ports_clear(&ep->published);
	ep->joined = rt->joined;
	ep->programmed = rt->programmed;
	ep->no_proxy_6to4 = rt->no_proxy_6to4;
	ep->sandbox_key = rt->sandbox_key;
	ep->published = rt->published;
}

static void runtime_drop(struct ep_runtime *rt)
{
	free(rt->sandbox_key);
	ports_clear(&rt->published);
}

/* Makes ep's new runtime state real: the firewall when what it publishes
 * changed (only ep's elements, in one transaction), then the record.  If
 * either fails, ep gets old back and the firewall its previous content. */
static int commit_runtime(struct gn_driver *d, struct gn_endpoint *ep, struct ep_runtime *old, bool firewall,
			  struct gn_err *err)
{
	struct kernel_share before = { 0 }, after = { 0 };
	int r = 0;

	if (firewall) {
		kernel_share_of(d->kern, ep, old->programmed, &old->published, &before);
		kernel_share_of(d->kern, ep, ep->programmed, &ep->published, &after);
		r = kernel_share_apply(d->kern, &d->st, &before, &after, err);
	}
	if (r == 0 && (r = save_endpoint(d, ep, err)) < 0 && firewall) {
		runtime_put(ep, old);
		undo_share(d, &after, &before);
	} else if (r < 0) {
		runtime_put(ep, old);
	} else {
		index_pubs(d, ep, old->programmed, &old->published, false);
		index_pubs(d, ep, ep->programmed, &ep->published, true);
		runtime_drop(old);
	}
	kernel_share_clear(&before);
	kernel_share_clear(&after);
	return r;
}

static struct gn_endpoint *find_endpoint(struct gn_driver *d, const struct gn_ep_ref *ref, struct gn_err *err)
{
	struct gn_endpoint *ep = state_endpoint(&d->st, ref->id);

	if (!ep) {
		no_endpoint(ref->id, err);
		return NULL;
	}
	if (strcmp(ep->net->spec.id, ref->net_id)) {
		gn_errf(err, -EINVAL, "NetworkID: endpoint %.12s belongs to network %.12s, not %s", ref->id,
			ep->net->spec.id, ref->net_id);
		return NULL;
	}
	return ep;
}

static const struct gn_ipam_data *first_gateway(const struct gn_ipam_data *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].has_gateway)
			return &v[i];
	return NULL;
}

int driver_join(struct gn_driver *d, const struct gn_join_req *req, struct gn_join_reply *ret,
		struct gn_err *err)
{
	struct gn_endpoint *ep = find_endpoint(d, &req->ref, err);
	const struct gn_network_spec *ns;
	const struct gn_ipam_data *g;
	struct gn_join_reply reply = { 0 };
	struct ep_runtime old;
	char host[GN_IFNAME_MAX + 1];
	int r;

	if (!ep)
		return -ENOENT;
	ns = &ep->net->spec;
	/* Docker sends no ProgramExternalConnectivity for internal networks
	 * (they have no gateway), so -p is refused here, not ignored. */
	if (ns->opts.internal && req->ports.n_map)
		return gn_errf(err, -EINVAL, "com.docker.network.portmap: network %.12s is internal and publishes "
			       "no ports (%zu requested)", ns->id, req->ports.n_map);
	driver_veth_names(ep->spec.id, host, reply.src_name);
	/* An internal network offers no way out, so no gateway: Docker's own
	 * bridge driver does the same, and libnetwork then attaches no
	 * docker_gwbridge because internal endpoints need none. */
	if (!ns->opts.internal) {
		if ((g = first_gateway(ns->ipv4, ns->n_ipv4)) && ep->spec.has_addr4) {
			reply.has_gw4 = true;
			reply.gw4 = g->gateway.addr;
		}
		if ((g = first_gateway(ns->ipv6, ns->n_ipv6)) && ep->spec.has_addr6) {
			reply.has_gw6 = true;
			reply.gw6 = g->gateway.addr;
		}
	}
	runtime_take(ep, &old);
	ep->joined = true;
	ep->suspect = false;
	ep->programmed = old.programmed;
	ep->no_proxy_6to4 = old.no_proxy_6to4;
	ep->sandbox_key = strdup(req->sandbox_key ? req->sandbox_key : "");
	if (!ep->sandbox_key || (old.programmed && ports_copy(&ep->published, &old.published) < 0)) {
		runtime_put(ep, &old);
		return gn_errf(err, -ENOMEM, "endpoint %s: out of memory", ep->spec.id);
	}
	r = commit_runtime(d, ep, &old, false, err);
	if (r < 0)
		return r;
	*ret = reply;
	log_debug("endpoint %.12s joined sandbox %s", ep->spec.id, ep->sandbox_key);
	return 0;
}

/* Leave and Revoke both end publishing; Leave also ends the join. */
static int detach(struct gn_driver *d, const struct gn_ep_ref *ref, bool leave, struct gn_err *err)
{
	struct gn_endpoint *ep = state_endpoint(&d->st, ref->id);
	struct ep_runtime old;

	if (ep)
		ep->suspect = false;
	if (!ep || (!ep->programmed && (!leave || !ep->joined)))
		return 0;
	runtime_take(ep, &old);
	ep->joined = leave ? false : old.joined;
	if (ep->joined && old.sandbox_key && !(ep->sandbox_key = strdup(old.sandbox_key))) {
		runtime_put(ep, &old);
		return gn_errf(err, -ENOMEM, "endpoint %s: out of memory", ep->spec.id);
	}
	return commit_runtime(d, ep, &old, old.programmed, err);
}

int driver_leave(struct gn_driver *d, const struct gn_ep_ref *ref, struct gn_err *err)
{
	return detach(d, ref, true, err);
}

int driver_revoke(struct gn_driver *d, const struct gn_ep_ref *ref, struct gn_err *err)
{
	return detach(d, ref, false, err);
}

/* "guardnet.publish=A,B" or the config's list, for messages. */
static void allowlist_name(const struct gn_network *net, const struct gn_addr_list *l, char *buf, size_t len)
{
	char *text = addr_list_format(l);

	snprintf(buf, len, "%s%s%s", net->spec.opts.publish_set ? "guardnet.publish=" : "publish = ",
		 text ? text : "?", net->spec.opts.publish_set ? "" : " in guardnet.conf");
	free(text);
}

static int resolve_ports(struct gn_driver *d, struct gn_endpoint *ep, const struct gn_ports *req,
			 struct gn_ports *ret, struct gn_err *err)
{
	char name[256];
	struct publish_env env = {
		.allowed = publish_allowed(ep->net, &d->cfg->publish),
		.allowed_name = name,
		.taken = &d->taken,
		.host_in_use = d->kern ? hostports_in_use : NULL,
	};
	int r = taken_current(d);

	allowlist_name(ep->net, env.allowed, name, sizeof name);
	hostports_ephemeral(&env.eph_lo, &env.eph_hi);
	if (r == 0)
		r = publish_resolve(&env, &ep->spec, ep->net->spec.id, req, ret, err);
	else
		gn_errf(err, r, "out of memory");
	return r;
}

/* "8080/tcp, 53/udp, ..." for messages. */
static void ports_summary(const struct gn_ports *p, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_map && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%u/%s", i ? ", " : "", p->map[i].host_port,
					 proto_name(p->map[i].proto));
}

int driver_program(struct gn_driver *d, const struct gn_program_req *req, struct gn_err *err)
{
	struct gn_endpoint *ep = find_endpoint(d, &req->ref, err);
	struct gn_ports resolved;
	struct ep_runtime old;
	struct gn_err e;
	int r;

	if (!ep)
		return -ENOENT;
	if (ep->net->spec.opts.internal && req->ports.n_map)
		return gn_errf(err, -EINVAL, "com.docker.network.portmap: network %.12s is internal and publishes "
			       "no ports (%zu requested)", ep->net->spec.id, req->ports.n_map);
	ep->suspect = false;
	r = resolve_ports(d, ep, &req->ports, &resolved, &e);
	/* An endpoint abandoned while guardnetd was down may hold the port:
	 * no need to wait for the grace period to end (driver_sweep). */
	if (r == -EADDRINUSE && d->suspects_until && driver_judge(d, true, false))
		r = resolve_ports(d, ep, &req->ports, &resolved, &e);
	if (r < 0)
		return gn_errf(err, r, "endpoint %.12s: %s", ep->spec.id, e.msg);
	runtime_take(ep, &old);
	ep->joined = old.joined;
	ep->programmed = true;
	ep->no_proxy_6to4 = req->no_proxy_6to4;
	ep->published = resolved;
	ep->sandbox_key = old.sandbox_key ? strdup(old.sandbox_key) : NULL;
	if (old.sandbox_key && !ep->sandbox_key) {
		runtime_put(ep, &old);
		return gn_errf(err, -ENOMEM, "endpoint %s: out of memory", ep->spec.id);
	}
	r = commit_runtime(d, ep, &old, true, &e);
	if (r < 0) {
		char ports[128];

		ports_summary(&req->ports, ports, sizeof ports);
		return gn_errf(err, r, "endpoint %.12s: publishing %s failed: %s", ep->spec.id, ports, e.msg);
	}
	log_info("endpoint %.12s publishes %zu port(s)", ep->spec.id, resolved.n_map);
	return 0;
}
