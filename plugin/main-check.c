/*
 * Why a thread: on a host with 1,000 networks the check takes seconds
 * (6,000 state files read, rtnetlink and nf_tables dumps, the whole table
 * built and compared), and
 * Docker waits for the plugin's handshake before anything else; a
 * restarted guardnetd should be found at once (issue 17).  The thread is
 * the only one touching the driver and the kernel until it is joined: the
 * main thread meanwhile answers only the handshake, which reads neither,
 * and suspends the rest.  Nothing changes in the kernel before the check
 * is done, so what is open is what was open while guardnetd was down.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"
#include "main-check.h"

struct check {
	struct gn_driver *d;
	int (*load)(struct gn_driver *d, void *arg);
	void *arg;
	struct gn_err err;
	int loaded;     /* load's result */
	int rc;
	int done;       /* eventfd: the thread's work is over */
};

static void *check_run(void *arg)
{
	struct check *c = arg;
	uint64_t one = 1;

	c->loaded = c->load(c->d, c->arg);
	if (c->loaded == 0)
		c->rc = driver_reconcile(c->d, &c->err);
	if (write(c->done, &one, sizeof one) != sizeof one)
		log_warn("start-up check: eventfd");
	return NULL;
}

static int watch(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static void read_signals(int sigfd, bool *quit)
{
	struct signalfd_siginfo si;

	while (read(sigfd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGHUP)
			continue;
		log_info("%s: shutting down once the start-up check is done", strsignal((int)si.ssi_signo));
		*quit = true;
	}
}

/* Serves the handshake until the thread says it is done. */
static void answer_meanwhile(struct gn_http *http, int ep, int sigfd, int done, bool *quit)
{
	for (bool over = false; !over;) {
		struct epoll_event evs[4];
		int timeout = http_timeout_ms(http), n;

		if (timeout < 0 || timeout > 1000)
			timeout = 1000;
		n = epoll_wait(ep, evs, 4, timeout);
		if (n < 0 && errno != EINTR) {
			log_warn("epoll_wait");
			n = 0;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == done)
				over = true;
			if (evs[i].data.fd == sigfd)
				read_signals(sigfd, quit);
		}
		http_run(http);
	}
}

int main_check(struct gn_http *http, int sigfd, struct gn_driver *d, int (*load)(struct gn_driver *d, void *arg),
	       void *arg, bool *quit)
{
	struct check c = { .d = d, .load = load, .arg = arg, .done = eventfd(0, EFD_CLOEXEC) };
	int ep = epoll_create1(EPOLL_CLOEXEC);
	pthread_t t;
	size_t held;

	http_hold(http);
	if (c.done < 0 || ep < 0 || watch(ep, c.done) < 0 || watch(ep, http_fd(http)) < 0 || watch(ep, sigfd) < 0 ||
	    (errno = pthread_create(&t, NULL, check_run, &c)) != 0) {
		/* Without a thread, as before: Docker waits for the check. */
		log_warn("start-up check: no thread, checking first");
		c.loaded = load(d, arg);
		if (c.loaded == 0)
			c.rc = driver_reconcile(d, &c.err);
	} else {
		answer_meanwhile(http, ep, sigfd, c.done, quit);
		pthread_join(t, NULL);
	}
	if (ep >= 0)
		close(ep);
	if (c.done >= 0)
		close(c.done);
	if (c.loaded < 0)
		return -1;
	if (c.rc < 0)
		log_warnx("reconcile: %s; serving anyway, the next change retries", c.err.msg);
	/* Said before the held requests go on: their answers come from
	 * microhttpd's thread, and a CreateNetwork that adds no rule is
	 * answered within a millisecond or two. */
	log_info("kernel state checked: %zu networks, %zu endpoints", d->st.nets.live, d->st.eps.live);
	held = http_release(http);
	if (held)
		log_debug("start-up check: %zu requests waited for it", held);
	return 0;
}
