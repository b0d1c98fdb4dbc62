/*
 * HTTP/1.1 on the plugin socket, with libmicrohttpd driven from guardnetd's
 * own event loop: every request is handled on the main thread, one at a
 * time, so the driver's state and the kernel are only touched from there
 * (but for the start-up check's thread, while requests are held:
 * main-check.c).
 */
#ifndef GN_HTTP_H
#define GN_HTTP_H

#include <guardnet/types.h>

#include "driver.h"

struct gn_http;

/* Connections served at once, at most: each is a descriptor. */
#define HTTP_MAX_CONNECTIONS 4096u

/* Takes over listen_fd (closed by http_stop).  listen_fd -1: no listening
 * socket; connections arrive through http_add_connection only. */
int http_start(struct gn_http **ret, int listen_fd, struct gn_driver *d, unsigned max_connections,
	       struct gn_err *err);
/* While held, requests that need the driver's state or the kernel
 * (api_needs_state) wait, suspended, and the handshake is answered, so
 * that Docker finds the plugin while guardnetd checks the kernel at
 * start-up.  http_release lets them be answered and says how many
 * waited. */
void http_hold(struct gn_http *h);
size_t http_release(struct gn_http *h);
/* Serves a connected stream socket, which it takes over (closed also on
 * failure).  For the fuzz harness, which feeds raw bytes over a socketpair. */
int http_add_connection(struct gn_http *h, int fd);
/* A descriptor that becomes readable when http_run has work. */
int http_fd(const struct gn_http *h);
/* Milliseconds until http_run must be called anyway; -1: no deadline. */
int http_timeout_ms(const struct gn_http *h);
void http_run(struct gn_http *h);
void http_stop(struct gn_http *h);

#endif
