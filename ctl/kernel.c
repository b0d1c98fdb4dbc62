/*
 * Reads what guardnet put into the kernel, for the degraded check: its
 * links (by their alias), table inet guardnet (its comment, chains, base
 * chain hooks, sets, the elements of "bridges"), tables ip and ip6 guardnet
 * (UFW's rules: chains and hooks), table inet guardnet_count (chains and
 * sets) and its accept rule and device group drops in every iptables filter
 * table there is.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <linux/if_link.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_devgroup.h>
#include <linux/rtnetlink.h>

#include "kernel.h"

/* libnftnl's NFTNL_UDATA_RULE_COMMENT and NFTNL_UDATA_TABLE_COMMENT:
 * userdata is type, length, value. */
#define UDATA_RULE_COMMENT 0
#define UDATA_TABLE_COMMENT 0

static void keep_err(struct ctl_kernel *k, int r, const char *what)
{
	if (r < 0 && !k->err) {
		k->err = r;
		k->err_what = what;
	}
}

static int on_link(const struct nlmsghdr *h, void *ctx)
{
	struct ctl_kernel *k = ctx;
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1] = { 0 };
	const char *name, *alias, *kind = "";
	char line[256];

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	nl_attrs((const char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct ifinfomsg)),
		 h->nlmsg_len - NLMSG_LENGTH(sizeof(struct ifinfomsg)), tb, IFLA_MAX);
	if (!tb[IFLA_IFNAME] || !tb[IFLA_IFALIAS] || !(name = nla_str(tb[IFLA_IFNAME])) ||
	    !(alias = nla_str(tb[IFLA_IFALIAS])) || strncmp(alias, GN_ALIAS_PREFIX, strlen(GN_ALIAS_PREFIX)))
		return 0;
	if (tb[IFLA_LINKINFO]) {
		nl_attrs_nested(tb[IFLA_LINKINFO], info, IFLA_INFO_MAX);
		if (info[IFLA_INFO_KIND] && nla_str(info[IFLA_INFO_KIND]))
			kind = nla_str(info[IFLA_INFO_KIND]);
	}
	snprintf(line, sizeof line, "%s %s", name, alias + strlen(GN_ALIAS_PREFIX));
	return strs_add(strcmp(kind, "bridge") ? &k->ports : &k->bridges, line);
}

/* The attributes of an nf_tables message, after its nfgenmsg. */
static void nft_attrs(const struct nlmsghdr *h, struct nlattr **tb, int max)
{
	nl_attrs((const char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct nfgenmsg)),
		 h->nlmsg_len - NLMSG_LENGTH(sizeof(struct nfgenmsg)), tb, max);
}

struct nft_read {
	const char *table;       /* only objects of this table */
	bool *table_found;
	char *comment;           /* the table's comment (sizeof ctl_kernel.comment), or NULL */
	struct strs *names;      /* chains or sets */
	struct strs *hooks;      /* base chains as "NAME:HOOK" */
	struct strs *rule_in;    /* chains with a rule commented "guardnet" that accepts */
	struct strs *drop_in;    /* "CHAIN dst|src": its device group drops */
};

/* The comment in a table's userdata: type, length, value, as libnftnl
 * writes it (NFTNL_UDATA_TABLE_COMMENT is 0). */
static void udata_comment(const struct nlattr *ud, char *buf, size_t len)
{
	const unsigned char *u = nla_data(ud);
	size_t n = ud->nla_len - NLA_HDRLEN;

	for (size_t i = 0; i + 2 <= n && i + 2 + u[i + 1] <= n; i += 2 + u[i + 1])
		if (u[i] == UDATA_TABLE_COMMENT)
			snprintf(buf, len, "%.*s", (int)u[i + 1], (const char *)u + i + 2);
}

static int on_table(const struct nlmsghdr *h, void *ctx)
{
	struct nft_read *c = ctx;
	struct nlattr *tb[NFTA_TABLE_MAX + 1];

	nft_attrs(h, tb, NFTA_TABLE_MAX);
	if (!tb[NFTA_TABLE_NAME] || !nla_str(tb[NFTA_TABLE_NAME]) || strcmp(nla_str(tb[NFTA_TABLE_NAME]), c->table))
		return 0;
	*c->table_found = true;
	if (c->comment && tb[NFTA_TABLE_USERDATA])
		udata_comment(tb[NFTA_TABLE_USERDATA], c->comment, sizeof ((struct ctl_kernel *)0)->comment);
	return 0;
}

static int on_chain(const struct nlmsghdr *h, void *ctx)
{
	struct nft_read *c = ctx;
	struct nlattr *tb[NFTA_CHAIN_MAX + 1], *hook[NFTA_HOOK_MAX + 1];
	const char *name;
	char line[300];
	int r;

	nft_attrs(h, tb, NFTA_CHAIN_MAX);
	if (!tb[NFTA_CHAIN_TABLE] || !tb[NFTA_CHAIN_NAME] || !nla_str(tb[NFTA_CHAIN_TABLE]) ||
	    strcmp(nla_str(tb[NFTA_CHAIN_TABLE]), c->table) || !(name = nla_str(tb[NFTA_CHAIN_NAME])))
		return 0;
	if ((r = strs_add(c->names, name)) < 0 || !tb[NFTA_CHAIN_HOOK] || !c->hooks)
		return r;
	nl_attrs_nested(tb[NFTA_CHAIN_HOOK], hook, NFTA_HOOK_MAX);
	if (!hook[NFTA_HOOK_HOOKNUM])
		return 0;
	snprintf(line, sizeof line, "%s:%u", name, ntohl(*(uint32_t *)nla_data(hook[NFTA_HOOK_HOOKNUM])));
	return strs_add(c->hooks, line);
}

static int on_set(const struct nlmsghdr *h, void *ctx)
{
	struct nft_read *c = ctx;
	struct nlattr *tb[NFTA_SET_MAX + 1];

	nft_attrs(h, tb, NFTA_SET_MAX);
	if (!tb[NFTA_SET_TABLE] || !tb[NFTA_SET_NAME] || !nla_str(tb[NFTA_SET_TABLE]) ||
	    strcmp(nla_str(tb[NFTA_SET_TABLE]), c->table) || !nla_str(tb[NFTA_SET_NAME]))
		return 0;
	return strs_add(c->names, nla_str(tb[NFTA_SET_NAME]));
}

/* Elements of a set of interface names: keys of 16 bytes, zero-padded. */
static int on_elems(const struct nlmsghdr *h, void *ctx)
{
	struct nft_read *c = ctx;
	struct nlattr *tb[NFTA_SET_ELEM_LIST_MAX + 1];

	nft_attrs(h, tb, NFTA_SET_ELEM_LIST_MAX);
	if (!tb[NFTA_SET_ELEM_LIST_ELEMENTS])
		return 0;
	nla_for_each(e, nla_data(tb[NFTA_SET_ELEM_LIST_ELEMENTS]), tb[NFTA_SET_ELEM_LIST_ELEMENTS]->nla_len - NLA_HDRLEN) {
		struct nlattr *el[NFTA_SET_ELEM_MAX + 1], *key[NFTA_DATA_MAX + 1];
		char name[17] = "";
		size_t len;
		int r;

		nl_attrs_nested(e, el, NFTA_SET_ELEM_MAX);
		if (!el[NFTA_SET_ELEM_KEY])
			continue;
		nl_attrs_nested(el[NFTA_SET_ELEM_KEY], key, NFTA_DATA_MAX);
		if (!key[NFTA_DATA_VALUE])
			continue;
		len = key[NFTA_DATA_VALUE]->nla_len - NLA_HDRLEN;
		memcpy(name, nla_data(key[NFTA_DATA_VALUE]), len < 16 ? len : 16);
		if ((r = strs_add(c->names, name)) < 0)
			return r;
	}
	return 0;
}

/* guardnetd writes the comment as rule userdata; iptables-nft 1.8.9
 * writes "-m comment" typed by hand as an xt match expression. */
static bool comment_in_udata(const struct nlattr *ud)
{
	const unsigned char *u = nla_data(ud);
	size_t len = ud->nla_len - NLA_HDRLEN;

	for (size_t i = 0; i + 2 <= len && i + 2 + u[i + 1] <= len; i += 2 + u[i + 1])
		if (u[i] == UDATA_RULE_COMMENT && u[i + 1] == sizeof GN_RULE_COMMENT &&
		    !memcmp(u + i + 2, GN_RULE_COMMENT, sizeof GN_RULE_COMMENT))
			return true;
	return false;
}

/* The data of the rule's first xt match named name (iptables-nft's compat
 * encoding, e.g. -m comment), when it holds at least size bytes. */
static const void *match_info(const struct nlattr *exprs, const char *name, size_t size)
{
	nla_for_each(e, nla_data(exprs), exprs->nla_len - NLA_HDRLEN) {
		struct nlattr *x[NFTA_EXPR_MAX + 1], *m[NFTA_MATCH_MAX + 1];

		nl_attrs_nested(e, x, NFTA_EXPR_MAX);
		if (!x[NFTA_EXPR_NAME] || !x[NFTA_EXPR_DATA] || !nla_str(x[NFTA_EXPR_NAME]) ||
		    strcmp(nla_str(x[NFTA_EXPR_NAME]), "match"))
			continue;
		nl_attrs_nested(x[NFTA_EXPR_DATA], m, NFTA_MATCH_MAX);
		if (!m[NFTA_MATCH_NAME] || !m[NFTA_MATCH_INFO] || !nla_str(m[NFTA_MATCH_NAME]) ||
		    strcmp(nla_str(m[NFTA_MATCH_NAME]), name) ||
		    (size_t)(m[NFTA_MATCH_INFO]->nla_len - NLA_HDRLEN) < size)
			continue;
		return nla_data(m[NFTA_MATCH_INFO]);
	}
	return NULL;
}

static bool comment_in_match(const struct nlattr *exprs)
{
	const struct xt_comment_info *ci = match_info(exprs, "comment", sizeof *ci);

	return ci && !strncmp(ci->comment, GN_RULE_COMMENT, sizeof ci->comment);
}

/* guardnet's accept rule ends in accept; its device group drops (commented
 * "guardnet" too) in drop. */
static bool accepts(const struct nlattr *exprs)
{
	nla_for_each(e, nla_data(exprs), exprs->nla_len - NLA_HDRLEN) {
		struct nlattr *x[NFTA_EXPR_MAX + 1], *i[NFTA_IMMEDIATE_MAX + 1], *d[NFTA_DATA_MAX + 1],
			*v[NFTA_VERDICT_MAX + 1];

		nl_attrs_nested(e, x, NFTA_EXPR_MAX);
		if (!x[NFTA_EXPR_NAME] || !x[NFTA_EXPR_DATA] || !nla_str(x[NFTA_EXPR_NAME]) ||
		    strcmp(nla_str(x[NFTA_EXPR_NAME]), "immediate"))
			continue;
		nl_attrs_nested(x[NFTA_EXPR_DATA], i, NFTA_IMMEDIATE_MAX);
		if (!i[NFTA_IMMEDIATE_DATA])
			continue;
		nl_attrs_nested(i[NFTA_IMMEDIATE_DATA], d, NFTA_DATA_MAX);
		if (!d[NFTA_DATA_VERDICT])
			continue;
		nl_attrs_nested(d[NFTA_DATA_VERDICT], v, NFTA_VERDICT_MAX);
		if (v[NFTA_VERDICT_CODE] && v[NFTA_VERDICT_CODE]->nla_len == NLA_HDRLEN + 4 &&
		    ntohl(*(const uint32_t *)nla_data(v[NFTA_VERDICT_CODE])) == NF_ACCEPT)
			return true;
	}
	return false;
}

/* The direction of a -m devgroup match (xt_devgroup_info's flags):
 * "dst" (into the group's interfaces), "src", or NULL. */
static const char *devgroup_dir(const struct nlattr *exprs)
{
	const struct xt_devgroup_info *g = match_info(exprs, "devgroup", sizeof *g);

	return g ? ctl_devgroup_dir(g->flags) : NULL;
}

static int on_rule(const struct nlmsghdr *h, void *ctx)
{
	struct nft_read *c = ctx;
	struct nlattr *tb[NFTA_RULE_MAX + 1];
	const char *chain, *dir;
	char line[300];

	nft_attrs(h, tb, NFTA_RULE_MAX);
	if (!tb[NFTA_RULE_TABLE] || !tb[NFTA_RULE_CHAIN] || !nla_str(tb[NFTA_RULE_TABLE]) ||
	    strcmp(nla_str(tb[NFTA_RULE_TABLE]), c->table) || !(chain = nla_str(tb[NFTA_RULE_CHAIN])) ||
	    !tb[NFTA_RULE_EXPRESSIONS])
		return 0;
	if (!(tb[NFTA_RULE_USERDATA] && comment_in_udata(tb[NFTA_RULE_USERDATA])) &&
	    !comment_in_match(tb[NFTA_RULE_EXPRESSIONS]))
		return 0;
	if (accepts(tb[NFTA_RULE_EXPRESSIONS]))
		return strs_has(c->rule_in, chain) ? 0 : strs_add(c->rule_in, chain);
	if (!(dir = devgroup_dir(tb[NFTA_RULE_EXPRESSIONS])))
		return 0;
	snprintf(line, sizeof line, "%s %s", chain, dir);
	return strs_has(c->drop_in, line) ? 0 : strs_add(c->drop_in, line);
}

static int nft_dump(int msg, int family, const char *table, const char *set,
		    int (*cb)(const struct nlmsghdr *h, void *ctx), struct nft_read *c)
{
	struct nlq q;

	nlq_nft(&q, msg, family, NLM_F_DUMP);
	if (set) {
		nlq_attr_str(&q, NFTA_SET_ELEM_LIST_TABLE, table);
		nlq_attr_str(&q, NFTA_SET_ELEM_LIST_SET, set);
	}
	return nl_request(NETLINK_NETFILTER, &q, cb, c);
}

static void read_guardnet_table(struct ctl_kernel *k)
{
	struct nft_read c = { .table = GN_TABLE, .table_found = &k->table, .comment = k->comment };
	int r = nft_dump(NFT_MSG_GETTABLE, NFPROTO_INET, GN_TABLE, NULL, on_table, &c);

	keep_err(k, r, "nftables tables");
	if (r < 0 || !k->table)
		return;
	c.names = &k->chains;
	c.hooks = &k->base_chains;
	keep_err(k, nft_dump(NFT_MSG_GETCHAIN, NFPROTO_INET, GN_TABLE, NULL, on_chain, &c), "guardnet's chains");
	c.names = &k->sets;
	keep_err(k, nft_dump(NFT_MSG_GETSET, NFPROTO_INET, GN_TABLE, NULL, on_set, &c), "guardnet's sets");
	c.names = &k->bridge_elems;
	r = nft_dump(NFT_MSG_GETSETELEM, NFPROTO_INET, GN_TABLE, "bridges", on_elems, &c);
	if (r != -ENOENT)
		keep_err(k, r, "the set bridges");
}

/* Table ip or ip6 guardnet, and whether table inet guardnet names it. */
static void read_ufw_table(struct ctl_kernel *k, int i)
{
	static const char *const names[] = { "ip", "ip6" };
	static const int families[] = { NFPROTO_IPV4, NFPROTO_IPV6 };
	struct ufw_view *v = &k->ufw[i];
	struct nft_read c = { .table = GN_TABLE, .table_found = &v->table, .names = &v->chains,
			      .hooks = &v->base_chains };
	size_t n = strlen(GN_UFW_TABLES_COMMENT);
	char list[sizeof k->comment], *save;
	int r;

	v->family = names[i];
	if (!strncmp(k->comment, GN_UFW_TABLES_COMMENT, n)) {
		snprintf(list, sizeof list, "%s", k->comment + n);
		for (char *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save))
			v->wanted |= !strcmp(f, names[i]);
	}
	r = nft_dump(NFT_MSG_GETTABLE, families[i], GN_TABLE, NULL, on_table, &c);
	keep_err(k, r, "nftables tables");
	if (r == 0 && v->table)
		keep_err(k, nft_dump(NFT_MSG_GETCHAIN, families[i], GN_TABLE, NULL, on_chain, &c), "UFW's chains");
}

/* Table inet guardnet_count: its base chains and sets. */
static void read_count_table(struct ctl_kernel *k)
{
	struct nft_read c = { .table = GN_COUNT_TABLE, .table_found = &k->count_table };
	struct strs chains = { 0 };
	int r = nft_dump(NFT_MSG_GETTABLE, NFPROTO_INET, GN_COUNT_TABLE, NULL, on_table, &c);

	keep_err(k, r, "nftables tables");
	if (r < 0 || !k->count_table)
		return;
	c.names = &chains;
	c.hooks = &k->count_base;
	keep_err(k, nft_dump(NFT_MSG_GETCHAIN, NFPROTO_INET, GN_COUNT_TABLE, NULL, on_chain, &c), "the counting chains");
	c.names = &k->count_sets;
	keep_err(k, nft_dump(NFT_MSG_GETSET, NFPROTO_INET, GN_COUNT_TABLE, NULL, on_set, &c), "the counting sets");
	strs_clear(&chains);
}

/* iptables-nft's filter table of one family. */
static void read_nft_filter(int family, struct ipt_view *v)
{
	struct nft_read c = { .table = "filter", .table_found = &v->table, .names = &v->chains,
			      .rule_in = &v->rule_in, .drop_in = &v->drop_in };

	v->err = nft_dump(NFT_MSG_GETTABLE, family, "filter", NULL, on_table, &c);
	if (v->err < 0 || !v->table)
		return;
	v->err = nft_dump(NFT_MSG_GETCHAIN, family, "filter", NULL, on_chain, &c);
	if (v->err == 0)
		v->err = nft_dump(NFT_MSG_GETRULE, family, "filter", NULL, on_rule, &c);
}

void ctl_kernel_read(struct ctl_kernel *k)
{
	struct nlq q;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	memset(k, 0, sizeof *k);
	nlq_init(&q, RTM_GETLINK, NLM_F_DUMP);
	nlq_put(&q, &ifi, sizeof ifi);
	keep_err(k, nl_request(NETLINK_ROUTE, &q, on_link, k), "links");
	read_guardnet_table(k);
	read_ufw_table(k, 0);
	read_ufw_table(k, 1);
	read_count_table(k);
	k->ipt[0].what = "iptables (nf_tables)";
	k->ipt[1].what = "ip6tables (nf_tables)";
	k->ipt[2].what = "iptables-legacy";
	k->ipt[3].what = "ip6tables-legacy";
	read_nft_filter(NFPROTO_IPV4, &k->ipt[0]);
	read_nft_filter(NFPROTO_IPV6, &k->ipt[1]);
	ipt_legacy_read(AF_INET, &k->ipt[2]);
	ipt_legacy_read(AF_INET6, &k->ipt[3]);
}

void ctl_kernel_clear(struct ctl_kernel *k)
{
	strs_clear(&k->chains);
	strs_clear(&k->base_chains);
	strs_clear(&k->sets);
	strs_clear(&k->bridge_elems);
	strs_clear(&k->bridges);
	strs_clear(&k->ports);
	strs_clear(&k->count_base);
	strs_clear(&k->count_sets);
	for (size_t i = 0; i < 2; i++) {
		strs_clear(&k->ufw[i].chains);
		strs_clear(&k->ufw[i].base_chains);
	}
	for (size_t i = 0; i < 4; i++) {
		strs_clear(&k->ipt[i].chains);
		strs_clear(&k->ipt[i].rule_in);
		strs_clear(&k->ipt[i].drop_in);
	}
}
