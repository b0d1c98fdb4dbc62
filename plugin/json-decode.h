/*
 * The JSON boundary, inbound: Docker's request bodies (and guardnet's own
 * state files, which reuse the request shapes) become the plain structs of
 * <guardnet/types.h>.  Every field is checked here; on failure the functions
 * return -EINVAL and err names the field path and the bad value, e.g.
 * `IPv4Data[0].Pool: invalid CIDR "10.0.0.0/33"`.  Unknown fields are
 * ignored: Docker adds fields in new releases.
 */
#ifndef GN_JSON_DECODE_H
#define GN_JSON_DECODE_H

#include <jansson.h>

#include <guardnet/types.h>

/* Parses a request body: a JSON object, or nothing (Activate). */
int decode_body(const char *buf, size_t len, json_t **ret, struct gn_err *err);

/* A network or endpoint ID; what names it in messages. */
int decode_id(const char *s, const char *what, struct gn_err *err);
/* DeleteNetwork's body: only the NetworkID. */
int decode_network_id(json_t *root, char ret[GN_ID_LEN + 1], struct gn_err *err);
/* obj's member key, an ID as decode_id wants it, copied to ret. */
int decode_field_id(json_t *obj, const char *key, char ret[GN_ID_LEN + 1], struct gn_err *err);
int decode_network(json_t *root, struct gn_network_spec *ret, struct gn_err *err);
/* AllocateNetwork's body (a Swarm manager's), into the spec a node's
 * CreateNetwork would give. */
int decode_allocation(json_t *root, struct gn_network_spec *ret, struct gn_err *err);
int decode_endpoint(json_t *root, struct gn_endpoint_spec *ret, struct gn_err *err);
int decode_ep_ref(json_t *root, struct gn_ep_ref *ret, struct gn_err *err);
int decode_join(json_t *root, struct gn_join_req *ret, struct gn_err *err);
int decode_program(json_t *root, struct gn_program_req *ret, struct gn_err *err);
/* The port keys of an Options object; path names it in messages. */
int decode_ports(json_t *options, const char *path, struct gn_ports *ret, struct gn_err *err);

#endif
