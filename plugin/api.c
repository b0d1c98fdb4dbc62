#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "api.h"
#include "json-decode.h"
#include "json-encode.h"
#include "log.h"
#include "spec.h"

typedef int (*api_fn)(struct gn_driver *d, json_t *req, json_t **reply, struct gn_err *err);

static int h_activate(struct gn_driver *d, json_t *req, json_t **reply, struct gn_err *err)
{
	(void)d, (void)req, (void)err;
	*reply = json_pack("{s:[s]}", "Implements", "NetworkDriver");
	return 0;
}

static int h_capabilities(struct gn_driver *d, json_t *req, json_t **reply, struct gn_err *err)
{
	(void)req, (void)err;
	/* Global: Docker Swarm's manager allocates the networks and hands every
	 * node the options AllocateNetwork returns; Docker then refuses local
	 * networks on this daemon.  Connectivity stays local either way: a
	 * guardnet network is a bridge on each node, joining nothing across
	 * nodes. */
	*reply = json_pack("{s:s,s:s}", "Scope", d->scope_global ? "global" : "local", "ConnectivityScope", "local");
	return 0;
}

static int h_create_network(struct gn_driver *d, json_t *req, json_t **reply, struct gn_err *err)
{
	struct gn_network_spec spec;
	int r = decode_network(req, &spec, err);

	if (r < 0)
		return r;
	r = driver_create_network(d, &spec, err);
	netspec_clear(&spec);
	*reply = json_object();
	return r;
}

static int h_delete_network(struct gn_driver *d, json_t *req, json_t **reply, struct gn_err *err)
{
	char id[GN_ID_LEN + 1];
	int r = decode_network_id(req, id, err);

	if (r == 0)
		r = driver_delete_network(d, id, err);
	*reply = json_object();
	return r;
}

static int h_create_endpoint(struct gn_driver *d, json_t *req, json_t **reply, struct gn_err *err)
{
	struct gn_endpoint_spec spec;
	bool has_mac = false;
	uint8_t mac[6];
	char text[18];
	int r = decode_endpoint(req, &spec, err);

	if (r < 0)
		return r;
	r = driver_create_endpoint(d, &spec, &has_mac, mac, err);
	epspec_clear(&spec);
	if (r < 0)
		return r;
	/* Docker rejects any Interface field it set itself, so only the MAC,
	 * and only when it chose none. */
	if (!has_mac) {
		*reply = json_object();
		return 0;
	}
	mac_format(mac, text, sizeof text);
	*reply = json_pack("{s:{s:s}}", "Interface", "MacAddress", text);
	return 0;
}

/* The four calls that carry only the two IDs. */
static int with_ref(struct gn_driver *d, json_t *req, struct gn_err *err,
		    int (*fn)(struct gn_driver *, const struct gn_ep_ref *, struct gn_err *))
{
	struct gn_ep_ref ref;
	int r = decode_ep_ref(req, &ref, err);

	return r < 0 ? r : fn(d, &ref, err);
}

static int h_delete_endpoint(struct gn_driver *d, json_t *req, json_t **reply, struct gn_err *err)
{
	*reply = json_object();
	return with_ref(d, req, err, driver_delete_endpoint);
}

static int h_leave(struct gn_driver *d, json_t *req, json_t **reply, struct gn_err *err)
{
	*reply = json_object();
	return with_ref(d, req, err, driver_leave);
}

static int h_revoke(struct gn_driver *d, json_t *req, json_t **reply, struct gn_err *err)
{
	*reply = json_object();
	return with_ref(d, req, err, driver_revoke);
}

static int h_oper_info(struct gn_driver *d, json_t *req, json_t **reply, struct gn_err *err)
{
	struct gn_ports in_force;
	struct gn_ep_ref ref;
	int r = decode_ep_ref(req, &ref, err);

	if (r < 0)
		return r;
	/* Docker asks while inspecting containers; an endpoint guardnet does
	 * not know simply has nothing to report. */
	r = driver_oper_info(d, &ref, &in_force);
	if (r == -ENOENT) {
		*reply = json_pack("{s:{}}", "Value");
		return 0;
	}
	if (r < 0)
		return gn_errf(err, r, "endpoint %s: %s", ref.id, strerror(-r));
	*reply = json_pack("{s:o}", "Value", encode_ports(&in_force));
	ports_clear(&in_force);
	return 0;
}

static int h_join(struct gn_driver *d, json_t *req, json_t **reply, struct gn_err *err)
{
	struct gn_join_req jr;
	struct gn_join_reply out;
	char g4[GN_PREFIX_STRLEN] = "", g6[GN_PREFIX_STRLEN] = "";
	int r = decode_join(req, &jr, err);

	if (r < 0)
		return r;
	r = driver_join(d, &jr, &out, err);
	join_req_clear(&jr);
	if (r < 0)
		return r;
	/* Bare addresses: Docker parses them with net.ParseIP. */
	if (out.has_gw4)
		addr_format(&out.gw4, g4, sizeof g4);
	if (out.has_gw6)
		addr_format(&out.gw6, g6, sizeof g6);
	*reply = json_pack("{s:{s:s,s:s},s:s,s:s,s:b}", "InterfaceName", "SrcName", out.src_name, "DstPrefix", "eth",
			   "Gateway", g4, "GatewayIPv6", g6, "DisableGatewayService", 0);
	return 0;
}

static int h_program(struct gn_driver *d, json_t *req, json_t **reply, struct gn_err *err)
{
	struct gn_program_req pr;
	int r = decode_program(req, &pr, err);

	if (r < 0)
		return r;
	r = driver_program(d, &pr, err);
	program_req_clear(&pr);
	*reply = json_object();
	return r;
}

static int h_noop(struct gn_driver *d, json_t *req, json_t **reply, struct gn_err *err)
{
	(void)d, (void)req, (void)err;
	*reply = json_object();
	return 0;
}

/* A Swarm manager's: the reply's Options, and nothing else, reach every
 * node's CreateNetwork as com.docker.network.generic, so they are the
 * user's options, checked here as a node will check them.  Docker shows
 * an error only in the manager's log, hence the nodes check again. */
static int h_allocate(struct gn_driver *d, json_t *req, json_t **reply, struct gn_err *err)
{
	struct gn_network_spec spec;
	json_t *opts = json_object_get(req, "Options");
	int r = decode_allocation(req, &spec, err);

	if (r < 0)
		return r;
	r = driver_allocate_network(d, &spec, err);
	netspec_clear(&spec);
	if (r < 0)
		return r;
	/* The reply owns what it holds ("o"): a reference of its own to the
	 * request's Options, or a new empty object (leaked with "O"). */
	opts = json_is_object(opts) ? json_incref(opts) : json_object();
	*reply = opts ? json_pack("{s:o}", "Options", opts) : NULL;
	return *reply ? 0 : gn_errf(err, -ENOMEM, "out of memory");
}

static const struct route {
	const char *path;
	api_fn fn;
} routes[] = {
	{ "/Plugin.Activate", h_activate },
	{ "/NetworkDriver.GetCapabilities", h_capabilities },
	{ "/NetworkDriver.CreateNetwork", h_create_network },
	{ "/NetworkDriver.DeleteNetwork", h_delete_network },
	{ "/NetworkDriver.CreateEndpoint", h_create_endpoint },
	{ "/NetworkDriver.EndpointOperInfo", h_oper_info },
	{ "/NetworkDriver.DeleteEndpoint", h_delete_endpoint },
	{ "/NetworkDriver.Join", h_join },
	{ "/NetworkDriver.Leave", h_leave },
	{ "/NetworkDriver.ProgramExternalConnectivity", h_program },
	{ "/NetworkDriver.RevokeExternalConnectivity", h_revoke },
	/* Docker tells every driver of its own node; guardnet needs no peers. */
	{ "/NetworkDriver.DiscoverNew", h_noop },
	{ "/NetworkDriver.DiscoverDelete", h_noop },
	/* Only a global-scope driver on a Swarm manager gets these;
	 * AllocateNetwork keeps nothing, so there is nothing to free. */
	{ "/NetworkDriver.AllocateNetwork", h_allocate },
	{ "/NetworkDriver.FreeNetwork", h_noop },
};

static const struct route *find_route(const char *path)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (!strcmp(routes[i].path, path))
			return &routes[i];
	return NULL;
}

bool api_known_path(const char *path)
{
	return find_route(path) != NULL;
}

bool api_needs_state(const char *path)
{
	return strcmp(path, "/Plugin.Activate") && strcmp(path, "/NetworkDriver.GetCapabilities");
}

static unsigned status_of(int r)
{
	switch (r) {
	case 0:
		return 200;
	case -EINVAL:
	case -ENOENT:
	case -EACCES:
		return 400;
	case -EEXIST:
	case -EBUSY:
	case -EADDRINUSE:
		return 409;
	case -E2BIG:
		return 413;
	case -EOPNOTSUPP:
		return 501;
	default:
		return 500;
	}
}

static int finish(unsigned status, json_t *obj, struct api_reply *ret)
{
	ret->status = status;
	ret->body = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(obj);
	return ret->body ? 0 : -ENOMEM;
}

int api_error(unsigned status, const char *msg, struct api_reply *ret)
{
	return finish(status, encode_error(msg), ret);
}

int api_handle(struct gn_driver *d, const char *path, const char *body, size_t len, struct api_reply *ret)
{
	const struct route *rt = find_route(path);
	struct gn_err err = { "" };
	json_t *req = NULL, *reply = NULL;
	int r;

	if (!rt) {
		snprintf(err.msg, sizeof err.msg, "unknown method \"%.100s\"", path);
		return api_error(404, err.msg, ret);
	}
	if (log_verbosity() >= 2)
		log_debug("%s: request %.*s", path + 1, (int)(len > 4096 ? 4096 : len), body);
	r = decode_body(body, len, &req, &err);
	if (r == 0)
		r = rt->fn(d, req, &reply, &err);
	json_decref(req);
	if (r < 0) {
		json_decref(reply);
		log_warnx("%s: %s", path + 1, err.msg[0] ? err.msg : strerror(-r));
		return api_error(status_of(r), err.msg[0] ? err.msg : strerror(-r), ret);
	}
	log_debug("%s: ok", path + 1);
	return finish(200, reply, ret);
}
