/*
 * Building nf_tables transactions with libnftnl: a growable batch that
 * remembers what each message was for, expression helpers, and the
 * send-and-collect-acks step.  Internal to fw-*.c.
 */
#ifndef GN_FW_NFT_H
#define GN_FW_NFT_H

#include <stdint.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <guardnet/types.h>
#include <guardnet/ufw-rules.h>

#include "fw.h"

struct nft_batch;

struct nft_batch *nft_batch_new(uint32_t seq);
void nft_batch_free(struct nft_batch *b);
size_t nft_batch_messages(const struct nft_batch *b);
/* A copy of s that lives as long as b: for what, when the name it
 * describes is the caller's buffer (a network's chain allow-B). */
const char *nft_batch_keep(struct nft_batch *b, const char *s);
/* Marks b as not built whole (out of memory): committing it then fails
 * without sending anything. */
void nft_batch_fail(struct nft_batch *b);
/* Each nft_batch_* serialises the object into the batch and frees it,
 * except sets, which the caller frees (their elements follow).  what
 * describes the message for error reports; it must be a literal or outlive
 * the batch. */
void nft_batch_table(struct nft_batch *b, uint16_t type, struct nftnl_table *t, uint16_t flags, const char *what);
void nft_batch_chain(struct nft_batch *b, uint16_t type, struct nftnl_chain *c, uint16_t flags, const char *what);
void nft_batch_rule(struct nft_batch *b, uint16_t type, struct nftnl_rule *r, uint16_t flags, const char *what);
void nft_batch_set(struct nft_batch *b, uint16_t type, struct nftnl_set *s, uint16_t flags, const char *what);
void nft_batch_elems(struct nft_batch *b, uint16_t type, struct nftnl_set *s, uint16_t flags, const char *what);
/* guardnet's tables: inet guardnet (the networks, published ports) and
 * ip and ip6 guardnet (UFW's rules, fw-nft-ufw.c), in this order. */
#define FW_FAMILIES 3
extern const uint32_t fw_families[FW_FAMILIES];
/* "inet", "ip", "ip6" */
const char *fw_family_name(uint32_t family);
/* What a batch does to guardnet's table of one family: whether it replaces
 * it (then the counts are its new content, and exists says whether the
 * table is there after the batch), and how many rules and set elements it
 * adds (negative: removes). */
struct nft_tally {
	bool replaced, exists;
	long rules, elems;
};
struct nft_tally nft_batch_tally(const struct nft_batch *b, uint32_t family);
/* Appends the transaction end (once): b is then whole, to be sent or read
 * back.  0 or -ENOMEM (b was not built whole). */
int nft_batch_seal(struct nft_batch *b);
/* The bytes of b: the netlink messages from transaction start to end. */
const void *nft_batch_data(const struct nft_batch *b, size_t *len);
/* The description of the message with seq in b (what its builder said). */
const char *nft_batch_what(const struct nft_batch *b, uint32_t seq);
/* A set's elements written straight into element messages, without
 * libnftnl's objects (some 300 bytes each: a network's list of 100,000
 * ranges took 60 MB and 90 ms), into the same bytes nft_batch_elems
 * writes.  nft_elems_put: one element, its key and its flags
 * (NFT_SET_ELEM_INTERVAL_END, or 0 for none); nft_elems_end: the last
 * message, and the tally.  s (name, table, family, id) must outlive the
 * writer; no message at all without an element. */
struct nft_elems {
	struct nft_batch *b;
	uint16_t type, flags;
	struct nftnl_set *set;
	const char *what;
	struct nlmsghdr *nlh;
	struct nlattr *list;
	uint32_t index;
	long n;
};
void nft_elems_start(struct nft_elems *w, struct nft_batch *b, uint16_t type, struct nftnl_set *s, uint16_t flags,
		     const char *what);
void nft_elems_put(struct nft_elems *w, const void *key, uint32_t klen, uint32_t elem_flags);
void nft_elems_end(struct nft_elems *w);
/* libnftnl (1.2.4) numbers the elements of a set element message 1, 2, 3...
 * when it builds one, and parses back only elements of type NFTA_LIST_ELEM
 * (1); the kernel ignores the type.  A copy (malloc'd) with every element
 * retyped parses whole (fw-nft-text.c, tests/unit/golden.c). */
struct nlmsghdr *nft_elems_retyped(const struct nlmsghdr *nlh);
/* Sends one request (not a transaction) on sock and runs cb on each answer
 * until the end: 0, or a negative errno (the kernel's answer, too). */
int nft_request(struct mnl_socket *sock, struct nlmsghdr *nlh, uint32_t seq, mnl_cb_t cb, void *data);
/* nft_request for the elements of set in table of family (NFPROTO_*):
 * cb runs on each answer.  0 or -errno (-ENOENT: no such table or set). */
int nft_dump_elems(struct mnl_socket *sock, uint32_t *seq, uint16_t family, const char *table, const char *set,
		   mnl_cb_t cb, void *data);
/* Seals and sends the transaction; 0, or the first error with the message
 * it concerns. */
int nft_batch_commit(struct nft_batch *b, struct mnl_socket *sock, struct gn_err *err);
/* After a failed commit: whether the kernel answered with a refusal (and so
 * changed nothing), as opposed to a failure to build, send or hear back. */
bool nft_batch_refused(const struct nft_batch *b);

/* Expressions, in the order nft itself emits them. */
void x_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg);
void x_meta_set(struct nftnl_rule *r, uint32_t key, uint32_t sreg);
void x_ct(struct nftnl_rule *r, uint32_t key, uint32_t dreg);
void x_ct_set(struct nftnl_rule *r, uint32_t key, uint32_t sreg);
void x_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len);
void x_bitwise(struct nftnl_rule *r, const void *mask, const void *xor, uint32_t len);
void x_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len);
void x_lookup(struct nftnl_rule *r, const char *set, uint32_t sreg);
/* "... != @set": the key is not in set. */
void x_lookup_inv(struct nftnl_rule *r, const char *set, uint32_t sreg);
void x_counter(struct nftnl_rule *r);
void x_masq(struct nftnl_rule *r);
void x_verdict(struct nftnl_rule *r, int verdict);
/* "iifname NAME" / "oifname != NAME", nft style: 16 bytes, zero-padded. */
void x_ifname(struct nftnl_rule *r, uint32_t key, uint32_t op, const char *name);
/* "ip saddr P" or "ip6 saddr P" in an inet table (checks nfproto first);
 * x_addr: saddr or daddr. */
void x_saddr(struct nftnl_rule *r, const struct gn_prefix *p);
void x_addr(struct nftnl_rule *r, const struct gn_prefix *p, bool dst);
/* mark = mark | bits, for the packet (NFT_META_MARK) or the connection (ct). */
void x_set_mark_bits(struct nftnl_rule *r, bool conntrack, uint32_t bits);

void x_payload_to(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg);
void x_lookup_map(struct nftnl_rule *r, const char *set, uint32_t sreg, uint32_t dreg);
/* fib daddr type local */
void x_fib_local(struct nftnl_rule *r);
/* fib saddr . iif oif missing: the host would not answer the source by the
 * interface the packet came in on (strict reverse path). */
void x_fib_rpf_missing(struct nftnl_rule *r);
void x_dnat(struct nftnl_rule *r, uint32_t family, uint32_t reg_addr, uint32_t reg_proto);
/* limit rate N/second burst 2N packets log prefix P */
void x_log_limited(struct nftnl_rule *r, const char *prefix, uint64_t per_second);
/* ct status dnat */
void x_ct_dnat(struct nftnl_rule *r);
/* meta nfproto FAMILY */
void x_nfproto(struct nftnl_rule *r, int family);

/* jump CHAIN / goto CHAIN */
void x_jump(struct nftnl_rule *r, int verdict, const char *chain);
/* limit rate [over] RATE/UNIT burst BURST packets, for a rule or a dynset */
struct nftnl_expr *limit_expr(uint64_t rate, uint64_t unit_seconds, uint32_t burst, bool over);
/* A chain of guardnet's table: a base chain (policy accept) when type is
 * "filter" or "nat", a regular one when type is NULL. */
void chain_new(struct nft_batch *b, const char *name, const char *type, uint32_t hook, int prio);

struct nftnl_rule *rule_new(uint32_t family, const char *table, const char *chain);
/* A set (or map) in guardnet's table, created in b; elements follow with
 * nft_batch_elems.  desc_concat: field lengths of a concatenated interval
 * key, zero-terminated, or NULL. */
struct nftnl_set *set_new(struct nft_batch *b, const char *name, uint32_t id, uint32_t flags, uint32_t key_type,
			  uint32_t key_len, uint32_t data_type, uint32_t data_len, const uint8_t *desc_concat);
/* set_new in guardnet's table of nfproto (NFPROTO_INET, _IPV4, _IPV6). */
struct nftnl_set *set_new_in(struct nft_batch *b, uint32_t nfproto, const char *name, uint32_t id, uint32_t flags,
			     uint32_t key_type, uint32_t key_len, uint32_t data_type, uint32_t data_len,
			     const uint8_t *desc_concat);
/* A set of guardnet's table of nfproto by name alone, for element messages. */
struct nftnl_set *set_ref(uint32_t nfproto, const char *name);
/* nft lists an ifname key in host byte order only when the set says so. */
void set_key_host_order(struct nftnl_set *s);
/* "meta iifname . meta oifname": both names into reg1 and the 16 bytes after. */
void x_iif_oif_names(struct nftnl_rule *r);

/* A network's part of guardnet's tables (fw-nft-net.c): its elements in
 * the sets every network's rules share, and only for a network with a
 * guardnet.allow its own objects (sets allow4-B, allow6-B,
 * chain allow-B).  fw_net_sets makes the shared sets
 * of table nfproto with every network's elements (vmaps: the verdict maps,
 * which refer to the networks' chains and so come after them, or the
 * others). */
void fw_net_sets(struct nft_batch *b, const struct fw_model *m, uint32_t nfproto, uint32_t *set_id, bool vmaps);
void fw_net_objects(struct nft_batch *b, const struct fw_model *m, const struct fw_network *n, uint32_t *set_id,
		    void (*admit)(struct nftnl_rule *r, uint32_t mark));
/* The transaction that adds network n to the tables of m (add: m has n)
 * or removes it (m no longer has it), and nothing else: 0, -ENOMEM, or
 * -ESTALE when more than its part changes (the first network, the last,
 * the first or last under UFW, a subnet nested in another network's), for
 * the whole build to do. */
int fw_net_delta(struct nft_batch *b, const struct fw_model *m, const struct fw_network *n, bool add,
		 void (*admit)(struct nftnl_rule *r, uint32_t mark));
/* The admitting verdict of guardnet's rules (fw-nft-table.c). */
void fw_admit(struct nftnl_rule *r, uint32_t mark);
/* Elements of shared sets that the files owning their rules define. */
void fw_pub_allowh_elems(struct nft_elems *w, const struct fw_network *n, int family);
/* Sets allow4-B and allow6-B of network n with their ranges. */
void fw_pub_allow_sets(struct nft_batch *b, const struct fw_network *n, uint32_t *set_id);
/* Chain pub, which decides for every published port (fw-nft-pub.c), and
 * network n's chain allow-B, which admits its guardnet.allow's ranges. */
void fw_pub_chain(struct nft_batch *b, const struct fw_model *m, void (*admit)(struct nftnl_rule *r, uint32_t mark));
void fw_pub_allow_chain(struct nft_batch *b, const struct fw_network *n, uint32_t mark,
			void (*admit)(struct nftnl_rule *r, uint32_t mark));
void fw_pub_allow_chain_name(char *buf, size_t len, const char *bridge);
/* Removes chain name of table nfproto with its n_rules rules (counted in
 * the batch's tally). */
void nft_batch_del_chain(struct nft_batch *b, uint32_t nfproto, const char *name, long n_rules, const char *what);
/* Adds to the tally of guardnet's table of family what messages the batch
 * cannot count by themselves do (a set deleted with its elements). */
void nft_batch_tally_add(struct nft_batch *b, uint32_t family, long rules, long elems);



/* What one of guardnet's tables holds, as the kernel lists it
 * (fw-nft-tally.c); -ENOENT when there is no such table. */
struct fw_tally {
	uint64_t handle;
	long rules, elems;
};
/* The firewall handle (fw.h), shared by fw-apply.c and fw-nft-events.c. */
struct gn_fw {
	struct mnl_socket *sock;
	struct mnl_socket *events;
	uint32_t seq;
	struct fw_hook last_hook; /* the iptables rules of the last transaction (mark 0: none) */
	bool current;       /* the table is what fw_apply and fw_apply_share made it */
	int disagree;       /* last backend check: 1 Docker and UFW on different iptables */
	int docker_nft;     /* Docker's nftables backend seen: 1, not seen: 0, not looked yet: -1 */
	/* What each of guardnet's tables (fw_families) holds if nobody else
	 * touched it, and whether it is there at all. */
	struct fw_tally expect[FW_FAMILIES];
	bool there[FW_FAMILIES];
	bool expect_known;
	/* The counting table holds an element for each of count_keys (what
	 * guardnet last wrote there), and nobody else changed it. */
	bool count_current;
	struct fw_counts count_keys;
	uint32_t *uplinks;      /* fw_set_uplinks: what every table gets */
	uint32_t mark;          /* of the table as last built: what endpoints' chains admit with */
	size_t n_uplinks;
};

/* Whether Docker runs its nftables firewall backend (Docker 29,
 * --firewall-backend=nftables), which has no DOCKER-USER chain and jumps to
 * none: Docker's table docker-bridges exists in ip or ip6.  Looked up
 * anew each time (Docker may start, restart or switch backends while
 * guardnetd runs) and logged when the answer changes (fw-apply.c). */
#define FW_DOCKER_NFT_TABLE "docker-bridges"
bool fw_docker_nft(struct gn_fw *fw);
/* Whether nf_tables has table in family (NFPROTO_*). */
bool fw_nft_table_exists(struct mnl_socket *sock, uint32_t *seq, uint32_t family, const char *table);

/* Whether iptables' forward path holds exactly guardnet's rules for want
 * where they belong (mark 0: that no guardnet rule is left). */
bool fw_hook_intact(struct gn_fw *fw, const struct fw_hook *want);

struct fw_model;
struct fw_network;
struct fw_share;
/* guardnet's whole table for m (fw-nft-table.c): create, delete and create again
 * with its content, so that it replaces whatever is there.  With no
 * networks, only removes it. */
void fw_nft_table(struct nft_batch *b, const struct fw_model *m);
/* What keeps traffic from going around the firewall (fw-nft-guard.c): the
 * set uplinks, the raw-prerouting chain (loopback; a network's sources go
 * to chain src), the forward rule that lets a
 * network's traffic leave only by an uplink, and the element delta of
 * uplinks. */
void fw_guard_sets(struct nft_batch *b, const struct fw_model *m, uint32_t *set_id);
void fw_guard_raw_chain(struct nft_batch *b);
void fw_guard_isolation(struct nft_batch *b);
void fw_guard_uplinks_delta(struct nft_batch *b, const uint32_t *from, size_t n_from, const uint32_t *to,
			    size_t n_to);
/* Whether guardnet's tables in the kernel (snap, or read now) are those
 * fw_apply builds for m from nothing (want, or built now): fw_check finds
 * no difference in them (fw-nft-check.c; counters' values apart).
 * Anything it cannot read is a difference.  tally: what fw_apply's batch
 * would tally for each of fw_families, filled when they are the same. */
bool fw_nft_tables_same(struct gn_fw *fw, const struct fw_model *m, const struct fw_snapshot *snap,
			const struct fw_want *want, struct nft_tally tally[FW_FAMILIES]);
/* guardnet's tables read through own (fw_snapshot_read's socket). */
int fw_nft_snapshot(struct gn_fw *own, struct fw_snapshot **ret);
/* Published ports' maps and sets (fw-nft-pub-sets.c): built whole, the
 * names the rules look them up by. */
void fw_pub_sets(struct nft_batch *b, const struct fw_model *m, uint32_t *set_id);
const char *fw_pub_map(int family, bool any);
void fw_pub_allow_name(char *buf, size_t len, int family, const char *bridge);
/* The messages that turn one endpoint's share from into to: deletions
 * first, then additions; its guardnet.allow's chains admit with mark.
 * 0 or -ENOMEM. */
int fw_pub_delta(struct nft_batch *b, const struct fw_share *from, const struct fw_share *to, uint32_t mark);
/* The start and end elements of the interval set of the prefixes v of
 * family, merged, into w (NULL: only counted); how many, or -ENOMEM. */
long fw_range_elems(struct nft_elems *w, const struct gn_prefix *v, size_t n, int family);
/* Endpoints' guardnet.allow (fw-nft-epallow.c): every endpoint's set and
 * chain, then maps epav4 and epav6 that jump to them; or one share's
 * change, an endpoint's objects removed or added whole.  The delta: 0 or
 * -ENOMEM. */
void fw_epallow_objects(struct nft_batch *b, const struct fw_model *m, uint32_t *set_id);
int fw_epallow_delta(struct nft_batch *b, const struct fw_share *from, const struct fw_share *to, uint32_t mark);
/* Published ports' rules (fw-nft-pub.c): the nat chains, and the forward
 * rule that sends a DNATed connection to chain pub. */
void fw_pub_nat_chains(struct nft_batch *b);
void fw_pub_forward_rule(struct nft_batch *b);

/* Connection counters (fw-nft-count.c).  A list of keys (struct fw_counts,
 * tried and admitted unused) is sorted by family, any, proto, port and
 * host address, each key once. */
/* The keys of s's ports (s NULL: none); 0 or -ENOMEM. */
int fw_count_keys(const struct fw_share *s, struct fw_counts *ret);
/* keys without drop's, then with add's; 0 or -ENOMEM (keys then lacks some of add). */
int fw_count_keys_apply(struct fw_counts *keys, const struct fw_counts *drop, const struct fw_counts *add);
const struct fw_count *fw_count_find_key(const struct fw_counts *c, const struct fw_count *key);
/* The order of every list of keys, for qsort and bsearch. */
int fw_count_cmp(const void *a, const void *b);
/* The counting table, replaced whole: with an element per key in each set,
 * its counters starting from seed's (NULL: zero); keys NULL: only removed. */
void fw_count_table(struct nft_batch *b, const struct fw_counts *keys, const struct fw_counts *seed);
/* The element messages that turn the counting sets' keys from from into to. */
void fw_count_delta(struct nft_batch *b, const struct fw_counts *from, const struct fw_counts *to);

/* UFW's rules (fw-nft-ufw.c): tables ip guardnet and ip6 guardnet,
 * replaced whole (removed when no network is under UFW). */
void fw_ufw_tables(struct nft_batch *b, const struct fw_model *m,
		   void (*admit)(struct nftnl_rule *r, uint32_t mark));
/* Whether fw_ufw_tables builds the table of nfproto (NFPROTO_IPV4, _IPV6)
 * for m: a network is under UFW (and for IPv6, UFW manages IPv6). */
bool fw_ufw_table_wanted(const struct fw_model *m, uint32_t nfproto);
/* The comment of table inet guardnet that names the UFW tables going with
 * it, for guardnetctl's check without guardnetd: "ufw-tables=ip" or
 * "ufw-tables=ip,ip6" (spec/firewall-model.md, "UFW"); none without them. */
#define FW_UFW_TABLES_COMMENT "ufw-tables="
/* One of UFW's lines as expressions (fw-nft-ufw-line.c).  A line with
 * port lists becomes one rule per range: a variant names the range of
 * each list one rule takes (-1: the line has no such list). */
struct ufw_variant {
	int d, s, p;            /* dport, sport, multiport --ports (p < n: dport, else sport) */
};
/* The matches of line l in family (AF_INET, AF_INET6) for an incoming
 * rule, or a route rule (route); false when it can never match here. */
bool ufw_line_match(struct nftnl_rule *r, int family, const struct ufw_line *l, bool route,
		    const struct ufw_variant *v);
/* reg1 within prefix p (already loaded); inv: not within */
void x_prefix(struct nftnl_rule *r, const struct gn_prefix *p, bool inv);
/* REJECT as ipt_REJECT and ip6t_REJECT answer (--reject-with how) */
void x_reject_as(struct nftnl_rule *r, int family, enum ufw_reject how);
/* reject with tcp reset, or with icmpx port-unreachable */
void x_reject(struct nftnl_rule *r, bool tcp);

/* guardnet's rules in iptables-nft (fw-ipt-nft.c, struct fw_hook).  What
 * the chains that may hold them hold, in ip and ip6 "filter": the rules
 * belong in DOCKER-USER while FORWARD jumps to it, otherwise in FORWARD
 * (always FORWARD under Docker's nftables backend, docker_nft, where
 * nothing jumps to a DOCKER-USER), which guardnet makes where it is
 * missing unless no_create says legacy iptables holds that family. */
#define IPT_MAX_OURS 16
extern const char *const ipt_chains[2];   /* DOCKER-USER, FORWARD */
enum ipt_kind { IPT_OTHER, IPT_ACCEPT, IPT_DROP_TO, IPT_DROP_FROM };
struct ipt_rule {
	enum ipt_kind kind;
	uint32_t value;                    /* the mark (accept) or the device group (drops) */
};
struct ipt_chain {
	bool exists;
	size_t n;                          /* guardnet's rules in it, in order */
	uint64_t handles[IPT_MAX_OURS];
	struct ipt_rule rules[IPT_MAX_OURS];
	bool jumps_to_docker_user;         /* a rule of the chain jumps to DOCKER-USER */
};
struct ipt_state {
	struct ipt_chain chain[2][2];      /* [ip, ip6][ipt_chains] */
	bool docker_nft;
	bool no_create[2];                 /* [ip, ip6]: make no FORWARD there */
};
/* Reads the chains through sock. */
int fw_ipt_nft_read(struct mnl_socket *sock, uint32_t *seq, bool docker_nft, struct ipt_state *ret,
		    struct gn_err *err);
/* Where the rules go in family f (0: ip, 1: ip6): DOCKER-USER while
 * FORWARD jumps to it (never under Docker's nftables backend, which jumps
 * to none), else FORWARD, which guardnet may make; -1: nowhere. */
int fw_ipt_nft_target(const struct ipt_state *st, size_t f);
/* The messages that leave exactly the rules of want (none when want->mark
 * is 0), in order, where they belong in each family, and none of
 * guardnet's anywhere else; no message when that holds already. */
void fw_ipt_nft_msgs(struct nft_batch *b, const struct ipt_state *st, const struct fw_hook *want);
/* fw_ipt_nft_read, then fw_ipt_nft_msgs into b. */
int fw_iptables_hook(struct mnl_socket *sock, uint32_t *seq, struct nft_batch *b, const struct fw_hook *want,
		     bool docker_nft, const bool no_create[2], struct gn_err *err);
/* Sets family's (AF_INET, AF_INET6) filter FORWARD policy to drop, making
 * the chain as iptables-nft would where there is none. */
void fw_ipt_nft_policy_drop(struct nft_batch *b, int family);
/* guardnet's table of family (NFPROTO_*): its handle, or what it holds. */
int fw_nft_table_handle(struct mnl_socket *sock, uint32_t *seq, uint32_t family, uint64_t *ret);
int fw_nft_tally(struct mnl_socket *sock, uint32_t *seq, uint32_t family, struct fw_tally *ret);

/* The ports published by Docker's routing mesh on this host, from the
 * DNAT rules of chain DOCKER-INGRESS in iptables-nft's "ip nat" table
 * (fw-nft-ingress.c); none when the chain does not exist.  *ret is the
 * caller's to free.  0 or -errno. */
int fw_nft_ingress(struct mnl_socket *sock, uint32_t *seq, struct gn_transport_port **ret, size_t *n);
/* For each subnet of family of m's networks that member takes, network
 * after network, whether a network of another bridge that member takes
 * has a larger prefix holding it, or the same prefix on a bridge named
 * before it (fw-nft-nest.c); NULL when out of memory. */
bool *fw_outer_only(const struct fw_model *m, int family, bool (*member)(const struct fw_network *n));
/* Whether ip filter has chain in nf_tables (iptables-nft). */
bool fw_nft_has_chain(struct mnl_socket *sock, uint32_t *seq, const char *chain);

#endif
