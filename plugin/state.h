/*
 * guardnet's memory of what Docker told it: networks and their endpoints.
 * Docker never replays CreateNetwork, so this (persisted by store.c) is
 * the only record of a network's options across restarts.
 */
#ifndef GN_STATE_H
#define GN_STATE_H

#include <guardnet/types.h>

#include "addr.h"
#include "idmap.h"

struct gn_network;

struct gn_endpoint {
	struct gn_endpoint_spec spec;
	struct gn_network *net;
	struct gn_endpoint *prev, *next;   /* in net->endpoints */
	bool joined;
	char *sandbox_key;
	bool programmed;                   /* ProgramExternalConnectivity in force */
	struct gn_ports published;         /* what it asked to publish */
	bool no_proxy_6to4;
	bool suspect;                      /* known before guardnetd started (driver_sweep) */
	char addr_key[2][GN_PREFIX_STRLEN]; /* its addresses, keys of net->by_addr */
};

struct gn_network {
	struct gn_network_spec spec;
	struct gn_endpoint *endpoints;
	size_t n_endpoints;
	bool dying;                        /* being deleted: no longer in the firewall model */
	/* Endpoints by address, so that finding the holder of an address
	 * costs the same with ten endpoints or a thousand.  An address held
	 * twice (state from before this index) is left out and counted in
	 * n_unindexed; state_address_holder then reads the whole list. */
	struct idmap by_addr;
	size_t n_unindexed;
};

struct gn_state {
	struct idmap nets;
	struct idmap eps;
};

void state_init(struct gn_state *st);
void state_free(struct gn_state *st);

struct gn_network *state_network(const struct gn_state *st, const char *id);
struct gn_endpoint *state_endpoint(const struct gn_state *st, const char *id);
/* The network whose bridge is named ifname, or NULL. */
struct gn_network *state_network_by_bridge(const struct gn_state *st, const char *ifname);

/* Takes ownership of spec's contents on success (spec is zeroed). */
int state_add_network(struct gn_state *st, struct gn_network_spec *spec, struct gn_network **ret);
int state_add_endpoint(struct gn_state *st, struct gn_network *net, struct gn_endpoint_spec *spec,
		       struct gn_endpoint **ret);
void state_remove_endpoint(struct gn_state *st, struct gn_endpoint *ep);
/* Removes the network and any endpoints it still has. */
void state_remove_network(struct gn_state *st, struct gn_network *net);

/* An endpoint of net holding addr, or NULL. */
struct gn_endpoint *state_address_holder(const struct gn_network *net, const struct gn_addr *addr);

void state_each_network(const struct gn_state *st, void (*fn)(void *net, void *ctx), void *ctx);

void endpoint_free(struct gn_endpoint *ep);

#endif
