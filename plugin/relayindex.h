/*
 * The ports of the host's [::1] that guardnet's relay serves, kept as
 * endpoints come and go: each endpoint's claims on a port (plan-relay.c
 * says which), and of a port's claims the one plan_relays picks, the first
 * in its order.  A change of one endpoint costs its own ports, not all of
 * the host's (a host may publish 40,000), and tells the relay only the
 * ports whose target changed.  Pure.
 */
#ifndef GN_RELAYINDEX_H
#define GN_RELAYINDEX_H

#include <sys/types.h>

#include <guardnet/pub.h>

struct relayindex_port;

/* By port number: its high byte picks a block of 256 ports, made when a
 * port of it is first claimed, so that memory follows the ports in use. */
struct relayindex {
	struct relayindex_port **block[256];
	struct relayindex_port *queue;   /* ports whose choice may have changed, each once */
	size_t n_queue;
	struct gn_relay_change *out;     /* relayindex_take's answer */
	size_t cap_out;
};

/* plan_relays' order: by protocol, port, then target.  A port's choice is
 * its first claim in this order. */
int relay_svc_cmp(const void *a, const void *b);

/* owner (compared as a pointer) claims [::1]:s->port for s.  0, -ENOMEM,
 * or -EINVAL for a protocol other than TCP, the only one relayed. */
int relayindex_add(struct relayindex *ix, const struct gn_relay_svc *s, const void *owner);
/* owner's claims on [::1]:port go, if it has any. */
void relayindex_del(struct relayindex *ix, uint16_t port, const void *owner);
/* The ports whose choice changed since the last take or list: each port's
 * choice now, or gone.  In *ret, valid until the next call; how many, or
 * -ENOMEM (then nothing is taken). */
ssize_t relayindex_take(struct relayindex *ix, const struct gn_relay_change **ret);
/* Every port's choice, sorted by port: plan_relays' answer, in *ret (free
 * it); the changes so far count as taken.  0 or -ENOMEM. */
int relayindex_list(struct relayindex *ix, struct gn_relay_svc **ret, size_t *n);
void relayindex_clear(struct relayindex *ix);

#endif
