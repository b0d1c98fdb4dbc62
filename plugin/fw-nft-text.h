/*
 * guardnet's tables as plain text, for comparing them (fw-nft-check.c:
 * start-up rebuilds only on a difference, guardnetctl check prints each):
 * as a batch would make them (the messages read back with libnftnl, never
 * sent) or as the kernel holds them (dumped with libnftnl).  Both come out
 * the same when they are the same: a chain's hook, priority and policy, a
 * rule's expressions in order as libnftnl prints them (counters without
 * their values, registers and defaults as the kernel echoes them), a set's
 * type and flags, an element's key, end and data.  Internal to fw-*.c.
 */
#ifndef GN_FW_NFT_TEXT_H
#define GN_FW_NFT_TEXT_H

#include "fw.h"
#include "fw-nft.h"
#include "idmap.h"

struct strv {
	char **v;
	size_t n;
};

struct nchain {
	char *name, *desc;
	struct strv rules, whats;  /* whats: what the batch said each rule is for ("" from the kernel) */
};

struct nset {
	char *name, *desc;
	bool dynamic;       /* filled by packets (UFW's limit): its elements are not guardnet's to compare */
	struct strv elems;
};

struct ntable {
	uint32_t family;    /* NFPROTO_INET, _IPV4, _IPV6 */
	const char *name;
	bool exists;
	char *comment;      /* the table's comment, "" without one */
	struct nchain *chains;
	size_t n_chains;
	struct nset *sets;
	size_t n_sets;
	/* Index + 1 of each chain and set by name: a table of 1,000 networks
	 * has thousands of each, and every rule and element is filed by name. */
	struct idmap chain_ix, set_ix;
	bool oom;
	struct nft_tally tally; /* nft_text_want, FW_TABLE: the batch's tally, for fw_sync */
};

/* Tables t[i].family t[i].name (inet, ip and ip6 FW_TABLE, inet
 * FW_COUNT_TABLE) as fw_apply would make them for m from nothing, read from
 * one batch built and never sent: 0 or -ENOMEM. */
int nft_text_want(const struct fw_model *m, struct ntable *t, size_t n_tables);
/* Table family name in the kernel: 0, -ENOENT when there is none, or
 * another negative errno. */
int nft_text_have(struct gn_fw *fw, uint32_t family, const char *name, struct ntable *ret);
/* For fw-nft-text-have.c: one object, as libnftnl parsed it, into t's
 * text; whether a message is about table t. */
void nft_text_add_chain(struct ntable *t, struct nftnl_chain *c);
void nft_text_add_rule(struct ntable *t, struct nftnl_rule *r, const char *what);
void nft_text_add_set(struct ntable *t, struct nftnl_set *s);
void nft_text_add_elems(struct ntable *t, struct nftnl_set *s);
void nft_text_set_comment(struct ntable *t, const struct nftnl_table *x);
bool nft_text_ours(const struct ntable *t, const struct nlmsghdr *nlh, const char *table);
/* Empties t; its family and name stay. */
void nft_text_clear(struct ntable *t);
struct nchain *nft_text_chain(const struct ntable *t, const char *name);
struct nset *nft_text_set(const struct ntable *t, const char *name);

#endif
