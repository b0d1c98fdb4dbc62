#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "kernel-check.h"

/* A bridge guardnet makes without an MTU has the kernel's default. */
#define DEFAULT_MTU 1500

struct ctx {
	void (*report)(const char *msg, void *rctx);
	void *rctx;
	const struct nl_link *links;
	size_t n;
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
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->links[i].name, name))
			return &c->links[i];
	return NULL;
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

	if (!l->up)
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

static void addresses(struct ctx *c, struct gn_nl *nl, const char *who, const struct nl_link *l,
		      const struct plan_bridge *b)
{
	struct gn_prefix *have = NULL;
	char text[GN_PREFIX_STRLEN];
	struct gn_err err;
	size_t n = 0;

	if (nl_addrs(nl, l->ifindex, &have, &n, &err) < 0) {
		say(c, "%s: %s", who, err.msg);
		return;
	}
	for (size_t i = 0; i < b->n_addrs; i++)
		if (!prefix_in(have, n, &b->addrs[i])) {
			prefix_format(&b->addrs[i], text, sizeof text);
			say(c, "%s: bridge %s lacks its gateway address %s", who, l->name, text);
		}
	for (size_t i = 0; i < n; i++)
		if (!link_local(&have[i]) && !prefix_in(b->addrs, b->n_addrs, &have[i])) {
			prefix_format(&have[i], text, sizeof text);
			say(c, "%s: bridge %s carries %s, which is not its network's gateway", who, l->name, text);
		}
	free(have);
}

static void bridge(struct ctx *c, struct gn_nl *nl, const struct plan_bridge *b)
{
	const struct nl_link *l = find(c, b->name);
	struct nl_ipv4_conf conf;
	struct gn_err err;
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
	addresses(c, nl, who, l, b);
	if (!b->route_localnet)
		return;
	if (nl_ipv4_conf_get(nl, b->name, &conf, &err) < 0)
		say(c, "%s: %s", who, err.msg);
	else if (conf.route_localnet != 1)
		say(c, "%s: bridge %s has route_localnet %d: the host's connections to 127.0.0.1:PORT cannot reach "
		       "its published ports", who, b->name, conf.route_localnet);
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
}

void kernel_check_links(struct gn_nl *nl, const struct plan_links *want, void (*report)(const char *msg, void *rctx),
			void *rctx)
{
	struct ctx c = { .report = report, .rctx = rctx };
	struct nl_link *links;
	struct gn_err err;

	if (nl_links(nl, &links, &c.n, &err) < 0) {
		report(err.msg, rctx);
		return;
	}
	c.links = links;
	for (size_t i = 0; i < want->n_bridges; i++)
		bridge(&c, nl, &want->bridges[i]);
	for (size_t i = 0; i < want->n_veths; i++)
		veth(&c, &want->veths[i]);
	free(links);
}
