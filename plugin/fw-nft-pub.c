/*
 * Published ports in guardnet's table.  In nft syntax:
 *
 *   map pub4 { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service }  # one host address
 *   map any4 { type inet_proto . inet_service : ipv4_addr . inet_service }              # every local address
 *   (pub6 and any6 alike)
 *   set allow4-B, allow6-B { type ipv4_addr / ipv6_addr; flags interval }      # guardnet.allow of network B
 *   set epallow4, epallow6 { type ipv4_addr . ipv4_addr; flags interval }       # container . endpoint's allow
 *
 *   chain prerouting { type nat hook prerouting priority dstnat      # and chain output, the host's own
 *     fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @pub4
 *     fib daddr type local dnat ip to meta l4proto . th dport map @any4
 *     ...the same for ip6 }
 *   chain forward (the part in front of the per-network rules, fw-nft.c):
 *     ct status dnat iifname B oifname B admit            # hairpin from B itself, when B's icc is on
 *     ct status dnat oifname B ip saddr @allow4-B admit   # and ip6
 *     ct status dnat ip daddr . ip saddr @epallow4 admit  # and ip6
 *     ct status dnat oifname @bridges limit rate 10/second log prefix "[GUARDNET BLOCK] "
 *     ct status dnat oifname @bridges drop
 *
 * The DNAT decision is made on the original destination (host address,
 * protocol, port) before the packet is rewritten; the forward chain then
 * only asks who sent it.  Connections from the host itself take the output
 * hook and never cross forward: the host is always admitted.
 */
#include <arpa/inet.h>
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

#define LOG_PREFIX "[GUARDNET BLOCK] "
#define LOG_PER_SECOND 10

static const char *pub_map(int family, bool any)
{
	if (family == AF_INET)
		return any ? "any4" : "pub4";
	return any ? "any6" : "pub6";
}

/* Key: [host address .] proto . port; data: container address . port;
 * each field padded to 4 bytes, ports in network byte order. */
static void add_pub(struct nftnl_set *s, const struct gn_pub *p)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	uint8_t key[24] = { 0 }, data[20] = { 0 };
	size_t alen = p->family == AF_INET ? 4 : 16, k = 0;
	uint16_t port = htons(p->port), cport = htons(p->ctr_port);

	if (!p->any) {
		memcpy(key, p->host.a, alen);
		k = alen;
	}
	key[k] = p->proto;
	memcpy(key + k + 4, &port, 2);
	memcpy(data, p->ctr.a, alen);
	memcpy(data + alen, &cport, 2);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, (uint32_t)(k + 8));
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, data, (uint32_t)(alen + 4));
	nftnl_set_elem_add(s, e);
}

static void pub_maps(struct nft_batch *b, const struct fw_model *m, uint32_t *id)
{
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		uint32_t alen = family == AF_INET ? 4 : 16, t = family == AF_INET ? T_IP4 : T_IP6;

		for (int any = 0; any < 2; any++) {
			const char *name = pub_map(family, any);
			struct nftnl_set *s = set_new(b, name, (*id)++, NFT_SET_MAP,
						      any ? CONCAT2(T_PROTO, T_PORT) : CONCAT3(t, T_PROTO, T_PORT),
						      any ? 8 : alen + 8, CONCAT2(t, T_PORT), alen + 4, NULL);
			size_t n = 0;

			for (size_t i = 0; i < m->n_pubs; i++)
				if (m->pubs[i].family == family && m->pubs[i].any == (bool)any) {
					add_pub(s, &m->pubs[i]);
					n++;
				}
			if (n)
				nft_batch_elems(b, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, name);
			nftnl_set_free(s);
		}
	}
}

/* An interval set of the prefixes of one family: [start, end) pairs. */
static void allow_set(struct nft_batch *b, const char *name, uint32_t id, int family, const struct gn_prefix *v,
		      size_t n)
{
	uint32_t alen = family == AF_INET ? 4 : 16;
	struct nftnl_set *s = set_new(b, name, id, NFT_SET_INTERVAL, family == AF_INET ? T_IP4 : T_IP6, alen, 0, 0,
				      NULL);
	struct gn_range *r = NULL;
	size_t nr = 0;

	ranges_from_prefixes(v, n, family, &r, &nr);
	for (size_t i = 0; i < nr; i++) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		uint8_t end[16];

		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, r[i].lo, alen);
		nftnl_set_elem_add(s, e);
		/* A range up to the last address has no end element. */
		if (range_end_exclusive(&r[i], family, end)) {
			e = nftnl_set_elem_alloc();
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, end, alen);
			nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
			nftnl_set_elem_add(s, e);
		}
	}
	if (nr)
		nft_batch_elems(b, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, name);
	nftnl_set_free(s);
	free(r);
}

static void allow_name(char *buf, size_t len, int family, const char *bridge)
{
	snprintf(buf, len, "allow%d-%s", family == AF_INET ? 4 : 6, bridge);
}

/* container address . source range, as a concatenated interval (pipapo):
 * each element carries its first and last key, both inclusive. */
static void epallow_set(struct nft_batch *b, uint32_t id, int family, const struct fw_model *m)
{
	uint32_t alen = family == AF_INET ? 4 : 16, t = family == AF_INET ? T_IP4 : T_IP6;
	const uint8_t desc[3] = { (uint8_t)alen, (uint8_t)alen, 0 };
	const char *name = family == AF_INET ? "epallow4" : "epallow6";
	struct nftnl_set *s = set_new(b, name, id, NFT_SET_INTERVAL | NFT_SET_CONCAT, CONCAT2(t, t), alen * 2, 0, 0,
				      desc);
	size_t added = 0;

	for (size_t i = 0; i < m->n_epallow; i++) {
		const struct fw_epallow *a = &m->epallow[i];
		struct gn_range *r = NULL;
		size_t nr = 0;

		if (a->ctr.family != family)
			continue;
		ranges_from_prefixes(&a->src, 1, family, &r, &nr);
		for (size_t j = 0; j < nr; j++) {
			struct nftnl_set_elem *e = nftnl_set_elem_alloc();
			uint8_t lo[32], hi[32];

			memcpy(lo, a->ctr.a, alen);
			memcpy(lo + alen, r[j].lo, alen);
			memcpy(hi, a->ctr.a, alen);
			memcpy(hi + alen, r[j].hi, alen);
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, lo, alen * 2);
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END, hi, alen * 2);
			nftnl_set_elem_add(s, e);
			added++;
		}
		free(r);
	}
	if (added)
		nft_batch_elems(b, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, name);
	nftnl_set_free(s);
}

void fw_pub_sets(struct nft_batch *b, const struct fw_model *m, uint32_t *id)
{
	pub_maps(b, m, id);
	for (size_t i = 0; i < m->n; i++)
		for (int f = 0; f < 2; f++) {
			char name[64];
			int family = f ? AF_INET6 : AF_INET;

			allow_name(name, sizeof name, family, m->nets[i].bridge);
			allow_set(b, name, (*id)++, family, m->nets[i].allow, m->nets[i].n_allow);
		}
	epallow_set(b, (*id)++, AF_INET, m);
	epallow_set(b, (*id)++, AF_INET6, m);
}

/* fib daddr type local dnat ip to [ip daddr .] meta l4proto . th dport map @M */
static void dnat_rule(struct nft_batch *b, const char *chain, int family, bool any)
{
	struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_TABLE, chain);
	uint32_t slot = NFT_REG32_00;

	x_fib_local(r);
	x_nfproto(r, family);
	if (!any) {
		x_payload_to(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 16 : 24, family == AF_INET ? 4 : 16,
			     slot);
		slot += family == AF_INET ? 1 : 4;
	}
	x_meta(r, NFT_META_L4PROTO, slot);
	x_payload_to(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, slot + 1);
	x_lookup_map(r, pub_map(family, any), NFT_REG32_00, NFT_REG32_00);
	/* The data is address . port: the port follows the address's slots. */
	x_dnat(r, family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6, NFT_REG32_00,
	       family == AF_INET ? NFT_REG32_01 : NFT_REG32_04);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "dnat of published ports");
}

void fw_pub_nat_chains(struct nft_batch *b)
{
	static const struct {
		const char *name;
		uint32_t hook;
	} chains[] = { { "prerouting", NF_INET_PRE_ROUTING }, { "output", NF_INET_LOCAL_OUT } };

	for (size_t c = 0; c < 2; c++) {
		struct nftnl_chain *ch = nftnl_chain_alloc();

		nftnl_chain_set_u32(ch, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, FW_TABLE);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, chains[c].name);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, "nat");
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, chains[c].hook);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, -100); /* dstnat */
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
		nft_batch_chain(b, NFT_MSG_NEWCHAIN, ch, NLM_F_CREATE, chains[c].name);
		for (int f = 0; f < 2; f++)
			for (int any = 0; any < 2; any++)
				dnat_rule(b, chains[c].name, f ? AF_INET6 : AF_INET, any);
	}
}

static struct nftnl_rule *dnat_into(const char *bridge)
{
	struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_TABLE, "forward");

	x_ct_dnat(r);
	if (bridge)
		x_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, bridge);
	return r;
}

void fw_pub_forward_rules(struct nft_batch *b, const struct fw_model *m,
			  void (*admit)(struct nftnl_rule *r, uint32_t mark))
{
	struct nftnl_rule *r;

	for (size_t i = 0; i < m->n; i++) {
		const struct fw_network *n = &m->nets[i];

		if (n->icc) {
			r = dnat_into(n->bridge);
			x_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
			admit(r, m->mark);
			nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: hairpin");
		}
		for (int f = 0; f < 2; f++) {
			int family = f ? AF_INET6 : AF_INET;
			char name[64];

			allow_name(name, sizeof name, family, n->bridge);
			r = dnat_into(n->bridge);
			x_nfproto(r, family);
			x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 12 : 8, family == AF_INET ? 4 : 16);
			x_lookup(r, name, NFT_REG_1);
			admit(r, m->mark);
			nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: guardnet.allow");
		}
	}
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		uint32_t alen = family == AF_INET ? 4 : 16;

		r = dnat_into(NULL);
		x_nfproto(r, family);
		x_payload_to(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 16 : 24, alen, NFT_REG32_00);
		x_payload_to(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 12 : 8, alen,
			     NFT_REG32_00 + alen / 4);
		x_lookup(r, family == AF_INET ? "epallow4" : "epallow6", NFT_REG32_00);
		admit(r, m->mark);
		nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: endpoint guardnet.allow");
	}
	r = dnat_into(NULL);
	x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
	x_lookup(r, "bridges", NFT_REG_1);
	x_log_limited(r, LOG_PREFIX, LOG_PER_SECOND);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: log blocked");
	r = dnat_into(NULL);
	x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
	x_lookup(r, "bridges", NFT_REG_1);
	x_counter(r);
	x_verdict(r, NF_DROP);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: drop blocked");
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
