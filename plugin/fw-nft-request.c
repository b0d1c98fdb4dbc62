/*
 * Questions to nf_tables outside a transaction: one request and its
 * answer read to the end (a dump asked again when the ruleset changed
 * under it), a set's elements dumped, and an element message retyped so
 * that libnftnl's parser of dumps reads it.  fw-nft-batch.c builds and
 * commits transactions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/set.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "fw-nft.h"
#include "nl-reply.h"

int nft_request(struct mnl_socket *sock, struct nlmsghdr *nlh, uint32_t seq, mnl_cb_t cb, void *data)
{
	/* A dump fills as much of the reader's buffer as it has seen it
	 * offer: a large one takes a table of 1,000 networks in fewer reads.
	 * One per thread: start-up reads the tables ahead on a thread of its
	 * own (kernel-prefetch.c). */
	static __thread char buf[1 << 17] __attribute__((aligned(8)));
	int r = -EINTR;

	/* A dump the ruleset changed under (another program's transaction)
	 * is asked again: its content mixes two rulesets. */
	for (int tries = 0; r == -EINTR && tries < NL_DUMP_TRIES; tries++) {
		if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
			return -errno;
		r = nl_reply(sock, nlh->nlmsg_flags, seq, cb, data, buf, sizeof buf);
	}
	return r;
}

int nft_dump_elems(struct mnl_socket *sock, uint32_t *seq, uint16_t family, const char *table, const char *set,
		   mnl_cb_t cb, void *data)
{
	char buf[1024] = { 0 }; /* libnftnl leaves attribute padding as it finds it */
	struct nftnl_set *s = nftnl_set_alloc();
	uint32_t myseq = (*seq)++;
	struct nlmsghdr *nlh;

	if (!s)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, family, NLM_F_DUMP, myseq);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return nft_request(sock, nlh, myseq, cb, data);
}

struct nlmsghdr *nft_elems_retyped(const struct nlmsghdr *nlh)
{
	struct nlmsghdr *copy = malloc(nlh->nlmsg_len);
	struct nlattr *list, *e;

	if (!copy)
		return NULL;
	memcpy(copy, nlh, nlh->nlmsg_len);
	mnl_attr_for_each(list, copy, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(list) == NFTA_SET_ELEM_LIST_ELEMENTS)
			mnl_attr_for_each_nested(e, list)
				e->nla_type = (uint16_t)((e->nla_type & ~NLA_TYPE_MASK) | NFTA_LIST_ELEM);
	return copy;
}
