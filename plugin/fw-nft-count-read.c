/*
 * guardnet's connection counters read back from table inet guardnet_count
 * (fw-nft-count.c builds it): each set's elements dumped, conn and adm
 * joined per port.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw.h"
#include "fw-nft.h"
#include "log.h"

/* One element as read: its family, key and counter. */
struct raw {
	uint8_t family;
	uint8_t key[24];
	uint32_t klen;
	uint64_t packets;
};

struct raws {
	struct raw *v;
	size_t n, cap;
	uint8_t family;
	int r;
};

static void add_elem(struct raws *l, struct nftnl_set_elem *e)
{
	struct nftnl_expr *x = (struct nftnl_expr *)nftnl_set_elem_get(e, NFTNL_SET_ELEM_EXPR, NULL);
	uint32_t len = 0;
	const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);

	if (!key || len > sizeof l->v[0].key)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct raw *v = realloc(l->v, cap * sizeof *v);

		if (!v) {
			l->r = -ENOMEM;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof l->v[0]);
	l->v[l->n].family = l->family;
	memcpy(l->v[l->n].key, key, len);
	l->v[l->n].klen = len;
	if (x && !strcmp(nftnl_expr_get_str(x, NFTNL_EXPR_NAME), "counter"))
		l->v[l->n].packets = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS);
	l->n++;
}

static int on_elems(const struct nlmsghdr *nlh, void *data)
{
	struct raws *l = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;

	if (!s || nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_OK;
	}
	it = nftnl_set_elems_iter_create(s);
	while (it && l->r == 0 && (e = nftnl_set_elems_iter_next(it)))
		add_elem(l, e);
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int read_set(struct gn_fw *fw, const char *name, uint8_t family, struct raws *l)
{
	int r;

	l->family = family;
	r = nft_dump_elems(fw->sock, &fw->seq, NFPROTO_INET, FW_COUNT_TABLE, name, on_elems, l);
	return r < 0 ? r : l->r;
}

static int raw_cmp(const void *a, const void *b)
{
	const struct raw *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return memcmp(x->key, y->key, x->klen);
}

/* key: host address (all zero: every address) . proto . port, in 4-byte fields. */
static void count_from(const struct raw *k, struct fw_count *c)
{
	size_t alen = k->family == AF_INET ? 4 : 16;
	static const uint8_t zero[16];

	memset(c, 0, sizeof *c);
	c->family = k->family;
	c->any = !memcmp(k->key, zero, alen);
	c->host.family = k->family;
	memcpy(c->host.a, k->key, alen);
	c->proto = k->key[alen];
	c->port = (uint16_t)(k->key[alen + 4] << 8 | k->key[alen + 5]);
}

int fw_counters(struct gn_fw *fw, struct fw_counts *ret, struct gn_err *err)
{
	static const struct {
		const char *name;
		uint8_t family;
	} adm[] = { { "adm4", AF_INET }, { "adm6", AF_INET6 } }, conn[] = { { "conn4", AF_INET }, { "conn6", AF_INET6 } };
	struct raws a = { 0 }, t = { 0 };
	int r = 0;

	memset(ret, 0, sizeof *ret);
	for (size_t i = 0; i < 2 && r == 0; i++)
		r = read_set(fw, adm[i].name, adm[i].family, &a);
	for (size_t i = 0; i < 2 && r == 0; i++)
		r = read_set(fw, conn[i].name, conn[i].family, &t);
	/* No table (no network), or one from before counters: none counted. */
	if (r == -ENOENT) {
		free(a.v);
		free(t.v);
		return 0;
	}
	if (r == 0 && t.n && !(ret->v = calloc(t.n, sizeof *ret->v)))
		r = -ENOMEM;
	if (r < 0) {
		free(a.v);
		free(t.v);
		return gn_errf(err, r, "reading guardnet's connection counters: %s", strerror(-r));
	}
	qsort(a.v, a.n, sizeof *a.v, raw_cmp);
	/* Every port has an element in both; one only in conn was added
	 * between the two reads and has admitted nobody yet. */
	for (size_t i = 0; i < t.n; i++) {
		const struct raw *m = a.n ? bsearch(&t.v[i], a.v, a.n, sizeof *a.v, raw_cmp) : NULL;
		struct fw_count *c = &ret->v[ret->n++];

		count_from(&t.v[i], c);
		c->tried = t.v[i].packets;
		c->admitted = m ? m->packets : 0;
	}
	qsort(ret->v, ret->n, sizeof *ret->v, fw_count_cmp);
	free(a.v);
	free(t.v);
	return 0;
}
