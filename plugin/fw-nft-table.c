/*
 * guardnet's ruleset on nf_tables hosts.  In nft syntax, with M the
 * configured mark and one block per network (bridge B, subnets S):
 *
 *   table inet guardnet {
 *     set bridges { type ifname; elements = { every guardnet bridge } }
 *     chain forward {
 *       type filter hook forward priority filter - 10; policy accept;
 *       ct mark & M == M meta mark set mark | M accept       # admitted earlier
 *       iifname B oifname B ct state untracked meta mark set mark | M accept        # icc=true: ND
 *       iifname B oifname B ct mark set ct mark | M meta mark set mark | M accept   # icc=true
 *       iifname B oifname B drop                                                    # icc=false
 *       iifname B oifname @bridges drop                      # networks are apart
 *       iifname B drop                                       # internal: no way out
 *       iifname B ct mark set ct mark | M meta mark set mark | M accept              # egress
 *       oifname B drop                                       # nothing else comes in
 *     }
 *     chain postrouting {
 *       type nat hook postrouting priority srcnat; policy accept;
 *       ip saddr S oifname != B masquerade                   # not for internal networks
 *     }
 *   }
 *
 * Accepting here is not final: iptables' FORWARD chain (policy DROP under
 * Docker) sees the packet next, so guardnet keeps one rule there,
 * "-m mark --mark M/M -j ACCEPT -m comment --comment guardnet", in
 * DOCKER-USER, written in the encoding iptables-nft itself uses so that
 * iptables, dockerd and ufw can still list, check and save the chain
 * (design.md section 4; research/c-libs.md section 2).  Dropping here is
 * final whatever iptables says.
 */
#include <string.h>

#include <libnftnl/udata.h>
#include <linux/netfilter/nf_conntrack_common.h>

#include "fw.h"
#include "fw-nft.h"

/* Before iptables' filter chains (priority 0), so the mark is in place. */
#define FORWARD_PRIORITY (-10)
#define SRCNAT_PRIORITY 100
#define IFNAME_TYPE 41 /* nft's datatype id for ifname: how `nft list` prints it */
#define BYTEORDER_HOST_ENDIAN 1 /* nft's enum byteorder */

static struct nftnl_table *table_new(void)
{
	struct nftnl_table *t = nftnl_table_alloc();

	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, FW_TABLE);
	return t;
}

static void bridges_set(struct nft_batch *b, const struct fw_model *m)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_udata_buf *ud;

	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, "bridges");
	nftnl_set_set_u32(s, NFTNL_SET_ID, 100);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, IFNAME_TYPE);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 16);
	/* nft reads names in host byte order; without this it lists them empty. */
	ud = nftnl_udata_buf_alloc(32);
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, BYTEORDER_HOST_ENDIAN);
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	nft_batch_set(b, NFT_MSG_NEWSET, s, NLM_F_CREATE, "set bridges");
	for (size_t i = 0; i < m->n; i++) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		char key[16] = { 0 };

		strncpy(key, m->nets[i].bridge, sizeof key - 1);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, sizeof key);
		nftnl_set_elem_add(s, e);
	}
	if (m->n)
		nft_batch_elems(b, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, "elements of set bridges");
	nftnl_set_free(s);
}

static struct nftnl_rule *fwd_rule(void)
{
	return rule_new(NFPROTO_INET, FW_TABLE, "forward");
}

/* ... ct mark set ct mark | M meta mark set mark | M accept */
static void admit(struct nftnl_rule *r, uint32_t mark)
{
	x_set_mark_bits(r, true, mark);
	x_set_mark_bits(r, false, mark);
	x_counter(r);
	x_verdict(r, NF_ACCEPT);
}

static void network_rules(struct nft_batch *b, const struct fw_network *n, uint32_t mark)
{
	struct nftnl_rule *r;

	if (n->icc) {
		/* Neighbour discovery is not tracked, and a ct mark rule stops
		 * at the first untracked packet: admit those by packet mark. */
		uint32_t untracked = NF_CT_STATE_UNTRACKED_BIT, zero = 0;

		r = fwd_rule();
		x_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
		x_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
		x_ct(r, NFT_CT_STATE, NFT_REG_1);
		x_bitwise(r, &untracked, &zero, sizeof untracked);
		x_cmp(r, NFT_CMP_NEQ, &zero, sizeof zero);
		x_set_mark_bits(r, false, mark);
		x_verdict(r, NF_ACCEPT);
		nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: untracked within a bridge");
	}
	r = fwd_rule();
	x_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
	x_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	if (n->icc) {
		admit(r, mark);
	} else {
		x_counter(r);
		x_verdict(r, NF_DROP);
	}
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: within a bridge");

	r = fwd_rule();
	x_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
	x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
	x_lookup(r, "bridges", NFT_REG_1);
	x_counter(r);
	x_verdict(r, NF_DROP);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: between networks");

	r = fwd_rule();
	x_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
	if (n->internal) {
		x_counter(r);
		x_verdict(r, NF_DROP);
	} else {
		admit(r, mark);
	}
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: leaving a network");

	r = fwd_rule();
	x_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	x_counter(r);
	x_verdict(r, NF_DROP);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: entering a network");

	if (!n->internal)
		fw_pub_postrouting_rules(b, n);
	for (size_t i = 0; !n->internal && i < n->n_subnets; i++) {
		r = rule_new(NFPROTO_INET, FW_TABLE, "postrouting");
		x_saddr(r, &n->subnets[i]);
		x_ifname(r, NFT_META_OIFNAME, NFT_CMP_NEQ, n->bridge);
		x_counter(r);
		x_masq(r);
		nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "postrouting: masquerade");
	}
}

/* Docker's own bridges (docker0, docker_gwbridge, br-<id>) are kept apart
 * from guardnet's networks in both directions; the other direction is
 * covered by each network's "oifname B drop". */
static void docker_bridges(struct nft_batch *b)
{
	static const char *prefixes[] = { "docker", "br-" };

	for (size_t i = 0; i < 2; i++) {
		struct nftnl_rule *r = fwd_rule();

		x_meta(r, NFT_META_IIFNAME, NFT_REG_1);
		x_lookup(r, "bridges", NFT_REG_1);
		x_ifname_prefix(r, NFT_META_OIFNAME, prefixes[i]);
		x_counter(r);
		x_verdict(r, NF_DROP);
		nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: Docker's bridges");
	}
}

/* The table, replaced whole: create (so that delete cannot fail), delete,
 * create again with its content, all inside the caller's transaction. */
void fw_nft_table(struct nft_batch *b, const struct fw_model *m)
{
	struct nftnl_rule *r;
	uint32_t mark = m->mark, set_id = 1;

	nft_batch_table(b, NFT_MSG_NEWTABLE, table_new(), NLM_F_CREATE, "table inet guardnet");
	nft_batch_table(b, NFT_MSG_DELTABLE, table_new(), 0, "table inet guardnet (replace)");
	if (!m->n)
		return;
	nft_batch_table(b, NFT_MSG_NEWTABLE, table_new(), NLM_F_CREATE, "table inet guardnet");
	bridges_set(b, m);
	fw_pub_sets(b, m, &set_id);
	fw_pub_nat_chains(b);
	chain_new(b, "forward", "filter", NF_INET_FORWARD, FORWARD_PRIORITY);
	chain_new(b, "postrouting", "nat", NF_INET_POST_ROUTING, SRCNAT_PRIORITY);

	r = fwd_rule();
	x_ct(r, NFT_CT_MARK, NFT_REG_1);
	x_bitwise(r, &mark, &(uint32_t){ 0 }, sizeof mark);
	x_cmp(r, NFT_CMP_EQ, &mark, sizeof mark);
	x_set_mark_bits(r, false, mark);
	x_verdict(r, NF_ACCEPT);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: admitted connections");
	fw_pub_forward_rules(b, m, &set_id, admit);
	docker_bridges(b);
	for (size_t i = 0; i < m->n; i++)
		network_rules(b, &m->nets[i], mark);
}
