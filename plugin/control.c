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
#include "json-encode.h"
#include "listen.h"
#include "json-status.h"
#include "log.h"
#include "metrics.h"
#include "options.h"
#include "report.h"

#define REQUEST_MAX 4096

int control_default_path(const char *plugin_socket, char *buf, size_t len)
{
	const char *base = strrchr(plugin_socket, '/');
	size_t n;
	int w;

	base = base ? base + 1 : plugin_socket;
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".sock"))
		n -= 5;
	w = snprintf(buf, len, GN_CONTROL_DIR "/%.*s.sock", (int)n, base);
	return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}
#ifndef GN_VERSION
#error "GN_VERSION comes from the file VERSION, through the Makefile"
#endif

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
	/* Another namespace's guardnetd may serve the same path: only a
	 * leftover nobody answers on is replaced. */
	r = socket_path_claim(path, "control socket", err);
	if (r < 0)
		return r;
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

static json_t *status_answer(struct gn_driver *d)
{
	struct report_status s;
	struct gn_err err;
	json_t *reply;

	if (report_status(d, &s, &err) < 0)
		return encode_error(err.msg);
	reply = json_status(&s, GN_VERSION);
	report_status_clear(&s);
	return reply ? reply : encode_error("out of memory");
}

static json_t *check_answer(struct gn_driver *d)
{
	struct report_lines drift;
	struct gn_err err;
	json_t *a;

	if (report_check(d, &drift, &err) < 0)
		return encode_error(err.msg);
	a = json_array();
	for (size_t i = 0; i < drift.n; i++)
		json_array_append_new(a, json_string(drift.v[i]));
	report_lines_clear(&drift);
	return json_pack("{s:o}", "drift", a);
}

static json_t *explain_answer(struct gn_driver *d, json_t *req)
{
	struct report_explain_req r = {
		.from = json_string_value(json_object_get(req, "from")),
		.to = json_string_value(json_object_get(req, "to")),
		.port = json_string_value(json_object_get(req, "port")),
		.in = json_string_value(json_object_get(req, "in")),
	};
	struct explain_query q;
	struct explain_result res;
	struct gn_err err = { "" };
	char from[GN_PREFIX_STRLEN], to[GN_PREFIX_STRLEN];
	json_t *reply;

	if (report_explain(d, &r, &q, &res, &err) < 0)
		return encode_error(err.msg);
	addr_format(&q.from, from, sizeof from);
	addr_format(&q.to, to, sizeof to);
	reply = json_pack("{s:s,s:s,s:i,s:s,s:s,s:b,s:s,s:s,s:s}", "from", from, "to", to, "port", q.port, "proto",
			  proto_name(q.proto), "in", q.in_if, "from_host", q.from_host, "verdict",
			  explain_verdict_name(res.verdict), "step", res.step, "because", res.because);
	if (res.net)
		json_object_set_new(reply, "network",
				    json_pack("{s:s,s:s}", "id", res.net->spec.id, "bridge",
					      res.net->spec.opts.bridge));
	if (res.mapped) {
		char ctr[GN_PREFIX_STRLEN];

		addr_format(&res.pub.ctr, ctr, sizeof ctr);
		json_object_set_new(reply, "endpoint", json_pack("{s:s}", "id", res.ep->spec.id));
		json_object_set_new(reply, "container", json_pack("{s:s,s:i}", "address", ctr, "port", res.pub.ctr_port));
	}
	return reply;
}

/* {"metrics": "the exposition text"} */
static json_t *metrics_answer(struct gn_driver *d)
{
	struct gn_err err;
	char *text = metrics_text(d, GN_VERSION, &err);
	json_t *reply;

	if (!text)
		return encode_error(err.msg);
	reply = json_pack("{s:s}", "metrics", text);
	free(text);
	return reply ? reply : encode_error("out of memory");
}

static json_t *answer(struct gn_driver *d, json_t *req)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));

	if (!strcmp(cmd, "status"))
		return status_answer(d);
	if (!strcmp(cmd, "metrics"))
		return metrics_answer(d);
	if (!strcmp(cmd, "check"))
		return check_answer(d);
	if (!strcmp(cmd, "explain"))
		return explain_answer(d, req);
	return encode_error("unknown command (status, check, explain, metrics)");
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
			reply = encode_error("expected {\"cmd\": \"status\", \"check\", \"explain\" or \"metrics\"}");
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
