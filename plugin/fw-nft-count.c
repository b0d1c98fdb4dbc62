/*
 * Connections to published ports, counted by guardnet's table, and read
 * back.  In nft syntax (and the same for ip6 with conn6, adm6):
 *
 *   set conn4 { type ipv4_addr . inet_proto . inet_service; counter }
 *   set adm4 { type ipv4_addr . inet_proto . inet_service; counter }
 *   chain prerouting, chain output (fw-nft-pub.c), before the DNAT rules:
 *     fib daddr type local ip daddr . meta l4proto . th dport @conn4
 *     fib daddr type local 0.0.0.0 . meta l4proto . th dport @conn4
 *   chain postrouting (fw-nft-table.c), first:
 *     ct status dnat oifname @bridges ct original ip daddr . meta l4proto . ct original proto-dst @adm4
 *     ct status dnat oifname @bridges 0.0.0.0 . meta l4proto . ct original proto-dst @adm4
 *
 * Each published port has an element in each set (its host address, or
 * zeroes for every address; protocol; port), part of its endpoint's share
 * (fw-nft-pub.c builds them with the maps'), and the rules carry no
 * verdict: only the element's counter counts.  NAT chains see only a
 * connection's first packet, so conn counts the connections DNATed to the
 * port and adm those of them that got through every filter to the
 * container (the host's own included); blocked = conn - adm.  A blocked
 * connection leaves no conntrack entry, so each retransmission of its
 * first packet counts again; established traffic meets none of these
 * rules.  The postrouting rules come first because a masquerade ends the
 * nat chain.  A rebuild of the table starts the new counters from the old
 * (struct fw_model's counts).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter/nf_conntrack_tuple_common.h>

#include "fw.h"
#include "fw-nft.h"
#include "log.h"

const char *fw_count_set_name(int family, bool admitted)
{
	if (family == AF_INET)
		return admitted ? "adm4" : "conn4";
	return admitted ? "adm6" : "conn6";
}

struct nftnl_set *fw_count_set(struct nft_batch *b, const char *name, uint32_t id, int family, uint32_t key_type)
{
	uint32_t alen = family == AF_INET ? 4 : 16;
	struct nftnl_set *s = nftnl_set_alloc();

	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, 0);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, alen + 8);
	nftnl_set_add_expr(s, nftnl_expr_alloc("counter")); /* s owns it now */
	nft_batch_set(b, NFT_MSG_NEWSET, s, NLM_F_CREATE, name);
	return s;
}

/* ct original KEY, into dreg */
static void x_ct_original(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, IP_CT_DIR_ORIGINAL);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
	nftnl_rule_add_expr(r, e);
}

/* A counting set's key into the registers from reg32_00: the destination
 * (the packet's before DNAT, or the connection's original one after it),
 * or zeroes for the element of every address, . l4proto . port. */
static void count_lookup(struct nftnl_rule *r, int family, bool any, bool original, const char *set)
{
	uint32_t alen = family == AF_INET ? 4 : 16, slot = NFT_REG32_00 + alen / 4;

	if (any) {
		struct nftnl_expr *e = nftnl_expr_alloc("immediate");
		uint8_t zero[16] = { 0 };

		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG32_00);
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, zero, alen);
		nftnl_rule_add_expr(r, e);
	} else if (original) {
		x_ct_original(r, family == AF_INET ? NFT_CT_DST_IP : NFT_CT_DST_IP6, NFT_REG32_00);
	} else {
		x_payload_to(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 16 : 24, alen, NFT_REG32_00);
	}
	x_meta(r, NFT_META_L4PROTO, slot);
	if (original)
		x_ct_original(r, NFT_CT_PROTO_DST, slot + 1);
	else
		x_payload_to(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, slot + 1);
	x_lookup(r, set, NFT_REG32_00);
}

/* fib daddr type local [ip daddr | 0.0.0.0] . meta l4proto . th dport @conn4:
 * no verdict, only the matching element's counter. */
void fw_count_conn_rules(struct nft_batch *b, const char *chain)
{
	for (int f = 0; f < 2; f++)
		for (int any = 0; any < 2; any++) {
			int family = f ? AF_INET6 : AF_INET;
			struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_TABLE, chain);

			x_fib_local(r);
			x_nfproto(r, family);
			count_lookup(r, family, any, false, fw_count_set_name(family, false));
			nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "counting connections");
		}
}

void fw_count_adm_rules(struct nft_batch *b)
{
	for (int f = 0; f < 2; f++)
		for (int any = 0; any < 2; any++) {
			int family = f ? AF_INET6 : AF_INET;
			struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_TABLE, "postrouting");

			x_nfproto(r, family);
			x_ct_dnat(r);
			x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
			x_lookup(r, "bridges", NFT_REG_1);
			count_lookup(r, family, any, true, fw_count_set_name(family, true));
			nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND,
				       "postrouting: counting admitted connections");
		}
}

/* One element as read: its family, key and counter. */
struct raw {
	uint8_t family;
	uint8_t key[24];
	uint32_t klen;
	uint64_t packets;
};

struct raws {
	struct raw *v;
	size_t n, cap;
	uint8_t family;
	int r;
};

static void add_elem(struct raws *l, struct nftnl_set_elem *e)
{
	struct nftnl_expr *x = (struct nftnl_expr *)nftnl_set_elem_get(e, NFTNL_SET_ELEM_EXPR, NULL);
	uint32_t len = 0;
	const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);

	if (!key || len > sizeof l->v[0].key)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct raw *v = realloc(l->v, cap * sizeof *v);

		if (!v) {
			l->r = -ENOMEM;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof l->v[0]);
	l->v[l->n].family = l->family;
	memcpy(l->v[l->n].key, key, len);
	l->v[l->n].klen = len;
	if (x && !strcmp(nftnl_expr_get_str(x, NFTNL_EXPR_NAME), "counter"))
		l->v[l->n].packets = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS);
	l->n++;
}

static int on_elems(const struct nlmsghdr *nlh, void *data)
{
	struct raws *l = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;

	if (!s || nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_OK;
	}
	it = nftnl_set_elems_iter_create(s);
	while (it && l->r == 0 && (e = nftnl_set_elems_iter_next(it)))
		add_elem(l, e);
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int read_set(struct gn_fw *fw, const char *name, uint8_t family, struct raws *l)
{
	char buf[1024] = { 0 }; /* libnftnl leaves attribute padding as it finds it */
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	uint32_t seq = fw->seq++;
	int r;

	if (!s)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP, seq);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	l->family = family;
	r = nft_request(fw->sock, nlh, seq, on_elems, l);
	return r < 0 ? r : l->r;
}

static int raw_cmp(const void *a, const void *b)
{
	const struct raw *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return memcmp(x->key, y->key, x->klen);
}

/* key: host address (all zero: every address) . proto . port, in 4-byte fields. */
static void count_from(const struct raw *k, struct fw_count *c)
{
	size_t alen = k->family == AF_INET ? 4 : 16;
	static const uint8_t zero[16];

	memset(c, 0, sizeof *c);
	c->family = k->family;
	c->any = !memcmp(k->key, zero, alen);
	c->host.family = k->family;
	memcpy(c->host.a, k->key, alen);
	c->proto = k->key[alen];
	c->port = (uint16_t)(k->key[alen + 4] << 8 | k->key[alen + 5]);
}

int fw_counters(struct gn_fw *fw, struct fw_counts *ret, struct gn_err *err)
{
	static const struct {
		const char *name;
		uint8_t family;
	} adm[] = { { "adm4", AF_INET }, { "adm6", AF_INET6 } }, conn[] = { { "conn4", AF_INET }, { "conn6", AF_INET6 } };
	struct raws a = { 0 }, t = { 0 };
	int r = 0;

	memset(ret, 0, sizeof *ret);
	for (size_t i = 0; i < 2 && r == 0; i++)
		r = read_set(fw, adm[i].name, adm[i].family, &a);
	for (size_t i = 0; i < 2 && r == 0; i++)
		r = read_set(fw, conn[i].name, conn[i].family, &t);
	/* No table (no network), or one from before counters: none counted. */
	if (r == -ENOENT) {
		free(a.v);
		free(t.v);
		return 0;
	}
	if (r == 0 && t.n && !(ret->v = calloc(t.n, sizeof *ret->v)))
		r = -ENOMEM;
	if (r < 0) {
		free(a.v);
		free(t.v);
		return gn_errf(err, r, "reading guardnet's connection counters: %s", strerror(-r));
	}
	qsort(a.v, a.n, sizeof *a.v, raw_cmp);
	/* Every port has an element in both; one only in conn was added
	 * between the two reads and has admitted nobody yet. */
	for (size_t i = 0; i < t.n; i++) {
		const struct raw *m = a.n ? bsearch(&t.v[i], a.v, a.n, sizeof *a.v, raw_cmp) : NULL;
		struct fw_count *c = &ret->v[ret->n++];

		count_from(&t.v[i], c);
		c->tried = t.v[i].packets;
		c->admitted = m ? m->packets : 0;
	}
	free(a.v);
	free(t.v);
	return 0;
}
