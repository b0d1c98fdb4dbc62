/*
 * Rules, chains and sets of guardnet's table, and the expressions rules are
 * made of, as libnftnl objects, in the order nft itself emits them.
 */
#include <string.h>
#include <sys/socket.h>

#include <libnftnl/udata.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/rtnetlink.h>

#include "fw-nft.h"

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

void x_lookup_inv(struct nftnl_rule *r, const char *set, uint32_t sreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
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

void x_addr(struct nftnl_rule *r, const struct gn_prefix *p, bool dst)
{
	uint8_t proto = p->addr.family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
	uint32_t alen = p->addr.family == AF_INET ? 4 : 16;
	uint32_t off = p->addr.family == AF_INET ? (dst ? 16 : 12) : (dst ? 24 : 8);
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

void x_saddr(struct nftnl_rule *r, const struct gn_prefix *p)
{
	x_addr(r, p, false);
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

void x_fib_rpf_missing(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("fib");
	uint32_t no = 0; /* the kernel stores a 32-bit 0 or 1, nft compares all of it */

	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_SADDR | NFTA_FIB_F_IIF | NFTA_FIB_F_PRESENT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_OIF);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	add(r, e);
	x_cmp(r, NFT_CMP_EQ, &no, sizeof no);
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
	nft_batch_chain(b, NFT_MSG_NEWCHAIN, c, NLM_F_CREATE, nft_batch_keep(b, name));
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

struct nftnl_set *set_ref(uint32_t nfproto, const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();

	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, nfproto);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, "guardnet");
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	return s;
}

struct nftnl_set *set_new_in(struct nft_batch *b, uint32_t nfproto, const char *name, uint32_t id, uint32_t flags,
			     uint32_t key_type, uint32_t key_len, uint32_t data_type, uint32_t data_len,
			     const uint8_t *desc_concat)
{
	struct nftnl_set *s = set_ref(nfproto, name);

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
	nft_batch_set(b, NFT_MSG_NEWSET, s, NLM_F_CREATE, nft_batch_keep(b, name));
	return s;
}

struct nftnl_set *set_new(struct nft_batch *b, const char *name, uint32_t id, uint32_t flags, uint32_t key_type,
			  uint32_t key_len, uint32_t data_type, uint32_t data_len, const uint8_t *desc_concat)
{
	return set_new_in(b, NFPROTO_INET, name, id, flags, key_type, key_len, data_type, data_len, desc_concat);
}

void set_key_host_order(struct nftnl_set *s)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(32);

	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 1 /* nft's BYTEORDER_HOST_ENDIAN */);
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
}

void x_iif_oif_names(struct nftnl_rule *r)
{
	x_meta(r, NFT_META_IIFNAME, NFT_REG_1);
	x_meta(r, NFT_META_OIFNAME, NFT_REG_2);
}
