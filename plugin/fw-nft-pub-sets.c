/*
 * What published ports' sets and maps hold in guardnet's table, built whole
 * or changed by one endpoint's share (the rules that use them:
 * fw-nft-pub.c).  In nft syntax:
 *
 *   map pub4 { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service }  # one host address
 *   map any4 { type inet_proto . inet_service : ipv4_addr . inet_service }              # every local address
 *   (pub6 and any6 alike)
 *   set allow4-B, allow6-B { type ipv4_addr / ipv6_addr; flags interval }      # guardnet.allow of network B: ranges
 *   set allowh4, allowh6 { type ifname . ipv4_addr / ipv6_addr }               # and single addresses, B . address
 *                                                           (made with the other shared sets, fw-nft-net.c)
 *   (an endpoint's guardnet.allow: a set and a chain of its own, fw-nft-epallow.c)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw.h"
#include "fw-nft.h"
#include "ranges.h"

/* nft datatype ids (display only): ipv4_addr 7, ipv6_addr 8, inet_proto 12, inet_service 13. */
#define T_IP4 7
#define T_IP6 8
#define T_PROTO 12
#define T_PORT 13
#define CONCAT2(a, b) (((a) << 6) | (b))
#define CONCAT3(a, b, c) (((((a) << 6) | (b)) << 6) | (c))

const char *fw_pub_map(int family, bool any)
{
	if (family == AF_INET)
		return any ? "any4" : "pub4";
	return any ? "any6" : "pub6";
}

/* One element as the kernel keeps it: the map it belongs to, its key and
 * its data. */
struct elem {
	const char *set;
	uint8_t key[32], data[20];
	uint32_t klen, dlen;
	bool shared;            /* a delta leaves it alone: both shares have it */
};

struct elems {
	struct elem *v;
	size_t n, cap;
};

/* The maps whose elements belong to endpoints (struct fw_share; an
 * endpoint's guardnet.allow: fw-nft-epallow.c). */
static const char *const share_sets[] = { "pub4", "any4", "pub6", "any6" };
#define N_SHARE_SETS (sizeof share_sets / sizeof share_sets[0])

static struct elem *elem_push(struct elems *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct elem *v = realloc(l->v, cap * sizeof *v);

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof l->v[0]);
	return &l->v[l->n++];
}

/* Key: [host address .] proto . port; data: container address . port;
 * each field padded to 4 bytes, ports in network byte order. */
static void pub_elem(const struct gn_pub *p, struct elem *e)
{
	size_t alen = p->family == AF_INET ? 4 : 16, k = 0;
	uint16_t port = htons(p->port), cport = htons(p->ctr_port);

	e->set = fw_pub_map(p->family, p->any);
	if (!p->any) {
		memcpy(e->key, p->host.a, alen);
		k = alen;
	}
	e->key[k] = p->proto;
	memcpy(e->key + k + 4, &port, 2);
	e->klen = (uint32_t)(k + 8);
	memcpy(e->data, p->ctr.a, alen);
	memcpy(e->data + alen, &cport, 2);
	e->dlen = (uint32_t)(alen + 4);
}

static int share_elems(const struct fw_share *s, struct elems *out)
{
	int r = 0;

	for (size_t i = 0; i < s->n_pubs && r == 0; i++) {
		struct elem *e = elem_push(out);

		if (e)
			pub_elem(&s->pubs[i], e);
		else
			r = -ENOMEM;
	}
	return r;
}

static void elem_put(struct nftnl_set *s, const struct elem *e)
{
	struct nftnl_set_elem *x = nftnl_set_elem_alloc();

	nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY, e->key, e->klen);
	if (e->dlen)
		nftnl_set_elem_set(x, NFTNL_SET_ELEM_DATA, e->data, e->dlen);
	nftnl_set_elem_add(s, x);
}

/* Puts the elements of l that belong to s (by name) and are not shared;
 * how many. */
static size_t elems_put(struct nftnl_set *s, const struct elems *l, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].shared && !strcmp(l->v[i].set, name)) {
			elem_put(s, &l->v[i]);
			n++;
		}
	return n;
}

static void pub_maps(struct nft_batch *b, const struct fw_model *m, uint32_t *id)
{
	struct elems all = { 0 };
	struct fw_share everyone = { .pubs = m->pubs, .n_pubs = m->n_pubs };

	if (share_elems(&everyone, &all) < 0)
		nft_batch_fail(b);
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		uint32_t alen = family == AF_INET ? 4 : 16, t = family == AF_INET ? T_IP4 : T_IP6;

		for (int any = 0; any < 2; any++) {
			const char *name = fw_pub_map(family, any);
			struct nftnl_set *s = set_new(b, name, (*id)++, NFT_SET_MAP,
						      any ? CONCAT2(T_PROTO, T_PORT) : CONCAT3(t, T_PROTO, T_PORT),
						      any ? 8 : alen + 8, CONCAT2(t, T_PORT), alen + 4, NULL);

			if (elems_put(s, &all, name))
				nft_batch_elems(b, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, name);
			nftnl_set_free(s);
		}
	}
	free(all.v);
}

/* The start and end elements of r, an interval set's [start, end) pair,
 * into w (NULL: only counted); how many.  A range up to the family's last
 * address has no end element. */
static long range_put(struct nft_elems *w, const struct gn_range *r, int family)
{
	uint32_t alen = family == AF_INET ? 4 : 16;
	uint8_t end[16];
	bool has_end = range_end_exclusive(r, family, end);

	if (w) {
		nft_elems_put(w, r->lo, alen, 0);
		if (has_end)
			nft_elems_put(w, end, alen, NFT_SET_ELEM_INTERVAL_END);
	}
	return has_end ? 2 : 1;
}

long fw_range_elems(struct nft_elems *w, const struct gn_prefix *v, size_t n, int family)
{
	struct gn_range *r = NULL;
	size_t nr = 0;
	long count = 0;
	int rc = ranges_from_prefixes(v, n, family, &r, &nr);

	for (size_t i = 0; rc == 0 && i < nr; i++)
		count += range_put(w, &r[i], family);
	free(r);
	return rc < 0 ? rc : count;
}

/* A network's guardnet.allow of one family, merged: the ranges that are
 * one address each go to the shared hash set allowh4 or allowh6 (B .
 * address), the others to the network's interval set, as [start, end)
 * pairs.  Inserting into a hash costs the kernel far less than into an
 * interval set (which keeps every range's start and end in an rbtree): a
 * country list of 100,000 single addresses takes a rebuild from 1.9 s to
 * 0.3 s (tests/bench/allowlist.sh). */
static void allow_elems(struct nft_elems *ranges, struct nft_elems *single, const struct fw_network *n, int family)
{
	uint32_t alen = family == AF_INET ? 4 : 16;
	struct gn_range *r = NULL;
	size_t nr = 0;

	ranges_from_prefixes(n->allow, n->n_allow, family, &r, &nr);
	for (size_t i = 0; i < nr; i++) {
		bool one = !memcmp(r[i].lo, r[i].hi, alen);

		if (one && single) {
			uint8_t key[32] = { 0 };

			strncpy((char *)key, n->bridge, 15);
			memcpy(key + 16, r[i].lo, alen);
			nft_elems_put(single, key, 16 + alen, 0);
		}
		if (!one && ranges)
			range_put(ranges, &r[i], family);
	}
	free(r);
}

void fw_pub_allowh_elems(struct nft_elems *w, const struct fw_network *n, int family)
{
	allow_elems(NULL, w, n, family);
}

void fw_pub_allow_sets(struct nft_batch *b, const struct fw_network *n, uint32_t *id)
{
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		char name[64];
		struct nftnl_set *s;

		struct nft_elems w;

		fw_pub_allow_name(name, sizeof name, family, n->bridge);
		s = set_new(b, name, (*id)++, NFT_SET_INTERVAL, family == AF_INET ? T_IP4 : T_IP6,
			    family == AF_INET ? 4 : 16, 0, 0, NULL);
		nft_elems_start(&w, b, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, "elements of a network's set allow4 or allow6");
		allow_elems(&w, NULL, n, family);
		nft_elems_end(&w);
		nftnl_set_free(s);
	}
}

void fw_pub_allow_name(char *buf, size_t len, int family, const char *bridge)
{
	snprintf(buf, len, "allow%d-%s", family == AF_INET ? 4 : 6, bridge);
}

void fw_pub_allow_chain_name(char *buf, size_t len, const char *bridge)
{
	snprintf(buf, len, "allow-%s", bridge);
}

void fw_pub_sets(struct nft_batch *b, const struct fw_model *m, uint32_t *id)
{
	pub_maps(b, m, id);
	fw_epallow_objects(b, m, id);
}

/* One message per set for the elements of l that the other share lacks. */
static void elems_send(struct nft_batch *b, uint16_t type, const struct elems *l)
{
	static const char *const added[N_SHARE_SETS] = {
		"pub4: adding an endpoint's elements", "any4: adding an endpoint's elements",
		"pub6: adding an endpoint's elements", "any6: adding an endpoint's elements",
	};
	static const char *const removed[N_SHARE_SETS] = {
		"pub4: removing an endpoint's elements", "any4: removing an endpoint's elements",
		"pub6: removing an endpoint's elements", "any6: removing an endpoint's elements",
	};

	for (size_t k = 0; k < N_SHARE_SETS; k++) {
		struct nftnl_set *s = nftnl_set_alloc();

		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, share_sets[k]);
		if (elems_put(s, l, share_sets[k]))
			nft_batch_elems(b, type, s, type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0,
					type == NFT_MSG_NEWSETELEM ? added[k] : removed[k]);
		nftnl_set_free(s);
	}
}

/* An order of elements (set, key, data), for pairing them. */
static int elem_cmp(const void *pa, const void *pb)
{
	const struct elem *a = pa, *b = pb;
	int r = strcmp(a->set, b->set);

	if (r || (r = (a->klen > b->klen) - (a->klen < b->klen)) || (r = memcmp(a->key, b->key, a->klen)))
		return r;
	if ((r = (a->dlen > b->dlen) - (a->dlen < b->dlen)))
		return r;
	return memcmp(a->data, b->data, a->dlen);
}

int fw_pub_delta(struct nft_batch *b, const struct fw_share *from, const struct fw_share *to, uint32_t mark)
{
	struct elems old = { 0 }, new = { 0 };
	int r = share_elems(from, &old);

	if (r == 0)
		r = share_elems(to, &new);
	if (r == 0) {
		/* Paired up in order, not pairwise: a model may hold
		 * thousands of published ports. */
		size_t i = 0, j = 0;

		if (old.n)
			qsort(old.v, old.n, sizeof *old.v, elem_cmp);
		if (new.n)
			qsort(new.v, new.n, sizeof *new.v, elem_cmp);
		while (i < old.n && j < new.n) {
			int c = elem_cmp(&old.v[i], &new.v[j]);

			if (c == 0)
				old.v[i++].shared = new.v[j++].shared = true;
			else if (c < 0)
				i++;
			else
				j++;
		}
		/* Deletions first: a key whose data changes is removed, then added. */
		elems_send(b, NFT_MSG_DELSETELEM, &old);
		elems_send(b, NFT_MSG_NEWSETELEM, &new);
		r = fw_epallow_delta(b, from, to, mark);
	}
	free(old.v);
	free(new.v);
	return r;
}
