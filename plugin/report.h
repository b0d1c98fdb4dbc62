/*
 * What guardnetctl shows, as plain structs: report.c gathers it from the
 * driver and the kernel (through the backend), control.c only encodes it.
 * Pointers into the driver's state stay valid until the state next
 * changes; the *_clear functions free what the reports own.
 */
#ifndef GN_REPORT_H
#define GN_REPORT_H

#include <guardnet/types.h>

#include "driver.h"
#include "explain.h"

struct report_endpoint {
	const char *id;
	bool has_addr4, has_addr6;
	struct gn_addr addr4, addr6;
	const struct gn_prefix_list *allow;
	struct gn_pub_list published;          /* what it publishes now */
};

struct report_network {
	const char *id;
	const char *bridge;
	bool internal, icc;
	enum gn_ufw_mode ufw;                  /* guardnet.ufw as given */
	const struct gn_addr_list *publish;    /* the host allowlist in force */
	const struct gn_prefix_list *allow;
	struct report_endpoint *eps;
	size_t n_eps;
};

/* A line of UFW's files guardnet cannot express (ufw-restore.c): an
 * ACCEPT is left out, anything else drops.  file and why are borrowed
 * from UFW's configuration as read. */
struct report_ufw_line {
	const char *file;                      /* "before.rules", ... */
	unsigned line;
	const char *why;
};

/* guardnetctl status */
struct report_status {
	bool ufw_enabled;                      /* false too when UFW was not read */
	size_t ufw_rules4, ufw_rules6;
	bool scope_global;                     /* a Swarm driver */
	const struct gn_transport_port *ingress; /* Docker's routing mesh publishes these past guardnet */
	size_t n_ingress;
	struct report_ufw_line *ufw_unreadable;
	size_t n_ufw_unreadable;
	struct report_network *nets;
	size_t n_nets;
};

int report_status(const struct gn_driver *d, struct report_status *ret, struct gn_err *err);
void report_status_clear(struct report_status *s);

/* guardnetctl check: one line per difference between kernel and state. */
struct report_lines {
	char **v;
	size_t n;
};

int report_check(const struct gn_driver *d, struct report_lines *ret, struct gn_err *err);
void report_lines_clear(struct report_lines *l);

/* guardnetctl explain, as the user typed it: from and port required, to
 * (the host address the source would connect to) and in (the interface
 * it arrives on) found out from the kernel's routes when NULL. */
struct report_explain_req {
	const char *from, *to, *port, *in;
};

/* Fills q from req and the kernel's routes, and res with the verdict. */
int report_explain(const struct gn_driver *d, const struct report_explain_req *req, struct explain_query *q,
		   struct explain_result *res, struct gn_err *err);

#endif
