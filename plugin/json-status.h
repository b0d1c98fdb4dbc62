/*
 * guardnetctl status as JSON: report.c's struct, in the shape
 * spec/status.schema.json describes and guardnetctl(8) documents ("JSON
 * OUTPUT").  A change that removes or renames a field, or changes its
 * meaning, raises JSON_STATUS_SCHEMA; adding a field does not.
 */
#ifndef GN_JSON_STATUS_H
#define GN_JSON_STATUS_H

#include <jansson.h>

#include "report.h"

#define JSON_STATUS_SCHEMA 1

/* A new reference, or NULL when out of memory. */
json_t *json_status(const struct report_status *s, const char *version);

#endif
