/*
 * Logging in the style of OpenBSD's log.c: one line per event on stderr,
 * which journald captures under systemd.  Lower layers (addr, api, store,
 * netlink, firewall) do not log failures; they return -errno and fill a
 * struct gn_err.  The layer that knows the context logs once.
 */
#ifndef GN_LOG_H
#define GN_LOG_H

#include <stdarg.h>

#include <guardnet/types.h>

void log_init(int verbosity);
void log_program(const char *name);     /* "guardnetd" unless told */
int log_verbosity(void);
/* Why guardnetd does not start (it then exits 1): "error: " and LOG_ERR. */
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* appends strerror(errno) */
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* appends strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Fill err with a formatted message and return code, so a failure is one line:
 * return gn_errf(err, -EINVAL, "%s: ...", path); */
int gn_errf(struct gn_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
