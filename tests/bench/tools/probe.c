/*
 * Timing probe for the benchmarks.  It runs a command and watches the
 * network while the command runs, at millisecond granularity:
 *
 *   probe http LIMIT_MS ADDR PORT... -- COMMAND...
 *       Time from starting COMMAND until it has exited and every PORT on
 *       ADDR answers an HTTP GET with status 200.  Prints "cmd_ms=C
 *       ready_ms=R".  The GETs start when COMMAND (docker run -d) has
 *       exited: a GET sent before the container's interface is up makes
 *       the host resolve the container's address in vain, and the kernel
 *       asks again only a second later (found by this probe: ~1 s added to
 *       both drivers).  Then one GET every HTTP_EVERY_US, the ports in
 *       turn.
 *
 *   probe udp LIMIT_MS ADDR PORT -- COMMAND...
 *       Sends a datagram from a fresh socket (a new flow, so a new
 *       connection for the firewall) every 0.5 ms to a UDP echo server and
 *       notes which were answered.  Runs COMMAND once answers flow, and
 *       stops when COMMAND has exited and the last 100 ms of datagrams were
 *       all answered.  An outage is a run of unanswered datagrams: from the
 *       sending of its first to the answer of the next answered one.
 *       Prints "cmd_ms=C outages=N longest_ms=L total_ms=T".
 *
 * Times are CLOCK_MONOTONIC, relative to the start of COMMAND.  Exits 1 when
 * LIMIT_MS passes first or COMMAND fails, 2 on usage or system errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HTTP_EVERY_US 5000
#define SEND_EVERY_US 500
/* Below the kernel's first TCP SYN retransmission (1 s); no echo on a veth
 * takes that long unless it was dropped. */
#define GIVE_UP_MS 900
#define SETTLED_MS 100

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int parse_addr(const char *host, const char *port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	int p = atoi(port);

	memset(ss, 0, sizeof *ss);
	if (p < 1 || p > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(p);
		*len = sizeof *a4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(p);
		*len = sizeof *a6;
		return 0;
	}
	return -EINVAL;
}

static pid_t start(char **argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* What the command prints (a container ID) is not ours to print. */
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	return pid;
}

/* The command being timed: started at t0, ran ms once it exited. */
struct run {
	pid_t pid;
	const char *name;
	double t0, ms;
	bool exited;
};

static void run_start(struct run *r, char **cmd)
{
	*r = (struct run){ .name = cmd[0], .t0 = now_ms(), .ms = -1 };
	r->pid = start(cmd);
}

/* Notes the command's exit.  -1, said on stderr, when it failed or when
 * limit ms have passed (late: what was still missing then). */
static int run_poll(struct run *r, double limit, const char *late)
{
	int status;

	if (now_ms() - r->t0 > limit) {
		fprintf(stderr, "probe: %s after %.0f ms\n", late, limit);
		if (!r->exited)
			kill(r->pid, SIGKILL);
		return -1;
	}
	if (r->exited || waitpid(r->pid, &status, WNOHANG) != r->pid)
		return 0;
	r->exited = true;
	r->ms = now_ms() - r->t0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fprintf(stderr, "probe: %s failed\n", r->name);
	return -1;
}

/* One GET; true when the answer starts with a 200 status line. */
static bool http_ok(const struct sockaddr_storage *ss, socklen_t len)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	char buf[64];
	size_t got = 0;
	struct pollfd p;
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	bool ok = false;

	if (fd < 0)
		return false;
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (connect(fd, (const struct sockaddr *)ss, len) < 0 && errno != EINPROGRESS)
		goto out;
	/* A SYN dropped on its way (a port not published yet) is not waited
	 * for: the next try comes soon. */
	if (poll(&p, 1, 20) != 1 || (p.revents & (POLLERR | POLLHUP)))
		goto out;
	if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)sizeof req - 1)
		goto out;
	p.events = POLLIN;
	while (got < 12 && poll(&p, 1, 1000) == 1) {
		ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	ok = got >= 12 && !strncmp(buf, "HTTP/1.", 7) && !strncmp(buf + 9, "200", 3);
out:
	close(fd);
	return ok;
}

static int http_mode(double limit, const char *host, char **ports, int n, char **cmd)
{
	struct sockaddr_storage ss[n];
	socklen_t len[n];
	bool done[n];
	int left = n;
	double ready_ms = -1;
	struct run run;
	char late[64];

	for (int i = 0; i < n; i++) {
		done[i] = false;
		if (parse_addr(host, ports[i], &ss[i], &len[i]) < 0) {
			fprintf(stderr, "probe: bad address %s port %s\n", host, ports[i]);
			return 2;
		}
	}
	run_start(&run, cmd);
	while (!run.exited || left > 0) {
		if (!run.exited)
			usleep(1000);
		snprintf(late, sizeof late, "%d port(s) still silent", left);
		if (run_poll(&run, limit, late) < 0)
			return 1;
		/* The first port still silent; once it answers, the next at once. */
		for (int i = 0; run.exited && i < n; i++) {
			if (done[i])
				continue;
			if (!http_ok(&ss[i], len[i]))
				break;
			done[i] = true;
			if (--left == 0)
				ready_ms = now_ms() - run.t0;
		}
		if (run.exited && left > 0)
			usleep(HTTP_EVERY_US);
	}
	printf("cmd_ms=%.1f ready_ms=%.1f\n", run.ms, ready_ms);
	return 0;
}

struct shot {
	int fd;
	double sent, answered; /* answered < 0: not (yet) */
};

struct shots {
	struct shot *v;
	size_t n, cap, open_from; /* shots before open_from are settled */
};

static int fire(struct shots *s, const struct sockaddr_storage *ss, socklen_t len)
{
	struct shot *x;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4096;
		struct shot *v = realloc(s->v, cap * sizeof *v);

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	x = &s->v[s->n];
	x->fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	x->sent = now_ms();
	x->answered = -1;
	if (x->fd < 0)
		return -errno;
	/* A datagram refused by the kernel (no route, ICMP) counts as lost. */
	if (connect(x->fd, (const struct sockaddr *)ss, len) < 0 || send(x->fd, "probe", 5, 0) < 0) {
		close(x->fd);
		x->fd = -1;
	}
	s->n++;
	return 0;
}

/* Collects answers and closes the shots that have had their chance. */
static void collect(struct shots *s)
{
	double t = now_ms();
	char buf[64];

	for (size_t i = s->open_from; i < s->n; i++) {
		struct shot *x = &s->v[i];

		if (x->fd < 0)
			continue;
		if (recv(x->fd, buf, sizeof buf, 0) > 0)
			x->answered = now_ms();
		if (x->answered >= 0 || t - x->sent > GIVE_UP_MS) {
			close(x->fd);
			x->fd = -1;
		}
	}
	while (s->open_from < s->n && s->v[s->open_from].fd < 0)
		s->open_from++;
}

/* The last shots sent since `since`, SETTLED_MS worth, were all answered. */
static bool settled(const struct shots *s, double since)
{
	double t = now_ms();
	size_t i = s->n;

	if (t - since < SETTLED_MS)
		return false;
	while (i > 0 && s->v[i - 1].sent > t - SETTLED_MS - 5)
		i--;
	for (; i < s->n; i++)
		if (s->v[i].sent < t - 5 && s->v[i].answered < 0)
			return false;
	return s->n > 0;
}

static int udp_mode(double limit, const char *host, const char *port, char **cmd)
{
	struct sockaddr_storage ss;
	struct shots s = { 0 };
	socklen_t len;
	struct run run;
	double begin = now_ms(), longest = 0, total = 0;
	size_t first = 0;
	int outages = 0;

	if (parse_addr(host, port, &ss, &len) < 0) {
		fprintf(stderr, "probe: bad address %s port %s\n", host, port);
		return 2;
	}
	/* Until answers flow, nothing is timed. */
	for (;;) {
		if (fire(&s, &ss, len) < 0)
			return 2;
		usleep(SEND_EVERY_US);
		collect(&s);
		if (s.n > 0 && s.v[s.n - 1].answered >= 0)
			break;
		if (now_ms() - begin > 2000) {
			fprintf(stderr, "probe: no answer from %s port %s before the command\n", host, port);
			return 1;
		}
	}
	/* Let the last shots drain, then start afresh with the command. */
	usleep(10000);
	collect(&s);
	first = s.n;
	run_start(&run, cmd);
	while (!run.exited || !settled(&s, run.t0 + run.ms)) {
		if (run_poll(&run, limit, "answers had not come back") < 0)
			return 1;
		if (fire(&s, &ss, len) < 0)
			return 2;
		usleep(SEND_EVERY_US);
		collect(&s);
	}
	for (size_t i = first; i < s.n; i++) {
		size_t j = i;

		if (s.v[i].answered >= 0)
			continue;
		while (j < s.n && s.v[j].answered < 0)
			j++;
		if (j == s.n)
			break;
		double d = s.v[j].answered - s.v[i].sent;

		outages++;
		total += d;
		if (d > longest)
			longest = d;
		i = j;
	}
	printf("cmd_ms=%.1f outages=%d longest_ms=%.1f total_ms=%.1f\n", run.ms, outages, longest, total);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: probe http LIMIT_MS ADDR PORT... -- COMMAND...\n"
			"       probe udp LIMIT_MS ADDR PORT -- COMMAND...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	int dash = 0;

	for (int i = 1; i < argc && !dash; i++)
		if (!strcmp(argv[i], "--"))
			dash = i;
	if (argc < 6 || !dash || dash == argc - 1 || dash < 5)
		usage();
	/* Up to GIVE_UP_MS / SEND_EVERY_US sockets are open at once. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (!strcmp(argv[1], "http"))
		return http_mode(atof(argv[2]), argv[3], argv + 4, dash - 4, argv + dash + 1);
	if (!strcmp(argv[1], "udp") && dash == 5)
		return udp_mode(atof(argv[2]), argv[3], argv[4], argv + dash + 1);
	usage();
	return 2;
}
