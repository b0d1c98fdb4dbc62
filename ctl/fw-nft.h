/*
 * Reading an nf_tables rule's expressions, for fw-eval-nft.c (a packet
 * through the rule) and fw-dnat.c (what a DNAT rule publishes).
 */
#ifndef GN_CTL_FW_NFT_H
#define GN_CTL_FW_NFT_H

#include <arpa/inet.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>

#include "kernel.h"

/* Registers as the kernel numbers them: in 32-bit words, NFT_REG_1 to
 * NFT_REG_4 (16 bytes each) overlapping NFT_REG32_00 to NFT_REG32_15. */
#define NFT_REGS_BYTES (4 * (4 + 16) + 16)

static inline int nft_reg_off(uint32_t reg)
{
	uint32_t word = reg <= NFT_REG_4 ? reg * 4 : reg - NFT_REG32_00 + 4;

	return word * 4 + 16 <= NFT_REGS_BYTES ? (int)(word * 4) : -1;
}

static inline uint32_t nft_u32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (a && a->nla_len >= NLA_HDRLEN + 4)
		memcpy(&v, nla_data(a), 4);
	return ntohl(v);
}

/* The bytes of a nested NFTA_DATA_VALUE (at most max); 0 when there are none. */
static inline size_t nft_data(const struct nlattr *a, uint8_t *out, size_t max)
{
	struct nlattr *d[NFTA_DATA_MAX + 1];
	size_t len;

	if (!a)
		return 0;
	nl_attrs_nested(a, d, NFTA_DATA_MAX);
	if (!d[NFTA_DATA_VALUE])
		return 0;
	len = d[NFTA_DATA_VALUE]->nla_len - NLA_HDRLEN;
	if (len > max)
		len = max;
	memcpy(out, nla_data(d[NFTA_DATA_VALUE]), len);
	return len;
}

/* Each expression of a rule: its name and its attributes. */
#define nft_expr_each(rule, nm, dt)                                                                      \
	for (const struct nlattr *e_ = (const void *)(rule)->data,                                         \
				 *e_end_ = (const void *)((rule)->data + (rule)->len);                      \
	     (const char *)e_ + NLA_HDRLEN <= (const char *)e_end_ && e_->nla_len >= NLA_HDRLEN &&         \
	     (const char *)e_ + e_->nla_len <= (const char *)e_end_;                                       \
	     e_ = (const void *)((const char *)e_ + NLA_ALIGN(e_->nla_len)))                               \
		if (nft_expr_parts(e_, &(nm), &(dt)))

static inline bool nft_expr_parts(const struct nlattr *e, const char **name, const struct nlattr **data)
{
	struct nlattr *x[NFTA_EXPR_MAX + 1];

	nl_attrs_nested(e, x, NFTA_EXPR_MAX);
	if (!x[NFTA_EXPR_NAME] || !nla_str(x[NFTA_EXPR_NAME]))
		return false;
	*name = nla_str(x[NFTA_EXPR_NAME]);
	*data = x[NFTA_EXPR_DATA];
	return true;
}

#endif
