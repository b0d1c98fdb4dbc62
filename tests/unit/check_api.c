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
	ck_reply("/NetworkDriver.AllocateNetwork", NULL, 501, "AllocateNetwork.reply.json");
}
END_TEST

START_TEST(bad_option_reply)
{
	json_t *req = example("CreateNetwork-bad-option.json");

	ck_reply("/NetworkDriver.CreateNetwork", req, 400, "CreateNetwork-bad-option.reply.json");
	json_decref(req);
}
END_TEST

/* Replays a recording; replies to these lines are compared with spec/examples. */
static const struct {
	size_t line;
	const char *example;
} docker_checks[] = {
	{ 4, "Join.reply.json" },
	{ 9, "Join-ipv6.reply.json" },
	{ 11, "EndpointOperInfo.reply.json" },
	{ 14, "Join-internal.reply.json" },
};

static void replay(const char *file, bool compare)
{
	json_t *all = fixture_load(file), *rec;
	size_t i, k = 0;

	ck_assert_ptr_nonnull(all);
	json_array_foreach(all, i, rec) {
		const char *path = json_string_value(json_object_get(rec, "path"));
		json_t *req = json_object_get(rec, "request");

		if (compare && k < sizeof docker_checks / sizeof docker_checks[0] && docker_checks[k].line == i) {
			ck_reply(path, req, 200, docker_checks[k++].example);
		} else {
			unsigned status;
			json_t *got = call(path, req, &status);
			char *g = json_dumps(got, JSON_COMPACT);

			ck_assert_msg(status == 200 && !json_object_get(got, "Err"), "%s line %zu (%s): %u %s", file,
				      i + 1, path, status, g);
			free(g);
			json_decref(got);
		}
	}
	ck_assert_uint_eq(k, compare ? sizeof docker_checks / sizeof docker_checks[0] : 0);
	json_decref(all);
	/* Every recording ends with its networks removed. */
	ck_assert_uint_eq(drv.st.nets.live, 0);
	ck_assert_uint_eq(drv.st.eps.live, 0);
}

START_TEST(replay_docker)
{
	replay("docker-20.10.24-requests.jsonl", true);
}
END_TEST

START_TEST(replay_compose)
{
	replay("docker-compose-1.29-requests.jsonl", false);
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

START_TEST(internal_refuses_publishing)
{
	json_t *net = record(2), *ep = record(13), *prog = record(5);

	json_object_set(prog, "NetworkID", json_object_get(net, "NetworkID"));
	json_object_set(prog, "EndpointID", json_object_get(ep, "EndpointID"));
	ck_assert_uint_eq(status_of("/NetworkDriver.CreateNetwork", net, NULL), 200);
	ck_assert_uint_eq(status_of("/NetworkDriver.CreateEndpoint", ep, NULL), 200);
	ck_assert_uint_eq(status_of("/NetworkDriver.ProgramExternalConnectivity", prog, "com.docker.network.portmap: "
		"network 315623247f33 is internal and publishes no ports (7 requested)"), 400);
	json_decref(net);
	json_decref(ep);
	json_decref(prog);
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
	tcase_add_test(tc, idempotent_calls);
	tcase_add_test(tc, bridge_names);
	tcase_add_test(tc, internal_refuses_publishing);
	suite_add_tcase(s, tc);
	return s;
}
