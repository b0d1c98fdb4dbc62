/*
 * Durable state under the state directory:
 *
 *   DIR/lock                    held (flock) while a guardnetd uses DIR
 *   DIR/networks/<id>.json      one CreateNetwork-shaped object per network
 *   DIR/endpoints/<id>.json     one CreateEndpoint-shaped object per endpoint
 *
 * One small file per object keeps the cost of a change independent of how
 * many networks and endpoints exist.  Every write is atomic (temporary
 * file, fsync, rename, fsync of the directory), so a crash leaves either
 * the old or the new version.  A file that does not parse stops the load
 * with a message naming it: guardnet never drops state it cannot read.
 */
#ifndef GN_STORE_H
#define GN_STORE_H

#include <guardnet/types.h>

#include "state.h"

struct gn_store {
	char *dir;
	int dirfd, netfd, epfd, lockfd;
};

int store_open(struct gn_store *s, const char *dir, struct gn_err *err);
void store_close(struct gn_store *s);
int store_load(struct gn_store *s, struct gn_state *st, struct gn_err *err);
int store_put_network(struct gn_store *s, const struct gn_network *net, struct gn_err *err);
int store_put_endpoint(struct gn_store *s, const struct gn_endpoint *ep, struct gn_err *err);
int store_del_network(struct gn_store *s, const char *id, struct gn_err *err);
int store_del_endpoint(struct gn_store *s, const char *id, struct gn_err *err);

#endif
