/*
 * The control socket of guardnetctl: root only (mode 0600, and the peer's
 * credentials are checked), one JSON request line, one JSON reply, close.
 * Requests: {"cmd":"status"}, {"cmd":"check"} and {"cmd":"explain",
 * "from":ADDR, "port":"P[/PROTO]", optional "to":ADDR and "in":IFNAME}.
 */
#ifndef GN_CONTROL_H
#define GN_CONTROL_H

#include <guardnet/types.h>

#include "driver.h"

/* One control socket per guardnetd, named for its driver: a machine may run
 * one guardnetd per network namespace, each serving its own driver name
 * (issue 12, point 8).  guardnetctl --driver NAME finds it there. */
#define GN_CONTROL_DIR "/run/guardnet"
#define GN_CONTROL_DEFAULT GN_CONTROL_DIR "/guardnet.sock"

/* The default control socket of the guardnetd serving plugin_socket
 * (/run/docker/plugins/NAME.sock): GN_CONTROL_DIR/NAME.sock.  -ENAMETOOLONG
 * when it does not fit in len. */
int control_default_path(const char *plugin_socket, char *buf, size_t len);
/* A listening socket at path (its directory made 0700); -errno on
 * failure.  A live socket there (another guardnetd's) is never taken over:
 * -EADDRINUSE. */
int control_open(const char *path, struct gn_err *err);
/* Accepts and answers every pending client of lfd. */
void control_serve(int lfd, struct gn_driver *d);

#endif
