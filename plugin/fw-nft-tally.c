/*
 * What one of guardnet's tables holds (inet guardnet; ip and ip6 guardnet,
 * UFW's rules), as the kernel lists it: its handle, its rules and its set
 * elements, counted.  guardnetd reads nf_tables events to
 * notice other programs' changes; when events were lost (ENOBUFS: another
 * program's burst overflowed the socket), it cannot know from them whether
 * the table was touched, so it counts instead and compares with what its
 * own transactions left (fw-nft-events.c).  A table that was deleted and made
 * again has a new handle; a flushed chain, a deleted rule, an added or
 * removed element change a count.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nfnetlink.h>

#include "fw.h"
#include "fw-nft.h"

static int on_table(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (t && nftnl_table_nlmsg_parse(nlh, t) == 0)
		*(uint64_t *)data = nftnl_table_get_u64(t, NFTNL_TABLE_HANDLE);
	nftnl_table_free(t);
	return MNL_CB_OK;
}

int fw_nft_table_handle(struct mnl_socket *sock, uint32_t *seq, uint32_t family, uint64_t *ret)
{
	char buf[1024] = { 0 }; /* libnftnl leaves attribute padding as it finds it */
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	uint32_t myseq = (*seq)++;
	uint64_t handle = 0;
	int r;

	if (!t)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, (uint16_t)family, NLM_F_ACK, myseq);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, FW_TABLE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	r = nft_request(sock, nlh, myseq, on_table, &handle);
	if (r == 0)
		*ret = handle;
	return r;
}

static int count_msg(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(long *)data)++;
	return MNL_CB_OK;
}

/* A NEWSETELEM message of a dump holds a list of elements (attribute 3,
 * NFTA_SET_ELEM_LIST_ELEMENTS, a nest of NFTA_LIST_ELEM). */
static int count_elems(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a, *e;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_ELEMENTS)
			mnl_attr_for_each_nested(e, a)
				(*(long *)data)++;
	return MNL_CB_OK;
}

struct set_names {
	char (*v)[64];
	size_t n, cap;
};

static int on_set(const struct nlmsghdr *nlh, void *data)
{
	struct set_names *s = data;
	struct nftnl_set *set = nftnl_set_alloc();

	if (set && nftnl_set_nlmsg_parse(nlh, set) == 0 && nftnl_set_get_str(set, NFTNL_SET_NAME)) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 32;
			char(*nv)[64] = realloc(s->v, cap * sizeof *nv);

			if (!nv) {
				nftnl_set_free(set);
				return MNL_CB_ERROR;
			}
			s->v = nv;
			s->cap = cap;
		}
		snprintf(s->v[s->n++], sizeof s->v[0], "%s", nftnl_set_get_str(set, NFTNL_SET_NAME));
	}
	nftnl_set_free(set);
	return MNL_CB_OK;
}

int fw_nft_tally(struct mnl_socket *sock, uint32_t *seq, uint32_t family, struct fw_tally *ret)
{
	char buf[1024] = { 0 };
	struct fw_tally c = { 0 };
	struct set_names sets = { 0 };
	struct nftnl_rule *rf;
	struct nftnl_set *sf;
	struct nlmsghdr *nlh;
	uint32_t myseq;
	int r;

	r = fw_nft_table_handle(sock, seq, family, &c.handle);
	if (r < 0)
		return r;
	rf = nftnl_rule_alloc();
	sf = nftnl_set_alloc();
	if (!rf || !sf) {
		nftnl_rule_free(rf);
		nftnl_set_free(sf);
		return -ENOMEM;
	}
	myseq = (*seq)++;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, (uint16_t)family, NLM_F_DUMP, myseq);
	nftnl_rule_set_str(rf, NFTNL_RULE_TABLE, FW_TABLE);
	nftnl_rule_nlmsg_build_payload(nlh, rf);
	nftnl_rule_free(rf);
	r = nft_request(sock, nlh, myseq, count_msg, &c.rules);
	if (r < 0) {
		nftnl_set_free(sf);
		return r;
	}
	myseq = (*seq)++;
	memset(buf, 0, sizeof buf);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, (uint16_t)family, NLM_F_DUMP, myseq);
	nftnl_set_set_str(sf, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_nlmsg_build_payload(nlh, sf);
	nftnl_set_free(sf);
	r = nft_request(sock, nlh, myseq, on_set, &sets);
	for (size_t i = 0; r == 0 && i < sets.n; i++)
		r = nft_dump_elems(sock, seq, (uint16_t)family, FW_TABLE, sets.v[i], count_elems, &c.elems);
	free(sets.v);
	if (r == 0)
		*ret = c;
	return r;
}
