/*
 * What the golden cases of guardnet's nf_tables transactions share
 * (check_fw_nft.c, whole tables; check_fw_nft_delta.c, a network's or an
 * endpoint's part alone): models written as text, and the comparison of a
 * sealed batch with its golden file.
 */
#ifndef GN_FW_NFT_CASE_H
#define GN_FW_NFT_CASE_H

#include "addr.h"
#include "fw.h"
#include "fw-nft.h"

#define MARK 0x4e47

struct gn_prefix P(const char *s);
struct gn_addr A(const char *s);
/* Published port: host "*" means every local address of the family. */
struct gn_pub pub(const char *host, uint8_t proto, uint16_t port, const char *ctr, uint16_t ctr_port);
/* Prints the sealed batch, compares it with tests/unit/golden/NAME.txt and
 * frees the batch. */
void expect_golden(struct nft_batch *b, const char *name);

#endif
