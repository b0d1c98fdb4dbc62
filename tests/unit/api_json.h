/*
 * The api suites' calls (api_json.c): Docker's requests as JSON values
 * through api_handle, replies parsed back, recordings replayed.
 */
#ifndef GN_UNIT_API_JSON_H
#define GN_UNIT_API_JSON_H

#include <jansson.h>

#include "driver.h"

/* spec/examples/NAME, parsed. */
json_t *api_example(const char *name);
/* Sends body (a JSON value or NULL for none) to path; the parsed reply. */
json_t *api_call(struct gn_driver *d, const char *path, json_t *body, unsigned *status);
/* The reply to body is spec/examples' example_name, with want_status. */
void api_ck_reply(struct gn_driver *d, const char *path, json_t *body, unsigned want_status, const char *example_name);
/* The status of one call, its Err checked against want_err unless NULL. */
unsigned api_status(struct gn_driver *d, const char *path, json_t *req, const char *want_err);

/* A reply of a recording compared with spec/examples. */
struct api_expect {
	size_t line;
	const char *example;
};

/* Replays a recording: every request succeeds but the line refused (0-based;
 * (size_t)-1: none), which gets 400; replies to the lines in checks are
 * compared with spec/examples.  Every recording ends with its networks
 * removed. */
void api_replay_checked(struct gn_driver *d, const char *file, const struct api_expect *checks, size_t n_checks,
			size_t refused);
/* Replays the first n lines of a recording, each answered 200. */
void api_replay_head(struct gn_driver *d, const char *file, size_t n);
/* The request of line (0-based) of Docker 20.10's recording. */
json_t *api_record(size_t line);

#endif
