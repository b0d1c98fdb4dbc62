/*
 * guardnet's network and endpoint options (`-o KEY=VALUE`, compose
 * driver_opts, `docker network connect --driver-opt`).  Pure functions.
 *
 * Docker passes every option as a string.  A key under "guardnet." that is
 * not listed here, or a bad value of a known key, is refused with a message
 * that names both.  Docker's bridge options (com.docker.network.bridge.*)
 * are honoured or refused (below); other keys belong to Docker or other
 * tools and are ignored.
 */
#ifndef GN_OPTIONS_H
#define GN_OPTIONS_H

#include <guardnet/types.h>

#define GN_OPT_PREFIX  "guardnet."
#define GN_OPT_PUBLISH "guardnet.publish"
#define GN_OPT_ALLOW   "guardnet.allow"
#define GN_OPT_UFW     "guardnet.ufw"
#define GN_OPT_ICC     "guardnet.icc"
#define GN_OPT_BRIDGE  "guardnet.bridge"
#define GN_OPT_MTU     "com.docker.network.driver.mtu"
/* Docker's bridge driver's options (issue 12, point 6): honoured with
 * Docker's meaning, or refused by name with what to use instead, so that a
 * network moved from "bridge" to guardnet keeps what its options asked. */
#define GN_DOCKER_BRIDGE         "com.docker.network.bridge."
#define GN_DOCKER_ICC            "com.docker.network.bridge.enable_icc"
#define GN_DOCKER_NAME           "com.docker.network.bridge.name"
#define GN_DOCKER_HOST_BINDING   "com.docker.network.bridge.host_binding_ipv4"
#define GN_DOCKER_MASQUERADE     "com.docker.network.bridge.enable_ip_masquerade"
#define GN_DOCKER_GATEWAY_MODE4  "com.docker.network.bridge.gateway_mode_ipv4"
#define GN_DOCKER_GATEWAY_MODE6  "com.docker.network.bridge.gateway_mode_ipv6"

/* The smallest MTU the kernel accepts for IPv4, and the one IPv6 requires. */
#define GN_MTU_MIN4 68
#define GN_MTU_MIN6 1280
#define GN_MTU_MAX  65535

void netopts_init(struct gn_net_opts *o);
void netopts_clear(struct gn_net_opts *o);
/* Applies one generic option.  0 when applied or not ours, -EINVAL (err
 * filled) when the key is an unknown guardnet.* key or the value is bad. */
int netopts_set(struct gn_net_opts *o, const char *key, const char *value, struct gn_err *err);
/* Checks that need every option at once (MTU against IPv6). */
int netopts_finish(const struct gn_net_opts *o, struct gn_err *err);

/* Endpoint options: only guardnet.allow today. */
int epopts_set(struct gn_endpoint_spec *ep, const char *key, const char *value, struct gn_err *err);

int bool_parse(const char *s, bool *ret, const char *what, struct gn_err *err);
const char *ufw_mode_name(enum gn_ufw_mode m);

#endif
