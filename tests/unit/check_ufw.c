#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "addr.h"
#include "ufw.h"
#include "suites.h"

/* Tuples as ufw 0.36 writes them (ufw --dry-run, research/ufw-anchors.md 3.5). */
START_TEST(tuples)
{
	struct ufw_rule r;
	struct gn_err e;

	ck_assert_int_eq(ufw_parse_tuple("allow any 8080 0.0.0.0/0 any 0.0.0.0/0 in", AF_INET, &r, &e), 0);
	ck_assert(r.action == UFW_ALLOW && !r.route && !r.log && !r.out && r.proto == 0);
	ck_assert(r.dport.n == 1 && r.dport.lo[0] == 8080 && r.dport.hi[0] == 8080 && r.sport.n == 0);
	ck_prefix(&r.src, "0.0.0.0/0");
	ck_assert_int_eq(ufw_parse_tuple("allow any 8080 0.0.0.0/0 any 192.0.2.2 in", AF_INET, &r, &e), 0);
	ck_prefix(&r.src, "192.0.2.2/32");
	ck_assert_int_eq(ufw_parse_tuple("limit tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in", AF_INET, &r, &e), 0);
	ck_assert(r.action == UFW_LIMIT && r.proto == 6);
	ck_assert_int_eq(ufw_parse_tuple("reject tcp 80,443 ::/0 any ::/0 in", AF_INET6, &r, &e), 0);
	ck_assert(r.action == UFW_REJECT && r.dport.n == 2 && r.dport.lo[1] == 443);
	ck_assert_int_eq(ufw_parse_tuple("allow tcp 8000:8010 0.0.0.0/0 any 0.0.0.0/0 in_eth0", AF_INET, &r, &e), 0);
	ck_assert(r.dport.lo[0] == 8000 && r.dport.hi[0] == 8010);
	ck_assert_str_eq(r.in_if, "eth0");
	ck_assert_int_eq(ufw_parse_tuple("route:allow tcp 80 10.0.0.2 any 0.0.0.0/0 in_eth0!out_gn-x", AF_INET, &r, &e), 0);
	ck_assert(r.route && r.action == UFW_ALLOW);
	ck_assert_str_eq(r.in_if, "eth0");
	ck_assert_str_eq(r.out_if, "gn-x");
	ck_prefix(&r.dst, "10.0.0.2/32");
	ck_assert_int_eq(ufw_parse_tuple("allow_log any 22 0.0.0.0/0 any 0.0.0.0/0 in", AF_INET, &r, &e), 0);
	ck_assert(r.log);
	ck_assert_int_eq(ufw_parse_tuple("deny any any ::/0 any 2001:db8::/32 in", AF_INET6, &r, &e), 0);
	ck_assert(r.action == UFW_DENY && r.dport.n == 0);
	ck_prefix(&r.src, "2001:db8::/32");
	ck_assert_int_eq(ufw_parse_tuple("allow udp 5353 0.0.0.0/0 53 10.0.0.0/8 in", AF_INET, &r, &e), 0);
	ck_assert(r.sport.n == 1 && r.sport.lo[0] == 53 && r.proto == 17);
	ck_assert_int_eq(ufw_parse_tuple("allow tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in comment=2253534820706f727422",
					 AF_INET, &r, &e), 0);
	ck_assert_int_eq(ufw_parse_tuple("allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 Apache%20Full - in", AF_INET, &r, &e), 0);
	ck_assert_int_eq(ufw_parse_tuple("allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 out", AF_INET, &r, &e), 0);
	ck_assert(r.out);
}
END_TEST

/* Whatever cannot be read is refused, so the loader skips it: never an allow. */
START_TEST(malformed)
{
	struct ufw_rule r;
	struct gn_err e;

	ck_assert_int_eq(ufw_parse_tuple("allow tcp 80", AF_INET, &r, &e), -EINVAL);
	ck_assert_str_eq(e.msg, "3 fields, expected 6 to 9");
	ck_assert_int_eq(ufw_parse_tuple("permit tcp 80 0.0.0.0/0 any 0.0.0.0/0 in", AF_INET, &r, &e), -EINVAL);
	ck_assert_str_eq(e.msg, "unknown action \"permit\"");
	ck_assert_int_eq(ufw_parse_tuple("allow tcp 70000 0.0.0.0/0 any 0.0.0.0/0 in", AF_INET, &r, &e), -EINVAL);
	ck_assert_str_eq(e.msg, "bad port list \"70000\"");
	ck_assert_int_eq(ufw_parse_tuple("allow tcp 90:80 0.0.0.0/0 any 0.0.0.0/0 in", AF_INET, &r, &e), -EINVAL);
	ck_assert_int_eq(ufw_parse_tuple("allow tcp 80 0.0.0.0/0 any ::/0 in", AF_INET, &r, &e), -EINVAL);
	ck_assert_str_eq(e.msg, "bad IPv4 address \"::/0\"");
	ck_assert_int_eq(ufw_parse_tuple("allow xtp 80 0.0.0.0/0 any 0.0.0.0/0 in", AF_INET, &r, &e), -EINVAL);
	ck_assert_int_eq(ufw_parse_tuple("allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 sideways", AF_INET, &r, &e), -EINVAL);
	ck_assert_int_eq(ufw_parse_tuple("allow gre 80 0.0.0.0/0 any 0.0.0.0/0 in", AF_INET, &r, &e), -EINVAL);
	ck_assert_int_eq(ufw_parse_tuple("allow_loud tcp 80 0.0.0.0/0 any 0.0.0.0/0 in", AF_INET, &r, &e), -EINVAL);
	ck_assert_int_eq(ufw_parse_tuple("allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_a-very-long-interface", AF_INET, &r,
					 &e), -EINVAL);
}
END_TEST

static void write_file(const char *root, const char *rel, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(load_files)
{
	char *root = tmpdir_make(), dir[600];
	struct ufw_config c;
	struct gn_err e;

	snprintf(dir, sizeof dir, "%s/etc", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof dir, "%s/etc/ufw", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof dir, "%s/etc/default", root);
	mkdir(dir, 0755);
	/* Nothing there: UFW is not installed. */
	ck_assert_int_eq(ufw_load(root, &c, &e), 0);
	ck_assert(!c.enabled && c.n4 == 0 && c.in_policy == UFW_POLICY_DROP);
	ufw_config_clear(&c);
	write_file(root, "etc/ufw/ufw.conf", "# comment\nENABLED=yes\nLOGLEVEL=low\n");
	write_file(root, "etc/default/ufw", "IPV6=yes\nDEFAULT_INPUT_POLICY=\"REJECT\"\nDEFAULT_FORWARD_POLICY=\"ACCEPT\"\n");
	write_file(root, "etc/ufw/user.rules", "*filter\n### RULES ###\n\n"
		   "### tuple ### deny tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 8080 -j DROP\n"
		   "### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 sideways\n"
		   "### tuple ### allow any 8080 0.0.0.0/0 any 192.0.2.2 in\n### END RULES ###\nCOMMIT\n");
	write_file(root, "etc/ufw/user6.rules", "### tuple ### allow tcp 22 ::/0 any ::/0 in\n");
	ck_assert_int_eq(ufw_load(root, &c, &e), 0);
	ck_assert(c.enabled && c.ipv6);
	ck_assert_int_eq(c.in_policy, UFW_POLICY_REJECT);
	ck_assert_int_eq(c.fwd_policy, UFW_POLICY_ACCEPT);
	/* The malformed middle rule is skipped; order and lines are kept. */
	ck_assert_uint_eq(c.n4, 2);
	ck_assert(c.v4[0].action == UFW_DENY && c.v4[0].line == 4);
	ck_assert(c.v4[1].action == UFW_ALLOW && c.v4[1].line == 7);
	ck_assert_uint_eq(c.n6, 1);
	ufw_config_clear(&c);
	tmpdir_remove(root);
}
END_TEST

/* The first incoming rule that matches decides; route rules only with a
 * container in the query; nothing for IPv6 when UFW leaves IPv6 alone. */
START_TEST(eval_first_match)
{
	static const char *const v4[] = {
		"deny tcp 8080 0.0.0.0/0 any 192.0.2.3 in",
		"allow tcp 8080 0.0.0.0/0 any 192.0.2.0/24 in",
		"allow tcp 9090 0.0.0.0/0 any 0.0.0.0/0 in_eth0",
		"route:allow tcp 80 10.0.0.2 any 0.0.0.0/0 in",
		"allow tcp 7070 0.0.0.0/0 any 0.0.0.0/0 out",
	};
	struct ufw_config c = { .enabled = true, .ipv6 = false };
	struct ufw_query q = { .family = AF_INET, .proto = 6, .dport = 8080 };
	struct ufw_decision d;
	struct gn_err e;

	c.v4 = calloc(sizeof v4 / sizeof v4[0], sizeof *c.v4);
	for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; i++)
		ck_assert_int_eq(ufw_parse_tuple(v4[i], AF_INET, &c.v4[c.n4++], &e), 0);
	addr_parse("192.0.2.1", &q.dst, "x", NULL);
	addr_parse("192.0.2.3", &q.src, "x", NULL);
	ufw_eval(&c, &q, &d);
	ck_assert(d.outcome == UFW_OUT_DROP && d.index == 0 && !d.route);
	ck_assert_uint_eq(ufw_rule_number(&c, AF_INET, d.index), 1);
	addr_parse("192.0.2.4", &q.src, "x", NULL);
	ufw_eval(&c, &q, &d);
	ck_assert(d.outcome == UFW_OUT_ACCEPT && d.index == 1);
	addr_parse("198.51.100.1", &q.src, "x", NULL);
	ufw_eval(&c, &q, &d);
	ck_assert(d.outcome == UFW_OUT_NONE && !d.rule);
	/* An interface-qualified rule needs the interface. */
	q.dport = 9090;
	ufw_eval(&c, &q, &d);
	ck_assert(d.outcome == UFW_OUT_NONE);
	q.in_if = "eth0";
	ufw_eval(&c, &q, &d);
	ck_assert(d.outcome == UFW_OUT_ACCEPT && d.index == 2);
	/* Outgoing rules never decide for an incoming connection. */
	q.dport = 7070;
	ufw_eval(&c, &q, &d);
	ck_assert(d.outcome == UFW_OUT_NONE);
	/* Route rules: only against a container. */
	q.dport = 8081;
	ufw_eval(&c, &q, &d);
	ck_assert(d.outcome == UFW_OUT_NONE);
	addr_parse("10.0.0.2", &q.ctr, "x", NULL);
	q.ctr_port = 80;
	ufw_eval(&c, &q, &d);
	ck_assert(d.outcome == UFW_OUT_ACCEPT && d.route && d.index == 3);
	q.family = AF_INET6;
	ufw_eval(&c, &q, &d);
	ck_assert(d.outcome == UFW_OUT_NONE);
	ufw_config_clear(&c);
}
END_TEST

Suite *ufw_suite(void)
{
	Suite *s = suite_create("ufw");
	TCase *tc = tcase_create("reader");

	tcase_add_test(tc, tuples);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, load_files);
	tcase_add_test(tc, eval_first_match);
	suite_add_tcase(s, tc);
	return s;
}
