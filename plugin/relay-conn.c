/*
 * One relayed connection: the client on [::1], the container at the other
 * end.  Bytes move from one end to the other with splice(2) through one
 * pipe the relay shares between all connections, so they are never copied
 * into guardnetd; what the other end does not take at once moves on into a
 * pipe of that end's own (relay_side.pipe), and the end that sent it is
 * not read again until it is delivered, so a slow reader slows its writer
 * instead of filling memory.  An end of stream becomes a shutdown of the
 * other end's writing side once everything before it is delivered; the
 * connection ends when both directions have.  A container that refuses is
 * a reset for the client, as the port would give it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include "log.h"
#include "relay-int.h"

/* epoll reports a hang-up whatever it is asked, so an end that has hung up
 * both ways and is not to be read now leaves the epoll set until it is. */
static void watch(struct gn_relay *r, struct relay_side *s, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = &s->ev };

	if (!events && s->shut) {
		if (!s->detached && epoll_ctl(r->ep, EPOLL_CTL_DEL, s->fd, NULL) == 0)
			s->detached = true;
		return;
	}
	if (s->detached) {
		if (epoll_ctl(r->ep, EPOLL_CTL_ADD, s->fd, &e) == 0) {
			s->detached = false;
			s->events = events;
		}
		return;
	}
	if (events != s->events && epoll_ctl(r->ep, EPOLL_CTL_MOD, s->fd, &e) == 0)
		s->events = events;
}

static struct relay_side *peer(struct relay_conn *c, struct relay_side *s)
{
	return s == &c->client ? &c->server : &c->client;
}

/* Reads s when what it sent last is delivered; writes s while it owes. */
static void rewatch(struct gn_relay *r, struct relay_conn *c)
{
	struct relay_side *a = &c->client, *b = &c->server;

	if (c->connecting)
		return;
	watch(r, a, (!a->eof && !b->pend_len ? EPOLLIN : 0) | (a->pend_len ? EPOLLOUT : 0));
	watch(r, b, (!b->eof && !a->pend_len ? EPOLLIN : 0) | (b->pend_len ? EPOLLOUT : 0));
}

/* Closed now, freed after the batch of events at hand (relay_conns_reap):
 * an event further on in the batch may still point at it. */
static void conn_close(struct gn_relay *r, struct relay_conn *c, bool reset)
{
	if (reset)
		setsockopt(c->client.fd, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 }, sizeof(struct linger));
	close(c->client.fd);
	close(c->server.fd);
	for (int i = 0; i < 2; i++) {
		if (c->client.pipe[i] >= 0)
			close(c->client.pipe[i]);
		if (c->server.pipe[i] >= 0)
			close(c->server.pipe[i]);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		r->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	r->n_conns--;
	c->dead = true;
	c->prev = NULL;
	c->next = r->dead;
	r->dead = c;
}

void relay_conns_reap(struct gn_relay *r)
{
	while (r->dead) {
		struct relay_conn *c = r->dead;

		r->dead = c->next;
		free(c);
	}
}

void relay_conns_close(struct gn_relay *r)
{
	while (r->conns)
		conn_close(r, r->conns, false);
	relay_conns_reap(r);
}

static void refuse(struct gn_relay *r, int fd)
{
	struct timespec now;

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 }, sizeof(struct linger));
	close(fd);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - r->refused_at >= 60) {
		r->refused_at = now.tv_sec;
		log_warnx("relay: %u connections to [::1] are open, the most it relays at once; refusing more",
			  r->max_conns);
	}
}

static int add_fd(struct gn_relay *r, struct relay_side *s, enum relay_ev_kind kind, struct relay_conn *c,
		  uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = &s->ev };

	s->ev = (struct relay_ev){ kind, c };
	s->events = events;
	return epoll_ctl(r->ep, EPOLL_CTL_ADD, s->fd, &e);
}

static void start(struct gn_relay *r, struct relay_listener *l, int cfd)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	struct relay_conn *c = calloc(1, sizeof *c);
	int sfd;

	if (!c) {
		refuse(r, cfd);
		return;
	}
	if (l->to.family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(l->to_port);
		memcpy(&a->sin_addr, l->to.a, 4);
		len = sizeof *a;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(l->to_port);
		memcpy(&a->sin6_addr, l->to.a, 16);
		len = sizeof *a;
	}
	sfd = socket(l->to.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sfd < 0 || (connect(sfd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)) {
		if (sfd >= 0)
			close(sfd);
		free(c);
		refuse(r, cfd);
		return;
	}
	c->client.fd = cfd;
	c->server.fd = sfd;
	c->client.pipe[0] = c->client.pipe[1] = c->server.pipe[0] = c->server.pipe[1] = -1;
	c->connecting = true;
	if (add_fd(r, &c->client, RELAY_CLIENT, c, 0) < 0 || add_fd(r, &c->server, RELAY_SERVER, c, EPOLLOUT) < 0) {
		epoll_ctl(r->ep, EPOLL_CTL_DEL, cfd, NULL);
		close(sfd);
		free(c);
		refuse(r, cfd);
		return;
	}
	c->next = r->conns;
	if (r->conns)
		r->conns->prev = c;
	r->conns = c;
	r->n_conns++;
}

void relay_accept(struct gn_relay *r, struct relay_listener *l)
{
	/* A few at a time, so one busy port does not starve the others. */
	for (int i = 0; i < 16; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
				log_warn("relay: accepting on [::1]:%u", l->port);
			return;
		}
		if (r->n_conns >= r->max_conns)
			refuse(r, fd);
		else
			start(r, l, fd);
	}
}

/* How much one read moves: a pipe's default capacity, so that what a
 * slow reader leaves always fits its own pipe. */
#define CHUNK 65536
#define SPLICE_FLAGS (SPLICE_F_MOVE | SPLICE_F_NONBLOCK)

int relay_pipe_open(struct gn_relay *r)
{
	return pipe2(r->pipe, O_NONBLOCK | O_CLOEXEC) < 0 ? -errno : 0;
}

void relay_pipe_close(struct gn_relay *r)
{
	close(r->pipe[0]);
	close(r->pipe[1]);
}

/* Empties the shared pipe of n bytes no one will take. */
static void discard(struct gn_relay *r, size_t n)
{
	while (n) {
		ssize_t k = read(r->pipe[0], r->scratch, n < sizeof r->scratch ? n : sizeof r->scratch);

		if (k <= 0)
			break;
		n -= (size_t)k;
	}
}

/* Sends what s owes; false when the connection broke.  Its pipe goes once
 * it is empty. */
static bool flush(struct relay_side *s)
{
	while (s->pend_len) {
		ssize_t n = splice(s->pipe[0], NULL, s->fd, NULL, s->pend_len, SPLICE_FLAGS);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		s->pend_len -= (size_t)n;
	}
	if (s->pipe[0] >= 0) {
		close(s->pipe[0]);
		close(s->pipe[1]);
		s->pipe[0] = s->pipe[1] = -1;
	}
	return true;
}

/* What from read goes to to; false when the connection broke.  The shared
 * pipe is empty again when this returns. */
static bool pass(struct gn_relay *r, struct relay_side *from, struct relay_side *to)
{
	ssize_t n = splice(from->fd, NULL, r->pipe[1], NULL, CHUNK, SPLICE_FLAGS), w;
	size_t left;

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
	if (n == 0) {
		from->eof = true;
		return true;
	}
	r->moved += (size_t)n;
	for (left = (size_t)n; left; left -= (size_t)w) {
		w = splice(r->pipe[0], NULL, to->fd, NULL, left, SPLICE_FLAGS);
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			discard(r, left);
			return false;
		}
		if (w <= 0)
			break;
	}
	if (!left)
		return true;
	/* to is full: the rest waits in a pipe of its own. */
	if ((to->pipe[0] < 0 && pipe2(to->pipe, O_NONBLOCK | O_CLOEXEC) < 0) ||
	    (w = splice(r->pipe[0], NULL, to->pipe[1], NULL, left, SPLICE_FLAGS)) != (ssize_t)left) {
		discard(r, left - (w > 0 ? (size_t)w : 0));
		return false;
	}
	to->pend_len = left;
	return true;
}

void relay_conn_event(struct gn_relay *r, struct relay_side *s, uint32_t events)
{
	struct relay_conn *c = s->ev.obj;
	struct relay_side *o = peer(c, s);
	bool ok = true;

	if (c->dead)
		return;
	if (c->connecting) {
		int err = 0;
		socklen_t len = sizeof err;

		/* The client gave up while the container was being reached. */
		if (s == &c->client) {
			if (events & (EPOLLHUP | EPOLLERR))
				conn_close(r, c, false);
			return;
		}
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			conn_close(r, c, true);
			return;
		}
		c->connecting = false;
		rewatch(r, c);
		return;
	}
	if (events & EPOLLERR) {
		conn_close(r, c, true);
		return;
	}
	if (events & EPOLLOUT)
		ok = flush(s);
	/* Several reads while the data keeps coming and the peer keeps
	 * taking it: one wake-up per read would cost more than the copy. */
	for (int i = 0; ok && i < 16 && (events & (EPOLLIN | EPOLLHUP)) && !s->eof && !o->pend_len; i++) {
		size_t before = r->moved;

		ok = pass(r, s, o);
		if (r->moved - before < CHUNK)
			break;
	}
	/* Hung up both ways: it takes nothing more either. */
	if (!ok || ((events & EPOLLHUP) && s->eof)) {
		conn_close(r, c, !ok);
		return;
	}
	/* An end of stream travels once everything before it has. */
	if (c->client.eof && !c->server.pend_len && !c->server.shut) {
		shutdown(c->server.fd, SHUT_WR);
		c->server.shut = true;
	}
	if (c->server.eof && !c->client.pend_len && !c->client.shut) {
		shutdown(c->client.fd, SHUT_WR);
		c->client.shut = true;
	}
	if (c->client.shut && c->server.shut) {
		conn_close(r, c, false);
		return;
	}
	rewatch(r, c);
}
