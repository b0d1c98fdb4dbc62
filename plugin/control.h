/*
 * guardnetd's side of guardnetctl's control socket; the protocol is
 * described in <guardnet/control.h>.
 */
#ifndef GN_CONTROL_H
#define GN_CONTROL_H

#include <guardnet/control.h>
#include <guardnet/types.h>

#include "driver.h"

/* A listening socket at path (its directory made 0700); -errno on failure. */
int control_open(const char *path, struct gn_err *err);
/* Accepts and answers every pending client of lfd. */
void control_serve(int lfd, struct gn_driver *d);

#endif
