#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "suites.h"

json_t *fixture_load(const char *name)
{
	char path[512], line[65536];
	json_t *arr = json_array();
	FILE *f;

	snprintf(path, sizeof path, "%s/fixtures/%s", SPEC_DIR, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	while (fgets(line, sizeof line, f)) {
		json_error_t je;
		json_t *v = json_loads(line, 0, &je);

		if (!v) {
			fclose(f);
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, v);
	}
	fclose(f);
	return arr;
}

void ck_prefix(const struct gn_prefix *p, const char *want)
{
	char buf[GN_PREFIX_STRLEN];

	prefix_format(p, buf, sizeof buf);
	ck_assert_str_eq(buf, want);
}

char *tmpdir_make(void)
{
	char tmpl[] = "/tmp/gn-unit-XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? strdup(d) : NULL;
}

char *ufw_root_make(void)
{
	static const char *const dirs[] = { "etc", "etc/ufw", "etc/default" };
	char *root = tmpdir_make(), path[600];

	ck_assert_ptr_nonnull(root);
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	return root;
}

void root_write(const char *root, const char *rel, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

void tmpdir_remove(char *dir)
{
	char cmd[600];

	if (!dir)
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(dir);
}

int main(void)
{
	SRunner *sr;
	int failed;

	log_init(getenv("GN_TEST_LOG") ? 1 : -1);
	sr = srunner_create(addr_suite());
	srunner_add_suite(sr, options_suite());
	srunner_add_suite(sr, decode_suite());
	srunner_add_suite(sr, api_suite());
	srunner_add_suite(sr, api_swarm_suite());
	srunner_add_suite(sr, api_oper_suite());
	srunner_add_suite(sr, store_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, http_suite());
	srunner_add_suite(sr, publish_suite());
	srunner_add_suite(sr, ufw_suite());
	srunner_add_suite(sr, explain_suite());
	srunner_add_suite(sr, sweep_suite());
	srunner_add_suite(sr, names_suite());
	srunner_add_suite(sr, plan_suite());
	srunner_add_suite(sr, driver_suite());
	srunner_add_suite(sr, driver_relay_suite());
	srunner_add_suite(sr, report_suite());
	srunner_add_suite(sr, admit_suite());
	srunner_add_suite(sr, fw_nft_suite());
	srunner_add_suite(sr, fw_nft_delta_suite());
	srunner_add_suite(sr, fw_nft_nest_suite());
	srunner_add_suite(sr, iptc_suite());
	srunner_add_suite(sr, nl_suite());
	srunner_add_suite(sr, nl_reply_suite());
	srunner_add_suite(sr, nl_watch_suite());
	srunner_add_suite(sr, relay_suite());
	srunner_add_suite(sr, relayindex_suite());
	srunner_add_suite(sr, ctl_fw_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	/* A filter that matched nothing must not pass as a green run. */
	if (srunner_ntests_run(sr) == 0) {
		fprintf(stderr, "no unit test ran\n");
		failed = 1;
	}
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
