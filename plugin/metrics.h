/*
 * guardnet's counters and state in the Prometheus text exposition format
 * (version 0.0.4): what `guardnetctl metrics` prints and the opt-in
 * listener of guardnet.conf's "metrics" key serves at /metrics, with
 * libmicrohttpd driven from guardnetd's event loop like the plugin socket
 * (http.h), so the driver's state is read from the main thread only.
 */
#ifndef GN_METRICS_H
#define GN_METRICS_H

#include <guardnet/types.h>

#include "driver.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The exposition for d now (malloc'd), or NULL with err. */
char *metrics_text(const struct gn_driver *d, const char *version, struct gn_err *err);

struct gn_metrics;

/* Listens on addr:port (TCP) for GET /metrics. */
int metrics_start(struct gn_metrics **ret, const struct gn_addr *addr, uint16_t port, struct gn_driver *d,
		  const char *version, struct gn_err *err);
/* A descriptor that becomes readable when metrics_run has work. */
int metrics_fd(const struct gn_metrics *m);
/* Milliseconds until metrics_run must be called anyway; -1: no deadline. */
int metrics_timeout_ms(const struct gn_metrics *m);
void metrics_run(struct gn_metrics *m);
void metrics_stop(struct gn_metrics *m);

#endif
