/*
 * A backend (plugin/backend.h) that keeps "the kernel" in memory, for unit
 * tests of the driver: the links that exist, the firewall as the last
 * model left it plus the shares applied since, and a log of every call,
 * one line each.  Like the kernel, a call that fails changes nothing, and
 * a share that deletes an element the firewall lacks (or adds one it has)
 * fails: a driver that lost track of its elements shows up here.
 */
#ifndef GN_FAKE_BACKEND_H
#define GN_FAKE_BACKEND_H

#include "backend.h"
#include "config.h"
#include "driver.h"

struct fake_strings {
	char **v;
	size_t n;
};

struct fake_backend {
	struct fake_strings links;   /* bridges and veths' host ends */
	struct fake_strings nets;    /* the firewall's networks, one line each */
	struct fake_strings elems;   /* the firewall's endpoint elements */
	bool applied;                /* a model was applied */
	char *log;                   /* every call, one line each */
	size_t log_len;
	/* Fault injection: the fail_at-th call that can fail (network_up,
	 * endpoint_up, firewall, share, route, reconcile; 1 is the next one)
	 * counters, returns -fail_errno.  0: none. */
	unsigned fail_at;
	int fail_errno;
	bool stale;                  /* share answers -ESTALE, as after another program's change */
	uint16_t busy_port;          /* port_in_use says a host socket holds it */
	/* What route answers for every address: the host's one address is
	 * route.src, the only local one. */
	struct backend_route route;
	/* What ingress answers: the routing mesh's ports. */
	struct gn_transport_port ingress[4];
	size_t n_ingress;
	struct backend_fw_info fw_info;  /* what fw_info answers */
	struct fw_counts counts;         /* what counters answers (the test owns v) */
};

void fake_init(struct fake_backend *f);
void fake_free(struct fake_backend *f);
struct gn_backend fake_backend(struct fake_backend *f);
/* Makes the nth fallible call from now fail with -err (nth 1: the next). */
void fake_fail(struct fake_backend *f, unsigned nth, int err);
/* The link goes, as a container's end goes with its namespace. */
void fake_link_gone(struct fake_backend *f, const char *name);
/* The kernel as text, sorted: links, the firewall's networks and
 * elements (malloc'd). */
char *fake_kernel(const struct fake_backend *f);
/* The log so far (malloc'd, "" when empty); the log starts anew. */
char *fake_log_take(struct fake_backend *f);

/* driver_init with f as the kernel and cfg's defaults (f and cfg must
 * outlive d); store may be NULL. */
void fake_driver_init(struct gn_driver *d, struct gn_store *store, struct fake_backend *f,
		      const struct gn_config *cfg);

#endif
