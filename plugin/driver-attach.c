/*
 * An endpoint's life in a container: Join and Leave, publishing
 * (ProgramExternalConnectivity), its end (RevokeExternalConnectivity) and
 * what it publishes (EndpointOperInfo).
 * A change is made in
 * the firewall (only the endpoint's elements), then in its record; if
 * either fails, both are as before.
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
	struct plan_share before = { 0 }, after = { 0 };
	int r = 0;

	if (firewall) {
		plan_share(&d->env, ep, old->programmed, &old->published, &before);
		plan_share(&d->env, ep, ep->programmed, &ep->published, &after);
		r = driver_apply_share(d, &before, &after, err);
	}
	if (r == 0 && (r = driver_save_endpoint(d, ep, err)) < 0 && firewall) {
		runtime_put(ep, old);
		driver_undo_share(d, &after, &before);
	} else if (r < 0) {
		runtime_put(ep, old);
	} else {
		driver_index_pubs(d, ep, old->programmed, &old->published, false);
		driver_index_pubs(d, ep, ep->programmed, &ep->published, true);
		runtime_drop(old);
	}
	plan_share_clear(&before);
	plan_share_clear(&after);
	return r;
}

static struct gn_endpoint *find_endpoint(struct gn_driver *d, const struct gn_ep_ref *ref, struct gn_err *err)
{
	struct gn_endpoint *ep = state_endpoint(&d->st, ref->id);

	if (!ep) {
		gn_errf(err, -ENOENT, "EndpointID: guardnet has no endpoint %s", ref->id);
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
	names_veth(ep->spec.id, host, reply.src_name);
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
	/* Join's port map is the container's, whatever the network: Docker
	 * has the container's gateway network publish it (Program), and an
	 * internal network, answered without a gateway, is never that one.
	 * Refusing it here would refuse a container that is also on a network
	 * that publishes its ports, which Docker's bridge driver accepts. */
	if (ns->opts.internal && req->ports.n_map)
		log_info("endpoint %.12s joined internal network %.12s: its %zu port mapping(s) are its gateway "
			 "network's to publish, none here", ep->spec.id, ns->id, req->ports.n_map);
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
	ep->programmed = false;
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
		.allowed = publish_allowed(ep->net, d->env.default_publish),
		.allowed_name = name,
		.taken = &d->taken,
		.host_in_use = d->be.ops->port_in_use,
		.host_ctx = d->be.ctx,
	};
	int r = driver_taken_current(d);

	allowlist_name(ep->net, env.allowed, name, sizeof name);
	d->be.ops->ephemeral(d->be.ctx, &env.eph_lo, &env.eph_hi);
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
	/* Never sent for an internal network (Join gave it no gateway); were
	 * it sent, publishing there would open a network meant to be closed. */
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

int driver_oper_info(const struct gn_driver *d, const struct gn_ep_ref *ref, struct gn_ports *ret)
{
	const struct gn_endpoint *ep = state_endpoint(&d->st, ref->id);
	struct gn_ports exp = { 0 };

	*ret = (struct gn_ports){ 0 };
	if (!ep)
		return -ENOENT;
	if (ep->programmed)
		return publish_in_force(publish_allowed(ep->net, d->env.default_publish), &ep->spec, ep->net->spec.id,
					&ep->published, ret);
	exp.exposed = ep->spec.ports.exposed;
	exp.n_exposed = ep->spec.ports.n_exposed;
	return ports_copy(ret, &exp);
}
