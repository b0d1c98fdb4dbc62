#include <stdlib.h>
#include <string.h>

#include "uplinks.h"

static bool kind_is(const struct uplink_link *l, const char *kind)
{
	return !strcmp(l->kind, kind);
}

static bool is_bridge(const struct uplink_link *l)
{
	return kind_is(l, "bridge") || kind_is(l, "openvswitch");
}

bool uplinks_inert(const char *kind, bool global_addr)
{
	return !global_addr && (!strcmp(kind, "veth") || !strcmp(kind, "tun"));
}

/* Whether l would be an uplink were it nobody's port. */
static bool on_its_own(const struct uplink_link *l)
{
	return !l->loopback && !l->ours && !is_bridge(l) && !uplinks_inert(l->kind, l->global_addr);
}

static int by_ifindex(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, i = ((const struct uplink_link *)elem)->ifindex;

	return k < i ? -1 : k > i;
}

size_t uplinks_classify(const struct uplink_link *v, size_t n, uint32_t *ret)
{
	bool *port_up = calloc(n + 1, sizeof *port_up);
	size_t k = 0;

	if (!port_up)
		return 0; /* no uplink at all: fail closed */
	for (size_t i = 0; i < n; i++) {
		const struct uplink_link *m;

		if (!v[i].master || !on_its_own(&v[i]))
			continue;
		m = bsearch(&v[i].master, v, n, sizeof *v, by_ifindex);
		if (m)
			port_up[m - v] = true;
	}
	for (size_t i = 0; i < n; i++) {
		const struct uplink_link *l = &v[i];
		bool up;

		if (l->loopback || l->ours)
			up = false;
		/* An Open vSwitch bridge's own (internal) port is a port of
		 * the datapath, ovs-system, and carries the host's address
		 * where OVS bridges the uplink (br-ex). */
		else if (l->master && kind_is(l, "openvswitch"))
			up = l->global_addr;
		else if (l->master)
			up = false;
		else if (is_bridge(l))
			up = port_up[i];
		else
			up = on_its_own(l);
		if (up)
			ret[k++] = l->ifindex;
	}
	free(port_up);
	return k;
}
