/*
 * The host ends of veth pairs whose endpoints are gone, deleted on a thread
 * of their own.  Deleting a link returns only after the kernel's
 * rcu_barrier (netdev_run_todo, once RTNL is released), tens of
 * milliseconds on a busy host: on the event loop that wait fell on
 * whichever request came next, the next container's CreateEndpoint most
 * often (issue 17, point 2).  The pair carries nothing by then: the
 * endpoint's elements left the firewall before (driver-apply.c).
 *
 * A link waiting here keeps its name until it is deleted, so making a link
 * of that name waits for it (kernel_reap_wait), and start-up's repair waits
 * for all of them.  The thread has a socket of its own and starts with the
 * first deletion; when it cannot, deletions happen on the caller's thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel-int.h"
#include "log.h"

static void *run(void *arg)
{
	struct kernel_reap *q = arg;
	char name[GN_IFNAME_MAX + 1];
	struct gn_err err;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->n && !q->quit)
			pthread_cond_wait(&q->work, &q->lock);
		if (!q->n)
			break;
		/* Oldest first: kernel_reap_wait's callers wait for a name,
		 * and tests for the order. */
		memcpy(name, q->names[0], sizeof name);
		memmove(q->names, q->names + 1, --q->n * sizeof *q->names);
		memcpy(q->doing, name, sizeof name);
		pthread_mutex_unlock(&q->lock);
		if (nl_link_delete(q->nl, name, &err) < 0)
			log_warnx("%s", err.msg);
		pthread_mutex_lock(&q->lock);
		q->doing[0] = '\0';
		pthread_cond_broadcast(&q->done);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

static bool start(struct kernel_reap *q)
{
	struct gn_err err;

	if (q->running)
		return true;
	if (q->failed)
		return false;
	if (nl_open(&q->nl, &err) < 0) {
		log_warnx("deleting links on the event loop: %s", err.msg);
		q->failed = true;
		return false;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->done, NULL);
	if ((errno = pthread_create(&q->thread, NULL, run, q)) != 0) {
		log_warn("deleting links on the event loop: no thread");
		pthread_cond_destroy(&q->done);
		pthread_cond_destroy(&q->work);
		pthread_mutex_destroy(&q->lock);
		nl_close(q->nl);
		q->nl = NULL;
		q->failed = true;
		return false;
	}
	q->running = true;
	return true;
}

static void delete_here(struct gn_kernel *k, const char *name)
{
	struct gn_err err;

	if (nl_link_delete(k->nl, name, &err) < 0)
		log_warnx("%s", err.msg);
}

void kernel_reap(struct gn_kernel *k, const char *name)
{
	struct kernel_reap *q = &k->reap;

	if (!start(q)) {
		delete_here(k, name);
		return;
	}
	pthread_mutex_lock(&q->lock);
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 16;
		void *p = realloc(q->names, cap * sizeof *q->names);

		if (!p) {
			pthread_mutex_unlock(&q->lock);
			delete_here(k, name);
			return;
		}
		q->names = p;
		q->cap = cap;
	}
	snprintf(q->names[q->n++], sizeof q->names[0], "%s", name);
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->lock);
}

static bool waiting(const struct kernel_reap *q, const char *name)
{
	if (!name)
		return q->n || q->doing[0];
	if (!strcmp(q->doing, name))
		return true;
	for (size_t i = 0; i < q->n; i++)
		if (!strcmp(q->names[i], name))
			return true;
	return false;
}

/* Takes name out of the queue if it is there, not yet being deleted. */
static bool unqueue(struct kernel_reap *q, const char *name)
{
	for (size_t i = 0; i < q->n; i++)
		if (!strcmp(q->names[i], name)) {
			memmove(q->names + i, q->names + i + 1, (q->n - i - 1) * sizeof *q->names);
			q->n--;
			return true;
		}
	return false;
}

void kernel_reap_wait(struct gn_kernel *k, const char *name)
{
	struct kernel_reap *q = &k->reap;
	bool mine;

	if (!q->running)
		return;
	pthread_mutex_lock(&q->lock);
	/* A name still in the queue is deleted here rather than after every
	 * deletion before it (tens of milliseconds each). */
	mine = name && unqueue(q, name);
	while (!mine && waiting(q, name))
		pthread_cond_wait(&q->done, &q->lock);
	pthread_mutex_unlock(&q->lock);
	if (mine)
		delete_here(k, name);
}

void kernel_reap_stop(struct gn_kernel *k)
{
	struct kernel_reap *q = &k->reap;

	if (q->running) {
		pthread_mutex_lock(&q->lock);
		q->quit = true;
		pthread_cond_signal(&q->work);
		pthread_mutex_unlock(&q->lock);
		pthread_join(q->thread, NULL);
		pthread_cond_destroy(&q->done);
		pthread_cond_destroy(&q->work);
		pthread_mutex_destroy(&q->lock);
		nl_close(q->nl);
		q->running = false;
	}
	free(q->names);
	q->names = NULL;
	q->n = q->cap = 0;
}
