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

#include "fw_nft_case.h"

static void table_golden(const struct fw_model *m, const char *name)
{
	struct nft_batch *b = nft_batch_new(1);

	ck_assert_ptr_nonnull(b);
	fw_nft_table(b, m);
	expect_golden(b, name);
}

/* One plain network, one endpoint publishing a port on every address and
 * one on a host address; the gateway is no container's source, two
 * uplinks. */
START_TEST(one_network)
{
	struct gn_prefix sub[] = { P("10.1.0.0/24") };
	struct gn_addr gw[] = { A("10.1.0.1") };
	uint32_t uplinks[] = { 2, 7 };
	struct fw_network n = { .bridge = "gn-one", .icc = true, .subnets = sub, .n_subnets = 1, .gateways = gw,
				.n_gateways = 1 };
	struct gn_pub pubs[] = { pub("*", 6, 8080, "10.1.0.2", 80), pub("192.0.2.1", 17, 5353, "10.1.0.2", 53) };
	struct fw_model m = { .nets = &n, .n = 1, .mark = MARK, .pubs = pubs, .n_pubs = 2, .uplinks = uplinks,
			      .n_uplinks = 2 };

	table_golden(&m, "fw_nft_one_network");
}
END_TEST

/* icc=false, and com.docker.network.bridge.enable_ip_masquerade=false: no
 * masquerade for egress (the loopback and hairpin ones stay). */
START_TEST(icc_false)
{
	struct gn_prefix sub[] = { P("10.2.0.0/24") };
	struct fw_network n = { .bridge = "gn-noicc", .icc = false, .subnets = sub, .n_subnets = 1,
				.no_masquerade = true };
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

/* src6 also holds the link-local sources and :: that neighbour discovery
 * needs; a gateway at the end of its subnet leaves one range. */
START_TEST(ipv6)
{
	struct gn_prefix sub[] = { P("10.4.0.0/24"), P("fd00:4::/64") };
	struct gn_addr gw[] = { A("10.4.0.254"), A("fd00:4::1") };
	struct fw_network n = { .bridge = "gn-six", .icc = true, .subnets = sub, .n_subnets = 2, .gateways = gw,
				.n_gateways = 2 };
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
	struct fw_epallow ep[] = {
		{ .bridge = "gn-allow", .ctr = A("10.5.0.2"), .name = "epa4-e2", .src = epsrc, .n_src = 3 },
		{ .bridge = "gn-allow", .ctr = A("fd00:5::2"), .name = "epa6-e2", .src = epsrc, .n_src = 3 }
	};
	struct gn_pub pubs[] = { pub("*", 6, 80, "10.5.0.2", 80) };
	struct fw_model m = { .nets = n, .n = 2, .mark = MARK, .pubs = pubs, .n_pubs = 1, .epallow = ep,
			      .n_epallow = 2 };

	table_golden(&m, "fw_nft_allow_lists");
}
END_TEST

/* UFW in force, as ufw 0.36 writes its files: every action (allow, deny,
 * reject, limit through xt_recent), port ranges and lists, "any" protocol,
 * source ports, interface and route rules, an outgoing rule (left out),
 * IPv6 rules, before.rules' own lines (DHCP, ufw-not-local, a RETURN) and
 * after.rules' skip to the policy; a second network with UFW off. */
START_TEST(ufw)
{
	static const char user[] =
		"*filter\n:ufw-user-input - [0:0]\n:ufw-user-output - [0:0]\n:ufw-user-forward - [0:0]\n"
		":ufw-user-limit - [0:0]\n:ufw-user-limit-accept - [0:0]\n### RULES ###\n"
		"### tuple ### allow tcp 8080 0.0.0.0/0 any 192.0.2.2 in\n"
		"-A ufw-user-input -p tcp --dport 8080 -s 192.0.2.2 -j ACCEPT\n"
		"### tuple ### deny tcp 8081 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 8081 -j DROP\n"
		"### tuple ### reject any 8082 0.0.0.0/0 any 0.0.0.0/0 in\n"
		"-A ufw-user-input -p tcp --dport 8082 -j REJECT --reject-with tcp-reset\n"
		"-A ufw-user-input -p udp --dport 8082 -j REJECT\n"
		"### tuple ### limit tcp 8083 0.0.0.0/0 any 0.0.0.0/0 in\n"
		"-A ufw-user-input -p tcp --dport 8083 -m conntrack --ctstate NEW -m recent --set\n"
		"-A ufw-user-input -p tcp --dport 8083 -m conntrack --ctstate NEW -m recent --update --seconds 30 "
		"--hitcount 6 -j ufw-user-limit\n"
		"-A ufw-user-input -p tcp --dport 8083 -j ufw-user-limit-accept\n"
		"### tuple ### allow tcp 8000:8010 0.0.0.0/0 any 0.0.0.0/0 in_eth0\n"
		"-A ufw-user-input -i eth0 -p tcp -m multiport --dports 8000:8010 -j ACCEPT\n"
		"### tuple ### allow udp 5353 0.0.0.0/0 53 10.0.0.0/8 in\n"
		"-A ufw-user-input -p udp --dport 5353 -s 10.0.0.0/8 --sport 53 -j ACCEPT\n"
		"### tuple ### route:allow tcp 80 10.0.0.2 any 0.0.0.0/0 in_eth0!out_gn-ufw\n"
		"-A ufw-user-forward -i eth0 -o gn-ufw -p tcp -d 10.0.0.2 --dport 80 -j ACCEPT\n"
		"### tuple ### route:deny any any 0.0.0.0/0 any 198.51.100.0/24 in\n"
		"-A ufw-user-forward -s 198.51.100.0/24 -j DROP\n"
		"### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 out\n-A ufw-user-output -p tcp --dport 22 -j ACCEPT\n"
		"### END RULES ###\n-A ufw-user-limit -j REJECT\n-A ufw-user-limit-accept -j ACCEPT\nCOMMIT\n";
	static const char user6[] =
		"*filter\n:ufw6-user-input - [0:0]\n### RULES ###\n"
		"### tuple ### allow tcp 22 ::/0 any ::/0 in\n-A ufw6-user-input -p tcp --dport 22 -j ACCEPT\n"
		"### tuple ### reject tcp 80,443 ::/0 any ::/0 in\n"
		"-A ufw6-user-input -p tcp -m multiport --dports 80,443 -j REJECT --reject-with tcp-reset\n"
		"### tuple ### deny any any ::/0 any 2001:db8::/32 in\n-A ufw6-user-input -s 2001:db8::/32 -j DROP\n"
		"### END RULES ###\nCOMMIT\n";
	static const char before[] =
		"*filter\n:ufw-before-input - [0:0]\n:ufw-not-local - [0:0]\n"
		"-A ufw-before-input -i lo -j ACCEPT\n"
		"-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
		"-A ufw-before-input -m conntrack --ctstate INVALID -j ufw-logging-deny\n"
		"-A ufw-before-input -m conntrack --ctstate INVALID -j DROP\n"
		"-A ufw-before-input -p icmp --icmp-type echo-request -j ACCEPT\n"
		"-A ufw-before-input -p udp --sport 67 --dport 68 -j ACCEPT\n"
		"-A ufw-before-input -s 203.0.113.0/24 -j RETURN\n"
		"-A ufw-before-input -j ufw-not-local\n"
		"-A ufw-not-local -m addrtype --dst-type LOCAL -j RETURN\n"
		"-A ufw-not-local -m addrtype --dst-type MULTICAST -j RETURN\n"
		"-A ufw-not-local -j DROP\nCOMMIT\n";
	static const char after[] =
		"*filter\n:ufw-after-input - [0:0]\n-A ufw-after-input -p udp --dport 137 -j ufw-skip-to-policy-input\n"
		"COMMIT\n";
	struct gn_prefix sub1[] = { P("10.7.0.0/24"), P("fd00:7::/64") }, sub2[] = { P("10.8.0.0/24") };
	struct fw_network n[] = {
		{ .bridge = "gn-ufw", .icc = true, .subnets = sub1, .n_subnets = 2, .ufw = true },
		{ .bridge = "gn-noufw", .icc = true, .subnets = sub2, .n_subnets = 1, .ufw = false },
	};
	char *root = ufw_root_make();
	struct ufw_config c;
	struct fw_model m = { .nets = n, .n = 2, .mark = MARK, .ufw = &c };
	struct gn_err e;

	root_write(root, "etc/ufw/ufw.conf", "ENABLED=yes\n");
	root_write(root, "etc/ufw/user.rules", user);
	root_write(root, "etc/ufw/user6.rules", user6);
	root_write(root, "etc/ufw/before.rules", before);
	root_write(root, "etc/ufw/after.rules", after);
	ck_assert_int_eq(ufw_load(root, &c, &e), 0);
	ck_assert_uint_eq(c.n_problems, 0);
	table_golden(&m, "fw_nft_ufw");
	ufw_config_clear(&c);
	tmpdir_remove(root);
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

/* guardnetctl check sees UFW's tables too: table inet guardnet's comment
 * names ip (UFW without IPv6), table ip guardnet is there with its chains,
 * ip6 is not; with no network under UFW neither is, and no comment.  The
 * raw-prerouting chain and the sets of sources and uplinks are in the
 * inet table's text. */
START_TEST(check_text_ufw)
{
	struct gn_prefix sub[] = { P("10.9.0.0/24") };
	struct fw_network n = { .bridge = "gn-rej", .icc = true, .subnets = sub, .n_subnets = 1, .ufw = true };
	struct ufw_config c = { .enabled = true, .ipv6 = false, .in_policy = UFW_POLICY_REJECT };
	uint32_t uplinks[] = { 2 };
	struct fw_model m = { .nets = &n, .n = 1, .mark = MARK, .ufw = &c, .uplinks = uplinks, .n_uplinks = 1 };
	struct ntable t[3] = { { .family = NFPROTO_INET, .name = FW_TABLE }, { .family = NFPROTO_IPV4, .name = FW_TABLE },
			       { .family = NFPROTO_IPV6, .name = FW_TABLE } };

	ck_assert_int_eq(nft_text_want(&m, t, 3), 0);
	ck_assert(t[0].exists && t[1].exists && !t[2].exists);
	ck_assert_str_eq(t[0].comment, FW_UFW_TABLES_COMMENT "ip");
	ck_assert_str_eq(t[1].comment, "");
	ck_assert_ptr_nonnull(nft_text_chain(&t[0], "raw-prerouting"));
	ck_assert_uint_eq(nft_text_set(&t[0], "uplinks")->elems.n, 1);
	ck_assert_ptr_nonnull(nft_text_chain(&t[0], "src"));
	ck_assert_ptr_null(nft_text_chain(&t[0], "src-gn-rej"));
	ck_assert_uint_eq(nft_text_set(&t[0], "ufw_nets")->elems.n, 1);
	ck_assert_uint_gt(t[1].n_chains, 0);
	ck_assert_ptr_null(nft_text_chain(&t[1], "raw-prerouting"));
	for (size_t i = 0; i < 3; i++)
		nft_text_clear(&t[i]);
	n.ufw = false; /* plan.c: the network is not under UFW */
	ck_assert_int_eq(nft_text_want(&m, t, 3), 0);
	ck_assert(t[0].exists && !t[1].exists && !t[2].exists);
	ck_assert_str_eq(t[0].comment, "");
	for (size_t i = 0; i < 3; i++)
		nft_text_clear(&t[i]);
}
END_TEST

/* How many rules the printed batch adds to guardnet's table of family
 * ("inet", "ip", "ip6"). */
static long rules_in(const char *text, const char *family)
{
	char want[64];
	long n = 0;

	snprintf(want, sizeof want, ": %s guardnet ", family);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *end = strchr(l, '\n'), *hit = strstr(l, want);

		n += !strncmp(l, "NEWRULE ", 8) && hit && (!end || hit < end);
	}
	return n;
}

/* An error report names the message the kernel refused: a network's
 * chain and set are named in the builder's own buffers, gone once the
 * batch is built, so the batch keeps its own copy of the names. */
START_TEST(what_outlives_builder)
{
	struct gn_prefix sub = P("10.8.0.0/24");
	struct gn_prefix allow = P("192.0.2.0/24");
	struct fw_network n = { .bridge = "gn-what", .icc = true, .subnets = &sub, .n_subnets = 1, .allow = &allow,
				.n_allow = 1 };
	struct fw_model m = { .nets = &n, .n = 1, .mark = MARK };
	struct nft_batch *b = nft_batch_new(100);
	bool chain = false, set = false;

	fw_nft_table(b, &m);
	for (uint32_t seq = 100; seq < 100 + nft_batch_messages(b); seq++) {
		chain |= !strcmp(nft_batch_what(b, seq), "allow-gn-what");
		set |= !strcmp(nft_batch_what(b, seq), "allow4-gn-what");
	}
	ck_assert(chain);
	ck_assert(set);
	nft_batch_free(b);
}
END_TEST

/* What a transaction does to each of guardnet's tables, as fw_apply keeps
 * it to compare with the kernel later (fw_intact, lost events): which
 * tables are there after it and how many rules each holds.  UFW without
 * IPv6: tables inet and ip; no network: none. */
START_TEST(tally)
{
	struct gn_prefix sub[] = { P("10.9.0.0/24"), P("fd00:9::/64") };
	struct fw_network n = { .bridge = "gn-tal", .icc = true, .subnets = sub, .n_subnets = 2, .ufw = true };
	struct ufw_config c = { .enabled = true, .ipv6 = false, .in_policy = UFW_POLICY_DROP };
	struct fw_model m = { .nets = &n, .n = 1, .mark = MARK, .ufw = &c }, none = { .mark = MARK };
	static const char *const names[] = { "inet", "ip", "ip6" };
	static const bool there[] = { true, true, false };

	for (int empty = 0; empty < 2; empty++) {
		struct nft_batch *b = nft_batch_new(1);
		char *text = NULL;
		size_t len = 0, size;
		FILE *out = open_memstream(&text, &len);
		const void *data;

		fw_nft_table(b, empty ? &none : &m);
		ck_assert_int_eq(nft_batch_seal(b), 0);
		data = nft_batch_data(b, &size);
		nft_batch_print(data, size, out);
		fclose(out);
		for (int i = 0; i < FW_FAMILIES; i++) {
			struct nft_tally t = nft_batch_tally(b, fw_families[i]);

			ck_assert_str_eq(fw_family_name(fw_families[i]), names[i]);
			ck_assert_msg(t.replaced, "table %s is replaced", names[i]);
			ck_assert_msg(t.exists == (there[i] && !empty), "table %s: there %d", names[i], t.exists);
			ck_assert_int_eq(t.rules, rules_in(text, names[i]));
			ck_assert_int_eq(t.elems == 0, empty || !there[i]);
		}
		ck_assert_int_gt(nft_batch_tally(b, NFPROTO_IPV4).rules, empty ? -1 : 3);
		free(text);
		nft_batch_free(b);
	}
}
END_TEST

/* No network left: the table goes. */
START_TEST(empty)
{
	struct fw_model m = { .mark = MARK };

	table_golden(&m, "fw_nft_empty");
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
	struct ntable both[2] = { { .family = NFPROTO_INET, .name = FW_TABLE }, { .family = NFPROTO_INET, .name = FW_COUNT_TABLE } }, t;
	const struct nchain *c;
	const struct nset *set;

	ck_assert_int_eq(nft_text_want(&m, both, 2), 0);
	t = both[0];
	ck_assert(t.exists);
	c = nft_text_chain(&t, "forward");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->desc, "hook 2 prio -10 type filter policy 1");
	ck_assert_str_eq(c->whats.v[0], "forward: admitted connections");
	ck_assert_ptr_nonnull(nft_text_chain(&t, "pub"));
	ck_assert_ptr_null(nft_text_chain(&t, "pub-gn-one"));
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
	tcase_add_test(tc, tally);
	tcase_add_test(tc, what_outlives_builder);
	tcase_add_test(tc, count_table);
	tcase_add_test(tc, check_text);
	tcase_add_test(tc, check_text_ufw);
	suite_add_tcase(s, tc);
	return s;
}
