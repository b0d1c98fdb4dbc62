/*
 * guardnet's nf_tables transactions, without root and without a socket:
 * each case builds the batch for a small model (or the element delta of
 * one share), walks every message, parses it back with libnftnl and
 * compares the printout with tests/unit/golden/fw_nft_CASE.txt.  A rule,
 * set, element or flag that changes fails the case with a diff; when the
 * change is meant, `make golden` rewrites the files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "fw.h"
#include "fw-nft.h"
#include "fw-nft-text.h"
#include "suites.h"
#include "ufw.h"

#define MARK 0x4e47

static struct gn_prefix P(const char *s)
{
	struct gn_prefix p;
	struct gn_err e;

	ck_assert_msg(prefix_parse(s, true, false, &p, "test", &e) == 0, "%s", e.msg);
	return p;
}

static struct gn_addr A(const char *s)
{
	struct gn_addr a;
	struct gn_err e;

	ck_assert_msg(addr_parse(s, &a, "test", &e) == 0, "%s", e.msg);
	return a;
}

/* Published port: host "*" means every local address of the family. */
static struct gn_pub pub(const char *host, uint8_t proto, uint16_t port, const char *ctr, uint16_t ctr_port)
{
	struct gn_pub p = { .proto = proto, .port = port, .ctr = A(ctr), .ctr_port = ctr_port };

	p.family = p.ctr.family;
	p.any = !strcmp(host, "*");
	if (!p.any)
		p.host = A(host);
	return p;
}

/* Prints the sealed batch and compares it with the golden file. */
static void expect_golden(struct nft_batch *b, const char *name)
{
	char *text = NULL;
	size_t len = 0, n;
	const void *data;
	FILE *out = open_memstream(&text, &len);

	ck_assert_int_eq(nft_batch_seal(b), 0);
	data = nft_batch_data(b, &n);
	ck_assert_int_gt(nft_batch_print(data, n, out), 2);
	fclose(out);
	ck_assert_msg(golden_match(name, text), "%s: the batch differs from its golden file", name);
	free(text);
	nft_batch_free(b);
}

static void table_golden(const struct fw_model *m, const char *name)
{
	struct nft_batch *b = nft_batch_new(1);

	ck_assert_ptr_nonnull(b);
	fw_nft_table(b, m);
	expect_golden(b, name);
}

/* One plain network, one endpoint publishing a port on every address and
 * one on a host address. */
START_TEST(one_network)
{
	struct gn_prefix sub[] = { P("10.1.0.0/24") };
	struct fw_network n = { .bridge = "gn-one", .icc = true, .subnets = sub, .n_subnets = 1 };
	struct gn_pub pubs[] = { pub("*", 6, 8080, "10.1.0.2", 80), pub("192.0.2.1", 17, 5353, "10.1.0.2", 53) };
	struct fw_model m = { .nets = &n, .n = 1, .mark = MARK, .pubs = pubs, .n_pubs = 2 };

	table_golden(&m, "fw_nft_one_network");
}
END_TEST

START_TEST(icc_false)
{
	struct gn_prefix sub[] = { P("10.2.0.0/24") };
	struct fw_network n = { .bridge = "gn-noicc", .icc = false, .subnets = sub, .n_subnets = 1 };
	struct fw_model m = { .nets = &n, .n = 1, .mark = MARK };

	table_golden(&m, "fw_nft_icc_false");
}
END_TEST

START_TEST(internal)
{
	struct gn_prefix sub[] = { P("10.3.0.0/24") };
	struct fw_network n = { .bridge = "gn-int", .icc = true, .internal = true, .subnets = sub, .n_subnets = 1 };
	struct fw_model m = { .nets = &n, .n = 1, .mark = MARK };

	table_golden(&m, "fw_nft_internal");
}
END_TEST

START_TEST(ipv6)
{
	struct gn_prefix sub[] = { P("10.4.0.0/24"), P("fd00:4::/64") };
	struct fw_network n = { .bridge = "gn-six", .icc = true, .subnets = sub, .n_subnets = 2 };
	struct gn_pub pubs[] = { pub("*", 6, 8080, "10.4.0.2", 80), pub("*", 6, 8080, "fd00:4::2", 80),
				 pub("2001:db8::1", 6, 8443, "fd00:4::2", 443) };
	struct fw_model m = { .nets = &n, .n = 1, .mark = MARK, .pubs = pubs, .n_pubs = 3 };

	table_golden(&m, "fw_nft_ipv6");
}
END_TEST

/* Two networks, network and endpoint guardnet.allow (overlapping and
 * adjacent prefixes merge; the other family's prefixes are skipped). */
START_TEST(allow_lists)
{
	struct gn_prefix sub1[] = { P("10.5.0.0/24"), P("fd00:5::/64") }, sub2[] = { P("10.6.0.0/24") };
	struct gn_prefix allow[] = { P("192.0.2.0/28"), P("192.0.2.16/28"), P("198.51.100.7/32"),
				     P("2001:db8:1::/64") };
	struct gn_prefix epsrc[] = { P("203.0.113.0/30"), P("203.0.113.1/32"), P("2001:db8:2::5/128") };
	struct fw_network n[] = {
		{ .bridge = "gn-allow", .icc = true, .subnets = sub1, .n_subnets = 2, .allow = allow, .n_allow = 4 },
		{ .bridge = "gn-other", .icc = true, .subnets = sub2, .n_subnets = 1 },
	};
	struct fw_epallow ep[] = { { .ctr = A("10.5.0.2"), .src = epsrc, .n_src = 3 },
				   { .ctr = A("fd00:5::2"), .src = epsrc, .n_src = 3 } };
	struct gn_pub pubs[] = { pub("*", 6, 80, "10.5.0.2", 80) };
	struct fw_model m = { .nets = n, .n = 2, .mark = MARK, .pubs = pubs, .n_pubs = 1, .epallow = ep,
			      .n_epallow = 2 };

	table_golden(&m, "fw_nft_allow_lists");
}
END_TEST

static void ufw_rules(struct ufw_config *c, const char *const *v4, size_t n4, const char *const *v6, size_t n6)
{
	struct gn_err e;

	c->v4 = calloc(n4 + 1, sizeof *c->v4);
	c->v6 = calloc(n6 + 1, sizeof *c->v6);
	for (size_t i = 0; i < n4; i++)
		ck_assert_msg(ufw_parse_tuple(v4[i], AF_INET, &c->v4[i], &e) == 0, "%s", e.msg);
	for (size_t i = 0; i < n6; i++)
		ck_assert_msg(ufw_parse_tuple(v6[i], AF_INET6, &c->v6[i], &e) == 0, "%s", e.msg);
	c->n4 = n4;
	c->n6 = n6;
}

/* UFW in force: every action (allow, deny, reject, limit), port ranges
 * and lists, "any" protocol, source ports, interface and route rules, an
 * outgoing rule (left out), IPv6 rules; a second network with UFW off. */
START_TEST(ufw)
{
	static const char *const v4[] = {
		"allow tcp 8080 0.0.0.0/0 any 192.0.2.2 in",
		"deny tcp 8081 0.0.0.0/0 any 0.0.0.0/0 in",
		"reject any 8082 0.0.0.0/0 any 0.0.0.0/0 in",
		"limit tcp 8083 0.0.0.0/0 any 0.0.0.0/0 in",
		"allow tcp 8000:8010 0.0.0.0/0 any 0.0.0.0/0 in_eth0",
		"allow udp 5353 0.0.0.0/0 53 10.0.0.0/8 in",
		"route:allow tcp 80 10.0.0.2 any 0.0.0.0/0 in_eth0!out_gn-ufw",
		"route:deny any any 0.0.0.0/0 any 198.51.100.0/24 in",
		"allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 out",
	};
	static const char *const v6[] = {
		"allow tcp 22 ::/0 any ::/0 in",
		"reject tcp 80,443 ::/0 any ::/0 in",
		"deny any any ::/0 any 2001:db8::/32 in",
		"limit udp 9000 ::/0 any ::/0 in",
	};
	struct gn_prefix sub1[] = { P("10.7.0.0/24"), P("fd00:7::/64") }, sub2[] = { P("10.8.0.0/24") };
	struct fw_network n[] = {
		{ .bridge = "gn-ufw", .icc = true, .subnets = sub1, .n_subnets = 2, .ufw = true },
		{ .bridge = "gn-noufw", .icc = true, .subnets = sub2, .n_subnets = 1, .ufw = false },
	};
	struct ufw_config c = { .enabled = true, .ipv6 = true, .in_policy = UFW_POLICY_DROP };
	struct fw_model m = { .nets = n, .n = 2, .mark = MARK, .ufw = &c };

	ufw_rules(&c, v4, sizeof v4 / sizeof v4[0], v6, sizeof v6 / sizeof v6[0]);
	table_golden(&m, "fw_nft_ufw");
	free(c.v4);
	free(c.v6);
}
END_TEST

/* UFW's default incoming policy decides at the end of a network's chain:
 * reject here, and for IPv6 drop, as UFW does not manage IPv6. */
START_TEST(ufw_policy)
{
	struct gn_prefix sub[] = { P("10.9.0.0/24"), P("fd00:9::/64") };
	struct fw_network n = { .bridge = "gn-rej", .icc = false, .subnets = sub, .n_subnets = 2, .ufw = true };
	struct ufw_config c = { .enabled = true, .ipv6 = false, .in_policy = UFW_POLICY_REJECT };
	struct fw_model m = { .nets = &n, .n = 1, .mark = MARK, .ufw = &c };

	table_golden(&m, "fw_nft_ufw_policy");
}
END_TEST

/* No network left: the table goes. */
START_TEST(empty)
{
	struct fw_model m = { .mark = MARK };

	table_golden(&m, "fw_nft_empty");
}
END_TEST

static void delta_golden(const struct fw_share *from, const struct fw_share *to, const char *name)
{
	struct nft_batch *b = nft_batch_new(1);

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(fw_pub_delta(b, from, to), 0);
	expect_golden(b, name);
}

/* One endpoint's share, added, changed and removed: only its elements move. */
START_TEST(share_delta)
{
	struct gn_prefix src[] = { P("203.0.113.0/29"), P("2001:db8:3::/48") };
	struct gn_pub before[] = { pub("*", 6, 8080, "10.5.0.9", 80), pub("*", 6, 8080, "fd00:5::9", 80),
				   pub("127.0.0.1", 17, 7002, "10.5.0.9", 5000) };
	struct gn_pub after[] = { pub("*", 6, 8080, "10.5.0.9", 80), pub("*", 6, 8081, "fd00:5::9", 80) };
	struct fw_epallow ep[] = { { .ctr = A("10.5.0.9"), .src = src, .n_src = 2 },
				   { .ctr = A("fd00:5::9"), .src = src, .n_src = 2 } };
	struct fw_share none = { 0 };
	struct fw_share s1 = { .pubs = before, .n_pubs = 3, .epallow = ep, .n_epallow = 2 };
	struct fw_share s2 = { .pubs = after, .n_pubs = 2, .epallow = ep, .n_epallow = 1 };
	struct nft_batch *b = nft_batch_new(1);

	delta_golden(&none, &s1, "fw_nft_delta_add");
	delta_golden(&s1, &s2, "fw_nft_delta_change");
	delta_golden(&s2, &none, "fw_nft_delta_remove");
	/* The same share twice is no message at all. */
	ck_assert_int_eq(fw_pub_delta(b, &s1, &s1), 0);
	ck_assert_uint_eq(nft_batch_messages(b), 0);
	nft_batch_free(b);
}
END_TEST

/* The counting table for three ports (IPv4 on every address and on one,
 * IPv6), whose old table had counted connections to two of them (one of
 * which is gone): the counters go on from there.  Then the element delta
 * when one port goes and another comes. */
START_TEST(count_table)
{
	struct gn_pub pubs[] = { pub("*", 6, 8080, "10.1.0.2", 80), pub("192.0.2.1", 17, 5353, "10.1.0.2", 53),
				 pub("*", 6, 8080, "fd00::2", 80) };
	struct fw_count seen[] = { { .family = AF_INET, .any = true, .proto = 6, .port = 8080, .tried = 7, .admitted = 5 },
				   { .family = AF_INET, .host = A("192.0.2.9"), .proto = 17, .port = 5353, .tried = 3 } };
	struct fw_counts counts = { seen, 2 }, keys, next, drop, add;
	struct fw_share all = { .pubs = pubs, .n_pubs = 3 }, gone = { .pubs = pubs, .n_pubs = 1 };
	struct gn_pub later = pub("*", 6, 9090, "10.1.0.3", 80);
	struct fw_share came = { .pubs = &later, .n_pubs = 1 };
	struct nft_batch *b = nft_batch_new(1);

	ck_assert_int_eq(fw_count_keys(&all, &keys), 0);
	ck_assert_uint_eq(keys.n, 3);
	fw_count_table(b, &keys, &counts);
	expect_golden(b, "fw_nft_count_table");
	ck_assert_int_eq(fw_count_keys(&all, &next), 0);
	ck_assert_int_eq(fw_count_keys(&gone, &drop), 0);
	ck_assert_int_eq(fw_count_keys(&came, &add), 0);
	ck_assert_int_eq(fw_count_keys_apply(&next, &drop, &add), 0);
	ck_assert_uint_eq(next.n, 3);
	ck_assert_ptr_nonnull(fw_count_find_key(&next, &(struct fw_count){ .family = AF_INET, .any = true, .proto = 6,
									  .port = 9090 }));
	ck_assert_ptr_null(fw_count_find_key(&next, &(struct fw_count){ .family = AF_INET, .any = true, .proto = 6,
									   .port = 8080 }));
	b = nft_batch_new(1);
	fw_count_delta(b, &keys, &next);
	expect_golden(b, "fw_nft_count_delta");
	/* The same delta from the two shares alone. */
	b = nft_batch_new(1);
	fw_count_delta(b, &drop, &add);
	expect_golden(b, "fw_nft_count_delta");
	free(keys.v);
	free(next.v);
	free(drop.v);
	free(add.v);
}
END_TEST

/* guardnetctl check's text of the table a model makes (fw-nft-text.c):
 * the batch read back as the kernel would echo it, registers by the names
 * the kernel dumps (reg 8, NFT_REG32_00, is reg 1 again) and the rules
 * labelled with what they are for. */
START_TEST(check_text)
{
	struct gn_prefix sub[] = { P("10.1.0.0/24") };
	struct fw_network n = { .bridge = "gn-one", .icc = true, .subnets = sub, .n_subnets = 1 };
	struct gn_pub pubs[] = { pub("*", 6, 8080, "10.1.0.2", 80) };
	struct fw_model m = { .nets = &n, .n = 1, .mark = MARK, .pubs = pubs, .n_pubs = 1 };
	struct ntable both[2] = { { .name = FW_TABLE }, { .name = FW_COUNT_TABLE } }, t;
	const struct nchain *c;
	const struct nset *set;

	ck_assert_int_eq(nft_text_want(&m, both, 2), 0);
	t = both[0];
	ck_assert(t.exists);
	c = nft_text_chain(&t, "forward");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->desc, "hook 2 prio -10 type filter policy 1");
	ck_assert_str_eq(c->whats.v[0], "forward: admitted connections");
	ck_assert_ptr_nonnull(nft_text_chain(&t, "pub-gn-one"));
	set = nft_text_set(&t, "any4");
	ck_assert_str_eq(set->desc, "flags 8 key_type 781 key_len 8 data_type 461 data_len 8");
	ck_assert_uint_eq(set->elems.n, 1);
	ck_assert_str_eq(set->elems.v[0], "00000006 0000901f : 0200010a 00005000");
	ck_assert_ptr_null(nft_text_set(&t, "conn4"));
	nft_text_clear(&t);

	t = both[1];
	c = nft_text_chain(&t, "prerouting");
	ck_assert_str_eq(c->desc, "hook 0 prio -101 type nat policy 1");
	ck_assert_str_eq(c->rules.v[0], "[ fib daddr type => reg 1 ] [ cmp eq reg 1 0x00000002 ] [ meta load nfproto => "
					 "reg 1 ] [ cmp eq reg 1 0x00000002 ] [ payload load 4b @ network header + 16 => "
					 "reg 1 ] [ meta load l4proto => reg 9 ] [ payload load 2b @ transport header + 2 => "
					 "reg 10 ] [ lookup reg 1 set conn4 ]");
	set = nft_text_set(&t, "conn4");
	ck_assert_str_eq(set->desc, "key_type 29453 key_len 12 expr counter");
	ck_assert_uint_eq(set->elems.n, 1);
	ck_assert_str_eq(set->elems.v[0], "00000000 00000006 0000901f");
	nft_text_clear(&t);

	/* No network: no tables. */
	m.n = 0;
	ck_assert_int_eq(nft_text_want(&m, both, 2), 0);
	for (size_t i = 0; i < 2; i++) {
		ck_assert(!both[i].exists && !both[i].n_chains);
		nft_text_clear(&both[i]);
	}
}
END_TEST

Suite *fw_nft_suite(void)
{
	Suite *s = suite_create("fw_nft");
	TCase *tc = tcase_create("golden");

	tcase_add_test(tc, one_network);
	tcase_add_test(tc, icc_false);
	tcase_add_test(tc, internal);
	tcase_add_test(tc, ipv6);
	tcase_add_test(tc, allow_lists);
	tcase_add_test(tc, ufw);
	tcase_add_test(tc, ufw_policy);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, share_delta);
	tcase_add_test(tc, count_table);
	tcase_add_test(tc, check_text);
	suite_add_tcase(s, tc);
	return s;
}
