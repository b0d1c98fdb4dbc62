/*
 * Typed reads of one field of a JSON object (json-field.c), shared by the
 * decoders of json-decode.c.  parent and key make the field's path for
 * messages ("IPv4Data[0]" and "Pool": "IPv4Data[0].Pool"); every function
 * returns 0 or -EINVAL with err naming the path, what was expected and
 * what came.  A member that is absent or null counts as absent.
 */
#ifndef GN_JSON_FIELD_H
#define GN_JSON_FIELD_H

#include <jansson.h>

#include <guardnet/types.h>

/* Room for a field's path in messages. */
#define PATH_MAX_LEN 160

/* "parent.key", or "key" when parent is "" (buf holds PATH_MAX_LEN). */
void field_path(char *buf, const char *parent, const char *key);
int field_wrong_type(const char *path, const json_t *v, const char *want, struct gn_err *err);
json_t *field_member(json_t *obj, const char *key);
/* *ret points into obj; NULL when absent and not required. */
int field_string(json_t *obj, const char *parent, const char *key, bool required, const char **ret,
		 struct gn_err *err);
int field_bool(json_t *obj, const char *parent, const char *key, bool *ret, struct gn_err *err);
int field_uint(json_t *obj, const char *parent, const char *key, json_int_t min, json_int_t max, json_int_t *ret,
	       struct gn_err *err);
int field_object(json_t *obj, const char *parent, const char *key, json_t **ret, struct gn_err *err);
int field_array(json_t *obj, const char *parent, const char *key, json_t **ret, struct gn_err *err);
/* A prefix of family (AF_UNSPEC: either); present NULL: required.  strict: host bits must be
 * clear (a pool, not a gateway). */
int field_prefix(json_t *obj, const char *parent, const char *key, int family, bool strict, struct gn_prefix *ret,
		 bool *present, struct gn_err *err);

#endif
