/*
 * What store.c and store-boot.c share; the rest of guardnetd sees store.h.
 */
#ifndef GN_STORE_INT_H
#define GN_STORE_INT_H

#include <dirent.h>
#include <stdbool.h>
#include <string.h>

#include <guardnet/types.h>

struct gn_store;

#define STORE_SUFFIX ".json"

static inline bool ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);

	return n > m && !strcmp(s + n - m, end);
}

/* Replaces <fd>/<name> with text, through a temporary file and rename so
 * that a crash of guardnetd leaves one version or the other.  With sync,
 * the file and the rename reach the disk before it returns. */
int store_replace(int fd, const char *name, const char *text, bool sync);
/* The directory fd of s (one of its subdirectories), open for readdir. */
int store_opendir(struct gn_store *s, int fd, DIR **ret, struct gn_err *err);
/* Settles which boot the endpoint files belong to, before they are read. */
int store_check_boot(struct gn_store *s, struct gn_err *err);

#endif
