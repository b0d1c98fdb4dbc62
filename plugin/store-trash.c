/*
 * Where a state file's old version goes instead of being freed on the
 * request's path.  Freeing a file's blocks can wait on the disk: on ext4
 * mounted with `discard` (cloud images often are), the unlink or the
 * rename over an old version issues the discard before it returns,
 * 50-200 ms on this project's test machine (issue 17: 8 of the 18
 * requests over 20 ms at 1,000 networks x 10 endpoints were waiting
 * there, in blkdev_issue_discard).  So the old version is linked into
 * DIR/trash first (a name costs no block), and a thread of the store's
 * own unlinks what is there.  Nothing is read from the trash: a crash
 * leaves files there that the next start empties.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store-trash.h"

static void empty(int fd)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		log_warn("state: reading trash");
		return;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT)
			log_warn("state: removing trash/%s", de->d_name);
	closedir(d);
}

static void *run(void *arg)
{
	struct store_trash *t = arg;

	pthread_mutex_lock(&t->lock);
	for (;;) {
		while (!t->dirty && !t->stop)
			pthread_cond_wait(&t->wake, &t->lock);
		if (!t->dirty)
			break;
		t->dirty = false;
		pthread_mutex_unlock(&t->lock);
		empty(t->fd);
		pthread_mutex_lock(&t->lock);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

void trash_open(struct store_trash *t, int fd)
{
	memset(t, 0, sizeof *t);
	t->fd = fd;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	/* What a crash left: before any new name could meet an old one. */
	empty(fd);
	if (pthread_create(&t->thread, NULL, run, t) != 0) {
		log_warnx("state: no thread for the trash; old versions are removed as they are replaced");
		return;
	}
	t->running = true;
}

bool trash_take(struct store_trash *t, int dirfd, const char *name, bool move)
{
	char to[64];
	unsigned long n;
	struct stat st;
	int r;

	if (!t->running)
		return false;
	/* Only the store's own files: anything else where one belongs (a
	 * directory) is the caller's to report, as unlink would. */
	if (move && (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)))
		return false;
	n = __atomic_fetch_add(&t->seq, 1, __ATOMIC_RELAXED);
	snprintf(to, sizeof to, "%lu", n);
	r = move ? renameat(dirfd, name, t->fd, to) : linkat(dirfd, name, t->fd, to, 0);
	return r == 0;
}

void trash_empty(struct store_trash *t)
{
	if (!t->running)
		return;
	pthread_mutex_lock(&t->lock);
	t->dirty = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
}

void trash_close(struct store_trash *t)
{
	if (t->running) {
		pthread_mutex_lock(&t->lock);
		t->stop = true;
		pthread_cond_signal(&t->wake);
		pthread_mutex_unlock(&t->lock);
		pthread_join(t->thread, NULL);
		t->running = false;
	}
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->lock);
}
