#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "admit.h"
#include "explain.h"
#include "suites.h"

#define NET_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define EP_ID "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static struct gn_state st;
static struct gn_network *net;
static struct gn_endpoint *ep;
static struct gn_addr_list dflt;
static struct ufw_config ufw;
static bool decides;

/* One network 10.9.0.0/24 on bridge gn-test, one endpoint 10.9.0.2
 * publishing 8080/tcp -> 80 on every address. */
static void setup(void)
{
	struct gn_network_spec ns = { .id = NET_ID };
	struct gn_endpoint_spec es = { .net_id = NET_ID, .id = EP_ID, .has_addr4 = true };

	state_init(&st);
	strcpy(ns.opts.bridge, "gn-test");
	ns.opts.icc = ns.opts.enable_ipv4 = true;
	ns.ipv4 = calloc(1, sizeof *ns.ipv4);
	ns.n_ipv4 = 1;
	prefix_parse("10.9.0.0/24", false, true, &ns.ipv4[0].pool, "x", NULL);
	ck_assert_int_eq(state_add_network(&st, &ns, &net), 0);
	prefix_parse("10.9.0.2/24", false, false, &es.addr4, "x", NULL);
	ck_assert_int_eq(state_add_endpoint(&st, net, &es, &ep), 0);
	ep->programmed = true;
	ep->published.map = calloc(1, sizeof *ep->published.map);
	ep->published.n_map = 1;
	ep->published.map[0] = (struct gn_port_binding){ .proto = 6, .port = 80, .host_port = 8080,
							 .host_port_end = 8080 };
	addr_list_parse("0.0.0.0,::", &dflt, "publish", NULL);
	memset(&ufw, 0, sizeof ufw);
	ufw.enabled = true;
	decides = false;
}

static void teardown(void)
{
	ufw_config_clear(&ufw);
	free(dflt.v);
	state_free(&st);
}

/* A rule of user.rules: its tuple at line, then the -A lines UFW wrote
 * for it (one per line, "\n" between them) on the lines below. */
static void add_rule(const char *tuple, unsigned line, const char *lines)
{
	char copy[2048], *save = NULL;
	struct gn_err e;

	ufw.v4 = realloc(ufw.v4, (ufw.n4 + 1) * sizeof *ufw.v4);
	ck_assert_msg(ufw_parse_tuple(tuple, AF_INET, &ufw.v4[ufw.n4], &e) == 0, "%s: %s", tuple, e.msg);
	ufw.v4[ufw.n4++].line = line;
	snprintf(copy, sizeof copy, "%s", lines);
	for (char *t = strtok_r(copy, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
		struct ufw_line l = { .file = UFW_FILE_USER, .line = ++line, .tuple = (int)ufw.n4 - 1 };

		ck_assert_msg(ufw_restore_line(t, AF_INET, &ufw.rs4, &l, &e) == 0, "%s: %s", t, e.msg);
		ufw.rs4.lines = realloc(ufw.rs4.lines, (ufw.rs4.n_lines + 1) * sizeof l);
		ufw.rs4.lines[ufw.rs4.n_lines++] = l;
	}
	decides = true;
}

/* explain FROM -> TO:PORT/tcp arriving on IN ("" for none). */
static int ask(const char *from, const char *to, uint16_t port, const char *in, struct explain_result *r)
{
	/* Without rules, guardnet.conf's ufw = off keeps UFW out. */
	struct plan_env pe = { .default_publish = &dflt, .ufw = &ufw, .default_ufw = decides ? GN_UFW_AUTO : GN_UFW_OFF };
	struct explain_env env = { .st = &st, .env = &pe };
	struct explain_query q = { .proto = 6, .port = port, .to_host = true };
	struct gn_err e = { "" };
	int rc;

	addr_parse(from, &q.from, "from", NULL);
	addr_parse(to, &q.to, "to", NULL);
	q.from_host = !strncmp(from, "127.", 4) || !strcmp(from, "::1");
	q.to_host = strncmp(to, "10.", 3) != 0;
	snprintf(q.in_if, sizeof q.in_if, "%s", in);
	rc = explain(&env, &q, r, &e);
	if (rc < 0)
		snprintf(r->because, sizeof r->because, "%s", e.msg);
	return rc;
}

static void ck_verdict(const char *from, const char *to, uint16_t port, const char *in, enum explain_verdict v,
		       const char *step, const char *because)
{
	struct explain_result r;

	ck_assert_int_eq(ask(from, to, port, in, &r), 0);
	ck_assert_msg(r.verdict == v && !strcmp(r.step, step) && strstr(r.because, because),
		      "%s -> %s:%u: got %s/%s: %s", from, to, port, explain_verdict_name(r.verdict), r.step,
		      r.because);
}

START_TEST(without_ufw)
{
	ck_verdict("192.0.2.2", "192.0.2.1", 8080, "eth0", EXPLAIN_DROP, "default", "not in guardnet.allow");
	ck_verdict("127.0.0.1", "127.0.0.1", 8080, "lo", EXPLAIN_ACCEPT, "host", "the host itself");
	/* [::1] for an IPv4-only network, as Docker's bridge serves it. */
	ck_verdict("::1", "::1", 8080, "lo", EXPLAIN_ACCEPT, "host", "through guardnet's relay, to 10.9.0.2:80");
	ck_verdict("::1", "::1", 8081, "lo", EXPLAIN_CLOSED, "closed", "relay serves no [::1]:8081/tcp");
	ck_verdict("10.9.0.3", "192.0.2.1", 8080, "gn-test", EXPLAIN_ACCEPT, "hairpin", "same network");
	ck_verdict("192.0.2.2", "192.0.2.1", 9090, "eth0", EXPLAIN_CLOSED, "closed", "no guardnet container");
	net->spec.opts.icc = false;
	ck_verdict("10.9.0.3", "192.0.2.1", 8080, "gn-test", EXPLAIN_DROP, "default", "not in guardnet.allow");
	prefix_list_parse("192.0.2.0/28", &net->spec.opts.allow, "allow", NULL);
	ck_verdict("192.0.2.2", "192.0.2.1", 8080, "eth0", EXPLAIN_ACCEPT, "allow", "192.0.2.0/28 of network 0123");
	prefix_list_parse("198.51.100.7/32", &ep->spec.allow, "allow", NULL);
	ck_verdict("198.51.100.7", "192.0.2.1", 8080, "eth0", EXPLAIN_ACCEPT, "endpoint-allow", "of endpoint fedc");
}
END_TEST

START_TEST(ufw_first_match)
{
	add_rule("deny any 8080 0.0.0.0/0 any 0.0.0.0/0 in", 20,
		 "-A ufw-user-input -p tcp --dport 8080 -j DROP\n-A ufw-user-input -p udp --dport 8080 -j DROP");
	add_rule("allow tcp 8080 0.0.0.0/0 any 192.0.2.2 in", 23, "-A ufw-user-input -p tcp --dport 8080 -s 192.0.2.2 -j ACCEPT");
	ck_verdict("192.0.2.2", "192.0.2.1", 8080, "eth0", EXPLAIN_DROP, "ufw-in",
		   "UFW rule [1] \"deny from any to any port 8080\" (user.rules line 21)");
	ck_verdict("192.0.2.3", "192.0.2.1", 8080, "eth0", EXPLAIN_DROP, "ufw-in", "user.rules line 21");
	/* A hand edit of the -A line only: the -A line decides, the tuple names it. */
	ufw.rs4.lines[0].dport.lo[0] = ufw.rs4.lines[0].dport.hi[0] = 8081;
	ck_verdict("192.0.2.2", "192.0.2.1", 8080, "eth0", EXPLAIN_ACCEPT, "ufw-in",
		   "[2] \"allow from 192.0.2.2 to any port 8080 proto tcp\" (user.rules line 24)");
	ck_verdict("192.0.2.3", "192.0.2.1", 8080, "eth0", EXPLAIN_DROP, "policy", "default incoming policy is deny");
	ufw.in_policy = UFW_POLICY_REJECT;
	ck_verdict("192.0.2.3", "192.0.2.1", 8080, "eth0", EXPLAIN_REJECT, "policy", "is reject");
	/* The host and the hairpin come before UFW. */
	ck_verdict("127.0.0.1", "127.0.0.1", 8080, "lo", EXPLAIN_ACCEPT, "host", "");
	ck_verdict("10.9.0.3", "192.0.2.1", 8080, "gn-test", EXPLAIN_ACCEPT, "hairpin", "");
}
END_TEST

START_TEST(ufw_actions_and_qualifiers)
{
	add_rule("allow tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in_nosuch0", 10,
		 "-A ufw-user-input -i nosuch0 -p tcp --dport 8080 -j ACCEPT");
	add_rule("reject tcp 8080 0.0.0.0/0 any 192.0.2.4 in", 20,
		 "-A ufw-user-input -p tcp --dport 8080 -s 192.0.2.4 -j REJECT --reject-with tcp-reset");
	add_rule("limit tcp 8080 0.0.0.0/0 any 192.0.2.5 in", 30,
		 "-A ufw-user-input -p tcp --dport 8080 -s 192.0.2.5 -m conntrack --ctstate NEW -m recent --set\n"
		 "-A ufw-user-input -p tcp --dport 8080 -s 192.0.2.5 -m conntrack --ctstate NEW -m recent --update "
		 "--seconds 30 --hitcount 6 -j ufw-user-limit\n"
		 "-A ufw-user-input -p tcp --dport 8080 -s 192.0.2.5 -j ufw-user-limit-accept");
	add_rule("allow tcp 8080 192.0.2.9 any 0.0.0.0/0 in", 40,     /* another destination */
		 "-A ufw-user-input -p tcp -d 192.0.2.9 --dport 8080 -j ACCEPT");
	add_rule("allow tcp 8080 0.0.0.0/0 1234 0.0.0.0/0 in", 50,    /* a source port explain cannot know */
		 "-A ufw-user-input -p tcp --dport 8080 --sport 1234 -j ACCEPT");
	add_rule("route:allow tcp 80 10.9.0.2 any 0.0.0.0/0 in", 60,
		 "-A ufw-user-forward -p tcp -d 10.9.0.2 --dport 80 -j ACCEPT");
	add_rule("allow tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in", 70, "");
	{
		struct ufw_line l = { .file = UFW_FILE_USER, .line = 80, .tuple = -1 };
		struct gn_err e;

		ufw_restore_line("-A ufw-user-limit-accept -j ACCEPT", AF_INET, &ufw.rs4, &l, &e);
		ufw.rs4.lines = realloc(ufw.rs4.lines, (ufw.rs4.n_lines + 1) * sizeof l);
		ufw.rs4.lines[ufw.rs4.n_lines++] = l;
	}
	ck_verdict("192.0.2.4", "192.0.2.1", 8080, "eth0", EXPLAIN_REJECT, "ufw-in", "line 21");
	ck_verdict("192.0.2.5", "192.0.2.1", 8080, "eth0", EXPLAIN_LIMIT, "ufw-in", "user.rules line 80");
	ck_verdict("192.0.2.6", "192.0.2.1", 8080, "nosuch0", EXPLAIN_ACCEPT, "ufw-in", "allow in on nosuch0");
	ck_verdict("192.0.2.6", "192.0.2.1", 8080, "eth0", EXPLAIN_ACCEPT, "ufw-route",
		   "[6] \"route allow from any to 10.9.0.2 port 80 proto tcp\" (user.rules line 61)");
	decides = false;
	ck_verdict("192.0.2.4", "192.0.2.1", 8080, "eth0", EXPLAIN_DROP, "default", "guardnet.ufw=auto, UFW enabled");
}
END_TEST

START_TEST(where_it_is_published)
{
	addr_list_parse("127.0.0.1", &net->spec.opts.publish, "publish", NULL);
	net->spec.opts.publish_set = true;
	ck_verdict("192.0.2.2", "192.0.2.1", 8080, "eth0", EXPLAIN_CLOSED, "closed", "published on 127.0.0.1 only");
	ck_verdict("127.0.0.1", "127.0.0.1", 8080, "lo", EXPLAIN_ACCEPT, "host", "");
	/* 127.0.0.1 alone: Docker would not serve [::1] either. */
	ck_verdict("::1", "::1", 8080, "lo", EXPLAIN_CLOSED, "closed", "relay serves no [::1]:8080/tcp");
}
END_TEST

START_TEST(container_addresses)
{
	struct explain_result r;

	ck_verdict("192.0.2.2", "10.9.0.2", 80, "eth0", EXPLAIN_DROP, "direct", "only published ports");
	ck_verdict("127.0.0.1", "10.9.0.2", 80, "lo", EXPLAIN_ACCEPT, "host", "reaches its containers directly");
	ck_verdict("10.9.0.3", "10.9.0.2", 80, "gn-test", EXPLAIN_ACCEPT, "icc", "");
	net->spec.opts.icc = false;
	ck_verdict("10.9.0.3", "10.9.0.2", 80, "gn-test", EXPLAIN_DROP, "icc", "guardnet.icc=false");
	ck_assert_int_eq(ask("192.0.2.2", "10.8.0.2", 80, "eth0", &r), -EINVAL);
	ck_assert_str_eq(r.because, "10.8.0.2 is neither an address of this host nor in a guardnet network");
}
END_TEST

/* admit.c's table, step by step: each step decides for the source it is
 * about, an earlier step wins over a later one, and a step that does not
 * apply is passed over.  (check_admit: the chain's rules follow the same
 * table.) */
START_TEST(every_step_of_the_admission_order)
{
	static const struct {
		enum admit_step step;
		const char *from, *in;
	} about[] = {
		{ ADMIT_HOST, "127.0.0.1", "lo" },
		{ ADMIT_HAIRPIN, "10.9.0.3", "gn-test" },
		{ ADMIT_UFW_IN, "192.0.2.2", "eth0" },
		{ ADMIT_UFW_ROUTE, "192.0.2.3", "eth0" },
		{ ADMIT_NET_ALLOW, "198.51.100.8", "eth0" },
		{ ADMIT_EP_ALLOW, "203.0.113.7", "eth0" },
		{ ADMIT_FINAL, "192.0.2.4", "eth0" },
	};

	add_rule("deny tcp 8080 0.0.0.0/0 any 198.51.100.9 in", 0, "-A ufw-user-input -p tcp --dport 8080 -s 198.51.100.9 -j DROP");
	add_rule("allow tcp 8080 0.0.0.0/0 any 192.0.2.2 in", 2, "-A ufw-user-input -p tcp --dport 8080 -s 192.0.2.2 -j ACCEPT");
	add_rule("route:allow tcp 80 10.9.0.2 any 192.0.2.3 in", 4,
		 "-A ufw-user-forward -p tcp -d 10.9.0.2 --dport 80 -s 192.0.2.3 -j ACCEPT");
	prefix_list_parse("198.51.100.0/24", &net->spec.opts.allow, "allow", NULL);
	prefix_list_parse("203.0.113.7", &ep->spec.allow, "allow", NULL);
	ck_assert_uint_eq(admit_steps, sizeof about / sizeof about[0]);
	for (size_t i = 0; i < admit_steps; i++) {
		struct explain_result r;

		ck_assert_int_eq(admit_order[i].step, about[i].step);
		ck_assert_int_eq(ask(about[i].from, "192.0.2.1", 8080, about[i].in, &r), 0);
		ck_assert_msg(!strcmp(r.step, admit_order[i].name), "%s: decided at %s, not %s", about[i].from, r.step,
			      admit_order[i].name);
	}
	ck_verdict("198.51.100.9", "192.0.2.1", 8080, "eth0", EXPLAIN_DROP, "ufw-in", "line 1");
	free(ep->spec.allow.v);
	prefix_list_parse("198.51.100.8", &ep->spec.allow, "allow", NULL);
	ck_verdict("198.51.100.8", "192.0.2.1", 8080, "eth0", EXPLAIN_ACCEPT, "allow", "of network");
	net->spec.opts.icc = false;
	ck_verdict("10.9.0.3", "192.0.2.1", 8080, "gn-test", EXPLAIN_DROP, "policy", "default incoming policy");
}
END_TEST

Suite *explain_suite(void)
{
	Suite *s = suite_create("explain");
	TCase *tc = tcase_create("explain");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, without_ufw);
	tcase_add_test(tc, ufw_first_match);
	tcase_add_test(tc, ufw_actions_and_qualifiers);
	tcase_add_test(tc, where_it_is_published);
	tcase_add_test(tc, container_addresses);
	tcase_add_test(tc, every_step_of_the_admission_order);
	suite_add_tcase(s, tc);
	return s;
}
