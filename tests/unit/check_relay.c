/* The relay (relay.c, relay-conn.c) with real sockets on this host's
 * loopback: [::1]:P relayed to a server on 127.0.0.1, both directions,
 * ends of stream, a reader that falls behind, a target that refuses, and
 * ports given up.  No root needed. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include "addr.h"
#include "log.h"
#include "relay.h"
#include "suites.h"

static struct gn_relay *relay;
static int server;
static uint16_t server_port, port;

static uint16_t free_port6(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin6_port);
}

static void setup(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	struct gn_err err;

	server = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(server, 0);
	ck_assert_int_eq(bind(server, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(server, 16), 0);
	ck_assert_int_eq(getsockname(server, (struct sockaddr *)&sa, &len), 0);
	server_port = ntohs(sa.sin_port);
	port = free_port6();
	ck_assert_int_eq(relay_start(&relay, NULL, 0, 64, 64, &err), 0);
}

static void teardown(void)
{
	relay_stop(relay, true);
	close(server);
}

static void serve(uint16_t to_port)
{
	struct gn_relay_svc s = { .proto = 6, .port = port, .to_port = to_port };

	addr_parse("127.0.0.1", &s.to, "x", NULL);
	relay_set(relay, &s, 1);
}

/* A connection to [::1]:port once the relay listens (it applies a list
 * soon after relay_set), or -1 with errno after 2 s. */
static int dial(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	for (int i = 0; i < 200; i++) {
		int fd = socket(AF_INET6, SOCK_STREAM, 0), e;

		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			return fd;
		e = errno;
		close(fd);
		errno = e;
		usleep(10000);
	}
	return -1;
}

static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

START_TEST(both_ways_and_ends_of_stream)
{
	char buf[64];
	int c, s;

	serve(server_port);
	ck_assert_int_ge(c = dial(), 0);
	ck_assert(readable(server, 2000));
	ck_assert_int_ge(s = accept(server, NULL, NULL), 0);
	ck_assert_int_eq(write(c, "ping", 4), 4);
	ck_assert(readable(s, 2000));
	ck_assert_int_eq(read(s, buf, sizeof buf), 4);
	ck_assert(!memcmp(buf, "ping", 4));
	ck_assert_int_eq(write(s, "pong", 4), 4);
	ck_assert(readable(c, 2000));
	ck_assert_int_eq(read(c, buf, sizeof buf), 4);
	/* The client's end of stream reaches the server, which still answers. */
	ck_assert_int_eq(shutdown(c, SHUT_WR), 0);
	ck_assert(readable(s, 2000));
	ck_assert_int_eq(read(s, buf, sizeof buf), 0);
	ck_assert_int_eq(write(s, "bye", 3), 3);
	close(s);
	ck_assert(readable(c, 2000));
	ck_assert_int_eq(read(c, buf, sizeof buf), 3);
	ck_assert(readable(c, 2000));
	ck_assert_int_eq(read(c, buf, sizeof buf), 0);
	close(c);
}
END_TEST

/* 8 MB towards a server that reads only after the client has written it
 * all: every byte arrives, in order. */
START_TEST(a_reader_that_falls_behind)
{
	enum { TOTAL = 8 << 20 };
	unsigned char *out = malloc(TOTAL), in[65536];
	size_t sent = 0, got = 0;
	int c, s;

	for (size_t i = 0; i < TOTAL; i++)
		out[i] = (unsigned char)(i * 7 + i / 4096);
	serve(server_port);
	ck_assert_int_ge(c = dial(), 0);
	ck_assert(readable(server, 2000));
	ck_assert_int_ge(s = accept(server, NULL, NULL), 0);
	while (sent < TOTAL || got < TOTAL) {
		struct pollfd p[2] = { { .fd = c, .events = sent < TOTAL ? POLLOUT : 0 }, { .fd = s, .events = POLLIN } };

		ck_assert_int_gt(poll(p, 2, 3000), 0);
		if (p[0].revents & POLLOUT) {
			ssize_t n = send(c, out + sent, TOTAL - sent > 65536 ? 65536 : TOTAL - sent, MSG_DONTWAIT);

			if (n > 0)
				sent += (size_t)n;
		}
		/* Start reading only halfway, so the relay holds data back. */
		if ((p[1].revents & POLLIN) && sent > TOTAL / 2) {
			ssize_t n = read(s, in, sizeof in);

			ck_assert_int_gt(n, 0);
			ck_assert(!memcmp(in, out + got, (size_t)n));
			got += (size_t)n;
		}
	}
	close(c);
	close(s);
	free(out);
}
END_TEST

/* A container that refuses: the client is reset. */
START_TEST(a_target_that_refuses)
{
	char buf[8];
	int c;

	serve(free_port6());    /* nothing listens there on 127.0.0.1 either, most likely */
	ck_assert_int_ge(c = dial(), 0);
	ck_assert(readable(c, 2000));
	ck_assert_int_lt(read(c, buf, sizeof buf), 1);
	close(c);
}
END_TEST

/* Whether a connection to [::1]:p is refused within 2 s (the relay
 * thread closes its listener after the call that gave it up returns). */
static bool refused_soon(uint16_t p)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(p), .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	bool refused = false;

	for (int i = 0; i < 200 && !refused; i++) {
		int fd = socket(AF_INET6, SOCK_STREAM, 0);

		refused = connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno == ECONNREFUSED;
		close(fd);
		if (!refused)
			usleep(10000);
	}
	return refused;
}

/* A port no longer wanted is given up: connections are refused. */
START_TEST(ports_given_up)
{
	int c;

	serve(server_port);
	ck_assert_int_ge(c = dial(), 0);
	close(c);
	relay_set(relay, NULL, 0);
	ck_assert_msg(refused_soon(port), "[::1]:%u still taken", port);
}
END_TEST

/* Ports changed one at a time (relay_change), in order: one served and
 * sent elsewhere, a second served after it (so once the second answers,
 * the first has its new target), then both given up. */
START_TEST(ports_changed_one_by_one)
{
	struct gn_relay_change c[2] = { { .s = { .proto = 6, .port = port, .to_port = free_port6() } } };
	uint16_t first = port;
	int fd, s;

	addr_parse("127.0.0.1", &c[0].s.to, "x", NULL);
	ck_assert_int_eq(relay_change(relay, c, 1), 0);
	c[0].s.to_port = server_port;
	c[1] = c[0];
	c[1].s.port = free_port6();
	ck_assert_int_eq(relay_change(relay, c, 2), 0);
	port = c[1].s.port;
	ck_assert_int_ge(fd = dial(), 0);
	ck_assert(readable(server, 2000));
	ck_assert_int_ge(s = accept(server, NULL, NULL), 0);
	close(s);
	close(fd);
	port = first;
	ck_assert_int_ge(fd = dial(), 0);
	ck_assert_msg(readable(server, 2000), "[::1]:%u reaches its new target", port);
	ck_assert_int_ge(s = accept(server, NULL, NULL), 0);
	close(s);
	close(fd);
	c[0].gone = c[1].gone = true;
	ck_assert_int_eq(relay_change(relay, c, 2), 0);
	ck_assert_msg(refused_soon(first), "[::1]:%u still taken", first);
}
END_TEST

static int port_order(const void *a, const void *b)
{
	const struct gn_relay_svc *x = a, *y = b;

	return (x->port > y->port) - (x->port < y->port);
}

/* A relay allowed two listening sockets serves the first two of three
 * ports and leaves the third closed (refused, not hanging): guardnetd keeps
 * its descriptors for its own work when a host publishes more ports than
 * its limit leaves for them. */
START_TEST(listeners_within_their_budget)
{
	struct gn_relay_svc s[3];
	struct gn_relay *small;
	struct gn_err err;
	uint16_t keep = port;
	int fd;

	ck_assert_int_eq(relay_start(&small, NULL, 0, 8, 2, &err), 0);
	for (int i = 0; i < 3; i++) {
		s[i] = (struct gn_relay_svc){ .proto = 6, .port = free_port6(), .to_port = server_port };
		addr_parse("127.0.0.1", &s[i].to, "x", NULL);
	}
	qsort(s, 3, sizeof s[0], port_order);
	ck_assert(s[0].port != s[1].port && s[1].port != s[2].port);
	relay_set(small, s, 3);
	for (int i = 0; i < 2; i++) {
		port = s[i].port;
		ck_assert_msg((fd = dial()) >= 0, "[::1]:%u is served", port);
		close(fd);
	}
	port = s[2].port;
	fd = dial();
	ck_assert_msg(fd < 0 && errno == ECONNREFUSED, "[::1]:%u, over the budget, is refused (errno %d)", port, errno);
	port = keep;
	relay_stop(small, true);
}
END_TEST

/* The same by changes, and the port over the budget is served once a
 * served one is given up. */
START_TEST(a_port_over_the_budget_is_served_when_one_goes)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct gn_relay_change c[3];
	struct gn_relay *small;
	struct gn_err err;
	uint16_t keep = port;
	int fd;

	ck_assert_int_eq(relay_start(&small, NULL, 0, 8, 2, &err), 0);
	for (int i = 0; i < 3; i++) {
		c[i] = (struct gn_relay_change){ .s = { .proto = 6, .port = free_port6(), .to_port = server_port } };
		addr_parse("127.0.0.1", &c[i].s.to, "x", NULL);
		ck_assert_int_eq(relay_change(small, &c[i], 1), 0);
	}
	port = c[1].s.port;
	ck_assert_msg((fd = dial()) >= 0, "[::1]:%u is served", port);
	close(fd);
	port = c[2].s.port;
	sa.sin6_port = htons(port);
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno == ECONNREFUSED,
		      "[::1]:%u, over the budget, is refused (errno %d)", port, errno);
	close(fd);
	c[0].gone = true;
	ck_assert_int_eq(relay_change(small, &c[0], 1), 0);
	ck_assert_msg((fd = dial()) >= 0, "[::1]:%u is served once [::1]:%u is given up", port, c[0].s.port);
	close(fd);
	port = keep;
	relay_stop(small, true);
}
END_TEST

/* Lines of the log (stderr, appended to the file at path meanwhile) that
 * hold what. */
static size_t lines_with(const char *path, const char *what)
{
	char line[2048];
	size_t n = 0;
	FILE *f;

	fflush(stderr);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f))
		n += strstr(line, what) != NULL;
	fclose(f);
	return n;
}

/* Polls for a line of the log holding what, up to 2 s. */
static bool logged(const char *path, const char *what)
{
	for (int i = 0; i < 200; i++) {
		if (lines_with(path, what))
			return true;
		usleep(10000);
	}
	return false;
}

/* Over the budget, each container that comes or goes changes how many
 * ports are not served: the first time over is logged at once, the changes
 * after it (here 4 over, then back to none, within the minute) not each
 * again. */
START_TEST(going_over_the_budget_is_logged_once)
{
	char path[] = "/tmp/gn-relay-log.XXXXXX";
	struct gn_relay_change c[6];
	struct gn_relay *small;
	struct gn_err err;
	uint16_t keep = port;
	int saved = dup(STDERR_FILENO), tmp = mkstemp(path), fd;

	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(tmp, 0);
	close(tmp);
	/* Appending: the relay's thread writes while this reads. */
	tmp = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	ck_assert_int_ge(tmp, 0);
	ck_assert_int_eq(relay_start(&small, NULL, 0, 8, 2, &err), 0);
	fflush(stderr);
	dup2(tmp, STDERR_FILENO);
	log_init(0);
	for (int i = 0; i < 6; i++) {
		c[i] = (struct gn_relay_change){ .s = { .proto = 6, .port = free_port6(), .to_port = server_port } };
		addr_parse("127.0.0.1", &c[i].s.to, "x", NULL);
		ck_assert_int_eq(relay_change(small, &c[i], 1), 0);
		if (i == 2)
			ck_assert_msg(logged(path, "1 of the host's [::1] ports are not served"), "going over is logged");
	}
	for (int i = 0; i < 6; i++) {
		if (i == 1 || i == 2)
			continue;
		c[i].gone = true;
		ck_assert_int_eq(relay_change(small, &c[i], 1), 0);
	}
	/* The relay applies changes in order, on its thread: once the two
	 * ports left are both served, it has applied every change. */
	for (int i = 1; i <= 2; i++) {
		port = c[i].s.port;
		ck_assert_msg((fd = dial()) >= 0, "[::1]:%u is served once only two ports are left", port);
		close(fd);
	}
	port = keep;
	relay_stop(small, true);
	log_init(getenv("GN_TEST_LOG") ? 1 : -1);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(tmp);
	ck_assert_uint_eq(lines_with(path, "are not served"), 1);
	ck_assert_uint_eq(lines_with(path, "served again"), 0);
	unlink(path);
}
END_TEST

Suite *relay_suite(void)
{
	Suite *s = suite_create("relay");
	TCase *tc = tcase_create("relay");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, both_ways_and_ends_of_stream);
	tcase_add_test(tc, a_reader_that_falls_behind);
	tcase_add_test(tc, a_target_that_refuses);
	tcase_add_test(tc, ports_given_up);
	tcase_add_test(tc, ports_changed_one_by_one);
	tcase_add_test(tc, listeners_within_their_budget);
	tcase_add_test(tc, a_port_over_the_budget_is_served_when_one_goes);
	tcase_add_test(tc, going_over_the_budget_is_logged_once);
	suite_add_tcase(s, tc);
	return s;
}
