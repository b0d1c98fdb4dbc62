#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "api.h"
#include "http.h"
#include "log.h"

/* Every connection is answered from guardnetd's one event loop, so idle or
 * slow clients cost a slot and a little memory, never Docker's turn; the
 * defence is enough slots (main.c raises RLIMIT_NOFILE for them) and
 * bounds on what each may hold.  A Unix socket has no peer address, so
 * MHD's per-IP limits cannot apply.  Over the limit, new connections wait
 * in the listen backlog until a slot frees. */
#define IDLE_TIMEOUT_S 30u
/* MHD's memory per connection holds the request line and headers (Docker
 * sends a few hundred bytes): larger headers get 431. */
#define CONN_MEMORY (32u * 1024u)
/* A body may take BODY_GRACE_S; after that it must have come at
 * BODY_MIN_RATE bytes/s on average, or the connection is closed: a
 * client sending a byte now and then (slowloris) never looks idle. */
#define BODY_GRACE_S 10
#define BODY_MIN_RATE 1024
/* What all connections together may hold of request bodies. */
#define BODY_BUDGET (64u * 1024u * 1024u)

struct gn_http {
	struct MHD_Daemon *mhd;
	struct gn_driver *driver;
	size_t buffered;                 /* bytes of request bodies held, for BODY_BUDGET */
	bool holding;                    /* http_hold: requests that need the state wait */
	struct request *held, **held_end; /* those waiting, suspended, in order */
};

struct request {
	struct MHD_Connection *conn;     /* while held */
	struct request *next_held;
	char *buf;
	size_t len, cap;
	unsigned long long received;     /* body bytes, kept or not */
	struct timespec start;
	int refusal;                     /* -E2BIG: over API_MAX_BODY; -EBUSY: over BODY_BUDGET */
};

static enum MHD_Result send_reply(struct MHD_Connection *c, struct api_reply *rep)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(rep->body), rep->body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(rep->body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, API_CONTENT_TYPE);
	ret = MHD_queue_response(c, rep->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	struct api_reply rep;

	if (api_error(status, msg, &rep) < 0)
		return MHD_NO;
	return send_reply(c, &rep);
}

static int append(struct gn_http *h, struct request *rq, const char *data, size_t n)
{
	if (rq->len + n > API_MAX_BODY)
		return -E2BIG;
	if (rq->len + n > rq->cap) {
		size_t cap = rq->cap ? rq->cap : 4096;
		char *nb;

		while (cap < rq->len + n)
			cap *= 2;
		if (h->buffered - rq->cap + cap > BODY_BUDGET)
			return -EBUSY;
		nb = realloc(rq->buf, cap);
		if (!nb)
			return -EBUSY;
		h->buffered = h->buffered - rq->cap + cap;
		rq->buf = nb;
		rq->cap = cap;
	}
	memcpy(rq->buf + rq->len, data, n);
	rq->len += n;
	return 0;
}

static bool too_slow(const struct request *rq)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - rq->start.tv_sec) * 1000LL + (now.tv_nsec - rq->start.tv_nsec) / 1000000;
	return ms > BODY_GRACE_S * 1000LL && rq->received * 1000ULL < (unsigned long long)ms * BODY_MIN_RATE;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct gn_http *h = cls;
	struct request *rq = *con_cls;
	struct api_reply rep;
	char msg[160];

	(void)version;
	if (!rq) {
		/* First call: headers only.  Refusals are answered at once and
		 * MHD closes the connection instead of reading the body. */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

		if (strcmp(method, MHD_HTTP_METHOD_POST)) {
			snprintf(msg, sizeof msg, "method %.16s not allowed: the plugin API takes POST", method);
			return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, msg);
		}
		if (!api_known_path(url)) {
			snprintf(msg, sizeof msg, "unknown method \"%.100s\"", url);
			return send_error(c, MHD_HTTP_NOT_FOUND, msg);
		}
		if (cl && strtoull(cl, NULL, 10) > API_MAX_BODY) {
			snprintf(msg, sizeof msg, "request body of %.20s bytes is over the limit of %d", cl, API_MAX_BODY);
			return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, msg);
		}
		rq = calloc(1, sizeof *rq);
		if (!rq)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &rq->start);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		rq->received += *upload_size;
		if (too_slow(rq)) {
			log_warnx("plugin socket: %.100s: the request body came at under %d bytes/s (%llu bytes); "
				  "closing the connection", url, BODY_MIN_RATE, rq->received);
			return MHD_NO;
		}
		/* No reply may be queued while the body streams in (chunked
		 * bodies carry no Content-Length); remember and answer at the end. */
		if (!rq->refusal)
			rq->refusal = append(h, rq, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->refusal == -E2BIG) {
		snprintf(msg, sizeof msg, "request body is over the limit of %d bytes", API_MAX_BODY);
		return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, msg);
	}
	if (rq->refusal) {
		snprintf(msg, sizeof msg, "guardnetd holds %u MiB of request bodies from other clients; try again",
			 BODY_BUDGET >> 20);
		return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
	}
	if (h->holding && api_needs_state(url)) {
		/* Answered once the state is checked (http_release): MHD
		 * calls back here then, with the body already read. */
		rq->conn = c;
		*h->held_end = rq;
		h->held_end = &rq->next_held;
		MHD_suspend_connection(c);
		return MHD_YES;
	}
	if (api_handle(h->driver, url, rq->buf ? rq->buf : "", rq->len, &rep) < 0)
		return MHD_NO;
	return send_reply(c, &rep);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode tc)
{
	struct gn_http *h = cls;
	struct request *rq = *con_cls;

	(void)c, (void)tc;
	if (rq) {
		h->buffered -= rq->cap;
		free(rq->buf);
		free(rq);
		*con_cls = NULL;
	}
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	if (log_verbosity() < 1)
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[n - 1] = '\0';
	log_debug("http: %s", line);
}

int http_start(struct gn_http **ret, int listen_fd, struct gn_driver *d, unsigned max_connections,
	       struct gn_err *err)
{
	struct gn_http *h = calloc(1, sizeof *h);

	if (!h)
		return gn_errf(err, -ENOMEM, "out of memory");
	h->driver = d;
	/* Without a listening socket, MHD_OPTION_LISTEN_SOCKET must not be
	 * given at all (MHD would open a TCP port), so it goes last and an
	 * early MHD_OPTION_END takes its place. */
	h->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
					  (listen_fd < 0 ? MHD_USE_NO_LISTEN_SOCKET : 0),
				  0, NULL, NULL, on_request, h,
				  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
				  MHD_OPTION_CONNECTION_LIMIT, max_connections,
				  MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				  listen_fd < 0 ? MHD_OPTION_END : MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
				  MHD_OPTION_END);
	if (!h->mhd) {
		free(h);
		return gn_errf(err, -EIO, "libmicrohttpd could not start on the plugin socket");
	}
	*ret = h;
	return 0;
}

void http_hold(struct gn_http *h)
{
	h->holding = true;
	h->held = NULL;
	h->held_end = &h->held;
}

size_t http_release(struct gn_http *h)
{
	size_t n = 0;

	h->holding = false;
	for (struct request *rq = h->held, *next; rq; rq = next, n++) {
		next = rq->next_held;
		rq->next_held = NULL;
		MHD_resume_connection(rq->conn);
	}
	h->held = NULL;
	return n;
}

int http_add_connection(struct gn_http *h, int fd)
{
	/* What accept(2) reports for an unnamed Unix socket peer. */
	struct sockaddr peer = { .sa_family = AF_UNIX };

	if (MHD_add_connection(h->mhd, fd, &peer, sizeof peer.sa_family) != MHD_YES)
		return -EIO;
	return 0;
}

int http_fd(const struct gn_http *h)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);

	return info ? info->epoll_fd : -1;
}

int http_timeout_ms(const struct gn_http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(h->mhd, &ms) != MHD_YES)
		return -1;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

void http_run(struct gn_http *h)
{
	MHD_run(h->mhd);
}

void http_stop(struct gn_http *h)
{
	if (!h)
		return;
	http_release(h); /* MHD stops only with no connection suspended */
	MHD_stop_daemon(h->mhd);
	free(h);
}
