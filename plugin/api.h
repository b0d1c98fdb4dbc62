/*
 * Docker's remote network driver API: one function per path, each turning
 * a request body into structs (json-decode.c), asking the driver, and encoding
 * the reply (json-encode.c).  Knows nothing about HTTP beyond the status code.
 */
#ifndef GN_API_H
#define GN_API_H

#include <stddef.h>

#include "driver.h"

/* A country-sized guardnet.allow (100,000 entries, IPv6 ones up to 44
 * bytes each) must fit in a CreateNetwork request (issue 12, point 5). */
#define API_MAX_BODY (8 * 1024 * 1024)
#define API_CONTENT_TYPE "application/vnd.docker.plugins.v1+json"

struct api_reply {
	unsigned status;
	char *body;   /* malloc'd compact JSON object */
};

/* Answers one request.  Always fills ret (a JSON object, {"Err": ...} on
 * failure) and returns 0, or -ENOMEM when not even an error reply fits. */
int api_handle(struct gn_driver *d, const char *path, const char *body, size_t len, struct api_reply *ret);
/* An {"Err": msg} reply with the given status, for errors found before routing. */
int api_error(unsigned status, const char *msg, struct api_reply *ret);
/* True when path names an API method. */
bool api_known_path(const char *path);
/* Whether the answer to path reads the driver's state or the kernel (all
 * but the handshake: Activate and GetCapabilities). */
bool api_needs_state(const char *path);

#endif
