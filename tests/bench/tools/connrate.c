/*
 * New TCP connections, counted (figure 10, tests/bench/ufw.sh):
 *
 *   connrate serve PORT
 *       Accepts connections on PORT (IPv4) and closes them at once, in
 *       two threads.  Built with gcc -static so that it runs in an image
 *       of its own.
 *
 *   connrate rate SRC ADDR PORT SECONDS THREADS
 *       THREADS threads each connect from SRC to ADDR:PORT, wait for the
 *       handshake and close with a reset (no TIME_WAIT to run out of
 *       ports), over and over for SECONDS.  Every connection is a new one
 *       for the firewall, so each pays for its rule sets once; no byte is
 *       sent.  Prints "conns=N per_s=R failed=F" (failed: refused, or no
 *       answer within 1 s).
 *
 *   connrate open LIMIT_MS SRC ADDR PORT... -- COMMAND...
 *       Runs COMMAND and, from its start, tries every 2 ms to connect from
 *       SRC to each PORT that has not yet taken a connection (a try waits
 *       20 ms for the handshake).  Prints "cmd_ms=C" and "PORT_ms=T" for
 *       each port: when COMMAND exited and when the port first took a
 *       connection, from COMMAND's start.  Exits 1 when COMMAND fails or
 *       LIMIT_MS passes first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TRY_EVERY_US 2000
#define TRY_WAIT_MS 20
#define RATE_WAIT_MS 1000

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int addr4(const char *host, int port, struct sockaddr_in *a)
{
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -EINVAL;
}

static void *acceptor(void *arg)
{
	int lfd = *(int *)arg;

	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

static int serve(int port)
{
	struct sockaddr_in a;
	pthread_t t;
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);

	addr4("0.0.0.0", port, &a);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 4096) < 0) {
		perror("connrate serve");
		return 2;
	}
	pthread_create(&t, NULL, acceptor, &lfd);
	acceptor(&lfd);
	return 0;
}

/* One connection from src to dst; true once the handshake completed
 * within wait_ms.  Closed with a reset. */
static bool connect_once(const struct sockaddr_in *src, const struct sockaddr_in *dst, int wait_ms)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct pollfd p;
	int err = 0, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	socklen_t len = sizeof err;
	bool ok = false;

	if (fd < 0)
		return false;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	if (bind(fd, (const struct sockaddr *)src, sizeof *src) < 0)
		goto out;
	if (connect(fd, (const struct sockaddr *)dst, sizeof *dst) < 0 && errno != EINPROGRESS)
		goto out;
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&p, 1, wait_ms) != 1)
		goto out;
	ok = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
out:
	close(fd);
	return ok;
}

struct rater {
	pthread_t t;
	struct sockaddr_in src, dst;
	double until;
	long conns, failed;
};

static void *rate_thread(void *arg)
{
	struct rater *r = arg;

	while (now_ms() < r->until) {
		if (connect_once(&r->src, &r->dst, RATE_WAIT_MS))
			r->conns++;
		else
			r->failed++;
	}
	return NULL;
}

static int rate(const char *src, const char *host, int port, double secs, int threads)
{
	struct rater r[threads];
	long conns = 0, failed = 0;
	double t0 = now_ms();

	for (int i = 0; i < threads; i++) {
		r[i] = (struct rater){ .until = t0 + secs * 1e3 };
		if (addr4(src, 0, &r[i].src) < 0 || addr4(host, port, &r[i].dst) < 0) {
			fprintf(stderr, "connrate: bad address %s or %s\n", src, host);
			return 2;
		}
		pthread_create(&r[i].t, NULL, rate_thread, &r[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(r[i].t, NULL);
		conns += r[i].conns;
		failed += r[i].failed;
	}
	printf("conns=%ld per_s=%.0f failed=%ld\n", conns, conns / ((now_ms() - t0) / 1e3), failed);
	return 0;
}

static int open_mode(double limit, const char *src, const char *host, char **ports, int n, char **cmd)
{
	struct sockaddr_in s, d[n];
	double opened[n], t0, cmd_ms = -1;
	int left = n, status;
	pid_t pid;

	if (addr4(src, 0, &s) < 0)
		return 2;
	for (int i = 0; i < n; i++) {
		opened[i] = -1;
		if (addr4(host, atoi(ports[i]), &d[i]) < 0)
			return 2;
	}
	t0 = now_ms();
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execvp(cmd[0], cmd);
		perror(cmd[0]);
		_exit(127);
	}
	while (cmd_ms < 0 || left > 0) {
		if (now_ms() - t0 > limit) {
			fprintf(stderr, "connrate: %d port(s) still closed after %.0f ms\n", left, limit);
			if (cmd_ms < 0)
				kill(pid, SIGKILL);
			return 1;
		}
		if (cmd_ms < 0 && waitpid(pid, &status, WNOHANG) == pid) {
			cmd_ms = now_ms() - t0;
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				fprintf(stderr, "connrate: %s failed\n", cmd[0]);
				return 1;
			}
		}
		for (int i = 0; i < n; i++)
			if (opened[i] < 0 && connect_once(&s, &d[i], TRY_WAIT_MS)) {
				opened[i] = now_ms() - t0;
				left--;
			}
		usleep(TRY_EVERY_US);
	}
	printf("cmd_ms=%.1f", cmd_ms);
	for (int i = 0; i < n; i++)
		printf(" %s_ms=%.1f", ports[i], opened[i]);
	printf("\n");
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: connrate serve PORT\n"
			"       connrate rate SRC ADDR PORT SECONDS THREADS\n"
			"       connrate open LIMIT_MS SRC ADDR PORT... -- COMMAND...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int dash = 0;

	signal(SIGPIPE, SIG_IGN);
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]));
	if (argc == 7 && !strcmp(argv[1], "rate"))
		return rate(argv[2], argv[3], atoi(argv[4]), atof(argv[5]), atoi(argv[6]));
	for (int i = 1; i < argc && !dash; i++)
		if (!strcmp(argv[i], "--"))
			dash = i;
	if (argc > 7 && !strcmp(argv[1], "open") && dash > 5 && dash < argc - 1)
		return open_mode(atof(argv[2]), argv[3], argv[4], argv + 5, dash - 5, argv + dash + 1);
	usage();
	return 2;
}
