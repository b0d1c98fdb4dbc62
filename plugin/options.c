#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "options.h"

/* Option values go into error messages; long ones (allowlists) are cut. */
#define VALUE_SHOWN 80

void netopts_init(struct gn_net_opts *o)
{
	memset(o, 0, sizeof *o);
	o->enable_ipv4 = true;
	o->icc = true;
	o->ufw = GN_UFW_AUTO;
}

void netopts_clear(struct gn_net_opts *o)
{
	free(o->publish.v);
	free(o->allow.v);
	netopts_init(o);
}

int bool_parse(const char *s, bool *ret, const char *what, struct gn_err *err)
{
	if (!strcmp(s, "true")) {
		*ret = true;
		return 0;
	}
	if (!strcmp(s, "false")) {
		*ret = false;
		return 0;
	}
	return gn_errf(err, -EINVAL, "%s: invalid value \"%.*s\" (expected true or false)", what, VALUE_SHOWN, s);
}

const char *ufw_mode_name(enum gn_ufw_mode m)
{
	switch (m) {
	case GN_UFW_ON:
		return "on";
	case GN_UFW_OFF:
		return "off";
	default:
		return "auto";
	}
}

static int ufw_parse(const char *s, enum gn_ufw_mode *ret, struct gn_err *err)
{
	for (enum gn_ufw_mode m = GN_UFW_AUTO; m <= GN_UFW_OFF; m++)
		if (!strcmp(s, ufw_mode_name(m))) {
			*ret = m;
			return 0;
		}
	return gn_errf(err, -EINVAL, "%s: invalid value \"%.*s\" (expected auto, on or off)",
		       GN_OPT_UFW, VALUE_SHOWN, s);
}

static int mtu_parse(const char *s, unsigned *ret, struct gn_err *err)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *s == '-' || *s == '+' || *end || errno || v < GN_MTU_MIN4 || v > GN_MTU_MAX)
		return gn_errf(err, -EINVAL, "%s: invalid MTU \"%.*s\" (expected %d-%d)",
			       GN_OPT_MTU, VALUE_SHOWN, s, GN_MTU_MIN4, GN_MTU_MAX);
	*ret = (unsigned)v;
	return 0;
}

static int unknown_key(const char *key, const char *value, const char *known, struct gn_err *err)
{
	return gn_errf(err, -EINVAL, "unknown option %.64s=\"%.*s\" (guardnet knows %s)",
		       key, VALUE_SHOWN, value, known);
}

int netopts_set(struct gn_net_opts *o, const char *key, const char *value, struct gn_err *err)
{
	int r;

	if (!strcmp(key, GN_OPT_MTU))
		return mtu_parse(value, &o->mtu, err);
	if (strncmp(key, GN_OPT_PREFIX, strlen(GN_OPT_PREFIX)))
		return 0;
	if (!strcmp(key, GN_OPT_PUBLISH)) {
		struct gn_addr_list l;

		r = addr_list_parse(value, &l, GN_OPT_PUBLISH, err);
		if (r < 0)
			return r;
		free(o->publish.v);
		o->publish = l;
		o->publish_set = true;
		return 0;
	}
	if (!strcmp(key, GN_OPT_ALLOW)) {
		struct gn_prefix_list l;

		r = prefix_list_parse(value, &l, GN_OPT_ALLOW, err);
		if (r < 0)
			return r;
		free(o->allow.v);
		o->allow = l;
		return 0;
	}
	if (!strcmp(key, GN_OPT_UFW))
		return ufw_parse(value, &o->ufw, err);
	if (!strcmp(key, GN_OPT_ICC))
		return bool_parse(value, &o->icc, GN_OPT_ICC, err);
	if (!strcmp(key, GN_OPT_BRIDGE)) {
		r = ifname_validate(value, GN_OPT_BRIDGE, err);
		if (r < 0)
			return r;
		strcpy(o->bridge, value);
		o->bridge_set = true;
		return 0;
	}
	return unknown_key(key, value, GN_OPT_PUBLISH ", " GN_OPT_ALLOW ", " GN_OPT_UFW ", "
			   GN_OPT_ICC " and " GN_OPT_BRIDGE, err);
}

int netopts_finish(const struct gn_net_opts *o, struct gn_err *err)
{
	if (o->enable_ipv6 && o->mtu && o->mtu < GN_MTU_MIN6)
		return gn_errf(err, -EINVAL, "%s: MTU %u is below %d, the minimum for an IPv6 network",
			       GN_OPT_MTU, o->mtu, GN_MTU_MIN6);
	if (o->internal && o->publish_set && o->publish.n)
		return gn_errf(err, -EINVAL, "%s: an internal network publishes nothing; remove the option "
			       "or --internal", GN_OPT_PUBLISH);
	return 0;
}

int epopts_set(struct gn_endpoint_spec *ep, const char *key, const char *value, struct gn_err *err)
{
	struct gn_prefix_list l;
	int r;

	if (strncmp(key, GN_OPT_PREFIX, strlen(GN_OPT_PREFIX)))
		return 0;
	if (strcmp(key, GN_OPT_ALLOW))
		return unknown_key(key, value, GN_OPT_ALLOW " on endpoints", err);
	r = prefix_list_parse(value, &l, GN_OPT_ALLOW, err);
	if (r < 0)
		return r;
	free(ep->allow.v);
	ep->allow = l;
	return 0;
}
