#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "ranges.h"

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* IPv4 ranges leave bytes 4-15 zero, so comparing all 16 orders both families. */
static int cmp_lo(const void *a, const void *b)
{
	return memcmp(((const struct gn_range *)a)->lo, ((const struct gn_range *)b)->lo, 16);
}

bool range_end_exclusive(const struct gn_range *r, int family, uint8_t out[16])
{
	size_t len = alen(family);

	memcpy(out, r->hi, 16);
	for (size_t i = len; i-- > 0;) {
		if (++out[i] != 0)
			return true;
	}
	return false; /* wrapped: hi was the last address */
}

int ranges_from_prefixes(const struct gn_prefix *v, size_t n, int family, struct gn_range **ret, size_t *n_ret)
{
	size_t len = alen(family), k = 0, out = 0;
	struct gn_range *r = calloc(n ? n : 1, sizeof *r);

	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct gn_addr net;

		if (v[i].addr.family != family)
			continue;
		prefix_network(&v[i], &net);
		memcpy(r[k].lo, net.a, len);
		memcpy(r[k].hi, net.a, len);
		for (unsigned bit = v[i].len; bit < len * 8; bit++)
			r[k].hi[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		k++;
	}
	qsort(r, k, sizeof *r, cmp_lo);
	for (size_t i = 0; i < k; i++) {
		uint8_t next[16];

		if (out == 0) {
			r[out++] = r[i];
			continue;
		}
		/* Merge when r[i] starts at or before the address after the
		 * current range's end (overlapping or adjacent). */
		if (!range_end_exclusive(&r[out - 1], family, next) || memcmp(r[i].lo, next, len) <= 0) {
			if (memcmp(r[i].hi, r[out - 1].hi, len) > 0)
				memcpy(r[out - 1].hi, r[i].hi, len);
			continue;
		}
		r[out++] = r[i];
	}
	if (out == 0) {
		free(r);
		r = NULL;
	}
	*ret = r;
	*n_ret = out;
	return 0;
}

/* x - 1 into out (x is not the family's first address). */
static void addr_before(const uint8_t *x, size_t len, uint8_t out[16])
{
	memcpy(out, x, 16);
	for (size_t i = len; i-- > 0;)
		if (out[i]-- != 0)
			break;
}

size_t range_without(const struct gn_range *r, int family, const uint8_t *addr, struct gn_range out[2])
{
	size_t len = alen(family), n = 0;

	if (memcmp(addr, r->lo, len) < 0 || memcmp(addr, r->hi, len) > 0) {
		out[0] = *r;
		return 1;
	}
	if (memcmp(addr, r->lo, len) > 0) {
		out[n] = *r;
		addr_before(addr, len, out[n].hi);
		n++;
	}
	if (memcmp(addr, r->hi, len) < 0) {
		struct gn_range one = { 0 };

		memcpy(one.hi, addr, len);
		out[n] = *r;
		range_end_exclusive(&one, family, out[n].lo);
		n++;
	}
	return n;
}
