/* The relay's ports as the driver keeps them (d->relays) one request at a
 * time, against plan_relays over the whole state: what the relay serves
 * after each request, the whole list or the ports changed handed over as
 * guardnetd's loop hands them (main.c relays_sync), is what plan_relays
 * says.  And a request that changes no port of [::1] hands nothing over. */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "suites.h"

static struct unit_host h;

/* What the relay serves, port by port. */
static bool on[65536];
static struct gn_relay_svc to[65536];
static size_t n_on;
static unsigned handed;         /* lists and batches of changes handed over */

/* main.c's relays_sync, into on[] and to[]. */
static void sync_relay(void)
{
	const struct gn_relay_change *c;
	struct gn_relay_svc *v;
	size_t n;
	ssize_t k;

	if (h.drv.relays_dirty) {
		ck_assert_int_eq(driver_relays_whole(&h.drv, &v, &n), 0);
		ck_assert(!h.drv.relays_dirty);
		memset(on, 0, sizeof on);
		for (size_t i = 0; i < n; i++) {
			on[v[i].port] = true;
			to[v[i].port] = v[i];
		}
		n_on = n;
		free(v);
		handed++;
		return;
	}
	ck_assert_int_ge(k = relayindex_take(&h.drv.relays, &c), 0);
	for (ssize_t i = 0; i < k; i++) {
		n_on += !c[i].gone - on[c[i].s.port];
		on[c[i].s.port] = !c[i].gone;
		to[c[i].s.port] = c[i].s;
	}
	handed += k > 0;
}

static void compare(const char *after)
{
	struct gn_relay_svc *v;
	size_t n;

	ck_assert_int_eq(plan_relays(&h.drv.env, &h.drv.st, &v, &n), 0);
	ck_assert_msg(n == n_on, "after %s the relay serves %zu ports, plan_relays says %zu", after, n_on, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(on[v[i].port] && !relay_svc_cmp(&to[v[i].port], &v[i]),
			      "after %s [::1]:%u is not served as plan_relays says", after, v[i].port);
	free(v);
}

static char net_ids[3][65], ep_ids[3][6][65];

static void ids(void)
{
	for (int i = 0; i < 3; i++) {
		snprintf(net_ids[i], sizeof net_ids[i], "aa%010x%052x", i, 0);
		for (int j = 0; j < 6; j++)
			snprintf(ep_ids[i][j], sizeof ep_ids[i][j], "bb%010x%052x", i * 16 + j, 0);
	}
}

/* Network 0: IPv4, guardnet.conf's allowlist (0.0.0.0 and ::); 1: IPv4
 * and IPv6; 2: guardnet.publish=127.0.0.1, no [::1] at all. */
static void create_network(int i)
{
	static const char *const opts[] = {
		"{}",
		"{\"com.docker.network.enable_ipv6\":true}",
		"{\"com.docker.network.generic\":{\"guardnet.publish\":\"127.0.0.1\"}}",
	};
	char v6[96] = "", body[1024];

	if (i == 1)
		snprintf(v6, sizeof v6, "{\"Gateway\":\"fd00:91::1/64\",\"Pool\":\"fd00:91::/64\"}");
	snprintf(body, sizeof body, "{\"NetworkID\":\"%s\",\"Options\":%s,\"IPv4Data\":[{\"Gateway\":\"10.9%d.0.1/24\","
		 "\"Pool\":\"10.9%d.0.0/24\"}],\"IPv6Data\":[%s]}", net_ids[i], opts[i], i, i, v6);
	host_must(&h, "/NetworkDriver.CreateNetwork", body);
}

static void ref(int i, int j, char *buf, size_t len)
{
	snprintf(buf, len, "\"NetworkID\":\"%s\",\"EndpointID\":\"%s\"", net_ids[i], ep_ids[i][j]);
}

static void create_endpoint(int i, int j)
{
	char r[256], v6[64] = "", body[1024];

	ref(i, j, r, sizeof r);
	if (i == 1)
		snprintf(v6, sizeof v6, ",\"AddressIPv6\":\"fd00:91::%d/64\"", 2 + j);
	snprintf(body, sizeof body, "{%s,\"Interface\":{\"Address\":\"10.9%d.0.%d/24\"%s},\"Options\":{}}", r, i, 2 + j,
		 v6);
	host_must(&h, "/NetworkDriver.CreateEndpoint", body);
	snprintf(body, sizeof body, "{%s,\"SandboxKey\":\"/var/run/docker/netns/x\",\"Options\":{}}", r);
	host_must(&h, "/NetworkDriver.Join", body);
}

/* Program with ports: "P" a TCP binding without a host address, "P@A" one
 * on address A, "P/udp" UDP; host port P, container port 80 + P % 10. */
static unsigned program(int i, int j, const char *const *ports, size_t n, bool no6to4)
{
	char r[256], body[4096];
	size_t len;

	ref(i, j, r, sizeof r);
	len = (size_t)snprintf(body, sizeof body, "{%s,\"Options\":{\"com.docker.network.driver.private.no_proxy_6to4\":%s,"
			       "\"com.docker.network.portmap\":[", r, no6to4 ? "true" : "false");
	for (size_t k = 0; k < n; k++) {
		unsigned port = (unsigned)atoi(ports[k]);
		const char *at = strchr(ports[k], '@');

		len += (size_t)snprintf(body + len, sizeof body - len, "%s{\"Proto\":%d,\"IP\":\"\",\"Port\":%u,\"HostIP\":\"%s\","
					"\"HostPort\":%u,\"HostPortEnd\":%u}", k ? "," : "",
					strstr(ports[k], "/udp") ? 17 : 6, 80 + port % 10, at ? at + 1 : "", port, port);
	}
	snprintf(body + len, sizeof body - len, "]}}");
	return host_call(&h, "/NetworkDriver.ProgramExternalConnectivity", body);
}

static unsigned call_ep(const char *path, int i, int j)
{
	char r[256], body[512];

	ref(i, j, r, sizeof r);
	snprintf(body, sizeof body, "{%s%s}", r, strstr(path, "Join") ? ",\"SandboxKey\":\"/x\",\"Options\":{}" : "");
	return host_call(&h, path, body);
}

static void open_host(void)
{
	ids();
	host_open(&h, false);
	memset(on, 0, sizeof on);
	n_on = 0;
	for (int i = 0; i < 3; i++)
		create_network(i);
	sync_relay();
	handed = 0;
}

static unsigned rnd(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) % n;
}

/* Random requests on three networks of six endpoints, the host ports from
 * eight, so that many are refused as taken; networks deleted with their
 * endpoints in them and made again. */
START_TEST(every_request_leaves_plan_relays_list)
{
	static const char *const binds[] = { "9000", "9001", "9002@::1", "9003@::", "9004@127.0.0.1",
					     "9005/udp", "9006", "9007@0.0.0.0", "9001@::1", "9000/udp" };
	static const char *const what[] = { "create", "program", "revoke", "leave", "delete", "join", "network" };

	for (unsigned seed0 = 1; seed0 <= 8; seed0++) {
		bool made[3][6] = { { false } };
		unsigned seed = seed0;

		open_host();
		for (unsigned step = 0; step < 300; step++) {
			int i = (int)rnd(&seed, 3), j = (int)rnd(&seed, 6), op = (int)rnd(&seed, 7);
			const char *ports[3];
			char after[64];
			size_t n = 1 + rnd(&seed, 3);

			if (op == 6 && rnd(&seed, 4)) /* networks go less often */
				op = 1;
			if (!made[i][j] && op != 6)
				op = 0;
			switch (op) {
			case 0:
				create_endpoint(i, j);
				made[i][j] = true;
				break;
			case 1:
				for (size_t k = 0; k < n; k++)
					ports[k] = binds[rnd(&seed, sizeof binds / sizeof binds[0])];
				program(i, j, ports, n, rnd(&seed, 4) == 0);
				break;
			case 2:
				call_ep("/NetworkDriver.RevokeExternalConnectivity", i, j);
				break;
			case 3:
				call_ep("/NetworkDriver.Leave", i, j);
				break;
			case 4:
				ck_assert_uint_eq(call_ep("/NetworkDriver.DeleteEndpoint", i, j), 200);
				made[i][j] = false;
				break;
			case 5:
				call_ep("/NetworkDriver.Join", i, j);
				break;
			case 6: {
				char body[128];

				snprintf(body, sizeof body, "{\"NetworkID\":\"%s\"}", net_ids[i]);
				host_must(&h, "/NetworkDriver.DeleteNetwork", body);
				memset(made[i], 0, sizeof made[i]);
				create_network(i);
				break;
			}
			}
			/* Now and then two requests between two turns of the loop. */
			if (rnd(&seed, 4) == 0)
				continue;
			sync_relay();
			snprintf(after, sizeof after, "step %u (%s, seed %u)", step, what[op], seed0);
			compare(after);
		}
		ck_assert_msg(handed < 300, "the relay was handed something after every request");
		host_close(&h);
	}
}
END_TEST

/* Requests that change no port of [::1] hand nothing to the relay: an
 * endpoint publishing only UDP and 127.0.0.1, Leave after Revoke, Join of
 * an endpoint already published.  Those that do hand over their ports,
 * not the list. */
START_TEST(only_changes_of_relayed_ports_reach_the_relay)
{
	static const char *const v4only[] = { "9005/udp", "9004@127.0.0.1" }, *const relayed[] = { "9000", "9002@::1" };
	const char *const step[] = { "/NetworkDriver.Join", "/NetworkDriver.RevokeExternalConnectivity",
				     "/NetworkDriver.Leave", "/NetworkDriver.DeleteEndpoint" };

	open_host();
	create_endpoint(0, 0);
	ck_assert_uint_eq(program(0, 0, v4only, 2, false), 200);
	sync_relay();
	for (size_t k = 0; k < 4; k++) {
		ck_assert_uint_eq(call_ep(step[k], 0, 0), 200);
		sync_relay();
	}
	ck_assert_uint_eq(handed, 0);
	create_endpoint(1, 0);
	ck_assert_uint_eq(program(1, 0, relayed, 2, false), 200);
	sync_relay();
	ck_assert(handed == 1 && n_on == 2 && !h.drv.relays_dirty);
	for (size_t k = 0; k < 4; k++) {
		ck_assert_uint_eq(call_ep(step[k], 1, 0), 200);
		sync_relay();
		compare(step[k]);
		ck_assert_uint_eq(handed, (k >= 1 ? 2 : 1));
	}
	host_close(&h);
}
END_TEST

/* State from an older guardnetd in which two endpoints publish the same
 * port: the first by plan_relays' order is served, and the other takes
 * over when it goes. */
START_TEST(a_port_claimed_twice_goes_to_the_next_claim)
{
	static const char *const a[] = { "9000" }, *const b[] = { "9001" };
	struct gn_endpoint *e0, *e1;

	open_host();
	create_endpoint(1, 0);
	create_endpoint(1, 1);
	ck_assert_uint_eq(program(1, 0, a, 1, false), 200);
	ck_assert_uint_eq(program(1, 1, b, 1, false), 200);
	e0 = state_endpoint(&h.drv.st, ep_ids[1][0]);
	e1 = state_endpoint(&h.drv.st, ep_ids[1][1]);
	e1->published.map[0].host_port = 9000;
	/* As guardnetd starts with such a state, and rebuilds its firewall
	 * from it. */
	h.drv.relays_dirty = h.drv.taken_stale = true;
	h.fk.stale = true;
	sync_relay();
	compare("the start");
	ck_assert(n_on == 1 && !memcmp(&to[9000].to, &e0->spec.addr6.addr, sizeof to[9000].to));
	ck_assert_uint_eq(call_ep("/NetworkDriver.RevokeExternalConnectivity", 1, 0), 200);
	sync_relay();
	compare("the first one's Revoke");
	ck_assert(on[9000] && !memcmp(&to[9000].to, &e1->spec.addr6.addr, sizeof to[9000].to));
	ck_assert_uint_eq(call_ep("/NetworkDriver.RevokeExternalConnectivity", 1, 1), 200);
	sync_relay();
	compare("the second one's Revoke");
	ck_assert_uint_eq(n_on, 0);
	host_close(&h);
}
END_TEST

Suite *driver_relay_suite(void)
{
	Suite *s = suite_create("driver_relay");
	TCase *tc = tcase_create("driver_relay");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, every_request_leaves_plan_relays_list);
	tcase_add_test(tc, only_changes_of_relayed_ports_reach_the_relay);
	tcase_add_test(tc, a_port_claimed_twice_goes_to_the_next_claim);
	suite_add_tcase(s, tc);
	return s;
}
