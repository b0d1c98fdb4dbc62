/*
 * guardnetctl: the operator's view of guardnetd.  It links jansson and libc
 * only: what it knows of guardnetd is the control socket's JSON
 * (<guardnet/control.h>), never the daemon's code.
 */
#ifndef GN_CTL_H
#define GN_CTL_H

#include <stdbool.h>

#include <jansson.h>

/* Exit statuses, as guardnetctl(8) documents them. */
#define CTL_EXIT_OK          0
#define CTL_EXIT_DIFFERENCE  1  /* check: the kernel lacks something it should hold */
#define CTL_EXIT_USAGE       2  /* bad arguments, or guardnetd refused the request */
#define CTL_EXIT_UNREACHABLE 3  /* guardnetd is not running, stopped, wedged or gone */

/* client.c: one request on the control socket at path, answered within
 * timeout_s seconds.  0 and the reply in *ret, or an exit status after
 * saying on stderr why there is no reply. */
int ctl_ask(const char *path, json_t *request, double timeout_s, json_t **ret);

/* client.c: the control socket of the one managed guardnet plugin on this
 * host (GN_PLUGIN_DIRS/<ID>/GN_PLUGIN_CONTROL beside GN_PLUGIN_SOCKET), for
 * when there is none at the default path.  0 and the path in buf; -ENOENT
 * when there is no such plugin, -EEXIST (after listing them on stderr) when
 * there are several. */
int ctl_find_plugin(char *buf, size_t len);

/* check.c: check without guardnetd, reading the kernel and the names in
 * guardnetd's state directory.  CTL_EXIT_DIFFERENCE, or
 * CTL_EXIT_UNREACHABLE when it finds nothing missing. */
int ctl_check_degraded(const char *state_dir, bool as_json);

/* status.c, explain.c: the answers as text. */
void ctl_print_status(json_t *status);
void ctl_print_explain(json_t *explain);

#endif
