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

static int from_systemd(struct gn_listener *l, struct gn_err *err)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int type = 0;
	socklen_t len = sizeof type;
	struct sockaddr_un sa;
	socklen_t salen = sizeof sa;

	if (!pid || !fds || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (getsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM ||
	    getsockname(SD_LISTEN_FDS_START, (struct sockaddr *)&sa, &salen) < 0 || sa.sun_family != AF_UNIX)
		return gn_errf(err, -EINVAL, "LISTEN_FDS: descriptor %d is not a Unix stream socket",
			       SD_LISTEN_FDS_START);
	fcntl(SD_LISTEN_FDS_START, F_SETFD, FD_CLOEXEC);
	l->fd = SD_LISTEN_FDS_START;
	l->activated = true;
	return 1;
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

void listener_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof sa.sun_path)
		return;
	strcpy(sa.sun_path, path);
	/* '@' names an abstract socket: a leading NUL, no terminator. */
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + (path[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		log_warn("telling systemd %s on %s", state, path);
	if (fd >= 0)
		close(fd);
}
