#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "json-encode.h"
#include "options.h"

json_t *encode_error(const char *msg)
{
	return json_pack("{s:s}", "Err", msg);
}

static json_t *encode_prefix(const struct gn_prefix *p)
{
	char buf[GN_PREFIX_STRLEN];

	prefix_format(p, buf, sizeof buf);
	return json_string(buf);
}

json_t *encode_ports(const struct gn_ports *p)
{
	json_t *map = json_array(), *exp = json_array();

	for (size_t i = 0; map && i < p->n_map; i++) {
		const struct gn_port_binding *b = &p->map[i];
		char hip[GN_PREFIX_STRLEN] = "";

		if (b->has_host_ip)
			addr_format(&b->host_ip, hip, sizeof hip);
		if (json_array_append_new(map, json_pack("{s:i,s:s,s:i,s:s,s:i,s:i}", "Proto", b->proto, "IP", "",
							 "Port", b->port, "HostIP", hip, "HostPort",
							 b->host_port, "HostPortEnd", b->host_port_end)) < 0) {
			json_decref(map);
			map = NULL;
		}
	}
	for (size_t i = 0; exp && i < p->n_exposed; i++)
		if (json_array_append_new(exp, json_pack("{s:i,s:i}", "Proto", p->exposed[i].proto, "Port",
							 p->exposed[i].port)) < 0) {
			json_decref(exp);
			exp = NULL;
		}
	/* "o" steals map and exp, also when the pack fails. */
	return json_pack("{s:o,s:o}", "com.docker.network.portmap", map,
			 "com.docker.network.endpoint.exposedports", exp);
}

static json_t *encode_ipam(const struct gn_ipam_data *v, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		json_t *d = json_pack("{s:s,s:o}", "AddressSpace", v[i].address_space, "Pool",
				      encode_prefix(&v[i].pool));
		json_t *aux = json_object();

		for (size_t j = 0; d && aux && j < v[i].n_aux; j++)
			json_object_set_new(aux, v[i].aux[j].name, encode_prefix(&v[i].aux[j].addr));
		if (d && v[i].has_gateway)
			json_object_set_new(d, "Gateway", encode_prefix(&v[i].gateway));
		if (d && aux && v[i].n_aux)
			json_object_set_new(d, "AuxAddresses", json_incref(aux));
		json_decref(aux);
		if (json_array_append_new(arr, d) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* Sets key to a malloc'd string, which it frees. */
static void set_owned(json_t *obj, const char *key, char *s)
{
	if (s)
		json_object_set_new(obj, key, json_string(s));
	free(s);
}

static json_t *encode_generic(const struct gn_net_opts *o)
{
	json_t *g = json_pack("{s:s,s:s,s:s}", GN_OPT_BRIDGE, o->bridge, GN_OPT_ICC, o->icc ? "true" : "false",
			      GN_OPT_UFW, ufw_mode_name(o->ufw));

	if (!g)
		return NULL;
	set_owned(g, GN_OPT_ALLOW, prefix_list_format(&o->allow));
	if (o->publish_set)
		set_owned(g, GN_OPT_PUBLISH, addr_list_format(&o->publish));
	if (o->no_masquerade)
		json_object_set_new(g, GN_DOCKER_MASQUERADE, json_string("false"));
	if (o->mtu) {
		char mtu[16];

		snprintf(mtu, sizeof mtu, "%u", o->mtu);
		json_object_set_new(g, GN_OPT_MTU, json_string(mtu));
	}
	return g;
}

json_t *encode_network(const struct gn_network_spec *s)
{
	const struct gn_net_opts *o = &s->opts;

	return json_pack("{s:i,s:s,s:{s:b,s:b,s:b,s:o},s:o,s:o}", "Version", GN_STATE_VERSION, "NetworkID", s->id,
			 "Options", "com.docker.network.enable_ipv4", o->enable_ipv4,
			 "com.docker.network.enable_ipv6", o->enable_ipv6, "com.docker.network.internal",
			 o->internal, "com.docker.network.generic", encode_generic(o), "IPv4Data",
			 encode_ipam(s->ipv4, s->n_ipv4), "IPv6Data", encode_ipam(s->ipv6, s->n_ipv6));
}

static json_t *encode_interface(const struct gn_endpoint_spec *s)
{
	char a4[GN_PREFIX_STRLEN] = "", a6[GN_PREFIX_STRLEN] = "", mac[18] = "";

	if (s->has_addr4)
		prefix_format(&s->addr4, a4, sizeof a4);
	if (s->has_addr6)
		prefix_format(&s->addr6, a6, sizeof a6);
	if (s->has_mac)
		mac_format(s->mac, mac, sizeof mac);
	return json_pack("{s:s,s:s,s:s}", "Address", a4, "AddressIPv6", a6, "MacAddress", mac);
}

json_t *encode_endpoint(const struct gn_endpoint *ep)
{
	json_t *opts = encode_ports(&ep->spec.ports), *root;

	if (opts && ep->spec.allow.n)
		set_owned(opts, GN_OPT_ALLOW, prefix_list_format(&ep->spec.allow));
	root = json_pack("{s:i,s:s,s:s,s:o,s:o}", "Version", GN_STATE_VERSION, "NetworkID", ep->spec.net_id,
			 "EndpointID", ep->spec.id, "Interface", encode_interface(&ep->spec), "Options", opts);
	if (root && ep->joined)
		json_object_set_new(root, "Join", json_pack("{s:s}", "SandboxKey", ep->sandbox_key));
	if (root && ep->programmed) {
		json_t *p = encode_ports(&ep->published);

		if (p && ep->no_proxy_6to4)
			json_object_set_new(p, "com.docker.network.driver.private.no_proxy_6to4", json_true());
		json_object_set_new(root, "Program", json_pack("{s:o}", "Options", p));
	}
	return root;
}
