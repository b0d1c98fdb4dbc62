/* The plugin API through the driver on a fake host: the handshake, replies
 * as spec/examples has them, Docker's and compose's recordings replayed,
 * repeats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_json.h"
#include "host.h"
#include "suites.h"

static struct unit_host h;

static void setup(void)
{
	host_open(&h, false);
}

static void teardown(void)
{
	host_close(&h);
}

START_TEST(handshake)
{
	api_ck_reply(&h.drv, "/Plugin.Activate", NULL, 200, "Plugin.Activate.reply.json");
	api_ck_reply(&h.drv, "/NetworkDriver.GetCapabilities", NULL, 200, "GetCapabilities.reply.json");
	api_ck_reply(&h.drv, "/NetworkDriver.GwAllocCheck", NULL, 404, "unknown-method.reply.json");
}
END_TEST

START_TEST(bad_option_reply)
{
	json_t *req = api_example("CreateNetwork-bad-option.json");

	api_ck_reply(&h.drv, "/NetworkDriver.CreateNetwork", req, 400, "CreateNetwork-bad-option.reply.json");
	json_decref(req);
}
END_TEST

static const struct api_expect docker_checks[] = {
	{ 4, "Join.reply.json" },
	{ 9, "Join-ipv6.reply.json" },
	{ 11, "EndpointOperInfo.reply.json" },
	{ 14, "Join-internal.reply.json" },
};

START_TEST(replay_docker)
{
	api_replay_checked(&h.drv, "docker-20.10.24-requests.jsonl", docker_checks, 4, (size_t)-1);
}
END_TEST

START_TEST(replay_compose)
{
	api_replay_checked(&h.drv, "docker-compose-1.29-requests.jsonl", NULL, 0, (size_t)-1);
}
END_TEST

START_TEST(replay_docker28)
{
	api_replay_checked(&h.drv, "docker-28.5.2-requests.jsonl", NULL, 0, (size_t)-1);
	api_replay_checked(&h.drv, "docker-compose-2.40.3-requests.jsonl", NULL, 0, (size_t)-1);
	/* Line 8 asks for com.docker.network.endpoint.ifname. */
	api_replay_checked(&h.drv, "docker-28.5.2-ipv6only-requests.jsonl", NULL, 0, 7);
}
END_TEST

START_TEST(idempotent_calls)
{
	json_t *net = api_record(0), *ep = api_record(3), *other;

	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.CreateNetwork", net, NULL), 200);
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.CreateNetwork", net, NULL), 200);
	other = json_deep_copy(net);
	json_object_set_new(json_object_get(json_object_get(other, "Options"), "com.docker.network.generic"),
			    "guardnet.icc", json_string("false"));
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.CreateNetwork", other, "NetworkID: network "
		"4aa2d42bef9d487d398a30c85e12e8fb237690c3cf238241dd6db2c80c77c4c5 already exists with other options"), 409);
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.CreateEndpoint", ep, NULL), 200);
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.CreateEndpoint", ep, NULL), 200);
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.DeleteEndpoint", ep, NULL), 200);
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.DeleteEndpoint", ep, NULL), 200);
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.Leave", ep, NULL), 200);
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.RevokeExternalConnectivity", ep, NULL), 200);
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.Join", ep, "EndpointID: guardnet has no endpoint "
		"50d43e7575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a"), 400);
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.DeleteNetwork", net, NULL), 200);
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.DeleteNetwork", net, NULL), 200);
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.CreateEndpoint", ep, "NetworkID: guardnet has no network "
		"4aa2d42bef9d487d398a30c85e12e8fb237690c3cf238241dd6db2c80c77c4c5 (created while another state "
		"directory was in use? remove and recreate the network)"), 400);
	json_decref(net);
	json_decref(ep);
	json_decref(other);
}
END_TEST

START_TEST(bridge_names)
{
	json_t *a = api_record(0), *b = api_record(1);
	json_t *ga = json_object_get(json_object_get(a, "Options"), "com.docker.network.generic");

	json_object_set_new(ga, "guardnet.bridge", json_string("gn-backend"));
	json_object_set_new(json_object_get(b, "Options"), "com.docker.network.generic",
			    json_pack("{s:s}", "guardnet.bridge", "gn-backend"));
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.CreateNetwork", a, NULL), 200);
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.CreateNetwork", b, "guardnet.bridge: bridge \"gn-backend\" is "
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
	json_t *net = api_record(2), *ep = api_record(13), *join = api_record(14), *prog = api_record(5), *ports = api_record(4);
	json_t *info;
	unsigned status;

	json_object_set(join, "Options", json_object_get(ports, "Options"));
	json_object_set(prog, "NetworkID", json_object_get(net, "NetworkID"));
	json_object_set(prog, "EndpointID", json_object_get(ep, "EndpointID"));
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.CreateNetwork", net, NULL), 200);
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.CreateEndpoint", ep, NULL), 200);
	api_ck_reply(&h.drv, "/NetworkDriver.Join", join, 200, "Join-internal.reply.json");
	info = api_call(&h.drv, "/NetworkDriver.EndpointOperInfo", prog, &status);
	ck_assert_uint_eq(status, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(info, "Value"), "com.docker.network.portmap")),
			  0);
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.ProgramExternalConnectivity", prog, "com.docker.network.portmap: "
		"network 315623247f33 is internal and publishes no ports (7 requested)"), 400);
	ck_assert(!state_endpoint(&h.drv.st, json_string_value(json_object_get(ep, "EndpointID")))->programmed);
	json_decref(info);
	json_decref(net);
	json_decref(ep);
	json_decref(join);
	json_decref(prog);
	json_decref(ports);
}
END_TEST

Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("api");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, handshake);
	tcase_add_test(tc, bad_option_reply);
	tcase_add_test(tc, replay_docker);
	tcase_add_test(tc, replay_compose);
	tcase_add_test(tc, replay_docker28);
	tcase_add_test(tc, idempotent_calls);
	tcase_add_test(tc, bridge_names);
	tcase_add_test(tc, internal_joins_without_publishing);
	suite_add_tcase(s, tc);
	return s;
}
