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
#define KEY_PORTMAP  "com.docker.network.portmap"
#define KEY_EXPOSED  "com.docker.network.endpoint.exposedports"
#define KEY_GENERIC  "com.docker.network.generic"
#define KEY_IPV4     "com.docker.network.enable_ipv4"
#define KEY_IFNAME   "com.docker.network.endpoint.ifname"
#define KEY_IPV6     "com.docker.network.enable_ipv6"
#define KEY_INTERNAL "com.docker.network.internal"
#define KEY_NO_6TO4  "com.docker.network.driver.private.no_proxy_6to4"

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

static int get_id(json_t *obj, const char *key, char ret[GN_ID_LEN + 1], struct gn_err *err)
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
	return get_id(root, "NetworkID", ret, err);
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
	r = get_id(root, "NetworkID", s.id, err);
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
	if ((r = get_id(root, "NetworkID", s.id, err)) < 0 ||
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

static int decode_proto(json_t *v, const char *path, uint8_t *ret, struct gn_err *err)
{
	json_int_t x;
	int r = field_uint(v, path, "Proto", 0, 255, &x, err);

	if (r < 0)
		return r;
	if (x != GN_PROTO_TCP && x != GN_PROTO_UDP && x != GN_PROTO_SCTP)
		return gn_errf(err, -EINVAL, "%s.Proto: unsupported protocol %" JSON_INTEGER_FORMAT
			       " (expected 6 tcp, 17 udp or 132 sctp)", path, x);
	*ret = (uint8_t)x;
	return 0;
}

static int decode_binding(json_t *v, const char *path, struct gn_port_binding *b, struct gn_err *err)
{
	json_int_t port, hp, hpe;
	const char *hip;
	int r;

	if (!json_is_object(v))
		return field_wrong_type(path, v, "an object", err);
	if ((r = decode_proto(v, path, &b->proto, err)) < 0 ||
	    (r = field_uint(v, path, "Port", 1, 65535, &port, err)) < 0 ||
	    (r = field_uint(v, path, "HostPort", 0, 65535, &hp, err)) < 0 ||
	    (r = field_string(v, path, "HostIP", false, &hip, err)) < 0)
		return r;
	/* Go's zero value: a binding built without HostPortEnd means one port. */
	if (field_member(v, "HostPortEnd")) {
		if ((r = field_uint(v, path, "HostPortEnd", 0, 65535, &hpe, err)) < 0)
			return r;
	} else {
		hpe = 0;
	}
	if (hpe == 0)
		hpe = hp;
	if (hpe < hp)
		return gn_errf(err, -EINVAL, "%s.HostPortEnd: %" JSON_INTEGER_FORMAT " is below HostPort %"
			       JSON_INTEGER_FORMAT, path, hpe, hp);
	if (hp == 0 && hpe != 0)
		return gn_errf(err, -EINVAL, "%s.HostPortEnd: %" JSON_INTEGER_FORMAT " with HostPort 0", path, hpe);
	b->port = (uint16_t)port;
	b->host_port = (uint16_t)hp;
	b->host_port_end = (uint16_t)hpe;
	b->has_host_ip = hip && *hip;
	if (b->has_host_ip) {
		char p[PATH_MAX_LEN];

		field_path(p, path, "HostIP");
		return addr_parse(hip, &b->host_ip, p, err);
	}
	return 0;
}

int decode_ports(json_t *options, const char *parent, struct gn_ports *ret, struct gn_err *err)
{
	struct gn_ports p = { 0 };
	json_t *map, *exp, *v;
	size_t i;
	int r;

	if ((r = field_array(options, parent, KEY_PORTMAP, &map, err)) < 0 ||
	    (r = field_array(options, parent, KEY_EXPOSED, &exp, err)) < 0)
		return r;
	if (map && json_array_size(map)) {
		p.map = calloc(json_array_size(map), sizeof *p.map);
		if (!p.map)
			return gn_errf(err, -ENOMEM, "out of memory");
		json_array_foreach(map, i, v) {
			char path[PATH_MAX_LEN];

			snprintf(path, sizeof path, "%s.%s[%zu]", parent, KEY_PORTMAP, i);
			r = decode_binding(v, path, &p.map[i], err);
			if (r < 0)
				goto fail;
			p.n_map++;
		}
	}
	if (exp && json_array_size(exp)) {
		p.exposed = calloc(json_array_size(exp), sizeof *p.exposed);
		if (!p.exposed) {
			r = gn_errf(err, -ENOMEM, "out of memory");
			goto fail;
		}
		json_array_foreach(exp, i, v) {
			char path[PATH_MAX_LEN];
			json_int_t port;

			snprintf(path, sizeof path, "%s.%s[%zu]", parent, KEY_EXPOSED, i);
			if (!json_is_object(v)) {
				r = field_wrong_type(path, v, "an object", err);
				goto fail;
			}
			if ((r = decode_proto(v, path, &p.exposed[i].proto, err)) < 0 ||
			    (r = field_uint(v, path, "Port", 1, 65535, &port, err)) < 0)
				goto fail;
			p.exposed[i].port = (uint16_t)port;
			p.n_exposed++;
		}
	}
	*ret = p;
	return 0;
fail:
	ports_clear(&p);
	return r;
}

static int decode_interface(json_t *root, struct gn_endpoint_spec *s, struct gn_err *err)
{
	const char *mac;
	json_t *ifc;
	int r = field_object(root, "", "Interface", &ifc, err);

	if (r < 0 || !ifc)
		return r;
	if ((r = field_prefix(ifc, "Interface", "Address", AF_INET, false, &s->addr4, &s->has_addr4, err)) < 0 ||
	    (r = field_prefix(ifc, "Interface", "AddressIPv6", AF_INET6, false, &s->addr6, &s->has_addr6, err)) < 0 ||
	    (r = field_string(ifc, "Interface", "MacAddress", false, &mac, err)) < 0)
		return r;
	s->has_mac = mac && *mac;
	if (s->has_mac)
		return mac_parse(mac, s->mac, "Interface.MacAddress", err);
	return 0;
}

/* Endpoint driver options arrive as flat top-level keys of Options. */
static int decode_ep_opts(json_t *opts, struct gn_endpoint_spec *s, struct gn_err *err)
{
	const char *key;
	json_t *v;
	int r;

	json_object_foreach(opts, key, v) {
		char path[PATH_MAX_LEN];

		snprintf(path, sizeof path, "Options.%.64s", key);
		/* Docker 28 passes the name on but takes from a remote driver only
		 * a prefix, to which it appends a number (plugin-protocol.md,
		 * "Docker 28"): refused rather than accepted and ignored. */
		if (!strcmp(key, KEY_IFNAME)) {
			if (!json_is_string(v))
				return field_wrong_type(path, v, "a string", err);
			return gn_errf(err, -EINVAL, "%s: \"%.32s\": guardnet cannot give the container's interface "
				       "a name (Docker names a remote driver's interfaces eth0, eth1, ...); leave the "
				       "option out", path, json_string_value(v));
		}
		if (strncmp(key, GN_OPT_PREFIX, strlen(GN_OPT_PREFIX)))
			continue;
		if (!json_is_string(v))
			return field_wrong_type(path, v, "a string", err);
		r = epopts_set(s, key, json_string_value(v), err);
		if (r < 0)
			return r;
	}
	return 0;
}

int decode_endpoint(json_t *root, struct gn_endpoint_spec *ret, struct gn_err *err)
{
	struct gn_endpoint_spec s = { 0 };
	json_t *opts;
	int r;

	if ((r = get_id(root, "NetworkID", s.net_id, err)) < 0 ||
	    (r = get_id(root, "EndpointID", s.id, err)) < 0 ||
	    (r = decode_interface(root, &s, err)) < 0 ||
	    (r = field_object(root, "", "Options", &opts, err)) < 0)
		goto fail;
	if (opts) {
		if ((r = decode_ports(opts, "Options", &s.ports, err)) < 0 ||
		    (r = decode_ep_opts(opts, &s, err)) < 0)
			goto fail;
	}
	*ret = s;
	return 0;
fail:
	epspec_clear(&s);
	return r;
}

int decode_ep_ref(json_t *root, struct gn_ep_ref *ret, struct gn_err *err)
{
	int r = get_id(root, "NetworkID", ret->net_id, err);

	return r < 0 ? r : get_id(root, "EndpointID", ret->id, err);
}

int decode_join(json_t *root, struct gn_join_req *ret, struct gn_err *err)
{
	struct gn_join_req j = { 0 };
	const char *key;
	json_t *opts;
	int r;

	if ((r = decode_ep_ref(root, &j.ref, err)) < 0 ||
	    (r = field_string(root, "", "SandboxKey", false, &key, err)) < 0 ||
	    (r = field_object(root, "", "Options", &opts, err)) < 0)
		return r;
	if (opts && (r = decode_ports(opts, "Options", &j.ports, err)) < 0)
		return r;
	j.sandbox_key = strdup(key ? key : "");
	if (!j.sandbox_key) {
		ports_clear(&j.ports);
		return gn_errf(err, -ENOMEM, "out of memory");
	}
	*ret = j;
	return 0;
}

int decode_program(json_t *root, struct gn_program_req *ret, struct gn_err *err)
{
	struct gn_program_req p = { 0 };
	json_t *opts;
	int r;

	if ((r = decode_ep_ref(root, &p.ref, err)) < 0 ||
	    (r = field_object(root, "", "Options", &opts, err)) < 0)
		return r;
	if (opts) {
		if ((r = field_bool(opts, "Options", KEY_NO_6TO4, &p.no_proxy_6to4, err)) < 0 ||
		    (r = decode_ports(opts, "Options", &p.ports, err)) < 0)
			return r;
	}
	*ret = p;
	return 0;
}
