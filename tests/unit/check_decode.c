#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "json-decode.h"
#include "spec.h"
#include "suites.h"

static json_t *fixture_request(const char *file, size_t line, const char *path)
{
	json_t *all = fixture_load(file), *rec, *req;

	ck_assert_ptr_nonnull(all);
	rec = json_array_get(all, line);
	ck_assert_ptr_nonnull(rec);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "path")), path);
	req = json_incref(json_object_get(rec, "request"));
	json_decref(all);
	return req;
}

static void ck_addr(const struct gn_addr *a, const char *want)
{
	char buf[GN_PREFIX_STRLEN];

	addr_format(a, buf, sizeof buf);
	ck_assert_str_eq(buf, want);
}

/* Every recorded request decodes with the decoder of its path, except the
 * line refused (0-based; (size_t)-1: none), whose message is want_err. */
static void decode_all_but(const char *file, size_t refused, const char *want_err)
{
	json_t *all = fixture_load(file), *rec;
	size_t i;

	ck_assert_ptr_nonnull(all);
	ck_assert_uint_gt(json_array_size(all), 0);
	json_array_foreach(all, i, rec) {
		const char *path = json_string_value(json_object_get(rec, "path"));
		json_t *req = json_object_get(rec, "request");
		struct gn_err e = { "" };
		int r;

		if (!strcmp(path, "/NetworkDriver.CreateNetwork")) {
			struct gn_network_spec s;

			r = decode_network(req, &s, &e);
			if (r == 0)
				netspec_clear(&s);
		} else if (!strcmp(path, "/NetworkDriver.CreateEndpoint")) {
			struct gn_endpoint_spec s;

			r = decode_endpoint(req, &s, &e);
			if (r == 0)
				epspec_clear(&s);
		} else if (!strcmp(path, "/NetworkDriver.Join")) {
			struct gn_join_req j;

			r = decode_join(req, &j, &e);
			if (r == 0)
				join_req_clear(&j);
		} else if (!strcmp(path, "/NetworkDriver.ProgramExternalConnectivity")) {
			struct gn_program_req p;

			r = decode_program(req, &p, &e);
			if (r == 0)
				program_req_clear(&p);
		} else if (!strcmp(path, "/NetworkDriver.AllocateNetwork")) {
			struct gn_network_spec s;

			r = decode_allocation(req, &s, &e);
			if (r == 0)
				netspec_clear(&s);
		} else if (!strcmp(path, "/NetworkDriver.DeleteNetwork") || !strcmp(path, "/NetworkDriver.FreeNetwork")) {
			char id[GN_ID_LEN + 1];

			r = decode_network_id(req, id, &e);
		} else if (!strcmp(path, "/NetworkDriver.GetCapabilities") || !strcmp(path, "/NetworkDriver.DiscoverNew")) {
			r = 0; /* nothing guardnet reads */
		} else {
			struct gn_ep_ref ref;

			r = decode_ep_ref(req, &ref, &e);
		}
		if (i == refused) {
			ck_assert_msg(r == -EINVAL, "%s line %zu (%s): accepted", file, i + 1, path);
			ck_assert_str_eq(e.msg, want_err);
			continue;
		}
		ck_assert_msg(r == 0, "%s line %zu (%s): %s", file, i + 1, path, e.msg);
	}
	json_decref(all);
}

static void decode_all(const char *file)
{
	decode_all_but(file, (size_t)-1, NULL);
}

START_TEST(all_docker_requests_decode)
{
	decode_all("docker-20.10.24-requests.jsonl");
}
END_TEST

START_TEST(all_compose_requests_decode)
{
	decode_all("docker-compose-1.29-requests.jsonl");
}
END_TEST

START_TEST(all_docker28_requests_decode)
{
	decode_all("docker-28.5.2-requests.jsonl");
	decode_all("docker-compose-2.40.3-requests.jsonl");
	/* Line 8: docker network connect --driver-opt com.docker.network.endpoint.ifname=data0. */
	decode_all_but("docker-28.5.2-ipv6only-requests.jsonl", 7, "Options.com.docker.network.endpoint.ifname: "
		       "\"data0\": guardnet cannot give the container's interface a name (Docker names a remote "
		       "driver's interfaces eth0, eth1, ...); leave the option out");
}
END_TEST

/* Docker 28: --ipv4=false sends enable_ipv4 false and no IPv4 pool; the
 * endpoint has only an IPv6 address. */
START_TEST(ipv6_only_network)
{
	json_t *req = fixture_request("docker-28.5.2-ipv6only-requests.jsonl", 0, "/NetworkDriver.CreateNetwork");
	struct gn_network_spec s;
	struct gn_endpoint_spec ep;
	struct gn_err e;

	ck_assert_int_eq(decode_network(req, &s, &e), 0);
	ck_assert(!s.opts.enable_ipv4 && s.opts.enable_ipv6);
	ck_assert_uint_eq(s.n_ipv4, 0);
	ck_assert_uint_eq(s.n_ipv6, 1);
	ck_prefix(&s.ipv6[0].pool, "fd00:97::/64");
	netspec_clear(&s);
	json_decref(req);
	req = fixture_request("docker-28.5.2-ipv6only-requests.jsonl", 1, "/NetworkDriver.CreateEndpoint");
	ck_assert_int_eq(decode_endpoint(req, &ep, &e), 0);
	ck_assert(!ep.has_addr4 && ep.has_addr6);
	ck_prefix(&ep.addr6, "fd00:97::2/64");
	ck_assert_uint_eq(ep.ports.n_map, 3);
	epspec_clear(&ep);
	json_decref(req);
}
END_TEST

/* Docker 28 adds no_proxy_6to4 (false) to every ProgramExternalConnectivity. */
START_TEST(program_no_proxy_6to4)
{
	json_t *req = fixture_request("docker-28.5.2-requests.jsonl", 5, "/NetworkDriver.ProgramExternalConnectivity");
	struct gn_program_req p;
	struct gn_err e;

	ck_assert_int_eq(decode_program(req, &p, &e), 0);
	ck_assert(!p.no_proxy_6to4);
	ck_assert_uint_eq(p.ports.n_map, 7);
	program_req_clear(&p);
	json_object_set_new(json_object_get(req, "Options"), "com.docker.network.driver.private.no_proxy_6to4",
			    json_string("false"));
	ck_assert_int_eq(decode_program(req, &p, &e), -EINVAL);
	json_decref(req);
}
END_TEST

START_TEST(all_swarm_requests_decode)
{
	decode_all("docker-20.10.24-swarm-manager.jsonl");
	decode_all("docker-20.10.24-swarm-worker.jsonl");
}
END_TEST

/* --ipv6 on a manager: the IPv6 pool comes inside IPv4Data. */
START_TEST(allocation_ipv6_pool_in_ipv4data)
{
	json_t *req = fixture_request("docker-20.10.24-swarm-manager.jsonl", 22, "/NetworkDriver.AllocateNetwork");
	struct gn_network_spec s;
	struct gn_err e;

	ck_assert_int_eq(decode_allocation(req, &s, &e), 0);
	ck_assert_str_eq(s.id, "26bgal0ufbgibl4nxqgs96cjy");
	ck_assert_uint_eq(s.n_ipv4, 1);
	ck_addr(&s.ipv4[0].pool.addr, "10.96.0.0");
	ck_assert_uint_eq(s.n_ipv6, 1);
	ck_addr(&s.ipv6[0].pool.addr, "fd00:96::");
	ck_addr(&s.ipv6[0].gateway.addr, "fd00:96::1");
	ck_assert(s.opts.enable_ipv6);
	netspec_clear(&s);
	json_decref(req);
}
END_TEST

START_TEST(create_network_n4)
{
	json_t *req = fixture_request("docker-20.10.24-requests.jsonl", 0, "/NetworkDriver.CreateNetwork");
	struct gn_network_spec s;
	struct gn_err e;

	ck_assert_int_eq(decode_network(req, &s, &e), 0);
	ck_assert_str_eq(s.id, "4aa2d42bef9d487d398a30c85e12e8fb237690c3cf238241dd6db2c80c77c4c5");
	ck_assert_uint_eq(s.opts.mtu, 1400);
	ck_assert(s.opts.enable_ipv4 && !s.opts.enable_ipv6 && !s.opts.internal && s.opts.icc);
	ck_assert(!s.opts.publish_set && !s.opts.bridge_set);
	ck_assert_uint_eq(s.opts.allow.n, 2);
	ck_prefix(&s.opts.allow.v[0], "127.0.0.1/32");
	ck_prefix(&s.opts.allow.v[1], "10.0.0.0/8");
	ck_assert_uint_eq(s.n_ipv4, 1);
	ck_assert_uint_eq(s.n_ipv6, 0);
	ck_assert_str_eq(s.ipv4[0].address_space, "LocalDefault");
	ck_prefix(&s.ipv4[0].pool, "10.97.0.0/24");
	ck_assert(s.ipv4[0].has_gateway);
	ck_prefix(&s.ipv4[0].gateway, "10.97.0.1/24");
	ck_assert_uint_eq(s.ipv4[0].n_aux, 1);
	ck_assert_str_eq(s.ipv4[0].aux[0].name, "host1");
	ck_prefix(&s.ipv4[0].aux[0].addr, "10.97.0.5/24");
	netspec_clear(&s);
	json_decref(req);
}
END_TEST

START_TEST(create_network_v6_and_internal)
{
	json_t *req = fixture_request("docker-20.10.24-requests.jsonl", 1, "/NetworkDriver.CreateNetwork");
	struct gn_network_spec s;
	struct gn_err e;

	ck_assert_int_eq(decode_network(req, &s, &e), 0);
	ck_assert(s.opts.enable_ipv6 && !s.opts.internal);
	ck_assert_uint_eq(s.n_ipv6, 1);
	ck_prefix(&s.ipv6[0].pool, "fd00:96::/64");
	ck_prefix(&s.ipv6[0].gateway, "fd00:96::1/64");
	netspec_clear(&s);
	json_decref(req);
	req = fixture_request("docker-20.10.24-requests.jsonl", 2, "/NetworkDriver.CreateNetwork");
	ck_assert_int_eq(decode_network(req, &s, &e), 0);
	ck_assert(s.opts.internal && !s.opts.enable_ipv6);
	netspec_clear(&s);
	json_decref(req);
}
END_TEST

START_TEST(create_endpoint_ports)
{
	json_t *req = fixture_request("docker-20.10.24-requests.jsonl", 3, "/NetworkDriver.CreateEndpoint");
	struct gn_endpoint_spec s;
	struct gn_err e;

	ck_assert_int_eq(decode_endpoint(req, &s, &e), 0);
	ck_assert_str_eq(s.id, "50d43e7575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a");
	ck_assert(s.has_addr4 && !s.has_addr6 && !s.has_mac);
	ck_prefix(&s.addr4, "10.97.0.200/24");
	ck_assert_uint_eq(s.ports.n_map, 7);
	ck_assert_uint_eq(s.ports.n_exposed, 8);
	ck_assert_int_eq(s.ports.map[0].proto, GN_PROTO_UDP);
	ck_assert_int_eq(s.ports.map[0].port, 9000);
	ck_assert(s.ports.map[0].has_host_ip);
	ck_addr(&s.ports.map[0].host_ip, "127.0.0.1");
	ck_assert_int_eq(s.ports.map[0].host_port, 9000);
	ck_assert_int_eq(s.ports.map[0].host_port_end, 9000);
	ck_addr(&s.ports.map[1].host_ip, "::1");
	ck_assert_int_eq(s.ports.map[1].host_port, 8443);
	ck_assert(!s.ports.map[2].has_host_ip);
	ck_assert_int_eq(s.ports.map[2].port, 80);
	ck_assert_int_eq(s.ports.map[2].host_port, 8080);
	ck_assert_int_eq(s.ports.map[6].host_port, 0);
	ck_assert_int_eq(s.ports.map[6].host_port_end, 0);
	ck_addr(&s.ports.map[6].host_ip, "10.97.0.1");
	ck_assert_int_eq(s.ports.exposed[6].port, 6000);
	ck_assert_uint_eq(s.allow.n, 0);
	epspec_clear(&s);
	json_decref(req);
}
END_TEST

START_TEST(create_endpoint_allow_and_v6)
{
	json_t *req = fixture_request("docker-20.10.24-requests.jsonl", 18, "/NetworkDriver.CreateEndpoint");
	struct gn_endpoint_spec s;
	struct gn_err e;

	ck_assert_int_eq(decode_endpoint(req, &s, &e), 0);
	ck_assert(s.has_addr6);
	ck_prefix(&s.addr6, "fd00:96::3/64");
	ck_assert_uint_eq(s.allow.n, 1);
	ck_prefix(&s.allow.v[0], "192.0.2.0/24");
	epspec_clear(&s);
	json_decref(req);
}
END_TEST

START_TEST(join_and_program)
{
	json_t *req = fixture_request("docker-20.10.24-requests.jsonl", 4, "/NetworkDriver.Join");
	struct gn_program_req p;
	struct gn_join_req j;
	struct gn_err e;

	ck_assert_int_eq(decode_join(req, &j, &e), 0);
	ck_assert_str_eq(j.sandbox_key, "/var/run/docker/netns/6a0e9901af95");
	ck_assert_uint_eq(j.ports.n_map, 7);
	join_req_clear(&j);
	json_decref(req);
	req = fixture_request("docker-20.10.24-requests.jsonl", 5, "/NetworkDriver.ProgramExternalConnectivity");
	ck_assert_int_eq(decode_program(req, &p, &e), 0);
	ck_assert_str_eq(p.ref.id, "50d43e7575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a");
	ck_assert_uint_eq(p.ports.n_map, 7);
	ck_assert(!p.no_proxy_6to4);
	program_req_clear(&p);
	json_decref(req);
}
END_TEST

/* Decodes text as CreateNetwork or CreateEndpoint and returns the error text. */
static const char *network_error(const char *text)
{
	static struct gn_err e;
	struct gn_network_spec s;
	json_t *root;

	memset(&e, 0, sizeof e);
	if (decode_body(text, strlen(text), &root, &e) < 0)
		return e.msg;
	ck_assert_int_eq(decode_network(root, &s, &e), -EINVAL);
	json_decref(root);
	return e.msg;
}

static const char *endpoint_error(const char *text)
{
	static struct gn_err e;
	struct gn_endpoint_spec s;
	json_t *root;

	memset(&e, 0, sizeof e);
	if (decode_body(text, strlen(text), &root, &e) < 0)
		return e.msg;
	ck_assert_int_eq(decode_endpoint(root, &s, &e), -EINVAL);
	json_decref(root);
	return e.msg;
}

#define NID "\"NetworkID\":\"4aa2d42bef9d487d398a30c85e12e8fb237690c3cf238241dd6db2c80c77c4c5\""
#define EID "\"EndpointID\":\"50d43e7575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a\""
#define PM(x) "{" NID "," EID ",\"Interface\":{\"Address\":\"10.97.0.2/24\"},\"Options\":" \
	"{\"com.docker.network.portmap\":[" x "]}}"

START_TEST(malformed_requests)
{
	ck_assert_str_eq(network_error("{\"NetworkID\": \"4aa2"),
			 "invalid JSON at line 1 column 19: premature end of input near '\"4aa2'");
	ck_assert_str_eq(network_error("[1,2]"), "request body: expected a JSON object, got an array");
	ck_assert_str_eq(network_error("{\"NetworkID\": 42}"), "NetworkID: expected a string, got an integer");
	ck_assert_str_eq(network_error("{\"Options\": {}}"), "NetworkID: missing");
	ck_assert_str_eq(network_error("{" NID ",\"IPv4Data\":[{\"Pool\":\"10.0.0.0/33\"}]}"),
			 "IPv4Data[0].Pool: invalid CIDR \"10.0.0.0/33\" (prefix length)");
	ck_assert_str_eq(network_error("{" NID ",\"IPv4Data\":[{\"Pool\":\"fd00::/64\"}]}"),
			 "IPv4Data[0].Pool: \"fd00::/64\" is not an IPv4 prefix");
	ck_assert_str_eq(network_error("{" NID ",\"IPv4Data\":[{\"Pool\":\"10.0.0.0/24\",\"Gateway\":\"10.0.1.1/24\"}]}"),
			 "IPv4Data[0].Gateway: 10.0.1.1/24 is outside the pool 10.0.0.0/24");
	ck_assert_str_eq(network_error("{" NID ",\"IPv6Data\":[{\"Pool\":\"fd00::/64\",\"Gateway\":\"fd00::1/48\"}]}"),
			 "IPv6Data[0].Gateway: fd00::1/48 has another prefix length than the pool fd00::/64");
	ck_assert_str_eq(network_error("{" NID ",\"Options\":{\"com.docker.network.generic\":{\"guardnet.allowlist\":\"1.2.3.4\"}}}"),
			 "unknown option guardnet.allowlist=\"1.2.3.4\" (guardnet knows guardnet.publish, guardnet.allow, "
			 "guardnet.ufw, guardnet.icc and guardnet.bridge)");
	ck_assert_str_eq(network_error("{" NID ",\"Options\":{\"com.docker.network.generic\":{\"guardnet.icc\":false}}}"),
			 "Options.com.docker.network.generic.guardnet.icc: expected a string, got a boolean");
	ck_assert_str_eq(network_error("{" NID ",\"Options\":{\"com.docker.network.enable_ipv6\":\"yes\"}}"),
			 "Options.com.docker.network.enable_ipv6: expected a boolean, got a string");
	ck_assert_str_eq(endpoint_error(PM("{\"Proto\":6,\"Port\":80,\"HostIP\":\"\",\"HostPort\":70000,\"HostPortEnd\":70000}")),
			 "Options.com.docker.network.portmap[0].HostPort: 70000 out of range 0-65535");
	ck_assert_str_eq(endpoint_error(PM("{\"Proto\":6,\"Port\":80,\"HostIP\":\"\",\"HostPort\":8080,\"HostPortEnd\":8000}")),
			 "Options.com.docker.network.portmap[0].HostPortEnd: 8000 is below HostPort 8080");
	ck_assert_str_eq(endpoint_error(PM("{\"Proto\":1,\"Port\":80,\"HostPort\":8080}")),
			 "Options.com.docker.network.portmap[0].Proto: unsupported protocol 1 (expected 6 tcp, 17 udp or 132 sctp)");
	ck_assert_str_eq(endpoint_error(PM("{\"Proto\":6,\"Port\":80,\"HostIP\":\"1.2.3\",\"HostPort\":8080}")),
			 "Options.com.docker.network.portmap[0].HostIP: invalid IP address \"1.2.3\"");
	ck_assert_str_eq(endpoint_error("{" NID "," EID ",\"Interface\":{\"Address\":\"10.97.0.2/24\"},\"Options\":"
					"{\"guardnet.allow\":\"10.0.0.0/33\"}}"),
			 "guardnet.allow: invalid CIDR \"10.0.0.0/33\" (prefix length)");
	ck_assert_str_eq(endpoint_error("{" NID ",\"EndpointID\":\"zz\"}"),
			 "EndpointID: invalid ID \"zz\" (expected 64 lowercase hex digits, or 25 lowercase "
			 "letters and digits for a swarm network)");
}
END_TEST

START_TEST(tolerant_of_unknown_fields_and_nulls)
{
	const char *text = "{" NID "," EID ",\"Interface\":null,\"Future\":{\"x\":1},\"Options\":"
			   "{\"com.docker.network.portmap\":null,\"com.docker.network.endpoint.dnsservers\":[\"1.1.1.1\"]}}\n";
	struct gn_endpoint_spec s;
	struct gn_err e;
	json_t *root;

	ck_assert_int_eq(decode_body(text, strlen(text), &root, &e), 0);
	ck_assert_int_eq(decode_endpoint(root, &s, &e), 0);
	ck_assert_uint_eq(s.ports.n_map, 0);
	epspec_clear(&s);
	json_decref(root);
}
END_TEST

Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *fx = tcase_create("fixtures"), *bad = tcase_create("malformed");

	tcase_add_test(fx, all_docker_requests_decode);
	tcase_add_test(fx, all_compose_requests_decode);
	tcase_add_test(fx, all_docker28_requests_decode);
	tcase_add_test(fx, ipv6_only_network);
	tcase_add_test(fx, program_no_proxy_6to4);
	tcase_add_test(fx, all_swarm_requests_decode);
	tcase_add_test(fx, allocation_ipv6_pool_in_ipv4data);
	tcase_add_test(fx, create_network_n4);
	tcase_add_test(fx, create_network_v6_and_internal);
	tcase_add_test(fx, create_endpoint_ports);
	tcase_add_test(fx, create_endpoint_allow_and_v6);
	tcase_add_test(fx, join_and_program);
	tcase_add_test(bad, malformed_requests);
	tcase_add_test(bad, tolerant_of_unknown_fields_and_nulls);
	suite_add_tcase(s, fx);
	suite_add_tcase(s, bad);
	return s;
}
