/*
 * What the driver's state means for the kernel, decided without touching
 * it: the bridge of a network, the veth pair of an endpoint, every link
 * guardnet wants, the firewall model (fw.h) and one endpoint's share of
 * it.  Pure: the results are plain structs for the backend (backend.h).
 */
#ifndef GN_PLAN_H
#define GN_PLAN_H

#include <guardnet/types.h>

#include "backend.h"
#include "driver-publish.h"
#include "state.h"

/* What the plan needs besides the state: guardnet.conf's defaults and UFW
 * as last read. */
struct plan_env {
	const struct gn_addr_list *default_publish;  /* publish = */
	enum gn_ufw_mode default_ufw;                /* ufw = */
	const struct ufw_config *ufw;                /* NULL: not read */
	uint32_t mark;                               /* mark = */
	uint32_t group;                              /* group = */
};

void plan_bridge(const struct plan_env *env, const struct gn_network *net, struct plan_bridge *ret);
void plan_veth(const struct gn_endpoint *ep, struct plan_veth *ret);
/* Every network's bridge and every endpoint's pair; 0 or -ENOMEM. */
int plan_links(const struct plan_env *env, const struct gn_state *st, struct plan_links *ret);
void plan_links_clear(struct plan_links *l);

/* Whether UFW's rules decide for net's published ports: guardnet.ufw=on
 * always, off never, auto (or unset) as guardnet.conf says and then
 * whether UFW is enabled.  Never when UFW was not read. */
bool plan_ufw_in_force(const struct plan_env *env, const struct gn_network *net);

/* The whole firewall model of st (networks being deleted left out), with
 * the arrays it points into. */
struct plan_model {
	struct fw_model m;
	struct fw_network *nets;
	struct gn_prefix *subnets;
	struct gn_addr *gateways;
	struct fw_epallow *epallow;
	struct gn_pub_list pubs;
};

/* One network as the firewall sees it (fw_apply_network), dying or not. */
struct plan_net {
	struct fw_network f;
	struct gn_prefix *subnets;
	struct gn_addr *gateways;
};

/* 0 or -ENOMEM; clear ret in either case. */
int plan_net(const struct plan_env *env, const struct gn_network *net, struct plan_net *ret);
void plan_net_clear(struct plan_net *pn);
/* 0 or -ENOMEM; clear ret in either case. */
int plan_model(const struct plan_env *env, const struct gn_state *st, struct plan_model *ret);
void plan_model_clear(struct plan_model *pm);

/* One endpoint's part of the model (struct fw_share), held as copies so
 * that it may outlive the endpoint.  whole: it could not be computed (out
 * of memory), and a change from or to it must apply the whole model. */
struct plan_share {
	struct gn_pub_list pubs;
	struct gn_prefix *allow;
	struct fw_epallow epallow[2];
	size_t n_epallow;
	bool whole;
};

/* ep's share were its runtime programmed and published; empty for an
 * endpoint of a network being deleted. */
void plan_share(const struct plan_env *env, const struct gn_endpoint *ep, bool programmed,
		const struct gn_ports *published, struct plan_share *ret);
void plan_share_clear(struct plan_share *s);
/* The fw_share s holds (valid while s is). */
struct fw_share plan_share_view(const struct plan_share *s);

/* plan-relay.c: the ports of the host's [::1] that the relay serves, one
 * per port, sorted by port, in *ret (free it); 0 or -ENOMEM. */
int plan_relays(const struct plan_env *env, const struct gn_state *st, struct gn_relay_svc **ret, size_t *n);
/* ep's claims on them, were its runtime programmed and published, in ret
 * (room for published->n_map); how many.  None for an endpoint of a
 * network being deleted.  plan_relays picks, of the claims on a port, the
 * first in relay_svc_cmp's order (relayindex.h). */
size_t plan_relays_ep(const struct plan_env *env, const struct gn_endpoint *ep, bool programmed,
		      const struct gn_ports *published, struct gn_relay_svc *ret);

#endif
