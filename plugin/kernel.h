/*
 * What the driver's state means for the kernel: bridges, veth pairs,
 * sysctls and the firewall model.  The only caller of nl.c and fw.c.  With
 * no kernel handle (unit tests) every function succeeds without effect.
 */
#ifndef GN_KERNEL_H
#define GN_KERNEL_H

#include <guardnet/types.h>

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
void kernel_network_down(struct gn_kernel *k, const struct gn_network *net);
int kernel_endpoint_up(struct gn_kernel *k, const struct gn_endpoint *ep, struct gn_err *err);
void kernel_endpoint_down(struct gn_kernel *k, const struct gn_endpoint *ep);
/* Brings guardnet's nftables table and iptables rule in line with st. */
int kernel_firewall(struct gn_kernel *k, const struct gn_state *st, struct gn_err *err);
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

/* Whether ep's veth pair has left its container: the host end is gone
 * (with the container's namespace) or the container end is back here
 * (Docker moves it back on leaving).  False when the links cannot be read. */
bool kernel_endpoint_detached(struct gn_kernel *k, const struct gn_endpoint *ep);
/* The MAC guardnet gives an endpoint's container interface when Docker
 * chose none: 02:42 and the IPv4 address, as Docker's bridge driver does. */
void kernel_endpoint_mac(const struct gn_endpoint_spec *s, uint8_t mac[6]);

#endif
