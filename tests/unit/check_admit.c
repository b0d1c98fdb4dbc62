/* The admission order (admit.c), walked step by step: guardnetctl explain
 * decides at each step for the source that step is about, and the rules
 * of chain pub-<bridge>, parsed back from the batch, come in the same
 * order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "admit.h"
#include "explain.h"
#include "fw-nft.h"
#include "suites.h"

#define NET_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define EP_ID "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static struct gn_state st;
static struct gn_network *net;
static struct gn_endpoint *ep;
static struct gn_addr_list dflt;
static struct ufw_config ufw;

static void add_rule(const char *tuple, unsigned line)
{
	struct gn_err e;

	ufw.v4 = realloc(ufw.v4, (ufw.n4 + 1) * sizeof *ufw.v4);
	ck_assert_msg(ufw_parse_tuple(tuple, AF_INET, &ufw.v4[ufw.n4], &e) == 0, "%s: %s", tuple, e.msg);
	ufw.v4[ufw.n4++].line = line;
}

/* Network 10.9.0.0/24 on gn-test (ICC on, UFW on, guardnet.allow
 * 198.51.100.0/24), endpoint 10.9.0.2 (guardnet.allow 203.0.113.7)
 * publishing 8080/tcp -> 80.  UFW allows 192.0.2.2 in, routes 192.0.2.3
 * to the container, denies 198.51.100.9 in. */
static void setup(void)
{
	struct gn_network_spec ns = { .id = NET_ID };
	struct gn_endpoint_spec es = { .net_id = NET_ID, .id = EP_ID, .has_addr4 = true };

	state_init(&st);
	strcpy(ns.opts.bridge, "gn-test");
	ns.opts.icc = ns.opts.enable_ipv4 = true;
	ns.opts.ufw = GN_UFW_ON;
	prefix_list_parse("198.51.100.0/24", &ns.opts.allow, "allow", NULL);
	ns.ipv4 = calloc(1, sizeof *ns.ipv4);
	ns.n_ipv4 = 1;
	prefix_parse("10.9.0.0/24", false, true, &ns.ipv4[0].pool, "x", NULL);
	ck_assert_int_eq(state_add_network(&st, &ns, &net), 0);
	prefix_parse("10.9.0.2/24", false, false, &es.addr4, "x", NULL);
	prefix_list_parse("203.0.113.7", &es.allow, "allow", NULL);
	ck_assert_int_eq(state_add_endpoint(&st, net, &es, &ep), 0);
	ep->programmed = true;
	ep->published.map = calloc(1, sizeof *ep->published.map);
	ep->published.n_map = 1;
	ep->published.map[0] = (struct gn_port_binding){ .proto = 6, .port = 80, .host_port = 8080,
							 .host_port_end = 8080 };
	addr_list_parse("0.0.0.0,::", &dflt, "publish", NULL);
	memset(&ufw, 0, sizeof ufw);
	ufw.enabled = true;
	add_rule("deny tcp 8080 0.0.0.0/0 any 198.51.100.9 in", 1);
	add_rule("allow tcp 8080 0.0.0.0/0 any 192.0.2.2 in", 2);
	add_rule("route:allow tcp 80 10.9.0.2 any 192.0.2.3 in", 3);
}

static void teardown(void)
{
	ufw_config_clear(&ufw);
	free(dflt.v);
	state_free(&st);
}

static const char *decided_at(const char *from, const char *in)
{
	struct plan_env pe = { .default_publish = &dflt, .ufw = &ufw };
	struct explain_env env = { .st = &st, .env = &pe };
	struct explain_query q = { .proto = 6, .port = 8080, .to_host = true };
	struct explain_result r;
	struct gn_err e;

	addr_parse(from, &q.from, "from", NULL);
	addr_parse("192.0.2.1", &q.to, "to", NULL);
	q.from_host = !strcmp(from, "192.0.2.1");
	snprintf(q.in_if, sizeof q.in_if, "%s", in);
	ck_assert_int_eq(explain(&env, &q, &r, &e), 0);
	return r.step;
}

START_TEST(explain_decides_at_every_step)
{
	/* The source each step is about, and where it arrives. */
	static const struct {
		enum admit_step step;
		const char *from, *in;
	} about[] = {
		{ ADMIT_HOST, "192.0.2.1", "lo" },
		{ ADMIT_HAIRPIN, "10.9.0.3", "gn-test" },
		{ ADMIT_UFW_IN, "192.0.2.2", "eth0" },
		{ ADMIT_UFW_ROUTE, "192.0.2.3", "eth0" },
		{ ADMIT_NET_ALLOW, "198.51.100.8", "eth0" },
		{ ADMIT_EP_ALLOW, "203.0.113.7", "eth0" },
		{ ADMIT_FINAL, "192.0.2.4", "eth0" },
	};

	ck_assert_uint_eq(admit_steps, sizeof about / sizeof about[0]);
	for (size_t i = 0; i < admit_steps; i++) {
		ck_assert_int_eq(admit_order[i].step, about[i].step);
		ck_assert_str_eq(decided_at(about[i].from, about[i].in), admit_order[i].name);
	}
	/* An earlier step wins: UFW's deny over the network's allow, and the
	 * network's allow over the endpoint's. */
	ck_assert_str_eq(decided_at("198.51.100.9", "eth0"), "ufw-in");
	prefix_list_parse("198.51.100.8", &ep->spec.allow, "allow", NULL);
	ck_assert_str_eq(decided_at("198.51.100.8", "eth0"), "allow");
	/* Steps that do not apply are passed over. */
	net->spec.opts.icc = false;
	ck_assert_str_eq(decided_at("10.9.0.3", "gn-test"), "policy");
	net->spec.opts.ufw = GN_UFW_OFF;
	ck_assert_str_eq(decided_at("192.0.2.2", "eth0"), "default");
}
END_TEST

/* The steps of chain pub-BRIDGE's rules in the printed batch, each once
 * however many rules (one per family) it takes. */
static size_t chain_steps(const char *text, const char *bridge, enum admit_step out[], size_t max)
{
	static const struct {
		const char *mark;
		enum admit_step step;
	} marks[] = {
		{ "load iifname", ADMIT_HAIRPIN }, { "jump -> ufw-in ", ADMIT_UFW_IN },
		{ "jump -> ufw-route ", ADMIT_UFW_ROUTE }, { "set allow", ADMIT_NET_ALLOW },
		{ "set epallow", ADMIT_EP_ALLOW }, { "log prefix", ADMIT_FINAL }, { "reg 0 drop", ADMIT_FINAL },
	};
	char head[64];
	const char *p = text;
	size_t n = 0;

	snprintf(head, sizeof head, "NEWRULE ack create append: inet guardnet pub-%s\n", bridge);
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
	got = chain_steps(text, "gn-adm", out, max);
	free(text);
	nft_batch_free(b);
	return got;
}

START_TEST(the_chain_follows_the_table)
{
	enum admit_step got[16], want[16];
	size_t n, w;

	for (int c = 0; c < 4; c++) {
		bool icc = c & 1, ufw_on = c & 2;

		w = 0;
		for (size_t i = 0; i < admit_steps; i++)
			if (admit_order[i].in_chain && admit_applies(admit_order[i].step, icc, ufw_on))
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

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, explain_decides_at_every_step);
	tcase_add_test(tc, the_chain_follows_the_table);
	suite_add_tcase(s, tc);
	return s;
}
