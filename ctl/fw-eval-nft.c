/*
 * One nf_tables rule against a packet, expression by expression, with the
 * kernel's registers: loads (meta, payload, ct, fib, immediate), the
 * operations on them (cmp, bitwise, range, lookup) and the verdicts.
 * x_tables matches and targets inside a rule (iptables-nft writes those it
 * has no native form for) go to fw-eval-xt.c.  An expression guardnetctl
 * does not know leaves the rule unsure (fw_unsure), never matched for it.
 *
 * Source addresses compared on the way are noted (fw_seen_prefix), so the
 * caller can try one source in each.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>

#include "fw-nft.h"
#include "fw.h"


struct vm {
	struct fw_ctx *x;
	uint8_t r[NFT_REGS_BYTES];
	bool saddr[NFT_REGS_BYTES / 4];         /* the word holds the source address */
	uint8_t mask[NFT_REGS_BYTES];           /* ... under this mask (bitwise) */
	bool has_verdict;
	int verdict;
	char chain[64];
	enum fw_step step;                      /* from reject or an x_tables target */
};

/* 1: go on; 0: the rule does not match; the unsure cases go on too. */
#define GO 1
#define NO 0

static const struct nlattr *attr(const struct nlattr *data, int type, int max, struct nlattr **tb)
{
	if (!data)
		return NULL;
	nl_attrs_nested(data, tb, max);
	return tb[type];
}

static uint8_t *reg(struct vm *m, const struct nlattr *a, size_t len)
{
	int off = a ? nft_reg_off(nft_u32(a)) : -1;

	return off >= 0 && (size_t)off + len <= sizeof m->r ? m->r + off : NULL;
}

static void set_saddr(struct vm *m, const uint8_t *r, size_t len, bool on)
{
	size_t w = (size_t)(r - m->r) / 4;

	for (size_t i = 0; i < (len + 3) / 4 && w + i < sizeof m->saddr; i++)
		m->saddr[w + i] = on;
	if (on)
		memset(m->mask + (r - m->r), 0xff, len);
}

static bool is_saddr(const struct vm *m, const uint8_t *r)
{
	return m->saddr[(size_t)(r - m->r) / 4];
}

/* A comparison of the source address with value under the register's mask. */
static void note_saddr(struct vm *m, const uint8_t *r, const uint8_t *value, size_t len)
{
	struct gn_prefix p = { .addr.family = len == 4 ? AF_INET : AF_INET6 };
	const uint8_t *mk = m->mask + (r - m->r);

	if (len != 4 && len != 16)
		return;
	for (size_t i = 0; i < len; i++) {
		p.addr.a[i] = value[i] & mk[i];
		for (int b = 7; b >= 0 && (mk[i] >> b) & 1; b--)
			p.len++;
	}
	fw_seen_prefix(m->x->res, &p);
}

static int e_meta(struct vm *m, const struct nlattr *d)
{
	struct nlattr *tb[NFTA_META_MAX + 1];
	uint32_t key = nft_u32(attr(d, NFTA_META_KEY, NFTA_META_MAX, tb));
	uint8_t buf[16], *r;
	size_t n;

	if (tb[NFTA_META_SREG]) {
		/* meta mark set: what a later rule may test. */
		if (key == NFT_META_MARK && (r = reg(m, tb[NFTA_META_SREG], 4)))
			memcpy(&m->x->p.mark, r, 4);
		return GO;
	}
	n = fw_load_meta(&m->x->p, key, buf);
	if (n == 0)
		return NO;      /* no such interface: the kernel breaks */
	if (n == (size_t)-1 || !(r = reg(m, tb[NFTA_META_DREG], n))) {
		fw_unsure(m->x, "a meta key it cannot read");
		return GO;
	}
	memcpy(r, buf, n);
	set_saddr(m, r, n, false);
	return GO;
}

static int e_payload(struct vm *m, const struct nlattr *d)
{
	struct nlattr *tb[NFTA_PAYLOAD_MAX + 1];
	uint32_t base = nft_u32(attr(d, NFTA_PAYLOAD_BASE, NFTA_PAYLOAD_MAX, tb));
	uint32_t off = nft_u32(tb[NFTA_PAYLOAD_OFFSET]), len = nft_u32(tb[NFTA_PAYLOAD_LEN]);
	uint8_t nh[40], th[20], *r;
	const uint8_t *src;
	size_t have;

	if (tb[NFTA_PAYLOAD_SREG])
		return GO;      /* a rewrite, not a match */
	if (!(r = reg(m, tb[NFTA_PAYLOAD_DREG], len)) ||
	    (base != NFT_PAYLOAD_NETWORK_HEADER && base != NFT_PAYLOAD_TRANSPORT_HEADER)) {
		fw_unsure(m->x, "a payload it cannot read");
		return GO;
	}
	fw_load_headers(&m->x->p, nh, th);
	src = base == NFT_PAYLOAD_NETWORK_HEADER ? nh : th;
	have = base == NFT_PAYLOAD_NETWORK_HEADER ? (m->x->p.family == AF_INET ? 20 : 40) : 20;
	if (off + len > have) {
		fw_unsure(m->x, "a payload it cannot read");
		return GO;
	}
	memcpy(r, src + off, len);
	set_saddr(m, r, len, base == NFT_PAYLOAD_NETWORK_HEADER &&
				     off == (m->x->p.family == AF_INET ? 12u : 8u) && len == (m->x->p.family == AF_INET ? 4u : 16u));
	return GO;
}

static int e_ct(struct vm *m, const struct nlattr *d)
{
	struct nlattr *tb[NFTA_CT_MAX + 1];
	uint32_t key = nft_u32(attr(d, NFTA_CT_KEY, NFTA_CT_MAX, tb));
	uint32_t dir = tb[NFTA_CT_DIRECTION] ? ((uint8_t *)nla_data(tb[NFTA_CT_DIRECTION]))[0] : IP_CT_DIR_ORIGINAL;
	uint8_t buf[16], *r;
	size_t n = 0;

	if (tb[NFTA_CT_SREG]) {
		if (key == NFT_CT_MARK && (r = reg(m, tb[NFTA_CT_SREG], 4)))
			memcpy(&m->x->p.ctmark, r, 4);
		return GO;
	}
	if (fw_load_ct(&m->x->p, key, dir, buf, &n) == 0)
		return NO;
	if (!n || !(r = reg(m, tb[NFTA_CT_DREG], n))) {
		fw_unsure(m->x, "a conntrack key it cannot read");
		return GO;
	}
	memcpy(r, buf, n);
	set_saddr(m, r, n, dir == IP_CT_DIR_ORIGINAL && (key == NFT_CT_SRC || key == NFT_CT_SRC_IP ||
							 key == NFT_CT_SRC_IP6));
	return GO;
}

static int e_fib(struct vm *m, const struct nlattr *d)
{
	struct nlattr *tb[NFTA_FIB_MAX + 1];
	uint32_t result = nft_u32(attr(d, NFTA_FIB_RESULT, NFTA_FIB_MAX, tb)), flags = nft_u32(tb[NFTA_FIB_FLAGS]);
	uint32_t type;
	uint8_t *r;

	if (result != NFT_FIB_RESULT_ADDRTYPE || !(r = reg(m, tb[NFTA_FIB_DREG], 4))) {
		fw_unsure(m->x, "a route lookup (fib) it cannot make");
		return GO;
	}
	type = flags & NFTA_FIB_F_DADDR ? m->x->p.dst_type : 1 /* RTN_UNICAST */;
	memcpy(r, &type, 4);
	set_saddr(m, r, 4, false);
	return GO;
}

static int e_immediate(struct vm *m, const struct nlattr *d)
{
	struct nlattr *tb[NFTA_IMMEDIATE_MAX + 1], *dt[NFTA_DATA_MAX + 1], *v[NFTA_VERDICT_MAX + 1];
	const struct nlattr *dreg = attr(d, NFTA_IMMEDIATE_DREG, NFTA_IMMEDIATE_MAX, tb);
	uint8_t buf[16], *r;
	size_t n;

	if (!dreg || !tb[NFTA_IMMEDIATE_DATA])
		return GO;
	if (nft_u32(dreg) == NFT_REG_VERDICT) {
		nl_attrs_nested(tb[NFTA_IMMEDIATE_DATA], dt, NFTA_DATA_MAX);
		if (!dt[NFTA_DATA_VERDICT])
			return GO;
		nl_attrs_nested(dt[NFTA_DATA_VERDICT], v, NFTA_VERDICT_MAX);
		m->has_verdict = true;
		m->verdict = (int)nft_u32(v[NFTA_VERDICT_CODE]);
		if (v[NFTA_VERDICT_CHAIN] && nla_str(v[NFTA_VERDICT_CHAIN]))
			snprintf(m->chain, sizeof m->chain, "%s", nla_str(v[NFTA_VERDICT_CHAIN]));
		return GO;
	}
	n = nft_data(tb[NFTA_IMMEDIATE_DATA], buf, sizeof buf);
	if ((r = reg(m, dreg, n))) {
		memcpy(r, buf, n);
		set_saddr(m, r, n, false);
	}
	return GO;
}

static int e_cmp(struct vm *m, const struct nlattr *d)
{
	struct nlattr *tb[NFTA_CMP_MAX + 1];
	uint32_t op = nft_u32(attr(d, NFTA_CMP_OP, NFTA_CMP_MAX, tb));
	uint8_t want[16], *r;
	size_t n = nft_data(tb[NFTA_CMP_DATA], want, sizeof want);
	int c;

	if (!n || !(r = reg(m, tb[NFTA_CMP_SREG], n))) {
		fw_unsure(m->x, "a comparison it cannot read");
		return GO;
	}
	if (is_saddr(m, r))
		note_saddr(m, r, want, n);
	c = memcmp(r, want, n);
	switch (op) {
	case NFT_CMP_EQ:
		return c == 0;
	case NFT_CMP_NEQ:
		return c != 0;
	case NFT_CMP_LT:
		return c < 0;
	case NFT_CMP_LTE:
		return c <= 0;
	case NFT_CMP_GT:
		return c > 0;
	case NFT_CMP_GTE:
		return c >= 0;
	}
	fw_unsure(m->x, "a comparison it cannot read");
	return GO;
}

static int e_bitwise(struct vm *m, const struct nlattr *d)
{
	struct nlattr *tb[NFTA_BITWISE_MAX + 1];
	uint32_t len = nft_u32(attr(d, NFTA_BITWISE_LEN, NFTA_BITWISE_MAX, tb));
	uint8_t mask[16], xor[16], *s, *dr;
	bool sa;

	if ((tb[NFTA_BITWISE_OP] && nft_u32(tb[NFTA_BITWISE_OP]) != NFT_BITWISE_BOOL) || len > 16 ||
	    nft_data(tb[NFTA_BITWISE_MASK], mask, sizeof mask) != len || nft_data(tb[NFTA_BITWISE_XOR], xor, sizeof xor) != len ||
	    !(s = reg(m, tb[NFTA_BITWISE_SREG], len)) || !(dr = reg(m, tb[NFTA_BITWISE_DREG], len))) {
		fw_unsure(m->x, "a bit operation it cannot read");
		return GO;
	}
	sa = is_saddr(m, s);
	for (size_t i = 0; i < len; i++)
		dr[i] = (uint8_t)((s[i] & mask[i]) ^ xor[i]);
	set_saddr(m, dr, len, sa);
	if (sa)
		memcpy(m->mask + (dr - m->r), mask, len);
	return GO;
}

static int e_range(struct vm *m, const struct nlattr *d)
{
	struct nlattr *tb[NFTA_RANGE_MAX + 1];
	uint32_t op = nft_u32(attr(d, NFTA_RANGE_OP, NFTA_RANGE_MAX, tb));
	uint8_t lo[16], hi[16], *r;
	size_t n = nft_data(tb[NFTA_RANGE_FROM_DATA], lo, sizeof lo);
	bool in;

	if (!n || nft_data(tb[NFTA_RANGE_TO_DATA], hi, sizeof hi) != n || !(r = reg(m, tb[NFTA_RANGE_SREG], n))) {
		fw_unsure(m->x, "a range it cannot read");
		return GO;
	}
	in = memcmp(r, lo, n) >= 0 && memcmp(r, hi, n) <= 0;
	return op == NFT_RANGE_NEQ ? !in : in;
}

/* The element of s holding key, or NULL: exact keys, intervals (a start
 * element, or an end one with NFT_SET_ELEM_INTERVAL_END) and ranges of
 * concatenations (key .. key_end). */
static const struct fw_elem *set_find(const struct fw_set *s, const uint8_t *key, size_t len)
{
	const struct fw_elem *best = NULL;

	for (size_t i = 0; i < s->n; i++) {
		const struct fw_elem *e = &s->v[i];
		size_t n = e->klen < len ? e->klen : len;

		if (e->kelen) {
			if (memcmp(key, e->key, n) >= 0 && memcmp(key, e->key_end, n) <= 0)
				return e;
		} else if (!(s->flags & NFT_SET_INTERVAL)) {
			if (e->klen == len && !memcmp(key, e->key, len))
				return e;
		} else if (memcmp(e->key, key, n) <= 0 && (!best || memcmp(e->key, best->key, n) > 0)) {
			best = e;
		}
	}
	return best && !(best->flags & NFT_SET_ELEM_INTERVAL_END) ? best : NULL;
}

/* The sources a set's elements hold at off in their keys (len bytes: the
 * whole key, or its address in a concatenation such as oifname . ip
 * saddr). */
static void note_set_sources(struct vm *m, const struct fw_set *s, size_t off, size_t len)
{
	for (size_t i = 0; i < s->n && i < 16; i++) {
		struct gn_prefix p = { .addr.family = len == 4 ? AF_INET : AF_INET6, .len = (uint8_t)(len * 8) };

		if (s->v[i].flags & NFT_SET_ELEM_INTERVAL_END || s->v[i].klen < off + len)
			continue;
		memcpy(p.addr.a, s->v[i].key + off, len);
		fw_seen_prefix(m->x->res, &p);
	}
}

static int e_lookup(struct vm *m, const struct nlattr *d)
{
	struct nlattr *tb[NFTA_LOOKUP_MAX + 1];
	const struct nlattr *name = attr(d, NFTA_LOOKUP_SET, NFTA_LOOKUP_MAX, tb);
	bool inv = nft_u32(tb[NFTA_LOOKUP_FLAGS]) & NFT_LOOKUP_F_INV;
	struct fw_set *s = fw_set_get(m->x->t, name ? nla_str(name) : NULL, nft_u32(tb[NFTA_LOOKUP_SET_ID]));
	const struct fw_elem *e;
	uint8_t *r;

	if (!s || s->err || !(r = reg(m, tb[NFTA_LOOKUP_SREG], s->klen))) {
		fw_unsure(m->x, "a set it cannot read");
		return GO;
	}
	for (size_t off = 0, alen = m->x->p.family == AF_INET ? 4 : 16; off + alen <= s->klen; off += 4)
		if (is_saddr(m, r + off)) {
			note_set_sources(m, s, off, alen);
			break;
		}
	e = set_find(s, r, s->klen);
	if (!tb[NFTA_LOOKUP_DREG])
		return (e != NULL) != inv;
	if (!e)
		return NO;
	if (nft_u32(tb[NFTA_LOOKUP_DREG]) == NFT_REG_VERDICT) {
		m->has_verdict = e->has_verdict;
		m->verdict = e->verdict;
		snprintf(m->chain, sizeof m->chain, "%s", e->chain);
	} else if ((r = reg(m, tb[NFTA_LOOKUP_DREG], e->dlen))) {
		memcpy(r, e->data, e->dlen);
		set_saddr(m, r, e->dlen, false);
	}
	return GO;
}

static int e_xt(struct vm *m, const struct nlattr *d, bool target)
{
	struct nlattr *tb[NFTA_MATCH_MAX + 1];   /* NFTA_TARGET_* have the same numbers */
	const struct nlattr *name = attr(d, NFTA_MATCH_NAME, NFTA_MATCH_MAX, tb);
	const struct nlattr *info = tb[NFTA_MATCH_INFO];
	size_t len = info ? info->nla_len - NLA_HDRLEN : 0;
	int r;

	if (!name || !nla_str(name)) {
		fw_unsure(m->x, "an x_tables extension it cannot read");
		return GO;
	}
	if (target) {
		m->step = fw_xt_target(m->x, nla_str(name), nft_u32(tb[NFTA_MATCH_REV]), info ? nla_data(info) : NULL, len);
		return GO;
	}
	r = fw_xt_match(m->x, nla_str(name), nft_u32(tb[NFTA_MATCH_REV]), info ? nla_data(info) : NULL, len);
	return r != 0;
}

static enum fw_step verdict_step(struct vm *m)
{
	switch (m->verdict) {
	case NF_ACCEPT:
		return FW_S_ACCEPT;
	case NF_DROP:
		return FW_S_DROP;
	case NFT_RETURN:
		return FW_S_RETURN;
	case NFT_JUMP:
	case NFT_GOTO:
		snprintf(m->x->target, sizeof m->x->target, "%s", m->chain);
		return m->verdict == NFT_JUMP ? FW_S_JUMP : FW_S_GOTO;
	case NFT_CONTINUE:
	case NFT_BREAK:
		return FW_NEXT;
	}
	fw_unsure(m->x, "a verdict it does not know");
	return FW_S_DROP;
}

enum fw_step fw_nft_rule(struct fw_ctx *x, const struct fw_rule *rule)
{
	static const char *const quiet[] = { "counter", "log", "limit", "quota", "notrack", "dynset", "objref",
					     "last", "connlimit", "nat", "masq", "redir", "synproxy" };
	struct vm m = { .x = x, .step = FW_NEXT };
	const struct nlattr *d = NULL;
	const char *name = NULL;

	nft_expr_each(rule, name, d) {
		int r;

		if (!strcmp(name, "meta"))
			r = e_meta(&m, d);
		else if (!strcmp(name, "payload"))
			r = e_payload(&m, d);
		else if (!strcmp(name, "ct"))
			r = e_ct(&m, d);
		else if (!strcmp(name, "fib"))
			r = e_fib(&m, d);
		else if (!strcmp(name, "immediate"))
			r = e_immediate(&m, d);
		else if (!strcmp(name, "cmp"))
			r = e_cmp(&m, d);
		else if (!strcmp(name, "bitwise"))
			r = e_bitwise(&m, d);
		else if (!strcmp(name, "range"))
			r = e_range(&m, d);
		else if (!strcmp(name, "lookup"))
			r = e_lookup(&m, d);
		else if (!strcmp(name, "match") || !strcmp(name, "target"))
			r = e_xt(&m, d, name[0] == 't');
		else if (!strcmp(name, "reject")) {
			m.step = FW_S_REJECT;
			r = GO;
		} else {
			bool known = false;

			for (size_t i = 0; i < sizeof quiet / sizeof quiet[0]; i++)
				known |= !strcmp(name, quiet[i]);
			if (!known) {
				char why[48];

				snprintf(why, sizeof why, "the expression \"%s\"", name);
				fw_unsure(x, why);
			}
			r = GO;
		}
		if (r == NO)
			return FW_NEXT;
	}
	if (m.step != FW_NEXT)
		return m.step;
	return m.has_verdict ? verdict_step(&m) : FW_NEXT;
}
