/*
 * Which boot the endpoint files belong to (the file "boot", store.h): a
 * start in another boot drops the files of the earlier one unread, as
 * they are not synced and a power loss may have cut them short.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <guardnet/boot.h>

#include "log.h"
#include "store-int.h"
#include "store.h"

/* The first line of <fd>/<path>, at most len - 1 bytes, without its newline. */
static int read_line(int fd, const char *path, char *buf, size_t len)
{
	int f = openat(fd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (f < 0)
		return -errno;
	do
		n = read(f, buf, len - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	close(f);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* When this boot began, on the clock file times use. */
static struct timespec boot_began(void)
{
	struct timespec now, up;

	clock_gettime(CLOCK_REALTIME, &now);
	clock_gettime(CLOCK_BOOTTIME, &up);
	now.tv_sec -= up.tv_sec;
	now.tv_nsec -= up.tv_nsec;
	if (now.tv_nsec < 0) {
		now.tv_nsec += 1000000000L;
		now.tv_sec--;
	}
	return now;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Endpoint files of an earlier boot: unread, as a power loss may have cut
 * them short, and useless, as their links went with that boot.  A file
 * changed since this boot began is kept: a guardnet that does not keep the
 * file "boot" (an older version, run after a reboot) wrote it for a live
 * endpoint. */
static int drop_endpoints(struct gn_store *s, const char *was, struct gn_err *err)
{
	struct timespec began = boot_began();
	size_t n = 0, kept = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int r = store_opendir(s, s->epfd, &d, err);

	if (r < 0)
		return r;
	while (r == 0 && (de = readdir(d))) {
		bool json = de->d_name[0] != '.';

		/* Endpoint files and their temporaries; anything else is not ours. */
		if (!ends_with(de->d_name, json ? STORE_SUFFIX : ".tmp"))
			continue;
		if (fstatat(s->epfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !before(&st.st_mtim, &began)) {
			kept += json;
			continue;
		}
		if (unlinkat(s->epfd, de->d_name, 0) < 0 && errno != ENOENT)
			r = gn_errf(err, -errno, "cannot remove state file %s/endpoints/%s of an earlier boot: %s",
				    s->dir, de->d_name, strerror(errno));
		else
			n += json;
	}
	closedir(d);
	if (n)
		log_info("state: %zu endpoint file(s) of an earlier boot (boot ID %s) dropped unread: their "
			 "containers and links ended with it", n, was);
	if (kept)
		log_warnx("state: %zu endpoint file(s) written since this boot began kept, though the state names "
			  "an earlier boot (%s): a guardnet that does not record the boot ran meanwhile", kept, was);
	return r;
}

/* Text for a message: the value if it is printable, else a description. */
static const char *shown(const char *v)
{
	for (const char *p = v; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return "(not text)";
	return v;
}

int store_check_boot(struct gn_store *s, struct gn_err *err)
{
	char now[GN_BOOT_ID_LEN + 2] = "", was[GN_BOOT_ID_LEN + 2] = "", text[GN_BOOT_ID_LEN + 2];
	int r = read_line(AT_FDCWD, GN_BOOT_ID_PATH, now, sizeof now);

	if (r < 0 || !gn_is_boot_id(now)) {
		log_warnx("state: no boot ID in %s (%s): endpoint files are synced to disk like network files",
			  GN_BOOT_ID_PATH, r < 0 ? strerror(-r) : shown(now));
		/* What this boot wrote unsynced goes to disk before "boot"
		 * goes, so that a later start may read it as synced. */
		if (syncfs(s->epfd) < 0)
			return gn_errf(err, -errno, "cannot sync state directory %s/endpoints: %s", s->dir,
				       strerror(errno));
		if (unlinkat(s->dirfd, "boot", 0) < 0 && errno != ENOENT)
			return gn_errf(err, -errno, "cannot remove state file %s/boot: %s", s->dir, strerror(errno));
		if (fsync(s->dirfd) < 0)
			return gn_errf(err, -errno, "cannot sync state directory %s: %s", s->dir, strerror(errno));
		return 0;
	}
	r = read_line(s->dirfd, "boot", was, sizeof was);
	/* None: a first start, or a guardnet that synced every endpoint file. */
	if (r == -ENOENT)
		was[0] = '\0';
	else if (r < 0)
		return gn_errf(err, r, "state file %s/boot is unusable: %s", s->dir, strerror(-r));
	else if (!gn_is_boot_id(was))
		return gn_errf(err, -EINVAL, "state file %s/boot is unusable: \"%s\" is not a boot ID", s->dir,
			       shown(was));
	if (!strcmp(was, now)) {
		s->sync_endpoints = false;
		return 0;
	}
	if (was[0] && (r = drop_endpoints(s, was, err)) < 0)
		return r;
	/* Synced before any endpoint file of this boot is written unsynced. */
	snprintf(text, sizeof text, "%s\n", now);
	r = store_replace(s->dirfd, "boot", text, true);
	if (r < 0)
		return gn_errf(err, r, "cannot write state file %s/boot: %s", s->dir, strerror(-r));
	s->sync_endpoints = false;
	return 0;
}
