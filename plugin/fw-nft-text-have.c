/*
 * guardnet's tables as the kernel holds them, as text (fw-nft-text.h):
 * the table, then its chains, rules and sets in one dump each, and each
 * set's elements in a dump of their own (the kernel lists elements only
 * by set).
 */
#include <errno.h>
#include <string.h>

#include <linux/netfilter/nfnetlink.h>

#include "fw-nft-text.h"

struct dump {
	struct ntable *t;
	uint16_t type;
};

static int on_object(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;

	if (d->type == NFT_MSG_GETCHAIN) {
		struct nftnl_chain *x = nftnl_chain_alloc();

		if (x && nftnl_chain_nlmsg_parse(nlh, x) == 0 && nft_text_ours(d->t, nlh, nftnl_chain_get_str(x, NFTNL_CHAIN_TABLE)))
			nft_text_add_chain(d->t, x);
		nftnl_chain_free(x);
	} else if (d->type == NFT_MSG_GETRULE) {
		struct nftnl_rule *x = nftnl_rule_alloc();

		if (x && nftnl_rule_nlmsg_parse(nlh, x) == 0 && nft_text_ours(d->t, nlh, nftnl_rule_get_str(x, NFTNL_RULE_TABLE)))
			nft_text_add_rule(d->t, x, "");
		nftnl_rule_free(x);
	} else if (d->type == NFT_MSG_GETSET) {
		struct nftnl_set *x = nftnl_set_alloc();

		if (x && nftnl_set_nlmsg_parse(nlh, x) == 0 && nft_text_ours(d->t, nlh, nftnl_set_get_str(x, NFTNL_SET_TABLE)))
			nft_text_add_set(d->t, x);
		nftnl_set_free(x);
	} else {
		struct nftnl_set *x = nftnl_set_alloc();

		if (x && nftnl_set_elems_nlmsg_parse(nlh, x) == 0)
			nft_text_add_elems(d->t, x);
		nftnl_set_free(x);
	}
	return MNL_CB_OK;
}

static int dump(struct gn_fw *fw, struct ntable *t, uint16_t type, const char *set)
{
	char buf[1024] = { 0 }; /* libnftnl leaves attribute padding as it finds it */
	uint32_t seq = fw->seq++;
	struct dump d = { .t = t, .type = type };
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, type, (uint16_t)t->family, NLM_F_DUMP, seq);

	if (type == NFT_MSG_GETSETELEM || type == NFT_MSG_GETSET) {
		struct nftnl_set *s = nftnl_set_alloc();

		nftnl_set_set_str(s, NFTNL_SET_TABLE, t->name);
		if (set)
			nftnl_set_set_str(s, NFTNL_SET_NAME, set);
		if (type == NFT_MSG_GETSET)
			nftnl_set_nlmsg_build_payload(nlh, s);
		else
			nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
	} else if (type == NFT_MSG_GETRULE) {
		struct nftnl_rule *r = nftnl_rule_alloc();

		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, t->name);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
	}
	return nft_request(fw->sock, nlh, seq, on_object, &d);
}

static int on_table(const struct nlmsghdr *nlh, void *data)
{
	struct ntable *t = data;
	struct nftnl_table *x = nftnl_table_alloc();

	if (x && nftnl_table_nlmsg_parse(nlh, x) == 0)
		nft_text_set_comment(t, x);
	else
		t->oom = true;
	nftnl_table_free(x);
	return MNL_CB_OK;
}

/* Table t->family t->name with its comment: 0, -ENOENT, or another error. */
static int get_table(struct gn_fw *fw, struct ntable *t)
{
	char buf[1024] = { 0 };
	uint32_t seq = fw->seq++;
	struct nftnl_table *x = nftnl_table_alloc();
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, (uint16_t)t->family, NLM_F_ACK, seq);

	if (!x)
		return -ENOMEM;
	nftnl_table_set_str(x, NFTNL_TABLE_NAME, t->name);
	nftnl_table_nlmsg_build_payload(nlh, x);
	nftnl_table_free(x);
	return nft_request(fw->sock, nlh, seq, on_table, t);
}

int nft_text_have(struct gn_fw *fw, uint32_t family, const char *name, struct ntable *t)
{
	int r;

	memset(t, 0, sizeof *t);
	t->family = family;
	t->name = name;
	r = get_table(fw, t);
	if (r == 0)
		r = dump(fw, t, NFT_MSG_GETCHAIN, NULL);
	if (r == 0)
		r = dump(fw, t, NFT_MSG_GETRULE, NULL);
	if (r == 0)
		r = dump(fw, t, NFT_MSG_GETSET, NULL);
	for (size_t i = 0; r == 0 && i < t->n_sets; i++)
		if (!t->sets[i].dynamic)
			r = dump(fw, t, NFT_MSG_GETSETELEM, t->sets[i].name);
	t->exists = r == 0;
	return r < 0 ? r : t->oom ? -ENOMEM : 0;
}
