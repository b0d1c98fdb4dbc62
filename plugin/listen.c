#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"

/* sd_listen_fds(3): passed descriptors start at 3. */
#define SD_LISTEN_FDS_START 3
#define BACKLOG 128

/* Descriptors from systemd's file descriptor store, kept for whoever asks
 * for their names (listener_kept). */
#define KEPT_MAX 65536
static struct {
	int fd;
	char name[64];
} *kept;
static size_t n_kept;

static bool unix_stream(int fd)
{
	int type = 0;
	socklen_t len = sizeof type;
	struct sockaddr_un sa;
	socklen_t salen = sizeof sa;

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM &&
	       getsockname(fd, (struct sockaddr *)&sa, &salen) == 0 && sa.sun_family == AF_UNIX;
}

/* sd_listen_fds_with_names(3): the plugin socket (the Unix one, from a
 * socket unit) and what the store gave back (named by whoever stored it). */
static int from_systemd(struct gn_listener *l, struct gn_err *err)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS"), *names = getenv("LISTEN_FDNAMES");
	int n = fds ? atoi(fds) : 0, found = 0;

	(void)err;
	if (!pid || atol(pid) != (long)getpid() || n < 1)
		return 0;
	if (n > KEPT_MAX || !(kept = calloc((size_t)n, sizeof *kept)))
		n = 0;
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		const char *name = names ? names : "", *colon;
		char buf[64];

		for (int j = 0; j < i && name; j++)
			name = (colon = strchr(name, ':')) ? colon + 1 : NULL;
		snprintf(buf, sizeof buf, "%.*s", name ? (int)strcspn(name, ":") : 0, name ? name : "");
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		if (!found && unix_stream(fd)) {
			l->fd = fd;
			l->activated = true;
			found = 1;
		} else {
			kept[n_kept].fd = fd;
			snprintf(kept[n_kept++].name, sizeof kept[0].name, "%s", buf);
		}
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return found;
}

size_t listener_kept(const char *prefix, int *fds, size_t max)
{
	size_t n = 0, left = 0;

	for (size_t i = 0; i < n_kept; i++) {
		if (n < max && !strncmp(kept[i].name, prefix, strlen(prefix)))
			fds[n++] = kept[i].fd;
		else
			kept[left++] = kept[i];
	}
	n_kept = left;
	return n;
}

/* Whether something accepts connections on path right now. */
static bool alive(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool up;

	if (fd < 0)
		return false;
	up = connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0;
	close(fd);
	return up;
}

int socket_path_claim(const char *path, const char *what, struct gn_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(path) >= sizeof sa.sun_path)
		return gn_errf(err, -ENAMETOOLONG, "%s path %s: longer than %zu bytes", what, path,
			       sizeof sa.sun_path - 1);
	strcpy(sa.sun_path, path);
	if (lstat(path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return gn_errf(err, -EEXIST, "%s path %s exists and is not a socket; not replacing it", what, path);
	if (alive(&sa))
		return gn_errf(err, -EADDRINUSE, "%s %s is served by another process (another guardnetd?)", what,
			       path);
	if (unlink(path) < 0 && errno != ENOENT)
		return gn_errf(err, -errno, "cannot remove stale %s %s: %s", what, path, strerror(errno));
	log_info("replaced stale %s %s", what, path);
	return 0;
}

static int make_parent(const char *path)
{
	char *dir = strdup(path), *slash;
	int r = 0;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		for (char *p = dir + 1;; p++) {
			if (*p && *p != '/')
				continue;
			char c = *p;

			*p = '\0';
			if (mkdir(dir, 0755) < 0 && errno != EEXIST)
				r = -errno;
			*p = c;
			if (!c || r)
				break;
		}
	}
	free(dir);
	return r;
}

int listener_open(struct gn_listener *l, const char *path, struct gn_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int r, fd;

	memset(l, 0, sizeof *l);
	l->fd = -1;
	r = from_systemd(l, err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (strlen(path) >= sizeof sa.sun_path)
		return gn_errf(err, -ENAMETOOLONG, "socket path %s: longer than %zu bytes", path,
			       sizeof sa.sun_path - 1);
	strcpy(sa.sun_path, path);
	r = make_parent(path);
	if (r < 0)
		return gn_errf(err, r, "socket path %s: cannot create its directory: %s", path, strerror(-r));
	r = socket_path_claim(path, "socket", err);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return gn_errf(err, -errno, "socket: %s", strerror(errno));
	/* umask rather than chmod after bind: no moment with wider access. */
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (r < 0 || listen(fd, BACKLOG) < 0 || stat(path, &st) < 0) {
		r = -errno;
		close(fd);
		return gn_errf(err, r, "cannot listen on %s: %s", path, strerror(-r));
	}
	l->path = strdup(path);
	l->fd = fd;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return 0;
}

void listener_remove(struct gn_listener *l)
{
	struct stat st;

	if (!l->activated && l->path && stat(l->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
	free(l->path);
	l->path = NULL;
}

void listener_notify_fd(const char *state, int fd)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct iovec iov = { .iov_base = (void *)state, .iov_len = strlen(state) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr m = { .msg_name = &sa, .msg_iov = &iov, .msg_iovlen = 1 };
	int sfd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof sa.sun_path)
		return;
	strcpy(sa.sun_path, path);
	/* '@' names an abstract socket: a leading NUL, no terminator. */
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	m.msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + (path[0] == '/'));
	if (fd >= 0) {
		memset(&ctl, 0, sizeof ctl);
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof ctl.buf;
		CMSG_FIRSTHDR(&m)->cmsg_level = SOL_SOCKET;
		CMSG_FIRSTHDR(&m)->cmsg_type = SCM_RIGHTS;
		CMSG_FIRSTHDR(&m)->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(CMSG_FIRSTHDR(&m)), &fd, sizeof fd);
	}
	sfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sfd < 0 || sendmsg(sfd, &m, MSG_NOSIGNAL) < 0)
		log_warn("telling systemd %s on %s", state, path);
	if (sfd >= 0)
		close(sfd);
}

void listener_notify(const char *state)
{
	listener_notify_fd(state, -1);
}
