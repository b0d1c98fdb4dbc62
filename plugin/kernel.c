/*
 * The backend's operations (backend.h) over rtnetlink (nl.h) and the
 * firewall (fw.h); start-up's repair and guardnetctl check are in
 * kernel-reconcile.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw.h"
#include "kernel.h"
#include "kernel-int.h"
#include "log.h"
#include "names.h"
#include "uplinks.h"

static bool same_uplinks(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	return na == nb && (!na || !memcmp(a, b, na * sizeof *a));
}

/* Classifies the watched links and gives fw the uplinks when they
 * changed; a log line names them. */
static int classify(struct gn_kernel *k, struct gn_err *err)
{
	size_t n, nu;
	const struct nl_watched *v = nl_watch_links(k->watch, &n);
	struct uplink_link *u = calloc(n + 1, sizeof *u);
	uint32_t *up = calloc(n + 1, sizeof *up);
	char names[256] = "";
	int r = 0;

	if (!u || !up) {
		free(u);
		free(up);
		return gn_errf(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		const struct nl_link *l = &v[i].link;

		u[i] = (struct uplink_link){ .ifindex = (uint32_t)l->ifindex, .master = (uint32_t)l->master,
					     .loopback = v[i].loopback, .global_addr = v[i].global_addr,
					     .ours = names_alias_owner(l->alias) ||
						     names_marked(l->name, l->alias, l->mac) };
		snprintf(u[i].kind, sizeof u[i].kind, "%s", l->kind);
	}
	nu = uplinks_classify(u, n, up);
	if (!k->classified || !same_uplinks(up, nu, k->uplinks, k->n_uplinks)) {
		k->classified = true;
		for (size_t i = 0, j = 0; i < nu; i++) {
			while (j < n && (uint32_t)v[j].link.ifindex != up[i])
				j++;
			if (j < n)
				snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
					 v[j].link.name);
		}
		log_info("uplinks (the interfaces guardnet's networks may reach the outside by): %s",
			 nu ? names : "none");
		r = fw_set_uplinks(k->fw, up, nu, err);
		free(k->uplinks);
		k->uplinks = up;
		k->n_uplinks = nu;
		up = NULL;
	}
	free(u);
	free(up);
	return r;
}

int kernel_open(struct gn_kernel **ret, struct gn_err *err)
{
	struct gn_kernel *k = calloc(1, sizeof *k);
	int r;

	if (!k)
		return gn_errf(err, -ENOMEM, "out of memory");
	if ((r = nl_open(&k->nl, err)) < 0 || (r = fw_open(&k->fw, err)) < 0 ||
	    (r = nl_watch_open(k->nl, &k->watch, err)) < 0 || (r = classify(k, err)) < 0) {
		kernel_close(k);
		return r;
	}
	*ret = k;
	return 0;
}

void kernel_close(struct gn_kernel *k)
{
	if (!k)
		return;
	kernel_prefetch_drop(k);
	kernel_reap_stop(k);
	nl_watch_close(k->watch);
	nl_close(k->nl);
	fw_close(k->fw);
	free(k->uplinks);
	free(k);
}

/* The host-wide forwarding switches a bridge needs, which have no netlink
 * path.  In a managed plugin /proc/sys is read-only: then a switch already
 * on is as good, and one that is off is for the host's administrator to
 * turn on (guardnetctl check says so too). */
static const char *const forwarding_name[2] = { "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding" };

const char *kernel_forwarding_name(int family)
{
	return forwarding_name[family == AF_INET6];
}

bool kernel_forwarding_on(int family)
{
	bool on;

	return nl_forwarding_get(family, &on) == 0 && on;
}

/* Turns forwarding on where it is off.  When guardnet is the one that
 * turns it on, iptables' FORWARD policy becomes DROP, as Docker makes it
 * when Docker turns it on: the host must not start routing between its
 * other interfaces because a guardnet network was created (guardnet's own
 * traffic passes by its accept rule). */
static void forwarding_on(struct gn_kernel *k, int family)
{
	int which = family == AF_INET6;
	struct gn_err e;

	/* Read first: most hosts have it on, and a write is a write. */
	if (kernel_forwarding_on(family))
		return;
	if (nl_forwarding_set(family, true, &e) < 0) {
		log_warnx("%s; %s is off and published ports and egress will not work until it is on: set it on "
			  "the host (sysctl -w %s=1)", e.msg, forwarding_name[which], forwarding_name[which]);
		return;
	}
	if (fw_forward_policy_drop(k->fw, family, &e) < 0)
		log_warnx("guardnet turned %s on, and could not set the %s FORWARD policy to DROP: %s; other "
			  "interfaces of the host may now route to each other", forwarding_name[which],
			  which ? "ip6tables" : "iptables", e.msg);
	else
		log_info("guardnet turned %s on and, as Docker does then, set the %s FORWARD policy to DROP",
			 forwarding_name[which], which ? "ip6tables" : "iptables");
}

void kernel_forwarding(struct gn_kernel *k, const struct plan_bridge *b)
{
	if (b->forward4)
		forwarding_on(k, AF_INET);
	if (b->forward6)
		forwarding_on(k, AF_INET6);
}

const struct nl_ipv4_conf *kernel_bridge(const struct plan_bridge *b, struct nl_bridge *ret)
{
	/* The bridge's own switches go through rtnetlink, which works where
	 * /proc/sys is read-only. */
	static const struct nl_ipv4_conf c = { .forwarding = 1, .route_localnet = 1, .rp_filter = -1 };

	*ret = (struct nl_bridge){ .name = b->name, .mtu = b->mtu, .alias = b->alias, .mac = b->mac,
				   .group = b->group, .addrs = b->addrs, .n_addrs = b->n_addrs };
	return b->route_localnet ? &c : NULL;
}

struct nl_veth kernel_veth(const struct plan_veth *v)
{
	return (struct nl_veth){ .host = v->host, .peer = v->peer, .master = v->master, .mtu = v->mtu,
				 .host_mac = v->host_mac, .peer_mac = v->peer_mac, .alias = v->alias };
}

int kernel_bridge_up(struct gn_kernel *k, const struct plan_bridge *b, struct gn_err *err)
{
	struct nl_bridge nb;
	const struct nl_ipv4_conf *c = kernel_bridge(b, &nb);
	int r;

	kernel_reap_wait(k, b->name);
	r = nl_bridge_create(k->nl, &nb, err);
	if (r == 0 && c && (r = nl_ipv4_conf_set(k->nl, b->name, c, err)) < 0)
		nl_link_delete(k->nl, b->name, NULL);
	if (r == 0)
		kernel_forwarding(k, b);
	return r;
}

static int k_network_up(void *ctx, const struct plan_bridge *b, struct gn_err *err)
{
	((struct gn_kernel *)ctx)->writes++;
	return kernel_bridge_up(ctx, b, err);
}

static void k_network_down(void *ctx, const struct plan_bridge *b)
{
	struct gn_kernel *k = ctx;
	struct gn_err err;

	k->writes++;
	if (nl_link_delete(k->nl, b->name, &err) < 0)
		log_warnx("network %.12s: %s", b->owner, err.msg);
}

int kernel_veth_up(struct gn_kernel *k, const struct plan_veth *v, struct gn_err *err)
{
	struct nl_veth nv = kernel_veth(v);

	/* A pair of that name may be waiting to go. */
	kernel_reap_wait(k, v->host);
	return nl_veth_create(k->nl, &nv, err);
}

static int k_endpoint_up(void *ctx, const struct plan_veth *v, struct gn_err *err)
{
	((struct gn_kernel *)ctx)->writes++;
	return kernel_veth_up(ctx, v, err);
}

/* Deleting one end of a veth pair deletes both.  The pair carries nothing
 * once the endpoint's elements are out of the firewall, which the driver
 * has done before, so no request need wait for it (kernel-reap.c). */
static void k_endpoint_down(void *ctx, const struct plan_veth *v)
{
	struct gn_kernel *k = ctx;

	k->writes++;
	kernel_reap(k, v->host);
}

/* Each write counts, so that start-up's reading ahead is known stale
 * (kernel-prefetch.c). */
static int k_firewall(void *ctx, const struct fw_model *m, struct gn_err *err)
{
	((struct gn_kernel *)ctx)->writes++;
	return fw_apply(((struct gn_kernel *)ctx)->fw, m, err);
}

static int k_network(void *ctx, const struct fw_model *m, const struct fw_network *n, bool add, struct gn_err *err)
{
	((struct gn_kernel *)ctx)->writes++;
	return fw_apply_network(((struct gn_kernel *)ctx)->fw, m, n, add, err);
}

static int k_share(void *ctx, const struct fw_share *from, const struct fw_share *to, struct gn_err *err)
{
	((struct gn_kernel *)ctx)->writes++;
	return fw_apply_share(((struct gn_kernel *)ctx)->fw, from, to, err);
}

static bool k_detached(void *ctx, const struct plan_veth *v)
{
	struct gn_kernel *k = ctx;
	struct nl_link l;
	int host = nl_link_get(k->nl, v->host, &l), peer = host < 0 ? host : nl_link_get(k->nl, v->peer, &l);

	if ((host < 0 && host != -ENODEV) || (peer < 0 && peer != -ENODEV)) {
		log_warnx("endpoint %.12s: reading links %s and %s: %s", v->owner, v->host, v->peer,
			  strerror(-(host < 0 ? host : peer)));
		return false;
	}
	return host == -ENODEV || peer == 0;
}

static bool k_port_in_use(void *ctx, uint8_t proto, int family, const struct gn_addr *addr, uint16_t port,
			  char *who, size_t len)
{
	(void)ctx;
	return nl_port_in_use(proto, family, addr, port, who, len);
}

static void k_ephemeral(void *ctx, uint16_t *lo, uint16_t *hi)
{
	(void)ctx;
	nl_ephemeral_range(lo, hi);
}

static int k_route(void *ctx, const struct gn_addr *addr, struct backend_route *ret, struct gn_err *err)
{
	struct nl_route rt;
	int r = nl_route_get(((struct gn_kernel *)ctx)->nl, addr, &rt, err);

	if (r < 0)
		return r;
	ret->local = rt.local;
	snprintf(ret->oif, sizeof ret->oif, "%s", rt.oif);
	ret->has_src = rt.has_src;
	ret->src = rt.src;
	return 0;
}

static int k_ingress(void *ctx, struct gn_transport_port **ret, size_t *n, struct gn_err *err)
{
	return fw_ingress(((struct gn_kernel *)ctx)->fw, ret, n, err);
}

static void k_fw_info(void *ctx, struct backend_fw_info *ret)
{
	fw_iptables(((struct gn_kernel *)ctx)->fw, &ret->iptables_nft, &ret->iptables_legacy);
}

static int k_counters(void *ctx, struct fw_counts *ret, struct gn_err *err)
{
	return fw_counters(((struct gn_kernel *)ctx)->fw, ret, err);
}

static const struct gn_backend_ops kernel_ops = {
	.network_up = k_network_up,
	.network_down = k_network_down,
	.endpoint_up = k_endpoint_up,
	.endpoint_down = k_endpoint_down,
	.firewall = k_firewall,
	.share = k_share,
	.network = k_network,
	.detached = k_detached,
	.port_in_use = k_port_in_use,
	.ephemeral = k_ephemeral,
	.route = k_route,
	.ingress = k_ingress,
	.fw_info = k_fw_info,
	.counters = k_counters,
	.prefetch = kernel_prefetch,
	.reconcile = kernel_reconcile,
	.check = kernel_check,
};

struct gn_backend kernel_backend(struct gn_kernel *k)
{
	return (struct gn_backend){ .ops = &kernel_ops, .ctx = k };
}

int kernel_events_fd(struct gn_kernel *k, struct gn_err *err)
{
	return fw_events_open(k->fw, err);
}

bool kernel_events_read(struct gn_kernel *k)
{
	struct gn_err err;
	enum fw_repair repair = FW_INTACT;
	bool lost = false;
	int r = fw_events_read(k->fw, &repair, &lost);

	if (r < 0)
		log_warnx("nf_tables events: %s", strerror(-r));
	if (lost)
		log_info("nf_tables events were lost in another program's burst of changes; %s",
			 repair == FW_REPAIR_TABLE ? "counting found guardnet's table changed"
						   : "guardnet's table and iptables rule were counted and are as guardnet "
						     "left them");
	/* Only the iptables rule went (iptables -F DOCKER-USER, ufw reload):
	 * one small transaction, not a rebuild of a table that may hold
	 * 100,000 allowlist elements. */
	if (repair == FW_REPAIR_HOOK) {
		if (fw_repair_hook(k->fw, &err) < 0)
			log_warnx("putting guardnet's iptables rule back: %s", err.msg);
		else
			log_info("guardnet's iptables rule was changed by another program; put back");
	}
	return repair == FW_REPAIR_TABLE;
}

int kernel_links_fd(struct gn_kernel *k)
{
	return nl_watch_fd(k->watch);
}

bool kernel_links_read(struct gn_kernel *k)
{
	struct gn_err err;
	bool changed = false;

	if (nl_watch_read(k->watch, &changed, &err) < 0)
		log_warnx("%s", err.msg);
	if (!changed)
		return false;
	if (classify(k, &err) < 0) {
		log_warnx("updating set uplinks: %s; rebuilding guardnet's table", err.msg);
		return true;
	}
	return false;
}

void kernel_periodic(struct gn_kernel *k)
{
	fw_periodic(k->fw);
}
