/*
 * The seam between the driver and the kernel.  The driver decides what
 * must exist (plan.c turns its state into the plain structs below and the
 * firewall model of fw.h) and asks for it through these operations, never
 * through the kernel's libraries; kernel.c implements them with rtnetlink
 * and nf_tables, tests/unit/fake_backend.c records them.
 *
 * Every operation that can fail returns 0 or a negative errno with err
 * naming what failed, and changes nothing on failure (a bridge or veth
 * pair half made is removed again, a firewall transaction is all or
 * nothing).
 */
#ifndef GN_BACKEND_H
#define GN_BACKEND_H

#include <guardnet/types.h>

#include "fw.h"
#include "names.h"

/* Gateway addresses a bridge carries at most (a Docker network has one
 * subnet per family, rarely a few). */
#define PLAN_BRIDGE_ADDRS 64

/* A network's bridge as it must be. */
struct plan_bridge {
	const char *owner;                   /* the NetworkID, for messages */
	char name[GN_IFNAME_MAX + 1];
	char alias[NAMES_ALIAS_MAX];
	uint8_t mac[6];                      /* names_mark_mac of name */
	unsigned mtu;                        /* 0: the kernel's default */
	uint32_t group;                      /* device group: guardnet's iptables rules drop by it */
	struct gn_prefix addrs[PLAN_BRIDGE_ADDRS]; /* the gateways, with their subnets' length */
	size_t n_addrs;
	/* The host's connections to 127.0.0.1:P are DNATed into the bridge
	 * and keep their loopback source until masqueraded (design.md 4). */
	bool route_localnet;
	bool forward4, forward6;             /* the host must forward IPv4, IPv6 */
};

/* An endpoint's veth pair as it must be. */
struct plan_veth {
	const char *owner;                   /* the EndpointID, for messages */
	char host[GN_IFNAME_MAX + 1];        /* on the bridge, up */
	char peer[GN_IFNAME_MAX + 1];        /* left down for Docker to move into the container */
	char master[GN_IFNAME_MAX + 1];      /* the bridge */
	char alias[NAMES_ALIAS_MAX];
	uint8_t host_mac[6];                 /* names_mark_mac of host */
	uint8_t peer_mac[6];                 /* names_container_mac */
	unsigned mtu;
	/* Joined: the peer is in a container, and a pair made anew could not
	 * reach it. */
	bool in_use;
};

/* Every link guardnet wants, for reconcile and check. */
struct plan_links {
	struct plan_bridge *bridges;
	size_t n_bridges;
	struct plan_veth *veths;
	size_t n_veths;
};

/* How the host routes to an address (explain): whether it is one of the
 * host's, the interface a connection from it arrives on, and the source
 * address the host answers it from. */
struct backend_route {
	bool local;
	char oif[GN_IFNAME_MAX + 1];
	bool has_src;
	struct gn_addr src;
};

/* Which iptables hold a filter table on this host, and so guardnet's
 * accept rule (fw.h): iptables-nft's in nf_tables, legacy x_tables. */
struct backend_fw_info {
	bool iptables_nft, iptables_legacy;
};

struct gn_backend_ops {
	/* Makes the bridge, or adopts guardnet's own of that name. */
	int (*network_up)(void *ctx, const struct plan_bridge *b, struct gn_err *err);
	/* Removes the bridge; logs what it cannot. */
	void (*network_down)(void *ctx, const struct plan_bridge *b);
	int (*endpoint_up)(void *ctx, const struct plan_veth *v, struct gn_err *err);
	void (*endpoint_down)(void *ctx, const struct plan_veth *v);
	/* Replaces guardnet's whole firewall with m. */
	int (*firewall)(void *ctx, const struct fw_model *m, struct gn_err *err);
	/* One endpoint's elements go from `from` to `to` (fw_apply_share):
	 * -ESTALE when the firewall is not known to be as guardnet left it,
	 * and the caller must apply the whole model instead. */
	int (*share)(void *ctx, const struct fw_share *from, const struct fw_share *to, struct gn_err *err);
	/* Network n comes into the firewall (add: m has it) or leaves it
	 * (fw_apply_network): -ESTALE when more than its part changes, and
	 * the caller must apply the whole model instead. */
	int (*network)(void *ctx, const struct fw_model *m, const struct fw_network *n, bool add, struct gn_err *err);
	/* Whether v has left its container: the host end is gone (with the
	 * container's namespace) or the peer is back on the host (Docker moves
	 * it back on leaving).  False when the links cannot be read. */
	bool (*detached)(void *ctx, const struct plan_veth *v);
	/* Whether a socket of the host holds proto/port on addr (NULL: on any
	 * address of family); who then describes it. */
	bool (*port_in_use)(void *ctx, uint8_t proto, int family, const struct gn_addr *addr, uint16_t port,
			    char *who, size_t len);
	/* The range Docker takes host ports from when none is given. */
	void (*ephemeral)(void *ctx, uint16_t *lo, uint16_t *hi);
	int (*route)(void *ctx, const struct gn_addr *addr, struct backend_route *ret, struct gn_err *err);
	/* The ports Docker's routing mesh publishes on this host (a Swarm
	 * service in ingress mode), which never cross guardnet; *ret is the
	 * caller's to free (NULL with none). */
	int (*ingress)(void *ctx, struct gn_transport_port **ret, size_t *n, struct gn_err *err);
	void (*fw_info)(void *ctx, struct backend_fw_info *ret);
	/* The connection counters of every published port (fw.h); the
	 * caller frees ret->v. */
	int (*counters)(void *ctx, struct fw_counts *ret, struct gn_err *err);
	/* At start-up, before the state is read: may begin reading what
	 * reconcile will compare (NULL: reconcile reads it). */
	void (*prefetch)(void *ctx);
	/* At start-up (and --cleanup, with nothing wanted): removes the links
	 * guardnet owns that want does not name, makes those it names and the
	 * kernel lacks (not a veth pair in use), applies m.  Logs what it
	 * fixes; returns the first error. */
	int (*reconcile)(void *ctx, const struct plan_links *want, const struct fw_model *m, struct gn_err *err);
	/* Calls report once per difference between the kernel and want and m
	 * (links and their settings, guardnet's table, the iptables accept
	 * rule), changing nothing. */
	void (*check)(void *ctx, const struct plan_links *want, const struct fw_model *m,
		      void (*report)(const char *msg, void *rctx), void *rctx);
};

struct gn_backend {
	const struct gn_backend_ops *ops;
	void *ctx;
};

#endif
