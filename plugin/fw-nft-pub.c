/*
 * Published ports in guardnet's table.  In nft syntax:
 *
 *   map pub4 { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service }  # one host address
 *   map any4 { type inet_proto . inet_service : ipv4_addr . inet_service }              # every local address
 *   (pub6 and any6 alike)
 *   set allow4-B, allow6-B { type ipv4_addr / ipv6_addr; flags interval }      # guardnet.allow of network B: ranges
 *   set allowh4, allowh6 { type ifname . ipv4_addr / ipv6_addr }               # and single addresses, B . address
 *   set epallow4, epallow6 { type ipv4_addr . ipv4_addr; flags interval }       # container . endpoint's allow
 *
 *   chain prerouting { type nat hook prerouting priority dstnat      # and chain output, the host's own
 *     fib daddr type local ip daddr . meta l4proto . th dport @pub4 fib saddr . iif oif missing drop
 *     (and @any4, @pub6, @any6: a published port's sources on the strict reverse path, prerouting only)
 *     fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @pub4
 *     fib daddr type local dnat ip to meta l4proto . th dport map @any4
 *     ...the same for ip6, with ip6 daddr != ::1 (the relay's) }
 *   chain forward (in front of the per-network rules, fw-nft-table.c):
 *     ct status dnat oifname B goto pub-B
 *   chain pub-B {                              # in the order of admit.h's table
 *     iifname B admit                          # hairpin from B itself, when B's icc is on
 *     oifname . ip saddr @allowh4 admit        # and ip6
 *     ip saddr @allow4-B admit                 # and ip6
 *     ip daddr . ip saddr @epallow4 admit      # and ip6
 *     limit rate 10/second log prefix "[GUARDNET BLOCK] "
 *     drop                                     # or UFW's default incoming policy
 *   }
 *
 * UFW's rules decided before this chain, in tables ip and ip6 guardnet
 * (fw-nft-ufw.c): what they admitted, dropped or rejected never gets here.
 *
 * The DNAT decision is made on the original destination (host address,
 * protocol, port) before the packet is rewritten; the forward chain then
 * only asks who sent it.  Connections from the host itself take the output
 * hook and never cross forward: the host is always admitted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "admit.h"
#include "fw.h"
#include "fw-nft.h"
#include "ranges.h"

/* nft datatype ids (display only): ipv4_addr 7, ipv6_addr 8, inet_proto 12, inet_service 13. */
#define T_IFNAME 41
#define T_IP4 7
#define T_IP6 8
#define T_PROTO 12
#define T_PORT 13
#define CONCAT2(a, b) (((a) << 6) | (b))
#define CONCAT3(a, b, c) (((((a) << 6) | (b)) << 6) | (c))

#define LOG_PREFIX "[GUARDNET BLOCK] "
#define LOG_PER_SECOND 10

static const char *pub_map(int family, bool any)
{
	if (family == AF_INET)
		return any ? "any4" : "pub4";
	return any ? "any6" : "pub6";
}

/* One element as the kernel keeps it: the set it belongs to, its key (and
 * for a concatenated range its last key), and a map's data. */
struct elem {
	const char *set;
	uint8_t key[32], key_end[32], data[20];
	uint32_t klen, kelen, dlen;
	bool shared;            /* a delta leaves it alone: both shares have it */
};

struct elems {
	struct elem *v;
	size_t n, cap;
};

/* The sets whose elements belong to endpoints (struct fw_share). */
static const char *const share_sets[] = { "pub4", "any4", "pub6", "any6", "epallow4", "epallow6" };
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

	e->set = pub_map(p->family, p->any);
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

/* container address . source range, as a concatenated interval (pipapo):
 * each element carries its first and last key, both inclusive.  The
 * endpoint's prefixes are merged first: no two of its elements overlap, and
 * the same allowlist always gives the same elements. */
static int epallow_elems(const struct fw_epallow *a, struct elems *out)
{
	int family = a->ctr.family;
	size_t alen = family == AF_INET ? 4 : 16, nr = 0;
	struct gn_range *r = NULL;
	int rc = ranges_from_prefixes(a->src, a->n_src, family, &r, &nr);

	for (size_t j = 0; j < nr && rc == 0; j++) {
		struct elem *e = elem_push(out);

		if (!e) {
			rc = -ENOMEM;
			break;
		}
		e->set = family == AF_INET ? "epallow4" : "epallow6";
		memcpy(e->key, a->ctr.a, alen);
		memcpy(e->key + alen, r[j].lo, alen);
		memcpy(e->key_end, a->ctr.a, alen);
		memcpy(e->key_end + alen, r[j].hi, alen);
		e->klen = e->kelen = (uint32_t)(alen * 2);
	}
	free(r);
	return rc;
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
	for (size_t i = 0; i < s->n_epallow && r == 0; i++)
		r = epallow_elems(&s->epallow[i], out);
	return r;
}

static void elem_put(struct nftnl_set *s, const struct elem *e)
{
	struct nftnl_set_elem *x = nftnl_set_elem_alloc();

	nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY, e->key, e->klen);
	if (e->kelen)
		nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY_END, e->key_end, e->kelen);
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
			const char *name = pub_map(family, any);
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

/* A network's guardnet.allow of one family: its merged ranges that are
 * one address each go to the shared hash set single (B . address), the
 * others to the network's interval set, as [start, end) pairs.  Inserting
 * into a hash costs the kernel far less than into an interval set (which
 * keeps every range's start and end in an rbtree): a country list of
 * 100,000 single addresses takes a rebuild from 1.9 s to 0.3 s
 * (tests/bench/allowlist.sh). */
static size_t allow_set(struct nft_batch *b, const char *name, uint32_t id, const struct fw_network *n, int family,
			struct nftnl_set *single)
{
	uint32_t alen = family == AF_INET ? 4 : 16;
	struct nftnl_set *s = set_new(b, name, id, NFT_SET_INTERVAL, family == AF_INET ? T_IP4 : T_IP6, alen, 0, 0,
				      NULL);
	struct gn_range *r = NULL;
	size_t nr = 0, nv = 0, nh = 0;

	ranges_from_prefixes(n->allow, n->n_allow, family, &r, &nr);
	for (size_t i = 0; i < nr; i++) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		uint8_t end[16];

		if (!memcmp(r[i].lo, r[i].hi, alen)) {
			uint8_t key[32] = { 0 };

			strncpy((char *)key, n->bridge, 15);
			memcpy(key + 16, r[i].lo, alen);
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, 16 + alen);
			nftnl_set_elem_add(single, e);
			nh++;
			continue;
		}
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, r[i].lo, alen);
		nftnl_set_elem_add(s, e);
		nv++;
		/* A range up to the last address has no end element. */
		if (range_end_exclusive(&r[i], family, end)) {
			e = nftnl_set_elem_alloc();
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, end, alen);
			nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
			nftnl_set_elem_add(s, e);
		}
	}
	if (nv)
		nft_batch_elems(b, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, name);
	nftnl_set_free(s);
	free(r);
	return nh;
}

static void allow_name(char *buf, size_t len, int family, const char *bridge)
{
	snprintf(buf, len, "allow%d-%s", family == AF_INET ? 4 : 6, bridge);
}

static void epallow_set(struct nft_batch *b, uint32_t id, int family, const struct fw_model *m)
{
	uint32_t alen = family == AF_INET ? 4 : 16, t = family == AF_INET ? T_IP4 : T_IP6;
	const uint8_t desc[3] = { (uint8_t)alen, (uint8_t)alen, 0 };
	const char *name = family == AF_INET ? "epallow4" : "epallow6";
	struct nftnl_set *s = set_new(b, name, id, NFT_SET_INTERVAL | NFT_SET_CONCAT, CONCAT2(t, t), alen * 2, 0, 0,
				      desc);
	struct elems all = { 0 };

	for (size_t i = 0; i < m->n_epallow; i++)
		if (m->epallow[i].ctr.family == family && epallow_elems(&m->epallow[i], &all) < 0)
			nft_batch_fail(b);
	if (elems_put(s, &all, name))
		nft_batch_elems(b, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, name);
	nftnl_set_free(s);
	free(all.v);
}

void fw_pub_sets(struct nft_batch *b, const struct fw_model *m, uint32_t *id)
{
	pub_maps(b, m, id);
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		uint32_t alen = family == AF_INET ? 4 : 16;
		const char *single = family == AF_INET ? "allowh4" : "allowh6";
		/* set allowh4 { type ifname . ipv4_addr; }: every network's
		 * single addresses, keyed by its bridge. */
		struct nftnl_set *h = set_new(b, single, (*id)++, 0, CONCAT2(T_IFNAME, family == AF_INET ? T_IP4 : T_IP6),
					      16 + alen, 0, 0, NULL);
		size_t nh = 0;

		for (size_t i = 0; i < m->n; i++) {
			char name[64];

			allow_name(name, sizeof name, family, m->nets[i].bridge);
			nh += allow_set(b, name, (*id)++, &m->nets[i], family, h);
		}
		if (nh)
			nft_batch_elems(b, NFT_MSG_NEWSETELEM, h, NLM_F_CREATE, single);
		nftnl_set_free(h);
	}
	epallow_set(b, (*id)++, AF_INET, m);
	epallow_set(b, (*id)++, AF_INET6, m);
}

/* One message per set for the elements of l that the other share lacks. */
static void elems_send(struct nft_batch *b, uint16_t type, const struct elems *l)
{
	static const char *const added[N_SHARE_SETS] = {
		"pub4: adding an endpoint's elements", "any4: adding an endpoint's elements",
		"pub6: adding an endpoint's elements", "any6: adding an endpoint's elements",
		"epallow4: adding an endpoint's elements", "epallow6: adding an endpoint's elements",
	};
	static const char *const removed[N_SHARE_SETS] = {
		"pub4: removing an endpoint's elements", "any4: removing an endpoint's elements",
		"pub6: removing an endpoint's elements", "any6: removing an endpoint's elements",
		"epallow4: removing an endpoint's elements", "epallow6: removing an endpoint's elements",
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

static bool elem_equal(const struct elem *a, const struct elem *b)
{
	return !strcmp(a->set, b->set) && a->klen == b->klen && a->kelen == b->kelen && a->dlen == b->dlen &&
	       !memcmp(a->key, b->key, a->klen) && !memcmp(a->key_end, b->key_end, a->kelen) &&
	       !memcmp(a->data, b->data, a->dlen);
}

int fw_pub_delta(struct nft_batch *b, const struct fw_share *from, const struct fw_share *to)
{
	struct elems old = { 0 }, new = { 0 };
	int r = share_elems(from, &old);

	if (r == 0)
		r = share_elems(to, &new);
	if (r == 0) {
		/* A share holds a handful of elements: pairing them up is cheap. */
		for (size_t i = 0; i < old.n; i++)
			for (size_t j = 0; j < new.n; j++)
				if (!new.v[j].shared && elem_equal(&old.v[i], &new.v[j])) {
					old.v[i].shared = new.v[j].shared = true;
					break;
				}
		/* Deletions first: a key whose data changes is removed, then added. */
		elems_send(b, NFT_MSG_DELSETELEM, &old);
		elems_send(b, NFT_MSG_NEWSETELEM, &new);
	}
	free(old.v);
	free(new.v);
	return r;
}

/* [ip daddr .] meta l4proto . th dport into the registers from
 * NFT_REG32_00 on, as the maps' keys are laid out. */
static void map_key(struct nftnl_rule *r, int family, bool any)
{
	uint32_t slot = NFT_REG32_00;

	if (!any) {
		x_payload_to(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 16 : 24, family == AF_INET ? 4 : 16,
			     slot);
		slot += family == AF_INET ? 1 : 4;
	}
	x_meta(r, NFT_META_L4PROTO, slot);
	x_payload_to(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, slot + 1);
}

/* fib daddr type local dnat ip to [ip daddr .] meta l4proto . th dport map @M */
static void dnat_rule(struct nft_batch *b, const char *chain, int family, bool any)
{
	struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_TABLE, chain);

	x_fib_local(r);
	x_nfproto(r, family);
	/* [::1] is the relay's (relay.c), for the host alone: the host's own
	 * connection sent into a bridge could not be answered (plan-relay.c),
	 * and a container's frame for ::1, which the bridge's netfilter call
	 * shows to prerouting, is no way in. */
	if (family == AF_INET6) {
		static const uint8_t loopback6[16] = { [15] = 1 };

		x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 16);
		x_cmp(r, NFT_CMP_NEQ, loopback6, sizeof loopback6);
	}
	map_key(r, family, any);
	x_lookup_map(r, pub_map(family, any), NFT_REG32_00, NFT_REG32_00);
	/* The data is address . port: the port follows the address's slots. */
	x_dnat(r, family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6, NFT_REG32_00,
	       family == AF_INET ? NFT_REG32_01 : NFT_REG32_04);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "dnat of published ports");
}

/* fib daddr type local [ip daddr .] meta l4proto . th dport @M
 *     fib saddr . iif oif missing counter drop
 * A published port admits a source only if the host would answer it by
 * the interface its connection came in on (strict reverse path, as
 * rp_filter=1 does, but only for guardnet's ports), so that a container
 * on another bridge cannot claim a source that guardnet.allow or UFW lets
 * in (the sources of guardnet's own networks are checked at raw priority,
 * fw-nft-guard.c).  In the nat chain: once per connection, before its DNAT
 * and before UFW's rules decide (in tables ip and ip6 guardnet, from
 * priority dstnat + 1). */
static void reverse_path_rule(struct nft_batch *b, int family, bool any)
{
	struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_TABLE, "prerouting");

	x_fib_local(r);
	x_nfproto(r, family);
	map_key(r, family, any);
	x_lookup(r, pub_map(family, any), NFT_REG32_00);
	x_fib_rpf_missing(r);
	x_counter(r);
	x_verdict(r, NF_DROP);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND,
		       "prerouting: published ports: sources the host would not answer that way");
}

void fw_pub_nat_chains(struct nft_batch *b)
{
	static const struct {
		const char *name;
		uint32_t hook;
	} chains[] = { { "prerouting", NF_INET_PRE_ROUTING }, { "output", NF_INET_LOCAL_OUT } };

	for (size_t c = 0; c < 2; c++) {
		chain_new(b, chains[c].name, "nat", chains[c].hook, -100 /* dstnat */);
		for (int f = 0; c == 0 && f < 2; f++)
			for (int any = 0; any < 2; any++)
				reverse_path_rule(b, f ? AF_INET6 : AF_INET, any);
		for (int f = 0; f < 2; f++)
			for (int any = 0; any < 2; any++)
				dnat_rule(b, chains[c].name, f ? AF_INET6 : AF_INET, any);
	}
}

static struct nftnl_rule *in_chain(const char *chain)
{
	return rule_new(NFPROTO_INET, FW_TABLE, chain);
}

static void add_rule(struct nft_batch *b, struct nftnl_rule *r, const char *what)
{
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, what);
}

/* The end of a network's chain: nothing admitted the connection.  Without
 * UFW it is dropped; with UFW, UFW's default incoming policy decides (for
 * IPv6 only when UFW manages IPv6). */
static void final_verdict(struct nft_batch *b, const char *chain, const struct fw_network *n,
			  const struct fw_model *m, void (*admit)(struct nftnl_rule *r, uint32_t mark))
{
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		enum ufw_policy p = UFW_POLICY_DROP;
		struct nftnl_rule *r;

		if (n->ufw && m->ufw && (family == AF_INET || m->ufw->ipv6))
			p = m->ufw->in_policy;
		r = in_chain(chain);
		x_nfproto(r, family);
		if (p == UFW_POLICY_ACCEPT) {
			admit(r, m->mark);
			add_rule(b, r, "forward: UFW default policy allow");
			continue;
		}
		x_log_limited(r, LOG_PREFIX, LOG_PER_SECOND);
		add_rule(b, r, "forward: log blocked");
		r = in_chain(chain);
		x_nfproto(r, family);
		x_counter(r);
		if (p == UFW_POLICY_REJECT)
			x_reject(r, false);
		else
			x_verdict(r, NF_DROP);
		add_rule(b, r, "forward: blocked");
	}
}

/*   oifname . ip saddr @allowh4 admit        (the network's single addresses)
 *   ip saddr @allow4-B admit                 (its ranges)
 *   ip daddr . ip saddr @epallow4 admit      (the endpoint's)
 * and the same for ip6.  In chain pub-B, oifname is B. */
static void allow_rules(struct nft_batch *b, const char *chain, const struct fw_network *n, const struct fw_model *m,
			const struct admit_rule *a, void (*admit)(struct nftnl_rule *r, uint32_t mark))
{
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		uint32_t alen = family == AF_INET ? 4 : 16, saddr = family == AF_INET ? 12 : 8;
		struct nftnl_rule *r = in_chain(chain);
		char name[64];

		x_nfproto(r, family);
		if (a->step == ADMIT_NET_ALLOW) {
			x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
			x_payload_to(r, NFT_PAYLOAD_NETWORK_HEADER, saddr, alen, NFT_REG_2);
			x_lookup(r, family == AF_INET ? "allowh4" : "allowh6", NFT_REG_1);
			admit(r, m->mark);
			add_rule(b, r, a->what);
			r = in_chain(chain);
			x_nfproto(r, family);
			allow_name(name, sizeof name, family, n->bridge);
			x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, saddr, alen);
			x_lookup(r, name, NFT_REG_1);
		} else {
			x_payload_to(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 16 : 24, alen, NFT_REG32_00);
			x_payload_to(r, NFT_PAYLOAD_NETWORK_HEADER, saddr, alen, NFT_REG32_00 + alen / 4);
			x_lookup(r, family == AF_INET ? "epallow4" : "epallow6", NFT_REG32_00);
		}
		admit(r, m->mark);
		add_rule(b, r, a->what);
	}
}

/* Chain pub-B decides for every connection DNATed into bridge B, in the
 * order of admit_order (admit.h), which explain walks too. */
static void network_chain(struct nft_batch *b, const struct fw_network *n, const struct fw_model *m,
			  void (*admit)(struct nftnl_rule *r, uint32_t mark))
{
	char chain[64];
	struct nftnl_rule *r;

	snprintf(chain, sizeof chain, "pub-%s", n->bridge);
	chain_new(b, chain, NULL, 0, 0);
	for (size_t i = 0; i < admit_steps; i++) {
		const struct admit_rule *a = &admit_order[i];

		if (!a->in_chain || !admit_applies(a->step, n->icc, n->ufw))
			continue;
		switch (a->step) {
		case ADMIT_HOST:
			break;
		case ADMIT_HAIRPIN:
			r = in_chain(chain);
			x_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
			admit(r, m->mark);
			add_rule(b, r, a->what);
			break;
		case ADMIT_UFW_IN:
		case ADMIT_UFW_ROUTE:
			/* Decided before this chain, in tables ip and ip6
			 * guardnet (fw-nft-ufw.c): admit.c marks them so. */
			break;
		case ADMIT_NET_ALLOW:
		case ADMIT_EP_ALLOW:
			allow_rules(b, chain, n, m, a, admit);
			break;
		case ADMIT_FINAL:
			final_verdict(b, chain, n, m, admit);
			break;
		}
	}
}

void fw_pub_forward_rules(struct nft_batch *b, const struct fw_model *m,
			  void (*admit)(struct nftnl_rule *r, uint32_t mark))
{
	for (size_t i = 0; i < m->n; i++) {
		char chain[64];
		struct nftnl_rule *r;

		network_chain(b, &m->nets[i], m, admit);
		snprintf(chain, sizeof chain, "pub-%s", m->nets[i].bridge);
		r = in_chain("forward");
		x_ct_dnat(r);
		x_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, m->nets[i].bridge);
		x_jump(r, NFT_GOTO, chain);
		add_rule(b, r, "forward: published ports");
	}
}

void fw_pub_postrouting_rules(struct nft_batch *b, const struct fw_network *n)
{
	struct gn_prefix lo4 = { .addr = { .family = AF_INET, .a = { 127 } }, .len = 8 };
	struct nftnl_rule *r;

	/* The host's own connections to 127.0.0.1:P leave through the bridge
	 * with a loopback source (route_localnet); give them the gateway's. */
	r = rule_new(NFPROTO_INET, FW_TABLE, "postrouting");
	x_saddr(r, &lo4);
	x_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	x_counter(r);
	x_masq(r);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "postrouting: loopback");
	/* Hairpin: a container reaching its own network's published port
	 * must get the answer back through the host, not straight over the
	 * bridge.  (iifname is unknown in postrouting: match the source.) */
	for (size_t i = 0; i < n->n_subnets; i++) {
		r = rule_new(NFPROTO_INET, FW_TABLE, "postrouting");
		x_ct_dnat(r);
		x_saddr(r, &n->subnets[i]);
		x_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
		x_counter(r);
		x_masq(r);
		nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "postrouting: hairpin");
	}
}
