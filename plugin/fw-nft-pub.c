/*
 * Published ports' rules in guardnet's table (their sets and maps:
 * fw-nft-pub-sets.c).  In nft syntax:
 *
 *   map pub4 { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service }  # one host address
 *   map any4 { type inet_proto . inet_service : ipv4_addr . inet_service }              # every local address
 *   (pub6 and any6 alike)
 *   set allowh4, allowh6 { type ifname . ipv4_addr / ipv6_addr }               # guardnet.allow's single addresses, B . address
 *   map allowv { type ifname : verdict }                     # B : jump allow-B, networks with a guardnet.allow
 *   set allow4-B, allow6-B { type ipv4_addr / ipv6_addr; flags interval }      # its ranges
 *   map epav4, epav6 { type ifname . ipv4_addr : verdict }   # B . container : jump epa4-E (fw-nft-epallow.c)
 *
 *   chain prerouting { type nat hook prerouting priority dstnat      # and chain output, the host's own
 *     fib daddr type local ip daddr . meta l4proto . th dport @pub4 fib saddr . iif oif missing drop
 *     (and @any4, @pub6, @any6: a published port's sources on the strict reverse path, prerouting only)
 *     fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @pub4
 *     fib daddr type local dnat ip to meta l4proto . th dport map @any4
 *     ...the same for ip6, with ip6 daddr != ::1 (the relay's) }
 *   chain forward (in front of the networks' rules, fw-nft-table.c):
 *     ct status dnat oifname @bridges goto pub
 *   chain pub {                                # in the order of admit.h's table; oifname is B
 *     iifname . oifname @icc_open admit        # hairpin from B itself, when B's icc is on
 *     oifname . ip saddr @allowh4 admit        # and ip6
 *     oifname vmap @allowv                     # B's ranges: chain allow-B
 *     oifname . ip daddr vmap @epav4           # and ip6: the endpoint's own chain
 *     [oifname @ufw_nets admit]                # UFW's default incoming policy allow
 *     limit rate 10/second log prefix "[GUARDNET BLOCK] "
 *     [oifname @ufw_nets reject]               # UFW's default incoming policy reject
 *     drop                                     # (each per family)
 *   }
 *   chain allow-B { ip saddr @allow4-B admit; ip6 saddr @allow6-B admit }
 *
 * UFW's rules decided before this chain, in tables ip and ip6 guardnet
 * (fw-nft-ufw.c): what they admitted, dropped or rejected never gets here.
 *
 * The DNAT decision is made on the original destination (host address,
 * protocol, port) before the packet is rewritten; the forward chain then
 * only asks who sent it.  Connections from the host itself take the output
 * hook and never cross forward: the host is always admitted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "admit.h"
#include "fw.h"
#include "fw-nft.h"

#define LOG_PREFIX "[GUARDNET BLOCK] "
#define LOG_PER_SECOND 10

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
	x_lookup_map(r, fw_pub_map(family, any), NFT_REG32_00, NFT_REG32_00);
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
	x_lookup(r, fw_pub_map(family, any), NFT_REG32_00);
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

/* The end of chain pub: nothing admitted the connection.  Dropped, but
 * for a network under UFW, whose default incoming policy decides (for
 * IPv6 only when UFW manages IPv6); set ufw_nets holds those networks. */
static void final_verdict(struct nft_batch *b, const struct fw_model *m,
			  void (*admit)(struct nftnl_rule *r, uint32_t mark))
{
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		enum ufw_policy p = UFW_POLICY_DROP;
		struct nftnl_rule *r;

		if (m->ufw && (family == AF_INET || m->ufw->ipv6))
			p = m->ufw->in_policy;
		if (p == UFW_POLICY_ACCEPT) {
			r = in_chain("pub");
			x_nfproto(r, family);
			x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
			x_lookup(r, "ufw_nets", NFT_REG_1);
			admit(r, m->mark);
			add_rule(b, r, "forward: UFW default policy allow");
		}
		r = in_chain("pub");
		x_nfproto(r, family);
		x_log_limited(r, LOG_PREFIX, LOG_PER_SECOND);
		add_rule(b, r, "forward: log blocked");
		if (p == UFW_POLICY_REJECT) {
			r = in_chain("pub");
			x_nfproto(r, family);
			x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
			x_lookup(r, "ufw_nets", NFT_REG_1);
			x_counter(r);
			x_reject(r, false);
			add_rule(b, r, "forward: blocked, UFW default policy reject");
		}
		r = in_chain("pub");
		x_nfproto(r, family);
		x_counter(r);
		x_verdict(r, NF_DROP);
		add_rule(b, r, "forward: blocked");
	}
}

/*   oifname . ip saddr @allowh4 admit        (a network's single addresses)
 *   oifname vmap @allowv                     (its ranges: jump allow-B)
 *   oifname . ip daddr vmap @epav4           (the endpoint's: jump epa4-E)
 * and the same for ip6.  In chain pub, oifname is the network's bridge. */
static void allow_rules(struct nft_batch *b, const struct fw_model *m, const struct admit_rule *a,
			void (*admit)(struct nftnl_rule *r, uint32_t mark))
{
	struct nftnl_rule *r;

	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		uint32_t alen = family == AF_INET ? 4 : 16;

		r = in_chain("pub");
		x_nfproto(r, family);
		x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
		if (a->step == ADMIT_NET_ALLOW) {
			x_payload_to(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 12 : 8, alen, NFT_REG_2);
			x_lookup(r, family == AF_INET ? "allowh4" : "allowh6", NFT_REG_1);
			admit(r, m->mark);
		} else {
			/* The endpoint's chain admits, or returns here.  The key
			 * tells apart equal addresses of two networks
			 * (fw-nft-epallow.c). */
			x_payload_to(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 16 : 24, alen, NFT_REG_2);
			x_lookup_map(r, family == AF_INET ? "epav4" : "epav6", NFT_REG_1, NFT_REG_VERDICT);
		}
		add_rule(b, r, a->what);
	}
	if (a->step != ADMIT_NET_ALLOW)
		return;
	r = in_chain("pub");
	x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
	x_lookup_map(r, "allowv", NFT_REG_1, NFT_REG_VERDICT);
	add_rule(b, r, a->what);
}

/* Chain pub decides for every connection DNATed into a guardnet bridge,
 * in the order of admit_order (admit.h), which explain walks too.  What
 * differs between networks is an element of a set the rules share (the
 * hairpin's icc_open, B . B; allowh4; allowv; epav4; ufw_nets), so that a
 * network adds no rule: a chain per network made the kernel validate one
 * more chain at every transaction that adds a rule (issue 17). */
void fw_pub_chain(struct nft_batch *b, const struct fw_model *m, void (*admit)(struct nftnl_rule *r, uint32_t mark))
{
	struct nftnl_rule *r;

	chain_new(b, "pub", NULL, 0, 0);
	for (size_t i = 0; i < admit_steps; i++) {
		const struct admit_rule *a = &admit_order[i];

		if (!a->in_chain)
			continue;
		switch (a->step) {
		case ADMIT_HOST:
		case ADMIT_UFW_IN:
		case ADMIT_UFW_ROUTE:
			/* The host never crosses forward; UFW decided before
			 * this chain, in tables ip and ip6 guardnet
			 * (fw-nft-ufw.c): admit.c marks them so. */
			break;
		case ADMIT_HAIRPIN:
			/* From B itself into B, when B's icc is on. */
			r = in_chain("pub");
			x_iif_oif_names(r);
			x_lookup(r, "icc_open", NFT_REG_1);
			admit(r, m->mark);
			add_rule(b, r, a->what);
			break;
		case ADMIT_NET_ALLOW:
		case ADMIT_EP_ALLOW:
			allow_rules(b, m, a, admit);
			break;
		case ADMIT_FINAL:
			final_verdict(b, m, admit);
			break;
		}
	}
}

/* Chain allow-B, for a network with a guardnet.allow only (map allowv's
 * element for B jumps here):
 *   ip saddr @allow4-B admit
 *   ip6 saddr @allow6-B admit */
void fw_pub_allow_chain(struct nft_batch *b, const struct fw_network *n, uint32_t mark,
			void (*admit)(struct nftnl_rule *r, uint32_t mark))
{
	char chain[64], name[64];

	fw_pub_allow_chain_name(chain, sizeof chain, n->bridge);
	chain_new(b, chain, NULL, 0, 0);
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		struct nftnl_rule *r = in_chain(chain);

		x_nfproto(r, family);
		fw_pub_allow_name(name, sizeof name, family, n->bridge);
		x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 12 : 8, family == AF_INET ? 4 : 16);
		x_lookup(r, name, NFT_REG_1);
		admit(r, mark);
		add_rule(b, r, "forward: guardnet.allow");
	}
}

/* ct status dnat oifname @bridges goto pub */
void fw_pub_forward_rule(struct nft_batch *b)
{
	struct nftnl_rule *r = in_chain("forward");

	x_ct_dnat(r);
	x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
	x_lookup(r, "bridges", NFT_REG_1);
	x_jump(r, NFT_GOTO, "pub");
	add_rule(b, r, "forward: published ports");
}
