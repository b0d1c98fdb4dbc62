/*
 * The firewall seam.  The driver describes what must hold (a model: the
 * networks, their bridges and subnets); fw_apply makes the kernel match it
 * in one nf_tables transaction, which the kernel applies whole or not at
 * all.  Only fw-*.c include libnftnl.
 *
 * What guardnet owns: the table "inet guardnet", rebuilt atomically on
 * changes to networks, UFW or the host, changed element by element when
 * one endpoint's share changes (fw_apply_share), and one accept rule,
 * tagged with the comment "guardnet", in iptables' DOCKER-USER chain
 * (FORWARD when Docker's chains are absent, and always FORWARD when Docker
 * uses its nftables firewall backend, which never jumps to DOCKER-USER)
 * for the connections guardnet admitted (design.md section 4;
 * spec/firewall-model.md, "Docker 29's nftables backend").
 */
#ifndef GN_FW_H
#define GN_FW_H

#include <guardnet/pub.h>
#include <guardnet/types.h>
#include <guardnet/ufw-rules.h>

#define FW_TABLE "guardnet"
#define FW_COUNT_TABLE "guardnet_count"   /* connection counters (fw-nft-count.c) */
#define FW_COMMENT "guardnet"

struct fw_network {
	const char *bridge;
	bool internal;
	bool icc;
	const struct gn_prefix *subnets;  /* the network's IPv4 and IPv6 pools */
	size_t n_subnets;
	/* The bridge's own addresses (the subnets' gateways): the host's,
	 * never a container's source. */
	const struct gn_addr *gateways;
	size_t n_gateways;
	bool no_masquerade;               /* egress keeps the containers' addresses */
	const struct gn_prefix *allow;    /* guardnet.allow: sources admitted to published ports */
	size_t n_allow;
	bool ufw;                         /* UFW's rules decide for its published ports */
};

/* An endpoint's guardnet.allow: the sources in src of ctr's family may
 * reach ctr's published ports (the other family's prefixes are skipped).
 * name: its own chain and set in guardnet's table (names_epallow), one
 * per endpoint and family. */
#define FW_EPALLOW_NAME_MAX 32
struct fw_epallow {
	char bridge[16];                /* its network's: the map's key is bridge . ctr */
	struct gn_addr ctr;
	char name[FW_EPALLOW_NAME_MAX];
	const struct gn_prefix *src;
	size_t n_src;
};

/* Connections to one published port (host address, or every address of
 * family when any; proto; port) that the kernel counted: DNATed to it
 * (tried) and let through to the container (admitted, the host's own
 * included).  First packets only: a blocked client's retransmission is a
 * new try. */
struct fw_count {
	uint8_t family;
	bool any;
	struct gn_addr host;
	uint8_t proto;
	uint16_t port;
	uint64_t tried, admitted;
};

struct fw_counts {
	struct fw_count *v;
	size_t n;
};

struct fw_model {
	const struct fw_network *nets;
	size_t n;
	uint32_t mark;                    /* marks admitted connections */
	uint32_t group;                   /* the bridges' device group (0: no second barrier) */
	const struct gn_pub *pubs;        /* every published port */
	size_t n_pubs;
	const struct fw_epallow *epallow;
	size_t n_epallow;
	const struct ufw_config *ufw;     /* NULL: UFW not read */
	/* The interfaces traffic from a network may leave by (set uplinks,
	 * by ifindex): the firewall layer fills them in from what it has
	 * classified (fw_set_uplinks); the driver leaves them empty. */
	const uint32_t *uplinks;
	size_t n_uplinks;
};

/* What one endpoint puts in the table: the elements of the maps pub4,
 * any4, pub6 and any6 (its published ports), and for its guardnet.allow
 * a chain and a set of its own per family with its element in map epav4
 * or epav6 (fw-nft-epallow.c).  A model's pubs and epallow are the union
 * of its endpoints' shares; nothing else in the table depends on endpoints. */
struct fw_share {
	const struct gn_pub *pubs;
	size_t n_pubs;
	const struct fw_epallow *epallow;
	size_t n_epallow;
};

/* guardnet's rules in iptables' forward path, in this order (none when
 * mark is 0):
 *   -m mark --mark M/M -m comment --comment guardnet -j ACCEPT
 *   -m devgroup --dst-group G -m comment --comment guardnet -j DROP
 *   -m devgroup --src-group G -m comment --comment guardnet -j DROP
 * (the drops only when group is not 0): connections guardnet admitted
 * pass, anything else into or out of its bridges (device group G) does not,
 * whether or not guardnet's table is there. */
struct fw_hook {
	uint32_t mark, group;
};

struct gn_fw;

int fw_open(struct gn_fw **ret, struct gn_err *err);
void fw_close(struct gn_fw *fw);
/* Makes the kernel match m.  With no networks, removes everything guardnet
 * owns.  On failure nothing changed. */
int fw_apply(struct gn_fw *fw, const struct fw_model *m, struct gn_err *err);
/* guardnet's tables as the kernel held them when read, for fw_sync: read
 * on a socket of its own, so that another thread can read them while this
 * one works out what they should hold (start-up).  0 or -ENOMEM; a table
 * that could not be read is kept as its error. */
struct fw_snapshot;
int fw_snapshot_read(struct fw_snapshot **ret);
/* Whether every table was read (or found absent): a table the reading
 * failed on is read again rather than rebuilt for it. */
bool fw_snapshot_whole(const struct fw_snapshot *s);
void fw_snapshot_free(struct fw_snapshot *s);
/* The tables fw_apply would build for m from nothing, as fw_sync compares
 * them: built apart, so that start-up builds them while another thread
 * reads the kernel's (a third of the check at 1,000 networks).  0 or
 * -ENOMEM. */
struct fw_want;
int fw_want_build(struct gn_fw *fw, const struct fw_model *m, struct fw_want **ret);
void fw_want_free(struct fw_want *w);
/* fw_apply, but sending nothing when guardnet's table and accept rule
 * are already what m makes them (start-up).  *changed says whether it
 * wrote.  snap: the tables as read earlier (nothing wrote since), NULL:
 * read them now; want: fw_want_build's for the same m, NULL: built now;
 * both freed here. */
int fw_sync(struct gn_fw *fw, const struct fw_model *m, struct fw_snapshot *snap, struct fw_want *want,
	    bool *changed, struct gn_err *err);
/* One endpoint's share goes from `from` to `to`: one transaction that
 * deletes the elements only `from` has and adds those only `to` has, and
 * replaces its guardnet.allow's chains and sets whole when they differ
 * (nothing at all when the two are the same).  The table must be what the
 * last fw_apply wrote plus the shares applied since.  0; a negative errno
 * when the kernel refused the transaction (nothing changed); -ESTALE when
 * the table is not known to be as guardnet left it (never built, another
 * program changed it, an answer that never came): then nothing can be said
 * about the delta and the caller rebuilds with fw_apply. */
int fw_apply_share(struct gn_fw *fw, const struct fw_share *from, const struct fw_share *to, struct gn_err *err);

/* Network n comes into the tables (add: m has it) or leaves them (m no
 * longer has it): one transaction with its elements in the shared sets
 * and its own chain and sets, whatever the number of other networks
 * (fw-nft-net.c).  0; a negative errno when the kernel refused it
 * (nothing changed); -ESTALE when more than n's part would change (the
 * first or last network, the first or last under UFW, nested subnets) or
 * the table is not known to be as guardnet left it: then the caller
 * rebuilds with fw_apply. */
int fw_apply_network(struct gn_fw *fw, const struct fw_model *m, const struct fw_network *n, bool add,
		     struct gn_err *err);

/* Change events of nf_tables, to notice when another program removes or
 * alters what guardnet owns (`iptables -F DOCKER-USER`, `ufw reload` with a
 * ufw-docker block, `nft delete table inet guardnet`, a Docker restart).
 * fw_events_open returns a descriptor to poll; fw_events_read drains it and
 * says what needs repair: one of guardnet's tables when it was touched
 * (put back with fw_apply; the counting table is then built whole, its
 * counters going on), the accept rule alone when iptables' filter table
 * changed and fw_hook_intact says the rule is gone.  The
 * kernel drops the events of guardnet's own transactions before they are
 * queued (a socket filter on the committing port), so a change of any size
 * is never mistaken for another program's. */
int fw_events_open(struct gn_fw *fw, struct gn_err *err);
/* What another program's changes call for: nothing, putting the iptables
 * accept rule back (fw_repair_hook: one small transaction, whatever the
 * size of the table), or rebuilding the table (fw_apply). */
enum fw_repair { FW_INTACT, FW_REPAIR_HOOK, FW_REPAIR_TABLE };
/* *lost: events were lost (another program's burst overflowed the
 * socket); then the table is counted and compared with what guardnet left,
 * and a repair is asked only when they differ. */
int fw_events_read(struct gn_fw *fw, enum fw_repair *repair, bool *lost);
/* The host's uplinks (ifindexes) changed: kept for every later fw_apply,
 * and, when the table is current, its set uplinks changed to match in one
 * transaction of element deltas (nothing when they are the same). */
int fw_set_uplinks(struct gn_fw *fw, const uint32_t *v, size_t n, struct gn_err *err);

/* guardnet turned family's forwarding on (AF_INET: net.ipv4.ip_forward,
 * AF_INET6: net.ipv6.conf.all.forwarding): as Docker does when it turns
 * it on, iptables' FORWARD policy becomes DROP, so that the host does not
 * start routing between its other interfaces (guardnet's own traffic
 * passes by its accept rule).  Makes the chain where there is none. */
int fw_forward_policy_drop(struct gn_fw *fw, int family, struct gn_err *err);

/* Puts guardnet's iptables accept rule back where it is missing. */
int fw_repair_hook(struct gn_fw *fw, struct gn_err *err);

/* The ports Docker's routing mesh publishes on this host (Swarm's ingress
 * mode), which bypass guardnet; read from chain DOCKER-INGRESS of the nat table,
 * in nf_tables and in legacy iptables.  *ret is the caller's to free. */
int fw_ingress(struct gn_fw *fw, struct gn_transport_port **ret, size_t *n, struct gn_err *err);

/* The counters of every published port, sorted by family, any, proto,
 * port and host address; admitted is read before tried, so that tried -
 * admitted never counts a connection admitted meanwhile as blocked.  0, or
 * a negative errno (no counting table: none counted).  ret->v is malloc'd. */
int fw_counters(struct gn_fw *fw, struct fw_counts *ret, struct gn_err *err);

/* guardnetctl check: calls report once per difference between the kernel
 * and what fw_apply makes of m (guardnet's tables, inet, ip and ip6 and
 * the counting table: chains, rules, sets, elements; its rules in each
 * iptables filter table, nf_tables and legacy: the accept rule and the
 * device group drops), changing nothing. */
void fw_check(struct gn_fw *fw, const struct fw_model *m, void (*report)(const char *msg, void *rctx), void *rctx);

/* Which iptables hold a filter table here (where the accept rule goes):
 * iptables-nft's ip or ip6 filter table in nf_tables, a legacy one. */
void fw_iptables(struct gn_fw *fw, bool *nft, bool *legacy);

/* The periodic check: puts the legacy accept rule back if it went, and
 * warns (once per change) when Docker and UFW use different iptables. */
void fw_periodic(struct gn_fw *fw);

#endif
