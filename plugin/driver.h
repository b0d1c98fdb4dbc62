/*
 * The driver: what each Docker request means for guardnet's state.  It
 * decides what should exist (plan.h), asks the kernel for it through the
 * backend (backend.h) and records it durably before answering.  A request
 * that fails leaves state, records and kernel as they were.
 *
 * Every call is idempotent: a repeated create with the same content
 * succeeds, deletes and leaves of unknown IDs succeed.  Functions return 0
 * or a negative errno with err naming the bad field and value.
 */
#ifndef GN_DRIVER_H
#define GN_DRIVER_H

#include <guardnet/types.h>

#include "backend.h"
#include "plan.h"
#include "pubindex.h"
#include "relayindex.h"
#include "state.h"
#include "store.h"

struct gn_driver {
	struct gn_state st;
	struct gn_store *store;          /* NULL: keep state in memory only (tests) */
	struct gn_backend be;
	struct plan_env env;             /* main.c keeps env.ufw current */
	struct pubindex taken;           /* every programmed endpoint's publications */
	bool taken_stale;                /* taken may lack a change: rebuild it before use */
	bool swept;                      /* driver_sweep has run once */
	long suspects_until;             /* end of the suspects' grace period; 0: none left */
	size_t sweep_next;               /* the next round's first watched suspect (driver_sweep) */
	bool scope_global;               /* a Swarm driver: GetCapabilities says global */
	struct gn_transport_port *ingress; /* Docker's routing mesh publishes these (sorted) */
	size_t n_ingress;
	struct relayindex relays;        /* every endpoint's claims on the host's [::1] (plan_relays_ep) */
	bool relays_dirty;               /* relays may lack a change: the relay needs the whole list again */
};

struct gn_join_reply {
	char src_name[GN_IFNAME_MAX + 1];
	bool has_gw4, has_gw6;
	struct gn_addr gw4, gw6;
};

void driver_init(struct gn_driver *d, struct gn_store *store, struct gn_backend be, const struct plan_env *env);
void driver_free(struct gn_driver *d);

/* spec's contents are taken over on success. */
int driver_create_network(struct gn_driver *d, struct gn_network_spec *spec, struct gn_err *err);
/* AllocateNetwork, on a Swarm manager: the checks of create that need no
 * node (options, pools, gateways); nothing is created or kept. */
int driver_allocate_network(struct gn_driver *d, const struct gn_network_spec *spec, struct gn_err *err);
int driver_delete_network(struct gn_driver *d, const char *id, struct gn_err *err);
/* ret_mac: the MAC guardnet gave the container interface when Docker gave
 * none (has_mac false otherwise). */
int driver_create_endpoint(struct gn_driver *d, struct gn_endpoint_spec *spec, bool *has_mac, uint8_t ret_mac[6],
			   struct gn_err *err);
int driver_delete_endpoint(struct gn_driver *d, const struct gn_ep_ref *ref, struct gn_err *err);
/* What the endpoint publishes (publish_in_force), for EndpointOperInfo:
 * nothing but its exposed ports before ProgramExternalConnectivity or
 * after Revoke; -ENOENT for an endpoint guardnet does not know. */
int driver_oper_info(const struct gn_driver *d, const struct gn_ep_ref *ref, struct gn_ports *ret);
int driver_join(struct gn_driver *d, const struct gn_join_req *req, struct gn_join_reply *ret,
		struct gn_err *err);
int driver_leave(struct gn_driver *d, const struct gn_ep_ref *ref, struct gn_err *err);
int driver_program(struct gn_driver *d, const struct gn_program_req *req, struct gn_err *err);
int driver_revoke(struct gn_driver *d, const struct gn_ep_ref *ref, struct gn_err *err);

/* Applies the whole firewall model again: after UFW's rules changed, or
 * when another program touched guardnet's. */
int driver_firewall(struct gn_driver *d, struct gn_err *err);
/* The host's [::1] ports the relay serves (plan_relays), in *ret (free
 * it): rebuilt from the state into d->relays, which from then on tells
 * which ports each change moves (relayindex_take), until relays_dirty is
 * set again (at start-up, after running out of memory).  0 or -ENOMEM. */
int driver_relays_whole(struct gn_driver *d, struct gn_relay_svc **ret, size_t *n);

/* Lets the backend begin reading the kernel for driver_reconcile while
 * the state is read (start-up). */
void driver_prefetch(struct gn_driver *d);
/* Makes the kernel match the state (backend's reconcile): at start-up,
 * and with an empty state for --cleanup. */
int driver_reconcile(struct gn_driver *d, struct gn_err *err);

/* Drops the endpoints Docker abandoned without telling guardnet, because
 * their Leave or DeleteEndpoint failed while guardnetd was not running.
 * Every endpoint guardnetd starts with is a suspect until a request of
 * Docker's names it.  DRIVER_SUSPECT_GRACE_S after the start (Docker
 * retries a call for at most 30 s) the unjoined suspects are removed, and
 * from then on the joined ones once their container is gone, looked at
 * DRIVER_SWEEP_BATCH per call in turn; during the grace period only those
 * whose host ports a new endpoint asks for, and those at once.
 * Call once after loading the state, before the kernel is reconciled,
 * then every few seconds; now is CLOCK_MONOTONIC in seconds.
 * (CreateEndpoint also removes an endpoint whose address Docker hands out
 * again.) */
#define DRIVER_SUSPECT_GRACE_S 30
#define DRIVER_SWEEP_BATCH 512
void driver_sweep(struct gn_driver *d, long now);

/* Reads which ports Docker's routing mesh publishes here (backend's
 * ingress) into d->ingress, and warns in the log about each new one: they
 * bypass guardnet (driver-ingress.c).  Call every few seconds. */
void driver_watch_ingress(struct gn_driver *d);

#endif
