/*
 * Nested subnets in the whole build: a masquerade set keyed by subnet
 * holds only the outermost of subnets that nest across networks (the
 * kernel refuses overlapping intervals), the same prefix on two networks
 * once (on the first bridge by name), and a network's own nested subnets
 * both.  Random models (10 of 160 networks), against the rule written
 * the slow way.  And two networks holding the same address, each with an
 * endpoint that has a guardnet.allow there: two elements of map epav4,
 * one per bridge.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw-nft-text.h"
#include "fw_nft_case.h"
#include "suites.h"

#define NETS 160
#define MAX_SUBNETS 3

struct model {
	struct fw_network nets[NETS];
	struct gn_prefix subnets[NETS][MAX_SUBNETS];
	char bridges[NETS][16];
	struct fw_model m;
};

static bool masq(const struct fw_network *n)
{
	return !n->internal && !n->no_masquerade;
}

/* The rule as the build states it, asked of every pair. */
static bool left_out(const struct fw_model *m, const struct fw_network *n, const struct gn_prefix *p)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct fw_network *o = &m->nets[i];

		if (!strcmp(o->bridge, n->bridge) || !masq(o))
			continue;
		for (size_t j = 0; j < o->n_subnets; j++) {
			const struct gn_prefix *q = &o->subnets[j];

			if (q->addr.family == p->addr.family && q->len <= p->len && prefix_contains(q, &p->addr) &&
			    (q->len < p->len || strcmp(o->bridge, n->bridge) < 0))
				return true;
		}
	}
	return false;
}

/* An element's text as fw-nft-text.c writes an IPv4 key. */
static void key_text(char *buf, size_t len, const uint8_t a[4], bool end)
{
	uint32_t w;

	memcpy(&w, a, 4);
	snprintf(buf, len, "%08x%s", w, end ? " [end]" : "");
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void random_model(struct model *x, unsigned seed)
{
	srandom(seed);
	memset(x, 0, sizeof *x);
	for (size_t i = 0; i < NETS; i++) {
		struct fw_network *n = &x->nets[i];

		/* Names in no order, some sharing a prefix with another. */
		snprintf(x->bridges[i], sizeof x->bridges[i], "gn-%03ld", random() % 1000);
		snprintf(x->bridges[i] + strlen(x->bridges[i]), 4, "%zu", i);
		n->bridge = x->bridges[i];
		n->internal = random() % 8 == 0;
		n->no_masquerade = random() % 8 == 0;
		n->n_subnets = 1 + (size_t)random() % MAX_SUBNETS;
		n->subnets = x->subnets[i];
		for (size_t j = 0; j < n->n_subnets; j++) {
			char text[32];

			/* Few and short prefixes in 10/8: equal and nested ones
			 * are common, across networks and within one. */
			snprintf(text, sizeof text, "10.%ld.%ld.0/%ld", random() % 64, random() % 4 * 64,
				 random() % 32 ? 18 + random() % 9 : 16);
			x->subnets[i][j] = P(text);
		}
	}
	x->m = (struct fw_model){ .nets = x->nets, .n = NETS, .mark = MARK };
}

START_TEST(masq_keeps_outermost)
{
	for (unsigned seed = 1; seed <= 10; seed++) {
		struct model *x = calloc(1, sizeof *x);
		struct ntable t[1] = { { .family = NFPROTO_INET, .name = FW_TABLE } };
		const struct nset *s;
		char **want = calloc(2 * NETS * MAX_SUBNETS + 1, sizeof *want);
		size_t n = 0;

		ck_assert_ptr_nonnull(x);
		random_model(x, seed);
		for (size_t i = 0; i < NETS; i++)
			for (size_t j = 0; masq(&x->nets[i]) && j < x->nets[i].n_subnets; j++) {
				const struct gn_prefix *p = &x->nets[i].subnets[j];
				struct gn_addr lo, hi;
				char buf[32];

				if (left_out(&x->m, &x->nets[i], p))
					continue;
				prefix_network(p, &lo);
				hi = lo;
				for (unsigned bit = p->len; bit < 32; bit++)
					hi.a[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
				/* The interval's end element is the address after it. */
				for (int k = 3; k >= 0 && ++hi.a[k] == 0; k--)
					;
				key_text(buf, sizeof buf, lo.a, false);
				want[n++] = strdup(buf);
				key_text(buf, sizeof buf, hi.a, true);
				want[n++] = strdup(buf);
			}
		ck_assert_int_eq(nft_text_want(&x->m, t, 1), 0);
		s = nft_text_set(&t[0], "masq4");
		ck_assert_ptr_nonnull(s);
		ck_assert_msg(s->elems.n == n, "seed %u: masq4 holds %zu elements, the rule keeps %zu", seed, s->elems.n,
			      n);
		qsort(want, n, sizeof *want, str_cmp);
		qsort(s->elems.v, s->elems.n, sizeof *s->elems.v, str_cmp);
		for (size_t i = 0; i < n; i++) {
			ck_assert_msg(!strcmp(want[i], s->elems.v[i]), "seed %u: element %zu is %s, not %s", seed, i,
				      s->elems.v[i], want[i]);
			free(want[i]);
		}
		free(want);
		nft_text_clear(&t[0]);
		free(x);
	}
}
END_TEST

/* Networks gn-a and gn-b both 10.5.0.0/24, a container 10.5.0.2 with a
 * guardnet.allow on each: keyed by address alone, the two map elements
 * would be one key with two chains, which the kernel refuses (and the
 * whole table with it), and one list would decide for the other's
 * container. */
START_TEST(epallow_same_address)
{
	struct gn_prefix sub[] = { P("10.5.0.0/24") }, src_a[] = { P("192.0.2.7/32") }, src_b[] = { P("198.51.100.7/32") };
	struct fw_network n[] = { { .bridge = "gn-a", .icc = true, .subnets = sub, .n_subnets = 1 },
				  { .bridge = "gn-b", .icc = true, .subnets = sub, .n_subnets = 1 } };
	struct fw_epallow ep[] = { { .bridge = "gn-a", .ctr = A("10.5.0.2"), .name = "epa4-a2", .src = src_a, .n_src = 1 },
				   { .bridge = "gn-b", .ctr = A("10.5.0.2"), .name = "epa4-b2", .src = src_b, .n_src = 1 } };
	struct fw_model m = { .nets = n, .n = 2, .mark = MARK, .epallow = ep, .n_epallow = 2 };
	struct ntable t[1] = { { .family = NFPROTO_INET, .name = FW_TABLE } };
	const struct nset *s;

	ck_assert_int_eq(nft_text_want(&m, t, 1), 0);
	s = nft_text_set(&t[0], "epav4");
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->elems.n, 2);
	/* "KEY : jump CHAIN": the keys must differ, not only the chains. */
	ck_assert_msg(strcspn(s->elems.v[0], ":") != strcspn(s->elems.v[1], ":") ||
			      strncmp(s->elems.v[0], s->elems.v[1], strcspn(s->elems.v[0], ":")),
		      "one key for both: %s and %s", s->elems.v[0], s->elems.v[1]);
	ck_assert_msg(strstr(s->elems.v[0], "epa4-a2") || strstr(s->elems.v[1], "epa4-a2"), "no element for gn-a");
	ck_assert_msg(strstr(s->elems.v[0], "epa4-b2") || strstr(s->elems.v[1], "epa4-b2"), "no element for gn-b");
	nft_text_clear(&t[0]);
}
END_TEST

Suite *fw_nft_nest_suite(void)
{
	Suite *s = suite_create("fw_nft_nest");
	TCase *tc = tcase_create("core");

	/* Ten whole builds: seconds under the sanitizers of tests/hardening. */
	tcase_set_timeout(tc, 30);

	tcase_add_test(tc, masq_keeps_outermost);
	tcase_add_test(tc, epallow_same_address);
	suite_add_tcase(s, tc);
	return s;
}
