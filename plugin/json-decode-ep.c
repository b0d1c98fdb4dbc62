/*
 * The endpoint's requests at the JSON boundary: CreateEndpoint (its
 * interface, options and port bindings), Join, ProgramExternalConnectivity
 * and the plain endpoint references; the network's are json-decode.c's.
 */
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

/* Docker's keys in an endpoint's Options (libnetwork netlabel). */
#define KEY_PORTMAP  "com.docker.network.portmap"
#define KEY_EXPOSED  "com.docker.network.endpoint.exposedports"
#define KEY_IFNAME   "com.docker.network.endpoint.ifname"
#define KEY_NO_6TO4  "com.docker.network.driver.private.no_proxy_6to4"

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

	if ((r = decode_field_id(root, "NetworkID", s.net_id, err)) < 0 ||
	    (r = decode_field_id(root, "EndpointID", s.id, err)) < 0 ||
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
	int r = decode_field_id(root, "NetworkID", ret->net_id, err);

	return r < 0 ? r : decode_field_id(root, "EndpointID", ret->id, err);
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
