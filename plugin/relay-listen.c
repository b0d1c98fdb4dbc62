/*
 * The relay's listening sockets on [::1] (relay.h), in its thread: opened,
 * retargeted and closed to match a whole list (relay_apply) or the ports
 * that changed (relay_apply_changes), within the descriptors guardnetd's
 * limit leaves them.  Each socket it opens goes to systemd's file
 * descriptor store as "relay-tcp-PORT", and leaves it when the port is no
 * longer published.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include "addr.h"
#include "listen.h"
#include "log.h"
#include "relay-int.h"

#define BACKLOG 4096

static void store(const struct relay_listener *l, bool add)
{
	char msg[64];

	snprintf(msg, sizeof msg, "%s\nFDNAME=relay-tcp-%u", add ? "FDSTORE=1" : "FDSTOREREMOVE=1", l->port);
	listener_notify_fd(msg, add ? l->fd : -1);
}

/* The port a listening TCP socket on ::1 holds, or 0 for any other socket. */
static uint16_t loopback_port(int fd)
{
	struct sockaddr_in6 sa;
	socklen_t len = sizeof sa;
	int type = 0, on = 0;
	socklen_t tlen = sizeof type, olen = sizeof on;

	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 || sa.sin6_family != AF_INET6 ||
	    !IN6_IS_ADDR_LOOPBACK(&sa.sin6_addr) || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 ||
	    type != SOCK_STREAM || getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &olen) < 0 || !on)
		return 0;
	return ntohs(sa.sin6_port);
}

/* An inherited socket for port, or a new one; -1 and errno on failure. */
static int take_port(struct gn_relay *r, uint16_t port, bool *inherited)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd, on = 1;

	for (size_t i = 0; i < r->n_spare; i++)
		if (loopback_port(r->spare[i]) == port) {
			fd = r->spare[i];
			r->spare[i] = r->spare[--r->n_spare];
			*inherited = true;
			return fd;
		}
	*inherited = false;
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, BACKLOG) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void set_failed(struct gn_relay *r, struct relay_listener *l, bool failed)
{
	if (failed && !l->failed)
		r->n_failed++;
	else if (!failed && l->failed)
		r->n_failed--;
	l->failed = failed;
}

static void open_listener(struct gn_relay *r, struct relay_listener *l)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = &l->ev };
	char to[GN_PREFIX_STRLEN];
	bool inherited;

	l->ev = (struct relay_ev){ RELAY_LISTEN, l };
	if (r->n_open >= r->max_listeners) {
		l->fd = -1;
		set_failed(r, l, false);
		return;
	}
	l->fd = take_port(r, l->port, &inherited);
	if (l->fd < 0) {
		if (!l->warned)
			log_warn("relay: the host's [::1]:%u cannot be served", l->port);
		l->warned = true;
		set_failed(r, l, true);
		return;
	}
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, l->fd, &e) < 0) {
		log_warn("relay: [::1]:%u", l->port);
		close(l->fd);
		l->fd = -1;
		set_failed(r, l, true);
		return;
	}
	set_failed(r, l, false);
	r->n_open++;
	if (!inherited)
		store(l, true);
	addr_format(&l->to, to, sizeof to);
	log_debug("relay: [::1]:%u -> %s%s%s:%u%s", l->port, l->to.family == AF_INET6 ? "[" : "", to,
		  l->to.family == AF_INET6 ? "]" : "", l->to_port, inherited ? " (socket kept across the restart)" : "");
}

void relay_listener_close(struct gn_relay *r, struct relay_listener *l, bool forget)
{
	set_failed(r, l, false);
	if (l->fd >= 0) {
		epoll_ctl(r->ep, EPOLL_CTL_DEL, l->fd, NULL);
		close(l->fd);
		r->n_open--;
		if (forget)
			store(l, false);
	}
	free(l);
}

static int svc_port(const void *key, const void *elem)
{
	uint16_t port = *(const uint16_t *)key, other = ((const struct gn_relay_svc *)elem)->port;

	return (port > other) - (port < other);
}

static int ls_port(const void *key, const void *elem)
{
	uint16_t port = *(const uint16_t *)key, other = (*(struct relay_listener *const *)elem)->port;

	return (port > other) - (port < other);
}

static int ls_cmp(const void *a, const void *b)
{
	return ls_port(&(*(struct relay_listener *const *)a)->port, b);
}

/* v is sorted by port (plan_relays), and so is r->ls between calls: a
 * host may publish 20,000 ports, and every change of one comes here. */
static const struct gn_relay_svc *wanted(const struct gn_relay_svc *v, size_t n, uint16_t port)
{
	return n ? bsearch(&port, v, n, sizeof *v, svc_port) : NULL;
}

/* Over the budget, every container that comes or goes changes the count
 * (at the budget exactly, it goes over and back): a line each filled the
 * log of a host of 10,000 endpoints, two per container in
 * tests/bench/endpoints.sh.  The first time over is said at once, any
 * change after it at most once a minute. */
static void report_over(struct gn_relay *r)
{
	struct timespec now;

	r->over = r->n_ls - r->n_open - r->n_failed;
	if (r->over == r->over_logged)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (r->over_logged_at && now.tv_sec - r->over_logged_at < 60)
		return;
	if (r->over)
		log_warnx("relay: %zu of the host's [::1] ports are not served: the %zu listening sockets it holds are "
			  "all guardnetd's descriptor limit leaves for them (raise LimitNOFILE)",
			  r->over, r->n_open);
	else
		log_info("relay: every port of [::1] it relays is served again");
	r->over_logged = r->over;
	r->over_logged_at = now.tv_sec ? now.tv_sec : 1;
}

void relay_apply(struct gn_relay *r, const struct gn_relay_svc *v, size_t n)
{
	size_t kept = 0;

	for (size_t i = 0; i < r->n_ls; i++) {
		const struct gn_relay_svc *w = wanted(v, n, r->ls[i]->port);

		if (!w) {
			relay_listener_close(r, r->ls[i], true);
			continue;
		}
		r->ls[i]->to = w->to;
		r->ls[i]->to_port = w->to_port;
		if (r->ls[i]->fd < 0)
			open_listener(r, r->ls[i]);   /* the port may be free now */
		r->ls[kept++] = r->ls[i];
	}
	r->n_ls = kept;
	for (size_t i = 0; i < n; i++) {
		struct relay_listener *l, **ls;
		bool have = kept && bsearch(&v[i].port, r->ls, kept, sizeof *r->ls, ls_port);

		if (have || !(l = calloc(1, sizeof *l)) || !(ls = realloc(r->ls, (r->n_ls + 1) * sizeof *ls))) {
			if (!have)
				log_warnx("relay: out of memory for [::1]:%u", v[i].port);
			continue;
		}
		r->ls = ls;
		l->port = v[i].port;
		l->to = v[i].to;
		l->to_port = v[i].to_port;
		open_listener(r, l);
		r->ls[r->n_ls++] = l;
	}
	if (r->n_ls > kept)
		qsort(r->ls, r->n_ls, sizeof *r->ls, ls_cmp);
	report_over(r);
	/* What the store gave back and nothing wants any more. */
	for (size_t i = 0; i < r->n_spare; i++) {
		struct relay_listener gone = { .fd = r->spare[i], .port = loopback_port(r->spare[i]) };

		close(gone.fd);
		if (gone.port)
			store(&gone, false);
	}
	r->n_spare = 0;
	r->synced = true;
}

/* Where port is in r->ls, or would go. */
static size_t ls_at(const struct gn_relay *r, uint16_t port, bool *found)
{
	size_t lo = 0, hi = r->n_ls;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->ls[mid]->port < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < r->n_ls && r->ls[lo]->port == port;
	return lo;
}

static void change_one(struct gn_relay *r, const struct gn_relay_change *c)
{
	bool found;
	size_t at = ls_at(r, c->s.port, &found);
	struct relay_listener *l, **ls;

	if (found && c->gone) {
		relay_listener_close(r, r->ls[at], true);
		memmove(&r->ls[at], &r->ls[at + 1], (r->n_ls - at - 1) * sizeof *r->ls);
		r->n_ls--;
	} else if (found) {
		r->ls[at]->to = c->s.to;
		r->ls[at]->to_port = c->s.to_port;
	} else if (!c->gone) {
		if (!(l = calloc(1, sizeof *l)) || !(ls = realloc(r->ls, (r->n_ls + 1) * sizeof *ls))) {
			log_warnx("relay: out of memory for [::1]:%u", c->s.port);
			free(l);
			return;
		}
		r->ls = ls;
		l->port = c->s.port;
		l->to = c->s.to;
		l->to_port = c->s.to_port;
		open_listener(r, l);
		memmove(&r->ls[at + 1], &r->ls[at], (r->n_ls - at) * sizeof *r->ls);
		r->ls[at] = l;
		r->n_ls++;
	}
}

/* The listening sockets changed port by port: a change of one endpoint
 * costs its ports, not a walk of the 40,000 a host may publish.  They are
 * all walked, as relay_apply does, only when a port not served may be
 * now: one that could not be taken (another program may have let it go),
 * or one over the limit once a descriptor is free. */
void relay_apply_changes(struct gn_relay *r, const struct gn_relay_change *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		change_one(r, &v[i]);
	if (r->n_failed || (r->n_ls > r->n_open + r->n_failed && r->n_open < r->max_listeners))
		for (size_t i = 0; i < r->n_ls; i++)
			if (r->ls[i]->fd < 0)
				open_listener(r, r->ls[i]);
	report_over(r);
}
