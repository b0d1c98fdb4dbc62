#include "admit.h"

const struct admit_rule admit_order[] = {
	{ ADMIT_HOST, "host", "", false },
	{ ADMIT_HAIRPIN, "hairpin", "forward: hairpin", true },
	/* UFW's rules decide before chain pub, in tables ip and ip6 guardnet
	 * (fw-nft-ufw.c): incoming ones in prerouting, route ones in forward. */
	{ ADMIT_UFW_IN, "ufw-in", "prerouting: UFW incoming rules", false },
	{ ADMIT_UFW_ROUTE, "ufw-route", "forward: UFW route rules", false },
	{ ADMIT_NET_ALLOW, "allow", "forward: guardnet.allow", true },
	{ ADMIT_EP_ALLOW, "endpoint-allow", "forward: endpoint guardnet.allow", true },
	{ ADMIT_FINAL, "policy", "forward: blocked", true },
};

const size_t admit_steps = sizeof admit_order / sizeof admit_order[0];

bool admit_applies(enum admit_step step, bool icc, bool ufw)
{
	switch (step) {
	case ADMIT_HAIRPIN:
		return icc;
	case ADMIT_UFW_IN:
	case ADMIT_UFW_ROUTE:
		return ufw;
	default:
		return true;
	}
}
