/*
 * guardnet's one rule in iptables' forward path on nf_tables hosts:
 *
 *   -I DOCKER-USER -m mark --mark M/M -m comment --comment guardnet -j ACCEPT
 *
 * (FORWARD when Docker's chain is absent), in "ip filter" and "ip6 filter".
 * It is encoded exactly as iptables-nft 1.8.9 encodes that rule (native meta
 * mark, bitwise, cmp, counter, accept; the comment as rule userdata), so
 * iptables -S lists it and dockerd's and ufw's iptables calls keep working
 * (research/c-libs.md section 2).  The chains belong to iptables: guardnet
 * only reads them and adds or removes its own rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/udata.h>

#include "fw.h"
#include "fw-nft.h"
#include "log.h"

const char *const ipt_chains[2] = { "DOCKER-USER", "FORWARD" };

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

static bool has_cmp_with(struct nftnl_rule *r, uint32_t value)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	bool found = false;

	while (it && (e = nftnl_expr_iter_next(it))) {
		uint32_t len;
		const void *d;

		if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "cmp"))
			continue;
		d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
		if (len == sizeof value && !memcmp(d, &value, len))
			found = true;
	}
	nftnl_expr_iter_destroy(it);
	return found;
}

struct scan {
	uint32_t mark;
	struct ipt_chain *c;
};

static int on_rule(const struct nlmsghdr *nlh, void *data)
{
	struct scan *s = data;
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
	if (comment && !strcmp(comment, FW_COMMENT) && s->c->n < IPT_MAX_OURS) {
		s->c->handles[s->c->n++] = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
		if (s->mark && has_cmp_with(r, s->mark))
			s->c->current = true;
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* Lists guardnet's rules in family/filter/chain; -ENOENT when the chain
 * (or the table) does not exist.  A dump of a missing chain is not an
 * error, so existence is asked first. */
static int scan_chain(struct mnl_socket *sock, uint32_t *seq, uint32_t family, const char *chain, struct scan *s)
{
	char buf[16384] = { 0 }; /* libnftnl leaves attribute padding as it finds it */
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nftnl_rule *f;
	struct nlmsghdr *nlh;
	uint32_t myseq = (*seq)++;
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, (uint16_t)family, NLM_F_ACK, myseq);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, "filter");
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
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
	return nft_request(sock, nlh, myseq, on_rule, s);
}

bool fw_nft_has_chain(struct mnl_socket *sock, uint32_t *seq, const char *chain)
{
	struct ipt_chain c = { 0 };
	struct scan s = { .c = &c };

	return scan_chain(sock, seq, NFPROTO_IPV4, chain, &s) == 0;
}

static void add_rule(struct nft_batch *b, uint32_t family, const char *chain, uint32_t mark)
{
	struct nftnl_rule *r = rule_new(family, "filter", chain);
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);

	x_meta(r, NFT_META_MARK, NFT_REG_1);
	x_bitwise(r, &mark, &(uint32_t){ 0 }, sizeof mark);
	x_cmp(r, NFT_CMP_EQ, &mark, sizeof mark);
	x_counter(r);
	x_verdict(r, NF_ACCEPT);
	nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, FW_COMMENT);
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	/* No NLM_F_APPEND: the rule goes first, ahead of anything else there. */
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE,
		       family == NFPROTO_IPV4 ? "iptables accept rule" : "ip6tables accept rule");
}

static void del_rule(struct nft_batch *b, uint32_t family, const char *chain, uint64_t handle)
{
	struct nftnl_rule *r = rule_new(family, "filter", chain);

	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, handle);
	nft_batch_rule(b, NFT_MSG_DELRULE, r, 0, "removing an old guardnet rule from iptables");
}

int fw_ipt_nft_read(struct mnl_socket *sock, uint32_t *seq, uint32_t mark, struct ipt_state *ret,
		    struct gn_err *err)
{
	memset(ret, 0, sizeof *ret);
	for (size_t f = 0; f < 2; f++)
		for (size_t c = 0; c < 2; c++) {
			uint32_t family = f ? NFPROTO_IPV6 : NFPROTO_IPV4;
			struct scan s = { .mark = mark, .c = &ret->chain[f][c] };
			int r = scan_chain(sock, seq, family, ipt_chains[c], &s);

			if (r == -ENOENT) {
				memset(s.c, 0, sizeof *s.c);
				continue;
			}
			if (r < 0)
				return gn_errf(err, r, "reading %s filter %s: %s", f ? "ip6" : "ip", ipt_chains[c],
					       strerror(-r));
			s.c->exists = true;
		}
	return 0;
}

void fw_ipt_nft_msgs(struct nft_batch *b, const struct ipt_state *st, uint32_t mark)
{
	for (size_t f = 0; f < 2; f++) {
		uint32_t family = f ? NFPROTO_IPV6 : NFPROTO_IPV4;
		bool placed = false;

		for (size_t c = 0; c < 2; c++) {
			const struct ipt_chain *ch = &st->chain[f][c];
			bool keep;

			if (!ch->exists)
				continue;
			/* Keep one current rule in the first chain that exists;
			 * remove guardnet's rules everywhere else. */
			keep = mark && !placed && ch->current && ch->n == 1;
			for (size_t i = 0; !keep && i < ch->n; i++)
				del_rule(b, family, ipt_chains[c], ch->handles[i]);
			if (mark && !placed && !keep)
				add_rule(b, family, ipt_chains[c], mark);
			placed = true;
		}
	}
}

int fw_iptables_hook(struct mnl_socket *sock, uint32_t *seq, struct nft_batch *b, uint32_t mark,
		     struct gn_err *err)
{
	struct ipt_state st;
	int r = fw_ipt_nft_read(sock, seq, mark, &st, err);

	if (r == 0)
		fw_ipt_nft_msgs(b, &st, mark);
	return r;
}
