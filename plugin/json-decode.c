#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "json-decode.h"
#include "json-field.h"
#include "log.h"
#include "options.h"
#include "spec.h"

/* Docker's keys for port data in Options (libnetwork netlabel). */
#define KEY_GENERIC  "com.docker.network.generic"
#define KEY_IPV4     "com.docker.network.enable_ipv4"
#define KEY_IPV6     "com.docker.network.enable_ipv6"
#define KEY_INTERNAL "com.docker.network.internal"

/* Docker's local IDs are 64 hex digits (stringid.GenerateRandomID);
 * swarm's network IDs are 25 base-36 characters (swarmkit identity.NewID,
 * research/swarm.md).  Nothing else passes: IDs become file and link
 * names. */
#define HEX_ID_LEN 64
#define SWARM_ID_LEN 25

int decode_id(const char *s, const char *what, struct gn_err *err)
{
	size_t n = strlen(s);

	if ((n == HEX_ID_LEN && strspn(s, "0123456789abcdef") == n) ||
	    (n == SWARM_ID_LEN && strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz") == n))
		return 0;
	return gn_errf(err, -EINVAL, "%s: invalid ID \"%.*s\" (expected 64 lowercase hex digits, or 25 lowercase "
		       "letters and digits for a swarm network)", what, HEX_ID_LEN + 8, s);
}

int decode_field_id(json_t *obj, const char *key, char ret[GN_ID_LEN + 1], struct gn_err *err)
{
	const char *s;
	int r = field_string(obj, "", key, true, &s, err);

	if (r < 0)
		return r;
	r = decode_id(s, key, err);
	if (r < 0)
		return r;
	snprintf(ret, GN_ID_LEN + 1, "%s", s);
	return 0;
}

int decode_network_id(json_t *root, char ret[GN_ID_LEN + 1], struct gn_err *err)
{
	return decode_field_id(root, "NetworkID", ret, err);
}

int decode_body(const char *buf, size_t len, json_t **ret, struct gn_err *err)
{
	json_error_t je;
	json_t *root;

	/* Activate and GetCapabilities come with no body at all. */
	if (len == 0) {
		*ret = json_object();
		return *ret ? 0 : gn_errf(err, -ENOMEM, "out of memory");
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return gn_errf(err, -EINVAL, "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
	if (!json_is_object(root)) {
		int r = field_wrong_type("request body", root, "a JSON object", err);

		json_decref(root);
		return r;
	}
	*ret = root;
	return 0;
}

static int decode_aux(json_t *aux, const char *parent, int family, struct gn_ipam_data *d, struct gn_err *err)
{
	const char *name;
	json_t *v;

	d->aux = calloc(json_object_size(aux) ? json_object_size(aux) : 1, sizeof *d->aux);
	if (!d->aux)
		return gn_errf(err, -ENOMEM, "out of memory");
	json_object_foreach(aux, name, v) {
		char path[PATH_MAX_LEN];
		struct gn_aux_addr *a = &d->aux[d->n_aux];
		int r;

		snprintf(path, sizeof path, "%s.AuxAddresses.%.32s", parent, name);
		if (!json_is_string(v))
			return field_wrong_type(path, v, "a string", err);
		r = prefix_parse(json_string_value(v), false, false, &a->addr, path, err);
		if (r < 0)
			return r;
		if (a->addr.addr.family != family)
			return gn_errf(err, -EINVAL, "%s: \"%s\" is of the wrong address family", path,
				       json_string_value(v));
		a->name = strdup(name);
		if (!a->name)
			return gn_errf(err, -ENOMEM, "out of memory");
		d->n_aux++;
	}
	return 0;
}

/* family AF_UNSPEC: pools of either family (AllocateNetwork's IPv4Data). */
static int decode_ipam(json_t *root, const char *key, int family, struct gn_ipam_data **ret, size_t *n,
		       struct gn_err *err)
{
	json_t *arr, *v;
	size_t i;
	int r = field_array(root, "", key, &arr, err);

	if (r < 0 || !arr)
		return r;
	*ret = calloc(json_array_size(arr) ? json_array_size(arr) : 1, sizeof **ret);
	if (!*ret)
		return gn_errf(err, -ENOMEM, "out of memory");
	json_array_foreach(arr, i, v) {
		struct gn_ipam_data *d = &(*ret)[i];
		char path[PATH_MAX_LEN];
		const char *space;
		json_t *aux;

		*n = i + 1;
		snprintf(path, sizeof path, "%s[%zu]", key, i);
		if (!json_is_object(v))
			return field_wrong_type(path, v, "an object", err);
		r = field_string(v, path, "AddressSpace", false, &space, err);
		if (r < 0)
			return r;
		d->address_space = strdup(space ? space : "");
		if (!d->address_space)
			return gn_errf(err, -ENOMEM, "out of memory");
		r = field_prefix(v, path, "Pool", family, true, &d->pool, NULL, err);
		if (r < 0)
			return r;
		r = field_prefix(v, path, "Gateway", family, false, &d->gateway, &d->has_gateway, err);
		if (r < 0)
			return r;
		if (d->has_gateway && !prefix_contains(&d->pool, &d->gateway.addr)) {
			char g[GN_PREFIX_STRLEN], p[GN_PREFIX_STRLEN];

			prefix_format(&d->gateway, g, sizeof g);
			prefix_format(&d->pool, p, sizeof p);
			return gn_errf(err, -EINVAL, "%s.Gateway: %s is outside the pool %s", path, g, p);
		}
		/* The bridge holds the gateway with this length: its connected
		 * route is what the source check of the network's containers
		 * accepts (fw-nft-guard.c), and must be the pool's. */
		if (d->has_gateway && d->gateway.len != d->pool.len) {
			char g[GN_PREFIX_STRLEN], p[GN_PREFIX_STRLEN];

			prefix_format(&d->gateway, g, sizeof g);
			prefix_format(&d->pool, p, sizeof p);
			return gn_errf(err, -EINVAL, "%s.Gateway: %s has another prefix length than the pool %s", path, g,
				       p);
		}
		r = field_object(v, path, "AuxAddresses", &aux, err);
		if (r < 0)
			return r;
		if (aux) {
			r = decode_aux(aux, path, d->pool.addr.family, d, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* A map of option strings; parent names it in messages. */
static int decode_generic(json_t *generic, const char *parent, struct gn_net_opts *o, struct gn_err *err)
{
	const char *key;
	json_t *v;
	int r;

	json_object_foreach(generic, key, v) {
		char path[PATH_MAX_LEN];

		snprintf(path, sizeof path, "%s.%.64s", parent, key);
		if (!json_is_string(v))
			return field_wrong_type(path, v, "a string", err);
		r = netopts_set(o, key, json_string_value(v), err);
		if (r < 0)
			return r;
	}
	return 0;
}

int decode_network(json_t *root, struct gn_network_spec *ret, struct gn_err *err)
{
	struct gn_network_spec s = { 0 };
	json_t *opts, *generic;
	int r;

	netopts_init(&s.opts);
	r = decode_field_id(root, "NetworkID", s.id, err);
	if (r < 0)
		goto fail;
	r = field_object(root, "", "Options", &opts, err);
	if (r < 0)
		goto fail;
	if (opts) {
		if ((r = field_bool(opts, "Options", KEY_IPV4, &s.opts.enable_ipv4, err)) < 0 ||
		    (r = field_bool(opts, "Options", KEY_IPV6, &s.opts.enable_ipv6, err)) < 0 ||
		    (r = field_bool(opts, "Options", KEY_INTERNAL, &s.opts.internal, err)) < 0 ||
		    (r = field_object(opts, "Options", KEY_GENERIC, &generic, err)) < 0)
			goto fail;
		if (generic && (r = decode_generic(generic, "Options." KEY_GENERIC, &s.opts, err)) < 0)
			goto fail;
	}
	r = decode_ipam(root, "IPv4Data", AF_INET, &s.ipv4, &s.n_ipv4, err);
	if (r < 0)
		goto fail;
	r = decode_ipam(root, "IPv6Data", AF_INET6, &s.ipv6, &s.n_ipv6, err);
	if (r < 0)
		goto fail;
	r = netopts_finish(&s.opts, err);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	netspec_clear(&s);
	return r;
}

/* Takes over all[]: IPv4 pools become s->ipv4, IPv6 ones join s->ipv6. */
static int split_families(struct gn_ipam_data *all, size_t n, struct gn_network_spec *s, struct gn_err *err)
{
	struct gn_ipam_data *v6;
	size_t n6 = 0;

	for (size_t i = 0; i < n; i++)
		n6 += all[i].pool.addr.family == AF_INET6;
	v6 = n6 ? realloc(s->ipv6, (s->n_ipv6 + n6) * sizeof *v6) : s->ipv6;
	if (n6 && !v6) {
		ipam_clear(all, n);
		return gn_errf(err, -ENOMEM, "out of memory");
	}
	s->ipv6 = v6;
	s->ipv4 = all;
	s->n_ipv4 = 0;
	for (size_t i = 0; i < n; i++) {
		if (all[i].pool.addr.family == AF_INET6)
			s->ipv6[s->n_ipv6++] = all[i];
		else
			all[s->n_ipv4++] = all[i];
	}
	return 0;
}

/* AllocateNetwork's Options are the flat -o map (no
 * com.docker.network.generic), and its IPv4Data holds the IPv6 pools too
 * (spec/plugin-protocol.md, "The global-scope sequence"). */
int decode_allocation(json_t *root, struct gn_network_spec *ret, struct gn_err *err)
{
	struct gn_network_spec s = { 0 };
	struct gn_ipam_data *all = NULL;
	size_t n_all = 0;
	json_t *opts;
	int r;

	netopts_init(&s.opts);
	if ((r = decode_field_id(root, "NetworkID", s.id, err)) < 0 ||
	    (r = field_object(root, "", "Options", &opts, err)) < 0 ||
	    (opts && (r = decode_generic(opts, "Options", &s.opts, err)) < 0) ||
	    (r = decode_ipam(root, "IPv4Data", AF_UNSPEC, &all, &n_all, err)) < 0 ||
	    (r = decode_ipam(root, "IPv6Data", AF_INET6, &s.ipv6, &s.n_ipv6, err)) < 0)
		goto fail;
	r = split_families(all, n_all, &s, err);
	all = NULL;
	n_all = 0;
	if (r < 0)
		goto fail;
	s.opts.enable_ipv6 = s.n_ipv6 > 0;
	r = netopts_finish(&s.opts, err);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	ipam_clear(all, n_all);
	netspec_clear(&s);
	return r;
}
