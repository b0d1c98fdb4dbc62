/*
 * The host's [::1]:P for guardnet's published ports (plan-relay.c says
 * which): one listening socket per port on ::1 and a relay of each
 * connection to the container, in a thread of its own with its own epoll
 * loop, so that no amount of relayed traffic delays Docker's requests in
 * the main loop.  The main loop only hands it the list of ports, or the
 * ports that changed, and never waits for it.
 *
 * Under systemd the listening sockets are kept in the service's file
 * descriptor store (FDSTORE=1, one name per port), so that a restarted
 * guardnetd takes them back and a connection made while it was down waits
 * in the socket's backlog instead of being refused.  Connections being
 * relayed when guardnetd stops are cut.
 */
#ifndef GN_RELAY_H
#define GN_RELAY_H

#include <stddef.h>

#include <guardnet/pub.h>
#include <guardnet/types.h>

struct gn_relay;

/* Starts the thread.  inherited: listening sockets a previous guardnetd
 * left in systemd's store (LISTEN_FDS), taken over for the ports that are
 * still wanted and closed otherwise.  max_conns bounds the connections
 * relayed at once (each takes two descriptors), max_listeners the ports
 * served (one each). */
int relay_start(struct gn_relay **ret, const int *inherited, size_t n_inherited, unsigned max_conns,
		size_t max_listeners, struct gn_err *err);
/* The ports wanted from now on, sorted by port (copied); applied by the
 * thread soon after.  0, or -ENOMEM: the ports stay as they were. */
int relay_set(struct gn_relay *r, const struct gn_relay_svc *v, size_t n);
/* The ports that change from now on (copied), in order: applied by the
 * thread soon after, after any list or changes handed over before, at the
 * cost of these ports, not of all.  0, or -ENOMEM: nothing changes. */
int relay_change(struct gn_relay *r, const struct gn_relay_change *v, size_t n);
/* Stops the thread.  forget: the listening sockets are given up for good
 * (removed from systemd's store), not kept for the next guardnetd. */
void relay_stop(struct gn_relay *r, bool forget);

#endif
