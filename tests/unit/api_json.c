/*
 * The api suites' side of the plugin API: requests and replies as JSON
 * values, sent through api_handle to a driver on a fake host (host.h), and
 * compared with spec/examples or the recordings of spec/fixtures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_json.h"
#include "suites.h"

json_t *api_example(const char *name)
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
json_t *api_call(struct gn_driver *d, const char *path, json_t *body, unsigned *status)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct api_reply rep;
	json_error_t je;
	json_t *v;

	ck_assert_int_eq(api_handle(d, path, text ? text : "", text ? strlen(text) : 0, &rep), 0);
	free(text);
	v = json_loads(rep.body, 0, &je);
	ck_assert_msg(v && json_is_object(v), "%s: reply is not a JSON object: %s", path, rep.body);
	free(rep.body);
	*status = rep.status;
	return v;
}

void api_ck_reply(struct gn_driver *d, const char *path, json_t *body, unsigned want_status, const char *example_name)
{
	unsigned status;
	json_t *got = api_call(d, path, body, &status), *want = api_example(example_name);
	char *g = json_dumps(got, JSON_COMPACT);

	ck_assert_msg(json_equal(got, want), "%s: got %s", path, g);
	ck_assert_uint_eq(status, want_status);
	free(g);
	json_decref(got);
	json_decref(want);
}

/* Replays a recording: every request succeeds but the line refused (0-based;
 * (size_t)-1: none), which gets 400; replies to the lines in checks are
 * compared with spec/examples. */
void api_replay_checked(struct gn_driver *d, const char *file, const struct api_expect *checks, size_t n_checks,
			size_t refused)
{
	json_t *all = fixture_load(file), *rec;
	size_t i, k = 0;

	ck_assert_ptr_nonnull(all);
	json_array_foreach(all, i, rec) {
		const char *path = json_string_value(json_object_get(rec, "path"));
		json_t *req = json_object_get(rec, "request");

		if (k < n_checks && checks[k].line == i) {
			api_ck_reply(d, path, req, 200, checks[k++].example);
		} else {
			unsigned status;
			json_t *got = api_call(d, path, req, &status);
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
	ck_assert_uint_eq(d->st.nets.live, 0);
	ck_assert_uint_eq(d->st.eps.live, 0);
}

/* Replays the first n lines of a recording, each answered 200. */
void api_replay_head(struct gn_driver *d, const char *file, size_t n)
{
	json_t *all = fixture_load(file);

	for (size_t i = 0; i < n; i++) {
		json_t *rec = json_array_get(all, i);
		unsigned status;
		json_t *got = api_call(d, json_string_value(json_object_get(rec, "path")), json_object_get(rec, "request"),
				   &status);

		ck_assert_uint_eq(status, 200);
		json_decref(got);
	}
	json_decref(all);
}

json_t *api_record(size_t line)
{
	json_t *all = fixture_load("docker-20.10.24-requests.jsonl");
	json_t *req = json_incref(json_object_get(json_array_get(all, line), "request"));

	json_decref(all);
	return req;
}

unsigned api_status(struct gn_driver *d, const char *path, json_t *req, const char *want_err)
{
	unsigned status;
	json_t *got = api_call(d, path, req, &status);

	if (want_err)
		ck_assert_str_eq(json_string_value(json_object_get(got, "Err")), want_err);
	json_decref(got);
	return status;
}
