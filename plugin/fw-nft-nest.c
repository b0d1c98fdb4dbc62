/*
 * Which subnets a set keyed by subnet leaves out because they lie in
 * another network's (fw-nft-net.c: the kernel refuses overlapping
 * intervals in one set, and the outermost prefix matches the same
 * packets).  Sorted by first address, then larger prefix, then bridge, a
 * prefix lies in an earlier one of another network exactly when its last
 * address is at most the largest last address of another network's before
 * it: prefixes either nest or do not meet.  n log n; asking every network
 * of every subnet was 4 million comparisons a whole build at 1,000
 * networks (start-up's check builds two).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "fw.h"
#include "fw-nft.h"

/* A subnet as an interval. */
struct span {
	struct gn_addr lo, hi;
	uint8_t len;
	const char *bridge;
	size_t at;              /* its flag in the answer */
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	int c = memcmp(x->lo.a, y->lo.a, sizeof x->lo.a);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return strcmp(x->bridge, y->bridge);
}

bool *fw_outer_only(const struct fw_model *m, int family, bool (*member)(const struct fw_network *n))
{
	struct span *v, top = { 0 }, other = { 0 }; /* the largest end seen, and of another bridge than top's */
	size_t n = 0, all = 0;
	bool *drop;

	for (size_t i = 0; i < m->n; i++)
		all += m->nets[i].n_subnets;
	drop = calloc(all + 1, sizeof *drop);
	v = calloc(all + 1, sizeof *v);
	if (!drop || !v) {
		free(drop);
		free(v);
		return NULL;
	}
	for (size_t i = 0, at = 0; i < m->n; at += m->nets[i++].n_subnets) {
		const struct fw_network *o = &m->nets[i];

		for (size_t j = 0; member(o) && j < o->n_subnets; j++) {
			const struct gn_prefix *q = &o->subnets[j];
			struct span *x = &v[n];

			if (q->addr.family != family)
				continue;
			prefix_network(q, &x->lo);
			x->hi = x->lo;
			for (unsigned bit = q->len; bit < (family == AF_INET ? 32u : 128u); bit++)
				x->hi.a[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
			x->len = q->len;
			x->bridge = o->bridge;
			x->at = at + j;
			n++;
		}
	}
	qsort(v, n, sizeof *v, span_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct span *x = &v[i], *ref = top.bridge && strcmp(top.bridge, x->bridge) ? &top : &other;

		drop[x->at] = ref->bridge && memcmp(x->hi.a, ref->hi.a, sizeof x->hi.a) <= 0;
		if (top.bridge && !strcmp(top.bridge, x->bridge)) {
			if (memcmp(x->hi.a, top.hi.a, sizeof x->hi.a) > 0)
				top = *x;
		} else if (!top.bridge || memcmp(x->hi.a, top.hi.a, sizeof x->hi.a) > 0) {
			other = top;
			top = *x;
		} else if (!other.bridge || memcmp(x->hi.a, other.hi.a, sizeof x->hi.a) > 0) {
			other = *x;
		}
	}
	free(v);
	return drop;
}
