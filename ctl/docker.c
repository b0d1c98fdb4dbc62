/*
 * Names from Docker, for guardnetctl status: guardnetd knows networks and
 * endpoints by ID only (it never calls Docker), and an operator thinks in
 * the names docker ps shows.  One GET /networks/ID per guardnet network on
 * Docker's socket (HTTP/1.0, so the answer ends when Docker closes the
 * connection), all within what is left of guardnetctl's deadline.  Any
 * failure leaves the names out and says why on stderr; status goes on.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

#define ANSWER_MAX (16u << 20)

/* Waits for fd to be ready for events until deadline: 0, or -ETIMEDOUT. */
static int ready(int fd, short events, long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long left;
	int r;

	do {
		left = deadline - ctl_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
	} while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : r == 0 ? -ETIMEDOUT : -errno;
}

/* 0 and the body of a 200 answer to GET path (malloc'd); another HTTP
 * status; or a negative errno, with why in err. */
static int get(const char *sock, const char *path, long deadline, char **ret, char *err, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[512], *buf = NULL, *body;
	size_t n = 0, cap = 0;
	int fd, r = 0, status;

	if (strlen(sock) >= sizeof sa.sun_path)
		return snprintf(err, len, "%s: path too long", sock), -ENAMETOOLONG;
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS)) {
		r = -errno;
		snprintf(err, len, "%s: %s", sock, strerror(-r));
		goto out;
	}
	snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: docker\r\n\r\n", path);
	if ((r = ready(fd, POLLOUT, deadline)) < 0 || send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
		r = r < 0 ? r : -errno;
		goto fail;
	}
	for (;;) {
		ssize_t got;

		if (cap - n < 4096) {
			char *bigger = cap < ANSWER_MAX ? realloc(buf, cap ? cap * 2 : 16384) : NULL;

			if (!bigger) {
				r = -EFBIG;
				goto fail;
			}
			buf = bigger;
			cap = cap ? cap * 2 : 16384;
		}
		if ((r = ready(fd, POLLIN, deadline)) < 0)
			goto fail;
		got = read(fd, buf + n, cap - n - 1);
		if (got == 0)
			break;
		if (got < 0 && errno != EINTR && errno != EAGAIN) {
			r = -errno;
			goto fail;
		}
		if (got > 0)
			n += (size_t)got;
	}
	buf[n] = '\0';
	body = strstr(buf, "\r\n\r\n");
	if (sscanf(buf, "HTTP/%*d.%*d %d", &status) != 1 || !body) {
		snprintf(err, len, "%s: GET %s: not an HTTP answer", sock, path);
		r = -EPROTO;
		goto out;
	}
	if (status != 200) {
		snprintf(err, len, "%s: GET %s: status %d", sock, path, status);
		r = status;
		goto out;
	}
	*ret = strdup(body + 4);
	r = *ret ? 0 : -ENOMEM;
	goto out;
fail:
	if (r == -ETIMEDOUT)
		snprintf(err, len, "%s: Docker did not answer in time", sock);
	else
		snprintf(err, len, "%s: GET %s: %s", sock, path, strerror(-r));
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

/* Names net and its endpoints' containers from Docker's answer. */
static void name_network(json_t *net, json_t *inspect)
{
	json_t *containers = json_object_get(inspect, "Containers"), *ep, *c;
	const char *cid;
	size_t i;

	if (json_is_string(json_object_get(inspect, "Name")))
		json_object_set(net, "name", json_object_get(inspect, "Name"));
	json_array_foreach(json_object_get(net, "endpoints"), i, ep) {
		json_object_foreach(containers, cid, c) {
			if (strcmp(json_string_value(json_object_get(c, "EndpointID")) ?: "",
				   json_string_value(json_object_get(ep, "id")) ?: ""))
				continue;
			json_object_set_new(ep, "container",
					    json_pack("{s:s,s:O}", "id", cid, "name", json_object_get(c, "Name")));
		}
	}
}

void ctl_docker_names(json_t *status, const char *sock, double timeout_s)
{
	long deadline = ctl_now_ms() + (long)(timeout_s * 1000);
	json_t *net;
	size_t i;

	json_array_foreach(json_object_get(status, "networks"), i, net) {
		char path[128], err[256], *body = NULL;
		const char *id = json_string_value(json_object_get(net, "id"));
		json_t *inspect;
		int r;

		if (!id || strspn(id, "0123456789abcdefghijklmnopqrstuvwxyz") != strlen(id))
			continue;
		snprintf(path, sizeof path, "/networks/%s", id);
		/* A network Docker does not know (yet, or any more) has no name. */
		r = get(sock, path, deadline, &body, err, sizeof err);
		if (r == 404)
			continue;
		if (r != 0) {
			fprintf(stderr, "guardnetctl: no names from Docker (%s); --no-docker skips asking\n", err);
			return;
		}
		inspect = json_loads(body, 0, NULL);
		free(body);
		name_network(net, inspect);
		json_decref(inspect);
	}
}
