/* The admission order (admit.c): the rules of chain pub, parsed back from
 * the batch, come in the order of its table.  (check_explain: explain
 * decides in the same order.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "admit.h"
#include "fw.h"
#include "fw-nft.h"
#include "suites.h"

static struct ufw_config ufw = { .enabled = true };

/* The steps of chain pub's rules in the printed batch, each once however
 * many rules (one per family) it takes. */
static size_t chain_steps(const char *text, enum admit_step out[], size_t max)
{
	static const struct {
		const char *mark;
		enum admit_step step;
	} marks[] = {
		{ "load iifname", ADMIT_HAIRPIN }, { "jump -> ufw-in ", ADMIT_UFW_IN },
		{ "jump -> ufw-route ", ADMIT_UFW_ROUTE }, { "set allow", ADMIT_NET_ALLOW },
		{ "set epav", ADMIT_EP_ALLOW }, { "set ufw_nets", ADMIT_FINAL }, { "log prefix", ADMIT_FINAL },
		{ "reg 0 drop", ADMIT_FINAL },
	};
	const char *head = "NEWRULE ack create append: inet guardnet pub\n", *p = text;
	size_t n = 0;

	while ((p = strstr(p, head))) {
		const char *end = strstr(p + strlen(head), "NEWRULE");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char rule[2048];

		snprintf(rule, sizeof rule, "%.*s", (int)len, p);
		for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
			if (!strstr(rule, marks[i].mark))
				continue;
			if ((n == 0 || out[n - 1] != marks[i].step) && n < max)
				out[n++] = marks[i].step;
			break;
		}
		p += len;
	}
	return n;
}

static size_t built_steps(bool icc, bool ufw_on, enum admit_step out[], size_t max)
{
	struct gn_prefix sub;
	struct fw_network n = { .bridge = "gn-adm", .icc = icc, .ufw = ufw_on, .subnets = &sub, .n_subnets = 1 };
	struct fw_model m = { .nets = &n, .n = 1, .mark = 0x4e47, .ufw = &ufw };
	struct nft_batch *b = nft_batch_new(1);
	char *text = NULL;
	size_t len = 0, got;
	const void *data;
	FILE *f = open_memstream(&text, &len);

	prefix_parse("10.9.0.0/24", false, true, &sub, "x", NULL);
	fw_nft_table(b, &m);
	ck_assert_int_eq(nft_batch_seal(b), 0);
	data = nft_batch_data(b, &len);
	ck_assert_int_gt(nft_batch_print(data, len, f), 0);
	fclose(f);
	got = chain_steps(text, out, max);
	free(text);
	nft_batch_free(b);
	return got;
}

START_TEST(the_chain_follows_the_table)
{
	enum admit_step got[16], want[16];
	size_t n, w;

	/* The chain is every network's: which steps apply to one (the
	 * hairpin with icc, UFW's policy under UFW) is an element of a set
	 * its rules look up, not a rule of its own. */
	for (int c = 0; c < 4; c++) {
		bool icc = c & 1, ufw_on = c & 2;

		w = 0;
		for (size_t i = 0; i < admit_steps; i++)
			if (admit_order[i].in_chain)
				want[w++] = admit_order[i].step;
		n = built_steps(icc, ufw_on, got, 16);
		ck_assert_uint_eq(n, w);
		for (size_t i = 0; i < n; i++)
			ck_assert_msg(got[i] == want[i], "icc=%d ufw=%d: rule %zu is step %d, not %d", icc, ufw_on, i,
				      got[i], want[i]);
	}
}
END_TEST

Suite *admit_suite(void)
{
	Suite *s = suite_create("admit");
	TCase *tc = tcase_create("admit");

	tcase_add_test(tc, the_chain_follows_the_table);
	suite_add_tcase(s, tc);
	return s;
}
