/* EndpointOperInfo: what guardnet reports as published. */
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

/* EndpointOperInfo's port map as "HostIP HostPort->Port/proto" lines, the
 * way docker port prints a binding. */
static char *oper_ports(json_t *ref)
{
	unsigned status;
	json_t *got = api_call(&h.drv, "/NetworkDriver.EndpointOperInfo", ref, &status), *b;
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

	api_replay_head(&h.drv, f, 5);
	got = oper_ports(ref);
	ck_assert_str_eq(got, "");
	free(got);
	api_replay_head(&h.drv, f, 6);
	/* n4 is IPv4 only: [::1]:8443 publishes nothing. */
	snprintf(want, sizeof want, "127.0.0.1 9000->9000/udp\n0.0.0.0 8002->7002/tcp\n0.0.0.0 8001->7001/tcp\n"
		 "0.0.0.0 8000->7000/tcp\n10.97.0.1 %u->5000/tcp\n0.0.0.0 8080->80/tcp\n", lo);
	got = oper_ports(ref);
	ck_assert_str_eq(got, want);
	free(got);
	json_decref(api_call(&h.drv, "/NetworkDriver.RevokeExternalConnectivity", ref, &status));
	got = oper_ports(ref);
	ck_assert_str_eq(got, "");
	free(got);
	json_decref(ref);

	ref = ref_of(f6, 1);
	api_replay_head(&h.drv, f6, 4);
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
	ck_assert_uint_eq(api_status(&h.drv, "/NetworkDriver.CreateNetwork", net, NULL), 200);
	for (size_t i = 3; i < 6; i++) {
		json_t *rec = json_array_get(all, i);
		unsigned status;
		json_t *reply = api_call(&h.drv, json_string_value(json_object_get(rec, "path")), json_object_get(rec, "request"),
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

Suite *api_oper_suite(void)
{
	Suite *s = suite_create("api_oper");
	TCase *tc = tcase_create("api_oper");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, oper_info_in_force);
	tcase_add_test(tc, oper_info_refused);
	suite_add_tcase(s, tc);
	return s;
}
