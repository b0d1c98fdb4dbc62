/*
 * The kernel behind the driver's seam (backend.h): bridges and veth pairs
 * through rtnetlink (nl.h), guardnet's firewall (fw.h) and the host's
 * ports (sock_diag, nl.h).  main.c opens it, hands its backend to the driver
 * and feeds it the events it asks to be polled for.
 */
#ifndef GN_KERNEL_H
#define GN_KERNEL_H

#include <guardnet/types.h>

#include "backend.h"

struct gn_kernel;

int kernel_open(struct gn_kernel **ret, struct gn_err *err);
void kernel_close(struct gn_kernel *k);
/* The operations of backend.h on k (valid while k is open). */
struct gn_backend kernel_backend(struct gn_kernel *k);
/* A descriptor that becomes readable when another program changes
 * nf_tables; then call kernel_events_read. */
int kernel_events_fd(struct gn_kernel *k, struct gn_err *err);
/* Drains the events; true when another program touched guardnet's rules,
 * which the caller then puts back by applying the whole model. */
bool kernel_events_read(struct gn_kernel *k);
/* A descriptor that becomes readable when the host's links or addresses
 * change; then call kernel_links_read, which keeps the firewall's set of
 * uplinks current (one small transaction when it changes).  True when that
 * failed and the caller must apply the whole model. */
int kernel_links_fd(struct gn_kernel *k);
bool kernel_links_read(struct gn_kernel *k);
/* What legacy iptables hosts need instead of events; call every few seconds. */
void kernel_periodic(struct gn_kernel *k);

#endif
