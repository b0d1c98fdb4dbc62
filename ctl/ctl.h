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

/* client.c: CLOCK_MONOTONIC in milliseconds, for deadlines. */
long ctl_now_ms(void);

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

/* docker.c: adds Docker's names to guardnetd's status (networks' "name",
 * endpoints' "container": {"id", "name"}), asking Docker's socket at sock
 * for at most timeout_s seconds; says on stderr when it cannot. */
void ctl_docker_names(json_t *status, const char *sock, double timeout_s);

/* status.c, explain.c: the answers as text.  verbose: full IDs, UFW's
 * rules, the counters. */
void ctl_print_status(json_t *status, bool verbose);
void ctl_print_explain(json_t *explain);

#endif
