#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

static const char tomb[1];
#define IDMAP_TOMB tomb

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct idmap_slot *find(const struct idmap *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct idmap_slot *s = &m->slots[i];

		if (!s->key)
			return NULL;
		if (s->key != IDMAP_TOMB && !strcmp(s->key, key))
			return s;
	}
}

void *idmap_get(const struct idmap *m, const char *key)
{
	struct idmap_slot *s = find(m, key);

	return s ? s->val : NULL;
}

static void insert(struct idmap *m, const char *key, void *val)
{
	size_t i;

	for (i = hash(key) & (m->cap - 1); m->slots[i].key && m->slots[i].key != IDMAP_TOMB;
	     i = (i + 1) & (m->cap - 1))
		;
	if (!m->slots[i].key)
		m->used++;
	m->slots[i].key = key;
	m->slots[i].val = val;
	m->live++;
}

static int grow(struct idmap *m)
{
	struct idmap old = *m;
	size_t cap = m->cap ? m->cap : 16;

	/* Rehash when live entries and tombstones fill half the table. */
	while (m->live * 4 >= cap)
		cap *= 2;
	m->slots = calloc(cap, sizeof *m->slots);
	if (!m->slots) {
		*m = old;
		return -ENOMEM;
	}
	m->cap = cap;
	m->used = m->live = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].key && old.slots[i].key != IDMAP_TOMB)
			insert(m, old.slots[i].key, old.slots[i].val);
	free(old.slots);
	return 0;
}

int idmap_put(struct idmap *m, const char *key, void *val)
{
	if (find(m, key))
		return -EEXIST;
	if ((m->used + 1) * 2 > m->cap && grow(m) < 0)
		return -ENOMEM;
	insert(m, key, val);
	return 0;
}

void *idmap_del(struct idmap *m, const char *key)
{
	struct idmap_slot *s = find(m, key);
	void *val;

	if (!s)
		return NULL;
	val = s->val;
	s->key = IDMAP_TOMB;
	s->val = NULL;
	m->live--;
	return val;
}

void idmap_free(struct idmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof *m);
}

void idmap_each(const struct idmap *m, void (*fn)(void *val, void *ctx), void *ctx)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key && m->slots[i].key != IDMAP_TOMB)
			fn(m->slots[i].val, ctx);
}
