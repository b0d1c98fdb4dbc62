/*
 * The state directory's trash (store-trash.c): old versions of state files
 * wait there to be unlinked by a thread of the store's own.  Internal to
 * the store.
 */
#ifndef GN_STORE_TRASH_H
#define GN_STORE_TRASH_H

#include <pthread.h>
#include <stdbool.h>

struct store_trash {
	int fd; /* DIR/trash */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool running, dirty, stop;
	unsigned long seq;
};

/* Empties the directory fd (what a crash left) and starts the thread. */
void trash_open(struct store_trash *t, int fd);
/* Links (move: moves) dirfd/name into the trash; false when it could not
 * (no file of that name, no thread), and the caller frees the file
 * itself. */
bool trash_take(struct store_trash *t, int dirfd, const char *name, bool move);
/* Has the thread unlink what is in the trash: once the caller is done
 * with the names it took (after the rename over a linked file), or the
 * caller's own rename could be the one to drop the file's last link, and
 * would free its blocks itself. */
void trash_empty(struct store_trash *t);
/* Stops the thread once the trash is empty.  Not fd. */
void trash_close(struct store_trash *t);

#endif
