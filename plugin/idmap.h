/*
 * A hash map from Docker IDs to objects, so that lookups cost the same with
 * ten endpoints or ten thousand.  Keys are borrowed: each points into the
 * object it maps to and must live as long as the entry.
 */
#ifndef GN_IDMAP_H
#define GN_IDMAP_H

#include <stddef.h>

struct idmap_slot {
	const char *key; /* NULL: empty; IDMAP_TOMB: deleted */
	void *val;
};

struct idmap {
	struct idmap_slot *slots;
	size_t cap;  /* power of two */
	size_t used; /* live + tombstones */
	size_t live;
};

void *idmap_get(const struct idmap *m, const char *key);
int idmap_put(struct idmap *m, const char *key, void *val);  /* 0, -EEXIST or -ENOMEM */
void *idmap_del(struct idmap *m, const char *key);           /* the removed value or NULL */
void idmap_free(struct idmap *m);
/* Calls fn for every value; fn must not change the map. */
void idmap_each(const struct idmap *m, void (*fn)(void *val, void *ctx), void *ctx);

#endif
