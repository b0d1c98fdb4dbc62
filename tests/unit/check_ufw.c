#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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

START_TEST(load_files)
{
	char *root = ufw_root_make();
	struct ufw_config c;
	struct gn_err e;

	/* Nothing there: UFW is not installed. */
	ck_assert_int_eq(ufw_load(root, &c, &e), 0);
	ck_assert(!c.enabled && c.n4 == 0 && c.in_policy == UFW_POLICY_DROP);
	ufw_config_clear(&c);
	root_write(root, "etc/ufw/ufw.conf", "# comment\nENABLED=yes\nLOGLEVEL=low\n");
	root_write(root, "etc/default/ufw", "IPV6=yes\nDEFAULT_INPUT_POLICY=\"REJECT\"\nDEFAULT_FORWARD_POLICY=\"ACCEPT\"\n");
	root_write(root, "etc/ufw/user.rules", "*filter\n### RULES ###\n\n"
		   "### tuple ### deny tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 8080 -j DROP\n"
		   "### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 sideways\n"
		   "### tuple ### allow any 8080 0.0.0.0/0 any 192.0.2.2 in\n### END RULES ###\nCOMMIT\n");
	root_write(root, "etc/ufw/user6.rules", "### tuple ### allow tcp 22 ::/0 any ::/0 in\n");
	ck_assert_int_eq(ufw_load(root, &c, &e), 0);
	ck_assert(c.enabled && c.ipv6);
	ck_assert_int_eq(c.in_policy, UFW_POLICY_REJECT);
	ck_assert_int_eq(c.fwd_policy, UFW_POLICY_ACCEPT);
	/* The malformed middle rule is skipped; order and lines are kept. */
	ck_assert_uint_eq(c.n4, 2);
	ck_assert(c.v4[0].action == UFW_DENY && c.v4[0].line == 4);
	ck_assert(c.v4[1].action == UFW_ALLOW && c.v4[1].line == 7);
	ck_assert_uint_eq(c.n6, 1);
	/* The -A line decides and belongs to the tuple above it. */
	ck_assert_uint_eq(c.rs4.n_lines, 1);
	ck_assert(c.rs4.lines[0].verdict == UFW_V_DROP && c.rs4.lines[0].line == 5 && c.rs4.lines[0].tuple == 0);
	ufw_config_clear(&c);
	tmpdir_remove(root);
}
END_TEST

static struct ufw_line rline(struct ufw_ruleset *rs, int family, const char *text, int want)
{
	struct ufw_line l = { .file = UFW_FILE_BEFORE, .tuple = -1 };
	struct gn_err e = { "" };

	ck_assert_msg(ufw_restore_line(text, family, rs, &l, &e) == want, "%s: %s", text, e.msg);
	return l;
}

/* The -A lines UFW writes (ufw 0.36.2, Debian) and the stock before.rules. */
START_TEST(restore_lines)
{
	struct ufw_ruleset rs = { 0 };
	struct ufw_line l;

	l = rline(&rs, AF_INET, "-A ufw-user-input -i eth1 -p udp -m multiport --dports 80:90 -m multiport --sports 53 "
				"-d 192.0.2.1 -s 10.0.0.0/8 -j DROP", 0);
	ck_assert(l.verdict == UFW_V_DROP && l.proto == 17 && !strcmp(l.in_if, "eth1"));
	ck_assert(l.dport.n == 1 && l.dport.lo[0] == 80 && l.dport.hi[0] == 90 && l.sport.lo[0] == 53);
	ck_prefix(&l.dst, "192.0.2.1/32");
	ck_prefix(&l.src, "10.0.0.0/8");
	l = rline(&rs, AF_INET, "-A ufw-user-input -p tcp --dport 8080 -m conntrack --ctstate NEW -m recent --update "
				"--seconds 30 --hitcount 6 -j ufw-user-limit", 0);
	ck_assert(l.has_recent && l.recent.ops == 0x04 && l.recent.seconds == 30 && l.recent.hitcount == 6);
	ck_assert(l.ctstate == UFW_CT_NEW && l.verdict == UFW_V_JUMP);
	ck_assert_str_eq(rs.chains[l.target].name, "ufw-user-limit");
	l = rline(&rs, AF_INET, "-A ufw-user-input -p tcp --dport 7000 -j REJECT --reject-with tcp-reset", 0);
	ck_assert(l.verdict == UFW_V_REJECT && l.reject == UFW_REJECT_TCP_RESET);
	l = rline(&rs, AF_INET6, "-A ufw6-user-input -p udp --dport 7000 -j REJECT", 0);
	ck_assert(l.verdict == UFW_V_REJECT && l.reject == UFW_REJECT_PORT_UNREACH);
	l = rline(&rs, AF_INET, "-A ufw-user-logging-input -p tcp --dport 25 -m conntrack --ctstate NEW -m limit "
				"--limit 3/min --limit-burst 10 -j LOG --log-prefix \"[UFW ALLOW] \"", 0);
	ck_assert(l.verdict == UFW_V_LOG && l.has_limit && l.limit.burst == 10 && l.limit.avg == 200000);
	l = rline(&rs, AF_INET, "-A ufw-not-local -m addrtype --dst-type LOCAL -j RETURN", 0);
	ck_assert(l.dst_type == UFW_ADDR_LOCAL && l.verdict == UFW_V_RETURN);
	l = rline(&rs, AF_INET, "-A ufw-after-input -p udp --dport 137 -j ufw-skip-to-policy-input", 0);
	ck_assert(l.verdict == UFW_V_SKIP);
	l = rline(&rs, AF_INET, "-A ufw-before-input -m conntrack --ctstate INVALID -j ufw-logging-deny", 0);
	ck_assert(l.verdict == UFW_V_LOG && l.ctstate == UFW_CT_INVALID);
	l = rline(&rs, AF_INET6, "-A ufw6-before-input -m rt --rt-type 0 -j DROP", 0);
	ck_assert(l.has_rt && l.rt_type == 0);
	l = rline(&rs, AF_INET, "-A ufw-before-input ! -s 192.0.2.0/24 -p tcp --syn -j ACCEPT", 0);
	ck_assert(l.src_inv && l.tcp_mask == 0x17 && l.tcp_cmp == 0x02);
	l = rline(&rs, AF_INET, "-I ufw-before-input 2 -i eth+ -j DROP", 0);
	ck_assert(l.insert == 2 && !strcmp(l.in_if, "eth+"));
	/* Unreadable: marked, with its target and what was read before. */
	l = rline(&rs, AF_INET, "-A ufw-before-input -p tcp -m set --match-set bad src -j DROP", -EINVAL);
	ck_assert(l.unreadable && l.verdict == UFW_V_DROP && l.proto == 6);
	l = rline(&rs, AF_INET, "-A ufw-before-input -s 2001:db8::1 -j ACCEPT", -EINVAL);
	ck_assert(l.unreadable && l.verdict == UFW_V_ACCEPT);
	l = rline(&rs, AF_INET, "-A ufw-user-input -p tcp --dport 99999 -j ACCEPT", -EINVAL);
	ck_assert(l.unreadable);
	rline(&rs, AF_INET, "-N something", -EINVAL);
	rline(&rs, AF_INET, "-A x -j LOG --log-prefix \"unbalanced", -EINVAL);
	/* ufw-docker's block (research/ufw-anchors.md 1.2) reads whole. */
	rline(&rs, AF_INET, "-A DOCKER-USER -j ufw-user-forward", 0);
	rline(&rs, AF_INET, "-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN", 0);
	rline(&rs, AF_INET, "-A DOCKER-USER -i docker0 -o docker0 -j ACCEPT", 0);
	rline(&rs, AF_INET, "-A DOCKER-USER -j RETURN -s 172.16.0.0/12", 0);
	l = rline(&rs, AF_INET, "-A DOCKER-USER -j ufw-docker-logging-deny -m conntrack --ctstate NEW -d 10.0.0.0/8", 0);
	ck_assert(l.verdict == UFW_V_JUMP && l.ctstate == UFW_CT_NEW);
	rline(&rs, AF_INET, "-A ufw-docker-logging-deny -m limit --limit 3/min --limit-burst 10 -j LOG "
			    "--log-prefix \"[UFW DOCKER BLOCK] \"", 0);
	ufw_ruleset_clear(&rs);
}
END_TEST

static enum ufw_outcome decide(const struct ufw_config *c, const char *src, uint8_t proto, uint16_t sport,
			       uint16_t dport, const struct ufw_line **line)
{
	struct ufw_query q = { .family = AF_INET, .proto = proto, .sport = sport, .dport = dport, .in_if = "eth0",
			       .ctr_port = 80, .out_if = "gn-x" };
	struct ufw_decision d;

	addr_parse(src, &q.src, "src", NULL);
	addr_parse("192.0.2.1", &q.dst, "dst", NULL);
	addr_parse("10.9.0.2", &q.ctr, "ctr", NULL);
	ufw_eval(c, &q, &d);
	if (line)
		*line = d.line;
	return d.outcome;
}

/* UFW's order as ufw-init builds it: before (a RETURN there skips the user
 * rules), user, after (skip-to-policy), then route rules; an unreadable
 * line drops what it could read and never admits. */
START_TEST(walk)
{
	char *root = ufw_root_make();
	const struct ufw_line *l;
	struct ufw_config c;
	struct gn_err e;

	root_write(root, "etc/ufw/before.rules", "*filter\n:ufw-before-input - [0:0]\n:ufw-not-local - [0:0]\n"
		   "-A ufw-before-input -i lo -j ACCEPT\n"
		   "-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
		   "-A ufw-before-input -p icmp --icmp-type echo-request -j ACCEPT\n"
		   "-A ufw-before-input -p udp --sport 67 --dport 68 -j ACCEPT\n"
		   "-A ufw-before-input -s 192.0.2.9 -j DROP\n"
		   "-A ufw-before-input -s 192.0.2.8 -j RETURN\n"
		   "-A ufw-before-input -j ufw-not-local\n"
		   "-A ufw-not-local -m addrtype --dst-type LOCAL -j RETURN\n"
		   "-A ufw-not-local -j DROP\nCOMMIT\n");
	root_write(root, "etc/ufw/after.rules", "*filter\n:ufw-after-input - [0:0]\n"
		   "-A ufw-after-input -p udp --dport 137 -j ufw-skip-to-policy-input\n"
		   "-A ufw-after-input -s 192.0.2.8 -j REJECT\n"
		   "-A ufw-after-input -p udp -m set --match-set blocked src -j DROP\n"
		   "-A ufw-after-input -p tcp --dport 22 -j f2b-sshd\nCOMMIT\n");
	root_write(root, "etc/ufw/user.rules", "*filter\n:ufw-user-input - [0:0]\n:ufw-user-forward - [0:0]\n"
		   ":ufw-user-limit - [0:0]\n:ufw-user-limit-accept - [0:0]\n### RULES ###\n"
		   "### tuple ### allow tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in\n"
		   "-A ufw-user-input -p tcp --dport 8080 -j ACCEPT\n"
		   "### tuple ### limit tcp 8081 0.0.0.0/0 any 0.0.0.0/0 in\n"
		   "-A ufw-user-input -p tcp --dport 8081 -m conntrack --ctstate NEW -m recent --set\n"
		   "-A ufw-user-input -p tcp --dport 8081 -m conntrack --ctstate NEW -m recent --update --seconds 30 "
		   "--hitcount 6 -j ufw-user-limit\n"
		   "-A ufw-user-input -p tcp --dport 8081 -j ufw-user-limit-accept\n"
		   "### tuple ### route:deny tcp 80 10.9.0.2 any 0.0.0.0/0 in\n"
		   "-A ufw-user-forward -p tcp -d 10.9.0.2 --dport 80 -j DROP\n"
		   "### END RULES ###\n"
		   "-A ufw-user-limit -j REJECT\n-A ufw-user-limit-accept -j ACCEPT\nCOMMIT\n");
	ck_assert_int_eq(ufw_load(root, &c, &e), 0);
	/* Two problems: the -m set line, and a jump to a chain no file
	 * declares (fail2ban makes its own at run time), by file and line. */
	ck_assert_uint_eq(c.n_problems, 2);
	ck_assert(c.problems[0].file == UFW_FILE_AFTER && c.problems[0].line == 5);
	ck_assert(c.problems[1].file == UFW_FILE_AFTER && c.problems[1].line == 6);
	ck_assert_int_eq(decide(&c, "192.0.2.2", 6, 0, 22, &l), UFW_OUT_DROP);
	ck_assert(l->unreadable && l->line == 6);
	ck_assert_int_eq(decide(&c, "192.0.2.2", 6, 0, 8080, &l), UFW_OUT_ACCEPT);
	ck_assert(l->file == UFW_FILE_USER && l->tuple == 0);
	ck_assert_int_eq(decide(&c, "192.0.2.2", 6, 0, 8081, &l), UFW_OUT_LIMIT);
	ck_assert_int_eq(decide(&c, "192.0.2.9", 6, 0, 8080, &l), UFW_OUT_DROP);
	ck_assert(l->file == UFW_FILE_BEFORE && l->line == 8);
	/* DHCP's line admits a published UDP port 68 from port 67 only. */
	ck_assert_int_eq(decide(&c, "192.0.2.2", 17, 67, 68, NULL), UFW_OUT_ACCEPT);
	ck_assert_int_eq(decide(&c, "192.0.2.2", 17, 1000, 68, NULL), UFW_OUT_DROP);
	/* RETURN in before-input: the user rules are skipped, after-input runs. */
	ck_assert_int_eq(decide(&c, "192.0.2.8", 6, 0, 8080, &l), UFW_OUT_REJECT);
	ck_assert(l->file == UFW_FILE_AFTER && l->line == 4);
	/* skip-to-policy leaves before the unreadable DROP; the route rule
	 * then decides for TCP, nothing for this UDP port. */
	ck_assert_int_eq(decide(&c, "192.0.2.2", 17, 0, 137, NULL), UFW_OUT_NONE);
	ck_assert_int_eq(decide(&c, "192.0.2.2", 6, 0, 9999, &l), UFW_OUT_DROP);
	ck_assert(l->file == UFW_FILE_USER && l->tuple == 2);
	/* The unreadable line drops every UDP packet that reaches it. */
	ck_assert_int_eq(decide(&c, "192.0.2.2", 17, 0, 5353, &l), UFW_OUT_DROP);
	ck_assert(l->unreadable && l->file == UFW_FILE_AFTER);
	ufw_config_clear(&c);
	tmpdir_remove(root);
}
END_TEST

static enum ufw_outcome host_service(const struct ufw_config *c, int family, const char *src, const char *dst,
				     uint16_t dport, const char *in_if, const char *ctr, char *why, size_t len)
{
	struct ufw_query q = { .family = family, .proto = 6, .dport = dport, .in_if = in_if, .ctr_port = 80,
			       .out_if = "gn-x" };
	struct ufw_decision d;

	addr_parse(src, &q.src, "src", NULL);
	addr_parse(dst, &q.dst, "dst", NULL);
	if (ctr)
		addr_parse(ctr, &q.ctr, "ctr", NULL);
	ufw_eval(c, &q, &d);
	if (d.line)
		ufw_decision_format(c, &d, family, why, len);
	else
		snprintf(why, len, "none");
	return d.outcome;
}

/* guardnetctl audit's question, a host service on the port: no container,
 * so the route rules never decide; nothing for IPv6 when UFW leaves IPv6
 * alone; the deciding line worded as explain words it. */
START_TEST(eval_host_service)
{
	char *root = ufw_root_make(), why[300];
	struct ufw_config c;
	struct gn_err e;

	root_write(root, "etc/ufw/ufw.conf", "ENABLED=yes\n");
	root_write(root, "etc/default/ufw", "IPV6=no\n");
	root_write(root, "etc/ufw/user.rules", "*filter\n:ufw-user-input - [0:0]\n:ufw-user-forward - [0:0]\n"
		   ":ufw-user-output - [0:0]\n### RULES ###\n"
		   "### tuple ### deny tcp 8080 0.0.0.0/0 any 192.0.2.3 in\n"
		   "-A ufw-user-input -p tcp --dport 8080 -s 192.0.2.3 -j DROP\n"
		   "### tuple ### allow tcp 8080 0.0.0.0/0 any 192.0.2.0/24 in\n"
		   "-A ufw-user-input -p tcp --dport 8080 -s 192.0.2.0/24 -j ACCEPT\n"
		   "### tuple ### allow tcp 9090 0.0.0.0/0 any 0.0.0.0/0 in_eth0\n"
		   "-A ufw-user-input -i eth0 -p tcp --dport 9090 -j ACCEPT\n"
		   "### tuple ### route:allow tcp 80 10.0.0.2 any 0.0.0.0/0 in\n"
		   "-A ufw-user-forward -p tcp -d 10.0.0.2 --dport 80 -j ACCEPT\n"
		   "### tuple ### allow tcp 7070 0.0.0.0/0 any 0.0.0.0/0 out\n"
		   "-A ufw-user-output -p tcp --dport 7070 -j ACCEPT\n"
		   "### END RULES ###\nCOMMIT\n");
	ck_assert_int_eq(ufw_load(root, &c, &e), 0);
	ck_assert_int_eq(host_service(&c, AF_INET, "192.0.2.3", "192.0.2.1", 8080, "eth0", NULL, why, sizeof why),
			 UFW_OUT_DROP);
	ck_assert_str_eq(why, "UFW rule [1] \"deny from 192.0.2.3 to any port 8080 proto tcp\" (user.rules line 7)");
	ck_assert_int_eq(host_service(&c, AF_INET, "192.0.2.4", "192.0.2.1", 8080, "eth0", NULL, why, sizeof why),
			 UFW_OUT_ACCEPT);
	ck_assert_str_eq(why, "UFW rule [2] \"allow from 192.0.2.0/24 to any port 8080 proto tcp\" (user.rules line 9)");
	ck_assert_int_eq(host_service(&c, AF_INET, "198.51.100.1", "192.0.2.1", 8080, "eth0", NULL, why, sizeof why),
			 UFW_OUT_NONE);
	/* An interface-qualified rule needs the interface. */
	ck_assert_int_eq(host_service(&c, AF_INET, "198.51.100.1", "192.0.2.1", 9090, "eth1", NULL, why, sizeof why),
			 UFW_OUT_NONE);
	ck_assert_int_eq(host_service(&c, AF_INET, "198.51.100.1", "192.0.2.1", 9090, "eth0", NULL, why, sizeof why),
			 UFW_OUT_ACCEPT);
	/* Outgoing rules never decide for an incoming connection. */
	ck_assert_int_eq(host_service(&c, AF_INET, "198.51.100.1", "192.0.2.1", 7070, "eth0", NULL, why, sizeof why),
			 UFW_OUT_NONE);
	/* The route rule decides for a container (explain), never for a
	 * host service (audit); its port is the container's. */
	ck_assert_int_eq(host_service(&c, AF_INET, "198.51.100.1", "192.0.2.1", 8081, "eth0", NULL, why, sizeof why),
			 UFW_OUT_NONE);
	ck_assert_int_eq(host_service(&c, AF_INET, "198.51.100.1", "192.0.2.1", 8081, "eth0", "10.0.0.2", why,
				      sizeof why), UFW_OUT_ACCEPT);
	ck_assert_str_eq(why, "UFW rule [4] \"route allow from any to 10.0.0.2 port 80 proto tcp\" (user.rules line 13)");
	/* IPV6=no: UFW decides nothing for IPv6. */
	ck_assert_int_eq(host_service(&c, AF_INET6, "2001:db8::3", "2001:db8::1", 8080, "eth0", NULL, why, sizeof why),
			 UFW_OUT_NONE);
	ufw_config_clear(&c);
	tmpdir_remove(root);
}
END_TEST

Suite *ufw_suite(void)
{
	Suite *s = suite_create("ufw");
	TCase *tc = tcase_create("reader");

	tcase_add_test(tc, tuples);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, load_files);
	tcase_add_test(tc, restore_lines);
	tcase_add_test(tc, walk);
	tcase_add_test(tc, eval_host_service);
	suite_add_tcase(s, tc);
	return s;
}
