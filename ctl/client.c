/*
 * One request on guardnetd's control socket, bounded in time: a guardnetd
 * that is stopped (SIGSTOP, a debugger), wedged (accepts and never answers)
 * or gone must not hang the operator's shell, which is where guardnetctl is
 * needed most.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <guardnet/control.h>

#include "ctl.h"

/* A status of 100,000 endpoints is about 30 MB. */
#define REPLY_MAX (256u << 20)

long ctl_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void set_timeout(int fd, int optname, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	if (ms < 1)
		tv.tv_usec = 1000;
	setsockopt(fd, SOL_SOCKET, optname, &tv, sizeof tv);
}

static int unreachable(const char *path, int err, double timeout_s)
{
	if (err == ENOENT)
		fprintf(stderr, "guardnetctl: guardnetd is not running: there is no control socket at %s\n", path);
	else if (err == ECONNREFUSED)
		fprintf(stderr, "guardnetctl: guardnetd is not running: nothing listens on %s (connection refused)\n",
			path);
	else if (err == EAGAIN || err == EWOULDBLOCK || err == ETIMEDOUT)
		fprintf(stderr, "guardnetctl: guardnetd at %s did not take the request within %g s: it is stopped "
			"or wedged (systemctl status guardnet; journalctl -u guardnet)\n", path, timeout_s);
	else if (err == EACCES || err == EPERM) {
		fprintf(stderr, "guardnetctl: %s: %s (guardnetctl needs root)\n", path, strerror(err));
		return CTL_EXIT_USAGE;
	} else
		fprintf(stderr, "guardnetctl: cannot reach guardnetd at %s: %s\n", path, strerror(err));
	return CTL_EXIT_UNREACHABLE;
}

/* Reads until guardnetd closes the connection, which it does after its one
 * reply, or until the deadline. */
static int read_reply(int fd, const char *path, long deadline, double timeout_s, char **ret, size_t *ret_len)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = deadline - ctl_now_ms();
		ssize_t n;
		int r;

		if (left <= 0 || (r = poll(&p, 1, (int)left)) == 0) {
			fprintf(stderr, "guardnetctl: guardnetd at %s took the request but did not answer within %g s: "
				"it is stopped or wedged (systemctl status guardnet; journalctl -u guardnet)\n",
				path, timeout_s);
			free(buf);
			return CTL_EXIT_UNREACHABLE;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (cap - len < 65536) {
			char *bigger = cap < REPLY_MAX ? realloc(buf, cap ? 2 * cap : 65536) : NULL;

			if (!bigger) {
				fprintf(stderr, "guardnetctl: the answer of guardnetd at %s is larger than %u MB\n", path,
					REPLY_MAX >> 20);
				free(buf);
				return CTL_EXIT_UNREACHABLE;
			}
			buf = bigger;
			cap = cap ? 2 * cap : 65536;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == 0) {
			buf[len] = '\0';
			*ret = buf;
			*ret_len = len;
			return 0;
		}
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0)
			len += (size_t)n;
	}
	if (errno == ECONNRESET)
		fprintf(stderr, "guardnetctl: guardnetd at %s closed the connection without an answer\n", path);
	else
		fprintf(stderr, "guardnetctl: reading from guardnetd at %s: %s\n", path, strerror(errno));
	free(buf);
	return CTL_EXIT_UNREACHABLE;
}

int ctl_ask(const char *path, json_t *request, double timeout_s, json_t **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long deadline = ctl_now_ms() + (long)(timeout_s * 1000);
	char *req, *text;
	size_t len;
	json_error_t je;
	int fd, r;

	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "guardnetctl: --socket %s: path too long\n", path);
		return CTL_EXIT_USAGE;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return unreachable(path, errno, timeout_s);
	/* A Unix stream connect waits for room in the listener's backlog
	 * (full when guardnetd stopped accepting) for at most SO_SNDTIMEO. */
	set_timeout(fd, SO_SNDTIMEO, deadline - ctl_now_ms());
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		r = errno;
		close(fd);
		return unreachable(path, r, timeout_s);
	}
	req = json_dumps(request, JSON_COMPACT);
	if (!req) {
		close(fd);
		fprintf(stderr, "guardnetctl: out of memory\n");
		return CTL_EXIT_UNREACHABLE;
	}
	set_timeout(fd, SO_SNDTIMEO, deadline - ctl_now_ms());
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
		r = errno;
		free(req);
		close(fd);
		if (r == EPIPE || r == ECONNRESET) {
			fprintf(stderr, "guardnetctl: guardnetd at %s closed the connection before taking the request\n",
				path);
			return CTL_EXIT_UNREACHABLE;
		}
		return unreachable(path, r, timeout_s);
	}
	free(req);
	r = read_reply(fd, path, deadline, timeout_s, &text, &len);
	close(fd);
	if (r)
		return r;
	*ret = json_loadb(text, len, JSON_DISABLE_EOF_CHECK, &je);
	free(text);
	if (!*ret) {
		if (len)
			fprintf(stderr, "guardnetctl: guardnetd at %s gave no readable answer (%s)\n", path, je.text);
		else
			fprintf(stderr, "guardnetctl: guardnetd at %s closed the connection without an answer\n", path);
		return CTL_EXIT_UNREACHABLE;
	}
	return 0;
}

static bool is_socket(const char *dir, const char *id, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s/%s", dir, id, name);
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

int ctl_find_plugin(char *buf, size_t len)
{
	DIR *dp = opendir(GN_PLUGIN_DIRS);
	struct dirent *d;
	size_t found = 0;

	if (!dp)
		return -ENOENT;
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.' || !is_socket(GN_PLUGIN_DIRS, d->d_name, GN_PLUGIN_SOCKET) ||
		    !is_socket(GN_PLUGIN_DIRS, d->d_name, GN_PLUGIN_CONTROL))
			continue;
		if (found++ == 0) {
			snprintf(buf, len, "%s/%s/%s", GN_PLUGIN_DIRS, d->d_name, GN_PLUGIN_CONTROL);
			continue;
		}
		if (found == 2)
			fprintf(stderr, "guardnetctl: several guardnet plugins run here; choose one with --socket:\n  %s\n",
				buf);
		fprintf(stderr, "  %s/%s/%s\n", GN_PLUGIN_DIRS, d->d_name, GN_PLUGIN_CONTROL);
	}
	closedir(dp);
	return found == 1 ? 0 : found ? -EEXIST : -ENOENT;
}
