#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "addr.h"
#include "pubindex.h"

struct pubindex_entry {
	struct gn_pub pub;
	struct pubindex_entry *next;
};

static size_t slot(size_t cap, const struct gn_pub *p)
{
	uint32_t h = (uint32_t)p->port | (uint32_t)p->proto << 16 | (uint32_t)p->family << 24;

	/* Ports are dense and the low bits pick the bucket: mix them all. */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h & (cap - 1);
}

static bool same_key(const struct gn_pub *a, const struct gn_pub *b)
{
	return a->family == b->family && a->proto == b->proto && a->port == b->port;
}

bool pub_overlap(const struct gn_pub *a, const struct gn_pub *b)
{
	return same_key(a, b) && (a->any || b->any || addr_equal(&a->host, &b->host));
}

static int grow(struct pubindex *ix)
{
	size_t cap = ix->cap ? ix->cap * 2 : 64;
	struct pubindex_entry **b = calloc(cap, sizeof *b);

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < ix->cap; i++)
		while (ix->buckets[i]) {
			struct pubindex_entry *e = ix->buckets[i];
			size_t s = slot(cap, &e->pub);

			ix->buckets[i] = e->next;
			e->next = b[s];
			b[s] = e;
		}
	free(ix->buckets);
	ix->buckets = b;
	ix->cap = cap;
	return 0;
}

int pubindex_add(struct pubindex *ix, const struct gn_pub *p)
{
	struct pubindex_entry *e;
	size_t s;

	if (ix->n >= ix->cap && grow(ix) < 0)
		return -ENOMEM;
	e = malloc(sizeof *e);
	if (!e)
		return -ENOMEM;
	s = slot(ix->cap, p);
	e->pub = *p;
	e->next = ix->buckets[s];
	ix->buckets[s] = e;
	ix->n++;
	return 0;
}

void pubindex_del(struct pubindex *ix, const struct gn_pub *p)
{
	if (!ix->cap)
		return;
	for (struct pubindex_entry **e = &ix->buckets[slot(ix->cap, p)]; *e; e = &(*e)->next) {
		const struct gn_pub *q = &(*e)->pub;

		if (q->ep_id == p->ep_id && same_key(q, p) && q->any == p->any &&
		    (p->any || addr_equal(&q->host, &p->host))) {
			struct pubindex_entry *gone = *e;

			*e = gone->next;
			free(gone);
			ix->n--;
			return;
		}
	}
}

const struct gn_pub *pubindex_find(const struct pubindex *ix, const struct gn_pub *p, const char *except)
{
	if (!ix->cap)
		return NULL;
	for (const struct pubindex_entry *e = ix->buckets[slot(ix->cap, p)]; e; e = e->next)
		if (e->pub.ep_id != except && pub_overlap(&e->pub, p))
			return &e->pub;
	return NULL;
}

void pubindex_clear(struct pubindex *ix)
{
	for (size_t i = 0; i < ix->cap; i++)
		while (ix->buckets[i]) {
			struct pubindex_entry *e = ix->buckets[i];

			ix->buckets[i] = e->next;
			free(e);
		}
	free(ix->buckets);
	ix->buckets = NULL;
	ix->cap = ix->n = 0;
}
