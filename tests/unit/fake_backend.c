#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "config.h"
#include "driver.h"
#include "fake_backend.h"
#include "log.h"

static void strings_clear(struct fake_strings *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static ssize_t strings_find(const struct fake_strings *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return (ssize_t)i;
	return -1;
}

static void strings_add(struct fake_strings *s, const char *x)
{
	s->v = realloc(s->v, (s->n + 1) * sizeof *s->v);
	s->v[s->n++] = strdup(x);
}

static void strings_del(struct fake_strings *s, const char *x)
{
	ssize_t i = strings_find(s, x);

	if (i < 0)
		return;
	free(s->v[i]);
	s->v[i] = s->v[--s->n];
}

static void logf_(struct fake_backend *f, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	n = strlen(line);
	f->log = realloc(f->log, f->log_len + n + 2);
	memcpy(f->log + f->log_len, line, n);
	f->log_len += n;
	f->log[f->log_len++] = '\n';
	f->log[f->log_len] = '\0';
}

/* Counts a fallible call; true when it is the one to fail. */
static bool failing(struct fake_backend *f, struct gn_err *err, const char *what)
{
	if (!f->fail_at || --f->fail_at)
		return false;
	logf_(f, "%s: failed (errno %d)", what, f->fail_errno);
	if (err)
		gn_errf(err, -f->fail_errno, "%s: injected failure", what);
	return true;
}

void fake_init(struct fake_backend *f)
{
	memset(f, 0, sizeof *f);
}

void fake_free(struct fake_backend *f)
{
	strings_clear(&f->links);
	strings_clear(&f->nets);
	strings_clear(&f->elems);
	free(f->log);
	memset(f, 0, sizeof *f);
}

void fake_fail(struct fake_backend *f, unsigned nth, int err)
{
	f->fail_at = nth;
	f->fail_errno = err;
}

static void prefixes_text(char *buf, size_t len, const struct gn_prefix *v, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		char p[GN_PREFIX_STRLEN];

		prefix_format(&v[i], p, sizeof p);
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", p);
	}
}

static int f_network_up(void *ctx, const struct plan_bridge *b, struct gn_err *err)
{
	struct fake_backend *f = ctx;
	char addrs[512];

	prefixes_text(addrs, sizeof addrs, b->addrs, b->n_addrs);
	if (failing(f, err, "network_up"))
		return -f->fail_errno;
	logf_(f, "network_up %s alias=%s mtu=%u addrs=%s%s%s%s", b->name, b->alias, b->mtu, addrs,
	      b->route_localnet ? " route_localnet" : "", b->forward4 ? " forward4" : "",
	      b->forward6 ? " forward6" : "");
	if (strings_find(&f->links, b->name) < 0)
		strings_add(&f->links, b->name);
	return 0;
}

static void f_network_down(void *ctx, const struct plan_bridge *b)
{
	struct fake_backend *f = ctx;

	logf_(f, "network_down %s", b->name);
	strings_del(&f->links, b->name);
}

static int f_endpoint_up(void *ctx, const struct plan_veth *v, struct gn_err *err)
{
	struct fake_backend *f = ctx;
	char mac[18];

	if (failing(f, err, "endpoint_up"))
		return -f->fail_errno;
	if (strings_find(&f->links, v->master) < 0)
		return gn_errf(err, -ENODEV, "bridge %s for veth %s does not exist", v->master, v->host);
	mac_format(v->peer_mac, mac, sizeof mac);
	logf_(f, "endpoint_up %s/%s on %s mac=%s%s", v->host, v->peer, v->master, mac, v->in_use ? " in use" : "");
	if (strings_find(&f->links, v->host) < 0)
		strings_add(&f->links, v->host);
	return 0;
}

static void f_endpoint_down(void *ctx, const struct plan_veth *v)
{
	struct fake_backend *f = ctx;

	logf_(f, "endpoint_down %s", v->host);
	strings_del(&f->links, v->host);
}

static void pub_text(const struct gn_pub *p, char *buf, size_t len)
{
	char host[GN_PREFIX_STRLEN], ctr[GN_PREFIX_STRLEN];

	if (p->any)
		snprintf(host, sizeof host, "%s", p->family == AF_INET ? "*4" : "*6");
	else
		addr_format(&p->host, host, sizeof host);
	addr_format(&p->ctr, ctr, sizeof ctr);
	snprintf(buf, len, "pub %s %s:%u -> %s:%u", p->proto == 6 ? "tcp" : p->proto == 17 ? "udp" : "sctp", host,
		 p->port, ctr, p->ctr_port);
}

/* The elements of one share or model, as text. */
static void share_elems(const struct gn_pub *pubs, size_t n_pubs, const struct fw_epallow *ea, size_t n_ea,
			struct fake_strings *out)
{
	char line[256];

	for (size_t i = 0; i < n_pubs; i++) {
		pub_text(&pubs[i], line, sizeof line);
		strings_add(out, line);
	}
	for (size_t i = 0; i < n_ea; i++) {
		char ctr[GN_PREFIX_STRLEN], src[GN_PREFIX_STRLEN];

		addr_format(&ea[i].ctr, ctr, sizeof ctr);
		for (size_t j = 0; j < ea[i].n_src; j++) {
			if (ea[i].src[j].addr.family != ea[i].ctr.family)
				continue;
			prefix_format(&ea[i].src[j], src, sizeof src);
			snprintf(line, sizeof line, "epallow %s <- %s", ctr, src);
			strings_add(out, line);
		}
	}
}

static void net_line(const struct fw_network *n, char *line, size_t len)
{
	char subnets[512], allow[512];

	prefixes_text(subnets, sizeof subnets, n->subnets, n->n_subnets);
	prefixes_text(allow, sizeof allow, n->allow, n->n_allow);
	snprintf(line, len, "net %s subnets=%s allow=%s%s%s%s", n->bridge, subnets, allow, n->icc ? " icc" : "",
		 n->internal ? " internal" : "", n->ufw ? " ufw" : "");
}

static int f_firewall(void *ctx, const struct fw_model *m, struct gn_err *err)
{
	struct fake_backend *f = ctx;

	if (failing(f, err, "firewall"))
		return -f->fail_errno;
	strings_clear(&f->nets);
	strings_clear(&f->elems);
	for (size_t i = 0; i < m->n; i++) {
		char line[1200];

		net_line(&m->nets[i], line, sizeof line);
		strings_add(&f->nets, line);
	}
	share_elems(m->pubs, m->n_pubs, m->epallow, m->n_epallow, &f->elems);
	f->applied = true;
	logf_(f, "firewall nets=%zu pubs=%zu epallow=%zu mark=%#x%s", m->n, m->n_pubs, m->n_epallow, m->mark,
	      m->ufw ? " ufw" : "");
	return 0;
}

/* As fw_apply_network: only a network's own part, never the first or the
 * last (they make or remove the table). */
static int f_network(void *ctx, const struct fw_model *m, const struct fw_network *n, bool add, struct gn_err *err)
{
	struct fake_backend *f = ctx;
	char line[1200];

	if (failing(f, err, "network"))
		return -f->fail_errno;
	if (m->n < (add ? 2u : 1u))
		return gn_errf(err, -ESTALE, "more than the network's part");
	if (f->stale || !f->applied) {
		logf_(f, "network: stale");
		return gn_errf(err, -ESTALE, "the table changed behind guardnet's back");
	}
	net_line(n, line, sizeof line);
	if (add)
		strings_add(&f->nets, line);
	else
		strings_del(&f->nets, line);
	logf_(f, "network %c%s", add ? '+' : '-', n->bridge);
	return 0;
}

static int f_share(void *ctx, const struct fw_share *from, const struct fw_share *to, struct gn_err *err)
{
	struct fake_backend *f = ctx;
	struct fake_strings del = { 0 }, add = { 0 };
	int r = 0;

	if (failing(f, err, "share"))
		return -f->fail_errno;
	if (f->stale) {
		logf_(f, "share: stale");
		return gn_errf(err, -ESTALE, "the table changed behind guardnet's back");
	}
	share_elems(from->pubs, from->n_pubs, from->epallow, from->n_epallow, &del);
	share_elems(to->pubs, to->n_pubs, to->epallow, to->n_epallow, &add);
	/* Only the difference, as fw_apply_share sends it. */
	for (size_t i = 0; i < del.n; i++)
		if (strings_find(&add, del.v[i]) < 0 && strings_find(&f->elems, del.v[i]) < 0)
			r = gn_errf(err, -ENOENT, "share deletes \"%s\", which the firewall lacks", del.v[i]);
	for (size_t i = 0; i < add.n; i++)
		if (strings_find(&del, add.v[i]) < 0 && strings_find(&f->elems, add.v[i]) >= 0)
			r = gn_errf(err, -EEXIST, "share adds \"%s\", which the firewall has", add.v[i]);
	if (r == 0) {
		for (size_t i = 0; i < del.n; i++)
			if (strings_find(&add, del.v[i]) < 0)
				strings_del(&f->elems, del.v[i]);
		for (size_t i = 0; i < add.n; i++)
			if (strings_find(&del, add.v[i]) < 0)
				strings_add(&f->elems, add.v[i]);
	}
	logf_(f, "share -%zu +%zu%s", del.n, add.n, r < 0 ? ": refused" : "");
	strings_clear(&del);
	strings_clear(&add);
	return r;
}

static bool f_detached(void *ctx, const struct plan_veth *v)
{
	struct fake_backend *f = ctx;

	logf_(f, "detached %s", v->host);
	return strings_find(&f->links, v->host) < 0;
}

static bool f_port_in_use(void *ctx, uint8_t proto, int family, const struct gn_addr *addr, uint16_t port,
			  char *who, size_t len)
{
	struct fake_backend *f = ctx;

	(void)proto, (void)family, (void)addr;
	if (!f->busy_port || port != f->busy_port)
		return false;
	snprintf(who, len, "listening on 0.0.0.0:%u", port);
	return true;
}

static void f_ephemeral(void *ctx, uint16_t *lo, uint16_t *hi)
{
	(void)ctx;
	*lo = 49153;
	*hi = 65535;
}

static int f_route(void *ctx, const struct gn_addr *addr, struct backend_route *ret, struct gn_err *err)
{
	struct fake_backend *f = ctx;

	if (failing(f, err, "route"))
		return -f->fail_errno;
	*ret = f->route;
	ret->local = f->route.has_src && addr_equal(addr, &f->route.src);
	return 0;
}

static int f_ingress(void *ctx, struct gn_transport_port **ret, size_t *n, struct gn_err *err)
{
	struct fake_backend *f = ctx;

	(void)err;
	*ret = NULL;
	*n = f->n_ingress;
	if (f->n_ingress && !(*ret = malloc(f->n_ingress * sizeof **ret)))
		return -ENOMEM;
	if (f->n_ingress)
		memcpy(*ret, f->ingress, f->n_ingress * sizeof **ret);
	return 0;
}

static void f_fw_info(void *ctx, struct backend_fw_info *ret)
{
	*ret = ((struct fake_backend *)ctx)->fw_info;
}

static int f_counters(void *ctx, struct fw_counts *ret, struct gn_err *err)
{
	struct fake_backend *f = ctx;

	memset(ret, 0, sizeof *ret);
	if (failing(f, err, "counters"))
		return -f->fail_errno;
	if (f->counts.n && !(ret->v = malloc(f->counts.n * sizeof *ret->v)))
		return gn_errf(err, -ENOMEM, "out of memory");
	if (f->counts.n)
		memcpy(ret->v, f->counts.v, f->counts.n * sizeof *ret->v);
	ret->n = f->counts.n;
	return 0;
}

static int f_reconcile(void *ctx, const struct plan_links *want, const struct fw_model *m, struct gn_err *err)
{
	struct fake_backend *f = ctx;

	if (failing(f, err, "reconcile"))
		return -f->fail_errno;
	logf_(f, "reconcile bridges=%zu veths=%zu", want->n_bridges, want->n_veths);
	strings_clear(&f->links);
	for (size_t i = 0; i < want->n_bridges; i++)
		strings_add(&f->links, want->bridges[i].name);
	for (size_t i = 0; i < want->n_veths; i++)
		strings_add(&f->links, want->veths[i].host);
	return f_firewall(f, m, err);
}

static void f_check(void *ctx, const struct plan_links *want, const struct fw_model *m,
		    void (*report)(const char *msg, void *rctx), void *rctx)
{
	struct fake_backend *f = ctx;
	char msg[128];

	/* The firewall's part is fw_check's, tested on the kernel. */
	(void)m;
	for (size_t i = 0; i < want->n_bridges; i++)
		if (strings_find(&f->links, want->bridges[i].name) < 0) {
			snprintf(msg, sizeof msg, "bridge %s is missing", want->bridges[i].name);
			report(msg, rctx);
		}
	for (size_t i = 0; i < want->n_veths; i++)
		if (strings_find(&f->links, want->veths[i].host) < 0) {
			snprintf(msg, sizeof msg, "interface %s is missing", want->veths[i].host);
			report(msg, rctx);
		}
}

static const struct gn_backend_ops fake_ops = {
	.network_up = f_network_up,
	.network_down = f_network_down,
	.endpoint_up = f_endpoint_up,
	.endpoint_down = f_endpoint_down,
	.firewall = f_firewall,
	.share = f_share,
	.network = f_network,
	.detached = f_detached,
	.port_in_use = f_port_in_use,
	.ephemeral = f_ephemeral,
	.route = f_route,
	.ingress = f_ingress,
	.fw_info = f_fw_info,
	.counters = f_counters,
	.reconcile = f_reconcile,
	.check = f_check,
};

struct gn_backend fake_backend(struct fake_backend *f)
{
	return (struct gn_backend){ .ops = &fake_ops, .ctx = f };
}

void fake_link_gone(struct fake_backend *f, const char *name)
{
	strings_del(&f->links, name);
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void append_sorted(char **buf, size_t *len, const char *tag, const struct fake_strings *s)
{
	char **v = malloc((s->n + 1) * sizeof *v);

	if (s->n)
		memcpy(v, s->v, s->n * sizeof *v);
	qsort(v, s->n, sizeof *v, by_text);
	for (size_t i = 0; i < s->n; i++) {
		size_t n = strlen(tag) + strlen(v[i]) + 2;

		*buf = realloc(*buf, *len + n + 1);
		*len += (size_t)sprintf(*buf + *len, "%s%s\n", tag, v[i]);
	}
	free(v);
}

char *fake_kernel(const struct fake_backend *f)
{
	char *buf = calloc(1, 1);
	size_t len = 0;

	append_sorted(&buf, &len, "link ", &f->links);
	append_sorted(&buf, &len, "", &f->nets);
	append_sorted(&buf, &len, "", &f->elems);
	return buf;
}

char *fake_log_take(struct fake_backend *f)
{
	char *log = f->log ? f->log : strdup("");

	f->log = NULL;
	f->log_len = 0;
	return log;
}

void fake_driver_init(struct gn_driver *d, struct gn_store *store, struct fake_backend *f,
		      const struct gn_config *cfg)
{
	struct plan_env env = { .default_publish = &cfg->publish, .default_ufw = cfg->ufw, .mark = cfg->mark };

	driver_init(d, store, fake_backend(f), &env);
	d->scope_global = cfg->scope_global;
}
