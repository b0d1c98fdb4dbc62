/*
 * Just enough of Docker's API for names: one GET on dockerd's Unix socket,
 * under a deadline, read to the end (an HTTP/1.0 request gets a reply
 * without chunked encoding, closed after the body).  guardnetctl only
 * asks; nothing it decides depends on Docker answering.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "docker-get.h"

#define REPLY_MAX (64u << 20)

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

const char *docker_socket(void)
{
	const char *h = getenv("DOCKER_HOST");

	if (h && !strncmp(h, "unix://", 7))
		return h + 7;
	return "/var/run/docker.sock";
}

static int wait_for(int fd, short ev, long deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	long left = deadline - now_ms();
	int r;

	if (left <= 0)
		return -ETIMEDOUT;
	r = poll(&p, 1, (int)left);
	return r < 0 ? -errno : r == 0 ? -ETIMEDOUT : 0;
}

static int exchange(int fd, const char *req, long deadline, char **ret, size_t *ret_len)
{
	size_t len = strlen(req), off = 0, cap = 0;
	char *buf = NULL;
	int r;

	while (off < len) {
		ssize_t n;

		if ((r = wait_for(fd, POLLOUT, deadline)) < 0)
			return r;
		if ((n = send(fd, req + off, len - off, MSG_NOSIGNAL)) < 0 && errno != EINTR && errno != EAGAIN)
			return -errno;
		off += n > 0 ? (size_t)n : 0;
	}
	len = 0;
	for (;;) {
		ssize_t n;

		if ((r = wait_for(fd, POLLIN, deadline)) < 0)
			break;
		if (cap - len < 65536) {
			char *bigger = cap < REPLY_MAX ? realloc(buf, cap ? 2 * cap : 65536) : NULL;

			if (!bigger) {
				r = -EFBIG;
				break;
			}
			buf = bigger;
			cap = cap ? 2 * cap : 65536;
		}
		if ((n = recv(fd, buf + len, cap - len - 1, 0)) == 0) {
			buf[len] = '\0';
			*ret = buf;
			*ret_len = len;
			return 0;
		}
		if (n < 0 && errno != EINTR && errno != EAGAIN) {
			r = -errno;
			break;
		}
		len += n > 0 ? (size_t)n : 0;
	}
	free(buf);
	return r;
}

int docker_get(const char *sock, const char *path, double timeout_s, json_t **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long deadline = now_ms() + (long)(timeout_s * 1000);
	char req[512], *reply = NULL, *body;
	size_t len;
	int fd, r, status = 0;

	*ret = NULL;
	if (strlen(sock) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
		r = -errno;
		close(fd);
		return r;
	}
	snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: docker\r\nUser-Agent: guardnetctl\r\n\r\n", path);
	r = exchange(fd, req, deadline, &reply, &len);
	close(fd);
	if (r < 0)
		return r;
	body = strstr(reply, "\r\n\r\n");
	if (sscanf(reply, "HTTP/%*s %d", &status) != 1 || !body) {
		r = -EPROTO;
	} else if (status != 200) {
		r = status == 404 ? -ENOENT : -EPROTO;
	} else if (!(*ret = json_loads(body + 4, 0, NULL))) {
		r = -EPROTO;
	}
	free(reply);
	return r;
}
