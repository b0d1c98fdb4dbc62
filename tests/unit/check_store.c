#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "json-encode.h"
#include "store.h"
#include "fake_backend.h"
#include "suites.h"

#define N4 "4aa2d42bef9d487d398a30c85e12e8fb237690c3cf238241dd6db2c80c77c4c5"
#define C1 "50d43e7575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a"

static char *dir;
static struct gn_config cfg;
static struct fake_backend fk;

static void setup(void)
{
	dir = tmpdir_make();
	ck_assert_ptr_nonnull(dir);
	config_init(&cfg);
	fake_init(&fk);
}

static void teardown(void)
{
	tmpdir_remove(dir);
	config_clear(&cfg);
	fake_free(&fk);
}

/* Replays the first n recorded requests into a driver backed by dir. */
static void replay_into(struct gn_driver *d, size_t n)
{
	json_t *all = fixture_load("docker-20.10.24-requests.jsonl"), *rec;
	size_t i;

	json_array_foreach(all, i, rec) {
		char *text = json_dumps(json_object_get(rec, "request"), JSON_COMPACT);
		struct api_reply rep;

		if (i >= n) {
			free(text);
			break;
		}
		ck_assert_int_eq(api_handle(d, json_string_value(json_object_get(rec, "path")), text, strlen(text), &rep), 0);
		ck_assert_msg(rep.status == 200, "line %zu: %s", i + 1, rep.body);
		free(rep.body);
		free(text);
	}
	json_decref(all);
}

static bool same(json_t *a, json_t *b)
{
	bool eq = json_equal(a, b);

	json_decref(a);
	json_decref(b);
	return eq;
}

START_TEST(roundtrip)
{
	struct gn_store s1, s2;
	struct gn_driver d1, d2;
	struct gn_err e;
	const char *ids[] = { N4, "7c10f51389a50d396f03ccb528e95c2237dbc5223c3da913886f33bda0cf6ea4",
			      "315623247f333f535c23e8d08f6a01506d0d714931acd37284777bfdd066d47a" };

	ck_assert_int_eq(store_open(&s1, dir, &e), 0);
	fake_driver_init(&d1, &s1, &fk, &cfg);
	replay_into(&d1, 13);
	ck_assert_int_eq(store_open(&s2, dir, &e), -EBUSY);
	ck_assert_str_eq(strstr(e.msg, "is in use"), "is in use by another guardnetd");
	store_close(&s1);

	ck_assert_int_eq(store_open(&s2, dir, &e), 0);
	fake_driver_init(&d2, &s2, &fk, &cfg);
	ck_assert_msg(store_load(&s2, &d2.st, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(d2.st.nets.live, 3);
	ck_assert_uint_eq(d2.st.eps.live, 2);
	for (size_t i = 0; i < 3; i++)
		ck_assert(same(encode_network(&state_network(&d1.st, ids[i])->spec),
			       encode_network(&state_network(&d2.st, ids[i])->spec)));
	ck_assert(same(encode_endpoint(state_endpoint(&d1.st, C1)), encode_endpoint(state_endpoint(&d2.st, C1))));
	ck_assert(state_endpoint(&d2.st, C1)->programmed);
	ck_assert(state_endpoint(&d2.st, C1)->joined);
	ck_assert_str_eq(state_endpoint(&d2.st, C1)->sandbox_key, "/var/run/docker/netns/6a0e9901af95");
	ck_assert_uint_eq(state_endpoint(&d2.st, C1)->published.n_map, 7);
	driver_free(&d1);
	driver_free(&d2);
	store_close(&s2);
}
END_TEST

static void write_file(const char *sub, const char *name, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static bool exists(const char *sub, const char *name)
{
	char path[600];

	snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
	return access(path, F_OK) == 0;
}

/* A swarm network (25 base-36 characters) is recorded and read back like
 * any other, its file named by its ID, its bridge by its first 12. */
START_TEST(swarm_ids_roundtrip)
{
	static const char swarm[] = "olslm2x2ik7h57ul54whs6nbu";
	struct gn_store s1, s2;
	struct gn_driver d1, d2;
	struct gn_network *net;
	struct gn_err e;
	char body[700];
	struct api_reply rep;

	ck_assert_int_eq(store_open(&s1, dir, &e), 0);
	fake_driver_init(&d1, &s1, &fk, &cfg);
	snprintf(body, sizeof body, "{\"NetworkID\":\"%s\",\"Options\":{},\"IPv4Data\":[{\"Gateway\":"
		 "\"10.97.0.1/24\",\"Pool\":\"10.97.0.0/24\"}],\"IPv6Data\":[]}", swarm);
	ck_assert_int_eq(api_handle(&d1, "/NetworkDriver.CreateNetwork", body, strlen(body), &rep), 0);
	ck_assert_msg(rep.status == 200, "%s", rep.body);
	free(rep.body);
	snprintf(body, sizeof body, "{\"NetworkID\":\"%s\",\"EndpointID\":\"" C1 "\",\"Interface\":"
		 "{\"Address\":\"10.97.0.2/24\"},\"Options\":{}}", swarm);
	ck_assert_int_eq(api_handle(&d1, "/NetworkDriver.CreateEndpoint", body, strlen(body), &rep), 0);
	ck_assert_msg(rep.status == 200, "%s", rep.body);
	free(rep.body);
	ck_assert(exists("networks", "olslm2x2ik7h57ul54whs6nbu.json"));
	driver_free(&d1);
	store_close(&s1);
	ck_assert_int_eq(store_open(&s2, dir, &e), 0);
	fake_driver_init(&d2, &s2, &fk, &cfg);
	ck_assert_msg(store_load(&s2, &d2.st, &e) == 0, "%s", e.msg);
	net = state_network(&d2.st, swarm);
	ck_assert_ptr_nonnull(net);
	ck_assert_str_eq(net->spec.opts.bridge, "gn-olslm2x2ik7h");
	ck_assert_ptr_nonnull(state_endpoint(&d2.st, C1));
	driver_free(&d2);
	store_close(&s2);
}
END_TEST

START_TEST(corrupt_file_stops_the_load)
{
	struct gn_store s;
	struct gn_driver d;
	struct gn_err e;
	char want[700];

	ck_assert_int_eq(store_open(&s, dir, &e), 0);
	write_file("networks", N4 ".json", "{\"Version\": 1, \"NetworkID\": ");
	fake_driver_init(&d, &s, &fk, &cfg);
	ck_assert_int_eq(store_load(&s, &d.st, &e), -EINVAL);
	snprintf(want, sizeof want, "state file %s/networks/" N4 ".json is unusable: invalid JSON at line 1 column 28: "
		 "unexpected token near end of file", dir);
	ck_assert_str_eq(e.msg, want);
	ck_assert(exists("networks", N4 ".json"));
	driver_free(&d);
	store_close(&s);
}
END_TEST

START_TEST(invalid_content_stops_the_load)
{
	struct gn_store s;
	struct gn_driver d;
	struct gn_err e;

	ck_assert_int_eq(store_open(&s, dir, &e), 0);
	write_file("networks", N4 ".json", "{\"Version\": 1, \"NetworkID\": \"" N4 "\", \"IPv4Data\": "
		   "[{\"Pool\": \"10.0.0.0/40\"}]}");
	fake_driver_init(&d, &s, &fk, &cfg);
	ck_assert_int_eq(store_load(&s, &d.st, &e), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "IPv4Data[0].Pool: invalid CIDR \"10.0.0.0/40\""));
	driver_free(&d);
	store_close(&s);
	ck_assert_int_eq(store_open(&s, dir, &e), 0);
	write_file("networks", N4 ".json", "{\"Version\": 7}");
	fake_driver_init(&d, &s, &fk, &cfg);
	ck_assert_int_eq(store_load(&s, &d.st, &e), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "Version: expected 1"));
	driver_free(&d);
	store_close(&s);
}
END_TEST

START_TEST(leftovers_are_cleaned)
{
	struct gn_store s;
	struct gn_driver d;
	struct gn_err e;
	json_t *ep;
	char *text;

	ck_assert_int_eq(store_open(&s, dir, &e), 0);
	fake_driver_init(&d, &s, &fk, &cfg);
	replay_into(&d, 4);
	/* An endpoint whose network's file was moved aside by hand, and a
	 * temporary file from a write that never reached rename(). */
	ep = encode_endpoint(state_endpoint(&d.st, C1));
	driver_free(&d);
	store_close(&s);
	json_object_set_new(ep, "NetworkID", json_string("2222222222222222222222222222222222222222222222222222222222222222"));
	json_object_set_new(ep, "EndpointID", json_string("3333333333333333333333333333333333333333333333333333333333333333"));
	text = json_dumps(ep, 0);
	write_file("endpoints", "3333333333333333333333333333333333333333333333333333333333333333.json", text);
	write_file("endpoints", ".3333.tmp", "half");
	ck_assert_int_eq(store_open(&s, dir, &e), 0);
	fake_driver_init(&d, &s, &fk, &cfg);
	ck_assert_msg(store_load(&s, &d.st, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(d.st.eps.live, 1);
	ck_assert(!exists("endpoints", "3333333333333333333333333333333333333333333333333333333333333333.json"));
	ck_assert(!exists("endpoints", ".3333.tmp"));
	free(text);
	json_decref(ep);
	driver_free(&d);
	store_close(&s);
}
END_TEST

START_TEST(delete_removes_files)
{
	struct gn_store s;
	struct gn_driver d;
	struct gn_err e;

	ck_assert_int_eq(store_open(&s, dir, &e), 0);
	fake_driver_init(&d, &s, &fk, &cfg);
	replay_into(&d, 4);
	ck_assert(exists("endpoints", C1 ".json"));
	ck_assert_int_eq(driver_delete_network(&d, N4, &e), 0);
	ck_assert(!exists("endpoints", C1 ".json"));
	ck_assert(!exists("networks", N4 ".json"));
	driver_free(&d);
	store_close(&s);
}
END_TEST

static void boot_now(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, (int)len, f));
	fclose(f);
}

/* The file "boot" names the running kernel's boot. */
static void boot_is_now(void)
{
	char now[64], got[64], path[600];
	FILE *f;

	boot_now(now, sizeof now);
	snprintf(path, sizeof path, "%s/boot", dir);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	ck_assert_ptr_nonnull(fgets(got, sizeof got, f));
	fclose(f);
	ck_assert_str_eq(got, now);
}

#define OTHER_BOOT "0b0b0b0b-1111-2222-3333-444455556666\n"

/* Gives a file the time of one written before this boot began. */
static void age(const char *sub, const char *name)
{
	struct timespec t[2] = { { 1000000, 0 }, { 1000000, 0 } };
	char path[600];

	snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, t, 0), 0);
}

/* Opens dir as guardnetd starts on it; store_load's result. */
static int start(struct gn_store *s, struct gn_driver *d, struct gn_err *e)
{
	ck_assert_int_eq(store_open(s, dir, e), 0);
	fake_driver_init(d, s, &fk, &cfg);
	return store_load(s, &d->st, e);
}

static void stop(struct gn_store *s, struct gn_driver *d)
{
	driver_free(d);
	store_close(s);
}

/* A state of this boot: network N4 with endpoint C1. */
static void state_of_this_boot(void)
{
	struct gn_store s;
	struct gn_driver d;
	struct gn_err e;

	ck_assert_msg(start(&s, &d, &e) == 0, "%s", e.msg);
	replay_into(&d, 4);
	stop(&s, &d);
	boot_is_now();
}

/* After a reboot the endpoint files are dropped unread, a cut-short one
 * too (endpoint files are not synced); networks stay.  The same cut-short
 * file in the boot that wrote it stops the load, as every unusable file
 * does. */
START_TEST(earlier_boot_drops_endpoints_unread)
{
	struct gn_store s;
	struct gn_driver d;
	struct gn_err e;

	state_of_this_boot();
	write_file("endpoints", C1 ".json", "{\"Version\": 1, \"Network");
	write_file("endpoints", "notes.txt", "the operator's");
	ck_assert_int_eq(start(&s, &d, &e), -EINVAL);
	ck_assert_msg(strstr(e.msg, "endpoints/" C1 ".json is unusable: invalid JSON"), "%s", e.msg);
	stop(&s, &d);

	root_write(dir, "boot", OTHER_BOOT);
	age("endpoints", C1 ".json");
	ck_assert_msg(start(&s, &d, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(d.st.eps.live, 0);
	ck_assert_ptr_nonnull(state_network(&d.st, N4));
	ck_assert(!exists("endpoints", C1 ".json"));
	ck_assert(exists("endpoints", "notes.txt"));
	boot_is_now();
	stop(&s, &d);
}
END_TEST

/* The boot file names an earlier boot, but an endpoint file was written
 * since this boot began (by a guardnet that keeps no boot file, run after
 * the reboot): it is a live endpoint's, and read. */
START_TEST(file_of_this_boot_is_kept)
{
	struct gn_store s;
	struct gn_driver d;
	struct gn_err e;

	state_of_this_boot();
	root_write(dir, "boot", OTHER_BOOT);
	ck_assert_msg(start(&s, &d, &e) == 0, "%s", e.msg);
	ck_assert_ptr_nonnull(state_endpoint(&d.st, C1));
	ck_assert(exists("endpoints", C1 ".json"));
	stop(&s, &d);
}
END_TEST

/* No boot file: a first start, or a guardnet that synced every endpoint
 * file; they are read as before, old as they may be, and the boot file is
 * written.  A boot file that holds no boot ID stops the load, naming it
 * and what it holds. */
START_TEST(boot_file_absent_or_unusable)
{
	struct gn_store s;
	struct gn_driver d;
	struct gn_err e;
	char path[600];

	state_of_this_boot();
	snprintf(path, sizeof path, "%s/boot", dir);
	ck_assert_int_eq(unlink(path), 0);
	age("endpoints", C1 ".json");
	ck_assert_msg(start(&s, &d, &e) == 0, "%s", e.msg);
	ck_assert_ptr_nonnull(state_endpoint(&d.st, C1));
	boot_is_now();
	stop(&s, &d);

	root_write(dir, "boot", "yesterday\n");
	ck_assert_int_eq(start(&s, &d, &e), -EINVAL);
	snprintf(path, sizeof path, "state file %s/boot is unusable: \"yesterday\" is not a boot ID", dir);
	ck_assert_str_eq(e.msg, path);
	ck_assert(exists("endpoints", C1 ".json"));
	stop(&s, &d);
}
END_TEST

/* A state file that cannot be written fails the request; Docker's error
 * names the file, not where guardnet keeps its state. */
START_TEST(write_failure_names_no_path)
{
	json_t *all = fixture_load("docker-20.10.24-requests.jsonl");
	const char *path = json_string_value(json_object_get(json_array_get(all, 3), "path"));
	char *text = json_dumps(json_object_get(json_array_get(all, 3), "request"), JSON_COMPACT);
	struct gn_store s;
	struct gn_driver d;
	struct api_reply rep;
	struct gn_err e;

	ck_assert_int_eq(store_open(&s, dir, &e), 0);
	fake_driver_init(&d, &s, &fk, &cfg);
	replay_into(&d, 3);
	ck_assert_str_eq(path, "/NetworkDriver.CreateEndpoint");
	/* Not even root creates files in /proc. */
	close(s.epfd);
	s.epfd = open("/proc", O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(api_handle(&d, path, text, strlen(text), &rep), 0);
	ck_assert_uint_ge(rep.status, 400);
	ck_assert_ptr_nonnull(strstr(rep.body, "cannot write state file endpoints/" C1 ".json: "));
	ck_assert_msg(!strstr(rep.body, dir), "%s", rep.body);
	ck_assert_ptr_null(state_endpoint(&d.st, C1));
	free(rep.body);
	free(text);
	json_decref(all);
	driver_free(&d);
	store_close(&s);
}
END_TEST

Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("files");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, roundtrip);
	tcase_add_test(tc, swarm_ids_roundtrip);
	tcase_add_test(tc, corrupt_file_stops_the_load);
	tcase_add_test(tc, invalid_content_stops_the_load);
	tcase_add_test(tc, leftovers_are_cleaned);
	tcase_add_test(tc, delete_removes_files);
	tcase_add_test(tc, write_failure_names_no_path);
	tcase_add_test(tc, earlier_boot_drops_endpoints_unread);
	tcase_add_test(tc, file_of_this_boot_is_kept);
	tcase_add_test(tc, boot_file_absent_or_unusable);
	suite_add_tcase(s, tc);
	return s;
}
