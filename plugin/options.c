#include <errno.h>
#include <sys/socket.h>
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

/* guardnet.icc and Docker's enable_icc are the same setting: both given
 * must agree. */
static int icc_set(struct gn_net_opts *o, const char *key, const char *value, struct gn_err *err)
{
	bool v;
	int r = bool_parse(value, &v, key, err);

	if (r < 0)
		return r;
	if (o->icc_set && o->icc != v)
		return gn_errf(err, -EINVAL, "%s=%s contradicts %s given with it; give one of them", key, value,
			       !strcmp(key, GN_OPT_ICC) ? GN_DOCKER_ICC : GN_OPT_ICC);
	o->icc = v;
	o->icc_set = true;
	return 0;
}

static int bridge_set(struct gn_net_opts *o, const char *key, const char *value, struct gn_err *err)
{
	int r = ifname_validate(value, key, err);

	if (r < 0)
		return r;
	if (o->bridge_set && strcmp(o->bridge, value))
		return gn_errf(err, -EINVAL, "%s=%s contradicts the bridge name %s given with it; give one of them",
			       key, value, o->bridge);
	strcpy(o->bridge, value);
	o->bridge_set = true;
	return 0;
}

/* Docker's host_binding_ipv4 is the address -p P:C publishes on; in
 * guardnet that is guardnet.publish (which also refuses -p A:P:C for
 * another A: never more open than asked).  0.0.0.0 is Docker's default,
 * which guardnet's default covers. */
static int host_binding_set(struct gn_net_opts *o, const char *value, struct gn_err *err)
{
	struct gn_addr_list l;
	int r;

	if (!strcmp(value, "0.0.0.0"))
		return 0;
	if (o->publish_set)
		return gn_errf(err, -EINVAL, "%s=%s: give guardnet.publish alone (it sets the addresses -p "
			       "publishes on)", GN_DOCKER_HOST_BINDING, value);
	r = addr_list_parse(value, &l, GN_DOCKER_HOST_BINDING, err);
	if (r < 0)
		return r;
	if (l.n != 1 || l.v[0].family != AF_INET) {
		free(l.v);
		return gn_errf(err, -EINVAL, "%s: \"%.*s\" is not one IPv4 address", GN_DOCKER_HOST_BINDING,
			       VALUE_SHOWN, value);
	}
	o->publish = l;
	o->publish_set = true;
	return 0;
}

static int docker_bridge_opt(struct gn_net_opts *o, const char *key, const char *value, struct gn_err *err)
{
	if (!strcmp(key, GN_DOCKER_ICC))
		return icc_set(o, key, value, err);
	if (!strcmp(key, GN_DOCKER_NAME))
		return bridge_set(o, key, value, err);
	if (!strcmp(key, GN_DOCKER_HOST_BINDING))
		return host_binding_set(o, value, err);
	if (!strcmp(key, GN_DOCKER_MASQUERADE)) {
		bool v;
		int r = bool_parse(value, &v, key, err);

		/* Docker's meaning: egress leaves with the container's own
		 * address, for a host that routes the subnet. */
		if (r == 0)
			o->no_masquerade = !v;
		return r;
	}
	if (!strcmp(key, GN_DOCKER_GATEWAY_MODE4) || !strcmp(key, GN_DOCKER_GATEWAY_MODE6)) {
		if (!strcmp(value, "nat"))
			return 0;
		if (!strcmp(value, "isolated"))
			return gn_errf(err, -EINVAL, "%s=isolated: use --internal", key);
		return gn_errf(err, -EINVAL, "%s=%.*s: guardnet only publishes ports through NAT (\"nat\"), and "
			       "never lets the outside route to container addresses; publish ports with -p, and "
			       "allow sources with guardnet.allow or UFW", key, VALUE_SHOWN, value);
	}
	return gn_errf(err, -EINVAL, "%s=\"%.*s\" is an option of Docker's bridge driver that guardnet does not "
		       "have (of those, guardnet honours enable_icc, name, host_binding_ipv4, "
		       "enable_ip_masquerade and gateway_mode_ipv4/6=nat; see guardnet.* for the rest)",
		       key, VALUE_SHOWN, value);
}

int netopts_set(struct gn_net_opts *o, const char *key, const char *value, struct gn_err *err)
{
	int r;

	if (!strcmp(key, GN_OPT_MTU))
		return mtu_parse(value, &o->mtu, err);
	if (!strncmp(key, GN_DOCKER_BRIDGE, strlen(GN_DOCKER_BRIDGE)))
		return docker_bridge_opt(o, key, value, err);
	if (strncmp(key, GN_OPT_PREFIX, strlen(GN_OPT_PREFIX)))
		return 0;
	if (!strcmp(key, GN_OPT_PUBLISH)) {
		struct gn_addr_list l;

		if (o->publish_set)
			return gn_errf(err, -EINVAL, "%s: give it alone, without %s", GN_OPT_PUBLISH,
				       GN_DOCKER_HOST_BINDING);
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
		return icc_set(o, key, value, err);
	if (!strcmp(key, GN_OPT_BRIDGE))
		return bridge_set(o, key, value, err);
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
