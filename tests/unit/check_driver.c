/* What each Docker request asks of the kernel (driver*.c through the
 * backend), and that a request failing at any step leaves the state, the
 * records on disk and the kernel as they were. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"
#include "suites.h"

#define NET "4aa2d42bef9d487d398a30c85e12e8fb237690c3cf238241dd6db2c80c77c4c5"
#define EP "aaaa757575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a"
#define IDS "\"NetworkID\":\"" NET "\",\"EndpointID\":\"" EP "\""
#define PORTMAP "\"com.docker.network.portmap\":[{\"Proto\":6,\"IP\":\"\",\"Port\":80,\"HostIP\":\"\"," \
		"\"HostPort\":8080,\"HostPortEnd\":8080}]"

/* A container's life on a guardnet network, request by request. */
#define NET_RECORD "networks/" NET ".json"
#define EP_RECORD "endpoints/" EP ".json"

static const struct step {
	const char *path, *body;
	const char *record;     /* the file it writes or removes */
} life[] = {
	{ "/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" NET "\",\"Options\":{},\"IPv4Data\":[{\"Gateway\":"
	  "\"10.97.0.1/24\",\"Pool\":\"10.97.0.0/24\"}],\"IPv6Data\":[]}", NET_RECORD },
	{ "/NetworkDriver.CreateEndpoint", "{" IDS ",\"Interface\":{\"Address\":\"10.97.0.2/24\"},"
	  "\"Options\":{\"guardnet.allow\":\"192.0.2.3/32\"}}", EP_RECORD },
	{ "/NetworkDriver.Join", "{" IDS ",\"SandboxKey\":\"/var/run/docker/netns/abc\",\"Options\":{}}", EP_RECORD },
	{ "/NetworkDriver.ProgramExternalConnectivity", "{" IDS ",\"Options\":{" PORTMAP "}}", EP_RECORD },
	{ "/NetworkDriver.RevokeExternalConnectivity", "{" IDS "}", EP_RECORD },
	{ "/NetworkDriver.Leave", "{" IDS "}", EP_RECORD },
	{ "/NetworkDriver.DeleteEndpoint", "{" IDS "}", EP_RECORD },
	{ "/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" NET "\"}", NET_RECORD },
};
#define N_LIFE (sizeof life / sizeof life[0])

/* What each step asks of the kernel. */
static const char *const calls[N_LIFE] = {
	"network_up gn-4aa2d42bef9d alias=guardnet:" NET " mtu=0 addrs=10.97.0.1/24 route_localnet forward4\n"
	"firewall nets=1 pubs=0 epallow=0 mark=0x4e47\n",
	"endpoint_up gnhaaaa757575f6/gncaaaa757575f6 on gn-4aa2d42bef9d mac=02:42:0a:61:00:02\n"
	"share -0 +1\n",
	"",
	"share -1 +2\n",
	"share -2 +1\n",
	"",
	"endpoint_down gnhaaaa757575f6\n"
	"share -1 +0\n",
	"firewall nets=0 pubs=0 epallow=0 mark=0x4e47\n"
	"network_down gn-4aa2d42bef9d\n",
};

/* The kernel after each step. */
static const char *const kernel[N_LIFE] = {
	"link gn-4aa2d42bef9d\n"
	"net gn-4aa2d42bef9d subnets=10.97.0.0/24 allow= icc\n",
	"link gn-4aa2d42bef9d\nlink gnhaaaa757575f6\n"
	"net gn-4aa2d42bef9d subnets=10.97.0.0/24 allow= icc\n"
	"epallow 10.97.0.2 <- 192.0.2.3/32\n",
	NULL, /* as before */
	"link gn-4aa2d42bef9d\nlink gnhaaaa757575f6\n"
	"net gn-4aa2d42bef9d subnets=10.97.0.0/24 allow= icc\n"
	"epallow 10.97.0.2 <- 192.0.2.3/32\n"
	"pub tcp *4:8080 -> 10.97.0.2:80\n",
	"link gn-4aa2d42bef9d\nlink gnhaaaa757575f6\n"
	"net gn-4aa2d42bef9d subnets=10.97.0.0/24 allow= icc\n"
	"epallow 10.97.0.2 <- 192.0.2.3/32\n",
	NULL,
	"link gn-4aa2d42bef9d\n"
	"net gn-4aa2d42bef9d subnets=10.97.0.0/24 allow= icc\n",
	"",
};

static struct unit_host h;

static void append(char **buf, const char *text)
{
	size_t n = *buf ? strlen(*buf) : 0;

	*buf = realloc(*buf, n + strlen(text) + 1);
	strcpy(*buf + n, text);
}

static void state_line(void *p, void *ctx)
{
	const struct gn_network *net = p;
	char line[512];

	snprintf(line, sizeof line, "network %.12s dying=%d endpoints=%zu\n", net->spec.id, net->dying,
		 net->n_endpoints);
	append(ctx, line);
	for (const struct gn_endpoint *ep = net->endpoints; ep; ep = ep->next) {
		snprintf(line, sizeof line, "endpoint %.12s joined=%d sandbox=%s programmed=%d published=%zu\n",
			 ep->spec.id, ep->joined, ep->sandbox_key ? ep->sandbox_key : "-", ep->programmed,
			 ep->published.n_map);
		append(ctx, line);
	}
}

static void files_of(const char *sub, char **out)
{
	char path[700];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof path, "%s/%s", h.dir, sub);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		char file[1000], text[65536];
		struct stat st;
		size_t n = 0;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof file, "%s/%s", path, de->d_name);
		append(out, file);
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && (f = fopen(file, "r"))) {
			n = fread(text, 1, sizeof text - 1, f);
			fclose(f);
		}
		text[n] = '\0';
		append(out, ":\n");
		append(out, text);
	}
	closedir(d);
}

/* The state, the records and the kernel, as text. */
static char *snapshot(void)
{
	char *s = NULL, *k = fake_kernel(&h.fk);

	append(&s, "");
	state_each_network(&h.drv.st, state_line, &s);
	files_of("networks", &s);
	files_of("endpoints", &s);
	append(&s, k);
	free(k);
	return s;
}

START_TEST(each_request_asks_the_kernel_for_its_part)
{
	const char *now = "";

	host_open(&h, true);
	for (size_t i = 0; i < N_LIFE; i++) {
		char *log, *k;

		host_must(&h, life[i].path, life[i].body);
		log = fake_log_take(&h.fk);
		ck_assert_msg(!strcmp(log, calls[i]), "%s asked\n%s, not\n%s", life[i].path, log, calls[i]);
		free(log);
		now = kernel[i] ? kernel[i] : now;
		k = fake_kernel(&h.fk);
		ck_assert_msg(!strcmp(k, now), "after %s the kernel is\n%s, not\n%s", life[i].path, k, now);
		free(k);
	}
	host_close(&h);
}
END_TEST

/* Every call a request makes to the kernel fails in turn, on a driver
 * brought afresh to the step before.  A request that fails leaves all as
 * it was; one that goes on (DeleteEndpoint when the firewall refuses the
 * removal of its elements) leaves the kernel as a request that met no
 * failure does. */
START_TEST(a_failing_kernel_call_changes_nothing)
{
	for (size_t i = 0; i < N_LIFE; i++) {
		for (unsigned n = 1;; n++) {
			char *before, *after;
			unsigned status;
			bool reached;

			host_open(&h, true);
			for (size_t j = 0; j < i; j++)
				host_must(&h, life[j].path, life[j].body);
			before = snapshot();
			fake_fail(&h.fk, n, EIO);
			status = host_call(&h, life[i].path, life[i].body);
			reached = h.fk.fail_at == 0;
			fake_fail(&h.fk, 0, 0);
			after = snapshot();
			if (!reached) {
				ck_assert_uint_eq(status, 200);
			} else if (status != 200) {
				ck_assert_msg(!strcmp(before, after), "%s failing at call %u: before\n%s\nafter\n%s",
					      life[i].path, n, before, after);
			} else {
				char *k = fake_kernel(&h.fk);
				const char *want = NULL;

				for (size_t j = 0; j <= i; j++)
					want = kernel[j] ? kernel[j] : want;
				ck_assert_msg(!strcmp(k, want), "%s went on after call %u failed, leaving\n%s",
					      life[i].path, n, k);
				free(k);
			}
			free(before);
			free(after);
			host_close(&h);
			if (!reached)
				break;
		}
	}
}
END_TEST

/* The record of the network or endpoint cannot be written (or removed):
 * a directory stands where its file goes. */
static void block_record(const char *path)
{
	char file[700], inner[800];

	snprintf(file, sizeof file, "%s/%s", h.dir, path);
	unlink(file);
	ck_assert_int_eq(mkdir(file, 0700), 0);
	snprintf(inner, sizeof inner, "%s/x", file);
	ck_assert_int_eq(mkdir(inner, 0700), 0);
}

START_TEST(a_failing_record_changes_nothing)
{
	for (size_t i = 0; i < N_LIFE; i++) {
		char *before, *after;
		unsigned status;

		host_open(&h, true);
		for (size_t j = 0; j < i; j++)
			host_must(&h, life[j].path, life[j].body);
		block_record(life[i].record);
		before = snapshot();
		status = host_call(&h, life[i].path, life[i].body);
		after = snapshot();
		ck_assert_msg(status != 200, "%s ignored its record", life[i].path);
		ck_assert_msg(!strcmp(before, after), "%s with its record blocked: before\n%s\nafter\n%s",
			      life[i].path, before, after);
		free(before);
		free(after);
		host_close(&h);
	}
}
END_TEST

/* When the firewall is not as guardnet left it, a share change becomes a
 * whole model. */
START_TEST(a_stale_firewall_gets_the_whole_model)
{
	char *log;

	host_open(&h, true);
	host_must(&h, life[0].path, life[0].body);
	host_must(&h, life[1].path, life[1].body);
	host_must(&h, life[2].path, life[2].body);
	free(fake_log_take(&h.fk));
	h.fk.stale = true;
	host_must(&h, life[3].path, life[3].body);
	log = fake_log_take(&h.fk);
	ck_assert_str_eq(log, "share: stale\nfirewall nets=1 pubs=1 epallow=1 mark=0x4e47\n");
	free(log);
	log = fake_kernel(&h.fk);
	ck_assert_str_eq(log, kernel[3]);
	free(log);
	host_close(&h);
}
END_TEST

/* The request is answered status and changes nothing of the state or
 * the kernel. */
static void refused_changes_nothing(const char *path, const char *body, unsigned status)
{
	char *before = snapshot(), *after;

	ck_assert_uint_eq(host_call(&h, path, body), status);
	after = snapshot();
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}

/* A host socket on the port: the request fails and nothing changes. */
START_TEST(a_host_port_in_use_is_refused)
{
	host_open(&h, true);
	for (size_t j = 0; j < 3; j++)
		host_must(&h, life[j].path, life[j].body);
	h.fk.busy_port = 8080;
	refused_changes_nothing(life[3].path, life[3].body, 409);
	host_close(&h);
}
END_TEST

/* More subnets than a bridge takes gateways: refused, nothing made (a
 * subnet without its gateway on the bridge would have no route there). */
START_TEST(too_many_subnets_are_refused)
{
	char body[8192];
	int n = snprintf(body, sizeof body, "{\"NetworkID\":\"" NET "\",\"Options\":{},\"IPv4Data\":[");

	for (int i = 0; i <= PLAN_BRIDGE_ADDRS; i++)
		n += snprintf(body + n, sizeof body - (size_t)n, "%s{\"Gateway\":\"10.%d.0.1/24\",\"Pool\":\"10.%d.0.0/24\"}",
			      i ? "," : "", i, i);
	snprintf(body + n, sizeof body - (size_t)n, "],\"IPv6Data\":[]}");
	host_open(&h, true);
	refused_changes_nothing("/NetworkDriver.CreateNetwork", body, 400);
	host_close(&h);
}
END_TEST

/* guardnetd's start: what the state names is made, nothing else. */
START_TEST(reconcile_wants_what_the_state_names)
{
	struct gn_err e;
	char *log, *k;

	host_open(&h, true);
	for (size_t j = 0; j < 4; j++)
		host_must(&h, life[j].path, life[j].body);
	free(fake_log_take(&h.fk));
	ck_assert_int_eq(driver_reconcile(&h.drv, &e), 0);
	log = fake_log_take(&h.fk);
	ck_assert_str_eq(log, "reconcile bridges=1 veths=1\nfirewall nets=1 pubs=1 epallow=1 mark=0x4e47\n");
	k = fake_kernel(&h.fk);
	ck_assert_str_eq(k, kernel[3]);
	free(log);
	free(k);
	host_close(&h);
}
END_TEST

Suite *driver_suite(void)
{
	Suite *s = suite_create("driver");
	TCase *tc = tcase_create("driver");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, each_request_asks_the_kernel_for_its_part);
	tcase_add_test(tc, a_failing_kernel_call_changes_nothing);
	tcase_add_test(tc, a_failing_record_changes_nothing);
	tcase_add_test(tc, a_stale_firewall_gets_the_whole_model);
	tcase_add_test(tc, a_host_port_in_use_is_refused);
	tcase_add_test(tc, reconcile_wants_what_the_state_names);
	tcase_add_test(tc, too_many_subnets_are_refused);
	suite_add_tcase(s, tc);
	return s;
}
