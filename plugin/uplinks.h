/*
 * Which of the host's interfaces are uplinks: the only ones traffic from
 * a guardnet network may leave by (spec/firewall-model.md, "Isolation
 * without names").  An allowlist, decided by what a link is, never by its
 * name, so that Docker's renamed bridges, podman's, LXD's, libvirt's and
 * Kubernetes' are not uplinks whatever they are called.  Pure: the kernel
 * layer describes the links, this decides.
 */
#ifndef GN_UPLINKS_H
#define GN_UPLINKS_H

#include <guardnet/types.h>

struct uplink_link {
	uint32_t ifindex;
	uint32_t master;      /* the bridge (or bond) it is a port of; 0: none */
	char kind[16];        /* IFLA_INFO_KIND; "" for a link without one (a NIC) */
	bool loopback;
	bool ours;            /* one of guardnet's bridges or veth ends */
	bool global_addr;     /* holds an address of global scope */
};

/* The uplinks among v[0..n), which is sorted by ifindex: their ifindexes
 * into ret (room for n), ascending; how many.
 *
 * Never an uplink: lo, guardnet's links, a link with a master (a bridge
 * port is never a routed output), a bridge or Open vSwitch bridge unless
 * one of its ports would be an uplink on its own (a host whose address
 * lives on br0 with eth0 enslaved); an Open vSwitch internal port (its
 * master is the datapath) is one only with a global address.  A veth or tun (container and VM
 * interfaces) is one only with a global address (the outside end of a host
 * that is itself a container, a VPN).  Anything else (a NIC, vlan, bond,
 * macvlan, vxlan, wireguard, ...) is one. */
size_t uplinks_classify(const struct uplink_link *v, size_t n, uint32_t *ret);

/* Whether a link of kind, with or without a global address, counts for
 * nothing in uplinks_classify: a veth or tun without one is no uplink and
 * makes no bridge one, so its coming, going and changes leave the uplinks
 * as they were (nl-watch.c: a container's veth pair). */
bool uplinks_inert(const char *kind, bool global_addr);

#endif
