/*
 * Which host ports an endpoint publishes, decided without touching the
 * kernel: the host allowlist (guardnet.publish) against each binding's
 * HostIP, free ports for HostPort 0 and ranges, conflicts with other
 * endpoints and with host sockets.  Pure: the host is asked through a
 * callback, so unit tests can play it.
 */
#ifndef GN_DRIVER_PUBLISH_H
#define GN_DRIVER_PUBLISH_H

#include <guardnet/pub.h>
#include <guardnet/types.h>

struct gn_pub_list {
	struct gn_pub *v;
	size_t n, cap;
};

struct pubindex;

struct publish_env {
	const struct gn_addr_list *allowed;   /* the network's host allowlist */
	const char *allowed_name;             /* "guardnet.publish=..." for messages */
	uint16_t eph_lo, eph_hi;              /* range for HostPort 0 */
	/* Every endpoint's publications; the resolved endpoint's own (the
	 * same ep_id pointer) do not count. */
	const struct pubindex *taken;
	/* Whether a host socket holds the port (addr NULL: any address). */
	bool (*host_in_use)(void *ctx, uint8_t proto, int family, const struct gn_addr *addr, uint16_t port,
			    char *who, size_t len);
	void *host_ctx;
};

/* Turns the requested bindings into ones with a concrete host port each
 * (HostPort 0 and ranges resolved), checking the allowlist and conflicts.
 * On failure err names the binding, the address or port and the holder. */
int publish_resolve(const struct publish_env *env, const struct gn_endpoint_spec *ep, const char *net_id,
		    const struct gn_ports *req, struct gn_ports *ret, struct gn_err *err);
/* Appends the publications of resolved bindings to out.  Bindings of a
 * family the endpoint has no address in publish nothing (an IPv4-only
 * network publishes nothing on IPv6). */
int publish_expand(const struct gn_addr_list *allowed, const struct gn_endpoint_spec *ep, const char *net_id,
		   const struct gn_ports *resolved, struct gn_pub_list *out);
void pub_list_clear(struct gn_pub_list *l);

struct gn_state;
struct gn_network;
struct gn_endpoint;
/* Every programmed endpoint's publications except exclude's; networks
 * without guardnet.publish use dflt (the config's list). */
int publish_all(const struct gn_state *st, const struct gn_addr_list *dflt, const struct gn_endpoint *exclude,
		struct gn_pub_list *out);
/* The host allowlist in force for net. */
const struct gn_addr_list *publish_allowed(const struct gn_network *net, const struct gn_addr_list *dflt);
const char *proto_name(uint8_t proto);

#endif
