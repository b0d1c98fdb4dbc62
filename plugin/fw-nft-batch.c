#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libnftnl/common.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/rtnetlink.h>

#include "fw.h"
#include "fw-nft.h"
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
	bool refused;       /* the kernel answered the commit with an error */
	struct nft_tally tally; /* what it does to table inet guardnet */
};

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

struct nft_tally nft_batch_tally(const struct nft_batch *b)
{
	return b->tally;
}

static bool ours(const char *table)
{
	return table && !strcmp(table, FW_TABLE);
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
	free(b);
}

/* The header of one message; libnftnl then writes the payload in place. */
static struct nlmsghdr *begin_msg(struct nft_batch *b, uint16_t type, uint32_t family, uint16_t flags, size_t room)
{
	struct nlmsghdr *nlh = next_hdr(b, room);

	return nlh ? nftnl_nlmsg_build_hdr((char *)nlh, type, (uint16_t)family, flags | NLM_F_ACK, b->seq) : NULL;
}

void nft_batch_table(struct nft_batch *b, uint16_t type, struct nftnl_table *t, uint16_t flags, const char *what)
{
	struct nlmsghdr *nlh = begin_msg(b, type, nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY), flags, 512);

	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		commit_hdr(b, nlh, what);
	}
	if (type == NFT_MSG_DELTABLE && ours(nftnl_table_get_str(t, NFTNL_TABLE_NAME)) &&
	    nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY) == NFPROTO_INET)
		b->tally = (struct nft_tally){ .replaced = true };
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
	struct nlmsghdr *nlh = begin_msg(b, type, nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY), flags, 4096);

	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		commit_hdr(b, nlh, what);
	}
	if (ours(nftnl_rule_get_str(r, NFTNL_RULE_TABLE)) && nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY) == NFPROTO_INET)
		b->tally.rules += type == NFT_MSG_NEWRULE ? 1 : type == NFT_MSG_DELRULE ? -1 : 0;
	nftnl_rule_free(r);
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
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	long n = 0;

	if (ours(nftnl_set_get_str(s, NFTNL_SET_TABLE)) && nftnl_set_get_u32(s, NFTNL_SET_FAMILY) == NFPROTO_INET) {
		nftnl_set_elem_foreach(s, count_elem, &n);
		b->tally.elems += type == NFT_MSG_NEWSETELEM ? n : type == NFT_MSG_DELSETELEM ? -n : 0;
	}
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

static const char *describe(const struct nft_batch *b, uint32_t seq)
{
	uint32_t i = seq - b->seq0;

	return i < b->n_what ? b->what[i] : "unknown message";
}

int nft_batch_commit(struct nft_batch *b, struct mnl_socket *sock, struct gn_err *err)
{
	uint32_t last, first_bad = 0;
	int first_err = 0, bufsize;
	struct nlmsghdr *end = next_hdr(b, 0);
	char rbuf[65536];

	if (!end || b->oom)
		return gn_errf(err, -ENOMEM, "nftables: out of memory building the transaction");
	last = b->seq - 1;
	nftnl_batch_end((char *)end, b->seq);
	commit_hdr(b, end, "transaction end");
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
			       describe(b, first_bad), strerror(-first_err));
	return 0;
}

struct nftnl_rule *rule_new(uint32_t family, const char *table, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, family);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	return r;
}

static void add(struct nftnl_rule *r, struct nftnl_expr *e)
{
	nftnl_rule_add_expr(r, e); /* r owns e now */
}

void x_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	add(r, e);
}

void x_meta_set(struct nftnl_rule *r, uint32_t key, uint32_t sreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, sreg);
	add(r, e);
}

void x_ct(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
	add(r, e);
}

void x_ct_set(struct nftnl_rule *r, uint32_t key, uint32_t sreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, sreg);
	add(r, e);
}

void x_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	add(r, e);
}

void x_bitwise(struct nftnl_rule *r, const void *mask, const void *xor, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor, len);
	add(r, e);
}

void x_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	add(r, e);
}

void x_lookup(struct nftnl_rule *r, const char *set, uint32_t sreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	add(r, e);
}

void x_counter(struct nftnl_rule *r)
{
	add(r, nftnl_expr_alloc("counter"));
}

void x_masq(struct nftnl_rule *r)
{
	add(r, nftnl_expr_alloc("masq"));
}

void x_verdict(struct nftnl_rule *r, int verdict)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	add(r, e);
}

void x_ifname(struct nftnl_rule *r, uint32_t key, uint32_t op, const char *name)
{
	char buf[16] = { 0 };

	strncpy(buf, name, sizeof buf - 1);
	x_meta(r, key, NFT_REG_1);
	x_cmp(r, op, buf, sizeof buf);
}

void x_saddr(struct nftnl_rule *r, const struct gn_prefix *p)
{
	uint8_t proto = p->addr.family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
	uint32_t alen = p->addr.family == AF_INET ? 4 : 16;
	uint32_t off = p->addr.family == AF_INET ? 12 : 8;
	uint8_t mask[16] = { 0 }, zero[16] = { 0 }, net[16];

	for (unsigned bit = 0; bit < p->len; bit++)
		mask[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	for (unsigned i = 0; i < alen; i++)
		net[i] = p->addr.a[i] & mask[i];
	x_meta(r, NFT_META_NFPROTO, NFT_REG_1);
	x_cmp(r, NFT_CMP_EQ, &proto, 1);
	x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, alen);
	x_bitwise(r, mask, zero, alen);
	x_cmp(r, NFT_CMP_EQ, net, alen);
}

void x_set_mark_bits(struct nftnl_rule *r, bool conntrack, uint32_t bits)
{
	/* (x & ~bits) ^ bits == x | bits */
	uint32_t mask = ~bits, xor = bits;

	if (conntrack)
		x_ct(r, NFT_CT_MARK, NFT_REG_1);
	else
		x_meta(r, NFT_META_MARK, NFT_REG_1);
	x_bitwise(r, &mask, &xor, sizeof mask);
	if (conntrack)
		x_ct_set(r, NFT_CT_MARK, NFT_REG_1);
	else
		x_meta_set(r, NFT_META_MARK, NFT_REG_1);
}

void x_payload_to(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	add(r, e);
}

void x_lookup_map(struct nftnl_rule *r, const char *set, uint32_t sreg, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, dreg);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	add(r, e);
}

void x_fib_local(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("fib");
	uint32_t local = RTN_LOCAL;

	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	add(r, e);
	x_cmp(r, NFT_CMP_EQ, &local, sizeof local);
}

void x_dnat(struct nftnl_rule *r, uint32_t family, uint32_t reg_addr, uint32_t reg_proto)
{
	struct nftnl_expr *e = nftnl_expr_alloc("nat");

	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, family);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, reg_addr);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, reg_proto);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);
	add(r, e);
}

struct nftnl_expr *limit_expr(uint64_t rate, uint64_t unit_seconds, uint32_t burst, bool over)
{
	struct nftnl_expr *l = nftnl_expr_alloc("limit");

	nftnl_expr_set_u64(l, NFTNL_EXPR_LIMIT_RATE, rate);
	nftnl_expr_set_u64(l, NFTNL_EXPR_LIMIT_UNIT, unit_seconds);
	nftnl_expr_set_u32(l, NFTNL_EXPR_LIMIT_BURST, burst);
	nftnl_expr_set_u32(l, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
	if (over)
		nftnl_expr_set_u32(l, NFTNL_EXPR_LIMIT_FLAGS, NFT_LIMIT_F_INV);
	return l;
}

void x_jump(struct nftnl_rule *r, int verdict, const char *chain)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	add(r, e);
}

void chain_new(struct nft_batch *b, const char *name, const char *type, uint32_t hook, int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, "guardnet");
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (type) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nft_batch_chain(b, NFT_MSG_NEWCHAIN, c, NLM_F_CREATE, name);
}

void x_log_limited(struct nftnl_rule *r, const char *prefix, uint64_t per_second)
{
	struct nftnl_expr *g = nftnl_expr_alloc("log");

	add(r, limit_expr(per_second, 1, (uint32_t)per_second * 2, false));
	nftnl_expr_set_str(g, NFTNL_EXPR_LOG_PREFIX, prefix);
	nftnl_expr_set_u32(g, NFTNL_EXPR_LOG_LEVEL, 4); /* warning, as nft's default */
	add(r, g);
}

void x_ct_dnat(struct nftnl_rule *r)
{
	uint32_t bit = IPS_DST_NAT, zero = 0;

	x_ct(r, NFT_CT_STATUS, NFT_REG_1);
	x_bitwise(r, &bit, &zero, sizeof bit);
	x_cmp(r, NFT_CMP_NEQ, &zero, sizeof zero);
}

void x_nfproto(struct nftnl_rule *r, int family)
{
	uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	x_meta(r, NFT_META_NFPROTO, NFT_REG_1);
	x_cmp(r, NFT_CMP_EQ, &proto, 1);
}

void x_ifname_prefix(struct nftnl_rule *r, uint32_t key, const char *prefix)
{
	x_meta(r, key, NFT_REG_1);
	x_cmp(r, NFT_CMP_EQ, prefix, (uint32_t)strlen(prefix));
}

struct nftnl_set *set_new(struct nft_batch *b, const char *name, uint32_t id, uint32_t flags, uint32_t key_type,
			  uint32_t key_len, uint32_t data_type, uint32_t data_len, const uint8_t *desc_concat)
{
	struct nftnl_set *s = nftnl_set_alloc();

	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, "guardnet");
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, key_len);
	if (flags & NFT_SET_MAP) {
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, data_type);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, data_len);
	}
	if (desc_concat) {
		size_t n = 0;

		while (desc_concat[n])
			n++;
		nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, desc_concat, (uint32_t)n);
	}
	nft_batch_set(b, NFT_MSG_NEWSET, s, NLM_F_CREATE, name);
	return s;
}
