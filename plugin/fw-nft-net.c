/*
 * A network's part of guardnet's tables.  What belongs to one network is
 * an element keyed by its bridge or its subnets in a set that the rules of
 * every network share, and only for a network with a guardnet.allow,
 * objects of its own (sets allow4-B and allow6-B, chain allow-B: fw-nft-pub*.c);
 * no rule names a network.  Creating or deleting a network is then a
 * transaction the size of that network, however many others there are
 * (issue 17), and mostly one that adds no rule: the kernel validates
 * every chain the table reaches at each transaction that adds a rule or
 * a jump, so a chain per network would make each one cost more.  The
 * whole build is the same sets filled with every network's elements, from
 * the same functions, so that the two cannot come out different.  In nft
 * syntax, with B a network's bridge and S its subnets:
 *
 *   table inet guardnet {
 *     set bridges    { type ifname }                  B       every network
 *     set allowh4, allowh6 { type ifname . ipv4_addr } B . A  guardnet.allow's single addresses
 *     set icc_open   { type ifname . ifname }         B . B   guardnet.icc=true
 *     set icc_closed { type ifname . ifname }         B . B   guardnet.icc=false
 *     set internal   { type ifname }                  B       internal networks
 *     set ext        { type ifname }                  B       the others
 *     set masq4, masq6 { type ipv4_addr }             S       the others, unless not masqueraded
 *     set hair4, hair6 { type ifname . ipv4_addr }    B . S   those not masqueraded (fw-nft-table.c)
 *     set ufw_nets   { type ifname }                  B       networks under UFW (chain pub's policy)
 *     map allowv { type ifname : verdict }            B : jump allow-B   networks with a guardnet.allow
 *   }
 *   tables ip and ip6 guardnet (UFW's rules, fw-nft-ufw.c), networks under UFW:
 *     set ufw_br   { type ifname }                    B
 *     set ufw_icc  { type ifname . ifname }           B . B   guardnet.icc=true
 *     set ufw_hair { type ifname . ipv4_addr }        B . S   guardnet.icc=true
 *     set ufw_dst  { type ipv4_addr }                 S
 *
 * The check of B's sources asks the kernel's routes (chain src,
 * fw-nft-guard.c), and masquerading asks shared sets keyed by subnet, not sets keyed
 * "B . address range": the kernel keeps such concatenated ranges in a
 * pipapo set whose every insertion and removal rewrites lookup tables the
 * size of the whole set (perf at 1,000 networks: 87% of DeleteNetwork in
 * nft_pipapo_remove).  hair4 and ufw_hair still are, but hold only the
 * networks not masqueraded, and those under UFW with icc on.
 *
 * Addresses are intervals.  masq and ufw_dst are keyed by the subnet
 * alone, and the kernel refuses overlapping intervals in a set: Docker's
 * IPAM never hands out nested pools in one address space, but another
 * IPAM driver, or a swarm network's global pool beside a local one, could.
 * The whole build keeps only the outermost of nested subnets (the rules
 * match the same packets), and a network whose subnet nests with another
 * network's is added or removed by the whole build.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "fw.h"
#include "fw-nft.h"
#include "ranges.h"

/* nft's datatype ids (how `nft list` prints keys): ifname 41, ipv4_addr 7,
 * ipv6_addr 8; the verdict's data type is the kernel's. */
#define T_IFNAME 41
#define T_IP4 7
#define T_IP6 8
#define CONCAT2(a, b) (((a) << 6) | (b))

enum key { K_BRIDGE, K_BRIDGE_PAIR, K_BRIDGE_SUBNET, K_SUBNET, K_ALLOWH, K_VERDICT };

struct net_set {
	uint32_t nfproto;       /* the table */
	const char *name;
	int family;             /* the addresses' (AF_INET, AF_INET6), 0: none */
	enum key key;
	bool (*member)(const struct fw_network *n);
	const char *chain;      /* K_VERDICT: B's chain is this and B */
	int verdict;            /* K_VERDICT: NFT_GOTO or NFT_JUMP */
};

static bool every(const struct fw_network *n)
{
	(void)n;
	return true;
}

static bool icc_open(const struct fw_network *n)
{
	return n->icc;
}

static bool icc_closed(const struct fw_network *n)
{
	return !n->icc;
}

static bool internal(const struct fw_network *n)
{
	return n->internal;
}

static bool external(const struct fw_network *n)
{
	return !n->internal;
}

static bool masqueraded(const struct fw_network *n)
{
	return !n->internal && !n->no_masquerade;
}

static bool unmasqueraded(const struct fw_network *n)
{
	return !n->internal && n->no_masquerade;
}

static bool under_ufw(const struct fw_network *n)
{
	return n->ufw;
}

static bool ufw_icc(const struct fw_network *n)
{
	return n->ufw && n->icc;
}

/* A network's own objects, chain allow-B and its sets: a guardnet.allow
 * of only single addresses leaves the sets empty, but deciding by the
 * merged ranges would sort the list again at every use. */
static bool allowlisted(const struct fw_network *n)
{
	return n->n_allow > 0;
}

/* In the order the whole build makes them; the verdict maps last, after
 * the chains their elements name. */
static const struct net_set sets[] = {
	{ NFPROTO_INET, "bridges", 0, K_BRIDGE, every, NULL, 0 },
	{ NFPROTO_INET, "allowh4", AF_INET, K_ALLOWH, every, NULL, 0 },
	{ NFPROTO_INET, "allowh6", AF_INET6, K_ALLOWH, every, NULL, 0 },
	{ NFPROTO_INET, "icc_open", 0, K_BRIDGE_PAIR, icc_open, NULL, 0 },
	{ NFPROTO_INET, "icc_closed", 0, K_BRIDGE_PAIR, icc_closed, NULL, 0 },
	{ NFPROTO_INET, "internal", 0, K_BRIDGE, internal, NULL, 0 },
	{ NFPROTO_INET, "ext", 0, K_BRIDGE, external, NULL, 0 },
	{ NFPROTO_INET, "masq4", AF_INET, K_SUBNET, masqueraded, NULL, 0 },
	{ NFPROTO_INET, "masq6", AF_INET6, K_SUBNET, masqueraded, NULL, 0 },
	{ NFPROTO_INET, "hair4", AF_INET, K_BRIDGE_SUBNET, unmasqueraded, NULL, 0 },
	{ NFPROTO_INET, "hair6", AF_INET6, K_BRIDGE_SUBNET, unmasqueraded, NULL, 0 },
	{ NFPROTO_INET, "ufw_nets", 0, K_BRIDGE, under_ufw, NULL, 0 },
	{ NFPROTO_IPV4, "ufw_br", 0, K_BRIDGE, under_ufw, NULL, 0 },
	{ NFPROTO_IPV4, "ufw_icc", 0, K_BRIDGE_PAIR, ufw_icc, NULL, 0 },
	{ NFPROTO_IPV4, "ufw_hair", AF_INET, K_BRIDGE_SUBNET, ufw_icc, NULL, 0 },
	{ NFPROTO_IPV4, "ufw_dst", AF_INET, K_SUBNET, under_ufw, NULL, 0 },
	{ NFPROTO_IPV6, "ufw_br", 0, K_BRIDGE, under_ufw, NULL, 0 },
	{ NFPROTO_IPV6, "ufw_icc", 0, K_BRIDGE_PAIR, ufw_icc, NULL, 0 },
	{ NFPROTO_IPV6, "ufw_hair", AF_INET6, K_BRIDGE_SUBNET, ufw_icc, NULL, 0 },
	{ NFPROTO_IPV6, "ufw_dst", AF_INET6, K_SUBNET, under_ufw, NULL, 0 },
	{ NFPROTO_INET, "allowv", 0, K_VERDICT, allowlisted, "allow-", NFT_JUMP },
};
#define N_SETS (sizeof sets / sizeof sets[0])

static struct nftnl_set *set_make(struct nft_batch *b, const struct net_set *d, uint32_t id)
{
	uint32_t alen = d->family == AF_INET ? 4 : 16, t = d->family == AF_INET ? T_IP4 : T_IP6;
	struct nftnl_set *s = set_ref(d->nfproto, d->name);
	uint32_t flags = 0, key_type = T_IFNAME, key_len = 16;
	uint8_t concat[2] = { 16, (uint8_t)alen };

	switch (d->key) {
	case K_BRIDGE:
		set_key_host_order(s);
		break;
	case K_VERDICT:
		set_key_host_order(s);
		flags = NFT_SET_MAP;
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, 16); /* struct nft_verdict, as the kernel lists it */
		break;
	case K_BRIDGE_PAIR:
		key_type = CONCAT2(T_IFNAME, T_IFNAME);
		key_len = 32;
		break;
	case K_ALLOWH:
		key_type = CONCAT2(T_IFNAME, t);
		key_len = 16 + alen;
		break;
	case K_SUBNET:
		flags = NFT_SET_INTERVAL;
		key_type = t;
		key_len = alen;
		break;
	case K_BRIDGE_SUBNET:
		flags = NFT_SET_INTERVAL | NFT_SET_CONCAT;
		key_type = CONCAT2(T_IFNAME, t);
		key_len = 16 + alen;
		nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, concat, 2);
		break;
	}
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, key_len);
	nft_batch_set(b, NFT_MSG_NEWSET, s, NLM_F_CREATE, d->name);
	return s;
}

static void bridge_key(uint8_t key[16], const char *bridge)
{
	memset(key, 0, 16);
	strncpy((char *)key, bridge, 15);
}

/* Whether p nests with (contains or lies in) a subnet of another network
 * of m in set d; outer: only one that contains it and comes first (a
 * larger prefix, or the same one on an earlier bridge). */
static bool nested(const struct net_set *d, const struct fw_model *m, const struct fw_network *n,
		   const struct gn_prefix *p, bool outer)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct fw_network *o = &m->nets[i];

		if (!strcmp(o->bridge, n->bridge) || !d->member(o))
			continue;
		for (size_t j = 0; j < o->n_subnets; j++) {
			const struct gn_prefix *q = &o->subnets[j];

			if (q->addr.family != p->addr.family)
				continue;
			if (q->len <= p->len && prefix_contains(q, &p->addr) &&
			    (!outer || q->len < p->len || strcmp(o->bridge, n->bridge) < 0))
				return true;
			if (!outer && p->len <= q->len && prefix_contains(p, &q->addr))
				return true;
		}
	}
	return false;
}

/* [first, last + 1) of p: an interval set's start and end elements. */
static void subnet_elems(struct nftnl_set *s, const struct gn_prefix *p)
{
	uint32_t alen = p->addr.family == AF_INET ? 4 : 16;
	struct gn_range *r = NULL;
	size_t nr = 0;
	uint8_t end[16];

	if (ranges_from_prefixes(p, 1, p->addr.family, &r, &nr) == 0 && nr == 1) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();

		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, r[0].lo, alen);
		nftnl_set_elem_add(s, e);
		if (range_end_exclusive(&r[0], p->addr.family, end)) {
			e = nftnl_set_elem_alloc();
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, end, alen);
			nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
			nftnl_set_elem_add(s, e);
		}
	}
	free(r);
}

/* B . [first, last] of p: a concatenated interval. */
static void bridge_subnet_elem(struct nftnl_set *s, const char *bridge, const struct gn_prefix *p)
{
	uint32_t alen = p->addr.family == AF_INET ? 4 : 16;
	struct gn_range *r = NULL;
	size_t nr = 0;

	if (ranges_from_prefixes(p, 1, p->addr.family, &r, &nr) == 0 && nr == 1) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		uint8_t key[32], end[32];

		bridge_key(key, bridge);
		memcpy(end, key, 16);
		memcpy(key + 16, r[0].lo, alen);
		memcpy(end + 16, r[0].hi, alen);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, 16 + alen);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END, end, 16 + alen);
		nftnl_set_elem_add(s, e);
	}
	free(r);
}

/* n's elements of set d into s (m: the other networks, for nesting;
 * drop: which of n's subnets the whole build leaves out, NULL: ask). */
static void elems(struct nftnl_set *s, const struct net_set *d, const struct fw_model *m,
		  const struct fw_network *n, const bool *drop)
{
	struct nftnl_set_elem *e;
	uint8_t key[32];
	char chain[64];

	if (!d->member(n))
		return;
	switch (d->key) {
	case K_BRIDGE:
	case K_BRIDGE_PAIR:
		bridge_key(key, n->bridge);
		memcpy(key + 16, key, 16);
		e = nftnl_set_elem_alloc();
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, d->key == K_BRIDGE ? 16 : 32);
		nftnl_set_elem_add(s, e);
		break;
	case K_VERDICT:
		bridge_key(key, n->bridge);
		snprintf(chain, sizeof chain, "%s%s", d->chain, n->bridge);
		e = nftnl_set_elem_alloc();
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, 16);
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, (uint32_t)d->verdict);
		nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, chain);
		nftnl_set_elem_add(s, e);
		break;
	case K_ALLOWH:
		break;          /* written in place: put_elems */
	case K_BRIDGE_SUBNET:
	case K_SUBNET:
		for (size_t i = 0; i < n->n_subnets; i++) {
			const struct gn_prefix *p = &n->subnets[i];

			if (p->addr.family != d->family)
				continue;
			if (d->key == K_BRIDGE_SUBNET)
				bridge_subnet_elem(s, n->bridge, p);
			else if (drop ? !drop[i] : !nested(d, m, n, p, true))
				subnet_elems(s, p);
		}
		break;
	}
}

/* The elements of set d for nets[0..n) as one element message (or none):
 * guardnet.allow's single addresses are written in place (a list of
 * 100,000 would be as many libnftnl objects), the others through s.
 * drop: fw_outer_only's flags for nets, NULL: elems asks. */
static void put_elems(struct nft_batch *b, struct nftnl_set *s, const struct net_set *d, const struct fw_model *m,
		      const struct fw_network *nets, size_t n, const bool *drop, uint16_t type, const char *what)
{
	uint16_t flags = type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0;

	if (d->key == K_ALLOWH) {
		struct nft_elems w;

		nft_elems_start(&w, b, type, s, flags, what);
		for (size_t j = 0; j < n; j++)
			if (d->member(&nets[j]))
				fw_pub_allowh_elems(&w, &nets[j], d->family);
		nft_elems_end(&w);
		return;
	}
	for (size_t j = 0, at = 0; j < n; at += nets[j++].n_subnets)
		elems(s, d, m, &nets[j], drop ? drop + at : NULL);
	nft_batch_elems(b, type, s, flags, what);
}

static bool table_made(const struct fw_model *m, uint32_t nfproto)
{
	return nfproto == NFPROTO_INET ? m->n > 0 : fw_ufw_table_wanted(m, nfproto);
}

void fw_net_sets(struct nft_batch *b, const struct fw_model *m, uint32_t nfproto, uint32_t *set_id, bool vmaps)
{
	bool *drop = NULL;

	for (size_t i = 0; i < N_SETS; i++) {
		const struct net_set *d = &sets[i];
		struct nftnl_set *s;

		if (d->nfproto != nfproto || (d->key == K_VERDICT) != vmaps)
			continue;
		s = set_make(b, d, (*set_id)++);
		if (d->key == K_SUBNET && !(drop = fw_outer_only(m, d->family, d->member)))
			nft_batch_fail(b);
		put_elems(b, s, d, m, m->nets, m->n, drop, NFT_MSG_NEWSETELEM, d->name);
		free(drop);
		drop = NULL;
		nftnl_set_free(s);
	}
}

void fw_net_objects(struct nft_batch *b, const struct fw_model *m, const struct fw_network *n, uint32_t *set_id,
		    void (*admit)(struct nftnl_rule *r, uint32_t mark))
{
	if (!allowlisted(n))
		return;
	fw_pub_allow_sets(b, n, set_id);
	fw_pub_allow_chain(b, n, m->mark, admit);
}

/* Whether the UFW table of nfproto exists both with n and without it. */
static bool ufw_table_stays(const struct fw_model *m, const struct fw_network *n, uint32_t nfproto)
{
	bool others = false;

	for (size_t i = 0; i < m->n; i++)
		others |= strcmp(m->nets[i].bridge, n->bridge) && m->nets[i].ufw;
	if (!m->ufw || (nfproto == NFPROTO_IPV6 && !m->ufw->ipv6))
		return true;
	return others || !n->ufw;
}

int fw_net_delta(struct nft_batch *b, const struct fw_model *m, const struct fw_network *n, bool add,
		 void (*admit)(struct nftnl_rule *r, uint32_t mark))
{
	struct nft_batch *own;
	uint32_t id = 1;
	char chain[64];

	/* The first network makes the table and the last removes it. */
	if (m->n < (add ? 2u : 1u) || !ufw_table_stays(m, n, NFPROTO_IPV4) || !ufw_table_stays(m, n, NFPROTO_IPV6))
		return -ESTALE;
	for (size_t i = 0; i < N_SETS; i++)
		for (size_t j = 0; sets[i].key == K_SUBNET && sets[i].member(n) && j < n->n_subnets; j++)
			if (n->subnets[j].addr.family == sets[i].family && nested(&sets[i], m, n, &n->subnets[j], false))
				return -ESTALE;
	if (add)
		fw_net_objects(b, m, n, &id, admit);
	for (size_t i = 0; i < N_SETS; i++) {
		const struct net_set *d = &sets[add ? i : N_SETS - 1 - i];
		struct nftnl_set *s;

		if (!table_made(m, d->nfproto))
			continue;
		s = set_ref(d->nfproto, d->name);
		put_elems(b, s, d, m, n, 1, NULL, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
			  add ? "a network's elements" : "removing a network's elements");
		nftnl_set_free(s);
	}
	if (add || !allowlisted(n))
		return 0;
	/* What the network's own objects hold, to count them out: the
	 * chain's removal counts its rules, the sets' their elements. */
	if (!(own = nft_batch_new(0)))
		return -ENOMEM;
	fw_net_objects(own, m, n, &id, admit);
	fw_pub_allow_chain_name(chain, sizeof chain, n->bridge);
	nft_batch_del_chain(b, NFPROTO_INET, chain, nft_batch_tally(own, NFPROTO_INET).rules,
			    "removing a network's chain");
	for (int f = 0; f < 2; f++) {
		struct nftnl_set *s;

		fw_pub_allow_name(chain, sizeof chain, f ? AF_INET6 : AF_INET, n->bridge);
		s = set_ref(NFPROTO_INET, chain);
		nft_batch_set(b, NFT_MSG_DELSET, s, 0, "removing a network's set");
		nftnl_set_free(s);
	}
	nft_batch_tally_add(b, NFPROTO_INET, 0, -nft_batch_tally(own, NFPROTO_INET).elems);
	nft_batch_free(own);
	return 0;
}
