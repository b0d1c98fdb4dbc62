/*
 * What the kernel layer's files share (kernel.c: the backend's operations;
 * kernel-reconcile.c: start-up's repair; kernel-check.c: guardnetctl check).
 */
#ifndef GN_KERNEL_INT_H
#define GN_KERNEL_INT_H

#include <pthread.h>

#include "backend.h"
#include "nl.h"

/* The kernel's links, addresses and guardnet's tables read on a thread of
 * their own at start-up while the driver reads its state
 * (kernel-prefetch.c), for kernel_reconcile: used only when nothing was
 * written to the kernel since they were read. */
struct kernel_prefetch {
	pthread_t thread;
	bool running;
	unsigned writes;           /* k->writes when it began */
	int r;                     /* 0, or why it read nothing */
	struct nl_link *links;
	size_t n_links;
	struct nl_addr *addrs;
	size_t n_addrs;
	struct fw_snapshot *fw;
};

/* Links deleted on a thread of their own (kernel-reap.c): the names
 * waiting, oldest first, and the one being deleted. */
struct kernel_reap {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	pthread_t thread;
	bool running, failed, quit;
	struct gn_nl *nl;          /* the thread's */
	char (*names)[GN_IFNAME_MAX + 1];
	size_t n, cap;
	char doing[GN_IFNAME_MAX + 1];
};

struct gn_kernel {
	struct gn_nl *nl;
	struct gn_fw *fw;
	struct nl_watch *watch;
	uint32_t *uplinks;         /* as last given to fw, ascending */
	size_t n_uplinks;
	bool classified;           /* uplinks holds a classification */
	struct kernel_reap reap;
	unsigned writes;           /* changes to links or tables guardnet made, ever */
	struct kernel_prefetch pre;
};

/* Deletes the link named name on that thread, or here if it cannot start. */
void kernel_reap(struct gn_kernel *k, const char *name);
/* Returns once the link named name (NULL: every link handed over) is
 * deleted. */
void kernel_reap_wait(struct gn_kernel *k, const char *name);
/* Deletes what is left, then ends the thread. */
void kernel_reap_stop(struct gn_kernel *k);

/* Starts the reading (the backend's prefetch). */
void kernel_prefetch(void *ctx);
/* What was read, if it still holds: true and the reading's links,
 * addresses and tables moved to the caller (free, free,
 * fw_snapshot_free); false when there is none, or something was written
 * since. */
bool kernel_prefetch_take(struct gn_kernel *k, struct kernel_prefetch *ret);
/* Waits for the reading and forgets it. */
void kernel_prefetch_drop(struct gn_kernel *k);

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
