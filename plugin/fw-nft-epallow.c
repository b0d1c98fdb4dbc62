/*
 * An endpoint's guardnet.allow in guardnet's table: a set and a chain of
 * its own per family, reached from chain pub through a
 * verdict map keyed by the container's address.  In nft syntax, with E
 * the endpoint's first 12 ID characters (names_epallow) and C its address:
 *
 *   map epav4 { type ifname . ipv4_addr : verdict } B . C : jump epa4-E  (epav6 alike)
 *   set epa4-E { type ipv4_addr; flags interval }   the endpoint's sources, merged
 *   chain epa4-E {
 *     meta nfproto ipv4 ip saddr @epa4-E admit
 *   }
 *   chain pub { ... meta nfproto ipv4 oifname . ip daddr vmap @epav4 ... }   (fw-nft-pub.c)
 *
 * Keyed by the network's bridge B too: networks may hold the same
 * address (nested or equal subnets, fw-nft-nest.c), and one endpoint's
 * list must neither admit for another network's container nor clash with
 * its element (the kernel would refuse the whole table).
 *
 * Before, every endpoint's list was in one set keyed "container . source"
 * (epallow4): a concatenated interval, which the kernel keeps in a pipapo
 * set whose every insertion and removal rewrites lookup tables the size of
 * the whole set, so that an endpoint with a country list (100,000 CIDRs)
 * took tens of seconds to come and go.  A set of its own is filled in one
 * transaction and deleted whole, without a message per element; a packet
 * costs one hash lookup (the map) and one interval lookup (the set), as
 * before.  The map jumps, it does not go to: when the endpoint's list does
 * not admit, pub goes on to its final verdict, as it did.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw.h"
#include "fw-nft.h"

/* nft datatype ids (display only): ipv4_addr 7, ipv6_addr 8, ifname 41. */
#define T_IP4 7
#define T_IP6 8
#define T_IFNAME 41
#define CONCAT2(a, b) (((a) << 6) | (b))

static const char *map_name(int family)
{
	return family == AF_INET ? "epav4" : "epav6";
}

/* The map's element for a: B . C : jump epa4-E. */
static void map_elem(struct nftnl_set *s, const struct fw_epallow *a)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	uint32_t alen = a->ctr.family == AF_INET ? 4 : 16;
	uint8_t key[32] = { 0 };

	/* The bridge's name as oifname loads it: 16 bytes, zero-padded. */
	memcpy(key, a->bridge, strnlen(a->bridge, 15));
	memcpy(key + 16, a->ctr.a, alen);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, 16 + alen);
	nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, (uint32_t)NFT_JUMP);
	nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, a->name);
	nftnl_set_elem_add(s, e);
}

/* Set and chain epa4-E (or epa6-E) with a's sources; how many elements
 * the set holds. */
static long objects(struct nft_batch *b, const struct fw_epallow *a, uint32_t mark, uint32_t *id)
{
	int family = a->ctr.family;
	uint32_t alen = family == AF_INET ? 4 : 16;
	struct nftnl_set *s = set_new(b, a->name, (*id)++, NFT_SET_INTERVAL, family == AF_INET ? T_IP4 : T_IP6, alen,
				      0, 0, NULL);
	struct nftnl_rule *r;
	struct nft_elems w;
	long n;

	nft_elems_start(&w, b, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, "elements of an endpoint's set epa4 or epa6");
	n = fw_range_elems(&w, a->src, a->n_src, family);
	nft_elems_end(&w);
	nftnl_set_free(s);
	if (n < 0)
		nft_batch_fail(b);
	chain_new(b, a->name, NULL, 0, 0);
	r = rule_new(NFPROTO_INET, FW_TABLE, a->name);
	x_nfproto(r, family);
	x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 12 : 8, alen);
	x_lookup(r, a->name, NFT_REG_1);
	fw_admit(r, mark);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: endpoint guardnet.allow");
	return n;
}

static struct nftnl_set *map_new(struct nft_batch *b, int family, uint32_t id)
{
	return set_new(b, map_name(family), id, NFT_SET_MAP, CONCAT2(T_IFNAME, family == AF_INET ? T_IP4 : T_IP6),
		       16 + (family == AF_INET ? 4 : 16), NFT_DATA_VERDICT, 16 /* struct nft_verdict, as listed */, NULL);
}

void fw_epallow_objects(struct nft_batch *b, const struct fw_model *m, uint32_t *id)
{
	for (size_t i = 0; i < m->n_epallow; i++)
		objects(b, &m->epallow[i], m->mark, id);
	/* After the chains their elements name. */
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		struct nftnl_set *s = map_new(b, family, (*id)++);

		for (size_t i = 0; i < m->n_epallow; i++)
			if (m->epallow[i].ctr.family == family)
				map_elem(s, &m->epallow[i]);
		nft_batch_elems(b, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, "endpoints' elements of map epav4 or epav6");
		nftnl_set_free(s);
	}
}

static bool same_prefix(const struct gn_prefix *a, const struct gn_prefix *b)
{
	return a->addr.family == b->addr.family && a->len == b->len &&
	       !memcmp(a->addr.a, b->addr.a, a->addr.family == AF_INET ? 4 : 16);
}

/* Whether l holds a as it is: the same chain, address and list. */
static bool holds(const struct fw_share *l, const struct fw_epallow *a)
{
	for (size_t i = 0; i < l->n_epallow; i++) {
		const struct fw_epallow *o = &l->epallow[i];
		size_t j = 0;

		if (strcmp(o->name, a->name) || strcmp(o->bridge, a->bridge) || o->ctr.family != a->ctr.family ||
		    memcmp(o->ctr.a, a->ctr.a, sizeof a->ctr.a) || o->n_src != a->n_src)
			continue;
		while (j < a->n_src && same_prefix(&o->src[j], &a->src[j]))
			j++;
		if (j == a->n_src)
			return true;
	}
	return false;
}

/* a's map element, chain and set, in this order: each is named by the
 * one before it until that one is gone. */
static int remove_objects(struct nft_batch *b, const struct fw_epallow *a)
{
	struct nftnl_set *s = set_ref(NFPROTO_INET, map_name(a->ctr.family));
	long n;

	map_elem(s, a);
	nft_batch_elems(b, NFT_MSG_DELSETELEM, s, 0, "removing an endpoint's element of map epav4 or epav6");
	nftnl_set_free(s);
	nft_batch_del_chain(b, NFPROTO_INET, a->name, 1, "removing an endpoint's chain epa4 or epa6");
	s = set_ref(NFPROTO_INET, a->name);
	nft_batch_set(b, NFT_MSG_DELSET, s, 0, "removing an endpoint's set epa4 or epa6");
	nftnl_set_free(s);
	/* The set goes with its elements: count them out. */
	n = fw_range_elems(NULL, a->src, a->n_src, a->ctr.family);
	if (n < 0)
		return (int)n;
	nft_batch_tally_add(b, NFPROTO_INET, 0, -n);
	return 0;
}

int fw_epallow_delta(struct nft_batch *b, const struct fw_share *from, const struct fw_share *to, uint32_t mark)
{
	uint32_t id = 1;
	int r = 0;

	/* Removals first: an endpoint whose list changed gets its chain and
	 * set again under the same name, in the same transaction. */
	for (size_t i = 0; i < from->n_epallow && r == 0; i++)
		if (!holds(to, &from->epallow[i]))
			r = remove_objects(b, &from->epallow[i]);
	for (size_t i = 0; i < to->n_epallow && r == 0; i++) {
		const struct fw_epallow *a = &to->epallow[i];
		struct nftnl_set *s;

		if (holds(from, a))
			continue;
		if (objects(b, a, mark, &id) < 0)
			r = -ENOMEM;
		s = set_ref(NFPROTO_INET, map_name(a->ctr.family));
		map_elem(s, a);
		nft_batch_elems(b, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, "an endpoint's element of map epav4 or epav6");
		nftnl_set_free(s);
	}
	return r;
}
