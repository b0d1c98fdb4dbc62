/* guardnetctl's content as plain structs (report.c), with the kernel
 * played by the fake backend. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "host.h"
#include "names.h"
#include "report.h"
#include "suites.h"

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
	struct gn_err err;

	ck_assert_int_eq(report_status(&h.drv, &s, &err), 0);
	ck_assert(!s.ufw_enabled); /* not read */
	ck_assert_uint_eq(s.n_nets, 1);
	ck_assert_str_eq(s.nets[0].id, NET);
	ck_assert_str_eq(s.nets[0].bridge, "gn-4aa2d42bef9d");
	ck_assert(s.nets[0].icc && !s.nets[0].internal);
	ck_assert_uint_eq(s.nets[0].publish->n, 2); /* guardnet.conf's 0.0.0.0,:: */
	ck_assert_uint_eq(s.nets[0].n_eps, 1);
	e = &s.nets[0].eps[0];
	ck_assert_str_eq(e->id, EP);
	ck_assert(e->has_addr4 && !e->has_addr6);
	ck_assert_uint_eq(e->allow->n, 1);
	ck_assert_uint_eq(e->published.n, 1);
	ck_assert(e->published.v[0].any && e->published.v[0].port == 8080 && e->published.v[0].ctr_port == 80);
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
	tcase_add_test(tc, check_reports_what_the_kernel_lacks);
	tcase_add_test(tc, explain_asks_the_kernel_its_routes);
	suite_add_tcase(s, tc);
	return s;
}
