/*
 * guardnet's rules in iptables' forward path on nf_tables hosts (fw.h,
 * struct fw_hook):
 *
 *   -I DOCKER-USER -m mark --mark M/M -m comment --comment guardnet -j ACCEPT
 *   -I DOCKER-USER 2 -m devgroup --dst-group G -m comment --comment guardnet -j DROP
 *   -I DOCKER-USER 3 -m devgroup --src-group G -m comment --comment guardnet -j DROP
 *
 * in "ip filter" and "ip6 filter": in DOCKER-USER while FORWARD jumps to
 * it (Docker's iptables backend), otherwise in FORWARD, which guardnet
 * makes as iptables-nft would (type filter hook forward priority 0, policy
 * accept) where nothing made it and legacy iptables does not hold that
 * family's filter table.  `iptables -F` removes FORWARD's jump to
 * DOCKER-USER until dockerd restarts: rules left there would never be
 * reached, so they move to FORWARD.
 *
 * Each is encoded as iptables-nft 1.8.9 encodes it, so iptables -S lists
 * it and dockerd's and ufw's iptables calls keep working (research/c-libs.md
 * section 2): the mark natively (meta mark, bitwise, cmp), the device group
 * as an xt match (iptables-nft has no native form for -m devgroup), the
 * comment as rule userdata, a counter, the verdict.  The chains belong to
 * iptables: guardnet adds and removes only its own rules (and makes
 * FORWARD where there was none).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/udata.h>
#include <linux/netfilter/xt_devgroup.h>

#include "fw.h"
#include "fw-nft.h"
#include "log.h"

const char *const ipt_chains[2] = { "DOCKER-USER", "FORWARD" };

enum { DU, FWD };

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	const char **comment = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && nftnl_udata_len(attr) > 0) {
		const char *s = nftnl_udata_get(attr);

		if (s[nftnl_udata_len(attr) - 1] == '\0')
			*comment = s;
	}
	return 0;
}

/* What one of guardnet's rules is: its kind and its mark or group. */
static struct ipt_rule rule_kind(struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct ipt_rule k = { IPT_OTHER, 0 };
	struct nftnl_expr *e;

	while (it && (e = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
		uint32_t len;
		const void *d;

		if (!strcmp(name, "cmp") && k.kind == IPT_OTHER) {
			d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
			if (len == sizeof k.value) {
				k.kind = IPT_ACCEPT;
				memcpy(&k.value, d, sizeof k.value);
			}
		} else if (!strcmp(name, "match") && !strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME), "devgroup")) {
			const struct xt_devgroup_info *g = nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len);

			if (len < sizeof *g || ((g->flags & XT_DEVGROUP_MATCH_DST) && g->dst_mask != UINT32_MAX) ||
			    ((g->flags & XT_DEVGROUP_MATCH_SRC) && g->src_mask != UINT32_MAX))
				continue;
			if (g->flags == XT_DEVGROUP_MATCH_DST)
				k = (struct ipt_rule){ IPT_DROP_TO, g->dst_group };
			else if (g->flags == XT_DEVGROUP_MATCH_SRC)
				k = (struct ipt_rule){ IPT_DROP_FROM, g->src_group };
		} else if (!strcmp(name, "immediate") && k.kind == IPT_ACCEPT &&
			   (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT) != NF_ACCEPT) {
			k.kind = IPT_OTHER;
		}
	}
	nftnl_expr_iter_destroy(it);
	return k;
}

/* Whether r jumps (or goes) to DOCKER-USER. */
static bool jumps_to_docker_user(struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	bool jumps = false;

	while (it && (e = nftnl_expr_iter_next(it)))
		if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "immediate") &&
		    nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN) &&
		    !strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN), ipt_chains[DU]))
			jumps = true;
	nftnl_expr_iter_destroy(it);
	return jumps;
}

static int on_rule(const struct nlmsghdr *nlh, void *data)
{
	struct ipt_chain *c = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *comment = NULL;
	const void *ud;
	uint32_t len;

	if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
	if (ud)
		nftnl_udata_parse(ud, len, comment_cb, &comment);
	if (comment && !strcmp(comment, FW_COMMENT) && c->n < IPT_MAX_OURS) {
		c->rules[c->n] = rule_kind(r);
		c->handles[c->n++] = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	}
	if (jumps_to_docker_user(r))
		c->jumps_to_docker_user = true;
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* Lists family/filter/chain into c; -ENOENT when the chain (or the table)
 * does not exist.  A dump of a missing chain is not an error, so existence
 * is asked first. */
static int scan_chain(struct mnl_socket *sock, uint32_t *seq, uint32_t family, const char *chain,
		      struct ipt_chain *c)
{
	char buf[16384] = { 0 }; /* libnftnl leaves attribute padding as it finds it */
	struct nftnl_chain *ch = nftnl_chain_alloc();
	struct nftnl_rule *f;
	struct nlmsghdr *nlh;
	uint32_t myseq = (*seq)++;
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, (uint16_t)family, NLM_F_ACK, myseq);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, "filter");
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, chain);
	nftnl_chain_nlmsg_build_payload(nlh, ch);
	nftnl_chain_free(ch);
	r = nft_request(sock, nlh, myseq, NULL, NULL);
	if (r < 0)
		return r;
	f = nftnl_rule_alloc();
	myseq = (*seq)++;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, (uint16_t)family, NLM_F_DUMP, myseq);
	nftnl_rule_set_str(f, NFTNL_RULE_TABLE, "filter");
	nftnl_rule_set_str(f, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(nlh, f);
	nftnl_rule_free(f);
	return nft_request(sock, nlh, myseq, on_rule, c);
}

bool fw_nft_has_chain(struct mnl_socket *sock, uint32_t *seq, const char *chain)
{
	struct ipt_chain c = { 0 };

	return scan_chain(sock, seq, NFPROTO_IPV4, chain, &c) == 0;
}

/* The rules want asks for, in order; how many. */
static size_t wanted(const struct fw_hook *want, struct ipt_rule out[3])
{
	size_t n = 0;

	if (!want->mark)
		return 0;
	out[n++] = (struct ipt_rule){ IPT_ACCEPT, want->mark };
	if (want->group) {
		out[n++] = (struct ipt_rule){ IPT_DROP_TO, want->group };
		out[n++] = (struct ipt_rule){ IPT_DROP_FROM, want->group };
	}
	return n;
}

/* Whether the chain holds exactly the wanted rules of guardnet's, in order. */
static bool holds_exactly(const struct ipt_chain *c, const struct fw_hook *want)
{
	struct ipt_rule w[3];
	size_t n = wanted(want, w);

	if (c->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (c->rules[i].kind != w[i].kind || c->rules[i].value != w[i].value)
			return false;
	return true;
}

static void put_comment(struct nftnl_rule *r)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);

	nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, FW_COMMENT);
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
}

/* -m devgroup --dst-group G (to) or --src-group G, as the xt match
 * iptables-nft writes: struct xt_devgroup_info, XT_ALIGNed (24 bytes). */
#define XT_DEVGROUP_INFO_LEN 24
static void x_devgroup(struct nftnl_rule *r, bool to, uint32_t group)
{
	struct nftnl_expr *e = nftnl_expr_alloc("match");
	uint8_t *info = calloc(1, XT_DEVGROUP_INFO_LEN);
	struct xt_devgroup_info g = { 0 };

	if (to) {
		g.flags = XT_DEVGROUP_MATCH_DST;
		g.dst_group = group;
		g.dst_mask = UINT32_MAX;
	} else {
		g.flags = XT_DEVGROUP_MATCH_SRC;
		g.src_group = group;
		g.src_mask = UINT32_MAX;
	}
	nftnl_expr_set_str(e, NFTNL_EXPR_MT_NAME, "devgroup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_MT_REV, 0);
	if (info) {
		memcpy(info, &g, sizeof g);
		/* libnftnl keeps this pointer and frees it with e (unlike
		 * other attributes, which it copies). */
		nftnl_expr_set(e, NFTNL_EXPR_MT_INFO, info, XT_DEVGROUP_INFO_LEN);
	}
	nftnl_rule_add_expr(r, e); /* r owns e now */
}

static void add_rule(struct nft_batch *b, uint32_t family, const char *chain, const struct ipt_rule *k)
{
	struct nftnl_rule *r = rule_new(family, "filter", chain);
	static const char *const what[2][3] = {
		{ "iptables accept rule", "iptables drop rule (into guardnet's bridges)",
		  "iptables drop rule (out of guardnet's bridges)" },
		{ "ip6tables accept rule", "ip6tables drop rule (into guardnet's bridges)",
		  "ip6tables drop rule (out of guardnet's bridges)" },
	};

	if (k->kind == IPT_ACCEPT) {
		x_meta(r, NFT_META_MARK, NFT_REG_1);
		x_bitwise(r, &k->value, &(uint32_t){ 0 }, sizeof k->value);
		x_cmp(r, NFT_CMP_EQ, &k->value, sizeof k->value);
	} else {
		x_devgroup(r, k->kind == IPT_DROP_TO, k->value);
	}
	x_counter(r);
	x_verdict(r, k->kind == IPT_ACCEPT ? NF_ACCEPT : NF_DROP);
	put_comment(r);
	/* No NLM_F_APPEND: the rule goes first, ahead of anything else there. */
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE,
		       what[family == NFPROTO_IPV6][k->kind == IPT_ACCEPT ? 0 : k->kind == IPT_DROP_TO ? 1 : 2]);
}

static void del_rule(struct nft_batch *b, uint32_t family, const char *chain, uint64_t handle)
{
	struct nftnl_rule *r = rule_new(family, "filter", chain);

	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, handle);
	nft_batch_rule(b, NFT_MSG_DELRULE, r, 0, "removing an old guardnet rule from iptables");
}

/* table FAMILY filter, chain FORWARD { type filter hook forward priority
 * 0; policy P; }: as iptables-nft makes it, or (existing) its policy. */
static void forward_chain(struct nft_batch *b, uint32_t family, int policy, const char *what)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nftnl_chain *c = nftnl_chain_alloc();

	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, family);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, "filter");
	nft_batch_table(b, NFT_MSG_NEWTABLE, t, NLM_F_CREATE, what);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, family);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, "filter");
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, ipt_chains[FWD]);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, (uint32_t)policy);
	nft_batch_chain(b, NFT_MSG_NEWCHAIN, c, NLM_F_CREATE, what);
}

int fw_ipt_nft_read(struct mnl_socket *sock, uint32_t *seq, bool docker_nft, struct ipt_state *ret,
		    struct gn_err *err)
{
	memset(ret, 0, sizeof *ret);
	ret->docker_nft = docker_nft;
	for (size_t f = 0; f < 2; f++)
		for (size_t c = 0; c < 2; c++) {
			uint32_t family = f ? NFPROTO_IPV6 : NFPROTO_IPV4;
			struct ipt_chain *ch = &ret->chain[f][c];
			int r = scan_chain(sock, seq, family, ipt_chains[c], ch);

			if (r == -ENOENT) {
				memset(ch, 0, sizeof *ch);
				continue;
			}
			if (r < 0)
				return gn_errf(err, r, "reading %s filter %s: %s", f ? "ip6" : "ip", ipt_chains[c],
					       strerror(-r));
			ch->exists = true;
		}
	return 0;
}

int fw_ipt_nft_target(const struct ipt_state *st, size_t f)
{
	const struct ipt_chain *du = &st->chain[f][DU], *fwd = &st->chain[f][FWD];

	if (!st->docker_nft && du->exists && fwd->exists && fwd->jumps_to_docker_user)
		return DU;
	return fwd->exists || !st->no_create[f] ? FWD : -1;
}

void fw_ipt_nft_msgs(struct nft_batch *b, const struct ipt_state *st, const struct fw_hook *want)
{
	for (size_t f = 0; f < 2; f++) {
		uint32_t family = f ? NFPROTO_IPV6 : NFPROTO_IPV4;
		int to = want->mark ? fw_ipt_nft_target(st, f) : -1;

		for (int c = 0; c < 2; c++) {
			const struct ipt_chain *ch = &st->chain[f][c];
			struct ipt_rule w[3];
			size_t n;

			if (c == to && ch->exists && holds_exactly(ch, want))
				continue;
			for (size_t k = 0; ch->exists && k < ch->n; k++)
				del_rule(b, family, ipt_chains[c], ch->handles[k]);
			if (c != to)
				continue;
			if (!ch->exists)
				forward_chain(b, family, NF_ACCEPT, f ? "ip6 filter FORWARD (made by guardnet)"
								      : "ip filter FORWARD (made by guardnet)");
			/* Each goes first: the last of the list is put first. */
			n = wanted(want, w);
			while (n--)
				add_rule(b, family, ipt_chains[c], &w[n]);
		}
	}
}

void fw_ipt_nft_policy_drop(struct nft_batch *b, int family)
{
	forward_chain(b, family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4, NF_DROP,
		      family == AF_INET6 ? "ip6 filter FORWARD: policy drop" : "ip filter FORWARD: policy drop");
}

int fw_iptables_hook(struct mnl_socket *sock, uint32_t *seq, struct nft_batch *b, const struct fw_hook *want,
		     bool docker_nft, const bool no_create[2], struct gn_err *err)
{
	struct ipt_state st;
	int r = fw_ipt_nft_read(sock, seq, docker_nft, &st, err);

	if (r == 0) {
		st.no_create[0] = no_create[0];
		st.no_create[1] = no_create[1];
		fw_ipt_nft_msgs(b, &st, want);
	}
	return r;
}

bool fw_nft_table_exists(struct mnl_socket *sock, uint32_t *seq, uint32_t family, const char *table)
{
	char buf[8192] = { 0 }; /* libnftnl leaves attribute padding as it finds it */
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	uint32_t s = (*seq)++;

	if (!t)
		return false;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, family, NLM_F_ACK, s);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return nft_request(sock, nlh, s, NULL, NULL) == 0;
}
