/*
 * Durable state under the state directory:
 *
 *   DIR/lock                    held (flock) while a guardnetd uses DIR
 *   DIR/boot                    the kernel's boot ID the endpoint files belong to
 *   DIR/networks/<id>.json      one CreateNetwork-shaped object per network
 *   DIR/endpoints/<id>.json     one CreateEndpoint-shaped object per endpoint
 *
 * One small file per object keeps the cost of a change independent of how
 * many networks and endpoints exist.  Every write is atomic (temporary
 * file, rename), so guardnetd's crash leaves either the old or the new
 * version.  A file that does not parse stops the load with a message
 * naming it: guardnet never drops state it cannot read, but for the
 * endpoint files of an earlier boot (below).
 *
 * Durability differs.  A network outlives a reboot (Docker keeps it and
 * never sends CreateNetwork again), so its file and directory are synced
 * before the reply.  An endpoint does not: its links, namespace and
 * container end with the boot, and only guardnetd's or dockerd's restart
 * needs its file, which the page cache keeps.  So endpoint files are not
 * synced (the disk's flush was most of a container's slow calls, issue
 * 17), and a load in a new boot drops them unread, as a power loss may
 * have left them half written.
 */
#ifndef GN_STORE_H
#define GN_STORE_H

#include <guardnet/types.h>

#include "state.h"

struct gn_store {
	char *dir;
	int dirfd, netfd, epfd, lockfd;
	/* Endpoint files are synced too: before the load has recorded the
	 * boot, or with no boot ID to tell a reboot by. */
	bool sync_endpoints;
};

int store_open(struct gn_store *s, const char *dir, struct gn_err *err);
void store_close(struct gn_store *s);
int store_load(struct gn_store *s, struct gn_state *st, struct gn_err *err);
int store_put_network(struct gn_store *s, const struct gn_network *net, struct gn_err *err);
int store_put_endpoint(struct gn_store *s, const struct gn_endpoint *ep, struct gn_err *err);
int store_del_network(struct gn_store *s, const char *id, struct gn_err *err);
int store_del_endpoint(struct gn_store *s, const char *id, struct gn_err *err);

#endif
