/*
 * A small client for dockerd's socket, for names (containers, networks):
 * guardnetctl works without it, and says so when it cannot ask.
 */
#ifndef GN_CTL_DOCKER_GET_H
#define GN_CTL_DOCKER_GET_H

#include <jansson.h>

/* $DOCKER_HOST when it is unix://PATH, else /var/run/docker.sock. */
const char *docker_socket(void);
/* GET path (e.g. "/containers/json"); the JSON body in *ret, or -errno
 * (-ETIMEDOUT past the deadline, -EPROTO on anything but 200 and JSON). */
int docker_get(const char *sock, const char *path, double timeout_s, json_t **ret);

#endif
