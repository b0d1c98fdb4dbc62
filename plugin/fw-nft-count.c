/*
 * Connections to published ports, counted in a table of their own (read
 * back by fw-nft-count-read.c).  In nft syntax (and the same for ip6 with conn6, adm6):
 *
 *   table inet guardnet_count {
 *     set conn4 { type ipv4_addr . inet_proto . inet_service; counter }
 *     set adm4 { type ipv4_addr . inet_proto . inet_service; counter }
 *     chain prerouting { type nat hook prerouting priority dstnat - 1   # and chain output
 *       fib daddr type local ip daddr . meta l4proto . th dport @conn4
 *       fib daddr type local 0.0.0.0 . meta l4proto . th dport @conn4 }
 *     chain postrouting { type nat hook postrouting priority srcnat - 1
 *       ct status dnat ct original ip daddr . meta l4proto . ct original proto-dst @adm4
 *       ct status dnat 0.0.0.0 . meta l4proto . ct original proto-dst @adm4 }
 *   }
 *
 * Each published port has an element in each set: its host address (zeroes
 * for a port on every address), protocol and port.  The rules carry no
 * verdict; only the matching element's counter counts.  The kernel runs
 * nat chains for a connection's first packet only, in order of priority
 * and until one of them translates, so these run first: conn counts the
 * connections to the port before guardnet's DNAT (table inet guardnet,
 * fw-nft-pub.c), adm those of them that got through every filter
 * (guardnet's, UFW's, iptables') to the container, the host's own
 * included; blocked = conn - adm.  A blocked connection leaves no
 * conntrack entry, so each retransmission of its first packet counts
 * again.  Established traffic meets none of these rules.
 *
 * The table is apart from guardnet's so that rebuilding that one (a
 * network, UFW, healing) leaves the counters alone: fw_apply changes only
 * the elements that differ from the last ones written (fw->count_keys),
 * and builds this table whole only at start-up or after another program
 * touched it, starting the new counters from the old ones.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter/nf_conntrack_tuple_common.h>

#include "fw.h"
#include "fw-nft.h"

/* family, any, proto, port, host address: the order of every list of keys
 * here (struct fw_counts). */
int fw_count_cmp(const void *a, const void *b)
{
	const struct fw_count *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->any != y->any)
		return x->any ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->any ? 0 : memcmp(x->host.a, y->host.a, x->family == AF_INET ? 4 : 16);
}

const struct fw_count *fw_count_find_key(const struct fw_counts *c, const struct fw_count *key)
{
	return c && c->n ? bsearch(key, c->v, c->n, sizeof *c->v, fw_count_cmp) : NULL;
}

static struct fw_count key_of(const struct gn_pub *p)
{
	struct fw_count k = { .family = p->family, .any = p->any, .proto = p->proto, .port = p->port };

	if (!p->any)
		k.host = p->host;
	return k;
}

/* keys sorted, each once. */
static void sort_unique(struct fw_counts *keys)
{
	size_t n = 0;

	if (keys->n)
		qsort(keys->v, keys->n, sizeof *keys->v, fw_count_cmp);
	for (size_t i = 0; i < keys->n; i++)
		if (!n || fw_count_cmp(&keys->v[n - 1], &keys->v[i]))
			keys->v[n++] = keys->v[i];
	keys->n = n;
}

int fw_count_keys(const struct fw_share *s, struct fw_counts *ret)
{
	memset(ret, 0, sizeof *ret);
	if (s && s->n_pubs && !(ret->v = calloc(s->n_pubs, sizeof *ret->v)))
		return -ENOMEM;
	for (size_t i = 0; s && i < s->n_pubs; i++)
		ret->v[ret->n++] = key_of(&s->pubs[i]);
	sort_unique(ret);
	return 0;
}

/* In place, so that one endpoint's change costs the same next to ten
 * ports or thousands: a bsearch and a memmove per key. */
int fw_count_keys_apply(struct fw_counts *keys, const struct fw_counts *drop, const struct fw_counts *add)
{
	struct fw_count *v;

	for (size_t i = 0; i < drop->n; i++) {
		struct fw_count *hit = (struct fw_count *)fw_count_find_key(keys, &drop->v[i]);

		if (hit) {
			memmove(hit, hit + 1, (size_t)(keys->v + keys->n - hit - 1) * sizeof *hit);
			keys->n--;
		}
	}
	if (!add->n)
		return 0;
	v = realloc(keys->v, (keys->n + add->n) * sizeof *v);
	if (!v)
		return -ENOMEM;
	keys->v = v;
	for (size_t i = 0; i < add->n; i++) {
		size_t lo = 0, hi = keys->n;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (fw_count_cmp(&keys->v[mid], &add->v[i]) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < keys->n && !fw_count_cmp(&keys->v[lo], &add->v[i]))
			continue;
		memmove(&keys->v[lo + 1], &keys->v[lo], (keys->n - lo) * sizeof *keys->v);
		keys->v[lo] = add->v[i];
		keys->n++;
	}
	return 0;
}

#define BEFORE_DSTNAT (-101)   /* before any DNAT (dstnat is -100) */
#define BEFORE_SRCNAT 99       /* before any masquerade (srcnat is 100): one ends the nat hook */
/* nft datatype ids (display only): ipv4_addr 7, ipv6_addr 8, inet_proto 12, inet_service 13. */
#define KEY_TYPE(family) (((((family) == AF_INET ? 7u : 8u) << 6 | 12u) << 6) | 13u)

static const char *set_name(int family, bool admitted)
{
	if (family == AF_INET)
		return admitted ? "adm4" : "conn4";
	return admitted ? "adm6" : "conn6";
}

static struct nftnl_table *count_table_new(void)
{
	struct nftnl_table *t = nftnl_table_alloc();

	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, FW_COUNT_TABLE);
	return t;
}

/* A set of the counting table; set_id 0: an existing one (for elements). */
static struct nftnl_set *count_set(const char *name, uint32_t set_id, int family)
{
	struct nftnl_set *s = nftnl_set_alloc();

	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_COUNT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	if (!set_id)
		return s;
	nftnl_set_set_u32(s, NFTNL_SET_ID, set_id);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, KEY_TYPE(family));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, family == AF_INET ? 12 : 24);
	nftnl_set_add_expr(s, nftnl_expr_alloc("counter")); /* s owns it now */
	return s;
}

/* The key of a published port: host address (zeroes for every address)
 * . proto . port, each field padded to 4 bytes, the port in network order. */
static uint32_t count_key(const struct fw_count *k, uint8_t key[24])
{
	size_t alen = k->family == AF_INET ? 4 : 16;

	memset(key, 0, 24);
	if (!k->any)
		memcpy(key, k->host.a, alen);
	key[alen] = k->proto;
	key[alen + 4] = (uint8_t)(k->port >> 8);
	key[alen + 5] = (uint8_t)k->port;
	return (uint32_t)(alen + 8);
}

static void elem_add(struct nftnl_set *s, const struct fw_count *k, uint64_t packets)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	uint8_t key[24];
	uint32_t len = count_key(k, key);

	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, len);
	if (packets) {
		struct nftnl_expr *c = nftnl_expr_alloc("counter");

		nftnl_expr_set_u64(c, NFTNL_EXPR_CTR_PACKETS, packets);
		nftnl_expr_set_u64(c, NFTNL_EXPR_CTR_BYTES, 0);
		nftnl_set_elem_add_expr(e, c); /* e owns c now */
	}
	nftnl_set_elem_add(s, e);
}

static void chain(struct nft_batch *b, const char *name, uint32_t hook, int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FW_COUNT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nft_batch_chain(b, NFT_MSG_NEWCHAIN, c, NLM_F_CREATE, "counting chain");
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

/* One counting rule, no verdict: the key into the registers from
 * reg32_00 (the destination: the packet's before DNAT, or the
 * connection's original one after it; zeroes for the element of every
 * address) . l4proto . port, looked up in set. */
static void count_rule(struct nft_batch *b, const char *chain_name, int family, bool any, bool after_dnat)
{
	struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_COUNT_TABLE, chain_name);
	uint32_t alen = family == AF_INET ? 4 : 16, slot = NFT_REG32_00 + alen / 4;

	if (after_dnat)
		x_ct_dnat(r);
	else
		x_fib_local(r);
	x_nfproto(r, family);
	if (any) {
		struct nftnl_expr *e = nftnl_expr_alloc("immediate");
		uint8_t zero[16] = { 0 };

		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG32_00);
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, zero, alen);
		nftnl_rule_add_expr(r, e);
	} else if (after_dnat) {
		x_ct_original(r, family == AF_INET ? NFT_CT_DST_IP : NFT_CT_DST_IP6, NFT_REG32_00);
	} else {
		x_payload_to(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 16 : 24, alen, NFT_REG32_00);
	}
	x_meta(r, NFT_META_L4PROTO, slot);
	if (after_dnat)
		x_ct_original(r, NFT_CT_PROTO_DST, slot + 1);
	else
		x_payload_to(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, slot + 1);
	x_lookup(r, set_name(family, after_dnat), NFT_REG32_00);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND,
		       after_dnat ? "counting admitted connections" : "counting connections");
}

void fw_count_table(struct nft_batch *b, const struct fw_counts *keys, const struct fw_counts *seed)
{
	static const struct {
		const char *name;
		uint32_t hook;
		int prio;
		bool after_dnat;
	} chains[] = { { "prerouting", NF_INET_PRE_ROUTING, BEFORE_DSTNAT, false },
		       { "output", NF_INET_LOCAL_OUT, BEFORE_DSTNAT, false },
		       { "postrouting", NF_INET_POST_ROUTING, BEFORE_SRCNAT, true } };
	uint32_t id = 1;

	nft_batch_table(b, NFT_MSG_NEWTABLE, count_table_new(), NLM_F_CREATE, "table inet " FW_COUNT_TABLE);
	nft_batch_table(b, NFT_MSG_DELTABLE, count_table_new(), 0, "table inet " FW_COUNT_TABLE " (replace)");
	if (!keys)
		return;
	nft_batch_table(b, NFT_MSG_NEWTABLE, count_table_new(), NLM_F_CREATE, "table inet " FW_COUNT_TABLE);
	for (int f = 0; f < 2; f++)
		for (int admitted = 0; admitted < 2; admitted++) {
			int family = f ? AF_INET6 : AF_INET;
			struct nftnl_set *s = count_set(set_name(family, admitted), id++, family);
			size_t n = 0;

			nft_batch_set(b, NFT_MSG_NEWSET, s, NLM_F_CREATE, set_name(family, admitted));
			for (size_t i = 0; i < keys->n; i++) {
				const struct fw_count *c = keys->v[i].family == family ? fw_count_find_key(seed, &keys->v[i])
										       : NULL;

				if (keys->v[i].family != family)
					continue;
				elem_add(s, &keys->v[i], !c ? 0 : admitted ? c->admitted : c->tried);
				n++;
			}
			if (n)
				nft_batch_elems(b, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, set_name(family, admitted));
			nftnl_set_free(s);
		}
	for (size_t c = 0; c < sizeof chains / sizeof chains[0]; c++) {
		chain(b, chains[c].name, chains[c].hook, chains[c].prio);
		for (int f = 0; f < 2; f++)
			for (int any = 0; any < 2; any++)
				count_rule(b, chains[c].name, f ? AF_INET6 : AF_INET, any, chains[c].after_dnat);
	}
}

/* Element messages for one side of a delta: the keys of a that b lacks. */
static void delta_side(struct nft_batch *b, uint16_t type, const struct fw_counts *a, const struct fw_counts *other)
{
	for (int f = 0; f < 2; f++)
		for (int admitted = 0; admitted < 2; admitted++) {
			int family = f ? AF_INET6 : AF_INET;
			struct nftnl_set *s = count_set(set_name(family, admitted), 0, family);
			size_t n = 0;

			for (size_t i = 0; i < a->n; i++)
				if (a->v[i].family == family &&
				    !(other->n && bsearch(&a->v[i], other->v, other->n, sizeof *other->v, fw_count_cmp))) {
					elem_add(s, &a->v[i], 0);
					n++;
				}
			if (n)
				nft_batch_elems(b, type, s, type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0,
						type == NFT_MSG_NEWSETELEM ? "counters: adding a port's"
									   : "counters: removing a port's");
			nftnl_set_free(s);
		}
}

void fw_count_delta(struct nft_batch *b, const struct fw_counts *from, const struct fw_counts *to)
{
	size_t same = 0;

	/* A rebuild for a network or UFW change leaves the ports as they were. */
	while (same < from->n && from->n == to->n && !fw_count_cmp(&from->v[same], &to->v[same]))
		same++;
	if (same == from->n && from->n == to->n)
		return;
	delta_side(b, NFT_MSG_DELSETELEM, from, to);
	delta_side(b, NFT_MSG_NEWSETELEM, to, from);
}
