/*
 * Raw bytes as one client connection to guardnetd's plugin socket: the
 * real http.c (libmicrohttpd, driven the way main.c drives it), api.c,
 * json-decode.c and the driver.  The driver has no store and the unit
 * tests' fake backend for a kernel, so a request sequence can create networks and
 * endpoints, join and publish without touching the machine.  Each input
 * starts from an empty state.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fake_backend.h"
#include "fuzz.h"
#include "http.h"
#include "log.h"

static struct gn_config cfg;
static struct gn_driver drv;
static struct fake_backend fk;
static struct gn_http *http;
static bool show; /* GN_FUZZ_SHOW=1: the replies go to stderr, for triage */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct gn_err err;

	(void)argc, (void)argv;
	log_init(-1);
	signal(SIGPIPE, SIG_IGN);
	show = getenv("GN_FUZZ_SHOW") != NULL;
	config_init(&cfg);
	fake_init(&fk);
	fake_driver_init(&drv, NULL, &fk, &cfg);
	if (http_start(&http, -1, &drv, HTTP_MAX_CONNECTIONS, &err) < 0) {
		fprintf(stderr, "fuzz_http: %s\n", err.msg);
		exit(1);
	}
	return 0;
}

/* Sends what the socket takes; the rest waits for the next round. */
static void feed(int fd, const uint8_t *data, size_t size, size_t *sent)
{
	ssize_t n = send(fd, data + *sent, size - *sent, MSG_NOSIGNAL);

	if (n > 0)
		*sent += (size_t)n;
	else if (n < 0 && errno != EAGAIN)
		*sent = size; /* the server closed early: the rest is never read */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sent = 0;
	bool eof_sent = false;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0 ||
	    http_add_connection(http, sv[0]) < 0) {
		perror("fuzz_http: connection");
		abort();
	}
	for (bool done = false; !done;) {
		char reply[8192];
		ssize_t n;

		if (sent < size)
			feed(sv[1], data, size, &sent);
		http_run(http);
		/* The end of input is a half-close, made only once the server has
		 * had the last bytes: libmicrohttpd (edge-triggered epoll) reads
		 * once per event and would not see an EOF that came with them. */
		if (sent == size && !eof_sent) {
			shutdown(sv[1], SHUT_WR);
			eof_sent = true;
		}
		/* Replies are drained so that the server never blocks on a full socket. */
		n = recv(sv[1], reply, sizeof reply, 0);
		if (n > 0 && show)
			fwrite(reply, 1, (size_t)n, stderr);
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			done = true;
		} else if (n < 0) {
			struct pollfd p[2] = {
				{ .fd = sv[1], .events = POLLIN | (sent < size ? POLLOUT : 0) },
				{ .fd = http_fd(http), .events = POLLIN },
			};
			int ms = http_timeout_ms(http);

			/* Bounded, so that a server that stops answering shows as
			 * a libFuzzer timeout rather than a silent wait. */
			poll(p, 2, ms < 0 || ms > 1000 ? 1000 : ms);
		}
	}
	/* The server closed the connection; let it free it. */
	http_run(http);
	close(sv[1]);
	driver_free(&drv);
	fake_free(&fk);
	fake_init(&fk);
	fake_driver_init(&drv, NULL, &fk, &cfg);
	return 0;
}
