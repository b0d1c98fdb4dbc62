/*
 * The relay's thread (relay.h).  The main loop hands over the wanted ports
 * (relay_set) or the ports that changed (relay_change) under a lock and
 * wakes the thread with an eventfd; the thread makes its listening sockets
 * match (relay-listen.c), and relays connections (relay-conn.c) in
 * between.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "relay-int.h"
#include "relay.h"

static void wake_up(struct gn_relay *r, bool *stop)
{
	struct gn_relay_svc *v = NULL;
	struct gn_relay_change *delta;
	uint64_t count;
	size_t n = 0, n_delta;
	bool changed;

	if (read(r->wake, &count, sizeof count) < 0 && errno != EAGAIN)
		log_warn("relay: eventfd");
	pthread_mutex_lock(&r->lock);
	changed = r->changed;
	if (changed) {
		v = r->want;
		n = r->n_want;
		r->want = NULL;
		r->n_want = 0;
		r->changed = false;
	}
	delta = r->delta;
	n_delta = r->n_delta;
	r->delta = NULL;
	r->n_delta = 0;
	*stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	if (changed && !*stop)
		relay_apply(r, v, n);
	if (n_delta && !*stop)
		relay_apply_changes(r, delta, n_delta);
	free(v);
	free(delta);
}

static void *run(void *arg)
{
	struct gn_relay *r = arg;
	bool stop = false;

	while (!stop) {
		struct epoll_event evs[64];
		int n = epoll_wait(r->ep, evs, 64, -1);
		bool woken = false;

		if (n < 0 && errno != EINTR) {
			log_warn("relay: epoll_wait");
			break;
		}
		for (int i = 0; i < n; i++) {
			struct relay_ev *ev = evs[i].data.ptr;

			switch (ev->kind) {
			case RELAY_WAKE:
				woken = true;
				break;
			case RELAY_LISTEN:
				relay_accept(r, ev->obj);
				break;
			case RELAY_CLIENT:
			case RELAY_SERVER:
				relay_conn_event(r, ev->kind == RELAY_CLIENT ? &((struct relay_conn *)ev->obj)->client
									   : &((struct relay_conn *)ev->obj)->server,
						 evs[i].events);
				break;
			}
		}
		/* Once the batch is handled: the ports handed over may close
		 * (and free) listeners whose events are in it. */
		if (woken)
			wake_up(r, &stop);
		relay_conns_reap(r);
	}
	return NULL;
}

int relay_start(struct gn_relay **ret, const int *inherited, size_t n_inherited, unsigned max_conns,
		size_t max_listeners, struct gn_err *err)
{
	struct gn_relay *r = calloc(1, sizeof *r);
	struct epoll_event e = { .events = EPOLLIN };
	int rc;

	if (!r || (n_inherited && !(r->spare = malloc(n_inherited * sizeof *r->spare)))) {
		free(r);
		return gn_errf(err, -ENOMEM, "relay: out of memory");
	}
	if (n_inherited)
		memcpy(r->spare, inherited, n_inherited * sizeof *inherited);
	r->n_spare = n_inherited;
	r->max_conns = max_conns;
	r->max_listeners = max_listeners;
	r->wake_ev = (struct relay_ev){ RELAY_WAKE, r };
	e.data.ptr = &r->wake_ev;
	pthread_mutex_init(&r->lock, NULL);
	r->pipe[0] = r->pipe[1] = -1;
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	r->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->ep < 0 || r->wake < 0 || epoll_ctl(r->ep, EPOLL_CTL_ADD, r->wake, &e) < 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = relay_pipe_open(r)) < 0)
		goto fail;
	if ((rc = -pthread_create(&r->thread, NULL, run, r)) < 0)
		goto fail;
	*ret = r;
	return 0;
fail:
	if (r->pipe[0] >= 0)
		relay_pipe_close(r);
	if (r->ep >= 0)
		close(r->ep);
	if (r->wake >= 0)
		close(r->wake);
	free(r->spare);
	free(r);
	return gn_errf(err, rc, "relay: cannot start its thread: %s", strerror(-rc));
}

static void poke(struct gn_relay *r)
{
	uint64_t one = 1;

	if (write(r->wake, &one, sizeof one) < 0 && errno != EAGAIN)
		log_warn("relay: eventfd");
}

int relay_set(struct gn_relay *r, const struct gn_relay_svc *v, size_t n)
{
	struct gn_relay_svc *copy = n ? malloc(n * sizeof *copy) : NULL;

	if (n && !copy)
		return -ENOMEM;
	if (n)
		memcpy(copy, v, n * sizeof *copy);
	pthread_mutex_lock(&r->lock);
	free(r->want);
	r->want = copy;
	r->n_want = n;
	r->changed = true;
	/* Changes handed over before the list are in it. */
	free(r->delta);
	r->delta = NULL;
	r->n_delta = 0;
	pthread_mutex_unlock(&r->lock);
	poke(r);
	return 0;
}

int relay_change(struct gn_relay *r, const struct gn_relay_change *v, size_t n)
{
	struct gn_relay_change *d;

	if (!n)
		return 0;
	pthread_mutex_lock(&r->lock);
	d = realloc(r->delta, (r->n_delta + n) * sizeof *d);
	if (d) {
		memcpy(d + r->n_delta, v, n * sizeof *d);
		r->delta = d;
		r->n_delta += n;
	}
	pthread_mutex_unlock(&r->lock);
	if (!d)
		return -ENOMEM;
	poke(r);
	return 0;
}

void relay_stop(struct gn_relay *r, bool forget)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_mutex_unlock(&r->lock);
	poke(r);
	pthread_join(r->thread, NULL);
	relay_conns_close(r);
	for (size_t i = 0; i < r->n_ls; i++)
		relay_listener_close(r, r->ls[i], forget);
	for (size_t i = 0; i < r->n_spare; i++)
		close(r->spare[i]);
	free(r->ls);
	free(r->spare);
	free(r->want);
	free(r->delta);
	relay_pipe_close(r);
	close(r->ep);
	close(r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
