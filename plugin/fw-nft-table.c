/*
 * guardnet's ruleset on nf_tables hosts.  In nft syntax, with M the
 * configured mark and one block per network (bridge B, subnets S):
 *
 *   table inet guardnet {
 *     (the sets every network's rules share, keyed by bridge or subnet:
 *     fw-nft-net.c; uplinks, raw-prerouting and chain src:
 *     fw-nft-guard.c; published ports' maps and chains: fw-nft-pub*.c)
 *     chain forward {
 *       type filter hook forward priority filter - 10; policy accept;
 *       ct mark & M == M meta mark set mark | M accept        # admitted earlier
 *       ct status dnat oifname @bridges goto pub               # published ports: chain pub
 *       iifname . oifname @icc_open ct state untracked meta mark set mark | M accept   # ND
 *       iifname . oifname @icc_open ct mark set ct mark | M meta mark set mark | M accept
 *       iifname . oifname @icc_closed drop
 *       iifname @bridges oif != @uplinks ct status & dnat == 0 drop   # nowhere but out (fw-nft-guard.c)
 *       iifname @internal drop                                 # internal: no way out
 *       iifname @ext ct mark set ct mark | M meta mark set mark | M accept   # egress
 *       oifname @bridges drop                                  # nothing else comes in
 *       iifname @bridges drop                                  # nothing else goes out
 *     }
 *     chain postrouting { type nat hook postrouting priority srcnat; policy accept;
 *       (masquerade: postrouting_rules below) }
 *   }
 *
 * No rule names a network: adding or removing one changes elements (and,
 * for a network with a guardnet.allow, its chain allow-B and two sets),
 * whatever the number of others.
 *
 * Accepting here is not final: iptables' FORWARD chain (policy DROP under
 * Docker) sees the packet next, so guardnet keeps one rule there,
 * "-m mark --mark M/M -j ACCEPT -m comment --comment guardnet", in
 * DOCKER-USER, written in the encoding iptables-nft itself uses so that
 * iptables, dockerd and ufw can still list, check and save the chain
 * (design.md section 4; research/c-libs.md section 2).  Dropping here is
 * final whatever iptables says.
 */
#include <stdio.h>
#include <string.h>

#include <libnftnl/udata.h>
#include <linux/netfilter/nf_conntrack_common.h>

#include "fw.h"
#include "fw-nft.h"

/* Before iptables' filter chains (priority 0), so the mark is in place. */
#define FORWARD_PRIORITY (-10)
#define SRCNAT_PRIORITY 100

static struct nftnl_table *table_new(void)
{
	struct nftnl_table *t = nftnl_table_alloc();

	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, FW_TABLE);
	return t;
}

/* The table with its content: its comment names the UFW tables that go
 * with it, so that a check without guardnetd knows whether a missing
 * table ip guardnet is a difference (ctl/check.c). */
static struct nftnl_table *table_full(const struct fw_model *m)
{
	struct nftnl_table *t = table_new();
	struct nftnl_udata_buf *ud;
	char comment[64];

	if (!fw_ufw_table_wanted(m, NFPROTO_IPV4))
		return t;
	snprintf(comment, sizeof comment, FW_UFW_TABLES_COMMENT "ip%s",
		 fw_ufw_table_wanted(m, NFPROTO_IPV6) ? ",ip6" : "");
	ud = nftnl_udata_buf_alloc(sizeof comment + 8);
	if (ud && nftnl_udata_put_strz(ud, NFTNL_UDATA_TABLE_COMMENT, comment))
		nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return t;
}

static struct nftnl_rule *fwd_rule(void)
{
	return rule_new(NFPROTO_INET, FW_TABLE, "forward");
}

/* ... ct mark set ct mark | M meta mark set mark | M accept */
void fw_admit(struct nftnl_rule *r, uint32_t mark)
{
	x_set_mark_bits(r, true, mark);
	x_set_mark_bits(r, false, mark);
	x_counter(r);
	x_verdict(r, NF_ACCEPT);
}

static void add_rule(struct nft_batch *b, struct nftnl_rule *r, const char *what)
{
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, what);
}

/* What stays within a network's bridge (iifname . oifname B . B):
 * containers talking to each other, unless guardnet.icc=false. */
static void icc_rules(struct nft_batch *b, uint32_t mark)
{
	uint32_t untracked = NF_CT_STATE_UNTRACKED_BIT, zero = 0;
	struct nftnl_rule *r;

	/* Neighbour discovery is not tracked, and a ct mark rule stops at
	 * the first untracked packet: admit those by packet mark. */
	r = fwd_rule();
	x_iif_oif_names(r);
	x_lookup(r, "icc_open", NFT_REG_1);
	x_ct(r, NFT_CT_STATE, NFT_REG_1);
	x_bitwise(r, &untracked, &zero, sizeof untracked);
	x_cmp(r, NFT_CMP_NEQ, &zero, sizeof zero);
	x_set_mark_bits(r, false, mark);
	x_verdict(r, NF_ACCEPT);
	add_rule(b, r, "forward: untracked within a bridge");
	r = fwd_rule();
	x_iif_oif_names(r);
	x_lookup(r, "icc_open", NFT_REG_1);
	fw_admit(r, mark);
	add_rule(b, r, "forward: within a bridge");
	r = fwd_rule();
	x_iif_oif_names(r);
	x_lookup(r, "icc_closed", NFT_REG_1);
	x_counter(r);
	x_verdict(r, NF_DROP);
	add_rule(b, r, "forward: within a bridge, guardnet.icc=false");
}

/* iifname|oifname @set [counter] verdict, or the admitting one. */
static void ifname_rule(struct nft_batch *b, uint32_t key, const char *set, int verdict, uint32_t mark,
			const char *what)
{
	struct nftnl_rule *r = fwd_rule();

	x_meta(r, key, NFT_REG_1);
	x_lookup(r, set, NFT_REG_1);
	if (verdict == NF_ACCEPT) {
		fw_admit(r, mark);
	} else {
		x_counter(r);
		x_verdict(r, verdict);
	}
	add_rule(b, r, what);
}

/* What leaves a network for an uplink (egress) and what enters it.  By
 * now a packet from a bridge goes to an uplink (fw-nft-guard.c) and one
 * into a bridge comes from elsewhere (DNATed ones went to chain pub). */
static void edge_rules(struct nft_batch *b, uint32_t mark)
{
	ifname_rule(b, NFT_META_IIFNAME, "internal", NF_DROP, mark, "forward: leaving an internal network");
	ifname_rule(b, NFT_META_IIFNAME, "ext", NF_ACCEPT, mark, "forward: leaving a network");
	ifname_rule(b, NFT_META_OIFNAME, "bridges", NF_DROP, mark, "forward: entering a network");
}

/* The source address of family into reg1 (with the family checked). */
static void x_saddr_load(struct nftnl_rule *r, int family, uint32_t dreg)
{
	x_nfproto(r, family);
	x_payload_to(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 12 : 8, family == AF_INET ? 4 : 16, dreg);
}

static struct nftnl_rule *post_rule(void)
{
	return rule_new(NFPROTO_INET, FW_TABLE, "postrouting");
}

/* The nat postrouting chain:
 *   ip saddr 127.0.0.0/8 oifname @ext masquerade             # the host's 127.0.0.1:P
 *   ct status dnat oifname @bridges ip saddr @masq4 masquerade   # to a published port from a network
 *   ct status dnat oifname . ip saddr @hair4 masquerade       # hairpin of a network not masqueraded
 *   oifname @bridges accept                                  # into a network: nothing else
 *   ip saddr @masq4 masquerade                               # leaving the host
 * (and ip6).  Hairpin: a container reaching its own network's published
 * port must get the answer back through the host, not straight over the
 * bridge; a container of another network reaching it is masqueraded as
 * it is on the way out.  Into a network nothing else is: its own traffic
 * (bridged, br_netfilter) keeps its addresses, and so does a client from
 * outside.  No rule names a network: adding one changes elements. */
static void postrouting_rules(struct nft_batch *b)
{
	struct gn_prefix lo4 = { .addr = { .family = AF_INET, .a = { 127 } }, .len = 8 };
	struct nftnl_rule *r;

	/* The host's own connections to 127.0.0.1:P leave through the bridge
	 * with a loopback source (route_localnet); give them the gateway's. */
	r = post_rule();
	x_saddr(r, &lo4);
	x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
	x_lookup(r, "ext", NFT_REG_1);
	x_counter(r);
	x_masq(r);
	add_rule(b, r, "postrouting: loopback");
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;

		r = post_rule();
		x_ct_dnat(r);
		x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
		x_lookup(r, "bridges", NFT_REG_1);
		x_saddr_load(r, family, NFT_REG_1);
		x_lookup(r, f ? "masq6" : "masq4", NFT_REG_1);
		x_counter(r);
		x_masq(r);
		add_rule(b, r, "postrouting: to a published port from a network");
		r = post_rule();
		x_ct_dnat(r);
		x_saddr_load(r, family, NFT_REG_2);
		x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
		x_lookup(r, f ? "hair6" : "hair4", NFT_REG_1);
		x_counter(r);
		x_masq(r);
		add_rule(b, r, "postrouting: hairpin of a network not masqueraded");
	}
	r = post_rule();
	x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
	x_lookup(r, "bridges", NFT_REG_1);
	x_verdict(r, NF_ACCEPT);
	add_rule(b, r, "postrouting: into a network");
	for (int f = 0; f < 2; f++) {
		r = post_rule();
		x_saddr_load(r, f ? AF_INET6 : AF_INET, NFT_REG_1);
		x_lookup(r, f ? "masq6" : "masq4", NFT_REG_1);
		x_counter(r);
		x_masq(r);
		add_rule(b, r, "postrouting: masquerade");
	}
}

/* Whatever a network sends that no rule above let out: untracked packets
 * (the egress rule reads conntrack and stops at them) to anywhere. */
static void nothing_else_leaves(struct nft_batch *b)
{
	struct nftnl_rule *r = fwd_rule();

	x_meta(r, NFT_META_IIFNAME, NFT_REG_1);
	x_lookup(r, "bridges", NFT_REG_1);
	x_counter(r);
	x_verdict(r, NF_DROP);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: nothing else leaves a network");
}

/* The table, replaced whole: create (so that delete cannot fail), delete,
 * create again with its content, all inside the caller's transaction. */
void fw_nft_table(struct nft_batch *b, const struct fw_model *m)
{
	struct nftnl_rule *r;
	uint32_t mark = m->mark, set_id = 1;

	nft_batch_table(b, NFT_MSG_NEWTABLE, table_new(), NLM_F_CREATE, "table inet guardnet");
	nft_batch_table(b, NFT_MSG_DELTABLE, table_new(), 0, "table inet guardnet (replace)");
	fw_ufw_tables(b, m, fw_admit);
	if (!m->n)
		return;
	nft_batch_table(b, NFT_MSG_NEWTABLE, table_full(m), NLM_F_CREATE, "table inet guardnet");
	fw_net_sets(b, m, NFPROTO_INET, &set_id, false);
	fw_guard_sets(b, m, &set_id);
	fw_pub_sets(b, m, &set_id);
	for (size_t i = 0; i < m->n; i++)
		fw_net_objects(b, m, &m->nets[i], &set_id, fw_admit);
	fw_net_sets(b, m, NFPROTO_INET, &set_id, true);
	fw_guard_raw_chain(b);
	fw_pub_nat_chains(b);
	fw_pub_chain(b, m, fw_admit);
	chain_new(b, "forward", "filter", NF_INET_FORWARD, FORWARD_PRIORITY);
	chain_new(b, "postrouting", "nat", NF_INET_POST_ROUTING, SRCNAT_PRIORITY);

	r = fwd_rule();
	x_ct(r, NFT_CT_MARK, NFT_REG_1);
	x_bitwise(r, &mark, &(uint32_t){ 0 }, sizeof mark);
	x_cmp(r, NFT_CMP_EQ, &mark, sizeof mark);
	x_set_mark_bits(r, false, mark);
	x_verdict(r, NF_ACCEPT);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: admitted connections");
	fw_pub_forward_rule(b);
	icc_rules(b, mark);
	fw_guard_isolation(b);
	edge_rules(b, mark);
	nothing_else_leaves(b);
	postrouting_rules(b);
}
