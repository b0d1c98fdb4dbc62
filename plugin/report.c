#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "log.h"
#include "report.h"
#include "ufw.h"

struct status_ctx {
	const struct gn_driver *d;
	struct report_status *s;
	int r;
};

static int add_ports(const struct gn_driver *d, const struct gn_endpoint *ep, struct report_endpoint *out)
{
	struct gn_pub_list pubs = { 0 };
	int r = publish_expand(publish_allowed(ep->net, d->env.default_publish), &ep->spec, ep->net->spec.id,
			       &ep->published, &pubs);

	if (r == 0 && pubs.n && !(out->ports = calloc(pubs.n, sizeof *out->ports)))
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < pubs.n; i++) {
		out->ports[i].pub = pubs.v[i];
		r = report_reach(&d->env, ep->net, ep, &pubs.v[i], &out->ports[i].reach);
		out->n_ports = i + 1;
	}
	pub_list_clear(&pubs);
	return r;
}

static int add_endpoint(const struct gn_driver *d, const struct gn_endpoint *ep, struct report_endpoint *out)
{
	*out = (struct report_endpoint){ .id = ep->spec.id, .has_addr4 = ep->spec.has_addr4,
					 .has_addr6 = ep->spec.has_addr6, .addr4 = ep->spec.addr4.addr,
					 .addr6 = ep->spec.addr6.addr, .allow = &ep->spec.allow };
	return ep->programmed ? add_ports(d, ep, out) : 0;
}

static void add_network(void *p, void *ctx)
{
	const struct gn_network *net = p;
	struct status_ctx *c = ctx;
	const struct gn_net_opts *o = &net->spec.opts;
	struct report_network *rn;
	size_t i = 0;

	if (net->dying)
		return;
	rn = &c->s->nets[c->s->n_nets++];
	*rn = (struct report_network){ .id = net->spec.id, .bridge = o->bridge, .internal = o->internal,
				       .icc = o->icc, .ufw = o->ufw, .ufw_in_force = plan_ufw_in_force(&c->d->env, net),
				       .publish = publish_allowed(net, c->d->env.default_publish), .allow = &o->allow,
				       .subnets4 = net->spec.ipv4, .n_subnets4 = net->spec.n_ipv4,
				       .subnets6 = o->enable_ipv6 ? net->spec.ipv6 : NULL,
				       .n_subnets6 = o->enable_ipv6 ? net->spec.n_ipv6 : 0 };
	rn->eps = calloc(net->n_endpoints + 1, sizeof *rn->eps);
	if (!rn->eps) {
		c->r = -ENOMEM;
		return;
	}
	for (const struct gn_endpoint *ep = net->endpoints; ep; ep = ep->next)
		if (add_endpoint(c->d, ep, &rn->eps[i++]) < 0)
			c->r = -ENOMEM;
	rn->n_eps = i;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Host port, protocol, IPv4 before IPv6, then the host address. */
static int by_port(const void *a, const void *b)
{
	const struct gn_pub *x = &((const struct report_port *)a)->pub, *y = &((const struct report_port *)b)->pub;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->family != y->family)
		return x->family == AF_INET ? -1 : 1;
	if (x->any != y->any)
		return x->any ? -1 : 1;
	return memcmp(x->host.a, y->host.a, sizeof x->host.a);
}

static int count_cmp(const struct fw_count *c, const struct gn_pub *p)
{
	if (c->family != p->family)
		return c->family < p->family ? -1 : 1;
	if (c->any != p->any)
		return c->any ? -1 : 1;
	if (c->proto != p->proto)
		return c->proto < p->proto ? -1 : 1;
	if (c->port != p->port)
		return c->port < p->port ? -1 : 1;
	return p->any ? 0 : memcmp(c->host.a, p->host.a, p->family == AF_INET ? 4 : 16);
}

static int by_count(const void *a, const void *b)
{
	const struct fw_count *y = b;
	struct gn_pub p = { .family = y->family, .any = y->any, .host = y->host, .proto = y->proto, .port = y->port };

	return count_cmp(a, &p);
}

static int pub_vs_count(const void *key, const void *elem)
{
	return -count_cmp(elem, key);
}

/* Each port's counters from the kernel's, and each network's sum. */
static void add_counts(const struct gn_driver *d, struct report_status *s)
{
	struct fw_counts c;
	struct gn_err err;

	if (d->be.ops->counters(d->be.ctx, &c, &err) < 0) {
		snprintf(s->counters_err, sizeof s->counters_err, "%s", err.msg);
		return;
	}
	s->counters = true;
	if (c.n)
		qsort(c.v, c.n, sizeof *c.v, by_count);
	for (size_t i = 0; i < s->n_nets; i++) {
		struct report_network *n = &s->nets[i];

		n->count.known = true;
		for (size_t j = 0; j < n->n_eps; j++)
			for (size_t k = 0; k < n->eps[j].n_ports; k++) {
				struct report_port *p = &n->eps[j].ports[k];
				const struct fw_count *f = c.n ? bsearch(&p->pub, c.v, c.n, sizeof *c.v, pub_vs_count) : NULL;

				/* Not in the kernel (yet): nothing counted. */
				p->count = (struct report_counters){ .known = true };
				if (f) {
					p->count.admitted = f->admitted;
					p->count.blocked = f->tried > f->admitted ? f->tried - f->admitted : 0;
				}
				n->count.admitted += p->count.admitted;
				n->count.blocked += p->count.blocked;
			}
	}
	free(c.v);
}

/* The same state reads the same, whatever order the indexes keep. */
static void sort(struct report_status *s)
{
	qsort(s->nets, s->n_nets, sizeof *s->nets, by_id);
	for (size_t i = 0; i < s->n_nets; i++) {
		qsort(s->nets[i].eps, s->nets[i].n_eps, sizeof *s->nets[i].eps, by_id);
		for (size_t j = 0; j < s->nets[i].n_eps; j++)
			qsort(s->nets[i].eps[j].ports, s->nets[i].eps[j].n_ports, sizeof(struct report_port), by_port);
	}
}

int report_status(const struct gn_driver *d, struct report_status *ret, struct gn_err *err)
{
	const struct ufw_config *u = d->env.ufw;
	struct status_ctx c = { .d = d, .s = ret };

	*ret = (struct report_status){ .mark = d->env.mark, .ufw = u, .scope_global = d->scope_global,
				       .ingress = d->ingress, .n_ingress = d->n_ingress };
	d->be.ops->fw_info(d->be.ctx, &ret->fw);
	ret->nets = calloc(d->st.nets.live + 1, sizeof *ret->nets);
	ret->ufw_unreadable = calloc(u ? u->n_problems + 1 : 1, sizeof *ret->ufw_unreadable);
	if (!ret->nets || !ret->ufw_unreadable) {
		report_status_clear(ret);
		return gn_errf(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; u && i < u->n_problems; i++)
		ret->ufw_unreadable[ret->n_ufw_unreadable++] = (struct report_ufw_line){
			.file = ufw_file_name(u->problems[i].file, u->problems[i].family),
			.line = u->problems[i].line,
			.why = u->problems[i].why,
		};
	state_each_network(&d->st, add_network, &c);
	if (c.r < 0) {
		report_status_clear(ret);
		return gn_errf(err, c.r, "out of memory");
	}
	sort(ret);
	add_counts(d, ret);
	return 0;
}

void report_status_clear(struct report_status *s)
{
	for (size_t i = 0; i < s->n_nets; i++) {
		for (size_t j = 0; j < s->nets[i].n_eps; j++) {
			struct report_endpoint *e = &s->nets[i].eps[j];

			for (size_t k = 0; k < e->n_ports; k++)
				report_reach_clear(&e->ports[k].reach);
			free(e->ports);
		}
		free(s->nets[i].eps);
	}
	free(s->nets);
	free(s->ufw_unreadable);
	memset(s, 0, sizeof *s);
}

struct lines_ctx {
	struct report_lines *l;
	int r;
};

static void add_line(const char *msg, void *ctx)
{
	struct lines_ctx *c = ctx;
	char **v = realloc(c->l->v, (c->l->n + 1) * sizeof *v);

	if (!v || !(v[c->l->n] = strdup(msg))) {
		if (v)
			c->l->v = v;
		c->r = -ENOMEM;
		return;
	}
	c->l->v = v;
	c->l->n++;
}

int report_check(const struct gn_driver *d, struct report_lines *ret, struct gn_err *err)
{
	struct lines_ctx c = { .l = ret };
	struct plan_links want;
	struct plan_model pm;

	memset(ret, 0, sizeof *ret);
	if (plan_links(&d->env, &d->st, &want) < 0)
		return gn_errf(err, -ENOMEM, "out of memory");
	if (plan_model(&d->env, &d->st, &pm) < 0) {
		plan_model_clear(&pm);
		plan_links_clear(&want);
		return gn_errf(err, -ENOMEM, "out of memory");
	}
	d->be.ops->check(d->be.ctx, &want, &pm.m, add_line, &c);
	plan_model_clear(&pm);
	plan_links_clear(&want);
	if (c.r < 0) {
		report_lines_clear(ret);
		return gn_errf(err, c.r, "out of memory");
	}
	return 0;
}

void report_lines_clear(struct report_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* "P" or "P/tcp", "P/udp", "P/sctp" */
static int port_parse(const char *s, uint16_t *port, uint8_t *proto, struct gn_err *err)
{
	static const struct {
		const char *name;
		uint8_t number;
	} protos[] = { { "tcp", GN_PROTO_TCP }, { "udp", GN_PROTO_UDP }, { "sctp", GN_PROTO_SCTP } };
	char *end;
	unsigned long p = strtoul(s, &end, 10);

	if (end == s || p < 1 || p > 65535 || (*end && *end != '/'))
		return gn_errf(err, -EINVAL, "--port %s: expected PORT[/tcp|udp|sctp] with PORT 1-65535", s);
	*port = (uint16_t)p;
	*proto = GN_PROTO_TCP;
	if (!*end)
		return 0;
	for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
		if (!strcmp(end + 1, protos[i].name)) {
			*proto = protos[i].number;
			return 0;
		}
	return gn_errf(err, -EINVAL, "--port %s: unknown protocol \"%s\" (tcp, udp, sctp)", s, end + 1);
}

/* The request as a query, with what only the kernel knows. */
static int explain_query(const struct gn_driver *d, const struct report_explain_req *req, struct explain_query *q,
			 struct gn_err *err)
{
	struct backend_route rt;
	char to[GN_PREFIX_STRLEN];
	int r;

	memset(q, 0, sizeof *q);
	if (!req->from || !req->port)
		return gn_errf(err, -EINVAL, "explain needs --from ADDR and --port PORT[/PROTO]");
	if ((r = addr_parse(req->from, &q->from, "--from", err)) < 0 ||
	    (r = port_parse(req->port, &q->port, &q->proto, err)) < 0 ||
	    (req->to && (r = addr_parse(req->to, &q->to, "--to", err)) < 0))
		return r;
	if (req->in && (r = ifname_validate(req->in, "--in", err)) < 0)
		return r;
	if ((r = d->be.ops->route(d->be.ctx, &q->from, &rt, err)) < 0)
		return r;
	q->from_host = rt.local;
	snprintf(q->in_if, sizeof q->in_if, "%s", req->in ? req->in : rt.oif);
	if (!req->to) {
		/* The address the host answers from is the one a client there
		 * would most likely have connected to. */
		if (!rt.has_src)
			return gn_errf(err, -EINVAL, "--to is needed: this host has no address towards %s", req->from);
		q->to = rt.src;
	}
	if (q->to.family != q->from.family) {
		addr_format(&q->to, to, sizeof to);
		return gn_errf(err, -EINVAL, "--from %s and --to %s are of different address families", req->from, to);
	}
	if ((r = d->be.ops->route(d->be.ctx, &q->to, &rt, err)) < 0)
		return r;
	q->to_host = rt.local;
	return 0;
}

int report_explain(const struct gn_driver *d, const struct report_explain_req *req, struct explain_query *q,
		   struct explain_result *res, struct gn_err *err)
{
	struct explain_env env = { .st = &d->st, .env = &d->env };
	int r = explain_query(d, req, q, err);

	return r < 0 ? r : explain(&env, q, res, err);
}
