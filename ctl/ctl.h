/*
 * guardnetctl: the operator's view of guardnetd.  It links jansson and libc
 * only: what it knows of guardnetd is the control socket's JSON
 * (<guardnet/control.h>), never the daemon's code.
 */
#ifndef GN_CTL_H
#define GN_CTL_H

#include <stdbool.h>

#include <jansson.h>

/* client.c: one request on the control socket at path.  Returns the reply,
 * or NULL after printing why there is none on stderr. */
json_t *ctl_ask(const char *path, json_t *request);

/* status.c, explain.c: the answers as text. */
void ctl_print_status(json_t *status);
void ctl_print_explain(json_t *explain);

#endif
