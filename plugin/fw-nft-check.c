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

	if (strcmp(want->comment ? want->comment : "", have->comment ? have->comment : ""))
		say(o, "table %s %s: its comment is \"%s\", not \"%s\"", fw_family_name(want->family), want->name,
		    have->comment ? have->comment : "", want->comment ? want->comment : "");
	for (size_t i = 0; i < want->n_chains; i++) {
		const struct nchain *w = &want->chains[i], *h = nft_text_chain(have, w->name);
		size_t lost, extra;

		snprintf(what, sizeof what, "table %s %s: chain %s", fw_family_name(want->family), want->name, w->name);
		if (!h) {
			say(o, "%s is missing", what);
			continue;
		}
		if (strcmp(w->desc, h->desc))
			say(o, "%s is \"%s\", not \"%s\"", what, h->desc[0] ? h->desc : "a regular chain",
			    w->desc[0] ? w->desc : "a regular chain");
		/* A chain as it should be, the usual case, needs no sorting. */
		if (same_order(&w->rules, &h->rules))
			continue;
		lost = lines_missing(o, what, &w->rules, &h->rules, &w->whats, "lacks the rule");
		extra = lines_missing(o, what, &h->rules, &w->rules, NULL, "holds a rule guardnet did not write:");
		if (!lost && !extra)
			say(o, "%s: its rules are out of order", what);
	}
	for (size_t i = 0; i < have->n_chains; i++)
		if (!nft_text_chain(want, have->chains[i].name))
			say(o, "table %s %s: chain %s is not one of guardnet's", fw_family_name(have->family), have->name,
			    have->chains[i].name);
	for (size_t i = 0; i < want->n_sets; i++) {
		const struct nset *w = &want->sets[i], *h = nft_text_set(have, w->name);

		snprintf(what, sizeof what, "table %s %s: set %s", fw_family_name(want->family), want->name, w->name);
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
			say(o, "table %s %s: set %s is not one of guardnet's", fw_family_name(have->family), have->name,
			    have->sets[i].name);
}

/* What one iptables filter table holds of guardnet's rules, chain by chain
 * (DOCKER-USER, FORWARD), and the chain they belong in (-1: none there). */
struct hook_view {
	bool exists[2];
	size_t n[2];
	struct ipt_rule rules[2][IPT_MAX_OURS];
	int target;
};

static void rule_desc(const struct ipt_rule *r, char *buf, size_t len)
{
	if (r->kind == IPT_ACCEPT)
		snprintf(buf, len, "accept rule (-m mark --mark 0x%x/0x%x -m comment --comment " FW_COMMENT
				   " -j ACCEPT)", r->value, r->value);
	else if (r->kind == IPT_DROP_TO || r->kind == IPT_DROP_FROM)
		snprintf(buf, len, "drop %s its bridges (-m devgroup --%s-group 0x%x -m comment --comment " FW_COMMENT
				   " -j DROP)", r->kind == IPT_DROP_TO ? "into" : "out of",
			 r->kind == IPT_DROP_TO ? "dst" : "src", r->value);
	else
		snprintf(buf, len, "rule with its comment that it does not make");
}

static bool same_rule(const struct ipt_rule *a, const struct ipt_rule *b)
{
	return a->kind == b->kind && a->value == b->value;
}

/* Which of a's n rules b's nb lack (multisets), marked in gone[]; how many. */
static size_t rules_unmatched(const struct ipt_rule *a, size_t n, const struct ipt_rule *b, size_t nb, bool *gone)
{
	bool used[IPT_MAX_OURS] = { false };
	size_t lost = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		while (k < nb && (used[k] || !same_rule(&a[i], &b[k])))
			k++;
		gone[i] = k == nb;
		if (k < nb)
			used[k] = true;
		lost += gone[i];
	}
	return lost;
}

/* The accept rule, then the drops of the device group (fw.h, struct
 * fw_hook), in this order, in the target chain, and none elsewhere. */
static void hook_family(struct out *o, const char *where, const struct hook_view *v, const struct fw_hook *want)
{
	static const char *const why[] = {
		[IPT_ACCEPT] = "connections guardnet admits are dropped there",
		[IPT_DROP_TO] = "while guardnetd is down, nothing but its table keeps its networks closed",
		[IPT_DROP_FROM] = "while guardnetd is down, nothing but its table keeps its networks closed",
	};
	struct ipt_rule w[3];
	size_t nw = 0;
	char d[160];

	if (want->mark) {
		w[nw++] = (struct ipt_rule){ IPT_ACCEPT, want->mark };
		if (want->group) {
			w[nw++] = (struct ipt_rule){ IPT_DROP_TO, want->group };
			w[nw++] = (struct ipt_rule){ IPT_DROP_FROM, want->group };
		}
	}
	for (int c = 0; c < 2; c++) {
		bool gone[IPT_MAX_OURS];
		size_t lost, extra;

		if (!v->exists[c])
			continue;
		if (c != v->target || !nw) {
			if (v->n[c])
				say(o, "%s: %s holds guardnet's rule, which belongs %s%s", where, ipt_chains[c],
				    nw && v->target >= 0 ? "only in " : "nowhere here",
				    nw && v->target >= 0 ? ipt_chains[v->target] : "");
			continue;
		}
		lost = rules_unmatched(w, nw, v->rules[c], v->n[c], gone);
		for (size_t i = 0; i < nw; i++)
			if (gone[i]) {
				rule_desc(&w[i], d, sizeof d);
				say(o, "%s: %s lacks guardnet's %s: %s", where, ipt_chains[c], d, why[w[i].kind]);
			}
		extra = rules_unmatched(v->rules[c], v->n[c], w, nw, gone);
		for (size_t i = 0; i < v->n[c]; i++)
			if (gone[i]) {
				rule_desc(&v->rules[c][i], d, sizeof d);
				say(o, "%s: %s holds a %s guardnet did not put there", where, ipt_chains[c], d);
			}
		if (!lost && !extra)
			for (size_t i = 0; i < nw; i++)
				if (!same_rule(&w[i], &v->rules[c][i])) {
					say(o, "%s: guardnet's rules in %s are out of order (the accept rule first, then "
					       "the drops)", where, ipt_chains[c]);
					break;
				}
	}
}

static void hooks(struct gn_fw *fw, struct out *o, const struct fw_hook *want)
{
	static const char *const nft_where[2] = { "ip filter (iptables-nft)", "ip6 filter (ip6tables-nft)" };
	static const char *const legacy_where[2] = { "ip filter (legacy iptables)", "ip6 filter (legacy ip6tables)" };
	bool docker_nft = fw_docker_nft(fw);
	struct ipt_state st;
	struct gn_err err;

	if (fw_ipt_nft_read(fw->sock, &fw->seq, docker_nft, &st, &err) < 0)
		say(o, "iptables-nft: %s", err.msg);
	else
		for (size_t f = 0; f < 2; f++) {
			struct hook_view v = { .target = fw_ipt_nft_target(&st, f) };

			for (int c = 0; c < 2; c++) {
				v.exists[c] = st.chain[f][c].exists;
				v.n[c] = st.chain[f][c].n;
				memcpy(v.rules[c], st.chain[f][c].rules, sizeof v.rules[c]);
			}
			hook_family(o, nft_where[f], &v, want);
		}
	for (int f = 0; f < 2; f++) {
		struct fw_ipt_legacy_view l;
		struct hook_view v = { 0 };
		bool present;

		if (fw_ipt_legacy_read(f ? AF_INET6 : AF_INET, &present, &l, &err) < 0) {
			say(o, "%s: %s", legacy_where[f], err.msg);
			continue;
		}
		if (!present)
			continue;
		for (int c = 0; c < 2; c++) {
			v.exists[c] = l.exists[c];
			v.n[c] = l.n[c] < IPT_MAX_OURS ? l.n[c] : IPT_MAX_OURS;
			for (size_t i = 0; i < v.n[c]; i++) {
				const struct fw_legacy_rule *k = &l.rules[c][i];

				v.rules[c][i] = (struct ipt_rule){ !k->value ? IPT_OTHER : !k->drop ? IPT_ACCEPT
								  : k->into ? IPT_DROP_TO : IPT_DROP_FROM, k->value };
			}
		}
		v.target = !docker_nft && l.exists[0] && l.jumps ? 0 : l.exists[1] ? 1 : -1;
		hook_family(o, legacy_where[f], &v, want);
	}
}

/* guardnet's tables: its own (UFW's rules in ip and ip6, only while UFW
 * decides for a network), and the counting table; what a missing one
 * means. */
static const struct {
	uint32_t family;
	const char *name, *missing;
} tables[] = {
	{ NFPROTO_INET, FW_TABLE, "nothing filters published ports or keeps networks apart" },
	{ NFPROTO_IPV4, FW_TABLE, "UFW's rules do not decide for published ports" },
	{ NFPROTO_IPV6, FW_TABLE, "UFW's rules do not decide for published ports" },
	{ NFPROTO_INET, FW_COUNT_TABLE, "connections to published ports are not counted" },
};
#define N_TABLES (sizeof tables / sizeof tables[0])

struct fw_snapshot {
	struct ntable have[N_TABLES];
	int r[N_TABLES];        /* nft_text_have's answer for each */
};

int fw_nft_snapshot(struct gn_fw *own, struct fw_snapshot **ret)
{
	struct fw_snapshot *s = calloc(1, sizeof *s);

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < N_TABLES; i++)
		s->r[i] = nft_text_have(own, tables[i].family, tables[i].name, &s->have[i]);
	*ret = s;
	return 0;
}

bool fw_snapshot_whole(const struct fw_snapshot *s)
{
	for (size_t i = 0; i < N_TABLES; i++)
		if (s->r[i] < 0 && s->r[i] != -ENOENT)
			return false;
	return true;
}

/* A reading's or a build's tables, and what holds them.  Both sides' text
 * at 1,000 networks x 20 ports is some 17 MB in small blocks, which glibc
 * would keep for the life of guardnetd (its RSS at start-up: 30 MB instead
 * of 13). */
static void texts_free(struct ntable *t, void *holder)
{
	for (size_t i = 0; i < N_TABLES; i++)
		nft_text_clear(&t[i]);
	free(holder);
	malloc_trim(0);
}

void fw_snapshot_free(struct fw_snapshot *s)
{
	if (s)
		texts_free(s->have, s);
}

struct fw_want {
	struct ntable t[N_TABLES];
	int r;                  /* nft_text_want's answer */
};

int fw_want_build(struct gn_fw *fw, const struct fw_model *model, struct fw_want **ret)
{
	struct fw_model m = *model;
	struct fw_want *w = calloc(1, sizeof *w);

	if (!w)
		return -ENOMEM;
	/* fw_apply's set uplinks is the host's, which fw keeps. */
	m.uplinks = fw->uplinks;
	m.n_uplinks = fw->n_uplinks;
	for (size_t i = 0; i < N_TABLES; i++)
		w->t[i] = (struct ntable){ .family = tables[i].family, .name = tables[i].name };
	w->r = nft_text_want(&m, w->t, N_TABLES);
	*ret = w;
	return 0;
}

void fw_want_free(struct fw_want *w)
{
	if (w)
		texts_free(w->t, w);
}

/* guardnet's tables (as snap holds them, or as read now) against what
 * fw_apply would make of m from nothing (want, or built now). */
static void check_tables(struct gn_fw *fw, struct out *o, const struct fw_model *m, const struct fw_snapshot *snap,
			 const struct fw_want *want, struct nft_tally *tally)
{
	struct fw_want *built = NULL;
	struct ntable own;

	if (!want && fw_want_build(fw, m, &built) < 0) {
		say(o, "cannot build the tables to compare: %s", strerror(ENOMEM));
		return;
	}
	want = want ? want : built;
	for (size_t i = 0; i < N_TABLES; i++) {
		const char *fam = fw_family_name(tables[i].family), *name = tables[i].name;
		const struct ntable *have = snap ? &snap->have[i] : &own, *w = &want->t[i];
		int h;

		if (want->r < 0) {
			say(o, "cannot build table %s %s to compare: %s", fam, name, strerror(-want->r));
			continue;
		}
		h = snap ? snap->r[i] : nft_text_have(fw, tables[i].family, name, &own);
		if (h == -ENOENT) {
			if (w->exists)
				say(o, "table %s %s is missing: %s", fam, name, tables[i].missing);
			continue;
		}
		if (h < 0)
			say(o, "reading table %s %s: %s", fam, name, strerror(-h));
		else if (!w->exists)
			say(o, "table %s %s exists, though guardnet %s", fam, name,
			    m->n ? "has no network under UFW" : "has no network");
		else
			compare(o, w, have);
		if (!snap)
			nft_text_clear(&own);
		for (size_t f = 0; tally && want->r == 0 && f < FW_FAMILIES; f++)
			if (fw_families[f] == w->family && !strcmp(w->name, FW_TABLE))
				tally[f] = w->tally;
	}
	fw_want_free(built);
}

void fw_check(struct gn_fw *fw, const struct fw_model *m, void (*report)(const char *msg, void *rctx), void *rctx)
{
	struct out o = { .report = report, .rctx = rctx };

	check_tables(fw, &o, m, NULL, NULL, NULL);
	hooks(fw, &o, &(struct fw_hook){ .mark = m->n ? m->mark : 0, .group = m->n ? m->group : 0 });
}

bool fw_nft_tables_same(struct gn_fw *fw, const struct fw_model *m, const struct fw_snapshot *snap,
			const struct fw_want *want, struct nft_tally tally[FW_FAMILIES])
{
	struct out o = { 0 };

	check_tables(fw, &o, m, snap, want, tally);
	return o.n == 0;
}
