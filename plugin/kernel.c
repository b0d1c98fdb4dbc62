#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "driver.h"
#include "fw.h"
#include "kernel.h"
#include "log.h"
#include "nl.h"
#include "publish.h"

int kernel_open(struct gn_kernel **ret, uint32_t mark, const struct gn_addr_list *default_publish,
		struct gn_err *err)
{
	struct gn_kernel *k = calloc(1, sizeof *k);
	int r;

	if (!k)
		return gn_errf(err, -ENOMEM, "out of memory");
	k->mark = mark;
	k->default_publish = default_publish;
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

static void alias_of(const char *id, char *buf, size_t len)
{
	snprintf(buf, len, NL_ALIAS_PREFIX "%s", id);
}

void kernel_endpoint_mac(const struct gn_endpoint_spec *s, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	if (s->has_addr4) {
		memcpy(mac + 2, s->addr4.addr.a, 4);
		return;
	}
	for (int i = 2; i < 6; i++)
		sscanf(s->id + 2 * (i - 2), "%2hhx", &mac[i]);
}

static int forwarding(const struct gn_network *net, struct gn_err *err)
{
	char key[96];
	int r = 0;

	/* Internal networks never route, so they need no forwarding. */
	if (net->spec.opts.internal)
		return 0;
	/* The host's connections to 127.0.0.1:P are DNATed into the bridge
	 * and keep their loopback source until masqueraded (design.md 4). */
	snprintf(key, sizeof key, "net/ipv4/conf/%s/route_localnet", net->spec.opts.bridge);
	r = nl_sysctl_set(key, "1", err);
	if (r == 0 && net->spec.opts.enable_ipv4 && net->spec.n_ipv4)
		r = nl_sysctl_set("net/ipv4/ip_forward", "1", err);
	if (r == 0 && net->spec.opts.enable_ipv6 && net->spec.n_ipv6)
		r = nl_sysctl_set("net/ipv6/conf/all/forwarding", "1", err);
	return r;
}

int kernel_network_up(struct gn_kernel *k, const struct gn_network *net, struct gn_err *err)
{
	const struct gn_network_spec *s = &net->spec;
	struct gn_prefix addrs[64];
	struct nl_bridge b = { .name = s->opts.bridge, .mtu = s->opts.mtu, .addrs = addrs };
	char alias[96];
	int r;

	if (!k)
		return 0;
	for (size_t i = 0; i < s->n_ipv4 && b.n_addrs < 64; i++)
		addrs[b.n_addrs++] = s->ipv4[i].gateway;
	for (size_t i = 0; s->opts.enable_ipv6 && i < s->n_ipv6 && b.n_addrs < 64; i++)
		addrs[b.n_addrs++] = s->ipv6[i].gateway;
	alias_of(s->id, alias, sizeof alias);
	b.alias = alias;
	r = nl_bridge_create(k->nl, &b, err);
	if (r == 0 && (r = forwarding(net, err)) < 0)
		nl_link_delete(k->nl, s->opts.bridge, NULL);
	return r;
}

void kernel_network_down(struct gn_kernel *k, struct gn_network *net)
{
	struct gn_err err;

	kernel_spares_drop(k, net);
	if (k && nl_link_delete(k->nl, net->spec.opts.bridge, &err) < 0)
		log_warnx("network %.12s: %s", net->spec.id, err.msg);
}

int kernel_endpoint_up(struct gn_kernel *k, const struct gn_endpoint *ep, struct gn_err *err)
{
	char host[GN_IFNAME_MAX + 1], peer[GN_IFNAME_MAX + 1], alias[96];
	struct nl_veth v = { .host = host, .peer = peer, .master = ep->net->spec.opts.bridge,
			     .mtu = ep->net->spec.opts.mtu, .alias = alias };
	uint8_t mac[6];

	if (!k)
		return 0;
	driver_veth_names(ep->spec.id, host, peer);
	alias_of(ep->spec.id, alias, sizeof alias);
	if (ep->spec.has_mac)
		memcpy(mac, ep->spec.mac, 6);
	else
		kernel_endpoint_mac(&ep->spec, mac);
	v.peer_mac = mac;
	if (kernel_spare_take(k, ep->net, &v) == 0)
		return 0;
	return nl_veth_create(k->nl, &v, err);
}

void kernel_endpoint_down(struct gn_kernel *k, const struct gn_endpoint *ep)
{
	char host[GN_IFNAME_MAX + 1], peer[GN_IFNAME_MAX + 1];
	struct gn_err err;

	if (!k)
		return;
	driver_veth_names(ep->spec.id, host, peer);
	ep->net->spares_off = false;
	/* Deleting one end of a veth pair deletes both. */
	if (nl_link_delete(k->nl, host, &err) < 0)
		log_warnx("endpoint %.12s: %s", ep->spec.id, err.msg);
}

struct model_ctx {
	const struct gn_kernel *k;
	struct fw_network *nets;
	struct gn_prefix *subnets;
	struct fw_epallow *epallow;
	size_t n, n_sub, n_ep;
};

/* ep's guardnet.allow (src, a copy or the spec's own list): one entry per
 * family ep has an address in. */
static size_t ep_allow(const struct gn_endpoint *ep, const struct gn_prefix *src, struct fw_epallow out[2])
{
	size_t n = 0;

	if (!ep->spec.allow.n)
		return 0;
	if (ep->spec.has_addr4)
		out[n++] = (struct fw_epallow){ .ctr = ep->spec.addr4.addr, .src = src, .n_src = ep->spec.allow.n };
	if (ep->spec.has_addr6)
		out[n++] = (struct fw_epallow){ .ctr = ep->spec.addr6.addr, .src = src, .n_src = ep->spec.allow.n };
	return n;
}

static void count_net(void *p, void *ctx)
{
	struct gn_network *net = p;
	struct model_ctx *m = ctx;

	if (net->dying)
		return;
	m->n++;
	m->n_sub += net->spec.n_ipv4 + net->spec.n_ipv6;
	for (struct gn_endpoint *ep = net->endpoints; ep; ep = ep->next)
		m->n_ep += ep->spec.allow.n ? 2 : 0;
}

/* guardnet.ufw: on always, off never, auto (or unset) follows guardnet.conf
 * and then whether UFW is enabled. */
static bool ufw_in_force(const struct gn_kernel *k, enum gn_ufw_mode mode)
{
	if (mode == GN_UFW_AUTO)
		mode = k->default_ufw;
	if (!k->ufw || mode == GN_UFW_OFF)
		return false;
	return mode == GN_UFW_ON || k->ufw->enabled;
}

bool kernel_ufw_decides(const struct gn_kernel *k, const struct gn_network *net)
{
	return k && ufw_in_force(k, net->spec.opts.ufw);
}

int kernel_route(struct gn_kernel *k, const struct gn_addr *addr, struct nl_route *ret, struct gn_err *err)
{
	if (!k) {
		memset(ret, 0, sizeof *ret);
		return 0;
	}
	return nl_route_get(k->nl, addr, ret, err);
}

static void add_net(void *p, void *ctx)
{
	struct gn_network *net = p;
	struct model_ctx *m = ctx;
	struct fw_network *f;

	if (net->dying)
		return;
	f = &m->nets[m->n++];
	f->bridge = net->spec.opts.bridge;
	f->internal = net->spec.opts.internal;
	f->icc = net->spec.opts.icc;
	f->allow = net->spec.opts.allow.v;
	f->n_allow = net->spec.opts.allow.n;
	f->ufw = ufw_in_force(m->k, net->spec.opts.ufw);
	f->subnets = m->subnets + m->n_sub;
	for (size_t i = 0; i < net->spec.n_ipv4; i++)
		m->subnets[m->n_sub++] = net->spec.ipv4[i].pool;
	for (size_t i = 0; net->spec.opts.enable_ipv6 && i < net->spec.n_ipv6; i++)
		m->subnets[m->n_sub++] = net->spec.ipv6[i].pool;
	f->n_subnets = (size_t)(m->subnets + m->n_sub - f->subnets);
	for (struct gn_endpoint *ep = net->endpoints; ep; ep = ep->next)
		m->n_ep += ep_allow(ep, ep->spec.allow.v, m->epallow + m->n_ep);
}

int kernel_firewall(struct gn_kernel *k, const struct gn_state *st, struct gn_err *err)
{
	struct model_ctx m = { .k = k };
	struct gn_pub_list pubs = { 0 };
	struct fw_model model;
	int r;

	if (!k)
		return 0;
	state_each_network(st, count_net, &m);
	m.nets = calloc(m.n + 1, sizeof *m.nets);
	m.subnets = calloc(m.n_sub + 1, sizeof *m.subnets);
	m.epallow = calloc(m.n_ep + 1, sizeof *m.epallow);
	r = publish_all(st, k->default_publish, NULL, &pubs);
	if (!m.nets || !m.subnets || !m.epallow || r < 0) {
		r = gn_errf(err, -ENOMEM, "out of memory");
		goto out;
	}
	m.n = m.n_sub = m.n_ep = 0;
	state_each_network(st, add_net, &m);
	model = (struct fw_model){ .nets = m.nets, .n = m.n, .mark = k->mark, .pubs = pubs.v, .n_pubs = pubs.n,
				   .epallow = m.epallow, .n_epallow = m.n_ep, .ufw = k->ufw };
	r = fw_apply(k->fw, &model, err);
out:
	free(m.nets);
	free(m.subnets);
	free(m.epallow);
	pub_list_clear(&pubs);
	return r;
}

void kernel_share_of(const struct gn_kernel *k, const struct gn_endpoint *ep, bool programmed,
		     const struct gn_ports *published, struct kernel_share *ret)
{
	const struct gn_network *net = ep->net;
	size_t n = ep->spec.allow.n;

	memset(ret, 0, sizeof *ret);
	/* The same rules as kernel_firewall's model, endpoint by endpoint. */
	if (!k || net->dying)
		return;
	if (programmed && publish_expand(publish_allowed(net, k->default_publish), &ep->spec, net->spec.id,
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

void kernel_share_clear(struct kernel_share *s)
{
	pub_list_clear(&s->pubs);
	free(s->allow);
	memset(s, 0, sizeof *s);
}

int kernel_share_apply(struct gn_kernel *k, const struct gn_state *st, const struct kernel_share *from,
		       const struct kernel_share *to, struct gn_err *err)
{
	int r;

	if (!k)
		return 0;
	if (!from->whole && !to->whole) {
		struct fw_share f = { .pubs = from->pubs.v, .n_pubs = from->pubs.n, .epallow = from->epallow,
				      .n_epallow = from->n_epallow };
		struct fw_share t = { .pubs = to->pubs.v, .n_pubs = to->pubs.n, .epallow = to->epallow,
				      .n_epallow = to->n_epallow };

		r = fw_apply_share(k->fw, &f, &t, err);
		if (r != -ESTALE)
			return r;
		log_info("firewall: %s; rebuilding the table whole", err->msg);
	}
	return kernel_firewall(k, st, err);
}

static bool owned_by(const struct nl_link *l, const char **id)
{
	if (strncmp(l->alias, NL_ALIAS_PREFIX, strlen(NL_ALIAS_PREFIX)))
		return false;
	*id = l->alias + strlen(NL_ALIAS_PREFIX);
	return true;
}

static const struct nl_link *find_link(const struct nl_link *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

struct reconcile_ctx {
	struct gn_kernel *k;
	const struct nl_link *links;
	size_t n_links;
	int first;
	struct gn_err *err;
};

static void keep_first(struct reconcile_ctx *c, int r, const struct gn_err *e)
{
	if (r < 0 && !c->first) {
		c->first = r;
		*c->err = *e;
	}
}

static void repair_network(void *p, void *ctx)
{
	struct gn_network *net = p;
	struct reconcile_ctx *c = ctx;
	struct gn_err e;
	int r;

	if (!find_link(c->links, c->n_links, net->spec.opts.bridge))
		log_info("reconcile: network %.12s: recreating its bridge %s", net->spec.id, net->spec.opts.bridge);
	r = kernel_network_up(c->k, net, &e);
	if (r < 0)
		log_warnx("reconcile: network %.12s: %s", net->spec.id, e.msg);
	keep_first(c, r, &e);
	for (struct gn_endpoint *ep = net->endpoints; ep && r == 0; ep = ep->next) {
		char host[GN_IFNAME_MAX + 1], peer[GN_IFNAME_MAX + 1];
		int re;

		driver_veth_names(ep->spec.id, host, peer);
		if (!find_link(c->links, c->n_links, host)) {
			/* The container end went with the container; a new
			 * pair could not reach it.  Docker's next
			 * DeleteEndpoint cleans up the record. */
			if (ep->joined) {
				log_warnx("reconcile: endpoint %.12s lost its interface %s while in use",
					  ep->spec.id, host);
				continue;
			}
			log_info("reconcile: endpoint %.12s: recreating its veth pair %s", ep->spec.id, host);
		}
		re = kernel_endpoint_up(c->k, ep, &e);
		if (re < 0)
			log_warnx("reconcile: endpoint %.12s: %s", ep->spec.id, e.msg);
		keep_first(c, re, &e);
	}
	if (r == 0)
		kernel_spares_fill(c->k, net);
}

struct name_ctx {
	const char *name;
	bool found;
};

static void match_host_end(void *p, void *ctx)
{
	struct gn_network *net = p;
	struct name_ctx *c = ctx;

	for (struct gn_endpoint *ep = net->endpoints; ep && !c->found; ep = ep->next) {
		char host[GN_IFNAME_MAX + 1], peer[GN_IFNAME_MAX + 1];

		driver_veth_names(ep->spec.id, host, peer);
		c->found = !strcmp(host, c->name);
	}
}

/* Whether a network's bridge or an endpoint's host end is called name. */
static bool names_link(const struct gn_state *st, const char *name)
{
	struct name_ctx c = { .name = name };

	if (state_network_by_bridge(st, name))
		return true;
	state_each_network(st, match_host_end, &c);
	return c.found;
}

int kernel_reconcile(struct gn_kernel *k, const struct gn_state *st, struct gn_err *err)
{
	struct reconcile_ctx c = { .k = k, .err = err };
	struct nl_link *links;
	size_t n;
	int r;

	if (!k)
		return 0;
	r = nl_links(k->nl, &links, &n, err);
	if (r < 0)
		return r;
	/* Leftovers first: a stale bridge may hold a name a network needs. */
	for (size_t i = 0; i < n; i++) {
		const char *id;
		bool known;

		if (owned_by(&links[i], &id))
			known = !strcmp(links[i].kind, "bridge") ? state_network(st, id) != NULL
								  : state_endpoint(st, id) != NULL;
		else if (nl_marked(&links[i]))
			/* Made by a guardnetd that died before it gave the
			 * link its alias: its record, if any, adopts it. */
			known = names_link(st, links[i].name);
		else
			continue;
		if (!known) {
			log_info("reconcile: removing %s %s, which no network or endpoint names", links[i].kind,
				 links[i].name);
			nl_link_delete(k->nl, links[i].name, NULL);
		}
	}
	c.links = links;
	c.n_links = n;
	state_each_network(st, repair_network, &c);
	free(links);
	r = kernel_firewall(k, st, err);
	return c.first ? c.first : r;
}

int kernel_events_fd(struct gn_kernel *k, struct gn_err *err)
{
	return fw_events_open(k->fw, err);
}

void kernel_heal(struct gn_kernel *k, const struct gn_state *st)
{
	struct gn_err err;
	enum fw_repair repair = FW_INTACT;
	bool lost = false;
	int r = fw_events_read(k->fw, &repair, &lost);

	if (r < 0)
		log_warnx("nf_tables events: %s", strerror(-r));
	if (lost && repair == FW_INTACT)
		log_info("nf_tables events were lost in another program's burst of changes; guardnet's table and "
			 "iptables rule were counted and are as guardnet left them");
	if (repair == FW_INTACT)
		return;
	/* Only the iptables rule went (iptables -F DOCKER-USER, ufw reload):
	 * one small transaction, not a rebuild of a table that may hold
	 * 100,000 allowlist elements. */
	if (repair == FW_REPAIR_HOOK) {
		if (fw_repair_hook(k->fw, &err) < 0)
			log_warnx("putting guardnet's iptables rule back: %s", err.msg);
		else
			log_info("guardnet's iptables rule was changed by another program; put back");
		return;
	}
	/* Rebuilding is idempotent: the table is replaced whole and the
	 * iptables rule is added only where it is missing. */
	if (kernel_firewall(k, st, &err) < 0)
		log_warnx("putting guardnet's rules back: %s", err.msg);
	else
		log_info("guardnet's rules were changed by another program%s; put back",
			 lost ? " (found by counting, events were lost)" : "");
}

void kernel_periodic(struct gn_kernel *k)
{
	if (k)
		fw_periodic(k->fw);
}

struct check_ctx {
	const struct nl_link *links;
	size_t n;
	void (*report)(const char *msg, void *ctx);
	void *ctx;
};

static void check_network(void *p, void *ctx)
{
	const struct gn_network *net = p;
	struct check_ctx *c = ctx;
	char msg[160];

	if (!find_link(c->links, c->n, net->spec.opts.bridge)) {
		snprintf(msg, sizeof msg, "network %.12s: bridge %s is missing", net->spec.id, net->spec.opts.bridge);
		c->report(msg, c->ctx);
	}
	for (const struct gn_endpoint *ep = net->endpoints; ep; ep = ep->next) {
		char host[GN_IFNAME_MAX + 1], peer[GN_IFNAME_MAX + 1];

		driver_veth_names(ep->spec.id, host, peer);
		if (!find_link(c->links, c->n, host)) {
			snprintf(msg, sizeof msg, "endpoint %.12s: interface %s is missing", ep->spec.id, host);
			c->report(msg, c->ctx);
		}
	}
}

void kernel_check(struct gn_kernel *k, const struct gn_state *st, void (*report)(const char *msg, void *ctx),
		  void *ctx)
{
	struct check_ctx c = { .report = report, .ctx = ctx };
	struct nl_link *links = NULL;
	struct gn_err err;

	if (!k)
		return;
	if (nl_links(k->nl, &links, &c.n, &err) < 0) {
		report(err.msg, ctx);
		return;
	}
	c.links = links;
	state_each_network(st, check_network, &c);
	free(links);
	if (!fw_intact(k->fw))
		report("guardnet's firewall rules differ from what they should be (table or iptables accept rule)", ctx);
}

bool kernel_endpoint_detached(struct gn_kernel *k, const struct gn_endpoint *ep)
{
	char host[GN_IFNAME_MAX + 1], peer[GN_IFNAME_MAX + 1];
	struct nl_link *links;
	struct gn_err err;
	size_t n;
	bool gone;

	if (!k)
		return true;
	if (nl_links(k->nl, &links, &n, &err) < 0) {
		log_warnx("%s", err.msg);
		return false;
	}
	driver_veth_names(ep->spec.id, host, peer);
	gone = !find_link(links, n, host) || find_link(links, n, peer);
	free(links);
	return gone;
}
