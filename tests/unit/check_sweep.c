/* Endpoints Docker abandoned while guardnetd was down: how the driver
 * finds and drops them (driver-sweep.c), without a kernel. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "names.h"
#include "store.h"
#include "host.h"
#include "suites.h"

#define NET "4aa2d42bef9d487d398a30c85e12e8fb237690c3cf238241dd6db2c80c77c4c5"
#define EP_A "aaaa757575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a"
#define EP_B "bbbb757575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a"
#define EP_C "cccc757575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a"

static struct unit_host h;

static void setup(void)
{
	host_open(&h, true);
}

static void teardown(void)
{
	host_close(&h);
}

static void network(void)
{
	host_must(&h, "/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" NET "\",\"Options\":{},\"IPv4Data\":[{\"Gateway\":"
	     "\"10.97.0.1/24\",\"Pool\":\"10.97.0.0/24\"}],\"IPv6Data\":[]}");
}

static void endpoint(const char *id, const char *addr)
{
	char body[600];

	snprintf(body, sizeof body, "{\"NetworkID\":\"" NET "\",\"EndpointID\":\"%s\",\"Interface\":{\"Address\":"
		 "\"%s\"},\"Options\":{\"guardnet.allow\":\"192.0.2.3/32\"}}", id, addr);
	host_must(&h, "/NetworkDriver.CreateEndpoint", body);
}

/* Join into sandbox, then publish host port 8080/tcp, or 8081 for EP_B. */
static void join_and_publish(const char *id, const char *sandbox)
{
	int port = strcmp(id, EP_B) ? 8080 : 8081;
	char body[800];

	snprintf(body, sizeof body, "{\"NetworkID\":\"" NET "\",\"EndpointID\":\"%s\",\"SandboxKey\":\"%s\","
		 "\"Options\":{}}", id, sandbox);
	host_must(&h, "/NetworkDriver.Join", body);
	snprintf(body, sizeof body, "{\"NetworkID\":\"" NET "\",\"EndpointID\":\"%s\",\"Options\":{"
		 "\"com.docker.network.portmap\":[{\"Proto\":6,\"IP\":\"\",\"Port\":80,\"HostIP\":\"\","
		 "\"HostPort\":%d,\"HostPortEnd\":%d}]}}", id, port, port);
	host_must(&h, "/NetworkDriver.ProgramExternalConnectivity", body);
}

/* The container's namespace went, and the host end of its veth pair with it. */
static void veth_gone(const char *id)
{
	char host[GN_IFNAME_MAX + 1], peer[GN_IFNAME_MAX + 1];

	names_veth(id, host, peer);
	fake_link_gone(&h.fk, host);
}

static bool has_file(const char *id)
{
	char path[700];

	snprintf(path, sizeof path, "%s/endpoints/%s.json", h.dir, id);
	return access(path, F_OK) == 0;
}

START_TEST(reused_address_drops_the_old_endpoint)
{
	network();
	endpoint(EP_A, "10.97.0.2/24");
	join_and_publish(EP_A, "/nonexistent/netns/a");
	/* Docker forgot A (its DeleteEndpoint failed) and gives 10.97.0.2 to B. */
	endpoint(EP_B, "10.97.0.2/24");
	ck_assert_ptr_null(state_endpoint(&h.drv.st, EP_A));
	ck_assert(!has_file(EP_A));
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_B));
	ck_assert(has_file(EP_B));
	/* A's host port is free again. */
	host_must(&h, "/NetworkDriver.ProgramExternalConnectivity", "{\"NetworkID\":\"" NET "\",\"EndpointID\":\"" EP_B "\","
	     "\"Options\":{\"com.docker.network.portmap\":[{\"Proto\":6,\"IP\":\"\",\"Port\":80,\"HostIP\":\"\","
	     "\"HostPort\":8080,\"HostPortEnd\":8080}]}}");
}
END_TEST

START_TEST(other_addresses_are_left_alone)
{
	network();
	endpoint(EP_A, "10.97.0.2/24");
	endpoint(EP_B, "10.97.0.3/24");
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_A));
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_B));
}
END_TEST

/* State from before addresses were indexed may hold one twice: both
 * holders go, and the index covers every address again. */
START_TEST(an_address_held_twice_drops_both)
{
	struct gn_endpoint_spec s = { .net_id = NET, .id = EP_B, .has_addr4 = true };
	struct gn_network *net;
	struct gn_endpoint *b;

	network();
	endpoint(EP_A, "10.97.0.2/24");
	net = state_network(&h.drv.st, NET);
	s.addr4 = state_endpoint(&h.drv.st, EP_A)->spec.addr4;
	ck_assert_int_eq(state_add_endpoint(&h.drv.st, net, &s, &b), 0);
	ck_assert_uint_eq(net->n_unindexed, 1);
	endpoint(EP_C, "10.97.0.2/24");
	ck_assert_ptr_null(state_endpoint(&h.drv.st, EP_A));
	ck_assert_ptr_null(state_endpoint(&h.drv.st, EP_B));
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_C));
	ck_assert_uint_eq(net->n_unindexed, 0);
	ck_assert_ptr_eq(state_address_holder(net, &state_endpoint(&h.drv.st, EP_C)->spec.addr4.addr),
			 state_endpoint(&h.drv.st, EP_C));
}
END_TEST

START_TEST(joined_endpoint_of_a_removed_sandbox_is_dropped)
{
	char live[600], gone[600];
	int fd;

	snprintf(live, sizeof live, "%s/sb-live", h.dir);
	snprintf(gone, sizeof gone, "%s/sb-gone", h.dir);
	fd = open(live, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	network();
	endpoint(EP_A, "10.97.0.2/24");
	endpoint(EP_B, "10.97.0.3/24");
	join_and_publish(EP_A, live);
	join_and_publish(EP_B, gone);
	driver_sweep(&h.drv, 100);
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_B));
	/* A sandbox file gone proves nothing while the veth pair is there. */
	driver_sweep(&h.drv, 100 + DRIVER_SUSPECT_GRACE_S);
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_B));
	veth_gone(EP_B);
	driver_sweep(&h.drv, 102 + DRIVER_SUSPECT_GRACE_S);
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_A));
	ck_assert_ptr_null(state_endpoint(&h.drv.st, EP_B));
	ck_assert(!has_file(EP_B));
}
END_TEST

/* Within the grace, a new endpoint asking for a host port that an
 * abandoned endpoint holds gets it. */
START_TEST(port_of_an_abandoned_endpoint_is_freed_at_once)
{
	char gone[600], body[800];

	snprintf(gone, sizeof gone, "%s/sb-gone", h.dir);
	network();
	endpoint(EP_A, "10.97.0.2/24");
	join_and_publish(EP_A, gone);
	veth_gone(EP_A);
	driver_sweep(&h.drv, 100);
	endpoint(EP_B, "10.97.0.3/24");
	snprintf(body, sizeof body, "{\"NetworkID\":\"" NET "\",\"EndpointID\":\"" EP_B "\",\"SandboxKey\":\"%s\","
		 "\"Options\":{}}", gone);
	host_must(&h, "/NetworkDriver.Join", body);
	host_must(&h, "/NetworkDriver.ProgramExternalConnectivity", "{\"NetworkID\":\"" NET "\",\"EndpointID\":\"" EP_B "\","
	     "\"Options\":{\"com.docker.network.portmap\":[{\"Proto\":6,\"IP\":\"\",\"Port\":80,\"HostIP\":\"\","
	     "\"HostPort\":8080,\"HostPortEnd\":8080}]}}");
	ck_assert_ptr_null(state_endpoint(&h.drv.st, EP_A));
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_B));
}
END_TEST

/* A container that was running when guardnetd started and goes while Docker
 * cannot reach it again: its endpoint goes when the container does. */
START_TEST(watched_after_the_grace)
{
	char sb[600];
	int fd;

	snprintf(sb, sizeof sb, "%s/sb", h.dir);
	fd = open(sb, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	network();
	endpoint(EP_A, "10.97.0.2/24");
	join_and_publish(EP_A, sb);
	driver_sweep(&h.drv, 100);
	driver_sweep(&h.drv, 100 + DRIVER_SUSPECT_GRACE_S);
	driver_sweep(&h.drv, 500);
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_A));
	unlink(sb);
	driver_sweep(&h.drv, 502);
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_A));
	veth_gone(EP_A);
	driver_sweep(&h.drv, 504);
	ck_assert_ptr_null(state_endpoint(&h.drv.st, EP_A));
}
END_TEST

static size_t endpoints_left(void)
{
	size_t n = 0;

	for (const struct gn_endpoint *ep = state_network(&h.drv.st, NET)->endpoints; ep; ep = ep->next)
		n++;
	return n;
}

/* n endpoints on a /16 network, those from joined_from on joined to the
 * sandbox sb; the containers are gone once sb is removed and gone() is
 * called. */
static void many(size_t n, size_t joined_from, const char *sb)
{
	static const char *wide = "{\"NetworkID\":\"" NET "\",\"Options\":{},\"IPv4Data\":[{\"Gateway\":"
				  "\"10.96.0.1/16\",\"Pool\":\"10.96.0.0/16\"}],\"IPv6Data\":[]}";
	char id[65], body[800];
	int fd = open(sb, O_CREAT | O_WRONLY, 0600);

	ck_assert_int_ge(fd, 0);
	close(fd);
	host_must(&h, "/NetworkDriver.CreateNetwork", wide);
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%08zx%s", i, EP_A + 8);
		snprintf(body, sizeof body, "{\"NetworkID\":\"" NET "\",\"EndpointID\":\"%s\",\"Interface\":{"
			 "\"Address\":\"10.96.%zu.%zu/16\"},\"Options\":{}}", id, 1 + i / 200, 1 + i % 200);
		host_must(&h, "/NetworkDriver.CreateEndpoint", body);
		if (i < joined_from)
			continue;
		snprintf(body, sizeof body, "{\"NetworkID\":\"" NET "\",\"EndpointID\":\"%s\",\"SandboxKey\":"
			 "\"%s\",\"Options\":{}}", id, sb);
		host_must(&h, "/NetworkDriver.Join", body);
	}
}

static void all_gone(size_t n, const char *sb)
{
	char id[65];

	unlink(sb);
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%08zx%s", i, EP_A + 8);
		veth_gone(id);
	}
}

/* After a restart of a host with thousands of containers, each round
 * looks at DRIVER_SWEEP_BATCH of them in turn, not all (a stat each, on
 * the event loop), and the next round goes on from there. */
START_TEST(watched_in_turns)
{
	const size_t n = DRIVER_SWEEP_BATCH + DRIVER_SWEEP_BATCH / 2;
	char sb[600];

	snprintf(sb, sizeof sb, "%s/sb", h.dir);
	many(n, 0, sb);
	driver_sweep(&h.drv, 100);
	driver_sweep(&h.drv, 100 + DRIVER_SUSPECT_GRACE_S);
	all_gone(n, sb);
	/* The round at the grace's end looked at the first batch (all alive
	 * then), so this one looks at the rest, and the next at the first
	 * batch again. */
	driver_sweep(&h.drv, 102 + DRIVER_SUSPECT_GRACE_S);
	ck_assert_uint_eq(endpoints_left(), DRIVER_SWEEP_BATCH);
	driver_sweep(&h.drv, 104 + DRIVER_SUSPECT_GRACE_S);
	ck_assert_uint_eq(endpoints_left(), 0);
}
END_TEST

/* The round at the grace's end drops the unjoined suspects besides a
 * batch of watched ones; the next round goes on where the watched ones'
 * batch ended (it once subtracted the unjoined too, and skipped a round). */
START_TEST(unjoined_and_watched_in_one_round)
{
	const size_t unjoined = 100, n = unjoined + DRIVER_SWEEP_BATCH + 88;
	char sb[600];

	snprintf(sb, sizeof sb, "%s/sb", h.dir);
	many(n, unjoined, sb);
	driver_sweep(&h.drv, 100);
	all_gone(n, sb);
	driver_sweep(&h.drv, 100 + DRIVER_SUSPECT_GRACE_S);
	ck_assert_uint_eq(endpoints_left(), 88);
	driver_sweep(&h.drv, 102 + DRIVER_SUSPECT_GRACE_S);
	ck_assert_uint_eq(endpoints_left(), 0);
}
END_TEST

/* Once Docker names an endpoint it is no suspect: after a Leave, Docker's
 * DeleteEndpoint is on its way. */
START_TEST(named_by_docker_is_no_suspect)
{
	network();
	endpoint(EP_A, "10.97.0.2/24");
	join_and_publish(EP_A, "/nonexistent/netns/a");
	driver_sweep(&h.drv, 100);
	host_must(&h, "/NetworkDriver.Leave", "{\"NetworkID\":\"" NET "\",\"EndpointID\":\"" EP_A "\"}");
	driver_sweep(&h.drv, 100 + DRIVER_SUSPECT_GRACE_S);
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_A));
}
END_TEST

/* Docker joins before it creates the sandbox file (the container's process
 * makes it): an endpoint joined since the start is never judged. */
START_TEST(joined_since_the_start_is_kept)
{
	char gone[600];

	snprintf(gone, sizeof gone, "%s/sb-not-yet", h.dir);
	network();
	driver_sweep(&h.drv, 100);
	endpoint(EP_A, "10.97.0.2/24");
	join_and_publish(EP_A, gone);
	driver_sweep(&h.drv, 100 + DRIVER_SUSPECT_GRACE_S);
	driver_sweep(&h.drv, 1000);
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_A));
}
END_TEST

START_TEST(sandbox_in_an_unseen_directory_proves_nothing)
{
	network();
	endpoint(EP_A, "10.97.0.2/24");
	join_and_publish(EP_A, "/nonexistent/netns/a");
	driver_sweep(&h.drv, 100);
	driver_sweep(&h.drv, 100 + DRIVER_SUSPECT_GRACE_S);
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_A));
}
END_TEST

START_TEST(unjoined_at_start_is_dropped_after_the_grace)
{
	network();
	endpoint(EP_A, "10.97.0.2/24");
	endpoint(EP_B, "10.97.0.3/24");
	driver_sweep(&h.drv, 100);
	/* Docker retries a call for up to 30 s: B's Join still comes. */
	join_and_publish(EP_B, "/nonexistent/netns/b");
	driver_sweep(&h.drv, 100 + DRIVER_SUSPECT_GRACE_S - 1);
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_A));
	driver_sweep(&h.drv, 100 + DRIVER_SUSPECT_GRACE_S);
	ck_assert_ptr_null(state_endpoint(&h.drv.st, EP_A));
	ck_assert(!has_file(EP_A));
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_B));
	/* Endpoints created after the start are never suspects. */
	endpoint(EP_A, "10.97.0.2/24");
	driver_sweep(&h.drv, 1000);
	ck_assert_ptr_nonnull(state_endpoint(&h.drv.st, EP_A));
}
END_TEST

Suite *sweep_suite(void)
{
	Suite *s = suite_create("sweep");
	TCase *tc = tcase_create("core");

	/* watched_in_turns and unjoined_and_watched_in_one_round make 1,500
	 * endpoints, each state file written with two fsyncs: 4-5 s on a
	 * busy virtual disk, over Check's default of 4 (the CI of 1f921ab's
	 * successor timed out there under ASan). */
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reused_address_drops_the_old_endpoint);
	tcase_add_test(tc, other_addresses_are_left_alone);
	tcase_add_test(tc, an_address_held_twice_drops_both);
	tcase_add_test(tc, joined_endpoint_of_a_removed_sandbox_is_dropped);
	tcase_add_test(tc, port_of_an_abandoned_endpoint_is_freed_at_once);
	tcase_add_test(tc, watched_after_the_grace);
	tcase_add_test(tc, watched_in_turns);
	tcase_add_test(tc, unjoined_and_watched_in_one_round);
	tcase_add_test(tc, named_by_docker_is_no_suspect);
	tcase_add_test(tc, joined_since_the_start_is_kept);
	tcase_add_test(tc, sandbox_in_an_unseen_directory_proves_nothing);
	tcase_add_test(tc, unjoined_at_start_is_dropped_after_the_grace);
	suite_add_tcase(s, tc);
	return s;
}
