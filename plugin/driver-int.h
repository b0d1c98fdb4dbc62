/*
 * Between the driver's files, lowest first, each calling only those
 * above it in this list:
 *
 *   driver.c          the driver's state (driver.h)
 *   driver-apply.c    what a change means beyond the state: the backend,
 *                     the records, the index of taken host ports, an
 *                     endpoint removed
 *   driver-sweep.c    endpoints Docker abandoned
 *   driver-network.c  CreateNetwork, DeleteNetwork, CreateEndpoint, DeleteEndpoint
 *   driver-attach.c   Join, Leave, ProgramExternalConnectivity, RevokeExternalConnectivity
 *
 * Nothing outside them includes this.
 */
#ifndef GN_DRIVER_INT_H
#define GN_DRIVER_INT_H

#include "driver.h"

/* driver-apply.c: the plan of one object, through the backend. */
int driver_net_up(struct gn_driver *d, const struct gn_network *net, struct gn_err *err);
void driver_net_down(struct gn_driver *d, const struct gn_network *net);
int driver_ep_up(struct gn_driver *d, const struct gn_endpoint *ep, struct gn_err *err);
void driver_ep_down(struct gn_driver *d, const struct gn_endpoint *ep);
int driver_save_endpoint(struct gn_driver *d, const struct gn_endpoint *ep, struct gn_err *err);
/* One endpoint's share of the firewall goes from `from` to `to`: only the
 * difference, unless the firewall is not as guardnet left it or a share
 * could not be computed; then the whole model, from the state, which must
 * already show the change. */
/* Network net comes into the firewall (add) or leaves it (marked dying):
 * only its part when the backend can, else the whole model. */
int driver_firewall_net(struct gn_driver *d, const struct gn_network *net, bool add, struct gn_err *err);
int driver_apply_share(struct gn_driver *d, const struct plan_share *from, const struct plan_share *to,
		       struct gn_err *err);
/* Takes back a share change after a later step failed; the state must
 * already be as it was before the change.  Logs a failure. */
void driver_undo_share(struct gn_driver *d, const struct plan_share *done, const struct plan_share *back);
/* Puts the firewall back as the state says after a failed change; logs a
 * failure. */
void driver_restore_firewall(struct gn_driver *d);
/* Puts ep's publications, were its runtime programmed and published, into
 * the index of taken host ports (add) or takes them out, and its claims on
 * the host's [::1] into the relay's (d->relays).  An add is of ep's runtime
 * as it now is (its no_proxy_6to4 counts); a removal takes whatever ep
 * claimed on those ports.  A failure leaves the index to be rebuilt. */
void driver_index_pubs(struct gn_driver *d, const struct gn_endpoint *ep, bool programmed,
		       const struct gn_ports *published, bool add);
/* The index of taken host ports, rebuilt from the state if it may have
 * missed a change (at start-up, after running out of memory). */
int driver_taken_current(struct gn_driver *d);
/* Removes ep's record, taken host ports, link and firewall elements, and
 * sets *firewall when those elements would not go (the caller then calls
 * driver_restore_firewall, once for several removals). */
int driver_remove_endpoint(struct gn_driver *d, struct gn_endpoint *ep, bool *firewall, struct gn_err *err);

/* driver-sweep.c: removes the endpoints of net that hold one of s's
 * addresses: Docker hands an address out only once it is free, so they are
 * leftovers. */
int driver_forget_address_holders(struct gn_driver *d, struct gn_network *net, const struct gn_endpoint_spec *s,
				  struct gn_err *err);
/* Drops suspects whose container is gone (only_programmed: only those
 * holding host ports; unjoined: also those never joined); how many. */
size_t driver_judge(struct gn_driver *d, bool only_programmed, bool unjoined);

#endif
