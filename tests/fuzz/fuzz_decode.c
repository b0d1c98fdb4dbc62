/*
 * A request body through every decoder of json-decode.c: each request type
 * Docker sends (a Swarm manager's AllocateNetwork too), and the port
 * options on their own.  What decodes must also survive the trip through a
 * state file: json-encode.c's output for a network or endpoint is what
 * store.c reads back at the next start, so it must decode again to the same
 * thing (else guardnetd refuses to start).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-decode.h"
#include "json-encode.h"
#include "fuzz.h"
#include "log.h"
#include "spec.h"
#include "state.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	log_init(-1);
	return 0;
}

/* encode(decoded) read back must decode and encode to the same JSON. */
static void same_after_reload(json_t *saved, json_t *(*reload)(json_t *text_root, struct gn_err *err),
			      const char *what)
{
	char *text = json_dumps(saved, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_t *root = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL, *again;
	struct gn_err err = { "" };

	if (!text || !root) {
		fprintf(stderr, "%s: state text does not parse:\n%s\n", what, text ? text : "(null)");
		abort();
	}
	again = reload(root, &err);
	if (!again || !json_equal(saved, again)) {
		fprintf(stderr, "%s: state does not load back (%s):\n%s\n", what, err.msg, text);
		abort();
	}
	json_decref(again);
	json_decref(root);
	free(text);
}

static json_t *reload_network(json_t *root, struct gn_err *err)
{
	struct gn_network_spec s;
	json_t *v;

	if (decode_network(root, &s, err) < 0)
		return NULL;
	v = encode_network(&s);
	netspec_clear(&s);
	return v;
}

static json_t *endpoint_json(const struct gn_endpoint_spec *s)
{
	struct gn_endpoint ep = { .spec = *s };

	return encode_endpoint(&ep);
}

static json_t *reload_endpoint(json_t *root, struct gn_err *err)
{
	struct gn_endpoint_spec s;
	json_t *v;

	if (decode_endpoint(root, &s, err) < 0)
		return NULL;
	v = endpoint_json(&s);
	epspec_clear(&s);
	return v;
}

static json_t *reload_ports(json_t *root, struct gn_err *err)
{
	struct gn_ports p;
	json_t *v;

	if (decode_ports(root, "Options", &p, err) < 0)
		return NULL;
	v = encode_ports(&p);
	ports_clear(&p);
	return v;
}

static void networks(json_t *req)
{
	struct gn_network_spec s;
	struct gn_err err;
	json_t *saved;

	if (decode_network(req, &s, &err) < 0)
		return;
	/* driver_create_network names the bridge before anything is saved. */
	if (!s.opts.bridge[0])
		strcpy(s.opts.bridge, "gn-fuzz");
	saved = encode_network(&s);
	netspec_clear(&s);
	same_after_reload(saved, reload_network, "network");
	json_decref(saved);
}

static void endpoints(json_t *req)
{
	struct gn_endpoint_spec s;
	struct gn_err err;
	json_t *saved;

	if (decode_endpoint(req, &s, &err) < 0)
		return;
	saved = endpoint_json(&s);
	same_after_reload(saved, reload_endpoint, "endpoint");
	json_decref(saved);
	/* A programmed endpoint's ports are saved alone under Program.Options. */
	saved = encode_ports(&s.ports);
	same_after_reload(saved, reload_ports, "published ports");
	json_decref(saved);
	epspec_clear(&s);
}

static void the_rest(json_t *req)
{
	struct gn_join_req j;
	struct gn_network_spec alloc;
	struct gn_program_req p;
	struct gn_ep_ref ref;
	struct gn_ports ports;
	struct gn_err err;
	json_t *opts = json_object_get(req, "Options");

	if (decode_join(req, &j, &err) == 0)
		join_req_clear(&j);
	if (decode_allocation(req, &alloc, &err) == 0)
		netspec_clear(&alloc);
	if (decode_program(req, &p, &err) == 0)
		program_req_clear(&p);
	decode_ep_ref(req, &ref, &err);
	if (json_is_object(opts) && decode_ports(opts, "Options", &ports, &err) == 0)
		ports_clear(&ports);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gn_err err;
	json_t *req;

	if (decode_body((const char *)data, size, &req, &err) < 0)
		return 0;
	networks(req);
	endpoints(req);
	the_rest(req);
	json_decref(req);
	return 0;
}
