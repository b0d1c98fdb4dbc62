/*
 * Lists of CIDRs as sorted, merged address ranges: the form nftables
 * interval sets need (the kernel refuses overlapping elements, and its
 * overlap check has gaps, so guardnet never sends overlaps;
 * research/c-libs.md section 1.5).  Pure functions.
 */
#ifndef GN_RANGES_H
#define GN_RANGES_H

#include <guardnet/types.h>

struct gn_range {
	uint8_t lo[16];  /* first address, network byte order */
	uint8_t hi[16];  /* last address, inclusive */
};

/* The prefixes of family (AF_INET or AF_INET6) in v, merged.  Prefixes of
 * the other family are skipped.  *ret is malloc'd (NULL when *n is 0). */
int ranges_from_prefixes(const struct gn_prefix *v, size_t n, int family, struct gn_range **ret, size_t *n_ret);
/* hi + 1 into out; false when hi is the family's last address. */
bool range_end_exclusive(const struct gn_range *r, int family, uint8_t out[16]);

/* r less the one address addr (network byte order) into out: 0, 1 or 2
 * ranges, how many. */
size_t range_without(const struct gn_range *r, int family, const uint8_t *addr, struct gn_range out[2]);

#endif
