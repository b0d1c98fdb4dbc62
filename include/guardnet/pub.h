/*
 * One published port, as the driver decides it (publish.c) and the firewall
 * seam receives it (fw.h): a DNAT from (host address or any, proto, port)
 * to (container address, container port).
 */
#ifndef GUARDNET_PUB_H
#define GUARDNET_PUB_H

#include <guardnet/types.h>

struct gn_pub {
	uint8_t family;         /* AF_INET or AF_INET6 */
	bool any;               /* every local address of the family */
	struct gn_addr host;    /* when !any */
	uint8_t proto;
	uint16_t port;
	struct gn_addr ctr;
	uint16_t ctr_port;
	const char *ep_id;      /* owner, for messages */
	const char *net_id;
};

/* One port of the host's [::1] that guardnet's relay (relay.c) serves for
 * a published port: connections to [::1]:port are relayed to the
 * container's address and port (its IPv6 one when it has one). */
struct gn_relay_svc {
	uint8_t proto;
	uint16_t port;
	struct gn_addr to;
	uint16_t to_port;
};

/* A port of [::1] whose relay changes: served as s says from then on, or
 * no longer (gone; s.port names it). */
struct gn_relay_change {
	struct gn_relay_svc s;
	bool gone;
};

#endif
