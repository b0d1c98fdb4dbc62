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

#include "fw.h"

struct nft_batch;

struct nft_batch *nft_batch_new(uint32_t seq);
void nft_batch_free(struct nft_batch *b);
size_t nft_batch_messages(const struct nft_batch *b);
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
/* Appends the transaction end (once): b is then whole, to be sent or read
 * back.  0 or -ENOMEM (b was not built whole). */
int nft_batch_seal(struct nft_batch *b);
/* The bytes of b: the netlink messages from transaction start to end. */
const void *nft_batch_data(const struct nft_batch *b, size_t *len);
/* The description of the message with seq in b (what its builder said). */
const char *nft_batch_what(const struct nft_batch *b, uint32_t seq);
/* libnftnl (1.2.4) numbers the elements of a set element message 1, 2, 3...
 * when it builds one, and parses back only elements of type NFTA_LIST_ELEM
 * (1); the kernel ignores the type.  A copy (malloc'd) with every element
 * retyped parses whole (fw-nft-text.c, tests/unit/golden.c). */
struct nlmsghdr *nft_elems_retyped(const struct nlmsghdr *nlh);
/* Sends one request (not a transaction) on sock and runs cb on each answer
 * until the end: 0, or a negative errno (the kernel's answer, too). */
int nft_request(struct mnl_socket *sock, struct nlmsghdr *nlh, uint32_t seq, mnl_cb_t cb, void *data);
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
void x_counter(struct nftnl_rule *r);
void x_masq(struct nftnl_rule *r);
void x_verdict(struct nftnl_rule *r, int verdict);
/* "iifname NAME" / "oifname != NAME", nft style: 16 bytes, zero-padded. */
void x_ifname(struct nftnl_rule *r, uint32_t key, uint32_t op, const char *name);
/* "ip saddr P" or "ip6 saddr P" in an inet table (checks nfproto first). */
void x_saddr(struct nftnl_rule *r, const struct gn_prefix *p);
/* mark = mark | bits, for the packet (NFT_META_MARK) or the connection (ct). */
void x_set_mark_bits(struct nftnl_rule *r, bool conntrack, uint32_t bits);

void x_payload_to(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg);
void x_lookup_map(struct nftnl_rule *r, const char *set, uint32_t sreg, uint32_t dreg);
/* fib daddr type local */
void x_fib_local(struct nftnl_rule *r);
void x_dnat(struct nftnl_rule *r, uint32_t family, uint32_t reg_addr, uint32_t reg_proto);
/* limit rate N/second burst 2N packets log prefix P */
void x_log_limited(struct nftnl_rule *r, const char *prefix, uint64_t per_second);
/* ct status dnat */
void x_ct_dnat(struct nftnl_rule *r);
/* meta nfproto FAMILY */
void x_nfproto(struct nftnl_rule *r, int family);
/* "oifname PREFIX*": compares only the prefix's bytes, as nft does. */
void x_ifname_prefix(struct nftnl_rule *r, uint32_t key, const char *prefix);

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



/* The firewall handle (fw.h), shared by fw-apply.c and fw-nft-events.c. */
struct gn_fw {
	struct mnl_socket *sock;
	struct mnl_socket *events;
	uint32_t seq;
	uint32_t last_mark; /* the hook mark of the last transaction (0: none) */
	bool current;       /* the table is what fw_apply and fw_apply_share made it */
	int disagree;       /* last backend check: 1 Docker and UFW on different iptables */
	/* The counting table holds an element for each of count_keys (what
	 * guardnet last wrote there), and nobody else changed it. */
	bool count_current;
	struct fw_counts count_keys;
	/* nf_tables' generation after guardnet's last transaction, when no
	 * other program's came between it and the one before (gen_own_known):
	 * lost events (ENOBUFS) are then guardnet's own and need no repair. */
	uint32_t gen_own;
	bool gen_own_known;
};

/* nf_tables' generation: it counts the transactions committed in this
 * namespace, any program's.  0 or a negative errno. */
int fw_nft_genid(struct gn_fw *fw, uint32_t *ret);
/* Commits b as guardnet's own transaction (nft_batch_commit), noting the
 * generations around it (gen_own). */
int fw_commit(struct gn_fw *fw, struct nft_batch *b, struct gn_err *err);

/* Whether iptables' forward path still holds guardnet's accept rule for
 * mark where it belongs (0: that no guardnet rule is left). */
bool fw_hook_intact(struct gn_fw *fw, uint32_t mark);

struct fw_model;
struct fw_network;
struct fw_share;
/* guardnet's whole table for m (fw-nft-table.c): create, delete and create again
 * with its content, so that it replaces whatever is there.  With no
 * networks, only removes it. */
void fw_nft_table(struct nft_batch *b, const struct fw_model *m);
/* Whether guardnet's tables in the kernel are those fw_apply builds for m
 * from nothing: fw_check finds no difference in them (fw-nft-check.c;
 * counters' values apart).  Anything it cannot read is a difference. */
bool fw_nft_tables_same(struct gn_fw *fw, const struct fw_model *m);
/* Published ports (fw-nft-pub.c): maps and sets, the nat chains, the
 * forward rules for DNATed connections, the postrouting rules of a network. */
void fw_pub_sets(struct nft_batch *b, const struct fw_model *m, uint32_t *set_id);
/* The element messages that turn one endpoint's share from into to:
 * deletions first, then additions.  0 or -ENOMEM. */
int fw_pub_delta(struct nft_batch *b, const struct fw_share *from, const struct fw_share *to);
void fw_pub_nat_chains(struct nft_batch *b);
/* Connection counters (fw-nft-count.c).  A list of keys (struct fw_counts,
 * tried and admitted unused) is sorted by family, any, proto, port and
 * host address, each key once. */
/* The keys of s's ports (s NULL: none); 0 or -ENOMEM. */
int fw_count_keys(const struct fw_share *s, struct fw_counts *ret);
/* keys without drop's, then with add's; 0 or -ENOMEM (keys then lacks some of add). */
int fw_count_keys_apply(struct fw_counts *keys, const struct fw_counts *drop, const struct fw_counts *add);
const struct fw_count *fw_count_find_key(const struct fw_counts *c, const struct fw_count *key);
/* The counting table, replaced whole: with an element per key in each set,
 * its counters starting from seed's (NULL: zero); keys NULL: only removed. */
void fw_count_table(struct nft_batch *b, const struct fw_counts *keys, const struct fw_counts *seed);
/* The element messages that turn the counting sets' keys from from into to. */
void fw_count_delta(struct nft_batch *b, const struct fw_counts *from, const struct fw_counts *to);
void fw_pub_forward_rules(struct nft_batch *b, const struct fw_model *m, uint32_t *set_id,
			  void (*admit)(struct nftnl_rule *r, uint32_t mark));
void fw_pub_postrouting_rules(struct nft_batch *b, const struct fw_network *n);

/* UFW's rules (fw-nft-ufw.c): the chains ufw-in and ufw-route. */
void fw_ufw_chains(struct nft_batch *b, const struct fw_model *m, uint32_t *set_id,
		   void (*admit)(struct nftnl_rule *r, uint32_t mark));
/* reject with tcp reset, or with icmpx port-unreachable */
void x_reject(struct nftnl_rule *r, bool tcp);

/* guardnet's accept rule in iptables-nft (fw-ipt-nft.c).  What the chains
 * that may hold it hold of guardnet's, in ip and ip6 "filter": the rule
 * belongs in DOCKER-USER, or in FORWARD when Docker's chain is absent. */
#define IPT_MAX_OURS 16
extern const char *const ipt_chains[2];   /* DOCKER-USER, FORWARD */
struct ipt_chain {
	bool exists;
	size_t n;                          /* guardnet's rules in it */
	uint64_t handles[IPT_MAX_OURS];
	bool current;                      /* one of them carries the mark asked for */
};
struct ipt_state {
	struct ipt_chain chain[2][2];      /* [ip, ip6][ipt_chains] */
};
/* Reads the chains through sock. */
int fw_ipt_nft_read(struct mnl_socket *sock, uint32_t *seq, uint32_t mark, struct ipt_state *ret,
		    struct gn_err *err);
/* The messages that leave exactly one current rule for mark (0: none) in
 * the first chain that exists, per family; none when that holds already. */
void fw_ipt_nft_msgs(struct nft_batch *b, const struct ipt_state *st, uint32_t mark);
/* fw_ipt_nft_read, then fw_ipt_nft_msgs into b. */
int fw_iptables_hook(struct mnl_socket *sock, uint32_t *seq, struct nft_batch *b, uint32_t mark,
		     struct gn_err *err);
/* Whether ip filter has chain in nf_tables (iptables-nft). */
bool fw_nft_has_chain(struct mnl_socket *sock, uint32_t *seq, const char *chain);

#endif
