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

/* What nothing before it admits meets at the end of a network's chain. */
enum report_default {
	REPORT_DEFAULT_NONE,      /* never reached: a UFW rule decides for every source */
	REPORT_DEFAULT_DENY,      /* dropped and logged: guardnet's own default */
	REPORT_DEFAULT_UFW_DENY,  /* UFW's default incoming policy */
	REPORT_DEFAULT_UFW_REJECT,
	REPORT_DEFAULT_UFW_ALLOW,
};

/* Who may reach one published port, in the order a connection is admitted
 * (admit.h): the host always, then the network's own containers (icc),
 * UFW's rules that can decide for it (numbered as `ufw status numbered`
 * numbers them), guardnet.allow, and the default. */
struct report_reach {
	bool hairpin;
	unsigned *ufw_rules;                   /* ufw_rule_number's numbers, in order */
	size_t n_ufw_rules;
	struct gn_prefix *allow;               /* the network's, then the endpoint's, of the port's family */
	size_t n_allow;
	enum report_default dflt;
};

/* Connections the kernel counted for a published port (known: it could be
 * read), since guardnet's table was first made on this host. */
struct report_counters {
	bool known;
	uint64_t admitted, blocked;
};

struct report_port {
	struct gn_pub pub;
	struct report_reach reach;
	struct report_counters count;
};

struct report_endpoint {
	const char *id;                        /* first, here and in report_network: report.c sorts by it */
	bool has_addr4, has_addr6;
	struct gn_addr addr4, addr6;
	const struct gn_prefix_list *allow;
	struct report_port *ports;             /* what it publishes now */
	size_t n_ports;
};

struct report_network {
	const char *id;
	const char *bridge;
	bool internal, icc;
	enum gn_ufw_mode ufw;                  /* guardnet.ufw as given */
	bool ufw_in_force;
	const struct gn_addr_list *publish;    /* the host allowlist in force */
	const struct gn_prefix_list *allow;
	const struct gn_ipam_data *subnets4, *subnets6;
	size_t n_subnets4, n_subnets6;
	struct report_endpoint *eps;
	size_t n_eps;
	struct report_counters count;          /* its ports' together */
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
	uint32_t mark;
	struct backend_fw_info fw;
	const struct ufw_config *ufw;          /* NULL: UFW not read */
	bool scope_global;                     /* a Swarm driver */
	const struct gn_transport_port *ingress; /* Docker's routing mesh publishes these past guardnet */
	size_t n_ingress;
	struct report_ufw_line *ufw_unreadable;
	size_t n_ufw_unreadable;
	struct report_network *nets;
	size_t n_nets;
	bool counters;                         /* the kernel's counters were read */
	char counters_err[160];                /* why not */
};

int report_status(const struct gn_driver *d, struct report_status *ret, struct gn_err *err);
void report_status_clear(struct report_status *s);

/* report-reach.c: who may reach publication p of ep on net.  0 or -ENOMEM. */
int report_reach(const struct plan_env *env, const struct gn_network *net, const struct gn_endpoint *ep,
		 const struct gn_pub *p, struct report_reach *ret);
void report_reach_clear(struct report_reach *r);

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
