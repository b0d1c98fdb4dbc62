/*
 * The JSON boundary, outbound: replies to Docker and guardnet's state
 * files.  State files use the request shapes (CreateNetwork and
 * CreateEndpoint bodies) so that json-decode.c validates them on load with the
 * same code that validates Docker's requests.
 * Every function returns a new reference, or NULL when out of memory.
 */
#ifndef GN_JSON_ENCODE_H
#define GN_JSON_ENCODE_H

#include <jansson.h>

#include <guardnet/types.h>

#include "state.h"

/* State files carry this version; a file from a newer guardnet is refused. */
#define GN_STATE_VERSION 1

json_t *encode_error(const char *msg);
/* {"com.docker.network.portmap": [...], "com.docker.network.endpoint.exposedports": [...]} */
json_t *encode_ports(const struct gn_ports *p);
json_t *encode_network(const struct gn_network_spec *s);
json_t *encode_endpoint(const struct gn_endpoint *ep);

#endif
