/*
 * What the kernel layer's files share (kernel.c: the backend's operations;
 * kernel-reconcile.c: start-up's repair; kernel-check.c: guardnetctl check).
 */
#ifndef GN_KERNEL_INT_H
#define GN_KERNEL_INT_H

#include "backend.h"
#include "nl.h"

struct gn_kernel {
	struct gn_nl *nl;
	struct gn_fw *fw;
	struct nl_watch *watch;
	uint32_t *uplinks;         /* as last given to fw, ascending */
	size_t n_uplinks;
	bool classified;           /* uplinks holds a classification */
	/* Host ends of veth pairs whose endpoints are gone, deleted once
	 * Docker has its answer (kernel_flush): a deletion waits for the
	 * kernel's RCU grace periods, tens of milliseconds. */
	char (*doomed)[GN_IFNAME_MAX + 1];
	size_t n_doomed, cap_doomed;
};

/* A network's bridge as nl_bridge_create and nl_bridge_update take it
 * (borrowing b's fields), and the IPv4 settings it needs (NULL: none). */
const struct nl_ipv4_conf *kernel_bridge(const struct plan_bridge *b, struct nl_bridge *ret);
struct nl_veth kernel_veth(const struct plan_veth *v);
/* Makes the bridge or the veth pair (adopting a half-made one), as the
 * backend's network_up and endpoint_up. */
int kernel_bridge_up(struct gn_kernel *k, const struct plan_bridge *b, struct gn_err *err);
int kernel_veth_up(struct gn_kernel *k, const struct plan_veth *v, struct gn_err *err);
/* Turns on the host-wide forwarding switches b needs that are off (and
 * then iptables' FORWARD policy to DROP, as Docker does). */
void kernel_forwarding(struct gn_kernel *k, const struct plan_bridge *b);
/* Whether the switch of family (AF_INET, AF_INET6) is on, and its name. */
bool kernel_forwarding_on(int family);
const char *kernel_forwarding_name(int family);

int kernel_reconcile(void *ctx, const struct plan_links *want, const struct fw_model *m, struct gn_err *err);
/* Backend check (kernel-check.c): reports each difference between the
 * kernel and want and m, changing nothing. */
void kernel_check(void *ctx, const struct plan_links *want, const struct fw_model *m,
		  void (*report)(const char *msg, void *rctx), void *rctx);

#endif
