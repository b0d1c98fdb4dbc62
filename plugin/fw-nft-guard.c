/*
 * The rules that keep traffic from going around guardnet's firewall
 * (spec/firewall-model.md, "Threat model"; issue 12).  In nft syntax:
 *
 *   set uplinks { type iface_index; }                       # the interfaces egress may leave by
 *
 *   chain raw-prerouting {
 *     type filter hook prerouting priority raw; policy accept;
 *     iif != "lo" ip daddr 127.0.0.0/8 counter drop         # a container or neighbour at the host's loopback
 *     iif != "lo" ip saddr 127.0.0.0/8 counter drop
 *     iif != "lo" ip6 daddr ::1 counter drop
 *     iif != "lo" ip6 saddr ::1 counter drop
 *     iifname @bridges jump src                             # a network's sources: chain src below
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
 * A network's part here is its element in set bridges (fw-nft-net.c):
 * no rule, chain or set of its own.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter/nf_conntrack_common.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>

#include "fw.h"
#include "fw-nft.h"

#define RAW_PRIORITY (-300)
#define IFINDEX_TYPE 20 /* nft's datatype id of iface_index */
#define LOOPBACK_IFINDEX 1 /* lo is interface 1 in every network namespace */

/* chain src, which raw-prerouting jumps to for whatever comes in from a
 * guardnet bridge: a source is the network's own when the host would send
 * the answer back out of that bridge (strict reverse path, as rp_filter=1,
 * but on a bridge whose rp_filter Docker leaves at 0).  The bridge holds
 * its gateway address with the subnet's length, so the kernel's route to
 * the subnet is the bridge's connected one; another network's subnet, an
 * outside address and the host's own addresses (a gateway: a local route,
 * which fib reports as no interface) fail.  For IPv6 the link-local range
 * and ::, from which neighbour discovery, MLD and duplicate address
 * detection speak (the kernel never routes either off the link), pass
 * first, also on a network without IPv6:
 *   icmpv6 type nd-router-advert counter drop
 *   icmpv6 type nd-redirect counter drop
 *   ip6 saddr fe80::/10 return
 *   ip6 saddr :: return
 *   ip saddr 0.0.0.0/8 counter drop
 *   meta nfproto ipv4 fib saddr . iif oif missing counter drop
 *   meta nfproto ipv6 fib saddr . iif oif missing counter drop
 * Routes decide, so nothing a container sends may change the host's: a
 * router advertisement the bridge accepted (accept_ra=2, or 1 while IPv6
 * forwarding is off) would add a route through the bridge for any prefix,
 * and with it make any source the network's.  0.0.0.0 to the broadcast
 * address is one the kernel's fib lets pass as arriving where it came
 * from (a DHCP client's); no container sends it.
 * One chain for every network, and no rule or element of a network's own:
 * a chain per network (its subnets as rules) made the kernel validate one
 * more chain at every transaction that adds a rule (issue 17). */
/* ip[6] saddr P return, or counter drop. */
static void src_prefix_rule(struct nft_batch *b, const struct gn_prefix *p, int verdict, const char *what)
{
	struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_TABLE, "src");

	x_saddr(r, p);
	if (verdict == NF_DROP)
		x_counter(r);
	x_verdict(r, verdict);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, what);
}

/* meta nfproto F fib saddr . iif oif missing counter drop */
static void src_route_rule(struct nft_batch *b, int family)
{
	struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_TABLE, "src");

	x_nfproto(r, family);
	x_fib_rpf_missing(r);
	x_counter(r);
	x_verdict(r, NF_DROP);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND,
		       "src: a source the host would not answer by that bridge");
}

/* icmpv6 type T counter drop */
static void no_routes_rule(struct nft_batch *b, uint8_t type)
{
	struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_TABLE, "src");
	uint8_t icmpv6 = IPPROTO_ICMPV6;

	x_nfproto(r, AF_INET6);
	x_meta(r, NFT_META_L4PROTO, NFT_REG_1);
	x_cmp(r, NFT_CMP_EQ, &icmpv6, sizeof icmpv6);
	x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
	x_cmp(r, NFT_CMP_EQ, &type, sizeof type);
	x_counter(r);
	x_verdict(r, NF_DROP);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND,
		       "src: a container's router advertisement or redirect");
}

static void src_chain(struct nft_batch *b)
{
	struct gn_prefix ll = { .addr = { .family = AF_INET6, .a = { 0xfe, 0x80 } }, .len = 10 };
	struct gn_prefix any = { .addr = { .family = AF_INET6 }, .len = 128 };
	struct gn_prefix zero = { .addr = { .family = AF_INET }, .len = 8 };

	chain_new(b, "src", NULL, 0, 0);
	no_routes_rule(b, ND_ROUTER_ADVERT);
	no_routes_rule(b, ND_REDIRECT);
	src_prefix_rule(b, &ll, NFT_RETURN, "src: link-local sources");
	src_prefix_rule(b, &any, NFT_RETURN, "src: link-local sources");
	src_prefix_rule(b, &zero, NF_DROP, "src: the source 0.0.0.0/8");
	src_route_rule(b, AF_INET);
	src_route_rule(b, AF_INET6);
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

/* iifname @bridges jump src: a network's packets to the source check. */
static void spoof_rule(struct nft_batch *b)
{
	struct nftnl_rule *r = rule_new(NFPROTO_INET, FW_TABLE, "raw-prerouting");

	x_meta(r, NFT_META_IIFNAME, NFT_REG_1);
	x_lookup(r, "bridges", NFT_REG_1);
	x_jump(r, NFT_JUMP, "src");
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND,
		       "raw-prerouting: a network's sources, in chain src");
}

void fw_guard_raw_chain(struct nft_batch *b)
{
	struct gn_prefix lo4 = { .addr = { .family = AF_INET, .a = { 127 } }, .len = 8 };
	struct gn_prefix lo6 = { .addr = { .family = AF_INET6, .a = { [15] = 1 } }, .len = 128 };

	src_chain(b);
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
