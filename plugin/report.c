#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "report.h"
#include "ufw.h"

struct status_ctx {
	const struct gn_driver *d;
	struct report_status *s;
	int r;
};

static int add_endpoint(const struct gn_driver *d, const struct gn_endpoint *ep, struct report_endpoint *out)
{
	*out = (struct report_endpoint){ .id = ep->spec.id, .has_addr4 = ep->spec.has_addr4,
					 .has_addr6 = ep->spec.has_addr6, .addr4 = ep->spec.addr4.addr,
					 .addr6 = ep->spec.addr6.addr, .allow = &ep->spec.allow };
	if (!ep->programmed)
		return 0;
	return publish_expand(publish_allowed(ep->net, d->env.default_publish), &ep->spec, ep->net->spec.id,
			      &ep->published, &out->published);
}

static void add_network(void *p, void *ctx)
{
	const struct gn_network *net = p;
	struct status_ctx *c = ctx;
	const struct gn_net_opts *o = &net->spec.opts;
	struct report_network *rn = &c->s->nets[c->s->n_nets++];
	size_t i = 0;

	*rn = (struct report_network){ .id = net->spec.id, .bridge = o->bridge, .internal = o->internal,
				       .icc = o->icc, .ufw = o->ufw,
				       .publish = publish_allowed(net, c->d->env.default_publish), .allow = &o->allow };
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

int report_status(const struct gn_driver *d, struct report_status *ret, struct gn_err *err)
{
	const struct ufw_config *u = d->env.ufw;
	struct status_ctx c = { .d = d, .s = ret };

	*ret = (struct report_status){ .ufw_enabled = u && u->enabled, .ufw_rules4 = u ? u->n4 : 0,
				       .ufw_rules6 = u ? u->n6 : 0, .scope_global = d->scope_global,
				       .ingress = d->ingress, .n_ingress = d->n_ingress };
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
	return 0;
}

void report_status_clear(struct report_status *s)
{
	for (size_t i = 0; i < s->n_nets; i++) {
		for (size_t j = 0; j < s->nets[i].n_eps; j++)
			pub_list_clear(&s->nets[i].eps[j].published);
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

	memset(ret, 0, sizeof *ret);
	if (plan_links(&d->env, &d->st, &want) < 0)
		return gn_errf(err, -ENOMEM, "out of memory");
	d->be.ops->check(d->be.ctx, &want, add_line, &c);
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
