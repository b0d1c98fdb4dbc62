#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw.h"
#include "kernel.h"
#include "kernel-check.h"
#include "log.h"
#include "names.h"
#include "nl.h"

struct gn_kernel {
	struct gn_nl *nl;
	struct gn_fw *fw;
};

int kernel_open(struct gn_kernel **ret, struct gn_err *err)
{
	struct gn_kernel *k = calloc(1, sizeof *k);
	int r;

	if (!k)
		return gn_errf(err, -ENOMEM, "out of memory");
	if ((r = nl_open(&k->nl, err)) < 0 || (r = fw_open(&k->fw, err)) < 0) {
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
	nl_close(k->nl);
	fw_close(k->fw);
	free(k);
}

/* The host-wide forwarding switches a bridge needs, which have no netlink
 * path.  In a managed plugin /proc/sys is read-only: then a switch already
 * on is as good, and one that is off is for the host's administrator to
 * turn on (guardnetctl check says so too). */
static const char *const forwarding_name[2] = { "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding" };

static bool forwarding_is_on(int which)
{
	bool on;

	return nl_forwarding_get(which ? AF_INET6 : AF_INET, &on) == 0 && on;
}

static void forwarding_on(int which)
{
	struct gn_err e;

	if (nl_forwarding_set(which ? AF_INET6 : AF_INET, true, &e) == 0 || forwarding_is_on(which))
		return;
	log_warnx("%s; %s is off and published ports and egress will not work until it is on: set it on the "
		  "host (sysctl -w %s=1)", e.msg, forwarding_name[which], forwarding_name[which]);
}

static int k_network_up(void *ctx, const struct plan_bridge *b, struct gn_err *err)
{
	struct gn_kernel *k = ctx;
	struct nl_bridge nb = { .name = b->name, .mtu = b->mtu, .alias = b->alias, .mac = b->mac,
				.addrs = b->addrs, .n_addrs = b->n_addrs };
	/* The bridge's own switches go through rtnetlink, which works where
	 * /proc/sys is read-only. */
	struct nl_ipv4_conf c = { .forwarding = 1, .route_localnet = 1, .rp_filter = -1 };
	int r = nl_bridge_create(k->nl, &nb, err);

	if (r == 0 && b->route_localnet && (r = nl_ipv4_conf_set(k->nl, b->name, &c, err)) < 0)
		nl_link_delete(k->nl, b->name, NULL);
	if (r == 0 && b->forward4)
		forwarding_on(0);
	if (r == 0 && b->forward6)
		forwarding_on(1);
	return r;
}

static void k_network_down(void *ctx, const struct plan_bridge *b)
{
	struct gn_kernel *k = ctx;
	struct gn_err err;

	if (nl_link_delete(k->nl, b->name, &err) < 0)
		log_warnx("network %.12s: %s", b->owner, err.msg);
}

static int k_endpoint_up(void *ctx, const struct plan_veth *v, struct gn_err *err)
{
	struct gn_kernel *k = ctx;
	struct nl_veth nv = { .host = v->host, .peer = v->peer, .master = v->master, .mtu = v->mtu,
			      .host_mac = v->host_mac, .peer_mac = v->peer_mac, .alias = v->alias };

	return nl_veth_create(k->nl, &nv, err);
}

static void k_endpoint_down(void *ctx, const struct plan_veth *v)
{
	struct gn_kernel *k = ctx;
	struct gn_err err;

	/* Deleting one end of a veth pair deletes both. */
	if (nl_link_delete(k->nl, v->host, &err) < 0)
		log_warnx("endpoint %.12s: %s", v->owner, err.msg);
}

static int k_firewall(void *ctx, const struct fw_model *m, struct gn_err *err)
{
	return fw_apply(((struct gn_kernel *)ctx)->fw, m, err);
}

static int k_share(void *ctx, const struct fw_share *from, const struct fw_share *to, struct gn_err *err)
{
	return fw_apply_share(((struct gn_kernel *)ctx)->fw, from, to, err);
}

static const struct nl_link *find_link(const struct nl_link *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

static bool k_detached(void *ctx, const struct plan_veth *v)
{
	struct gn_kernel *k = ctx;
	struct nl_link *links;
	struct gn_err err;
	size_t n;
	bool gone;

	if (nl_links(k->nl, &links, &n, &err) < 0) {
		log_warnx("%s", err.msg);
		return false;
	}
	gone = !find_link(links, n, v->host) || find_link(links, n, v->peer);
	free(links);
	return gone;
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

static void k_fw_info(void *ctx, struct backend_fw_info *ret)
{
	fw_iptables(((struct gn_kernel *)ctx)->fw, &ret->iptables_nft, &ret->iptables_legacy);
}

static int k_counters(void *ctx, struct fw_counts *ret, struct gn_err *err)
{
	return fw_counters(((struct gn_kernel *)ctx)->fw, ret, err);
}

static const struct plan_bridge *bridge_named(const struct plan_links *w, const char *name)
{
	for (size_t i = 0; i < w->n_bridges; i++)
		if (!strcmp(w->bridges[i].name, name))
			return &w->bridges[i];
	return NULL;
}

/* Whether w has a bridge (or a veth's host end) called name. */
static bool wants_name(const struct plan_links *w, const char *name)
{
	for (size_t i = 0; i < w->n_veths; i++)
		if (!strcmp(w->veths[i].host, name))
			return true;
	return bridge_named(w, name);
}

/* Whether w has a bridge (or a veth's host end) with this alias. */
static bool wants_alias(const struct plan_links *w, const char *alias, bool bridge)
{
	for (size_t i = 0; bridge && i < w->n_bridges; i++)
		if (!strcmp(w->bridges[i].alias, alias))
			return true;
	for (size_t i = 0; !bridge && i < w->n_veths; i++)
		if (!strcmp(w->veths[i].alias, alias))
			return true;
	return false;
}

/* Whether l is guardnet's and nothing in w names it. */
static bool leftover(const struct nl_link *l, const struct plan_links *w)
{
	if (names_alias_owner(l->alias))
		return !wants_alias(w, l->alias, !strcmp(l->kind, "bridge"));
	/* Made by a guardnetd that died before it gave the link its alias:
	 * the network or endpoint that names it, if any, adopts it. */
	if (names_marked(l->name, l->alias, l->mac))
		return !wants_name(w, l->name);
	return false;
}

/* One start-up's repair: the kernel's links as they were, and what failed. */
struct repair {
	struct gn_kernel *k;
	const struct plan_links *want;
	const struct nl_link *links;
	size_t n;
	bool *failed;              /* by bridge: it could not be made, nor then its ports */
	int first;
	struct gn_err *err;        /* the first failure's */
};

static void note(struct repair *c, int r, const struct gn_err *e, const char *what, const char *owner)
{
	if (r == 0)
		return;
	log_warnx("reconcile: %s %.12s: %s", what, owner, e->msg);
	if (!c->first) {
		c->first = r;
		*c->err = *e;
	}
}

/* First, since a stale bridge may hold a name a network needs. */
static void remove_leftovers(struct repair *c)
{
	for (size_t i = 0; i < c->n; i++) {
		if (!leftover(&c->links[i], c->want))
			continue;
		log_info("reconcile: removing %s %s, which no network or endpoint names", c->links[i].kind,
			 c->links[i].name);
		nl_link_delete(c->k->nl, c->links[i].name, NULL);
	}
}

static void repair_bridges(struct repair *c)
{
	for (size_t i = 0; i < c->want->n_bridges; i++) {
		const struct plan_bridge *b = &c->want->bridges[i];
		struct gn_err e;
		int r;

		if (!find_link(c->links, c->n, b->name))
			log_info("reconcile: network %.12s: recreating its bridge %s", b->owner, b->name);
		r = k_network_up(c->k, b, &e);
		note(c, r, &e, "network", b->owner);
		c->failed[i] = r < 0;
	}
}

static void repair_veths(struct repair *c)
{
	for (size_t i = 0; i < c->want->n_veths; i++) {
		const struct plan_veth *v = &c->want->veths[i];
		const struct plan_bridge *b = bridge_named(c->want, v->master);
		struct gn_err e;

		if (!b || c->failed[b - c->want->bridges])
			continue;
		if (!find_link(c->links, c->n, v->host)) {
			/* The container end went with the container; a new
			 * pair could not reach it.  Docker's next
			 * DeleteEndpoint cleans up the record. */
			if (v->in_use) {
				log_warnx("reconcile: endpoint %.12s lost its interface %s while in use", v->owner,
					  v->host);
				continue;
			}
			log_info("reconcile: endpoint %.12s: recreating its veth pair %s", v->owner, v->host);
		}
		note(c, k_endpoint_up(c->k, v, &e), &e, "endpoint", v->owner);
	}
}

static int k_reconcile(void *ctx, const struct plan_links *want, const struct fw_model *m, struct gn_err *err)
{
	struct repair c = { .k = ctx, .want = want, .err = err };
	struct nl_link *links;
	struct gn_err e;
	int r = nl_links(c.k->nl, &links, &c.n, err);

	if (r < 0)
		return r;
	c.links = links;
	c.failed = calloc(want->n_bridges + 1, sizeof *c.failed);
	if (!c.failed) {
		free(links);
		return gn_errf(err, -ENOMEM, "out of memory");
	}
	remove_leftovers(&c);
	repair_bridges(&c);
	repair_veths(&c);
	free(c.failed);
	free(links);
	/* The caller logs this one, like the first failure above. */
	r = fw_apply(c.k->fw, m, &e);
	if (r < 0 && !c.first) {
		c.first = r;
		*err = e;
	}
	return c.first;
}

static void k_check(void *ctx, const struct plan_links *want, const struct fw_model *m,
		    void (*report)(const char *msg, void *rctx), void *rctx)
{
	struct gn_kernel *k = ctx;
	bool forward[2] = { false, false };
	char msg[256];

	kernel_check_links(k->nl, want, report, rctx);
	for (size_t i = 0; i < want->n_bridges; i++) {
		forward[0] |= want->bridges[i].forward4;
		forward[1] |= want->bridges[i].forward6;
	}
	for (int i = 0; i < 2; i++) {
		if (!forward[i] || forwarding_is_on(i))
			continue;
		snprintf(msg, sizeof msg, "%s is off: published ports and egress need it; set it on the host "
			 "(sysctl -w %s=1)", forwarding_name[i], forwarding_name[i]);
		report(msg, rctx);
	}
	fw_check(k->fw, m, report, rctx);
}

static const struct gn_backend_ops kernel_ops = {
	.network_up = k_network_up,
	.network_down = k_network_down,
	.endpoint_up = k_endpoint_up,
	.endpoint_down = k_endpoint_down,
	.firewall = k_firewall,
	.share = k_share,
	.detached = k_detached,
	.port_in_use = k_port_in_use,
	.ephemeral = k_ephemeral,
	.route = k_route,
	.fw_info = k_fw_info,
	.counters = k_counters,
	.reconcile = k_reconcile,
	.check = k_check,
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
	bool repair = false;
	int r = fw_events_read(k->fw, &repair);

	if (r < 0)
		log_warnx("nf_tables events: %s", strerror(-r));
	return repair;
}

void kernel_periodic(struct gn_kernel *k)
{
	fw_periodic(k->fw);
}
