/*
 * The xtables lock, waited for as iptables 1.8.9 waits: blocked in
 * flock(LOCK_EX) among the other waiters (dockerd's iptables calls among
 * them), whom a release wakes.  A program that polls with LOCK_NB finds it
 * free only when nobody waits, so on a host that runs iptables back to
 * back it starved until its deadline (CI of fc7952e: legacy-docker's
 * periodic check gave up after 3 s beside another host's dockerd).
 *
 * A timer signal to the waiting thread at the deadline ends the wait.
 * Not before: each interruption leaves the waiters, and one woken by a
 * release but interrupted before it runs loses that turn (with ticks every
 * 50 ms, legacy-docker@28 under load lost every turn for 3 s to four
 * processes taking the lock).  After the deadline the timer ticks every
 * LOCK_TICK_MS, for a signal that came before flock slept.  The timer is
 * the thread's own (SIGEV_THREAD_ID): other threads' syscalls are never
 * interrupted, and a tick still pending when the timer is deleted is
 * delivered as that call returns, before anything else could see EINTR.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fw-ipt-lock.h"

#define LOCK_TICK_MS 100

static void lock_tick(int sig)
{
	(void)sig;
}

static int handler_status;

/* No SA_RESTART: the tick must end the blocked flock. */
static void install_handler(void)
{
	struct sigaction sa = { .sa_handler = lock_tick };

	sigemptyset(&sa.sa_mask);
	handler_status = sigaction(SIGALRM, &sa, NULL) < 0 ? -errno : 0;
}

static bool past(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > end->tv_sec || (now.tv_sec == end->tv_sec && now.tv_nsec >= end->tv_nsec);
}

/* Blocked in flock until it is had or the timer's signal comes after end. */
static int wait_until(int fd, const struct timespec *end)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGALRM };
	struct itimerspec tick = { .it_value = *end, .it_interval = { 0, LOCK_TICK_MS * 1000000L } };
	sigset_t alrm, mask;
	timer_t timer;
	int r;

	pthread_once(&once, install_handler);
	if (handler_status < 0)
		return handler_status;
	/* glibc 2.36 names the field only as _sigev_un._tid. */
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) < 0)
		return -errno;
	/* A thread may block signals it does not expect; this one it needs. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alrm, &mask);
	timer_settime(timer, TIMER_ABSTIME, &tick, NULL);
	while ((r = flock(fd, LOCK_EX) < 0 ? -errno : 0) == -EINTR && !past(end))
		;
	timer_delete(timer);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	return r == -EINTR ? -EWOULDBLOCK : r;
}

int fw_ipt_legacy_lock(const char *path, int wait_ms)
{
	int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600), r;
	struct timespec end;

	if (fd < 0)
		return -errno;
	r = flock(fd, LOCK_EX | LOCK_NB) < 0 ? -errno : 0;
	if (r == -EWOULDBLOCK && wait_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += wait_ms / 1000;
		end.tv_nsec += (wait_ms % 1000) * 1000000L;
		if (end.tv_nsec >= 1000000000L) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000L;
		}
		r = wait_until(fd, &end);
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}
