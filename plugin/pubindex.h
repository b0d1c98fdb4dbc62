/*
 * The host ports guardnet's endpoints hold, by family, protocol and port:
 * asking whether a new publication collides with another endpoint's costs
 * the same with ten endpoints or ten thousand.  Pure.
 */
#ifndef GN_PUBINDEX_H
#define GN_PUBINDEX_H

#include <guardnet/pub.h>

struct pubindex_entry;

struct pubindex {
	struct pubindex_entry **buckets;
	size_t cap, n;
};

/* Adds a copy of p (its ep_id and net_id must outlive the entry). */
int pubindex_add(struct pubindex *ix, const struct gn_pub *p);
/* Removes the entry equal to p with the same owner (ep_id), if any. */
void pubindex_del(struct pubindex *ix, const struct gn_pub *p);
/* A publication of an endpoint other than except (an ep_id, compared as a
 * pointer) that p overlaps (pub_overlap), or NULL when p is free. */
const struct gn_pub *pubindex_find(const struct pubindex *ix, const struct gn_pub *p, const char *except);
void pubindex_clear(struct pubindex *ix);
/* Whether a and b claim the same host port: same family, protocol and
 * port, and either on every address or on the same one. */
bool pub_overlap(const struct gn_pub *a, const struct gn_pub *b);

#endif
