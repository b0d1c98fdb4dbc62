#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "fake_backend.h"
#include "suites.h"

static struct gn_config cfg;
static struct fake_backend fk;
static struct gn_driver drv;

static void setup(void)
{
	config_init(&cfg);
	fake_init(&fk);
	fake_driver_init(&drv, NULL, &fk, &cfg);
}

static void teardown(void)
{
	driver_free(&drv);
	config_clear(&cfg);
	fake_free(&fk);
}

static json_t *example(const char *name)
{
	char path[512];
	json_error_t je;
	json_t *v;

	snprintf(path, sizeof path, "%s/examples/%s", SPEC_DIR, name);
	v = json_load_file(path, 0, &je);
	ck_assert_msg(v != NULL, "%s: %s", path, je.text);
	return v;
}

/* Sends body (a JSON value or NULL for none) to path; returns the parsed reply. */
static json_t *call(const char *path, json_t *body, unsigned *status)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct api_reply rep;
	json_error_t je;
	json_t *v;

	ck_assert_int_eq(api_handle(&drv, path, text ? text : "", text ? strlen(text) : 0, &rep), 0);
	free(text);
	v = json_loads(rep.body, 0, &je);
	ck_assert_msg(v && json_is_object(v), "%s: reply is not a JSON object: %s", path, rep.body);
	free(rep.body);
	*status = rep.status;
	return v;
}

static void ck_reply(const char *path, json_t *body, unsigned want_status, const char *example_name)
{
	unsigned status;
	json_t *got = call(path, body, &status), *want = example(example_name);
	char *g = json_dumps(got, JSON_COMPACT);

	ck_assert_msg(json_equal(got, want), "%s: got %s", path, g);
	ck_assert_uint_eq(status, want_status);
	free(g);
	json_decref(got);
	json_decref(want);
}

START_TEST(handshake)
{
	ck_reply("/Plugin.Activate", NULL, 200, "Plugin.Activate.reply.json");
	ck_reply("/NetworkDriver.GetCapabilities", NULL, 200, "GetCapabilities.reply.json");
	ck_reply("/NetworkDriver.GwAllocCheck", NULL, 404, "unknown-method.reply.json");
}
END_TEST

START_TEST(bad_option_reply)
{
	json_t *req = example("CreateNetwork-bad-option.json");

	ck_reply("/NetworkDriver.CreateNetwork", req, 400, "CreateNetwork-bad-option.reply.json");
	json_decref(req);
}
END_TEST

/* A reply of a recording compared with spec/examples. */
struct expect {
	size_t line;
	const char *example;
};

/* Replays a recording: every request succeeds but the line refused (0-based;
 * (size_t)-1: none), which gets 400; replies to the lines in checks are
 * compared with spec/examples. */
static void replay_checked(const char *file, const struct expect *checks, size_t n_checks, size_t refused)
{
	json_t *all = fixture_load(file), *rec;
	size_t i, k = 0;

	ck_assert_ptr_nonnull(all);
	json_array_foreach(all, i, rec) {
		const char *path = json_string_value(json_object_get(rec, "path"));
		json_t *req = json_object_get(rec, "request");

		if (k < n_checks && checks[k].line == i) {
			ck_reply(path, req, 200, checks[k++].example);
		} else {
			unsigned status;
			json_t *got = call(path, req, &status);
			char *g = json_dumps(got, JSON_COMPACT);

			if (i == refused)
				ck_assert_msg(status == 400 && json_object_get(got, "Err"), "%s line %zu (%s): %u %s",
					      file, i + 1, path, status, g);
			else
				ck_assert_msg(status == 200 && !json_object_get(got, "Err"), "%s line %zu (%s): %u %s",
					      file, i + 1, path, status, g);
			free(g);
			json_decref(got);
		}
	}
	ck_assert_uint_eq(k, n_checks);
	json_decref(all);
	/* Every recording ends with its networks removed. */
	ck_assert_uint_eq(drv.st.nets.live, 0);
	ck_assert_uint_eq(drv.st.eps.live, 0);
}

static const struct expect docker_checks[] = {
	{ 4, "Join.reply.json" },
	{ 9, "Join-ipv6.reply.json" },
	{ 11, "EndpointOperInfo.reply.json" },
	{ 14, "Join-internal.reply.json" },
};

START_TEST(replay_docker)
{
	replay_checked("docker-20.10.24-requests.jsonl", docker_checks, 4, (size_t)-1);
}
END_TEST

START_TEST(replay_compose)
{
	replay_checked("docker-compose-1.29-requests.jsonl", NULL, 0, (size_t)-1);
}
END_TEST

START_TEST(replay_docker28)
{
	replay_checked("docker-28.5.2-requests.jsonl", NULL, 0, (size_t)-1);
	replay_checked("docker-compose-2.40.3-requests.jsonl", NULL, 0, (size_t)-1);
	/* Line 8 asks for com.docker.network.endpoint.ifname. */
	replay_checked("docker-28.5.2-ipv6only-requests.jsonl", NULL, 0, 7);
}
END_TEST

static json_t *record(size_t line)
{
	json_t *all = fixture_load("docker-20.10.24-requests.jsonl");
	json_t *req = json_incref(json_object_get(json_array_get(all, line), "request"));

	json_decref(all);
	return req;
}

static unsigned status_of(const char *path, json_t *req, const char *want_err)
{
	unsigned status;
	json_t *got = call(path, req, &status);

	if (want_err)
		ck_assert_str_eq(json_string_value(json_object_get(got, "Err")), want_err);
	json_decref(got);
	return status;
}

START_TEST(idempotent_calls)
{
	json_t *net = record(0), *ep = record(3), *other;

	ck_assert_uint_eq(status_of("/NetworkDriver.CreateNetwork", net, NULL), 200);
	ck_assert_uint_eq(status_of("/NetworkDriver.CreateNetwork", net, NULL), 200);
	other = json_deep_copy(net);
	json_object_set_new(json_object_get(json_object_get(other, "Options"), "com.docker.network.generic"),
			    "guardnet.icc", json_string("false"));
	ck_assert_uint_eq(status_of("/NetworkDriver.CreateNetwork", other, "NetworkID: network "
		"4aa2d42bef9d487d398a30c85e12e8fb237690c3cf238241dd6db2c80c77c4c5 already exists with other options"), 409);
	ck_assert_uint_eq(status_of("/NetworkDriver.CreateEndpoint", ep, NULL), 200);
	ck_assert_uint_eq(status_of("/NetworkDriver.CreateEndpoint", ep, NULL), 200);
	ck_assert_uint_eq(status_of("/NetworkDriver.DeleteEndpoint", ep, NULL), 200);
	ck_assert_uint_eq(status_of("/NetworkDriver.DeleteEndpoint", ep, NULL), 200);
	ck_assert_uint_eq(status_of("/NetworkDriver.Leave", ep, NULL), 200);
	ck_assert_uint_eq(status_of("/NetworkDriver.RevokeExternalConnectivity", ep, NULL), 200);
	ck_assert_uint_eq(status_of("/NetworkDriver.Join", ep, "EndpointID: guardnet has no endpoint "
		"50d43e7575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a"), 400);
	ck_assert_uint_eq(status_of("/NetworkDriver.DeleteNetwork", net, NULL), 200);
	ck_assert_uint_eq(status_of("/NetworkDriver.DeleteNetwork", net, NULL), 200);
	ck_assert_uint_eq(status_of("/NetworkDriver.CreateEndpoint", ep, "NetworkID: guardnet has no network "
		"4aa2d42bef9d487d398a30c85e12e8fb237690c3cf238241dd6db2c80c77c4c5 (created while another state "
		"directory was in use? remove and recreate the network)"), 400);
	json_decref(net);
	json_decref(ep);
	json_decref(other);
}
END_TEST

START_TEST(bridge_names)
{
	json_t *a = record(0), *b = record(1);
	json_t *ga = json_object_get(json_object_get(a, "Options"), "com.docker.network.generic");

	json_object_set_new(ga, "guardnet.bridge", json_string("gn-backend"));
	json_object_set_new(json_object_get(b, "Options"), "com.docker.network.generic",
			    json_pack("{s:s}", "guardnet.bridge", "gn-backend"));
	ck_assert_uint_eq(status_of("/NetworkDriver.CreateNetwork", a, NULL), 200);
	ck_assert_uint_eq(status_of("/NetworkDriver.CreateNetwork", b, "guardnet.bridge: bridge \"gn-backend\" is "
		"already used by network 4aa2d42bef9d"), 409);
	json_decref(a);
	json_decref(b);
}
END_TEST

/* A container on an internal network and another that publishes its ports:
 * Join carries the container's port map to both, the internal one joins
 * without a gateway and publishes nothing; Program, which Docker sends only
 * to the gateway, is still refused there. */
START_TEST(internal_joins_without_publishing)
{
	json_t *net = record(2), *ep = record(13), *join = record(14), *prog = record(5), *ports = record(4);
	json_t *info;
	unsigned status;

	json_object_set(join, "Options", json_object_get(ports, "Options"));
	json_object_set(prog, "NetworkID", json_object_get(net, "NetworkID"));
	json_object_set(prog, "EndpointID", json_object_get(ep, "EndpointID"));
	ck_assert_uint_eq(status_of("/NetworkDriver.CreateNetwork", net, NULL), 200);
	ck_assert_uint_eq(status_of("/NetworkDriver.CreateEndpoint", ep, NULL), 200);
	ck_reply("/NetworkDriver.Join", join, 200, "Join-internal.reply.json");
	info = call("/NetworkDriver.EndpointOperInfo", prog, &status);
	ck_assert_uint_eq(status, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(info, "Value"), "com.docker.network.portmap")),
			  0);
	ck_assert_uint_eq(status_of("/NetworkDriver.ProgramExternalConnectivity", prog, "com.docker.network.portmap: "
		"network 315623247f33 is internal and publishes no ports (7 requested)"), 400);
	ck_assert(!state_endpoint(&drv.st, json_string_value(json_object_get(ep, "EndpointID")))->programmed);
	json_decref(info);
	json_decref(net);
	json_decref(ep);
	json_decref(join);
	json_decref(prog);
	json_decref(ports);
}
END_TEST

/* Replays the first n lines of a recording, each answered 200. */
static void replay_head(const char *file, size_t n)
{
	json_t *all = fixture_load(file);

	for (size_t i = 0; i < n; i++) {
		json_t *rec = json_array_get(all, i);
		unsigned status;
		json_t *got = call(json_string_value(json_object_get(rec, "path")), json_object_get(rec, "request"),
				   &status);

		ck_assert_uint_eq(status, 200);
		json_decref(got);
	}
	json_decref(all);
}

/* EndpointOperInfo's port map as "HostIP HostPort->Port/proto" lines, the
 * way docker port prints a binding. */
static char *oper_ports(json_t *ref)
{
	unsigned status;
	json_t *got = call("/NetworkDriver.EndpointOperInfo", ref, &status), *b;
	json_t *map = json_object_get(json_object_get(got, "Value"), "com.docker.network.portmap");
	char *out = calloc(1, 4096);
	size_t i, used = 0;

	ck_assert_uint_eq(status, 200);
	ck_assert(json_is_array(map));
	json_array_foreach(map, i, b) {
		json_int_t proto = json_integer_value(json_object_get(b, "Proto"));

		ck_assert_int_eq(json_integer_value(json_object_get(b, "HostPort")),
				 json_integer_value(json_object_get(b, "HostPortEnd")));
		used += snprintf(out + used, 4096 - used, "%s %d->%d/%s\n",
				 json_string_value(json_object_get(b, "HostIP")),
				 (int)json_integer_value(json_object_get(b, "HostPort")),
				 (int)json_integer_value(json_object_get(b, "Port")), proto == 6 ? "tcp" : "udp");
	}
	json_decref(got);
	return out;
}

static json_t *ref_of(const char *file, size_t line)
{
	json_t *all = fixture_load(file), *req = json_object_get(json_array_get(all, line), "request");
	json_t *ref = json_pack("{s:O,s:O}", "NetworkID", json_object_get(req, "NetworkID"), "EndpointID",
				json_object_get(req, "EndpointID"));

	json_decref(all);
	return ref;
}

/* EndpointOperInfo reports what guardnet published, as Docker's bridge
 * driver reports its own: per family and host address, with the port
 * chosen for HostPort 0; nothing on a family the endpoint lacks, nothing
 * before Program or after Revoke. */
START_TEST(oper_info_in_force)
{
	const char *f = "docker-28.5.2-requests.jsonl", *f6 = "docker-28.5.2-ipv6only-requests.jsonl";
	json_t *ref = ref_of(f, 3);
	char want[512], *got;
	/* The fake backend's ephemeral range starts there. */
	unsigned lo = 49153, status;

	replay_head(f, 5);
	got = oper_ports(ref);
	ck_assert_str_eq(got, "");
	free(got);
	replay_head(f, 6);
	/* n4 is IPv4 only: [::1]:8443 publishes nothing. */
	snprintf(want, sizeof want, "127.0.0.1 9000->9000/udp\n0.0.0.0 8002->7002/tcp\n0.0.0.0 8001->7001/tcp\n"
		 "0.0.0.0 8000->7000/tcp\n10.97.0.1 %u->5000/tcp\n0.0.0.0 8080->80/tcp\n", lo);
	got = oper_ports(ref);
	ck_assert_str_eq(got, want);
	free(got);
	json_decref(call("/NetworkDriver.RevokeExternalConnectivity", ref, &status));
	got = oper_ports(ref);
	ck_assert_str_eq(got, "");
	free(got);
	json_decref(ref);

	ref = ref_of(f6, 1);
	replay_head(f6, 4);
	snprintf(want, sizeof want, ":: %u->5000/tcp\n::1 8443->443/tcp\n:: 8080->80/tcp\n", lo);
	got = oper_ports(ref);
	ck_assert_str_eq(got, want);
	free(got);
	json_decref(ref);
}
END_TEST

/* A publish guardnet refuses leaves nothing to report. */
START_TEST(oper_info_refused)
{
	const char *f = "docker-28.5.2-requests.jsonl";
	json_t *all = fixture_load(f), *ref = ref_of(f, 3);
	json_t *net = json_deep_copy(json_object_get(json_array_get(all, 0), "request"));
	char *got;

	json_object_set_new(json_object_get(json_object_get(net, "Options"), "com.docker.network.generic"),
			    "guardnet.publish", json_string("127.0.0.1"));
	ck_assert_uint_eq(status_of("/NetworkDriver.CreateNetwork", net, NULL), 200);
	for (size_t i = 3; i < 6; i++) {
		json_t *rec = json_array_get(all, i);
		unsigned status;
		json_t *reply = call(json_string_value(json_object_get(rec, "path")), json_object_get(rec, "request"),
				     &status);

		/* -p 10.97.0.1::5000 is not allowed by guardnet.publish=127.0.0.1. */
		ck_assert_uint_eq(status, i == 5 ? 400 : 200);
		json_decref(reply);
	}
	got = oper_ports(ref);
	ck_assert_str_eq(got, "");
	free(got);
	json_decref(net);
	json_decref(ref);
	json_decref(all);
}
END_TEST

/* scope = global (guardnetd --scope global): a Swarm driver. */
START_TEST(global_scope)
{
	driver_free(&drv);
	cfg.scope_global = true;
	fake_driver_init(&drv, NULL, &fk, &cfg);
	ck_reply("/NetworkDriver.GetCapabilities", NULL, 200, "GetCapabilities-global.reply.json");
}
END_TEST

/* AllocateNetwork answers the user's options, which Docker hands every
 * node; a node's CreateNetwork with them and the manager's pool works. */
START_TEST(allocate_network)
{
	json_t *req = example("AllocateNetwork.json"), *reply = example("AllocateNetwork.reply.json"), *node;
	const struct gn_network *net;

	ck_reply("/NetworkDriver.AllocateNetwork", req, 200, "AllocateNetwork.reply.json");
	ck_assert_uint_eq(drv.st.nets.live, 0);
	node = json_pack("{s:O,s:{s:b,s:O},s:[{s:s,s:s,s:s}],s:[]}", "NetworkID", json_object_get(req, "NetworkID"),
			 "Options", "com.docker.network.enable_ipv6", 0, "com.docker.network.generic",
			 json_object_get(reply, "Options"), "IPv4Data", "AddressSpace", "LocalDefault", "Gateway",
			 "10.99.0.1/24", "Pool", "10.99.0.0/24", "IPv6Data");
	ck_assert_uint_eq(status_of("/NetworkDriver.CreateNetwork", node, NULL), 200);
	net = state_network(&drv.st, "whorftf1mxh2yqds78579atwe");
	ck_assert_ptr_nonnull(net);
	ck_assert_uint_eq(net->spec.opts.allow.n, 1);
	ck_assert_uint_eq(net->spec.opts.mtu, 1400);
	ck_assert_str_eq(net->spec.opts.bridge, "gn-whorftf1mxh2");
	ck_assert_uint_eq(status_of("/NetworkDriver.FreeNetwork", req, NULL), 200);
	json_decref(node);
	json_decref(reply);
	json_decref(req);
}
END_TEST

/* What CreateNetwork refuses, AllocateNetwork refuses, naming the field. */
START_TEST(allocate_network_refusals)
{
	json_t *req = example("AllocateNetwork.json"), *bad;

	bad = json_deep_copy(req);
	json_object_set_new(json_object_get(bad, "Options"), "guardnet.allow", json_string("10.77.0.300"));
	ck_assert_uint_eq(status_of("/NetworkDriver.AllocateNetwork", bad,
				    "guardnet.allow: invalid CIDR \"10.77.0.300\""), 400);
	json_decref(bad);
	bad = json_deep_copy(req);
	json_object_set_new(json_object_get(bad, "Options"), "guardnet.colour", json_string("red"));
	ck_assert_uint_eq(status_of("/NetworkDriver.AllocateNetwork", bad,
				    "unknown option guardnet.colour=\"red\" (guardnet knows guardnet.publish, "
				    "guardnet.allow, guardnet.ufw, guardnet.icc and guardnet.bridge)"), 400);
	json_decref(bad);
	bad = json_deep_copy(req);
	json_object_set_new(json_object_get(bad, "Options"), "guardnet.icc", json_integer(0));
	ck_assert_uint_eq(status_of("/NetworkDriver.AllocateNetwork", bad,
				    "Options.guardnet.icc: expected a string, got an integer"), 400);
	json_decref(bad);
	bad = json_deep_copy(req);
	json_object_del(json_array_get(json_object_get(bad, "IPv4Data"), 0), "Gateway");
	ck_assert_uint_eq(status_of("/NetworkDriver.AllocateNetwork", bad, "IPv4Data[0].Gateway: missing; guardnet "
				    "needs a gateway address for the bridge"), 400);
	json_decref(bad);
	bad = json_deep_copy(req);
	json_object_set_new(bad, "NetworkID", json_string("whorftf1mxh2yqds78579atw"));
	ck_assert_uint_eq(status_of("/NetworkDriver.AllocateNetwork", bad, "NetworkID: invalid ID "
				    "\"whorftf1mxh2yqds78579atw\" (expected 64 lowercase hex digits, or 25 lowercase "
				    "letters and digits for a swarm network)"), 400);
	json_decref(bad);
	ck_assert_uint_eq(drv.st.nets.live, 0);
	json_decref(req);
}
END_TEST

/* With --ipv6, the allocator puts the IPv6 pool into IPv4Data. */
START_TEST(allocate_network_ipv6)
{
	json_t *req = json_pack("{s:s,s:{},s:[{s:s,s:s,s:s},{s:s,s:s,s:s}],s:n}", "NetworkID",
				"v6olslm2x2ik7h57ul54whsnb", "Options", "IPv4Data", "AddressSpace", "", "Gateway",
				"10.96.0.1/24", "Pool", "10.96.0.0/24", "AddressSpace", "", "Gateway", "fd00:96::1/64",
				"Pool", "fd00:96::/64", "IPv6Data");
	unsigned status;
	json_t *got = call("/NetworkDriver.AllocateNetwork", req, &status);

	ck_assert_uint_eq(status, 200);
	ck_assert_uint_eq(json_object_size(json_object_get(got, "Options")), 0);
	json_decref(got);
	/* An IPv6 network's MTU must be 1280 or more, as on the nodes. */
	json_object_set_new(json_object_get(req, "Options"), "com.docker.network.driver.mtu", json_string("1279"));
	ck_assert_uint_eq(status_of("/NetworkDriver.AllocateNetwork", req, "com.docker.network.driver.mtu: MTU 1279 "
				    "is below 1280, the minimum for an IPv6 network"), 400);
	json_decref(req);
}
END_TEST

/* What Docker 20.10 sent a global-scope driver on a Swarm manager and on a
 * worker (swarm-protocol.sh's probe; the probe's own addition to its
 * AllocateNetwork reply taken out): guardnet answers every request, and
 * each AllocateNetwork reply holds exactly the options the nodes then got
 * as com.docker.network.generic. */
START_TEST(replay_swarm)
{
	json_t *all = fixture_load("docker-20.10.24-swarm-manager.jsonl"), *rec, *later;
	size_t i, j, allocations = 0;

	driver_free(&drv);
	cfg.scope_global = true;
	fake_driver_init(&drv, NULL, &fk, &cfg);
	json_array_foreach(all, i, rec) {
		json_t *req = json_object_get(rec, "request"), *got;
		unsigned status;

		if (strcmp(json_string_value(json_object_get(rec, "path")), "/NetworkDriver.AllocateNetwork"))
			continue;
		got = call("/NetworkDriver.AllocateNetwork", req, &status);
		ck_assert_uint_eq(status, 200);
		json_array_foreach(all, j, later) {
			json_t *lreq = json_object_get(later, "request");

			if (j > i && json_equal(json_object_get(lreq, "NetworkID"), json_object_get(req, "NetworkID")) &&
			    !strcmp(json_string_value(json_object_get(later, "path")), "/NetworkDriver.CreateNetwork")) {
				ck_assert(json_equal(json_object_get(got, "Options"),
						     json_object_get(json_object_get(lreq, "Options"),
								     "com.docker.network.generic")));
				allocations++;
				break;
			}
		}
		json_decref(got);
	}
	ck_assert_uint_eq(allocations, 2);
	json_decref(all);
	replay_checked("docker-20.10.24-swarm-manager.jsonl", NULL, 0, (size_t)-1);
	replay_checked("docker-20.10.24-swarm-worker.jsonl", NULL, 0, (size_t)-1);
}
END_TEST

Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("api");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, handshake);
	tcase_add_test(tc, bad_option_reply);
	tcase_add_test(tc, global_scope);
	tcase_add_test(tc, allocate_network);
	tcase_add_test(tc, allocate_network_refusals);
	tcase_add_test(tc, allocate_network_ipv6);
	tcase_add_test(tc, replay_docker);
	tcase_add_test(tc, replay_compose);
	tcase_add_test(tc, replay_docker28);
	tcase_add_test(tc, oper_info_in_force);
	tcase_add_test(tc, oper_info_refused);
	tcase_add_test(tc, replay_swarm);
	tcase_add_test(tc, idempotent_calls);
	tcase_add_test(tc, bridge_names);
	tcase_add_test(tc, internal_joins_without_publishing);
	suite_add_tcase(s, tc);
	return s;
}
