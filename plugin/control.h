/*
 * guardnetd's side of guardnetctl's control socket; the protocol is
 * described in <guardnet/control.h>.
 */
#ifndef GN_CONTROL_H
#define GN_CONTROL_H

#include <guardnet/control.h>
#include <guardnet/types.h>

#include "driver.h"

/* The default control socket of the guardnetd serving plugin_socket
 * (/run/docker/plugins/NAME.sock): GN_CONTROL_DIR/NAME.sock, one per
 * guardnetd, so that several (one per network namespace) never share one
 * (issue 12, point 8).  -ENAMETOOLONG when it does not fit in len. */
int control_default_path(const char *plugin_socket, char *buf, size_t len);
/* A listening socket at path (its directory made 0700); -errno on
 * failure.  A live socket there (another guardnetd's) is never taken over:
 * -EADDRINUSE. */
int control_open(const char *path, struct gn_err *err);
/* Accepts and answers every pending client of lfd. */
void control_serve(int lfd, struct gn_driver *d);

#endif
