/*
 * The rtnetlink and sock_diag requests guardnet sends, each built into a
 * buffer by a function that needs no socket (so that the unit tests can
 * parse them back, tests/unit/check_nl.c), and the few functions that send
 * them.  Internal to nl-*.c.
 *
 * Every builder writes one request into buf, NL_BUF_SIZE bytes that it
 * zeroes first (libmnl leaves attribute padding as it finds it, and stack
 * bytes must not go to the kernel), and returns its header.  The sequence
 * number is left 0: nl_talk gives each request its own.
 */
#ifndef GN_NL_MSG_H
#define GN_NL_MSG_H

#include <libmnl/libmnl.h>

#include "nl.h"

#define NL_BUF_SIZE 32768

struct gn_nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
};

/* Sends one request and waits for its answer; cb sees data messages (all
 * of them, for a dump).  0 or a negative errno (-ETIMEDOUT: no answer). */
int nl_talk(struct gn_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
/* The header of a request of type with NLM_F_REQUEST and flags. */
struct nlmsghdr *nl_msg_start(void *buf, uint16_t type, uint16_t flags);

/* What nl_msg_link_set changes on an existing link: each field that is set.
 * A new alias on a link that is down is no link change for the kernel to
 * walk its routes over. */
struct nl_change {
	bool up;
	int master;                /* ifindex of the bridge to enslave it to */
	const char *alias;
	uint32_t group;            /* device group; 0: leave it */
};

/* nl-link.c */
struct nlmsghdr *nl_msg_bridge_new(void *buf, const struct nl_bridge *b);
struct nlmsghdr *nl_msg_veth_new(void *buf, const struct nl_veth *v);
struct nlmsghdr *nl_msg_link_set(void *buf, int ifindex, const struct nl_change *c);
/* Every link (name NULL: a dump), or the one called name. */
struct nlmsghdr *nl_msg_link_get(void *buf, const char *name);
struct nlmsghdr *nl_msg_link_del(void *buf, const char *name);
/* A bridge port that sends frames back out of the port they came in on. */
struct nlmsghdr *nl_msg_hairpin(void *buf, int ifindex);
/* A bridge port's alias, and no IPv6 address generation on it. */
struct nlmsghdr *nl_msg_port_conf(void *buf, const char *name, const char *alias);
/* Parses an RTM_NEWLINK answer into *ret. */
void nl_link_parse(const struct nlmsghdr *nlh, struct nl_link *ret);

/* nl-update.c: what an existing link lacks (have, from a dump) to be as
 * wanted; each field set is a message nl_*_update sends. */
struct nl_fix {
	uint64_t addrs;            /* bit i: the bridge lacks its address i */
	bool link;                 /* nl_msg_link_set: up, with master, alias and group below */
	const char *alias;         /* the alias to give; NULL: it has it */
	uint32_t group;            /* the device group to give; 0: it has it */
	int master;                /* the bridge to enslave it to; 0: it is on it */
	bool port_conf;            /* nl_msg_port_conf: alias and no IPv6 address generation */
	bool hairpin;
	bool ipv4_conf;
};
void nl_bridge_diff(const struct nl_bridge *b, const struct nl_ipv4_conf *conf, const struct nl_link *have,
		    const struct nl_addr *addrs, size_t n, struct nl_fix *ret);
void nl_veth_diff(const struct nl_veth *v, const struct nl_link *have, int master, struct nl_fix *ret);

/* nl-addr.c */
struct nlmsghdr *nl_msg_addr_new(void *buf, int ifindex, const struct gn_prefix *p);
struct nlmsghdr *nl_msg_route_get(void *buf, const struct gn_addr *dst);
/* Every address (a dump). */
struct nlmsghdr *nl_msg_addr_dump(void *buf);

/* nl-conf.c: the settings of c that are not -1, in IFLA_AF_SPEC / AF_INET /
 * IFLA_INET_CONF; and those settings read from an answer's IFLA_INET_CONF. */
struct nlmsghdr *nl_msg_ipv4_conf(void *buf, int ifindex, const struct nl_ipv4_conf *c);
void nl_ipv4_conf_parse(const struct nlattr *inet_conf, struct nl_ipv4_conf *c);

/* nl-diag.c: the sockets of family and protocol (GN_PROTO_TCP or _UDP)
 * bound to port: TCP ones listening, UDP ones in any state. */
struct nlmsghdr *nl_msg_diag(void *buf, int family, uint8_t proto, uint16_t port);

#endif
