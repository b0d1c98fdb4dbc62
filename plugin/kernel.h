/*
 * What the driver's state means for the kernel: bridges, veth pairs,
 * sysctls and the firewall model.  The only caller of nl.c and fw.c.  With
 * no kernel handle (unit tests) every function succeeds without effect.
 */
#ifndef GN_KERNEL_H
#define GN_KERNEL_H

#include <guardnet/types.h>

#include "fw.h"
#include "publish.h"
#include "state.h"
#include "ufw.h"

struct gn_kernel {
	struct gn_nl *nl;
	struct gn_fw *fw;
	uint32_t mark;
	const struct gn_addr_list *default_publish;  /* guardnet.conf's publish */
	enum gn_ufw_mode default_ufw;                /* guardnet.conf's ufw */
	const struct ufw_config *ufw;                /* UFW as last read; NULL: not read */
};

int kernel_open(struct gn_kernel **ret, uint32_t mark, const struct gn_addr_list *default_publish,
		struct gn_err *err);
void kernel_close(struct gn_kernel *k);

int kernel_network_up(struct gn_kernel *k, const struct gn_network *net, struct gn_err *err);
void kernel_network_down(struct gn_kernel *k, struct gn_network *net);
int kernel_endpoint_up(struct gn_kernel *k, const struct gn_endpoint *ep, struct gn_err *err);
void kernel_endpoint_down(struct gn_kernel *k, const struct gn_endpoint *ep);
/* Brings guardnet's nftables table and iptables rule in line with st. */
int kernel_firewall(struct gn_kernel *k, const struct gn_state *st, struct gn_err *err);
/* One endpoint's part of guardnet's table (struct fw_share), held as copies
 * so that it may outlive the endpoint.  whole: it could not be computed (out
 * of memory), and a change from or to it rebuilds the whole table. */
struct kernel_share {
	struct gn_pub_list pubs;
	struct gn_prefix *allow;
	struct fw_epallow epallow[2];
	size_t n_epallow;
	bool whole;
};

/* ep's share were its runtime programmed and published; empty for an
 * endpoint of a network being deleted, or with no kernel handle. */
void kernel_share_of(const struct gn_kernel *k, const struct gn_endpoint *ep, bool programmed,
		     const struct gn_ports *published, struct kernel_share *ret);
void kernel_share_clear(struct kernel_share *s);
/* One endpoint changed: its elements go from `from` to `to` in one
 * transaction that holds only the difference.  When the table is not known
 * to be as guardnet left it, rebuilds it whole from st, which must already
 * show the change.  A refused transaction changes nothing. */
int kernel_share_apply(struct gn_kernel *k, const struct gn_state *st, const struct kernel_share *from,
		       const struct kernel_share *to, struct gn_err *err);
/* A descriptor that becomes readable when another program changes
 * nf_tables; then call kernel_heal. */
int kernel_events_fd(struct gn_kernel *k, struct gn_err *err);
/* Puts guardnet's rules back if the events say someone touched them. */
void kernel_heal(struct gn_kernel *k, const struct gn_state *st);
/* What legacy iptables hosts need instead of events; call every few seconds. */
void kernel_periodic(struct gn_kernel *k);
/* Compares the kernel with st without changing anything; report() gets
 * one message per difference (guardnetctl check). */
void kernel_check(struct gn_kernel *k, const struct gn_state *st, void (*report)(const char *msg, void *ctx),
		  void *ctx);
/* At start-up: repairs both ways.  Recreates what st names and the kernel
 * lacks, removes guardnet-owned links st no longer names, rebuilds the
 * firewall.  Logs what it fixes; returns the first error. */
int kernel_reconcile(struct gn_kernel *k, const struct gn_state *st, struct gn_err *err);

/* Whether UFW's rules decide for net's published ports (guardnet.ufw,
 * guardnet.conf and whether UFW is enabled). */
bool kernel_ufw_decides(const struct gn_kernel *k, const struct gn_network *net);
/* What explain needs from the kernel about addr: whether it is the host's,
 * where a connection from it arrives, and the address the host would
 * answer from.  Without a kernel handle: not local, no interface. */
struct nl_route;
int kernel_route(struct gn_kernel *k, const struct gn_addr *addr, struct nl_route *ret, struct gn_err *err);

/* Whether ep's veth pair has left its container: the host end is gone
 * (with the container's namespace) or the container end is back here
 * (Docker moves it back on leaving).  False when the links cannot be read. */
bool kernel_endpoint_detached(struct gn_kernel *k, const struct gn_endpoint *ep);

#endif
