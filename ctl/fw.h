/*
 * The host's firewall as the kernel holds it, read for guardnetctl audit:
 * every nf_tables table (iptables-nft's among them) and the legacy
 * x_tables tables, and a walk of one packet through the chains of a hook
 * in the kernel's order.  Read only.  What guardnetctl cannot read (a
 * match or an expression it does not know) is never taken to decide: the
 * walk goes on past it and names it, so a verdict always says what it
 * rests on.
 */
#ifndef GN_CTL_FW_H
#define GN_CTL_FW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <guardnet/types.h>

struct fw_elem {
	uint8_t key[64], key_end[64], data[64];
	uint32_t klen, kelen, dlen;
	uint32_t flags;                 /* NFT_SET_ELEM_INTERVAL_END */
	int verdict;                    /* a verdict map's: NF_ACCEPT ... NFT_GOTO */
	char chain[64];                 /* its jump or goto target */
	bool has_verdict;
};

struct fw_set {
	char name[64];
	uint32_t id, flags, klen, dlen, dtype;
	bool loaded;                    /* elements read (only when a rule asks) */
	int err;
	struct fw_elem *v;
	size_t n;
};

struct fw_rule {
	const uint8_t *data;            /* nf_tables: NFTA_RULE_EXPRESSIONS' payload; legacy: the entry */
	size_t len;
	uint64_t handle;                /* nf_tables */
	int jump;                       /* legacy: the chain a standard target jumps to, or -1 */
};

struct fw_chain {
	char name[64];
	bool base;
	int hook;                       /* NF_INET_*, -1 for a regular chain */
	int prio;
	bool policy_drop;
	char type[16];                  /* filter, nat, route */
	struct fw_rule *rules;
	size_t n;
	size_t off;                     /* legacy: where it starts in the table */
};

struct fw_table {
	bool legacy;
	int family;                     /* NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_INET, ... */
	char name[64];
	struct fw_chain *chains;
	size_t n_chains;
	struct fw_set *sets;
	size_t n_sets;
	uint8_t *blob;                  /* the messages or the entries the rules point into */
	size_t blob_len;
};

struct fw_ruleset {
	struct fw_table *v;
	size_t n;
	int err;                        /* the first failure reading it, -errno */
	char err_what[64];
};

/* fw-read-nft.c and fw-read-xt.c: everything there is, nf_tables first. */
void fw_read(struct fw_ruleset *rs);
void fw_clear(struct fw_ruleset *rs);
void fw_read_nft(struct fw_ruleset *rs);
void fw_read_xt(struct fw_ruleset *rs);
struct fw_table *fw_table_add(struct fw_ruleset *rs);
struct fw_chain *fw_chain_add(struct fw_table *t);
int fw_rule_add(struct fw_chain *c, const struct fw_rule *r);
/* The set of t named name (or with id, for an anonymous set a rule names
 * by id), its elements read on first use. */
struct fw_set *fw_set_get(struct fw_table *t, const char *name, uint32_t id);
const struct fw_chain *fw_chain_find(const struct fw_table *t, const char *name);
/* "iptables filter FORWARD", "nft table inet guardnet chain forward" */
void fw_chain_label(const struct fw_table *t, const struct fw_chain *c, char *buf, size_t len);

/* A packet at a hook, as the rules see it. */
struct fw_pkt {
	int family;                     /* AF_INET, AF_INET6 */
	uint8_t proto;
	const char *iif, *oif;          /* NULL: none (the host's own, or before routing) */
	struct gn_addr src, dst;
	uint16_t sport, dport;
	struct gn_addr odst;            /* conntrack's original destination (before DNAT) */
	uint16_t odport;
	uint32_t ctstate;               /* nf_tables' bits: NF_CT_STATE_BIT(IP_CT_NEW) ... */
	uint32_t ctstatus;              /* IPS_DST_NAT ... */
	uint32_t mark, ctmark;
	uint8_t dst_type;               /* RTN_LOCAL, RTN_UNICAST */
};

enum fw_verdict { FW_ACCEPT, FW_DROP, FW_REJECT };

/* One rule, or a chain's policy (pos 0). */
struct fw_where {
	const struct fw_table *t;
	const struct fw_chain *c;
	unsigned pos;
};

#define FW_UNSURE_MAX 4
#define FW_SEEN_MAX 64

struct fw_result {
	enum fw_verdict v;
	struct fw_where by;             /* t NULL: no chain on the hook (accept) */
	struct fw_where accepts[4];     /* FW_ACCEPT: each chain's accepting rule, in order */
	size_t n_accepts;
	/* Rules whose match guardnetctl could not read, passed as if they
	 * did not match, and why. */
	size_t n_unsure;
	struct fw_where unsure[FW_UNSURE_MAX];
	char unsure_why[FW_UNSURE_MAX][48];
	/* Source prefixes the rules on the way compared the packet with, so
	 * that the caller can try a source in each. */
	size_t n_seen;
	struct gn_prefix seen[FW_SEEN_MAX];
};

/* fw-eval.c: the packet through every chain on hook (NF_INET_*) of its
 * family, in priority order (a drop anywhere is final, an accept only
 * ends its chain); chains of type nat are left out (the DNAT is the
 * caller's). */
void fw_eval_hook(struct fw_ruleset *rs, int hook, int prio_below, const struct fw_pkt *p, struct fw_result *res);
/* A packet DNAT sends through the host (p as after the DNAT, with its
 * oif): prerouting's chains that run after the DNAT (guardnet's UFW
 * chains in tables ip and ip6 guardnet), then forward's, the marks the
 * first set carried to the second.  A drop in prerouting is the verdict. */
void fw_eval_forwarded(struct fw_ruleset *rs, const struct fw_pkt *p, struct fw_result *res);
void fw_where_format(const struct fw_where *w, char *buf, size_t len);

/* What a rule decides, for the walk in fw-eval.c. */
enum fw_step {
	FW_NEXT,        /* no match, or a match with no verdict (counter, log, mark) */
	FW_S_ACCEPT,
	FW_S_DROP,
	FW_S_REJECT,
	FW_S_RETURN,
	FW_S_JUMP,
	FW_S_GOTO,
};
struct fw_ctx {
	struct fw_ruleset *rs;
	struct fw_table *t;
	struct fw_pkt p;                /* a copy: MARK and meta mark set change it */
	struct fw_result *res;
	bool unsure;                    /* the rule being read has a part guardnetctl cannot read */
	char unsure_why[48];
	char target[64];                /* FW_S_JUMP, FW_S_GOTO: the chain (nf_tables) */
	int target_idx;                 /* ... or its index (legacy) */
};
/* fw-eval-load.c: what the packet shows a rule.  fw_load_meta: the
 * value's length, 0 when the key has none (the kernel breaks), (size_t)-1
 * for a key it does not know.  fw_load_headers: the network header (40
 * bytes) and transport header (20) as far as rules look.  fw_load_ct: 0
 * when the kernel breaks (no connection), else 1 and *n (0: a key it
 * does not know); dir is IP_CT_DIR_ORIGINAL (0) or the reply's. */
size_t fw_load_meta(const struct fw_pkt *p, uint32_t key, uint8_t *out);
void fw_load_headers(const struct fw_pkt *p, uint8_t *nh, uint8_t *th);
int fw_load_ct(const struct fw_pkt *p, uint32_t key, uint32_t dir, uint8_t *out, size_t *n);
#define IP_CT_DIR_ORIGINAL 0    /* the kernel's enum ip_conntrack_dir, in no uapi header */

/* fw-eval-nft.c and fw-eval-xt.c: one rule. */
enum fw_step fw_nft_rule(struct fw_ctx *x, const struct fw_rule *r);
enum fw_step fw_xt_rule(struct fw_ctx *x, const struct fw_rule *r);
/* An x_tables match or target (legacy, or inside an nf_tables rule): 1
 * matches, 0 does not, -1 cannot tell (x->unsure set). */
int fw_xt_match(struct fw_ctx *x, const char *name, unsigned rev, const void *info, size_t len);
enum fw_step fw_xt_target(struct fw_ctx *x, const char *name, unsigned rev, const void *info, size_t len);
void fw_seen_prefix(struct fw_result *res, const struct gn_prefix *p);
void fw_unsure(struct fw_ctx *x, const char *why);

/* fw-dnat.c: Docker's published ports, from its DNAT rules: iptables'
 * nat chain DOCKER (nf_tables and legacy, both families) and Docker 29's
 * tables docker-bridges. */
struct fw_dnat {
	int family;
	uint8_t proto;
	bool any;                       /* every local address */
	struct gn_prefix host;          /* when !any: -d ADDR (a /32, or 127.0.0.0/8 ...) */
	uint16_t port, port_end;
	char not_iif[16];               /* ! -i BRIDGE */
	struct gn_addr ctr;
	uint16_t ctr_port;
	char where[96];                 /* the rule */
};
int fw_dnat_list(struct fw_ruleset *rs, struct fw_dnat **ret, size_t *n);

#endif
