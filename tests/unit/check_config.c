#include <errno.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "main-opts.h"
#include "suites.h"

START_TEST(defaults)
{
	struct gn_config c;

	config_init(&c);
	ck_assert_uint_eq(c.publish.n, 2);
	ck_assert(addr_is_any(&c.publish.v[0]) && addr_is_any(&c.publish.v[1]));
	ck_assert_uint_eq(c.mark, 0x4e47);
	ck_assert_uint_eq(c.group, 0x4e47);
	ck_assert_int_eq(c.ufw, GN_UFW_AUTO);
	ck_assert(!c.scope_global);
	ck_assert(!c.metrics); /* off unless configured */
	config_clear(&c);
}
END_TEST

/* scope from the file, and from guardnetd's --scope through config_set. */
START_TEST(scope)
{
	struct gn_config c;
	struct gn_err e;

	config_init(&c);
	ck_assert_int_eq(config_parse(&c, "scope = global\n", "t.conf", &e), 0);
	ck_assert(c.scope_global);
	ck_assert_int_eq(config_set(&c, "scope", "local", "--scope", &e), 0);
	ck_assert(!c.scope_global);
	ck_assert_int_eq(config_set(&c, "scope", "swarm", "--scope", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "--scope: scope: invalid value \"swarm\" (expected local or global)");
	ck_assert(!c.scope_global);
	config_clear(&c);
}
END_TEST

/* guardnetd's command line: defaults, -V stopping there, a state directory
 * that looks like an option refused by name, the control socket derived
 * from the plugin socket's name. */
START_TEST(command_line)
{
	char a0[] = "guardnetd", dopt[] = "-d", v[] = "-v", big_v[] = "-V", s[] = "--socket",
	     sock[] = "/run/docker/plugins/gn2.sock", extra[] = "surplus";
	char *plain[] = { a0, NULL }, *version[] = { a0, big_v, NULL }, *bad_dir[] = { a0, dopt, v, NULL },
	     *named[] = { a0, s, sock, NULL }, *surplus[] = { a0, extra, NULL };
	struct opts o;

	ck_assert_int_eq(opts_parse(1, plain, &o), 0);
	ck_assert_str_eq(o.socket, DEFAULT_SOCKET);
	ck_assert_str_eq(o.state_dir, DEFAULT_STATE_DIR);
	ck_assert(!o.version && !o.help && !o.config_given);
	ck_assert_int_eq(opts_parse(2, version, &o), 0);
	ck_assert(o.version);
	ck_assert_int_eq(opts_parse(3, bad_dir, &o), -EINVAL);
	ck_assert_int_eq(opts_parse(3, named, &o), 0);
	ck_assert_str_eq(o.control, "/run/guardnet/gn2.sock");
	ck_assert_int_eq(opts_parse(2, surplus, &o), -EINVAL);
}
END_TEST

/* metrics = off | PORT (127.0.0.1) | ADDRESS:PORT | [IPV6]:PORT */
START_TEST(metrics_listener)
{
	struct gn_config c;
	struct gn_err e;
	char a[64];

	config_init(&c);
	ck_assert_int_eq(config_parse(&c, "metrics = 9101\n", "t.conf", &e), 0);
	addr_format(&c.metrics_addr, a, sizeof a);
	ck_assert(c.metrics && c.metrics_port == 9101 && !strcmp(a, "127.0.0.1"));
	ck_assert_int_eq(config_parse(&c, "metrics = 0.0.0.0:9102\n", "t.conf", &e), 0);
	addr_format(&c.metrics_addr, a, sizeof a);
	ck_assert(c.metrics_port == 9102 && !strcmp(a, "0.0.0.0"));
	ck_assert_int_eq(config_parse(&c, "metrics = [::1]:9103\n", "t.conf", &e), 0);
	addr_format(&c.metrics_addr, a, sizeof a);
	ck_assert(c.metrics_port == 9103 && !strcmp(a, "::1"));
	ck_assert_int_eq(config_parse(&c, "metrics = off\n", "t.conf", &e), 0);
	ck_assert(!c.metrics);
	ck_assert_int_eq(config_parse(&c, "metrics = 70000\n", "t.conf", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "t.conf:1: metrics: invalid value \"70000\" (expected off, PORT, ADDRESS:PORT or "
				"[IPV6]:PORT, PORT 1-65535)");
	ck_assert_int_eq(config_parse(&c, "metrics = localhost:9100\n", "t.conf", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "t.conf:1: metrics: invalid IP address \"localhost\"");
	ck_assert_int_eq(config_parse(&c, "metrics = yes\n", "t.conf", &e), -EINVAL);
	config_clear(&c);
}
END_TEST

START_TEST(parse)
{
	struct gn_config c;
	struct gn_err e;

	config_init(&c);
	ck_assert_int_eq(config_parse(&c, "# comment\n\npublish = 127.0.0.1, ::1  # loopback only\nufw=off\n"
				      "mark = 0x100\ngroup = 77\n", "t.conf", &e), 0);
	ck_assert_uint_eq(c.publish.n, 2);
	ck_assert_int_eq(c.ufw, GN_UFW_OFF);
	ck_assert_uint_eq(c.mark, 0x100);
	ck_assert_uint_eq(c.group, 77);
	ck_assert_int_eq(config_parse(&c, "\n\nbogus = 1\n", "t.conf", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "t.conf:3: unknown key \"bogus\" (known: publish, ufw, mark, group, scope, metrics)");
	ck_assert_int_eq(config_parse(&c, "publish 127.0.0.1\n", "t.conf", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "t.conf:1: expected \"key = value\", got \"publish 127.0.0.1\"");
	ck_assert_int_eq(config_parse(&c, "publish = 127.0.0.300\n", "t.conf", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "t.conf:1: publish: invalid IP address \"127.0.0.300\"");
	ck_assert_int_eq(config_parse(&c, "mark = 0\n", "t.conf", &e), -EINVAL);
	ck_assert_int_eq(config_parse(&c, "group = 0\n", "t.conf", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "t.conf:1: group: invalid value \"0\" (expected a non-zero 32-bit number such as 0x4e47)");
	ck_assert_int_eq(config_parse(&c, "ufw = sometimes\n", "t.conf", &e), -EINVAL);
	/* The key as guardnet.conf names it, not as the network option guardnet.ufw. */
	ck_assert_int_eq(config_parse(&c, "\nufw = yes\n", "t.conf", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "t.conf:2: ufw: invalid value \"yes\" (expected auto, on or off)");
	ck_assert_int_eq(config_load(&c, "/nonexistent/guardnet.conf", true, &e), 0);
	ck_assert_int_eq(config_load(&c, "/nonexistent/guardnet.conf", false, &e), -ENOENT);
	ck_assert_str_eq(e.msg, "config /nonexistent/guardnet.conf: No such file or directory");
	config_clear(&c);
}
END_TEST

START_TEST(shipped_file_parses)
{
	struct gn_config c;
	struct gn_err e = { "" };
	char path[512];

	snprintf(path, sizeof path, "%s/../packaging/guardnet.conf", SPEC_DIR);
	config_init(&c);
	ck_assert_msg(config_load(&c, path, false, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(c.publish.n, 2);
	config_clear(&c);
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, parse);
	tcase_add_test(tc, scope);
	tcase_add_test(tc, command_line);
	tcase_add_test(tc, metrics_listener);
	tcase_add_test(tc, shipped_file_parses);
	suite_add_tcase(s, tc);
	return s;
}
