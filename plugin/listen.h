/*
 * The plugin socket: Docker finds guardnet at /run/docker/plugins/NAME.sock
 * and the file name (without .sock) is the driver name.
 */
#ifndef GN_LISTEN_H
#define GN_LISTEN_H

#include <stdbool.h>
#include <sys/types.h>

#include <guardnet/types.h>

struct gn_listener {
	int fd;
	bool activated;     /* handed over by systemd: not ours to remove */
	char *path;
	dev_t dev;
	ino_t ino;
};

/* Makes path free for a new socket: nothing there, or a socket nobody
 * answers on (a leftover, removed).  A live socket (-EADDRINUSE: another
 * process serves it) or a file that is not a socket (-EEXIST) is left
 * alone and reported with err; what names the socket in the message. */
int socket_path_claim(const char *path, const char *what, struct gn_err *err);
/* Uses a socket passed by systemd (LISTEN_FDS) if there is one, otherwise
 * creates path with mode 0600.  An existing socket nobody answers on is a
 * leftover and is replaced; a live one, or a file that is not a socket, is
 * left alone and reported. */
int listener_open(struct gn_listener *l, const char *path, struct gn_err *err);
/* Tells systemd (sd_notify(3) protocol, $NOTIFY_SOCKET) about the
 * service's state, e.g. "READY=1": with Type=notify, docker.service (ordered
 * after guardnet.service) starts only once the plugin socket answers.  No
 * $NOTIFY_SOCKET: nothing to do. */
void listener_notify(const char *state);
/* The same with a descriptor for systemd's file descriptor store
 * ("FDSTORE=1\nFDNAME=..."); fd -1 sends no descriptor. */
void listener_notify_fd(const char *state, int fd);
/* The descriptors systemd passed back from its store (LISTEN_FDS, after
 * listener_open) whose name begins with prefix, taken over by the caller:
 * at most max in fds, their number returned. */
size_t listener_kept(const char *prefix, int *fds, size_t max);
/* Removes the socket file if this process created it and it is still there. */
void listener_remove(struct gn_listener *l);

#endif
