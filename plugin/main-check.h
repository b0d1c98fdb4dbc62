/*
 * guardnetd's start-up check of the kernel against its state, made while
 * the plugin socket already answers Docker's handshake.
 */
#ifndef GN_MAIN_CHECK_H
#define GN_MAIN_CHECK_H

#include <stdbool.h>

#include "driver.h"
#include "http.h"

/* load(d, arg), then driver_reconcile, on a thread of its own, while
 * this one answers Activate and GetCapabilities on http and holds every
 * other request (http_hold) until the check is done; then lets them
 * through.  *quit: SIGTERM or SIGINT came meanwhile (the check is
 * finished first).  -1 when load failed (it logs why): guardnetd must not
 * serve.  A reconcile that fails is logged: guardnetd serves anyway and
 * the next change retries, as before it served first. */
int main_check(struct gn_http *http, int sigfd, struct gn_driver *d, int (*load)(struct gn_driver *d, void *arg),
	       void *arg, bool *quit);

#endif
