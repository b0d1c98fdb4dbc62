/*
 * Typed reads of one field of a JSON object, for json-decode.c: each
 * checks the type and names the field's path in its error, e.g.
 * `IPv4Data[0].Pool: expected a string, got an integer`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "json-field.h"
#include "log.h"

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

void field_path(char *buf, const char *parent, const char *key)
{
	snprintf(buf, PATH_MAX_LEN, "%s%s%s", parent, *parent ? "." : "", key);
}

int field_wrong_type(const char *path, const json_t *v, const char *want, struct gn_err *err)
{
	return gn_errf(err, -EINVAL, "%s: expected %s, got %s", path, want, type_name(v));
}

json_t *field_member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

int field_string(json_t *obj, const char *parent, const char *key, bool required, const char **ret,
		 struct gn_err *err)
{
	char path[PATH_MAX_LEN];
	json_t *v = field_member(obj, key);

	field_path(path, parent, key);
	if (!v) {
		if (required)
			return gn_errf(err, -EINVAL, "%s: missing", path);
		*ret = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return field_wrong_type(path, v, "a string", err);
	*ret = json_string_value(v);
	return 0;
}

int field_bool(json_t *obj, const char *parent, const char *key, bool *ret, struct gn_err *err)
{
	char path[PATH_MAX_LEN];
	json_t *v = field_member(obj, key);

	if (!v)
		return 0;
	field_path(path, parent, key);
	if (!json_is_boolean(v))
		return field_wrong_type(path, v, "a boolean", err);
	*ret = json_is_true(v);
	return 0;
}

int field_uint(json_t *obj, const char *parent, const char *key, json_int_t min, json_int_t max, json_int_t *ret,
	       struct gn_err *err)
{
	char path[PATH_MAX_LEN];
	json_t *v = field_member(obj, key);

	field_path(path, parent, key);
	if (!v)
		return gn_errf(err, -EINVAL, "%s: missing", path);
	if (!json_is_integer(v))
		return field_wrong_type(path, v, "an integer", err);
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return gn_errf(err, -EINVAL, "%s: %" JSON_INTEGER_FORMAT " out of range %" JSON_INTEGER_FORMAT
			       "-%" JSON_INTEGER_FORMAT, path, json_integer_value(v), min, max);
	*ret = json_integer_value(v);
	return 0;
}

/* An optional object member; null counts as absent. */
int field_object(json_t *obj, const char *parent, const char *key, json_t **ret, struct gn_err *err)
{
	char path[PATH_MAX_LEN];
	json_t *v = field_member(obj, key);

	*ret = NULL;
	if (!v)
		return 0;
	field_path(path, parent, key);
	if (!json_is_object(v))
		return field_wrong_type(path, v, "an object", err);
	*ret = v;
	return 0;
}

int field_array(json_t *obj, const char *parent, const char *key, json_t **ret, struct gn_err *err)
{
	char path[PATH_MAX_LEN];
	json_t *v = field_member(obj, key);

	*ret = NULL;
	if (!v)
		return 0;
	field_path(path, parent, key);
	if (!json_is_array(v))
		return field_wrong_type(path, v, "an array", err);
	*ret = v;
	return 0;
}

int field_prefix(json_t *obj, const char *parent, const char *key, int family, bool strict, struct gn_prefix *ret,
		 bool *present, struct gn_err *err)
{
	char path[PATH_MAX_LEN];
	const char *s;
	int r = field_string(obj, parent, key, !present, &s, err);

	if (r < 0)
		return r;
	if (present)
		*present = s && *s;
	if (!s || !*s) {
		if (!present)
			return gn_errf(err, -EINVAL, "%s.%s: empty", parent, key);
		return 0;
	}
	field_path(path, parent, key);
	r = prefix_parse(s, false, strict, ret, path, err);
	if (r < 0)
		return r;
	if (family != AF_UNSPEC && ret->addr.family != family)
		return gn_errf(err, -EINVAL, "%s: \"%s\" is not an %s prefix", path, s,
			       family == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

