/*
 * Every nf_tables table of this network namespace, read with one dump per
 * object kind (tables, chains, rules, sets; set elements when a rule
 * looks into a set).  iptables-nft's tables are among them: its rules are
 * nf_tables expressions, with x_tables matches where it has no native
 * encoding (fw-eval-nft.c reads both).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "fw-nft.h"
#include "fw.h"

static void keep_err(struct fw_ruleset *rs, int r, const char *what)
{
	if (r < 0 && !rs->err) {
		rs->err = r;
		snprintf(rs->err_what, sizeof rs->err_what, "%s", what);
	}
}

static int msg_family(const struct nlmsghdr *h)
{
	return ((const struct nfgenmsg *)NLMSG_DATA(h))->nfgen_family;
}

static void attrs(const struct nlmsghdr *h, struct nlattr **tb, int max)
{
	nl_attrs((const char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct nfgenmsg)),
		 h->nlmsg_len - NLMSG_LENGTH(sizeof(struct nfgenmsg)), tb, max);
}

struct fw_table *fw_table_add(struct fw_ruleset *rs)
{
	struct fw_table *v = realloc(rs->v, (rs->n + 1) * sizeof *v);

	if (!v)
		return NULL;
	rs->v = v;
	memset(&v[rs->n], 0, sizeof v[rs->n]);
	return &v[rs->n++];
}

struct fw_chain *fw_chain_add(struct fw_table *t)
{
	struct fw_chain *v = realloc(t->chains, (t->n_chains + 1) * sizeof *v);

	if (!v)
		return NULL;
	t->chains = v;
	memset(&v[t->n_chains], 0, sizeof v[t->n_chains]);
	v[t->n_chains].hook = -1;
	return &v[t->n_chains++];
}

int fw_rule_add(struct fw_chain *c, const struct fw_rule *r)
{
	struct fw_rule *v = realloc(c->rules, (c->n + 1) * sizeof *v);

	if (!v)
		return -ENOMEM;
	c->rules = v;
	v[c->n++] = *r;
	return 0;
}

static struct fw_table *table_of(struct fw_ruleset *rs, int family, const struct nlattr *name)
{
	const char *s = name ? nla_str(name) : NULL;

	for (size_t i = 0; s && i < rs->n; i++)
		if (!rs->v[i].legacy && rs->v[i].family == family && !strcmp(rs->v[i].name, s))
			return &rs->v[i];
	return NULL;
}

const struct fw_chain *fw_chain_find(const struct fw_table *t, const char *name)
{
	for (size_t i = 0; i < t->n_chains; i++)
		if (!strcmp(t->chains[i].name, name))
			return &t->chains[i];
	return NULL;
}

static int on_table(const struct nlmsghdr *h, void *ctx)
{
	struct fw_ruleset *rs = ctx;
	struct nlattr *tb[NFTA_TABLE_MAX + 1];
	struct fw_table *t;

	attrs(h, tb, NFTA_TABLE_MAX);
	if (!tb[NFTA_TABLE_NAME] || !nla_str(tb[NFTA_TABLE_NAME]))
		return 0;
	if (!(t = fw_table_add(rs)))
		return -ENOMEM;
	t->family = msg_family(h);
	snprintf(t->name, sizeof t->name, "%s", nla_str(tb[NFTA_TABLE_NAME]));
	return 0;
}

static int on_chain(const struct nlmsghdr *h, void *ctx)
{
	struct fw_ruleset *rs = ctx;
	struct nlattr *tb[NFTA_CHAIN_MAX + 1], *hook[NFTA_HOOK_MAX + 1];
	struct fw_table *t;
	struct fw_chain *c;

	attrs(h, tb, NFTA_CHAIN_MAX);
	if (!(t = table_of(rs, msg_family(h), tb[NFTA_CHAIN_TABLE])) || !tb[NFTA_CHAIN_NAME] ||
	    !nla_str(tb[NFTA_CHAIN_NAME]))
		return 0;
	if (!(c = fw_chain_add(t)))
		return -ENOMEM;
	snprintf(c->name, sizeof c->name, "%s", nla_str(tb[NFTA_CHAIN_NAME]));
	if (tb[NFTA_CHAIN_TYPE] && nla_str(tb[NFTA_CHAIN_TYPE]))
		snprintf(c->type, sizeof c->type, "%s", nla_str(tb[NFTA_CHAIN_TYPE]));
	if (tb[NFTA_CHAIN_POLICY])
		c->policy_drop = nft_u32(tb[NFTA_CHAIN_POLICY]) == NF_DROP;
	if (tb[NFTA_CHAIN_HOOK]) {
		nl_attrs_nested(tb[NFTA_CHAIN_HOOK], hook, NFTA_HOOK_MAX);
		if (hook[NFTA_HOOK_HOOKNUM] && hook[NFTA_HOOK_PRIORITY]) {
			c->base = true;
			c->hook = (int)nft_u32(hook[NFTA_HOOK_HOOKNUM]);
			c->prio = (int)nft_u32(hook[NFTA_HOOK_PRIORITY]);
		}
	}
	return 0;
}

static int on_rule(const struct nlmsghdr *h, void *ctx)
{
	struct fw_ruleset *rs = ctx;
	struct nlattr *tb[NFTA_RULE_MAX + 1];
	struct fw_rule r = { .jump = -1 };
	struct fw_table *t;
	struct fw_chain *c = NULL;
	uint8_t *copy;
	int err;

	attrs(h, tb, NFTA_RULE_MAX);
	if (!(t = table_of(rs, msg_family(h), tb[NFTA_RULE_TABLE])) || !tb[NFTA_RULE_CHAIN] ||
	    !nla_str(tb[NFTA_RULE_CHAIN]))
		return 0;
	for (size_t i = 0; i < t->n_chains && !c; i++)
		if (!strcmp(t->chains[i].name, nla_str(tb[NFTA_RULE_CHAIN])))
			c = &t->chains[i];
	if (!c)
		return 0;
	if (tb[NFTA_RULE_HANDLE]) {
		uint64_t v;

		memcpy(&v, nla_data(tb[NFTA_RULE_HANDLE]), sizeof v);
		r.handle = be64toh(v);
	}
	if (tb[NFTA_RULE_EXPRESSIONS]) {
		r.len = tb[NFTA_RULE_EXPRESSIONS]->nla_len - NLA_HDRLEN;
		if (!(copy = malloc(r.len ? r.len : 1)))
			return -ENOMEM;
		memcpy(copy, nla_data(tb[NFTA_RULE_EXPRESSIONS]), r.len);
		r.data = copy;
	}
	if ((err = fw_rule_add(c, &r)) < 0)
		free((void *)r.data);
	return err;
}

static int on_set(const struct nlmsghdr *h, void *ctx)
{
	struct fw_ruleset *rs = ctx;
	struct nlattr *tb[NFTA_SET_MAX + 1];
	struct fw_table *t;
	struct fw_set *v, *s;

	attrs(h, tb, NFTA_SET_MAX);
	if (!(t = table_of(rs, msg_family(h), tb[NFTA_SET_TABLE])) || !tb[NFTA_SET_NAME] || !nla_str(tb[NFTA_SET_NAME]))
		return 0;
	if (!(v = realloc(t->sets, (t->n_sets + 1) * sizeof *v)))
		return -ENOMEM;
	t->sets = v;
	s = memset(&v[t->n_sets++], 0, sizeof *v);
	snprintf(s->name, sizeof s->name, "%s", nla_str(tb[NFTA_SET_NAME]));
	s->flags = tb[NFTA_SET_FLAGS] ? nft_u32(tb[NFTA_SET_FLAGS]) : 0;
	s->klen = tb[NFTA_SET_KEY_LEN] ? nft_u32(tb[NFTA_SET_KEY_LEN]) : 0;
	s->dlen = tb[NFTA_SET_DATA_LEN] ? nft_u32(tb[NFTA_SET_DATA_LEN]) : 0;
	s->dtype = tb[NFTA_SET_DATA_TYPE] ? nft_u32(tb[NFTA_SET_DATA_TYPE]) : 0;
	s->id = tb[NFTA_SET_ID] ? nft_u32(tb[NFTA_SET_ID]) : 0;
	return 0;
}

static void data_verdict(const struct nlattr *a, struct fw_elem *e)
{
	struct nlattr *d[NFTA_DATA_MAX + 1], *v[NFTA_VERDICT_MAX + 1];

	nl_attrs_nested(a, d, NFTA_DATA_MAX);
	if (!d[NFTA_DATA_VERDICT])
		return;
	nl_attrs_nested(d[NFTA_DATA_VERDICT], v, NFTA_VERDICT_MAX);
	if (!v[NFTA_VERDICT_CODE])
		return;
	e->has_verdict = true;
	e->verdict = (int)nft_u32(v[NFTA_VERDICT_CODE]);
	if (v[NFTA_VERDICT_CHAIN] && nla_str(v[NFTA_VERDICT_CHAIN]))
		snprintf(e->chain, sizeof e->chain, "%s", nla_str(v[NFTA_VERDICT_CHAIN]));
}

static int on_elems(const struct nlmsghdr *h, void *ctx)
{
	struct fw_set *s = ctx;
	struct nlattr *tb[NFTA_SET_ELEM_LIST_MAX + 1];

	attrs(h, tb, NFTA_SET_ELEM_LIST_MAX);
	if (!tb[NFTA_SET_ELEM_LIST_ELEMENTS])
		return 0;
	nla_for_each(a, nla_data(tb[NFTA_SET_ELEM_LIST_ELEMENTS]),
		     tb[NFTA_SET_ELEM_LIST_ELEMENTS]->nla_len - NLA_HDRLEN) {
		struct nlattr *el[NFTA_SET_ELEM_MAX + 1];
		struct fw_elem *v, *e;

		if (!(v = realloc(s->v, (s->n + 1) * sizeof *v)))
			return -ENOMEM;
		s->v = v;
		e = memset(&v[s->n++], 0, sizeof *e);
		nl_attrs_nested(a, el, NFTA_SET_ELEM_MAX);
		if (el[NFTA_SET_ELEM_KEY])
			e->klen = (uint32_t)nft_data(el[NFTA_SET_ELEM_KEY], e->key, sizeof e->key);
		if (el[NFTA_SET_ELEM_KEY_END])
			e->kelen = (uint32_t)nft_data(el[NFTA_SET_ELEM_KEY_END], e->key_end, sizeof e->key_end);
		if (el[NFTA_SET_ELEM_FLAGS])
			e->flags = nft_u32(el[NFTA_SET_ELEM_FLAGS]);
		if (el[NFTA_SET_ELEM_DATA]) {
			e->dlen = (uint32_t)nft_data(el[NFTA_SET_ELEM_DATA], e->data, sizeof e->data);
			data_verdict(el[NFTA_SET_ELEM_DATA], e);
		}
	}
	return 0;
}

struct fw_set *fw_set_get(struct fw_table *t, const char *name, uint32_t id)
{
	struct fw_set *s = NULL;
	struct nlq q;

	for (size_t i = 0; i < t->n_sets && !s; i++)
		if (name ? !strcmp(t->sets[i].name, name) : t->sets[i].id == id)
			s = &t->sets[i];
	if (!s || s->loaded || t->legacy)
		return s;
	s->loaded = true;
	nlq_nft(&q, NFT_MSG_GETSETELEM, t->family, NLM_F_DUMP);
	nlq_attr_str(&q, NFTA_SET_ELEM_LIST_TABLE, t->name);
	nlq_attr_str(&q, NFTA_SET_ELEM_LIST_SET, s->name);
	s->err = nl_request(NETLINK_NETFILTER, &q, on_elems, s);
	return s;
}

static int dump(int msg, int (*cb)(const struct nlmsghdr *h, void *ctx), void *ctx)
{
	struct nlq q;

	nlq_nft(&q, msg, NFPROTO_UNSPEC, NLM_F_DUMP);
	return nl_request(NETLINK_NETFILTER, &q, cb, ctx);
}

void fw_read_nft(struct fw_ruleset *rs)
{
	int r = dump(NFT_MSG_GETTABLE, on_table, rs);

	keep_err(rs, r, "nf_tables tables");
	if (r < 0)
		return;
	keep_err(rs, dump(NFT_MSG_GETCHAIN, on_chain, rs), "nf_tables chains");
	keep_err(rs, dump(NFT_MSG_GETSET, on_set, rs), "nf_tables sets");
	keep_err(rs, dump(NFT_MSG_GETRULE, on_rule, rs), "nf_tables rules");
}

void fw_read(struct fw_ruleset *rs)
{
	memset(rs, 0, sizeof *rs);
	fw_read_nft(rs);
	fw_read_xt(rs);
}

void fw_clear(struct fw_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct fw_table *t = &rs->v[i];

		for (size_t j = 0; j < t->n_chains; j++) {
			for (size_t k = 0; !t->legacy && k < t->chains[j].n; k++)
				free((void *)t->chains[j].rules[k].data);
			free(t->chains[j].rules);
		}
		for (size_t j = 0; j < t->n_sets; j++)
			free(t->sets[j].v);
		free(t->chains);
		free(t->sets);
		free(t->blob);
	}
	free(rs->v);
	memset(rs, 0, sizeof *rs);
}

void fw_chain_label(const struct fw_table *t, const struct fw_chain *c, char *buf, size_t len)
{
	static const char *const fam[] = { [NFPROTO_INET] = "inet", [NFPROTO_IPV4] = "ip", [NFPROTO_ARP] = "arp",
					   [NFPROTO_NETDEV] = "netdev", [NFPROTO_BRIDGE] = "bridge",
					   [NFPROTO_IPV6] = "ip6" };
	bool ipt = !strcmp(t->name, "filter") || !strcmp(t->name, "nat") || !strcmp(t->name, "mangle") ||
		   !strcmp(t->name, "raw") || !strcmp(t->name, "security");
	const char *f = t->family >= 0 && (size_t)t->family < sizeof fam / sizeof fam[0] && fam[t->family]
				? fam[t->family] : "?";

	if (t->legacy)
		snprintf(buf, len, "%s-legacy %s %s", t->family == NFPROTO_IPV4 ? "iptables" : "ip6tables", t->name,
			 c->name);
	else if (ipt && (t->family == NFPROTO_IPV4 || t->family == NFPROTO_IPV6))
		snprintf(buf, len, "%s %s %s", t->family == NFPROTO_IPV4 ? "iptables" : "ip6tables", t->name, c->name);
	else
		snprintf(buf, len, "nft table %s %s chain %s", f, t->name, c->name);
}
