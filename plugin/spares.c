/*
 * Spare veth pairs: made and put on a network's bridge before an endpoint
 * needs one.  Putting a port on a bridge costs the kernel passes over the
 * bridge's other ports (br_add_if: the adjacency list, features, MTU and
 * headroom), which made CreateEndpoint on a network of 1,000 endpoints
 * 40 % slower than on one of 10.  Taking a spare is two renames and an up,
 * about the same at any size.  The passes are paid where no container
 * start waits on them: when the network is created, at start-up, and when
 * an endpoint goes (DeleteEndpoint waits for the kernel's RCU grace
 * periods anyway, 16-23 ms here).  A burst of CreateEndpoint calls uses
 * the spares and then makes pairs as before.
 */
#include <errno.h>
#include <stdio.h>

#include "kernel.h"
#include "log.h"
#include "nl.h"

/* Taken one at a time and refilled by the next DeleteEndpoint: two cover
 * a container replaced by another, and cost two bridge ports. */
#define SPARES 2u

/* "gns", 8 digits of the NetworkID, the slot, h or c: 13 characters. */
static void spare_names(const struct gn_network *net, unsigned slot, char host[GN_IFNAME_MAX + 1],
			char peer[GN_IFNAME_MAX + 1])
{
	snprintf(host, GN_IFNAME_MAX + 1, "gns%.8s%uh", net->spec.id, slot);
	snprintf(peer, GN_IFNAME_MAX + 1, "gns%.8s%uc", net->spec.id, slot);
}

void kernel_spares_fill(struct gn_kernel *k, struct gn_network *net)
{
	char alias[96];

	if (!k || net->spares_off || net->dying)
		return;
	/* Its alias names no network or endpoint: a guardnetd that starts
	 * again removes it as a leftover and makes spares anew. */
	snprintf(alias, sizeof alias, NL_ALIAS_PREFIX "spare:%s", net->spec.id);
	for (unsigned i = 0; i < SPARES; i++) {
		char host[GN_IFNAME_MAX + 1], peer[GN_IFNAME_MAX + 1];
		struct nl_veth v = { .host = host, .peer = peer, .master = net->spec.opts.bridge,
				     .mtu = net->spec.opts.mtu, .alias = alias, .down = true };
		struct gn_err e;

		if (net->spares & (1u << i))
			continue;
		spare_names(net, i, host, peer);
		if (nl_veth_create(k->nl, &v, &e) < 0) {
			/* A full bridge (1,024 ports), say: until an
			 * endpoint goes, endpoints get pairs made for them. */
			log_info("network %.12s: no spare veth pair for now: %s", net->spec.id, e.msg);
			net->spares_off = true;
			return;
		}
		net->spares |= 1u << i;
	}
}

int kernel_spare_take(struct gn_kernel *k, struct gn_network *net, const struct nl_veth *v)
{
	for (unsigned i = 0; i < SPARES; i++) {
		char host[GN_IFNAME_MAX + 1], peer[GN_IFNAME_MAX + 1];
		struct gn_err e;

		if (!(net->spares & (1u << i)))
			continue;
		net->spares &= ~(1u << i);
		spare_names(net, i, host, peer);
		if (nl_veth_take(k->nl, host, peer, v, &e) == 0)
			return 0;
		/* The caller makes a pair as it would without spares; this
		 * one goes, whatever state it was left in. */
		log_info("network %.12s: %s", net->spec.id, e.msg);
		nl_link_delete(k->nl, host, NULL);
		return -EAGAIN;
	}
	return -ENOENT;
}

void kernel_spares_drop(struct gn_kernel *k, struct gn_network *net)
{
	for (unsigned i = 0; k && i < SPARES; i++) {
		char host[GN_IFNAME_MAX + 1], peer[GN_IFNAME_MAX + 1];

		spare_names(net, i, host, peer);
		nl_link_delete(k->nl, host, NULL);
	}
	net->spares = 0;
}
