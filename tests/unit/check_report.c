/* guardnetctl's content as plain structs (report.c), with the kernel
 * played by the fake backend. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "host.h"
#include "metrics.h"
#include "names.h"
#include "report.h"
#include "suites.h"
#include "ufw.h"

#define NET "4aa2d42bef9d487d398a30c85e12e8fb237690c3cf238241dd6db2c80c77c4c5"
#define EP "aaaa757575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a"
#define IDS "\"NetworkID\":\"" NET "\",\"EndpointID\":\"" EP "\""

static struct unit_host h;

/* One network, one endpoint publishing 8080/tcp -> 80, allowing 192.0.2.3. */
static void setup(void)
{
	host_open(&h, false);
	host_must(&h, "/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" NET "\",\"Options\":{},\"IPv4Data\":[{\"Gateway\":"
	     "\"10.97.0.1/24\",\"Pool\":\"10.97.0.0/24\"}],\"IPv6Data\":[]}");
	host_must(&h, "/NetworkDriver.CreateEndpoint", "{" IDS ",\"Interface\":{\"Address\":\"10.97.0.2/24\"},"
	     "\"Options\":{\"guardnet.allow\":\"192.0.2.3/32\"}}");
	host_must(&h, "/NetworkDriver.Join", "{" IDS ",\"SandboxKey\":\"/x\",\"Options\":{}}");
	host_must(&h, "/NetworkDriver.ProgramExternalConnectivity", "{" IDS ",\"Options\":{\"com.docker.network.portmap\":"
	     "[{\"Proto\":6,\"IP\":\"\",\"Port\":80,\"HostIP\":\"\",\"HostPort\":8080,\"HostPortEnd\":8080}]}}");
}

static void teardown(void)
{
	host_close(&h);
}

START_TEST(status_of_networks_and_endpoints)
{
	struct report_status s;
	const struct report_endpoint *e;
	const struct report_port *p;
	struct gn_err err;

	h.fk.fw_info.iptables_legacy = true;
	ck_assert_int_eq(report_status(&h.drv, &s, &err), 0);
	ck_assert(!s.ufw); /* not read */
	ck_assert(s.fw.iptables_legacy && !s.fw.iptables_nft);
	ck_assert_uint_eq(s.mark, h.cfg.mark);
	ck_assert_uint_eq(s.n_nets, 1);
	ck_assert_str_eq(s.nets[0].id, NET);
	ck_assert_str_eq(s.nets[0].bridge, "gn-4aa2d42bef9d");
	ck_assert(s.nets[0].icc && !s.nets[0].internal && !s.nets[0].ufw_in_force);
	ck_assert_uint_eq(s.nets[0].publish->n, 2); /* guardnet.conf's 0.0.0.0,:: */
	ck_assert_uint_eq(s.nets[0].n_subnets4, 1);
	ck_assert_uint_eq(s.nets[0].n_eps, 1);
	e = &s.nets[0].eps[0];
	ck_assert_str_eq(e->id, EP);
	ck_assert(e->has_addr4 && !e->has_addr6);
	ck_assert_uint_eq(e->allow->n, 1);
	/* An IPv4-only endpoint publishes 8080 on IPv4 only. */
	ck_assert_uint_eq(e->n_ports, 1);
	p = &e->ports[0];
	ck_assert(p->pub.any && p->pub.port == 8080 && p->pub.ctr_port == 80);
	/* Without UFW: the host, the network's containers, the allowlist,
	 * and guardnet's drop for everyone else. */
	ck_assert(p->reach.hairpin);
	ck_assert_uint_eq(p->reach.n_ufw_rules, 0);
	ck_assert_uint_eq(p->reach.n_allow, 1);
	ck_prefix(&p->reach.allow[0], "192.0.2.3/32");
	ck_assert_int_eq(p->reach.dflt, REPORT_DEFAULT_DENY);
	report_status_clear(&s);
}
END_TEST

/* Ports of Docker's routing mesh: status lists each once, sorted, and
 * forgets those that went. */
START_TEST(status_lists_the_routing_mesh_ports)
{
	struct report_status s;
	struct gn_err err;

	h.fk.ingress[0] = (struct gn_transport_port){ .proto = 17, .port = 53 };
	h.fk.ingress[1] = (struct gn_transport_port){ .proto = 6, .port = 8083 };
	h.fk.ingress[2] = (struct gn_transport_port){ .proto = 6, .port = 8083 };
	h.fk.n_ingress = 3;
	driver_watch_ingress(&h.drv);
	ck_assert_int_eq(report_status(&h.drv, &s, &err), 0);
	ck_assert(!s.scope_global);
	ck_assert_uint_eq(s.n_ingress, 2);
	ck_assert(s.ingress[0].proto == 6 && s.ingress[0].port == 8083);
	ck_assert(s.ingress[1].proto == 17 && s.ingress[1].port == 53);
	report_status_clear(&s);
	h.fk.n_ingress = 1;
	driver_watch_ingress(&h.drv);
	ck_assert_int_eq(report_status(&h.drv, &s, &err), 0);
	ck_assert_uint_eq(s.n_ingress, 1);
	ck_assert(s.ingress[0].proto == 17 && s.ingress[0].port == 53);
	report_status_clear(&s);
}
END_TEST

static struct ufw_config ufw;

static void ufw_rule(int family, const char *tuple)
{
	struct ufw_rule **v = family == AF_INET ? &ufw.v4 : &ufw.v6;
	size_t *n = family == AF_INET ? &ufw.n4 : &ufw.n6;
	struct gn_err e;

	*v = realloc(*v, (*n + 1) * sizeof **v);
	ck_assert_msg(ufw_parse_tuple(tuple, family, &(*v)[*n], &e) == 0, "%s: %s", tuple, e.msg);
	(*v)[*n].line = (unsigned)(20 + *n);
	++*n;
}

static const struct report_port *only_port(const struct report_status *s)
{
	ck_assert_uint_eq(s->n_nets, 1);
	ck_assert_uint_eq(s->nets[0].n_eps, 1);
	ck_assert_uint_eq(s->nets[0].eps[0].n_ports, 1);
	return &s->nets[0].eps[0].ports[0];
}

/* UFW's rules that can decide for 0.0.0.0:8080->80/tcp, numbered as `ufw
 * status numbered` numbers them, up to the first that decides for every
 * source; guardnet.allow and the default policy only when none does. */
START_TEST(reach_names_the_deciding_ufw_rules)
{
	static const unsigned some[] = { 2, 4, 5 }, all[] = { 2, 5 };
	struct report_status s;
	const struct report_port *p;
	struct gn_err err;

	memset(&ufw, 0, sizeof ufw);
	ufw.enabled = ufw.ipv6 = true;
	ufw.in_policy = UFW_POLICY_REJECT;
	ufw_rule(AF_INET, "allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in");                /* 1: another port */
	ufw_rule(AF_INET, "allow tcp 8080 0.0.0.0/0 any 192.0.2.2 in");              /* 2: one source */
	ufw_rule(AF_INET, "allow udp 8080 0.0.0.0/0 any 0.0.0.0/0 in");              /* 3: UDP */
	ufw_rule(AF_INET, "deny any 8080 192.0.2.1 any 0.0.0.0/0 in");               /* 4: one host address */
	ufw_rule(AF_INET, "route:allow tcp 80 10.97.0.2 any 0.0.0.0/0 in_eth0!out_gn-4aa2d42bef9d"); /* 5 */
	ufw_rule(AF_INET6, "allow tcp 8080 ::/0 any ::/0 in");                       /* 6: IPv6 */
	h.drv.env.ufw = &ufw;
	ck_assert_int_eq(report_status(&h.drv, &s, &err), 0);
	p = only_port(&s);
	ck_assert(s.nets[0].ufw_in_force);
	ck_assert_uint_eq(p->reach.n_ufw_rules, 3);
	ck_assert_mem_eq(p->reach.ufw_rules, some, sizeof some);
	ck_assert_uint_eq(p->reach.n_allow, 1);
	ck_assert_int_eq(p->reach.dflt, REPORT_DEFAULT_UFW_REJECT);
	report_status_clear(&s);

	/* "ufw deny 8080" decides for everyone: nothing after it counts. */
	ufw_config_clear(&ufw);
	ufw.enabled = ufw.ipv6 = true;
	ufw_rule(AF_INET, "deny tcp 22 0.0.0.0/0 any 0.0.0.0/0 in");
	ufw_rule(AF_INET, "deny any 8080 0.0.0.0/0 any 0.0.0.0/0 in");
	ufw_rule(AF_INET, "allow tcp 8080 0.0.0.0/0 any 192.0.2.9 in");
	ufw_rule(AF_INET, "allow tcp 443 0.0.0.0/0 any 0.0.0.0/0 in");
	ufw_rule(AF_INET6, "deny tcp 8080 ::/0 any ::/0 in");  /* 5: after the four IPv4 rules */
	ck_assert_int_eq(report_status(&h.drv, &s, &err), 0);
	p = only_port(&s);
	ck_assert_uint_eq(p->reach.n_ufw_rules, 1);
	ck_assert_uint_eq(p->reach.ufw_rules[0], all[0]);
	ck_assert_uint_eq(p->reach.n_allow, 0);
	ck_assert_int_eq(p->reach.dflt, REPORT_DEFAULT_NONE);
	ck_assert_uint_eq(ufw_rule_number(&ufw, AF_INET6, 0), all[1]);
	report_status_clear(&s);

	/* UFW disabled, and guardnet.ufw=auto: UFW has no say. */
	ufw.enabled = false;
	ck_assert_int_eq(report_status(&h.drv, &s, &err), 0);
	p = only_port(&s);
	ck_assert(!s.nets[0].ufw_in_force);
	ck_assert_uint_eq(p->reach.n_ufw_rules, 0);
	ck_assert_int_eq(p->reach.dflt, REPORT_DEFAULT_DENY);
	report_status_clear(&s);
	h.drv.env.ufw = NULL;
	ufw_config_clear(&ufw);
}
END_TEST

/* The kernel's counters, matched to each published port: blocked is what
 * was tried and not admitted; a port the kernel has not counted yet has
 * counted nothing; the network adds its ports up. */
START_TEST(counters_by_port_and_network)
{
	struct fw_count seen[] = {
		{ .family = AF_INET, .any = true, .proto = 6, .port = 8080, .tried = 9, .admitted = 4 },
		{ .family = AF_INET, .any = true, .proto = 17, .port = 8080, .tried = 100, .admitted = 100 },
	};
	struct report_status s;
	struct gn_err err;
	char *text;

	h.fk.counts = (struct fw_counts){ seen, 2 };
	ck_assert_int_eq(report_status(&h.drv, &s, &err), 0);
	ck_assert(s.counters);
	ck_assert(only_port(&s)->count.known);
	ck_assert_uint_eq(only_port(&s)->count.admitted, 4);
	ck_assert_uint_eq(only_port(&s)->count.blocked, 5);
	ck_assert_uint_eq(s.nets[0].count.admitted, 4);
	ck_assert_uint_eq(s.nets[0].count.blocked, 5);
	report_status_clear(&s);

	text = metrics_text(&h.drv, "9.9", &err);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "guardnet_info{version=\"9.9\",iptables=\"none\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "guardnet_published_ports 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "guardnet_port_connections_total{network=\"" NET "\",bridge=\"gn-4aa2d42bef9d\","
					   "endpoint=\"" EP "\",host_address=\"0.0.0.0\",host_port=\"8080\",proto=\"tcp\","
					   "container_address=\"10.97.0.2\",container_port=\"80\",verdict=\"blocked\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(text, "guardnet_network_connections_total{network=\"" NET "\",bridge=\"gn-4aa2d42bef9d\","
					   "verdict=\"admitted\"} 4\n"));
	free(text);

	/* The kernel does not answer: counters unknown, said so. */
	h.fk.counts = (struct fw_counts){ NULL, 0 };
	fake_fail(&h.fk, 1, EIO);
	ck_assert_int_eq(report_status(&h.drv, &s, &err), 0);
	ck_assert(!s.counters && !only_port(&s)->count.known && !s.nets[0].count.known);
	ck_assert_str_ne(s.counters_err, "");
	report_status_clear(&s);
	fake_fail(&h.fk, 1, EIO);
	text = metrics_text(&h.drv, "9.9", &err);
	ck_assert_ptr_nonnull(strstr(text, "guardnet_counters_up 0\n"));
	ck_assert_ptr_null(strstr(text, "guardnet_port_connections_total{"));
	free(text);
}
END_TEST

START_TEST(check_reports_what_the_kernel_lacks)
{
	struct report_lines l;
	char host[GN_IFNAME_MAX + 1], peer[GN_IFNAME_MAX + 1];
	struct gn_err err;

	ck_assert_int_eq(report_check(&h.drv, &l, &err), 0);
	ck_assert_uint_eq(l.n, 0);
	report_lines_clear(&l);
	names_veth(EP, host, peer);
	fake_link_gone(&h.fk, host);
	ck_assert_int_eq(report_check(&h.drv, &l, &err), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0], "interface gnhaaaa757575f6 is missing");
	report_lines_clear(&l);
}
END_TEST

START_TEST(explain_asks_the_kernel_its_routes)
{
	struct report_explain_req req = { .from = "192.0.2.3", .port = "8080" };
	struct explain_query q;
	struct explain_result res;
	struct gn_err err;

	/* The fake routes every address out of eth0, answering from 192.0.2.1. */
	snprintf(h.fk.route.oif, sizeof h.fk.route.oif, "eth0");
	h.fk.route.has_src = true;
	addr_parse("192.0.2.1", &h.fk.route.src, "src", NULL);
	ck_assert_int_eq(report_explain(&h.drv, &req, &q, &res, &err), 0);
	ck_assert_str_eq(q.in_if, "eth0");
	ck_assert_uint_eq(q.proto, GN_PROTO_TCP);
	ck_assert(res.mapped);
	ck_assert_str_eq(res.step, "endpoint-allow");
	ck_assert_int_eq(res.verdict, EXPLAIN_ACCEPT);
	req.port = "8080/icmp";
	ck_assert_int_eq(report_explain(&h.drv, &req, &q, &res, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "--port 8080/icmp: unknown protocol \"icmp\" (tcp, udp, sctp)");
	req.port = "8080";
	req.to = "2001:db8::1";
	ck_assert_int_eq(report_explain(&h.drv, &req, &q, &res, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "--from 192.0.2.3 and --to 2001:db8::1 are of different address families");
	/* The kernel refuses to say. */
	req.to = NULL;
	fake_fail(&h.fk, 1, EACCES);
	ck_assert_int_eq(report_explain(&h.drv, &req, &q, &res, &err), -EACCES);
}
END_TEST

Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, status_of_networks_and_endpoints);
	tcase_add_test(tc, status_lists_the_routing_mesh_ports);
	tcase_add_test(tc, reach_names_the_deciding_ufw_rules);
	tcase_add_test(tc, counters_by_port_and_network);
	tcase_add_test(tc, check_reports_what_the_kernel_lacks);
	tcase_add_test(tc, explain_asks_the_kernel_its_routes);
	suite_add_tcase(s, tc);
	return s;
}
