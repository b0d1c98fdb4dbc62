/* The plugin API of a Swarm driver (scope global): AllocateNetwork and a
 * manager's and a worker's recordings. */
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

/* scope = global (guardnetd --scope global): a Swarm driver. */
START_TEST(global_scope)
{
	driver_free(&h.drv);
	h.cfg.scope_global = true;
	fake_driver_init(&h.drv, NULL, &h.fk, &h.cfg);
	api_ck_reply(&h.drv, "/NetworkDriver.GetCapabilities", NULL, 200, "GetCapabilities-global.reply.json");
}
END_TEST

/* AllocateNetwork answers the user's options, which Docker hands every
 * node; a node's CreateNetwork with them and the manager's pool works. */
START_TEST(allocate_network)
{
	json_t *req = api_example("AllocateNetwork.json"), *reply = api_example("AllocateNetwork.reply.json"), *node;
	const struct gn_network *net;

	api_ck_reply(&h.drv, "/NetworkDriver.AllocateNetwork", req, 200, "AllocateNetwork.reply.json");
	ck_assert_uint_eq(h.drv.st.nets.live, 0);
	node = json_pack("{s:O,s:{s:b,s:O},s:[{s:s,s:s,s:s}],s:[]}", "NetworkID", json_object_get(req, "NetworkID"),
			 "Options", "com.docker.network.enable_ipv6", 0, "com.docker.network.generic",
			 json_object_get(reply, "Options"), "IPv4Data", "AddressSpace", "LocalDefault", "Gateway",
			 "10.99.0.1/24", "Pool", "10.99.0.0/24", "IPv6Data");
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.CreateNetwork", node, NULL), 200);
	net = state_network(&h.drv.st, "whorftf1mxh2yqds78579atwe");
	ck_assert_ptr_nonnull(net);
	ck_assert_uint_eq(net->spec.opts.allow.n, 1);
	ck_assert_uint_eq(net->spec.opts.mtu, 1400);
	ck_assert_str_eq(net->spec.opts.bridge, "gn-whorftf1mxh2");
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.FreeNetwork", req, NULL), 200);
	json_decref(node);
	json_decref(reply);
	json_decref(req);
}
END_TEST

/* What CreateNetwork refuses, AllocateNetwork refuses, naming the field. */
START_TEST(allocate_network_refusals)
{
	json_t *req = api_example("AllocateNetwork.json"), *bad;

	bad = json_deep_copy(req);
	json_object_set_new(json_object_get(bad, "Options"), "guardnet.allow", json_string("10.77.0.300"));
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.AllocateNetwork", bad,
				    "guardnet.allow: invalid CIDR \"10.77.0.300\""), 400);
	json_decref(bad);
	bad = json_deep_copy(req);
	json_object_set_new(json_object_get(bad, "Options"), "guardnet.colour", json_string("red"));
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.AllocateNetwork", bad,
				    "unknown option guardnet.colour=\"red\" (guardnet knows guardnet.publish, "
				    "guardnet.allow, guardnet.ufw, guardnet.icc and guardnet.bridge)"), 400);
	json_decref(bad);
	bad = json_deep_copy(req);
	json_object_set_new(json_object_get(bad, "Options"), "guardnet.icc", json_integer(0));
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.AllocateNetwork", bad,
				    "Options.guardnet.icc: expected a string, got an integer"), 400);
	json_decref(bad);
	bad = json_deep_copy(req);
	json_object_del(json_array_get(json_object_get(bad, "IPv4Data"), 0), "Gateway");
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.AllocateNetwork", bad, "IPv4Data[0].Gateway: missing; guardnet "
				    "needs a gateway address for the bridge"), 400);
	json_decref(bad);
	bad = json_deep_copy(req);
	json_object_set_new(bad, "NetworkID", json_string("whorftf1mxh2yqds78579atw"));
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.AllocateNetwork", bad, "NetworkID: invalid ID "
				    "\"whorftf1mxh2yqds78579atw\" (expected 64 lowercase hex digits, or 25 lowercase "
				    "letters and digits for a swarm network)"), 400);
	json_decref(bad);
	ck_assert_uint_eq(h.drv.st.nets.live, 0);
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
	json_t *got = api_call(&h.drv, "/NetworkDriver.AllocateNetwork", req, &status);

	ck_assert_uint_eq(status, 200);
	ck_assert_uint_eq(json_object_size(json_object_get(got, "Options")), 0);
	json_decref(got);
	/* An IPv6 network's MTU must be 1280 or more, as on the nodes. */
	json_object_set_new(json_object_get(req, "Options"), "com.docker.network.driver.mtu", json_string("1279"));
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.AllocateNetwork", req, "com.docker.network.driver.mtu: MTU 1279 "
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

	driver_free(&h.drv);
	h.cfg.scope_global = true;
	fake_driver_init(&h.drv, NULL, &h.fk, &h.cfg);
	json_array_foreach(all, i, rec) {
		json_t *req = json_object_get(rec, "request"), *got;
		unsigned status;

		if (strcmp(json_string_value(json_object_get(rec, "path")), "/NetworkDriver.AllocateNetwork"))
			continue;
		got = api_call(&h.drv, "/NetworkDriver.AllocateNetwork", req, &status);
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
	api_replay_checked(&h.drv, "docker-20.10.24-swarm-manager.jsonl", NULL, 0, (size_t)-1);
	api_replay_checked(&h.drv, "docker-20.10.24-swarm-worker.jsonl", NULL, 0, (size_t)-1);
}
END_TEST

Suite *api_swarm_suite(void)
{
	Suite *s = suite_create("api_swarm");
	TCase *tc = tcase_create("api_swarm");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, global_scope);
	tcase_add_test(tc, allocate_network);
	tcase_add_test(tc, allocate_network_refusals);
	tcase_add_test(tc, allocate_network_ipv6);
	tcase_add_test(tc, replay_swarm);
	suite_add_tcase(s, tc);
	return s;
}
