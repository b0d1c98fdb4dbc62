/*
 * Whether guardnet's table in the kernel is the one a model builds, without
 * writing anything: start-up (fw_sync) then leaves a table that is right as
 * it is, instead of replacing it whole, which at 1,000 networks was 20,000
 * rules parsed again, and as many change events sent.
 *
 * Both sides are reduced to a digest of canonical lines: each chain's
 * definition, its rules in order, each set's definition and each element
 * (a sum over the lines: the kernel lists chains, sets and elements in its
 * own order), from the messages fw_nft_table puts in a batch and from the
 * kernel's dumps, parsed alike with libnftnl.  What the kernel adds and
 * guardnet never sends is left out of the lines: handles, positions,
 * counters' values, use counts, and the elements a rule adds to a set of
 * its own (UFW's limit).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/udata.h>
#include <linux/netfilter/nfnetlink.h>

#include "fw.h"
#include "fw-nft.h"

struct digest {
	uint64_t sum;               /* of the lines' hashes: order does not count */
	size_t lines;
	/* Each chain's rules in order: a running hash per chain. */
	struct chain_hash {
		char name[NFT_CHAIN_MAXNAMELEN];
		uint64_t h;
		size_t rules;
	} *chains;
	size_t n_chains, cap;
	/* The sets seen, and those whose elements the datapath adds. */
	char (*sets)[NFT_SET_MAXNAMELEN];
	size_t n_sets;
	char (*dynamic)[NFT_SET_MAXNAMELEN];
	size_t n_dynamic;
	bool oom;
};

static void name_add(struct digest *d, char (**v)[NFT_SET_MAXNAMELEN], size_t *n, const char *name)
{
	void *p = realloc(*v, (*n + 1) * sizeof **v);

	if (!p) {
		d->oom = true;
		return;
	}
	*v = p;
	snprintf((*v)[(*n)++], sizeof **v, "%s", name);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

#define FNV0 0xcbf29ce484222325ULL

static void line(struct digest *d, const char *text)
{
	/* A second pass, so that a sum of hashes does not cancel. */
	uint64_t h = fnv(FNV0, text, strlen(text));

	d->sum += fnv(h, &h, sizeof h);
	d->lines++;
}

static struct chain_hash *chain_of(struct digest *d, const char *name)
{
	for (size_t i = 0; i < d->n_chains; i++)
		if (!strcmp(d->chains[i].name, name))
			return &d->chains[i];
	if (d->n_chains == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		void *p = realloc(d->chains, cap * sizeof *d->chains);

		if (!p) {
			d->oom = true;
			return NULL;
		}
		d->chains = p;
		d->cap = cap;
	}
	memset(&d->chains[d->n_chains], 0, sizeof d->chains[0]);
	snprintf(d->chains[d->n_chains].name, sizeof d->chains[0].name, "%s", name);
	d->chains[d->n_chains].h = FNV0;
	return &d->chains[d->n_chains++];
}

static bool dynamic(const struct digest *d, const char *set)
{
	for (size_t i = 0; i < d->n_dynamic; i++)
		if (!strcmp(d->dynamic[i], set))
			return true;
	return false;
}

static void add_chain(struct digest *d, struct nftnl_chain *c)
{
	char buf[512];

	snprintf(buf, sizeof buf, "chain %s", nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM))
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " type %s hook %u prio %d policy %u",
			 nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM),
			 nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO), nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY));
	line(d, buf);
}

/* What the kernel says of an expression that guardnet leaves to its
 * default: a counter's values, a lookup's flags, a NAT range's end. */
static int normal(struct nftnl_expr *e, void *data)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	(void)data;
	if (!strcmp(name, "counter")) {
		nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_PACKETS, 0);
		nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_BYTES, 0);
	} else if (!strcmp(name, "lookup") && !nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS)) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, 0);
	} else if (!strcmp(name, "nat")) {
		if (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_ADDR_MIN) && !nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_ADDR_MAX))
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MAX, nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN));
		if (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_PROTO_MIN) &&
		    !nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_PROTO_MAX))
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX,
					   nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN));
	}
	return 0;
}

/* The kernel lists a 32-bit register that starts a 128-bit one by the
 * latter's number (nft_dump_register): "reg 8" is "reg 1", 12 is 2.  Copies
 * text into out with the numbers so written. */
static void registers(const char *text, char *out, size_t len)
{
	size_t o = 0;

	while (*text && o + 16 < len) {
		char *end;
		long r;

		if (strncmp(text, "reg ", 4)) {
			out[o++] = *text++;
			continue;
		}
		r = strtol(text + 4, &end, 10);
		if (end == text + 4 || r < NFT_REG32_00 || (r - NFT_REG32_00) % 4) {
			out[o++] = *text++;
			continue;
		}
		o += (size_t)snprintf(out + o, len - o, "reg %ld", (r - NFT_REG32_00) / 4 + NFT_REG_1);
		text = end;
	}
	out[o] = '\0';
}

static void add_rule(struct digest *d, struct nftnl_rule *r)
{
	static char raw[1 << 16], buf[1 << 16];
	struct chain_hash *c = chain_of(d, nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));

	if (!c)
		return;
	nftnl_rule_unset(r, NFTNL_RULE_HANDLE);
	nftnl_rule_unset(r, NFTNL_RULE_POSITION);
	nftnl_rule_unset(r, NFTNL_RULE_ID);
	nftnl_expr_foreach(r, normal, NULL);
	nftnl_rule_snprintf(raw, sizeof raw, r, NFTNL_OUTPUT_DEFAULT, 0);
	registers(raw, buf, sizeof buf);
	c->h = fnv(c->h, buf, strlen(buf));
	c->rules++;
}

static void hex(char *buf, size_t len, const char *what, const void *p, uint32_t n)
{
	size_t off = strlen(buf);

	off += (size_t)snprintf(buf + off, len - off, " %s ", what);
	for (uint32_t i = 0; i < n && off + 3 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%02x", ((const uint8_t *)p)[i]);
}

static void add_set(struct digest *d, struct nftnl_set *s)
{
	static const uint16_t attrs[] = { NFTNL_SET_FLAGS, NFTNL_SET_KEY_TYPE, NFTNL_SET_KEY_LEN, NFTNL_SET_DATA_TYPE,
					  NFTNL_SET_DATA_LEN };
	const char *name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	char buf[1024];
	uint32_t n;

	snprintf(buf, sizeof buf, "set %s", name);
	for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %u",
			 nftnl_set_is_set(s, attrs[i]) ? nftnl_set_get_u32(s, attrs[i]) : 0);
	if (nftnl_set_is_set(s, NFTNL_SET_DESC_CONCAT)) {
		const void *p = nftnl_set_get_data(s, NFTNL_SET_DESC_CONCAT, &n);

		hex(buf, sizeof buf, "concat", p, n);
	}
	if (nftnl_set_is_set(s, NFTNL_SET_USERDATA)) {
		const void *p = nftnl_set_get_data(s, NFTNL_SET_USERDATA, &n);

		hex(buf, sizeof buf, "userdata", p, n);
	}
	line(d, buf);
	name_add(d, &d->sets, &d->n_sets, name);
	if (nftnl_set_is_set(s, NFTNL_SET_FLAGS) && (nftnl_set_get_u32(s, NFTNL_SET_FLAGS) & NFT_SET_EVAL))
		name_add(d, &d->dynamic, &d->n_dynamic, name);
}

static void add_elems(struct digest *d, struct nftnl_set *s)
{
	static const struct {
		uint16_t attr;
		const char *name;
	} data[] = { { NFTNL_SET_ELEM_KEY, "key" }, { NFTNL_SET_ELEM_KEY_END, "end" }, { NFTNL_SET_ELEM_DATA, "data" } };
	const char *set = nftnl_set_get_str(s, NFTNL_SET_NAME);
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;

	if (dynamic(d, set))
		return;
	it = nftnl_set_elems_iter_create(s);
	if (!it) {
		d->oom = true;
		return;
	}
	while ((e = nftnl_set_elems_iter_next(it))) {
		char buf[512];
		uint32_t n;

		snprintf(buf, sizeof buf, "elem %s flags %u", set,
			 nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) ? nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) : 0);
		for (size_t i = 0; i < sizeof data / sizeof data[0]; i++)
			if (nftnl_set_elem_is_set(e, data[i].attr)) {
				const void *p = nftnl_set_elem_get(e, data[i].attr, &n);

				hex(buf, sizeof buf, data[i].name, p, n);
			}
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT))
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " verdict %d %s",
				 (int)nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_VERDICT),
				 nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN) ?
					 nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN) : "");
		line(d, buf);
	}
	nftnl_set_elems_iter_destroy(it);
}

/* The sum over chains of (name, their rules in order). */
static uint64_t total(const struct digest *d)
{
	uint64_t sum = d->sum;

	for (size_t i = 0; i < d->n_chains; i++) {
		uint64_t h = fnv(d->chains[i].h, d->chains[i].name, strlen(d->chains[i].name));

		sum += fnv(h, &d->chains[i].rules, sizeof d->chains[i].rules);
	}
	return sum;
}

static void digest_free(struct digest *d)
{
	free(d->chains);
	free(d->sets);
	free(d->dynamic);
}

static void parse_elems(struct digest *d, const struct nlmsghdr *nlh)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *copy = nft_elems_retyped(nlh);

	if (!s || !copy)
		d->oom = true;
	else if (nftnl_set_elems_nlmsg_parse(copy, s) == 0)
		add_elems(d, s);
	nftnl_set_free(s);
	free(copy);
}

/* One object message, from the batch or a dump, into d. */
static void parse(struct digest *d, const struct nlmsghdr *nlh)
{
	switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
	case NFT_MSG_NEWCHAIN: {
		struct nftnl_chain *c = nftnl_chain_alloc();

		if (c && nftnl_chain_nlmsg_parse(nlh, c) == 0)
			add_chain(d, c);
		nftnl_chain_free(c);
		break;
	}
	case NFT_MSG_NEWRULE: {
		struct nftnl_rule *r = nftnl_rule_alloc();

		if (r && nftnl_rule_nlmsg_parse(nlh, r) == 0)
			add_rule(d, r);
		nftnl_rule_free(r);
		break;
	}
	case NFT_MSG_NEWSET: {
		struct nftnl_set *s = nftnl_set_alloc();

		if (s && nftnl_set_nlmsg_parse(nlh, s) == 0)
			add_set(d, s);
		nftnl_set_free(s);
		break;
	}
	case NFT_MSG_NEWSETELEM:
		parse_elems(d, nlh);
		break;
	}
}

/* The digest of what b builds: its messages after the last that deletes
 * the table (fw_nft_table replaces it whole). */
static int batch_digest(struct nft_batch *b, struct digest *d)
{
	const struct nlmsghdr *nlh, *from;
	size_t len;
	int n;

	if (nft_batch_seal(b) < 0)
		return -ENOMEM;
	from = nft_batch_data(b, &len);
	n = (int)len;
	for (nlh = from; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n))
		if (NFNL_SUBSYS_ID(nlh->nlmsg_type) == NFNL_SUBSYS_NFTABLES &&
		    NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_DELTABLE)
			from = nlh;
	n = (int)(len - (size_t)((const char *)from - (const char *)nft_batch_data(b, &len)));
	for (nlh = from; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n))
		if (NFNL_SUBSYS_ID(nlh->nlmsg_type) == NFNL_SUBSYS_NFTABLES)
			parse(d, nlh);
	return d->oom ? -ENOMEM : 0;
}

static int on_dumped(const struct nlmsghdr *nlh, void *data)
{
	parse(data, nlh);
	return MNL_CB_OK;
}

/* A dump of one kind of object of guardnet's table (of set, for elements). */
static int dump(struct gn_fw *fw, uint16_t type, const char *set, struct digest *d)
{
	char buf[1024] = { 0 }; /* libmnl leaves attribute padding as it finds it */
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, NLM_F_DUMP, fw->seq++);
	int r;

	mnl_attr_put_strz(nlh, 1 /* NFTA_{CHAIN,RULE,SET,SET_ELEM_LIST}_TABLE */, FW_TABLE);
	if (set)
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	r = fw_nft_query(fw->sock, nlh, on_dumped, d);
	return r == 0 && d->oom ? -ENOMEM : r;
}

static int kernel_digest(struct gn_fw *fw, struct digest *d)
{
	/* Sets first: their names lead to their elements, and a dynamic
	 * set's elements are left out. */
	int r = dump(fw, NFT_MSG_GETSET, NULL, d);

	if (r == 0)
		r = dump(fw, NFT_MSG_GETCHAIN, NULL, d);
	if (r == 0)
		r = dump(fw, NFT_MSG_GETRULE, NULL, d);
	for (size_t i = 0; r == 0 && i < d->n_sets; i++)
		r = dump(fw, NFT_MSG_GETSETELEM, d->sets[i], d);
	return r;
}

int fw_nft_table_is(struct gn_fw *fw, const struct fw_model *m, bool *same)
{
	struct digest want = { 0 }, have = { 0 };
	struct nft_batch *b = nft_batch_new(0);
	int r = b ? 0 : -ENOMEM;

	*same = false;
	if (r == 0) {
		fw_nft_table(b, m);
		r = batch_digest(b, &want);
	}
	if (r == 0)
		r = kernel_digest(fw, &have);
	if (r == 0)
		*same = want.lines == have.lines && want.n_chains == have.n_chains && total(&want) == total(&have);
	digest_free(&want);
	digest_free(&have);
	nft_batch_free(b);
	/* No table: not the same, and nothing went wrong. */
	return r == -ENOENT ? 0 : r;
}
