#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "addr.h"
#include "control.h"
#include "encode.h"
#include "explain.h"
#include "kernel.h"
#include "log.h"
#include "nl.h"
#include "options.h"
#include "publish.h"

#define REQUEST_MAX 4096

int control_open(const char *path, struct gn_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof sa.sun_path], *slash;
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof sa.sun_path)
		return gn_errf(err, -ENAMETOOLONG, "control socket %s: path too long", path);
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return gn_errf(err, -errno, "control socket directory %s: %s", dir, strerror(errno));
	}
	/* Only guardnetd uses this path, and only one guardnetd runs per
	 * namespace (main.c), so what is there is a leftover. */
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return gn_errf(err, -errno, "control socket: %s", strerror(errno));
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (r < 0 || listen(fd, 16) < 0) {
		r = -errno;
		close(fd);
		return gn_errf(err, r, "control socket %s: %s", path, strerror(-r));
	}
	return fd;
}

static json_t *prefixes(const struct gn_prefix *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		char buf[GN_PREFIX_STRLEN];

		prefix_format(&v[i], buf, sizeof buf);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

static json_t *published(const struct gn_driver *d, const struct gn_endpoint *ep)
{
	struct gn_pub_list pubs = { 0 };
	json_t *a = json_array();

	if (ep->programmed)
		publish_expand(publish_allowed(ep->net, &d->cfg->publish), &ep->spec, ep->net->spec.id,
			       &ep->published, &pubs);
	for (size_t i = 0; i < pubs.n; i++) {
		const struct gn_pub *p = &pubs.v[i];
		char host[GN_PREFIX_STRLEN], ctr[GN_PREFIX_STRLEN], line[160];

		if (p->any)
			snprintf(host, sizeof host, "%s", p->family == AF_INET ? "0.0.0.0" : "[::]");
		else
			addr_format(&p->host, host, sizeof host);
		addr_format(&p->ctr, ctr, sizeof ctr);
		snprintf(line, sizeof line, "%s:%u/%s -> %s:%u", host, p->port, proto_name(p->proto), ctr, p->ctr_port);
		json_array_append_new(a, json_string(line));
	}
	pub_list_clear(&pubs);
	return a;
}

struct status_ctx {
	const struct gn_driver *d;
	json_t *nets;
};

static void add_network(void *p, void *ctx)
{
	const struct gn_network *net = p;
	struct status_ctx *c = ctx;
	const struct gn_net_opts *o = &net->spec.opts;
	char *pub = addr_list_format(publish_allowed(net, &c->d->cfg->publish));
	json_t *eps = json_array();

	for (const struct gn_endpoint *ep = net->endpoints; ep; ep = ep->next) {
		char a4[GN_PREFIX_STRLEN] = "", a6[GN_PREFIX_STRLEN] = "";

		if (ep->spec.has_addr4)
			addr_format(&ep->spec.addr4.addr, a4, sizeof a4);
		if (ep->spec.has_addr6)
			addr_format(&ep->spec.addr6.addr, a6, sizeof a6);
		json_array_append_new(eps, json_pack("{s:s%,s:s,s:s,s:o,s:o}", "id", ep->spec.id, (size_t)12,
						     "address", a4, "address6", a6, "allow",
						     prefixes(ep->spec.allow.v, ep->spec.allow.n), "published",
						     published(c->d, ep)));
	}
	json_array_append_new(c->nets, json_pack("{s:s%,s:s,s:b,s:b,s:s,s:s,s:o,s:o}", "id", net->spec.id, (size_t)12,
						 "bridge", o->bridge, "internal", o->internal, "icc", o->icc, "ufw",
						 ufw_mode_name(o->ufw), "publish", pub ? pub : "", "allow",
						 prefixes(o->allow.v, o->allow.n), "endpoints", eps));
	free(pub);
}

static void add_drift(const char *msg, void *ctx)
{
	json_array_append_new(ctx, json_string(msg));
}

static bool ufw_decides(const struct gn_network *net, void *ctx)
{
	return kernel_ufw_decides(ctx, net);
}

/* "P" or "P/tcp", "P/udp", "P/sctp" */
static int port_parse(const char *s, uint16_t *port, uint8_t *proto, struct gn_err *err)
{
	static const struct {
		const char *name;
		uint8_t number;
	} protos[] = { { "tcp", 6 }, { "udp", 17 }, { "sctp", 132 } };
	char *end;
	unsigned long p = strtoul(s, &end, 10);

	if (end == s || p < 1 || p > 65535 || (*end && *end != '/'))
		return gn_errf(err, -EINVAL, "--port %s: expected PORT[/tcp|udp|sctp] with PORT 1-65535", s);
	*port = (uint16_t)p;
	*proto = 6;
	if (!*end)
		return 0;
	for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
		if (!strcmp(end + 1, protos[i].name)) {
			*proto = protos[i].number;
			return 0;
		}
	return gn_errf(err, -EINVAL, "--port %s: unknown protocol \"%s\" (tcp, udp, sctp)", s, end + 1);
}

/* Turns the request into a query, asking the kernel what only it knows. */
static int explain_query(struct gn_driver *d, json_t *req, struct explain_query *q, struct gn_err *err)
{
	const char *from = json_string_value(json_object_get(req, "from"));
	const char *to = json_string_value(json_object_get(req, "to"));
	const char *port = json_string_value(json_object_get(req, "port"));
	const char *in = json_string_value(json_object_get(req, "in"));
	struct nl_route rt;
	int r;

	if (!from || !port)
		return gn_errf(err, -EINVAL, "explain needs --from ADDR and --port PORT[/PROTO]");
	if ((r = addr_parse(from, &q->from, "--from", err)) < 0 || (r = port_parse(port, &q->port, &q->proto, err)) < 0 ||
	    (to && (r = addr_parse(to, &q->to, "--to", err)) < 0))
		return r;
	if (in && (r = ifname_validate(in, "--in", err)) < 0)
		return r;
	if ((r = kernel_route(d->kern, &q->from, &rt, err)) < 0)
		return r;
	q->from_host = rt.local;
	snprintf(q->in_if, sizeof q->in_if, "%s", in ? in : rt.oif);
	if (!to) {
		/* The address the host answers from is the one a client there
		 * would most likely have connected to. */
		if (!rt.has_src)
			return gn_errf(err, -EINVAL, "--to is needed: this host has no address towards %s", from);
		q->to = rt.src;
	}
	if (q->to.family != q->from.family)
		return gn_errf(err, -EINVAL, "--from %s and --to %s are of different address families", from, to);
	if ((r = kernel_route(d->kern, &q->to, &rt, err)) < 0)
		return r;
	q->to_host = rt.local;
	return 0;
}

static json_t *explain_answer(struct gn_driver *d, json_t *req)
{
	struct explain_env env = { .st = &d->st, .default_publish = &d->cfg->publish,
				   .ufw = d->kern ? d->kern->ufw : NULL, .ufw_decides = ufw_decides, .ctx = d->kern };
	struct explain_query q = { 0 };
	struct explain_result res;
	struct gn_err err = { "" };
	char from[GN_PREFIX_STRLEN], to[GN_PREFIX_STRLEN];
	json_t *reply;

	if (explain_query(d, req, &q, &err) < 0 || explain(&env, &q, &res, &err) < 0)
		return encode_error(err.msg);
	addr_format(&q.from, from, sizeof from);
	addr_format(&q.to, to, sizeof to);
	reply = json_pack("{s:s,s:s,s:i,s:s,s:s,s:b,s:s,s:s,s:s}", "from", from, "to", to, "port", q.port, "proto",
			  proto_name(q.proto), "in", q.in_if, "from_host", q.from_host, "verdict",
			  explain_verdict_name(res.verdict), "step", res.step, "because", res.because);
	if (res.net)
		json_object_set_new(reply, "network",
				    json_pack("{s:s%,s:s}", "id", res.net->spec.id, (size_t)12, "bridge",
					      res.net->spec.opts.bridge));
	if (res.mapped) {
		char ctr[GN_PREFIX_STRLEN];

		addr_format(&res.pub.ctr, ctr, sizeof ctr);
		json_object_set_new(reply, "endpoint", json_pack("{s:s%}", "id", res.ep->spec.id, (size_t)12));
		json_object_set_new(reply, "container", json_pack("{s:s,s:i}", "address", ctr, "port", res.pub.ctr_port));
	}
	return reply;
}

/* UFW's lines guardnet cannot express, by file and line: nobody should
 * believe they apply as written (ufw-restore.c says what guardnet does). */
static json_t *ufw_problems(const struct ufw_config *u)
{
	json_t *a = json_array();

	for (size_t i = 0; u && i < u->n_problems; i++)
		json_array_append_new(a, json_pack("{s:s,s:i,s:s}", "file",
						   ufw_file_name(u->problems[i].file, u->problems[i].family), "line",
						   (int)u->problems[i].line, "why", u->problems[i].why));
	return a;
}

static json_t *answer(struct gn_driver *d, json_t *req)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));

	if (!strcmp(cmd, "status")) {
		struct status_ctx c = { .d = d, .nets = json_array() };
		const struct ufw_config *u = d->kern ? d->kern->ufw : NULL;

		state_each_network(&d->st, add_network, &c);
		return json_pack("{s:s,s:{s:b,s:i,s:i,s:o},s:o}", "firewall", "nftables", "ufw", "enabled",
				 u && u->enabled, "rules4", u ? (int)u->n4 : 0, "rules6", u ? (int)u->n6 : 0,
				 "unreadable", ufw_problems(u), "networks", c.nets);
	}
	if (!strcmp(cmd, "check")) {
		json_t *drift = json_array();

		kernel_check(d->kern, &d->st, add_drift, drift);
		return json_pack("{s:o}", "drift", drift);
	}
	if (!strcmp(cmd, "explain"))
		return explain_answer(d, req);
	return encode_error("unknown command (status, check, explain)");
}

static void serve_one(int fd, struct gn_driver *d)
{
	struct timeval tv = { .tv_sec = 1 };
	struct ucred cred;
	socklen_t len = sizeof cred;
	char buf[REQUEST_MAX + 1];
	json_t *req = NULL, *reply;
	json_error_t je;
	char *text;
	ssize_t n = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	/* One short line; the client waits for the answer.  It is read even
	 * from a peer that is refused: closing with its request unread would
	 * reset the connection and lose the refusal. */
	for (ssize_t r; n < REQUEST_MAX && (r = read(fd, buf + n, (size_t)(REQUEST_MAX - n))) > 0;) {
		n += r;
		if (memchr(buf, '\n', (size_t)n))
			break;
	}
	buf[n] = '\0';
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
		reply = encode_error("guardnetctl needs root");
	} else {
		req = json_loads(buf, JSON_DISABLE_EOF_CHECK, &je);
		if (!json_is_string(json_object_get(req, "cmd")))
			reply = encode_error("expected {\"cmd\": \"status\", \"check\" or \"explain\"}");
		else
			reply = answer(d, req);
	}
	text = json_dumps(reply, JSON_COMPACT);
	if (text) {
		if (write(fd, text, strlen(text)) < 0 || write(fd, "\n", 1) < 0)
			log_debug("control: client went away");
		free(text);
	}
	json_decref(reply);
	json_decref(req);
}

void control_serve(int lfd, struct gn_driver *d)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		serve_one(fd, d);
		close(fd);
	}
}
