/*
 * The rules that keep traffic from going around guardnet's firewall
 * (spec/firewall-model.md, "Threat model"; issue 12).  In nft syntax:
 *
 *   map srcv { type ifname : verdict; }                     # B : jump src-B (fw-nft-net.c)
 *   set uplinks { type iface_index; }                       # the interfaces egress may leave by
 *
 *   chain raw-prerouting {
 *     type filter hook prerouting priority raw; policy accept;
 *     iif != "lo" ip daddr 127.0.0.0/8 counter drop         # a container or neighbour at the host's loopback
 *     iif != "lo" ip saddr 127.0.0.0/8 counter drop
 *     iif != "lo" ip6 daddr ::1 counter drop
 *     iif != "lo" ip6 saddr ::1 counter drop
 *     iifname vmap @srcv                                    # a network's sources: chain src-B
 *   }
 *   chain forward, after the networks' own rules (fw-nft-table.c):
 *     iifname @bridges oif != @uplinks ct status & dnat == 0 counter drop   # no way to any other interface
 *
 * Priority raw (-300) is before conntrack (-200): a dropped packet leaves
 * no conntrack entry; and before dstnat (-100), whose DNAT of 127.0.0.1:P
 * would otherwise turn a neighbour's frame into a routed packet before the
 * kernel's martian check.  The host's own 127.0.0.1:P connections are
 * DNATed in the output hook and masqueraded to the gateway address: their
 * answers arrive addressed to the gateway and are turned back into
 * 127.0.0.1 only at dstnat, so they pass (measured: at -150 the host gets
 * its page, at -90 it does not).
 *
 * Every per-network part is an element keyed by the bridge (srcv,
 * bridges) or the network's own chain src-B, never a rule of a base chain.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter/nf_conntrack_common.h>

#include "fw.h"
#include "fw-nft.h"

#define RAW_PRIORITY (-300)
#define IFINDEX_TYPE 20 /* nft's datatype id of iface_index */
#define LOOPBACK_IFINDEX 1 /* lo is interface 1 in every network namespace */

/* chain src-B, which raw-prerouting's iifname vmap @srcv jumps to: the
 * sources network n may send from are its subnets less its gateways
 * (Docker gives a subnet one gateway), and for IPv6 the link-local range
 * and ::, from which neighbour discovery, MLD and duplicate address
 * detection speak (the kernel never routes either off the link):
 *   ip6 saddr fe80::/10 return
 *   ip6 saddr :: return
 *   ip saddr G counter drop          # each gateway G
 *   ip saddr S return                # each subnet S
 *   meta nfproto ipv4 counter drop
 *   meta nfproto ipv6 counter drop
 * Rules and not a set per network: the kernel finds a set by name in a
 * list of every set of the table, at each rule that names one. */
static void src_rule(struct nft_batch *b, const char *chain, const struct gn_prefix *p, int family, int verdict)
{
	struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_TABLE, chain);

	if (p)
		x_saddr(r, p);
	else
		x_nfproto(r, family);
	if (verdict == NF_DROP)
		x_counter(r);
	x_verdict(r, verdict);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND,
		       verdict == NF_DROP ? "src-B: a source that is not the network's" : "src-B: the network's sources");
}

void fw_guard_src_chain(struct nft_batch *b, const struct fw_network *n)
{
	struct gn_prefix ll = { .addr = { .family = AF_INET6, .a = { 0xfe, 0x80 } }, .len = 10 };
	struct gn_prefix any = { .addr = { .family = AF_INET6 }, .len = 128 };
	char chain[64];

	snprintf(chain, sizeof chain, "src-%s", n->bridge);
	chain_new(b, chain, NULL, 0, 0);
	src_rule(b, chain, &ll, 0, NFT_RETURN);
	src_rule(b, chain, &any, 0, NFT_RETURN);
	for (size_t i = 0; i < n->n_gateways; i++) {
		struct gn_prefix g = { .addr = n->gateways[i], .len = n->gateways[i].family == AF_INET ? 32 : 128 };

		src_rule(b, chain, &g, 0, NF_DROP);
	}
	for (size_t i = 0; i < n->n_subnets; i++)
		src_rule(b, chain, &n->subnets[i], 0, NFT_RETURN);
	src_rule(b, chain, NULL, AF_INET, NF_DROP);
	src_rule(b, chain, NULL, AF_INET6, NF_DROP);
}

static struct nftnl_set *uplinks_set(void)
{
	struct nftnl_set *s = nftnl_set_alloc();

	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, "uplinks");
	return s;
}

static void uplink_elem(struct nftnl_set *s, uint32_t ifindex)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &ifindex, sizeof ifindex);
	nftnl_set_elem_add(s, e);
}

void fw_guard_sets(struct nft_batch *b, const struct fw_model *m, uint32_t *set_id)
{
	struct nftnl_set *s;

	/* An ifindex is a host-order integer (meta iif loads it so). */
	s = uplinks_set();
	set_key_host_order(s);
	nftnl_set_set_u32(s, NFTNL_SET_ID, (*set_id)++);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, IFINDEX_TYPE);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 4);
	nft_batch_set(b, NFT_MSG_NEWSET, s, NLM_F_CREATE, "set uplinks");
	for (size_t i = 0; i < m->n_uplinks; i++)
		uplink_elem(s, m->uplinks[i]);
	if (m->n_uplinks)
		nft_batch_elems(b, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, "elements of set uplinks");
	nftnl_set_free(s);
}

static bool has(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

void fw_guard_uplinks_delta(struct nft_batch *b, const uint32_t *from, size_t n_from, const uint32_t *to,
			    size_t n_to)
{
	struct nftnl_set *gone = uplinks_set(), *new = uplinks_set();
	size_t n_gone = 0, n_new = 0;

	for (size_t i = 0; i < n_from; i++)
		if (!has(to, n_to, from[i]) && ++n_gone)
			uplink_elem(gone, from[i]);
	for (size_t i = 0; i < n_to; i++)
		if (!has(from, n_from, to[i]) && ++n_new)
			uplink_elem(new, to[i]);
	if (n_gone)
		nft_batch_elems(b, NFT_MSG_DELSETELEM, gone, 0, "uplinks: removing interfaces");
	if (n_new)
		nft_batch_elems(b, NFT_MSG_NEWSETELEM, new, NLM_F_CREATE, "uplinks: adding interfaces");
	nftnl_set_free(gone);
	nftnl_set_free(new);
}

/* iif != "lo" ip daddr 127.0.0.0/8 counter drop, and the like. */
static void loopback_rule(struct nft_batch *b, const struct gn_prefix *p, bool dst)
{
	struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_TABLE, "raw-prerouting");
	uint32_t lo = LOOPBACK_IFINDEX;

	x_meta(r, NFT_META_IIF, NFT_REG_1);
	x_cmp(r, NFT_CMP_NEQ, &lo, sizeof lo);
	x_addr(r, p, dst);
	x_counter(r);
	x_verdict(r, NF_DROP);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND,
		       dst ? "raw-prerouting: loopback destinations from elsewhere than lo"
			   : "raw-prerouting: loopback sources from elsewhere than lo");
}

/* iifname vmap @srcv: a network's packets to its chain src-B. */
static void spoof_rule(struct nft_batch *b)
{
	struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_TABLE, "raw-prerouting");

	x_meta(r, NFT_META_IIFNAME, NFT_REG_1);
	x_lookup_map(r, "srcv", NFT_REG_1, NFT_REG_VERDICT);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND,
		       "raw-prerouting: a network's sources, in its chain src-B");
}

void fw_guard_raw_chain(struct nft_batch *b)
{
	struct gn_prefix lo4 = { .addr = { .family = AF_INET, .a = { 127 } }, .len = 8 };
	struct gn_prefix lo6 = { .addr = { .family = AF_INET6, .a = { [15] = 1 } }, .len = 128 };

	chain_new(b, "raw-prerouting", "filter", NF_INET_PRE_ROUTING, RAW_PRIORITY);
	loopback_rule(b, &lo4, true);
	loopback_rule(b, &lo4, false);
	loopback_rule(b, &lo6, true);
	loopback_rule(b, &lo6, false);
	spoof_rule(b);
}

void fw_guard_isolation(struct nft_batch *b)
{
	struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_TABLE, "forward");
	uint32_t bit = IPS_DST_NAT, zero = 0;

	x_meta(r, NFT_META_IIFNAME, NFT_REG_1);
	x_lookup(r, "bridges", NFT_REG_1);
	x_meta(r, NFT_META_OIF, NFT_REG_1);
	x_lookup_inv(r, "uplinks", NFT_REG_1);
	/* A DNATed connection to another interface is someone else's
	 * published port, which that one's rules decide.  "ct status !=
	 * dnat" would compare the whole status word. */
	x_ct(r, NFT_CT_STATUS, NFT_REG_1);
	x_bitwise(r, &bit, &zero, sizeof bit);
	x_cmp(r, NFT_CMP_EQ, &zero, sizeof zero);
	x_counter(r);
	x_verdict(r, NF_DROP);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND,
		       "forward: from a network to an interface that is not an uplink");
}
