#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter/nfnetlink.h>

#include <libnftnl/udata.h>

#include "fw-nft-text.h"

static void strv_add(struct ntable *t, struct strv *s, const char *text)
{
	char **v = realloc(s->v, (s->n + 1) * sizeof *v);

	if (!v || !(v[s->n] = strdup(text))) {
		if (v)
			s->v = v;
		t->oom = true;
		return;
	}
	s->v = v;
	s->n++;
}

static void strv_clear(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

void nft_text_clear(struct ntable *t)
{
	for (size_t i = 0; i < t->n_chains; i++) {
		free(t->chains[i].name);
		free(t->chains[i].desc);
		strv_clear(&t->chains[i].rules);
		strv_clear(&t->chains[i].whats);
	}
	for (size_t i = 0; i < t->n_sets; i++) {
		free(t->sets[i].name);
		free(t->sets[i].desc);
		strv_clear(&t->sets[i].elems);
	}
	free(t->chains);
	free(t->sets);
	free(t->comment);
	idmap_free(&t->chain_ix);
	idmap_free(&t->set_ix);
	*t = (struct ntable){ .family = t->family, .name = t->name };
}

struct nchain *nft_text_chain(const struct ntable *t, const char *name)
{
	uintptr_t i = (uintptr_t)idmap_get(&t->chain_ix, name);

	return i ? &t->chains[i - 1] : NULL;
}

struct nset *nft_text_set(const struct ntable *t, const char *name)
{
	uintptr_t i = (uintptr_t)idmap_get(&t->set_ix, name);

	return i ? &t->sets[i - 1] : NULL;
}

/* Files the object just added at index n - 1 under its name (which it
 * owns: the map borrows it).  The kernel never holds two of one name. */
static void index_last(struct ntable *t, struct idmap *ix, const char *name, size_t n)
{
	if (name && idmap_put(ix, name, (void *)(uintptr_t)n) == -ENOMEM)
		t->oom = true;
}

/* "hook 4 prio -10 type filter policy 1", or "" for a regular chain. */
void nft_text_add_chain(struct ntable *t, struct nftnl_chain *c)
{
	char desc[128] = "";
	struct nchain *v;

	if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM))
		snprintf(desc, sizeof desc, "hook %u prio %d type %s policy %u", nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM),
			 (int)nftnl_chain_get_u32(c, NFTNL_CHAIN_PRIO),
			 nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE) ? nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE) : "?",
			 nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) ? nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) : 1);
	v = realloc(t->chains, (t->n_chains + 1) * sizeof *v);
	if (!v) {
		t->oom = true;
		return;
	}
	t->chains = v;
	v = &t->chains[t->n_chains++];
	memset(v, 0, sizeof *v);
	v->name = strdup(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	v->desc = strdup(desc);
	t->oom |= !v->name || !v->desc;
	index_last(t, &t->chain_ix, v->name, t->n_chains);
}

/* The kernel keeps registers in 32-bit slots and names a slot that starts
 * a 128-bit register by the old name (NFT_REG32_00 is NFT_REG_1 again): a
 * rule reads back with "reg 1" where it was built with "reg 8". */
static unsigned reg_as_dumped(unsigned r)
{
	unsigned slot = r < NFT_REG32_00 ? r * 4 : r - NFT_REG32_00 + 4;

	return slot % 4 == 0 ? slot / 4 : slot - 4 + NFT_REG32_00;
}

/* Removes every occurrence of what from s. */
static void drop(char *s, const char *what)
{
	size_t n = strlen(what);

	for (char *p = strstr(s, what); p; p = strstr(p, what))
		memmove(p, p + n, strlen(p + n) + 1);
}

/* One expression's printout as the kernel's echo of it prints: registers
 * by their dumped names, and without what the kernel adds as defaults (a
 * lookup's flags 0, a dynset's timeout 0, a nat's max registers, which
 * equal its min ones in guardnet's rules). */
static void expr_normal(const char *name, char *s)
{
	char out[2048];
	size_t o = 0;

	for (const char *p = s; *p && o + 16 < sizeof out;) {
		unsigned r;
		int len = 0;

		if (!strncmp(p, "reg ", 4) && sscanf(p + 4, "%u%n", &r, &len) == 1) {
			o += (size_t)snprintf(out + o, sizeof out - o, "reg %u", reg_as_dumped(r));
			p += 4 + len;
		} else if (!strncmp(p, "reg_key ", 8) && sscanf(p + 8, "%u%n", &r, &len) == 1) {
			o += (size_t)snprintf(out + o, sizeof out - o, "reg_key %u", reg_as_dumped(r));
			p += 8 + len;
		} else {
			out[o++] = *p++;
		}
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	strcpy(s, out);
	if (!strcmp(name, "lookup") && strlen(s) > 4 && !strcmp(s + strlen(s) - 4, " 0x0"))
		s[strlen(s) - 4] = '\0';
	drop(s, "timeout 0ms ");
	for (char *p = strstr(s, " addr_max reg "); p; p = strstr(s, " addr_max reg "))
		memmove(p, p + 14 + strspn(p + 14, "0123456789"), strlen(p + 14 + strspn(p + 14, "0123456789")) + 1);
	for (char *p = strstr(s, " proto_max reg "); p; p = strstr(s, " proto_max reg "))
		memmove(p, p + 15 + strspn(p + 15, "0123456789"), strlen(p + 15 + strspn(p + 15, "0123456789")) + 1);
}

/* A rule as its expressions, "[ meta load oifname => reg 1 ] ...", as
 * libnftnl prints each; a counter without its values. */
static void rule_text(struct nftnl_rule *r, char *buf, size_t len)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	size_t off = 0;

	buf[0] = '\0';
	while (it && (e = nftnl_expr_iter_next(it)) && off + 16 < len) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

		char one[2048] = "";

		if (strcmp(name, "counter"))
			nftnl_expr_snprintf(one, sizeof one, e, NFTNL_OUTPUT_DEFAULT, 0);
		expr_normal(name, one);
		off += (size_t)snprintf(buf + off, len - off, "%s[ %s%s%s ]", off ? " " : "", name, one[0] ? " " : "", one);
		off = strlen(buf);
	}
	nftnl_expr_iter_destroy(it);
}

void nft_text_add_rule(struct ntable *t, struct nftnl_rule *r, const char *what)
{
	const char *chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	struct nchain *c = chain ? nft_text_chain(t, chain) : NULL;
	char text[4096];

	if (!c)
		return;
	rule_text(r, text, sizeof text);
	strv_add(t, &c->rules, text);
	strv_add(t, &c->whats, what);
}

/* "flags 8 key_type 781 key_len 8 data_type 461 data_len 8 [timeout T]
 * [concat 4,4] [expr counter]": what makes a set what it is. */
void nft_text_add_set(struct ntable *t, struct nftnl_set *s)
{
	static const struct {
		uint16_t attr;
		const char *name;
	} u32[] = { { NFTNL_SET_FLAGS, "flags" },         { NFTNL_SET_KEY_TYPE, "key_type" },
		    { NFTNL_SET_KEY_LEN, "key_len" },     { NFTNL_SET_DATA_TYPE, "data_type" },
		    { NFTNL_SET_DATA_LEN, "data_len" } };
	char desc[256] = "";
	size_t off = 0;
	struct nset *v;

	/* The kernel leaves out flags 0. */
	for (size_t i = 0; i < sizeof u32 / sizeof u32[0]; i++)
		if (nftnl_set_is_set(s, u32[i].attr) && (u32[i].attr != NFTNL_SET_FLAGS || nftnl_set_get_u32(s, u32[i].attr)))
			off += (size_t)snprintf(desc + off, sizeof desc - off, "%s%s %u", off ? " " : "", u32[i].name,
						nftnl_set_get_u32(s, u32[i].attr));
	if (nftnl_set_is_set(s, NFTNL_SET_TIMEOUT))
		off += (size_t)snprintf(desc + off, sizeof desc - off, " timeout %llums",
					(unsigned long long)nftnl_set_get_u64(s, NFTNL_SET_TIMEOUT));
	if (nftnl_set_is_set(s, NFTNL_SET_EXPR) || nftnl_set_is_set(s, NFTNL_SET_EXPRESSIONS))
		snprintf(desc + off, sizeof desc - off, " expr %s",
			 nftnl_expr_get_str(nftnl_set_get(s, NFTNL_SET_EXPR), NFTNL_EXPR_NAME));
	v = realloc(t->sets, (t->n_sets + 1) * sizeof *v);
	if (!v) {
		t->oom = true;
		return;
	}
	t->sets = v;
	v = &t->sets[t->n_sets++];
	memset(v, 0, sizeof *v);
	v->name = strdup(nftnl_set_get_str(s, NFTNL_SET_NAME));
	v->desc = strdup(desc);
	v->dynamic = nftnl_set_get_u32(s, NFTNL_SET_FLAGS) & NFT_SET_EVAL;
	t->oom |= !v->name || !v->desc;
	index_last(t, &t->set_ix, v->name, t->n_sets);
}

static size_t hex_words(char *buf, size_t len, const void *data, uint32_t n)
{
	size_t off = 0;

	/* In 32-bit words, as libnftnl and nft --debug print them. */
	for (uint32_t i = 0; i < n && off < len; i += 4) {
		uint32_t w = 0;

		memcpy(&w, (const uint8_t *)data + i, n - i < 4 ? n - i : 4);
		off += (size_t)snprintf(buf + off, len - off, "%s%08x", i ? " " : "", w);
	}
	return off;
}

/* "KEY [- KEY_END] [: DATA] [end]" for each element. */
void nft_text_add_elems(struct ntable *t, struct nftnl_set *s)
{
	struct nset *set = nft_text_set(t, nftnl_set_get_str(s, NFTNL_SET_NAME));
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	struct nftnl_set_elem *e;

	while (set && it && (e = nftnl_set_elems_iter_next(it))) {
		static const struct {
			uint16_t attr;
			const char *sep;
		} parts[] = { { NFTNL_SET_ELEM_KEY, "" }, { NFTNL_SET_ELEM_KEY_END, " - " }, { NFTNL_SET_ELEM_DATA, " : " } };
		char text[512];
		size_t off = 0;

		for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
			uint32_t n = 0;
			const void *d = nftnl_set_elem_get(e, parts[i].attr, &n);

			if (!d || !n || off >= sizeof text)
				continue;
			off += (size_t)snprintf(text + off, sizeof text - off, "%s", parts[i].sep);
			off += hex_words(text + off, sizeof text - off, d, n);
		}
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT) && off < sizeof text) {
			int v = (int)nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_VERDICT);
			const char *chain = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN)
						    ? nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN)
						    : "";

			off += (size_t)snprintf(text + off, sizeof text - off, " : %s %s",
						v == NFT_GOTO ? "goto" : v == NFT_JUMP ? "jump" : "verdict", chain);
		}
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
		    (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END) && off < sizeof text)
			snprintf(text + off, sizeof text - off, " [end]");
		strv_add(t, &set->elems, text);
	}
	nftnl_set_elems_iter_destroy(it);
}

/* Whether an object message is about table t->family t->name. */
bool nft_text_ours(const struct ntable *t, const struct nlmsghdr *nlh, const char *table)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);

	return g->nfgen_family == t->family && table && !strcmp(table, t->name);
}

static int on_comment(const struct nftnl_udata *attr, void *data)
{
	if (nftnl_udata_type(attr) == NFTNL_UDATA_TABLE_COMMENT && nftnl_udata_len(attr) > 0)
		snprintf(data, 128, "%.*s", (int)nftnl_udata_len(attr), (const char *)nftnl_udata_get(attr));
	return 0;
}

/* The table's comment (nft's "comment"), which names the UFW tables that
 * go with table inet guardnet. */
void nft_text_set_comment(struct ntable *t, const struct nftnl_table *x)
{
	char comment[128] = "";
	uint32_t len = 0;
	const void *ud = nftnl_table_get_data(x, NFTNL_TABLE_USERDATA, &len);

	if (ud && len)
		nftnl_udata_parse(ud, len, on_comment, comment);
	free(t->comment);
	t->comment = strdup(comment);
	t->oom |= !t->comment;
}

/* Which of the n tables an object of the batch belongs to, if any. */
static struct ntable *pick(struct ntable *t, size_t n, const struct nlmsghdr *nlh, const char *table)
{
	for (size_t i = 0; i < n; i++)
		if (nft_text_ours(&t[i], nlh, table))
			return &t[i];
	return NULL;
}

/* One message of the batch that would be sent, as the kernel would take
 * it, into whichever of the n tables it is for: parsed once, whatever n. */
static void want_msg(struct ntable *tables, size_t n, const struct nft_batch *b, const struct nlmsghdr *nlh)
{
	uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	struct ntable *t;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
		return;
	if (type == NFT_MSG_NEWTABLE || type == NFT_MSG_DELTABLE) {
		struct nftnl_table *x = nftnl_table_alloc();

		if (x && nftnl_table_nlmsg_parse(nlh, x) == 0 &&
		    (t = pick(tables, n, nlh, nftnl_table_get_str(x, NFTNL_TABLE_NAME)))) {
			if (type == NFT_MSG_DELTABLE)
				nft_text_clear(t);
			else
				nft_text_set_comment(t, x);
			t->exists = type == NFT_MSG_NEWTABLE;
		}
		nftnl_table_free(x);
	} else if (type == NFT_MSG_NEWCHAIN) {
		struct nftnl_chain *x = nftnl_chain_alloc();

		if (x && nftnl_chain_nlmsg_parse(nlh, x) == 0 &&
		    (t = pick(tables, n, nlh, nftnl_chain_get_str(x, NFTNL_CHAIN_TABLE))))
			nft_text_add_chain(t, x);
		nftnl_chain_free(x);
	} else if (type == NFT_MSG_NEWRULE) {
		struct nftnl_rule *x = nftnl_rule_alloc();

		if (x && nftnl_rule_nlmsg_parse(nlh, x) == 0 &&
		    (t = pick(tables, n, nlh, nftnl_rule_get_str(x, NFTNL_RULE_TABLE))))
			nft_text_add_rule(t, x, nft_batch_what(b, nlh->nlmsg_seq));
		nftnl_rule_free(x);
	} else if (type == NFT_MSG_NEWSET) {
		struct nftnl_set *x = nftnl_set_alloc();

		if (x && nftnl_set_nlmsg_parse(nlh, x) == 0 &&
		    (t = pick(tables, n, nlh, nftnl_set_get_str(x, NFTNL_SET_TABLE))))
			nft_text_add_set(t, x);
		nftnl_set_free(x);
	} else if (type == NFT_MSG_NEWSETELEM) {
		struct nlmsghdr *copy = nft_elems_retyped(nlh);
		struct nftnl_set *x = nftnl_set_alloc();

		if (copy && x && nftnl_set_elems_nlmsg_parse(copy, x) == 0 &&
		    (t = pick(tables, n, nlh, nftnl_set_get_str(x, NFTNL_SET_TABLE))))
			nft_text_add_elems(t, x);
		nftnl_set_free(x);
		free(copy);
	}
}

int nft_text_want(const struct fw_model *m, struct ntable *t, size_t n_tables)
{
	struct nft_batch *b = nft_batch_new(1);
	struct fw_share all = { .pubs = m->pubs, .n_pubs = m->n_pubs };
	struct fw_counts keys;
	const struct nlmsghdr *nlh;
	const void *data;
	bool oom = false;
	size_t len;
	int n;

	for (size_t i = 0; i < n_tables; i++)
		t[i] = (struct ntable){ .family = t[i].family, .name = t[i].name };
	if (!b || fw_count_keys(&all, &keys) < 0) {
		nft_batch_free(b);
		return -ENOMEM;
	}
	/* The tables as fw_apply builds them from nothing. */
	fw_nft_table(b, m);
	fw_count_table(b, m->n ? &keys : NULL, NULL);
	free(keys.v);
	if (nft_batch_seal(b) < 0) {
		nft_batch_free(b);
		return -ENOMEM;
	}
	data = nft_batch_data(b, &len);
	n = (int)len;
	for (nlh = data; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n))
		want_msg(t, n_tables, b, nlh);
	for (size_t i = 0; i < n_tables; i++) {
		oom |= t[i].oom;
		if (!strcmp(t[i].name, FW_TABLE))
			t[i].tally = nft_batch_tally(b, t[i].family);
	}
	nft_batch_free(b);
	return oom ? -ENOMEM : 0;
}
