/*
 * A driver on a fake host, where the driver's suites start: a fresh state
 * directory (or none), guardnet.conf's defaults and the fake backend
 * (fake_backend.h) for a kernel.
 */
#ifndef GN_UNIT_HOST_H
#define GN_UNIT_HOST_H

#include "fake_backend.h"

struct unit_host {
	char *dir;                   /* the state directory; NULL: state in memory */
	struct gn_config cfg;
	struct gn_store store;
	struct fake_backend fk;
	struct gn_driver drv;
};

void host_open(struct unit_host *h, bool with_store);
void host_close(struct unit_host *h);
/* One Docker request through the API: its HTTP status. */
unsigned host_call(struct unit_host *h, const char *path, const char *body);
/* One that must succeed; the test fails with the reply otherwise. */
void host_must(struct unit_host *h, const char *path, const char *body);

#endif
