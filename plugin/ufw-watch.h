/*
 * Following UFW's files: inotify on ROOT/etc/ufw and ROOT/etc/default, so a
 * `ufw allow`, `ufw delete`, `ufw enable` or an edit of /etc/default/ufw
 * reaches guardnet's rules at once, without polling.
 */
#ifndef GN_UFW_WATCH_H
#define GN_UFW_WATCH_H

#include <stdbool.h>

#include <guardnet/types.h>

/* A descriptor to poll; -errno when neither directory can be watched. */
int ufwwatch_open(const char *root, struct gn_err *err);
/* Drains the events; true when one of UFW's files changed. */
bool ufwwatch_read(int fd);

#endif
