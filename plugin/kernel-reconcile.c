/*
 * Start-up's repair (backend reconcile): the kernel's links, read in one
 * dump (and the addresses in another), set against the links the state
 * names.  A link that is as it should be gets no message:
 * a guardnetd restarted on a host where nothing changed writes no link,
 * address or setting (tests/bench/restart.sh counts the kernel's change
 * events).  Lookups go through hash maps, so that 1,000 networks of 5
 * endpoints cost a few milliseconds, not a walk of every link per link.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw.h"
#include "idmap.h"
#include "kernel.h"
#include "kernel-int.h"
#include "log.h"
#include "names.h"

/* The kernel's links and what the state wants, indexed. */
struct view {
	struct nl_link *links;
	size_t n_links;
	struct nl_addr *addrs;
	size_t n_addrs;
	struct idmap by_name;          /* the kernel's links by name */
	struct idmap want_name;        /* bridges and veth host ends wanted, by name */
	struct idmap want_alias;       /* and by alias */
	const struct plan_links *want;
};

static void view_free(struct view *v)
{
	free(v->links);
	free(v->addrs);
	idmap_free(&v->by_name);
	idmap_free(&v->want_name);
	idmap_free(&v->want_alias);
}

/* -ENOMEM or 0: a second key of the same name (which the kernel and the
 * state never hold) would only be shadowed. */
static int index_put(struct idmap *m, const char *key, void *val)
{
	return idmap_put(m, key, val) == -ENOMEM ? -ENOMEM : 0;
}

/* Reads the kernel's links (and, with addrs, addresses), unless pre holds
 * them, and indexes them and want. */
static int view_read(struct gn_kernel *k, struct kernel_prefetch *pre, const struct plan_links *want, bool addrs,
		     struct view *v, struct gn_err *err)
{
	int r = 0;

	memset(v, 0, sizeof *v);
	v->want = want;
	if (pre) {
		v->links = pre->links;
		v->n_links = pre->n_links;
		v->addrs = pre->addrs;
		v->n_addrs = pre->n_addrs;
		pre->links = NULL;
		pre->addrs = NULL;
	} else {
		r = nl_links(k->nl, &v->links, &v->n_links, err);
		if (r == 0 && addrs)
			r = nl_addrs(k->nl, &v->addrs, &v->n_addrs, err);
	}
	if (r < 0) {
		view_free(v);
		return r;
	}
	for (size_t i = 0; r == 0 && i < v->n_links; i++)
		r = index_put(&v->by_name, v->links[i].name, &v->links[i]);
	for (size_t i = 0; r == 0 && i < want->n_bridges; i++)
		if ((r = index_put(&v->want_name, want->bridges[i].name, &want->bridges[i])) == 0)
			r = index_put(&v->want_alias, want->bridges[i].alias, &want->bridges[i]);
	for (size_t i = 0; r == 0 && i < want->n_veths; i++)
		if ((r = index_put(&v->want_name, want->veths[i].host, &want->veths[i])) == 0)
			r = index_put(&v->want_alias, want->veths[i].alias, &want->veths[i]);
	if (r < 0) {
		view_free(v);
		return gn_errf(err, r, "out of memory");
	}
	return 0;
}

static const struct nl_link *have(const struct view *v, const char *name)
{
	return idmap_get(&v->by_name, name);
}

/* Whether l is guardnet's and nothing in the state names it. */
static bool leftover(const struct view *v, const struct nl_link *l)
{
	if (names_alias_owner(l->alias))
		return !idmap_get(&v->want_alias, l->alias);
	/* Made by a guardnetd that died before it gave the link its alias:
	 * the network or endpoint that names it, if any, adopts it. */
	if (names_marked(l->name, l->alias, l->mac))
		return !idmap_get(&v->want_name, l->name);
	return false;
}

/* One start-up's repair: what it changed, and its first failure. */
struct repair {
	struct gn_kernel *k;
	struct view v;
	int *master;               /* by bridge: its ifindex, 0 when it could not be made */
	int first, changes;
	struct gn_err *err;
};

static void note(struct repair *c, int r, const struct gn_err *e, const char *what, const char *owner)
{
	if (r >= 0) {
		c->changes += r;
		return;
	}
	log_warnx("reconcile: %s %.12s: %s", what, owner, e->msg);
	if (!c->first) {
		c->first = r;
		*c->err = *e;
	}
}

/* First, since a stale bridge may hold a name a network needs. */
static void remove_leftovers(struct repair *c)
{
	for (size_t i = 0; i < c->v.n_links; i++) {
		if (!leftover(&c->v, &c->v.links[i]))
			continue;
		log_info("reconcile: removing %s %s, which no network or endpoint names", c->v.links[i].kind,
			 c->v.links[i].name);
		nl_link_delete(c->k->nl, c->v.links[i].name, NULL);
		c->changes++;
	}
}

static int refuse(const struct nl_link *l, const char *what, struct gn_err *e)
{
	return gn_errf(e, -EEXIST, "a %s named %s exists already and is not this guardnet %s's",
		       l->kind[0] ? l->kind : "link", l->name, what);
}

/* Links read ahead are a few hundred milliseconds old at 1,000 networks:
 * one that went since is answered ENODEV when a fix is sent to it, and is
 * then as absent as one the reading did not find (one that needs no fix
 * goes unnoticed, as one that goes right after the check would). */
static void bridge_gone(struct repair *c, size_t i)
{
	const struct plan_bridge *b = &c->v.want->bridges[i];
	struct gn_err e;
	int r;

	log_info("reconcile: network %.12s: recreating its bridge %s", b->owner, b->name);
	r = kernel_bridge_up(c->k, b, &e);
	c->master[i] = r < 0 ? 0 : (int)if_nametoindex(b->name);
	note(c, r < 0 ? r : 1, &e, "network", b->owner);
}

static void repair_bridges(struct repair *c)
{
	for (size_t i = 0; i < c->v.want->n_bridges; i++) {
		const struct plan_bridge *b = &c->v.want->bridges[i];
		const struct nl_link *l = have(&c->v, b->name);
		const struct nl_ipv4_conf *conf;
		struct nl_bridge nb;
		struct gn_err e;
		int r;

		if (!l) {
			bridge_gone(c, i);
			continue;
		}
		conf = kernel_bridge(b, &nb);
		r = nl_link_adoptable(l, "bridge", b->alias, b->mac) ?
			    nl_bridge_update(c->k->nl, &nb, conf, l, c->v.addrs, c->v.n_addrs, &e) :
			    refuse(l, "network", &e);
		if (r == -ENODEV) {
			bridge_gone(c, i);
			continue;
		}
		c->master[i] = r < 0 ? 0 : l->ifindex;
		if (r > 0)
			log_info("reconcile: network %.12s: %d change(s) to its bridge %s", b->owner, r, b->name);
		if (r >= 0)
			kernel_forwarding(c->k, b);
		note(c, r, &e, "network", b->owner);
	}
}

/* As bridge_gone. */
static void veth_gone(struct repair *c, const struct plan_veth *p)
{
	struct gn_err e;
	int r;

	/* The container end went with the container; a new pair could not
	 * reach it.  Docker's next DeleteEndpoint cleans up the record. */
	if (p->in_use) {
		log_warnx("reconcile: endpoint %.12s lost its interface %s while in use", p->owner, p->host);
		return;
	}
	log_info("reconcile: endpoint %.12s: recreating its veth pair %s", p->owner, p->host);
	r = kernel_veth_up(c->k, p, &e);
	note(c, r < 0 ? r : 1, &e, "endpoint", p->owner);
}

static void repair_veths(struct repair *c)
{
	struct idmap bridges = { 0 };

	for (size_t i = 0; i < c->v.want->n_bridges; i++)
		if (index_put(&bridges, c->v.want->bridges[i].name, &c->master[i]) < 0) {
			c->first = c->first ? c->first : gn_errf(c->err, -ENOMEM, "out of memory");
			idmap_free(&bridges);
			return;
		}
	for (size_t i = 0; i < c->v.want->n_veths; i++) {
		const struct plan_veth *p = &c->v.want->veths[i];
		const struct nl_link *l = have(&c->v, p->host);
		const int *master = idmap_get(&bridges, p->master);
		struct nl_veth nv = kernel_veth(p);
		struct gn_err e;
		int r;

		if (!master || !*master)
			continue;
		if (!l) {
			veth_gone(c, p);
			continue;
		}
		r = nl_link_adoptable(l, "veth", p->alias, p->host_mac) ? nl_veth_update(c->k->nl, &nv, l, *master, &e) :
									    refuse(l, "endpoint", &e);
		if (r == -ENODEV) {
			veth_gone(c, p);
			continue;
		}
		if (r > 0)
			log_info("reconcile: endpoint %.12s: %d change(s) to its interface %s", p->owner, r, p->host);
		note(c, r, &e, "endpoint", p->owner);
	}
	idmap_free(&bridges);
}

int kernel_reconcile(void *ctx, const struct plan_links *want, const struct fw_model *m, struct gn_err *err)
{
	struct repair c = { .k = ctx, .err = err };
	struct kernel_prefetch pre;
	struct fw_want *fwant = NULL;
	bool rebuilt = false, fresh;
	struct gn_err e;
	int r;

	kernel_reap_wait(c.k, NULL);
	/* While the read-ahead, if any, is still reading the kernel; without
	 * memory, fw_sync builds it. */
	(void)fw_want_build(c.k->fw, m, &fwant);
	fresh = kernel_prefetch_take(c.k, &pre);
	r = view_read(c.k, fresh ? &pre : NULL, want, want->n_bridges > 0, &c.v, err);
	if (r < 0) {
		if (fresh)
			fw_snapshot_free(pre.fw);
		fw_want_free(fwant);
		return r;
	}
	c.master = calloc(want->n_bridges + 1, sizeof *c.master);
	if (!c.master) {
		view_free(&c.v);
		if (fresh)
			fw_snapshot_free(pre.fw);
		fw_want_free(fwant);
		return gn_errf(err, -ENOMEM, "out of memory");
	}
	remove_leftovers(&c);
	repair_bridges(&c);
	repair_veths(&c);
	free(c.master);
	view_free(&c.v);
	/* A link made or removed may have taken with it what the tables held
	 * of it: read them again then.  The caller logs this one, like the
	 * first failure above. */
	if (fresh && c.changes) {
		fw_snapshot_free(pre.fw);
		pre.fw = NULL;
	}
	r = fw_sync(c.k->fw, m, fresh ? pre.fw : NULL, fwant, &rebuilt, &e);
	log_info("reconcile: %zu bridges and %zu veth pairs wanted, %d change(s) to links; the firewall %s%s",
		 want->n_bridges, want->n_veths, c.changes, r < 0 ? "failed" : rebuilt ? "rebuilt" : "as it should be",
		 fresh && !c.changes ? " (its tables read ahead)" : "");
	if (r < 0 && !c.first) {
		c.first = r;
		*err = e;
	}
	return c.first;
}
