/* Comparing and releasing the request structs in <guardnet/types.h>. */
#ifndef GN_SPEC_H
#define GN_SPEC_H

#include <guardnet/types.h>

void ports_clear(struct gn_ports *p);
int ports_copy(struct gn_ports *dst, const struct gn_ports *src);
void ipam_clear(struct gn_ipam_data *v, size_t n);
void netspec_clear(struct gn_network_spec *s);
void epspec_clear(struct gn_endpoint_spec *s);
void join_req_clear(struct gn_join_req *r);
void program_req_clear(struct gn_program_req *r);

/* Whether two specs mean the same network: a repeated CreateNetwork with
 * the same content succeeds, one with other content is refused.  Every
 * field guardnet records counts (guardnet.bridge only by the name it
 * gives, chosen or not). */
bool netspec_equal(const struct gn_network_spec *a, const struct gn_network_spec *b);
/* The same for endpoints (CreateEndpoint). */
bool epspec_equal(const struct gn_endpoint_spec *a, const struct gn_endpoint_spec *b);

#endif
