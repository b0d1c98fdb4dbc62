/* The HTTP layer over a real Unix socket: a forked child serves, the test
 * process is the client. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "http.h"
#include "listen.h"
#include "fake_backend.h"
#include "suites.h"

static char *dir;
static char sock[600];
static pid_t server;
static int release[2] = { -1, -1 }; /* held fixture: a byte on it ends http_hold */

static void serve_forever(void)
{
	static struct gn_config cfg;
	static struct gn_driver drv;
	static struct fake_backend fk;
	struct gn_listener l;
	struct gn_http *h;
	struct gn_err e;
	int ep;

	config_init(&cfg);
	fake_init(&fk);
	fake_driver_init(&drv, NULL, &fk, &cfg);
	if (listener_open(&l, sock, &e) < 0 || http_start(&h, l.fd, &drv, HTTP_MAX_CONNECTIONS, &e) < 0) {
		fprintf(stderr, "server: %s\n", e.msg);
		_exit(1);
	}
	ep = epoll_create1(0);
	epoll_ctl(ep, EPOLL_CTL_ADD, http_fd(h), &(struct epoll_event){ .events = EPOLLIN, .data.fd = http_fd(h) });
	if (release[0] >= 0) {
		http_hold(h);
		epoll_ctl(ep, EPOLL_CTL_ADD, release[0], &(struct epoll_event){ .events = EPOLLIN, .data.fd = release[0] });
	}
	for (;;) {
		struct epoll_event ev;
		char c;

		if (epoll_wait(ep, &ev, 1, http_timeout_ms(h)) == 1 && ev.data.fd == release[0] &&
		    read(release[0], &c, 1) == 1)
			http_release(h);
		http_run(h);
	}
}

static int dial(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, sock);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void setup(void)
{
	struct timespec t0, t;
	int fd = -1;

	dir = tmpdir_make();
	snprintf(sock, sizeof sock, "%s/plugins/test.sock", dir);
	server = fork();
	ck_assert_int_ge(server, 0);
	if (server == 0)
		serve_forever();
	/* Poll with a deadline until the server accepts connections. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct pollfd none = { .fd = -1 };

		fd = dial();
		if (fd >= 0)
			break;
		poll(&none, 0, 10);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 5);
	ck_assert_msg(fd >= 0, "server did not come up on %s", sock);
	close(fd);
}

static void setup_held(void)
{
	ck_assert_int_eq(pipe(release), 0);
	setup();
}

static void teardown(void)
{
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	tmpdir_remove(dir);
	for (int i = 0; i < 2; i++)
		if (release[i] >= 0)
			close(release[i]);
	release[0] = release[1] = -1;
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the server may close early on refusals */
		buf += n;
		len -= (size_t)n;
	}
}

/* Reads one response; returns the status and copies the body. */
static int read_response(int fd, char *body, size_t cap)
{
	static char buf[65536];
	size_t len = 0;
	char *end = NULL, *cl;
	int status = -1;
	long clen;

	while (!end) {
		ssize_t n = recv(fd, buf + len, 1, 0);

		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	sscanf(buf, "HTTP/1.%*d %d", &status);
	cl = strcasestr(buf, "Content-Length:");
	clen = cl ? strtol(cl + 15, NULL, 10) : 0;
	ck_assert_int_lt(clen, (long)cap);
	for (long got = 0; got < clen;) {
		ssize_t n = recv(fd, body + got, (size_t)(clen - got), 0);

		if (n <= 0)
			return -1;
		got += n;
	}
	body[clen] = '\0';
	return status;
}

static void send_post(int fd, const char *path, const char *body)
{
	char head[512];

	snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: plugin.moby.localhost\r\nContent-Length: %zu\r\n"
		 "Accept: application/vnd.docker.plugins.v1.2+json\r\n\r\n", path, strlen(body));
	send_all(fd, head, strlen(head));
	send_all(fd, body, strlen(body));
}

static int post(int fd, const char *path, const char *body, char *reply, size_t cap)
{
	send_post(fd, path, body);
	return read_response(fd, reply, cap);
}

#define NET "{\"NetworkID\":\"4aa2d42bef9d487d398a30c85e12e8fb237690c3cf238241dd6db2c80c77c4c5\"," \
	"\"Options\":{\"com.docker.network.generic\":{}},\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\"," \
	"\"Gateway\":\"10.97.0.1/24\",\"Pool\":\"10.97.0.0/24\"}],\"IPv6Data\":[]}\n"

START_TEST(keep_alive_and_trailing_newline)
{
	char reply[4096];
	int fd = dial();

	ck_assert_int_eq(post(fd, "/Plugin.Activate", "", reply, sizeof reply), 200);
	ck_assert_str_eq(reply, "{\"Implements\":[\"NetworkDriver\"]}");
	ck_assert_int_eq(post(fd, "/NetworkDriver.GetCapabilities", "", reply, sizeof reply), 200);
	ck_assert_int_eq(post(fd, "/NetworkDriver.CreateNetwork", NET, reply, sizeof reply), 200);
	ck_assert_str_eq(reply, "{}");
	ck_assert_int_eq(post(fd, "/NetworkDriver.DeleteNetwork", NET, reply, sizeof reply), 200);
	close(fd);
}
END_TEST

START_TEST(errors_are_json)
{
	char reply[4096];
	int fd = dial();

	ck_assert_int_eq(post(fd, "/NetworkDriver.Nope", "{}", reply, sizeof reply), 404);
	ck_assert_str_eq(reply, "{\"Err\":\"unknown method \\\"/NetworkDriver.Nope\\\"\"}");
	close(fd);
	fd = dial();
	send_all(fd, "GET /Plugin.Activate HTTP/1.1\r\nHost: x\r\n\r\n", 42);
	ck_assert_int_eq(read_response(fd, reply, sizeof reply), 405);
	ck_assert_str_eq(reply, "{\"Err\":\"method GET not allowed: the plugin API takes POST\"}");
	close(fd);
	fd = dial();
	ck_assert_int_eq(post(fd, "/NetworkDriver.CreateNetwork", "{\"NetworkID\": tru", reply, sizeof reply), 400);
	ck_assert_str_eq(reply, "{\"Err\":\"invalid JSON at line 1 column 17: invalid token near 'tru'\"}");
	close(fd);
}
END_TEST

START_TEST(body_of_twice_the_limit_is_refused)
{
	size_t big = 2 * API_MAX_BODY;
	char *body = malloc(big + 1), reply[4096], want[128];
	int fd = dial();

	memset(body, ' ', big);
	body[big] = '\0';
	ck_assert_int_eq(post(fd, "/NetworkDriver.CreateNetwork", body, reply, sizeof reply), 413);
	snprintf(want, sizeof want, "{\"Err\":\"request body of %zu bytes is over the limit of %d\"}", big, API_MAX_BODY);
	ck_assert_str_eq(reply, want);
	close(fd);
	free(body);
}
END_TEST

START_TEST(chunked_body_of_twice_the_limit_is_refused)
{
	const char *head = "POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
	char chunk[65536 + 16], reply[4096], want[128];
	int fd = dial();

	send_all(fd, head, strlen(head));
	memset(chunk, ' ', sizeof chunk);
	for (int i = 0; i < 2 * API_MAX_BODY / 65536; i++) {
		int n = snprintf(chunk, 16, "10000\r\n");

		chunk[n + 65536] = '\r';
		chunk[n + 65537] = '\n';
		memset(chunk + n, ' ', 65536);
		send_all(fd, chunk, (size_t)n + 65538);
	}
	send_all(fd, "0\r\n\r\n", 5);
	ck_assert_int_eq(read_response(fd, reply, sizeof reply), 413);
	snprintf(want, sizeof want, "{\"Err\":\"request body is over the limit of %d bytes\"}", API_MAX_BODY);
	ck_assert_str_eq(reply, want);
	close(fd);
}
END_TEST

START_TEST(oversized_headers_get_431)
{
	static char head[100 * 1024];
	char reply[4096];
	int fd = dial();
	size_t n = (size_t)snprintf(head, sizeof head, "POST /Plugin.Activate HTTP/1.1\r\nHost: x\r\nX-Big: ");

	memset(head + n, 'a', sizeof head - n - 5);
	memcpy(head + sizeof head - 5, "\r\n\r\n", 4);
	send_all(fd, head, sizeof head - 1);
	ck_assert_int_eq(read_response(fd, reply, sizeof reply), 431);
	close(fd);
	/* The server goes on. */
	fd = dial();
	ck_assert_int_eq(post(fd, "/Plugin.Activate", "", reply, sizeof reply), 200);
	close(fd);
}
END_TEST

START_TEST(socket_is_private_and_guarded)
{
	struct gn_listener l;
	struct gn_err e;
	struct stat st;
	char path[700];
	FILE *f;

	ck_assert_int_eq(stat(sock, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(listener_open(&l, sock, &e), -EADDRINUSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "is served by another process"));
	snprintf(path, sizeof path, "%s/plain-file", dir);
	f = fopen(path, "w");
	fclose(f);
	ck_assert_int_eq(listener_open(&l, path, &e), -EEXIST);
	ck_assert_ptr_nonnull(strstr(e.msg, "exists and is not a socket; not replacing it"));
}
END_TEST

START_TEST(stale_socket_is_replaced)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct gn_listener l;
	struct gn_err e;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	/* A socket file whose owner died: bound, never served. */
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/stale.sock", dir);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	close(fd);
	ck_assert_int_eq(listener_open(&l, sa.sun_path, &e), 0);
	close(l.fd);
	listener_remove(&l);
	ck_assert_int_eq(access(sa.sun_path, F_OK), -1);
}
END_TEST

/* While held (guardnetd's start-up check), the handshake is answered and
 * a request that needs the state gets nothing until the release, then its
 * answer. */
START_TEST(held_requests_wait_for_release)
{
	char reply[4096];
	int fd = dial(), waiting = dial();
	struct pollfd p = { .fd = waiting, .events = POLLIN };

	send_post(waiting, "/NetworkDriver.CreateNetwork", NET);
	ck_assert_int_eq(post(fd, "/Plugin.Activate", "", reply, sizeof reply), 200);
	ck_assert_int_eq(post(fd, "/NetworkDriver.GetCapabilities", "", reply, sizeof reply), 200);
	ck_assert_msg(poll(&p, 1, 300) == 0, "CreateNetwork was answered while held");
	ck_assert_int_eq(write(release[1], "x", 1), 1);
	ck_assert_int_eq(read_response(waiting, reply, sizeof reply), 200);
	ck_assert_str_eq(reply, "{}");
	ck_assert_int_eq(post(fd, "/NetworkDriver.DeleteNetwork", NET, reply, sizeof reply), 200);
	close(waiting);
	close(fd);
}
END_TEST

Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("socket");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, keep_alive_and_trailing_newline);
	tcase_add_test(tc, errors_are_json);
	tcase_add_test(tc, body_of_twice_the_limit_is_refused);
	tcase_add_test(tc, chunked_body_of_twice_the_limit_is_refused);
	tcase_add_test(tc, oversized_headers_get_431);
	tcase_add_test(tc, socket_is_private_and_guarded);
	tcase_add_test(tc, stale_socket_is_replaced);
	suite_add_tcase(s, tc);
	tc = tcase_create("held");
	tcase_add_checked_fixture(tc, setup_held, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, held_requests_wait_for_release);
	suite_add_tcase(s, tc);
	return s;
}
