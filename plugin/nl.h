/*
 * The kernel's network configuration, through libmnl: links and addresses
 * (rtnetlink: nl-socket.c, nl-link.c, nl-addr.c), per-interface settings
 * (nl-conf.c) and the host's bound ports (sock_diag: nl-diag.c).  The only
 * files that speak rtnetlink or sock_diag; each request is built apart from
 * sending it (nl-msg.h).  Functions return 0 or -errno and name the link
 * and the operation in err.
 *
 * The caller names every link and gives it its alias and MAC (names.h says
 * why each exists).  The kernel ignores an alias in the message that
 * creates a link, so the alias comes one message later; until then the
 * MAC the link was created with is its only mark.
 */
#ifndef GN_NL_H
#define GN_NL_H

#include <guardnet/types.h>

struct gn_nl;

struct nl_bridge {
	const char *name;
	unsigned mtu;                 /* 0: the kernel's default */
	const char *alias;
	const uint8_t *mac;           /* the MAC it is created with */
	uint32_t group;               /* device group (IFLA_GROUP); 0: the kernel's default */
	const struct gn_prefix *addrs;
	size_t n_addrs;
};

/* A link's IPv4 settings, as net.ipv4.conf.<link>.* shows them; -1: leave
 * as it is (set), unknown (get).  Through rtnetlink (nl-conf.c), so they
 * work where /proc/sys is read-only. */
struct nl_ipv4_conf {
	int forwarding;
	int route_localnet;
	int rp_filter;
};

/* A link as a dump shows it: what guardnet sets on its links. */
struct nl_link {
	char name[GN_IFNAME_MAX + 1];
	char kind[16];
	char alias[128];
	uint8_t mac[6];
	int ifindex;
	int master;
	unsigned mtu;
	uint32_t group;             /* device group (IFLA_GROUP) */
	unsigned flags;             /* IFF_UP ... */
	int hairpin;                /* a bridge port's hairpin mode; -1: not a bridge port */
	int addr_gen_mode;          /* IN6_ADDR_GEN_MODE_*; -1: the link has no IPv6 */
	struct nl_ipv4_conf ipv4;
};

/* An address as a dump shows it. */
struct nl_addr {
	int ifindex;
	struct gn_prefix p;
};

int nl_open(struct gn_nl **ret, struct gn_err *err);
void nl_close(struct gn_nl *nl);

/* Creates the bridge, gives it its addresses and device group and brings it up.  A bridge
 * of that name that carries the same alias, or no alias and b->mac (made
 * by an earlier run that stopped before giving the alias), is this one and
 * is brought to the wanted state; any other link of that name is refused
 * with -EEXIST.  b->mac also keeps the kernel from adopting a port's MAC. */
int nl_bridge_create(struct gn_nl *nl, const struct nl_bridge *b, struct gn_err *err);
struct nl_veth {
	const char *host, *peer;    /* the host end goes on master, the peer to a container */
	const char *master;
	unsigned mtu;               /* 0: the kernel's default */
	const uint8_t *host_mac;    /* the host end is created with it */
	const uint8_t *peer_mac;    /* NULL: the kernel chooses */
	const char *alias;
};

/* Creates a veth pair: host is enslaved to master and up,
 * peer is left down for Docker to move into the container.  An existing
 * pair whose host end has the same alias, or no alias and host_mac, is kept. */
int nl_veth_create(struct gn_nl *nl, const struct nl_veth *v, struct gn_err *err);
/* Deletes a link; a link that does not exist is not an error. */
int nl_link_delete(struct gn_nl *nl, const char *name, struct gn_err *err);
/* The link called name: 0, -ENODEV when there is none, or another error. */
int nl_link_get(struct gn_nl *nl, const char *name, struct nl_link *ret);
/* Every link in this namespace; *ret is malloc'd. */
int nl_links(struct gn_nl *nl, struct nl_link **ret, size_t *n, struct gn_err *err);
/* Every address in this namespace; *ret is malloc'd. */
int nl_addrs(struct gn_nl *nl, struct nl_addr **ret, size_t *n, struct gn_err *err);

/* Whether have is the link that nl_bridge_create or nl_veth_create would
 * adopt: of that kind, with that alias, or with none and that MAC. */
bool nl_link_adoptable(const struct nl_link *have, const char *kind, const char *alias, const uint8_t mac[6]);
/* Bring an adoptable link (have, from nl_links; addrs from nl_addrs) to
 * the state nl_bridge_create (and, with conf, nl_ipv4_conf_set) or
 * nl_veth_create (on the bridge of ifindex master) gives a new one,
 * sending only what differs: nothing when nothing does, so that a
 * start-up on a host that is as it should be writes nothing.  Return how
 * many messages they sent, or a negative errno. */
int nl_bridge_update(struct gn_nl *nl, const struct nl_bridge *b, const struct nl_ipv4_conf *conf,
		     const struct nl_link *have, const struct nl_addr *addrs, size_t n_addrs, struct gn_err *err);
int nl_veth_update(struct gn_nl *nl, const struct nl_veth *v, const struct nl_link *have, int master,
		   struct gn_err *err);
/* How this host routes to dst: whether dst is one of its own addresses,
 * the interface the route leaves by (so that a connection from dst
 * arrives on it, routing being symmetric) and the source address the
 * host would use, which is the address dst most likely connects to.  An
 * unreachable dst is none of the host's and has no interface. */
struct nl_route {
	bool local;
	char oif[GN_IFNAME_MAX + 1];
	bool has_src;
	struct gn_addr src;
};

int nl_route_get(struct gn_nl *nl, const struct gn_addr *dst, struct nl_route *ret, struct gn_err *err);

int nl_ipv4_conf_set(struct gn_nl *nl, const char *link, const struct nl_ipv4_conf *c, struct gn_err *err);
int nl_ipv4_conf_get(struct gn_nl *nl, const char *link, struct nl_ipv4_conf *ret, struct gn_err *err);
/* The host-wide forwarding switch of family: net.ipv4.ip_forward (AF_INET)
 * or net.ipv6.conf.all.forwarding (AF_INET6).  They have no netlink path:
 * these read and write /proc/sys, and fail where it is read-only. */
int nl_forwarding_get(int family, bool *ret);
int nl_forwarding_set(int family, bool on, struct gn_err *err);
/* net.ipv6.conf.LINK.disable_ipv6=1 for a bridge port (nl_veth_create);
 * 0 or a negative errno. */
int nl_port_ipv6_off(const char *link);

/* The host's links, kept up to date from rtnetlink's notifications
 * (nl-watch.c): which links exist, of what kind, whose ports they are,
 * and whether they hold a global address (what uplinks.h classifies). */
struct nl_watch;
struct nl_watched {
	struct nl_link link;
	bool loopback;
	bool global_addr;
};

/* Subscribes, then lists every link and address through nl (which must
 * outlive the watch). */
int nl_watch_open(struct gn_nl *nl, struct nl_watch **ret, struct gn_err *err);
void nl_watch_close(struct nl_watch *w);
/* A descriptor that becomes readable when a link or address changes. */
int nl_watch_fd(const struct nl_watch *w);
/* Drains the notifications (lists everything again when some were lost);
 * *changed when a link came, went or changed kind, master, name or alias,
 * or a global address came or went. */
int nl_watch_read(struct nl_watch *w, bool *changed, struct gn_err *err);
/* The links, sorted by ifindex; valid until the next nl_watch_read. */
const struct nl_watched *nl_watch_links(const struct nl_watch *w, size_t *n);

/* Whether a socket on the host holds proto/port on addr (NULL: on any
 * address of family).  TCP counts listening sockets, UDP bound ones; SCTP is
 * not checked.  On a hit, who describes it ("listening on 0.0.0.0:8080").
 * Asks sock_diag (nl-diag.c); reads /proc/net when it cannot answer. */
bool nl_port_in_use(uint8_t proto, int family, const struct gn_addr *addr, uint16_t port, char *who, size_t len);
/* net.ipv4.ip_local_port_range, or Docker's fallback 49153-65535. */
void nl_ephemeral_range(uint16_t *lo, uint16_t *hi);

#endif
