/*
 * Every name and mark guardnet gives the kernel, and nothing else: the
 * bridge and veth names, the interface alias that marks a link as
 * guardnet's, the MAC address that marks a link made but not yet given its
 * alias, and the MAC of a container's interface when Docker chose none.
 * No other file spells these rules (a unit test greps for them).
 *
 * IDs are what the JSON boundary accepted: 64 lowercase hex digits
 * (Docker's local IDs) or 25 lowercase base-36 characters (swarm network
 * IDs).  Every function works for both, and gives the same answer for the
 * same ID across restarts.
 */
#ifndef GN_NAMES_H
#define GN_NAMES_H

#include <guardnet/types.h>

/* "guardnet:" and an ID, with its terminating NUL. */
#define NAMES_ALIAS_MAX (sizeof "guardnet:" + GN_ID_LEN)

/* A network's bridge when guardnet.bridge does not name one: "gn-" and the
 * ID's first 12 characters, the short ID `docker network ls` shows. */
void names_bridge(const char *net_id, char ret[GN_IFNAME_MAX + 1]);
/* An endpoint's veth pair: "gnh" (the host end, on the bridge) and "gnc"
 * (the end Docker moves into the container), then 12 ID characters. */
void names_veth(const char *ep_id, char host[GN_IFNAME_MAX + 1], char ctr[GN_IFNAME_MAX + 1]);
/* The chain and the set of an endpoint's guardnet.allow for family
 * (AF_INET, AF_INET6) in guardnet's table: "epa4-" or "epa6-" and 12 ID
 * characters, as the endpoint's veth pair (fw-nft-epallow.c).  len: at
 * least NAMES_EPALLOW_MAX. */
#define NAMES_EPALLOW_MAX (sizeof "epa4-" + 12)
void names_epallow(const char *ep_id, int family, char *ret, size_t len);
/* The interface alias of the link owned by id: "guardnet:<id>". */
void names_alias(const char *id, char ret[NAMES_ALIAS_MAX]);
/* The ID an alias names as its owner, or NULL when the alias is not one
 * guardnet gives (the result points into alias). */
const char *names_alias_owner(const char *alias);
/* The MAC of a link guardnet creates, from a hash of its name: the kernel
 * ignores an alias in the message that creates a link, so until the next
 * message gives it one, this MAC is the only sign that the link is
 * guardnet's (a guardnetd killed in between adopts it on its next start).
 * Locally administered unicast; 46 bits of hash, which a link someone else
 * made matches by chance once in 7 * 10^13. */
void names_mark_mac(const char *ifname, uint8_t ret[6]);
/* Whether a link with this name, alias and MAC is one guardnet made and
 * had not yet given its alias. */
bool names_marked(const char *ifname, const char *alias, const uint8_t mac[6]);
/* The MAC of an endpoint's container interface: Docker's when it gave one,
 * else 02:42 and the IPv4 address, as Docker's bridge driver does, and
 * without IPv4 02:42 and four bytes of a hash of the endpoint ID. */
void names_container_mac(const struct gn_endpoint_spec *s, uint8_t ret[6]);

#endif
