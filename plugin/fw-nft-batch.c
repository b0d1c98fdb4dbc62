/*
 * nf_tables transactions: a growable buffer of messages that remembers
 * what each one was for, sealed and then sent in one go, with the kernel's
 * answers collected so that a refusal names the message it concerns.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libnftnl/common.h>

#include "fw.h"
#include <linux/netfilter/nfnetlink.h>

#include "fw-nft.h"
#include "nl-reply.h"
#include "log.h"

/* A batch larger than a netlink message may hold is split by nothing:
 * the buffer grows, and the socket's send buffer is raised to match. */
#define INITIAL_SIZE (256 * 1024)

struct nft_batch {
	char *buf;
	size_t cap, len;
	uint32_t seq0, seq;
	const char **what;  /* by seq - seq0 */
	size_t n_what, cap_what;
	bool oom;
	bool sealed;        /* the transaction end is in place */
	bool refused;       /* the kernel answered the commit with an error */
	char **kept;        /* nft_batch_keep's copies */
	size_t n_kept;
	struct nft_tally tally[FW_FAMILIES]; /* what it does to guardnet's tables */
};

const uint32_t fw_families[FW_FAMILIES] = { NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6 };

const char *fw_family_name(uint32_t family)
{
	return family == NFPROTO_INET ? "inet" : family == NFPROTO_IPV4 ? "ip" : family == NFPROTO_IPV6 ? "ip6" : "?";
}

/* The tally of guardnet's table of family, or NULL for another table. */
static struct nft_tally *tally_of(struct nft_batch *b, const char *table, uint32_t family)
{
	if (!table || strcmp(table, FW_TABLE))
		return NULL;
	for (size_t i = 0; i < FW_FAMILIES; i++)
		if (fw_families[i] == family)
			return &b->tally[i];
	return NULL;
}

static bool reserve(struct nft_batch *b, size_t extra)
{
	if (b->oom)
		return false;
	if (b->len + extra > b->cap) {
		size_t cap = b->cap * 2;
		char *nb;

		while (cap < b->len + extra)
			cap *= 2;
		nb = realloc(b->buf, cap);
		if (!nb) {
			b->oom = true;
			return false;
		}
		b->buf = nb;
		b->cap = cap;
	}
	return true;
}

static void note(struct nft_batch *b, const char *what)
{
	if (b->n_what == b->cap_what) {
		size_t cap = b->cap_what ? b->cap_what * 2 : 64;
		const char **nw = realloc(b->what, cap * sizeof *nw);

		if (!nw) {
			b->oom = true;
			return;
		}
		b->what = nw;
		b->cap_what = cap;
	}
	b->what[b->n_what++] = what;
}

/* Room for one message: libnftnl writes it in place at the end of buf. */
static struct nlmsghdr *next_hdr(struct nft_batch *b, size_t payload_hint)
{
	if (!reserve(b, payload_hint + 4096))
		return NULL;
	memset(b->buf + b->len, 0, payload_hint + 4096);
	return (struct nlmsghdr *)(b->buf + b->len);
}

static void commit_hdr(struct nft_batch *b, struct nlmsghdr *nlh, const char *what)
{
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	note(b, what);
	b->seq++;
}

struct nft_batch *nft_batch_new(uint32_t seq)
{
	struct nft_batch *b = calloc(1, sizeof *b);
	struct nlmsghdr *nlh;

	if (!b)
		return NULL;
	b->buf = malloc(INITIAL_SIZE);
	if (!b->buf) {
		free(b);
		return NULL;
	}
	b->cap = INITIAL_SIZE;
	b->seq0 = b->seq = seq;
	nlh = next_hdr(b, 0);
	nftnl_batch_begin((char *)nlh, b->seq);
	commit_hdr(b, nlh, "transaction start");
	return b;
}

size_t nft_batch_messages(const struct nft_batch *b)
{
	return b->n_what - 1; /* not counting the transaction start */
}

void nft_batch_fail(struct nft_batch *b)
{
	b->oom = true;
}

bool nft_batch_refused(const struct nft_batch *b)
{
	return b->refused;
}

struct nft_tally nft_batch_tally(const struct nft_batch *b, uint32_t family)
{
	for (size_t i = 0; i < FW_FAMILIES; i++)
		if (fw_families[i] == family)
			return b->tally[i];
	return (struct nft_tally){ 0 };
}

static int count_elem(struct nftnl_set_elem *e, void *data)
{
	(void)e;
	(*(long *)data)++;
	return 0;
}

void nft_batch_free(struct nft_batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->what);
	for (size_t i = 0; i < b->n_kept; i++)
		free(b->kept[i]);
	free(b->kept);
	free(b);
}

const char *nft_batch_keep(struct nft_batch *b, const char *s)
{
	char **v = realloc(b->kept, (b->n_kept + 1) * sizeof *v);
	char *copy = strdup(s);

	if (v)
		b->kept = v;
	if (!v || !copy) {
		free(copy);
		return "a message whose name did not fit in memory";
	}
	return b->kept[b->n_kept++] = copy;
}

/* The header of one message; libnftnl then writes the payload in place. */
static struct nlmsghdr *begin_msg(struct nft_batch *b, uint16_t type, uint32_t family, uint16_t flags, size_t room)
{
	struct nlmsghdr *nlh = next_hdr(b, room);

	return nlh ? nftnl_nlmsg_build_hdr((char *)nlh, type, (uint16_t)family, flags | NLM_F_ACK, b->seq) : NULL;
}

void nft_batch_table(struct nft_batch *b, uint16_t type, struct nftnl_table *t, uint16_t flags, const char *what)
{
	struct nft_tally *tl;
	struct nlmsghdr *nlh = begin_msg(b, type, nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY), flags, 512);

	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		commit_hdr(b, nlh, what);
	}
	tl = tally_of(b, nftnl_table_get_str(t, NFTNL_TABLE_NAME), nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY));
	if (tl && type == NFT_MSG_DELTABLE)
		*tl = (struct nft_tally){ .replaced = true };
	else if (tl && type == NFT_MSG_NEWTABLE)
		tl->exists = true;
	nftnl_table_free(t);
}

void nft_batch_chain(struct nft_batch *b, uint16_t type, struct nftnl_chain *c, uint16_t flags, const char *what)
{
	struct nlmsghdr *nlh = begin_msg(b, type, nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY), flags, 1024);

	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		commit_hdr(b, nlh, what);
	}
	nftnl_chain_free(c);
}

void nft_batch_rule(struct nft_batch *b, uint16_t type, struct nftnl_rule *r, uint16_t flags, const char *what)
{
	struct nft_tally *tl;
	struct nlmsghdr *nlh = begin_msg(b, type, nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY), flags, 4096);

	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		commit_hdr(b, nlh, what);
	}
	tl = tally_of(b, nftnl_rule_get_str(r, NFTNL_RULE_TABLE), nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY));
	if (tl)
		tl->rules += type == NFT_MSG_NEWRULE ? 1 : type == NFT_MSG_DELRULE ? -1 : 0;
	nftnl_rule_free(r);
}

void nft_batch_tally_add(struct nft_batch *b, uint32_t family, long rules, long elems)
{
	struct nft_tally *tl = tally_of(b, FW_TABLE, family);

	if (tl) {
		tl->rules += rules;
		tl->elems += elems;
	}
}

void nft_batch_del_chain(struct nft_batch *b, uint32_t nfproto, const char *name, long n_rules, const char *what)
{
	struct nftnl_rule *r = rule_new(nfproto, FW_TABLE, name);
	struct nftnl_chain *c = nftnl_chain_alloc();

	/* A rule message without a handle flushes the chain: the kernel
	 * deletes a chain only once nothing is in it or jumps to it. */
	nft_batch_rule(b, NFT_MSG_DELRULE, r, 0, what);
	nft_batch_tally_add(b, nfproto, 1 - n_rules, 0);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, nfproto);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FW_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nft_batch_chain(b, NFT_MSG_DELCHAIN, c, 0, what);
}

void nft_batch_set(struct nft_batch *b, uint16_t type, struct nftnl_set *s, uint16_t flags, const char *what)
{
	struct nlmsghdr *nlh = begin_msg(b, type, nftnl_set_get_u32(s, NFTNL_SET_FAMILY), flags, 2048);

	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		commit_hdr(b, nlh, what);
	}
}

void nft_batch_elems(struct nft_batch *b, uint16_t type, struct nftnl_set *s, uint16_t flags, const char *what)
{
	struct nftnl_set_elems_iter *it;
	struct nft_tally *tl = tally_of(b, nftnl_set_get_str(s, NFTNL_SET_TABLE), nftnl_set_get_u32(s, NFTNL_SET_FAMILY));
	long n = 0;

	/* The kernel refuses an element message without elements (EINVAL):
	 * an empty set, src4 when every network is IPv6-only say, sends none. */
	nftnl_set_elem_foreach(s, count_elem, &n);
	if (!n)
		return;
	if (tl)
		tl->elems += type == NFT_MSG_NEWSETELEM ? n : type == NFT_MSG_DELSETELEM ? -n : 0;
	it = nftnl_set_elems_iter_create(s);
	/* Elements go in messages of bounded size, as nft sends them. */
	while (it) {
		struct nlmsghdr *nlh = begin_msg(b, type, nftnl_set_get_u32(s, NFTNL_SET_FAMILY), flags, 64 * 1024);
		int more;

		if (!nlh)
			break;
		more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it);
		commit_hdr(b, nlh, what);
		if (more <= 0)
			break;
	}
	nftnl_set_elems_iter_destroy(it);
}

/* What libnftnl 1.2.4 writes for a set's elements
 * (nftnl_set_elems_nlmsg_build_payload_iter), byte for byte: the set's
 * name, id and table, then a list of elements each numbered from 1, a
 * message ending where the list's length would pass 16 bits. */
static void elems_open(struct nft_elems *w)
{
	struct nftnl_set *s = w->set;

	w->nlh = begin_msg(w->b, w->type, nftnl_set_get_u32(s, NFTNL_SET_FAMILY), w->flags, 64 * 1024);
	if (!w->nlh)
		return;
	mnl_attr_put_strz(w->nlh, NFTA_SET_ELEM_LIST_SET, nftnl_set_get_str(s, NFTNL_SET_NAME));
	if (nftnl_set_is_set(s, NFTNL_SET_ID))
		mnl_attr_put_u32(w->nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(nftnl_set_get_u32(s, NFTNL_SET_ID)));
	mnl_attr_put_strz(w->nlh, NFTA_SET_ELEM_LIST_TABLE, nftnl_set_get_str(s, NFTNL_SET_TABLE));
	w->list = mnl_attr_nest_start(w->nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	w->index = 0;
}

static void elems_close(struct nft_elems *w)
{
	if (!w->nlh)
		return;
	mnl_attr_nest_end(w->nlh, w->list);
	commit_hdr(w->b, w->nlh, w->what);
	w->nlh = NULL;
}

void nft_elems_start(struct nft_elems *w, struct nft_batch *b, uint16_t type, struct nftnl_set *s, uint16_t flags,
		     const char *what)
{
	*w = (struct nft_elems){ .b = b, .type = type, .set = s, .flags = flags, .what = what };
}

void nft_elems_put(struct nft_elems *w, const void *key, uint32_t klen, uint32_t elem_flags)
{
	struct nlattr *e, *k;

	for (int tries = 0; tries < 2; tries++) {
		if (!w->nlh)
			elems_open(w);
		if (!w->nlh)
			return;
		e = mnl_attr_nest_start(w->nlh, (uint16_t)++w->index);
		if (elem_flags)
			mnl_attr_put_u32(w->nlh, NFTA_SET_ELEM_FLAGS, htonl(elem_flags));
		k = mnl_attr_nest_start(w->nlh, NFTA_SET_ELEM_KEY);
		mnl_attr_put(w->nlh, NFTA_DATA_VALUE, klen, key);
		mnl_attr_nest_end(w->nlh, k);
		mnl_attr_nest_end(w->nlh, e);
		if ((char *)mnl_nlmsg_get_payload_tail(w->nlh) - (char *)w->list <= UINT16_MAX) {
			w->n++;
			return;
		}
		/* Over: the element goes first in the next message. */
		w->nlh->nlmsg_len -= (uint32_t)((char *)mnl_nlmsg_get_payload_tail(w->nlh) - (char *)e);
		elems_close(w);
	}
}

void nft_elems_end(struct nft_elems *w)
{
	struct nft_tally *tl = tally_of(w->b, nftnl_set_get_str(w->set, NFTNL_SET_TABLE),
					nftnl_set_get_u32(w->set, NFTNL_SET_FAMILY));

	elems_close(w);
	if (tl)
		tl->elems += w->type == NFT_MSG_NEWSETELEM ? w->n : w->type == NFT_MSG_DELSETELEM ? -w->n : 0;
}

const char *nft_batch_what(const struct nft_batch *b, uint32_t seq)
{
	uint32_t i = seq - b->seq0;

	return i < b->n_what ? b->what[i] : "unknown message";
}

int nft_batch_seal(struct nft_batch *b)
{
	struct nlmsghdr *end;

	if (b->sealed)
		return 0;
	end = next_hdr(b, 0);
	if (!end || b->oom)
		return -ENOMEM;
	nftnl_batch_end((char *)end, b->seq);
	commit_hdr(b, end, "transaction end");
	b->sealed = true;
	return 0;
}

const void *nft_batch_data(const struct nft_batch *b, size_t *len)
{
	*len = b->len;
	return b->buf;
}

int nft_batch_commit(struct nft_batch *b, struct mnl_socket *sock, struct gn_err *err)
{
	uint32_t last, first_bad = 0;
	int first_err = 0, bufsize;
	char rbuf[65536];

	if (nft_batch_seal(b) < 0)
		return gn_errf(err, -ENOMEM, "nftables: out of memory building the transaction");
	last = b->seq - 2; /* the last message before the transaction end */
	/* Every message is acknowledged; make room for all of the answers and
	 * for the whole transaction in one send (needs CAP_NET_ADMIN). */
	bufsize = (int)(b->len + 65536);
	setsockopt(mnl_socket_get_fd(sock), SOL_SOCKET, SO_SNDBUFFORCE, &bufsize, sizeof bufsize);
	bufsize = (int)(b->n_what * 1024 + 65536);
	setsockopt(mnl_socket_get_fd(sock), SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof bufsize);
	if (mnl_socket_sendto(sock, b->buf, b->len) < 0)
		return gn_errf(err, -errno, "nftables: sending the transaction: %s", strerror(errno));
	for (;;) {
		struct pollfd pfd = { .fd = mnl_socket_get_fd(sock), .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 5000) <= 0)
			return gn_errf(err, -ETIMEDOUT, "nftables: no answer to the transaction");
		n = mnl_socket_recvfrom(sock, rbuf, sizeof rbuf);
		if (n < 0)
			return gn_errf(err, -errno, "nftables: reading answers: %s", strerror(errno));
		for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(h, (int)n);
		     h = mnl_nlmsg_next(h, (int *)&n)) {
			struct nlmsgerr *e;

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(h);
			/* The lowest failing message is the cause; later ones
			 * may only be its side effects. */
			if (e->error && (!first_err || e->msg.nlmsg_seq < first_bad)) {
				first_err = e->error;
				first_bad = e->msg.nlmsg_seq;
			}
			if (e->msg.nlmsg_seq == last)
				goto done;
		}
	}
done:
	b->refused = first_err != 0;
	if (first_err)
		return gn_errf(err, first_err, "nftables refused the transaction at \"%s\": %s; nothing was changed",
			       nft_batch_what(b, first_bad), strerror(-first_err));
	return 0;
}
