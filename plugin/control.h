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

#define GN_CONTROL_DEFAULT "/run/guardnet/control.sock"

/* A listening socket at path (its directory made 0700); -errno on failure. */
int control_open(const char *path, struct gn_err *err);
/* Accepts and answers every pending client of lfd. */
void control_serve(int lfd, struct gn_driver *d);

#endif
