/*
 * guardnetctl check (backend check): every bridge and veth pair the plan
 * wants against the kernel's, setting by setting, from one dump of the
 * links and one of the addresses (indexed by name, so that 1,000 networks
 * cost no walk of every link per link); the host's forwarding switches;
 * then the firewall (fw_check).  It reports what start-up's repair
 * (kernel-reconcile.c) would put right, and what it cannot: a link of
 * another kind, MAC or MTU.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>

#include <linux/if_link.h>

#include "addr.h"
#include "fw.h"
#include "idmap.h"
#include "kernel.h"
#include "kernel-int.h"
#include "log.h"

/* A bridge guardnet makes without an MTU has the kernel's default. */
#define DEFAULT_MTU 1500

struct ctx {
	void (*report)(const char *msg, void *rctx);
	void *rctx;
	struct nl_link *links;
	size_t n;
	struct nl_addr *addrs;
	size_t n_addrs;
	struct idmap by_name;
};

static void say(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct ctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->report(msg, c->rctx);
}

static const struct nl_link *find(const struct ctx *c, const char *name)
{
	return idmap_get(&c->by_name, name);
}

static const char *name_of(const struct ctx *c, int ifindex)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->links[i].ifindex == ifindex)
			return c->links[i].name;
	return ifindex ? "a link that is gone" : "none";
}

/* What every link guardnet makes carries: up, its alias and MAC, its MTU. */
static void common(struct ctx *c, const char *who, const struct nl_link *l, const char *alias,
		   const uint8_t mac[6], unsigned mtu)
{
	char want[24], have[24];

	if (!(l->flags & IFF_UP))
		say(c, "%s: %s is down", who, l->name);
	if (strcmp(l->alias, alias))
		say(c, "%s: %s has the alias \"%s\", not \"%s\"", who, l->name, l->alias, alias);
	if (memcmp(l->mac, mac, 6)) {
		mac_format(l->mac, have, sizeof have);
		mac_format(mac, want, sizeof want);
		say(c, "%s: %s has MAC %s, not %s", who, l->name, have, want);
	}
	if (mtu && l->mtu != mtu)
		say(c, "%s: %s has MTU %u, not %u", who, l->name, l->mtu, mtu);
}

/* Whether link ifindex holds p. */
static bool held(const struct ctx *c, int ifindex, const struct gn_prefix *p)
{
	for (size_t i = 0; i < c->n_addrs; i++)
		if (c->addrs[i].ifindex == ifindex && c->addrs[i].p.len == p->len &&
		    addr_equal(&c->addrs[i].p.addr, &p->addr))
			return true;
	return false;
}

static bool prefix_in(const struct gn_prefix *v, size_t n, const struct gn_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].len == p->len && addr_equal(&v[i].addr, &p->addr))
			return true;
	return false;
}

static bool link_local(const struct gn_prefix *p)
{
	return p->addr.family == AF_INET6 && p->addr.a[0] == 0xfe && (p->addr.a[1] & 0xc0) == 0x80;
}

static void addresses(struct ctx *c, const char *who, const struct nl_link *l, const struct plan_bridge *b)
{
	char text[GN_PREFIX_STRLEN];

	for (size_t i = 0; i < b->n_addrs; i++)
		if (!held(c, l->ifindex, &b->addrs[i])) {
			prefix_format(&b->addrs[i], text, sizeof text);
			say(c, "%s: bridge %s lacks its gateway address %s", who, l->name, text);
		}
	for (size_t i = 0; i < c->n_addrs; i++) {
		const struct gn_prefix *p = &c->addrs[i].p;

		if (c->addrs[i].ifindex != l->ifindex || link_local(p) || prefix_in(b->addrs, b->n_addrs, p))
			continue;
		prefix_format(p, text, sizeof text);
		say(c, "%s: bridge %s carries %s, which is not its network's gateway", who, l->name, text);
	}
}

static void bridge(struct ctx *c, const struct plan_bridge *b)
{
	const struct nl_link *l = find(c, b->name);
	struct nl_bridge nb;
	const struct nl_ipv4_conf *conf = kernel_bridge(b, &nb);
	char who[64];

	snprintf(who, sizeof who, "network %.12s", b->owner);
	if (!l) {
		say(c, "%s: bridge %s is missing", who, b->name);
		return;
	}
	if (strcmp(l->kind, "bridge")) {
		say(c, "%s: %s is a %s, not a bridge", who, b->name, l->kind[0] ? l->kind : "link of no kind");
		return;
	}
	common(c, who, l, b->alias, b->mac, b->mtu ? b->mtu : DEFAULT_MTU);
	if (b->group && l->group != b->group)
		say(c, "%s: bridge %s is in device group %u, not %u: guardnet's iptables drops, which hold while "
		       "guardnetd is down, do not close it", who, b->name, l->group, b->group);
	addresses(c, who, l, b);
	if (!conf)
		return;
	if (l->ipv4.route_localnet != conf->route_localnet)
		say(c, "%s: bridge %s has route_localnet %d: the host's connections to 127.0.0.1:PORT cannot reach "
		       "its published ports", who, b->name, l->ipv4.route_localnet);
	if (l->ipv4.forwarding != conf->forwarding)
		say(c, "%s: bridge %s has forwarding %d: its containers' connections are not routed", who, b->name,
		    l->ipv4.forwarding);
}

static void veth(struct ctx *c, const struct plan_veth *v)
{
	const struct nl_link *l = find(c, v->host), *master = find(c, v->master);
	char who[64];

	snprintf(who, sizeof who, "endpoint %.12s", v->owner);
	if (!l) {
		say(c, "%s: interface %s is missing", who, v->host);
		return;
	}
	if (strcmp(l->kind, "veth")) {
		say(c, "%s: %s is a %s, not a veth", who, v->host, l->kind[0] ? l->kind : "link of no kind");
		return;
	}
	if (!master || l->master != master->ifindex)
		say(c, "%s: %s is not on bridge %s (its master: %s)", who, v->host, v->master, name_of(c, l->master));
	common(c, who, l, v->alias, v->host_mac, v->mtu);
	if (l->master && l->hairpin != 1)
		say(c, "%s: %s has hairpin mode off: the container cannot reach its own published ports", who,
		    v->host);
	if (l->addr_gen_mode >= 0 && l->addr_gen_mode != IN6_ADDR_GEN_MODE_NONE)
		say(c, "%s: %s generates IPv6 addresses of its own", who, v->host);
}

static void links(struct gn_kernel *k, const struct plan_links *want, struct ctx *c)
{
	struct gn_err err;
	int r = nl_links(k->nl, &c->links, &c->n, &err);

	if (r == 0)
		r = nl_addrs(k->nl, &c->addrs, &c->n_addrs, &err);
	for (size_t i = 0; r == 0 && i < c->n; i++)
		if (idmap_put(&c->by_name, c->links[i].name, &c->links[i]) == -ENOMEM)
			r = gn_errf(&err, -ENOMEM, "out of memory");
	if (r < 0) {
		c->report(err.msg, c->rctx);
	} else {
		for (size_t i = 0; i < want->n_bridges; i++)
			bridge(c, &want->bridges[i]);
		for (size_t i = 0; i < want->n_veths; i++)
			veth(c, &want->veths[i]);
	}
	idmap_free(&c->by_name);
	free(c->links);
	free(c->addrs);
}

void kernel_check(void *ctx, const struct plan_links *want, const struct fw_model *m,
		  void (*report)(const char *msg, void *rctx), void *rctx)
{
	struct gn_kernel *k = ctx;
	struct ctx c = { .report = report, .rctx = rctx };
	bool forward[2] = { false, false };

	/* Veth pairs waiting to go would show as links nobody wants. */
	kernel_reap_wait(k, NULL);
	links(k, want, &c);
	for (size_t i = 0; i < want->n_bridges; i++) {
		forward[0] |= want->bridges[i].forward4;
		forward[1] |= want->bridges[i].forward6;
	}
	for (int i = 0; i < 2; i++) {
		int family = i ? AF_INET6 : AF_INET;

		if (forward[i] && !kernel_forwarding_on(family))
			say(&c, "%s is off: published ports and egress need it; set it on the host (sysctl -w %s=1)",
			    kernel_forwarding_name(family), kernel_forwarding_name(family));
	}
	fw_check(k->fw, m, report, rctx);
}
