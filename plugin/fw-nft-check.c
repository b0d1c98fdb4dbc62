/*
 * guardnet's tables as the kernel holds them against the tables fw_apply
 * would build for the model now, both as text (fw-nft-text.h), chain by
 * chain, rule by rule, set by set, element by element: guardnetctl check
 * prints each difference (fw_check, which then looks at guardnet's accept
 * rule in each iptables filter table, nf_tables and legacy); start-up
 * rebuilds only when there is one (fw_nft_tables_same), so that a restart
 * on a host where nothing changed writes nothing (at 1,000 networks a
 * rebuild is 20,000 rules parsed again, and as many change events).
 */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter/nfnetlink.h>

#include "fw.h"
#include "fw-ipt-legacy.h"
#include "fw-nft.h"
#include "fw-nft-text.h"

/* Lines of one kind (rules of a chain, elements of a set) after which
 * check says how many more differ instead of listing them. */
#define MAX_LINES 8

struct out {
	void (*report)(const char *msg, void *rctx);   /* NULL: only count */
	void *rctx;
	unsigned n;
};

static void say(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct out *o, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	o->n++;
	if (!o->report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	o->report(msg, o->rctx);
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Which lines of a (in order) have no partner in b: marked in gone[];
 * how many.  Multisets: a line twice in a needs it twice in b. */
static size_t unmatched(const struct strv *a, const struct strv *b, bool *gone)
{
	char **sorted = b->n ? malloc(b->n * sizeof *sorted) : NULL;
	bool *used = b->n ? calloc(b->n, sizeof *used) : NULL;
	size_t n = 0;

	if (b->n && (!sorted || !used)) {
		free(sorted);
		free(used);
		return 0;
	}
	if (b->n)
		memcpy(sorted, b->v, b->n * sizeof *sorted);
	qsort(sorted, b->n, sizeof *sorted, strp_cmp);
	for (size_t i = 0; i < a->n; i++) {
		char **hit = b->n ? bsearch(&a->v[i], sorted, b->n, sizeof *sorted, strp_cmp) : NULL;

		/* The first unused of equal lines. */
		while (hit && hit > sorted && !strcmp(hit[-1], a->v[i]))
			hit--;
		while (hit && hit < sorted + b->n && !strcmp(*hit, a->v[i]) && used[hit - sorted])
			hit++;
		if (hit && hit < sorted + b->n && !strcmp(*hit, a->v[i])) {
			used[hit - sorted] = true;
			gone[i] = false;
		} else {
			gone[i] = true;
			n++;
		}
	}
	free(sorted);
	free(used);
	return n;
}

/* Lines of a that b lacks, each said as fmt with the line (and what[i]). */
static size_t lines_missing(struct out *o, const char *what, const struct strv *a, const struct strv *b,
			    const struct strv *labels, const char *verb)
{
	bool *gone = a->n ? calloc(a->n, sizeof *gone) : NULL;
	size_t n = gone ? unmatched(a, b, gone) : 0, shown = 0;

	for (size_t i = 0; gone && i < a->n; i++) {
		if (!gone[i] || ++shown > MAX_LINES)
			continue;
		if (labels && labels->n == a->n && labels->v[i][0])
			say(o, "%s: %s \"%s\": %.400s", what, verb, labels->v[i], a->v[i]);
		else
			say(o, "%s: %s %.400s", what, verb, a->v[i]);
	}
	if (shown > MAX_LINES)
		say(o, "%s: and %zu more like that", what, shown - MAX_LINES);
	free(gone);
	return n;
}

static bool same_order(const struct strv *a, const struct strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}

static void compare(struct out *o, const struct ntable *want, const struct ntable *have)
{
	char what[128];

	for (size_t i = 0; i < want->n_chains; i++) {
		const struct nchain *w = &want->chains[i], *h = nft_text_chain(have, w->name);
		size_t lost, extra;

		snprintf(what, sizeof what, "table inet %s: chain %s", want->name, w->name);
		if (!h) {
			say(o, "%s is missing", what);
			continue;
		}
		if (strcmp(w->desc, h->desc))
			say(o, "%s is \"%s\", not \"%s\"", what, h->desc[0] ? h->desc : "a regular chain",
			    w->desc[0] ? w->desc : "a regular chain");
		lost = lines_missing(o, what, &w->rules, &h->rules, &w->whats, "lacks the rule");
		extra = lines_missing(o, what, &h->rules, &w->rules, NULL, "holds a rule guardnet did not write:");
		if (!lost && !extra && !same_order(&w->rules, &h->rules))
			say(o, "%s: its rules are out of order", what);
	}
	for (size_t i = 0; i < have->n_chains; i++)
		if (!nft_text_chain(want, have->chains[i].name))
			say(o, "table inet %s: chain %s is not one of guardnet's", have->name, have->chains[i].name);
	for (size_t i = 0; i < want->n_sets; i++) {
		const struct nset *w = &want->sets[i], *h = nft_text_set(have, w->name);

		snprintf(what, sizeof what, "table inet %s: set %s", want->name, w->name);
		if (!h) {
			say(o, "%s is missing", what);
			continue;
		}
		if (strcmp(w->desc, h->desc))
			say(o, "%s is \"%s\", not \"%s\"", what, h->desc, w->desc);
		if (w->dynamic)
			continue;
		lines_missing(o, what, &w->elems, &h->elems, NULL, "lacks the element");
		lines_missing(o, what, &h->elems, &w->elems, NULL, "holds an element guardnet did not put there:");
	}
	for (size_t i = 0; i < have->n_sets; i++)
		if (!nft_text_set(want, have->sets[i].name))
			say(o, "table inet %s: set %s is not one of guardnet's", have->name, have->sets[i].name);
}

/* What one iptables filter table holds of guardnet's accept rule, chain by
 * chain (DOCKER-USER, FORWARD), against where it belongs: once, for mark,
 * in the first chain that exists (none anywhere when mark is 0). */
struct hook_view {
	bool exists[2];
	size_t n[2];
	bool current[2];
};

static void hook_family(struct out *o, const char *where, const struct hook_view *v, uint32_t mark)
{
	int target = v->exists[0] ? 0 : v->exists[1] ? 1 : -1;

	for (int c = 0; c < 2; c++) {
		if (!v->exists[c])
			continue;
		if (c == target && mark) {
			if (!v->n[c])
				say(o, "%s: %s lacks guardnet's accept rule (-m mark --mark 0x%x/0x%x -m comment --comment "
				       FW_COMMENT " -j ACCEPT): connections guardnet admits are dropped there", where,
				    ipt_chains[c], mark, mark);
			else if (!v->current[c])
				say(o, "%s: guardnet's rule in %s is for another mark than 0x%x", where, ipt_chains[c], mark);
			else if (v->n[c] > 1)
				say(o, "%s: %s holds %zu of guardnet's rules, not one", where, ipt_chains[c], v->n[c]);
		} else if (v->n[c]) {
			say(o, "%s: %s holds guardnet's rule, which belongs %s%s", where, ipt_chains[c],
			    mark && target >= 0 ? "only in " : "nowhere here",
			    mark && target >= 0 ? ipt_chains[target] : "");
		}
	}
}

static void hooks(struct gn_fw *fw, struct out *o, uint32_t mark)
{
	static const char *const nft_where[2] = { "ip filter (iptables-nft)", "ip6 filter (ip6tables-nft)" };
	static const char *const legacy_where[2] = { "ip filter (legacy iptables)", "ip6 filter (legacy ip6tables)" };
	struct ipt_state st;
	struct gn_err err;

	if (fw_ipt_nft_read(fw->sock, &fw->seq, mark, &st, &err) < 0)
		say(o, "iptables-nft: %s", err.msg);
	else
		for (int f = 0; f < 2; f++) {
			struct hook_view v;

			for (int c = 0; c < 2; c++) {
				v.exists[c] = st.chain[f][c].exists;
				v.n[c] = st.chain[f][c].n;
				v.current[c] = st.chain[f][c].current;
			}
			hook_family(o, nft_where[f], &v, mark);
		}
	for (int f = 0; f < 2; f++) {
		struct fw_ipt_legacy_view l;
		struct hook_view v;
		bool present;

		if (fw_ipt_legacy_read(f ? AF_INET6 : AF_INET, mark, &present, &l, &err) < 0) {
			say(o, "%s: %s", legacy_where[f], err.msg);
			continue;
		}
		if (!present)
			continue;
		for (int c = 0; c < 2; c++) {
			v.exists[c] = l.exists[c];
			v.n[c] = l.n[c];
			v.current[c] = l.current[c];
		}
		hook_family(o, legacy_where[f], &v, mark);
	}
}

static const char *const tables[2] = { FW_TABLE, FW_COUNT_TABLE };

/* guardnet's tables against what fw_apply would make of m from nothing. */
static void check_tables(struct gn_fw *fw, struct out *o, const struct fw_model *m)
{
	struct ntable want[2] = { { .name = tables[0] }, { .name = tables[1] } }, have;
	int r = nft_text_want(m, want, 2);

	for (size_t i = 0; i < 2; i++) {
		const char *name = tables[i];
		int h;

		if (r < 0) {
			say(o, "cannot build table inet %s to compare: %s", name, strerror(-r));
			continue;
		}
		h = nft_text_have(fw, name, &have);
		if (h == -ENOENT) {
			if (want[i].exists)
				say(o, "table inet %s is missing: %s", name,
				    i == 0 ? "nothing filters published ports or keeps networks apart"
					   : "connections to published ports are not counted");
			continue;
		}
		if (h < 0)
			say(o, "reading table inet %s: %s", name, strerror(-h));
		else if (!want[i].exists)
			say(o, "table inet %s exists, though guardnet has no network", name);
		else
			compare(o, &want[i], &have);
		nft_text_clear(&have);
	}
	for (size_t i = 0; i < 2; i++)
		nft_text_clear(&want[i]);
	/* Both sides' text at 1,000 networks x 20 ports is some 17 MB in
	 * small blocks, which glibc would keep for the life of guardnetd
	 * (its RSS at start-up: 30 MB instead of 13). */
	malloc_trim(0);
}

void fw_check(struct gn_fw *fw, const struct fw_model *m, void (*report)(const char *msg, void *rctx), void *rctx)
{
	struct out o = { .report = report, .rctx = rctx };

	check_tables(fw, &o, m);
	hooks(fw, &o, m->n ? m->mark : 0);
}

bool fw_nft_tables_same(struct gn_fw *fw, const struct fw_model *m)
{
	struct out o = { 0 };

	check_tables(fw, &o, m);
	return o.n == 0;
}
