/*
 * guardnetctl check, the links' part: every bridge and veth pair the plan
 * wants (backend.h) against the kernel's, setting by setting.  Internal to
 * the kernel layer (kernel.c).
 */
#ifndef GN_KERNEL_CHECK_H
#define GN_KERNEL_CHECK_H

#include "backend.h"
#include "nl.h"

/* Calls report once per difference: a link missing or of another kind, down,
 * off its bridge, with another MTU, alias or MAC, a gateway address missing
 * or one guardnet did not give, route_localnet off. */
void kernel_check_links(struct gn_nl *nl, const struct plan_links *want, void (*report)(const char *msg, void *rctx),
			void *rctx);

#endif
