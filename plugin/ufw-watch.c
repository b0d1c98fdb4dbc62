#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "log.h"
#include "ufw-watch.h"

/* ufw rewrites its files through a temporary file and a rename. */
#define EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM)

int ufwwatch_open(const char *root, struct gn_err *err)
{
	static const char *dirs[] = { "etc/ufw", "etc/default" };
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), watched = 0;

	if (fd < 0)
		return gn_errf(err, -errno, "inotify: %s", strerror(errno));
	for (size_t i = 0; i < 2; i++) {
		char path[512];

		snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
		if (inotify_add_watch(fd, path, EVENTS) >= 0)
			watched++;
	}
	if (!watched) {
		close(fd);
		return gn_errf(err, -ENOENT, "no %s/etc/ufw to watch (UFW not installed?)", root);
	}
	return fd;
}

static bool relevant(const char *name)
{
	static const char *files[] = { "ufw.conf",     "user.rules",    "user6.rules", "ufw",
				       "before.rules", "before6.rules", "after.rules", "after6.rules" };

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (!strcmp(name, files[i]))
			return true;
	return false;
}

bool ufwwatch_read(int fd)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			/* A full queue means events were lost: read everything again. */
			if ((ev->mask & IN_Q_OVERFLOW) || (ev->len && relevant(ev->name)))
				changed = true;
			p += sizeof *ev + ev->len;
		}
	}
	return changed;
}
