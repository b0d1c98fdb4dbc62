/*
 * What guardnetctl reads of the kernel itself when guardnetd does not
 * answer: guardnet's links, its nftables table, and its accept rule in
 * iptables (nf_tables and legacy).  The names are those spec/firewall-model.md
 * gives; guardnetd's own code is not linked in.
 */
#ifndef GN_CTL_KERNEL_H
#define GN_CTL_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#define GN_TABLE "guardnet"            /* table inet guardnet, and ip and ip6 guardnet (UFW's rules) */
#define GN_COUNT_TABLE "guardnet_count" /* table inet guardnet_count: connection counters */
/* The comment of table inet guardnet that names the UFW tables going with
 * it: "ufw-tables=ip" or "ufw-tables=ip,ip6" (spec/firewall-model.md). */
#define GN_UFW_TABLES_COMMENT "ufw-tables="
#define GN_ALIAS_PREFIX "guardnet:"    /* the alias of every link guardnet makes */
#define GN_RULE_COMMENT "guardnet"     /* -m comment --comment guardnet */

struct strs {
	char **v;
	size_t n;
};
int strs_add(struct strs *l, const char *s);
bool strs_has(const struct strs *l, const char *s);
void strs_clear(struct strs *l);

/* netlink.c: a request (header, family header, attributes) and a walk over
 * its answers. */
struct nlq {
	struct nlmsghdr h;
	char body[512];
};
void nlq_init(struct nlq *q, int type, int flags);
void nlq_put(struct nlq *q, const void *data, size_t len);
void nlq_attr_str(struct nlq *q, uint16_t type, const char *s);
void nlq_nft(struct nlq *q, int msg, int family, int flags);
/* 0, or a negative errno from sending, receiving, the kernel or cb. */
int nl_request(int protocol, struct nlq *q, int (*cb)(const struct nlmsghdr *h, void *ctx), void *ctx);
int nl_attrs(const void *start, size_t len, struct nlattr **tb, int max);
int nl_attrs_nested(const struct nlattr *a, struct nlattr **tb, int max);
static inline void *nla_data(const struct nlattr *a) { return (char *)a + NLA_HDRLEN; }
/* Every attribute in [start, start + len), repeated types included. */
#define nla_for_each(a, start, len)                                                              \
	for (const struct nlattr *a = (start), *a##_end = (const void *)((const char *)(start) + (len)); \
	     (const char *)a + NLA_HDRLEN <= (const char *)a##_end && a->nla_len >= NLA_HDRLEN &&      \
	     (const char *)a + a->nla_len <= (const char *)a##_end;                                    \
	     a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len)))
/* The attribute as a string, or NULL when it is not NUL-terminated. */
const char *nla_str(const struct nlattr *a);

/* Where guardnet's iptables accept rule should be, and where it is: one per
 * filter table that exists (ip and ip6, nf_tables and legacy). */
struct ipt_view {
	const char *what;        /* "iptables (nf_tables)", ... */
	bool table;              /* the filter table exists */
	struct strs chains;      /* its chains */
	struct strs rule_in;     /* chains holding a rule commented "guardnet" that accepts */
	struct strs drop_in;     /* "CHAIN dst", "CHAIN src": its device group drops there */
	int err;                 /* reading it failed: -errno */
};

/* Table ip or ip6 guardnet, UFW's rules compiled. */
struct ufw_view {
	const char *family;      /* "ip", "ip6" */
	bool wanted;             /* table inet guardnet's comment names it */
	bool table;              /* it exists */
	struct strs chains;      /* its chains */
	struct strs base_chains; /* "NAME:HOOK" for its base chains */
};

struct ctl_kernel {
	bool table;              /* table inet guardnet */
	char comment[128];       /* its comment, "" without one */
	struct strs chains;      /* its chains */
	struct strs base_chains; /* "NAME:HOOK" for its base chains */
	struct strs sets;        /* its sets and maps */
	struct strs bridge_elems;/* the elements of its set "bridges" */
	struct strs bridges;     /* "NAME ID": bridges with a guardnet alias */
	struct strs ports;       /* "NAME ID": other links with a guardnet alias */
	struct ufw_view ufw[2];  /* ip, ip6 */
	bool count_table;        /* table inet guardnet_count */
	struct strs count_base;  /* "NAME:HOOK" for its base chains */
	struct strs count_sets;  /* its sets */
	struct ipt_view ipt[4];
	int err;                 /* the first error reading links or the table */
	const char *err_what;
};

/* kernel.c */
void ctl_kernel_read(struct ctl_kernel *k);
void ctl_kernel_clear(struct ctl_kernel *k);
/* A device group match's direction from xt_devgroup_info's flags: "dst"
 * (into the group's interfaces), "src", or NULL (neither or both). */
const char *ctl_devgroup_dir(unsigned flags);
/* iptables.c: the legacy (x_tables) filter table of family AF_INET or AF_INET6. */
void ipt_legacy_read(int family, struct ipt_view *v);
/* One legacy table's entries as the kernel gives them (loaded false when
 * the kernel has no such table), and where an entry of the family keeps
 * its offsets; 0 or -errno. */
struct xt_blob {
	bool loaded;
	uint8_t *entries;
	size_t size;
	unsigned valid_hooks, hook_entry[5], underflow[5];
	size_t head, target_offset, next_offset;
};
int xt_blob_read(int family, const char *table, struct xt_blob *ret);

#endif
