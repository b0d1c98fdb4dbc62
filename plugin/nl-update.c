/*
 * A link that exists brought to the state guardnet wants, sending only what
 * differs: a start-up on a host that is as it should be writes nothing to
 * the kernel, and one that finds a port off its bridge sends that one
 * message.  What differs is decided apart from sending it (nl_*_diff, pure,
 * tests/unit/check_nl.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/if_link.h>
#include <net/if.h>

#include "addr.h"
#include "log.h"
#include "nl-msg.h"

static bool addr_held(const struct gn_prefix *p, int ifindex, const struct nl_addr *addrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (addrs[i].ifindex == ifindex && addrs[i].p.len == p->len && addr_equal(&addrs[i].p.addr, &p->addr))
			return true;
	return false;
}

static bool conf_differs(const struct nl_ipv4_conf *want, const struct nl_ipv4_conf *have)
{
	return (want->forwarding >= 0 && have->forwarding != want->forwarding) ||
	       (want->route_localnet >= 0 && have->route_localnet != want->route_localnet) ||
	       (want->rp_filter >= 0 && have->rp_filter != want->rp_filter);
}

void nl_bridge_diff(const struct nl_bridge *b, const struct nl_ipv4_conf *conf, const struct nl_link *have,
		    const struct nl_addr *addrs, size_t n, struct nl_fix *ret)
{
	memset(ret, 0, sizeof *ret);
	for (size_t i = 0; i < b->n_addrs && i < 64; i++)
		if (!addr_held(&b->addrs[i], have->ifindex, addrs, n))
			ret->addrs |= 1ULL << i;
	if (strcmp(have->alias, b->alias))
		ret->alias = b->alias;
	/* guardnet's iptables drops match its bridges by device group. */
	if (b->group && have->group != b->group)
		ret->group = b->group;
	ret->link = !(have->flags & IFF_UP) || ret->alias || ret->group;
	ret->ipv4_conf = conf && conf_differs(conf, &have->ipv4);
}

void nl_veth_diff(const struct nl_veth *v, const struct nl_link *have, int master, struct nl_fix *ret)
{
	memset(ret, 0, sizeof *ret);
	if (strcmp(have->alias, v->alias))
		ret->alias = v->alias;
	/* -1: no IPv6 on the link, nothing to generate. */
	ret->port_conf = ret->alias || (have->addr_gen_mode >= 0 && have->addr_gen_mode != IN6_ADDR_GEN_MODE_NONE);
	if (have->master != master)
		ret->master = master;
	ret->link = !(have->flags & IFF_UP) || ret->master;
	ret->hairpin = have->hairpin != 1;
}

/* Sends one fix message; counts it. */
static int send_fix(struct gn_nl *nl, struct nlmsghdr *nlh, int *sent)
{
	(*sent)++;
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_bridge_update(struct gn_nl *nl, const struct nl_bridge *b, const struct nl_ipv4_conf *conf,
		     const struct nl_link *have, const struct nl_addr *addrs, size_t n_addrs, struct gn_err *err)
{
	char buf[NL_BUF_SIZE], a[GN_PREFIX_STRLEN];
	struct nl_fix f;
	int sent = 0, r = 0;

	nl_bridge_diff(b, conf, have, addrs, n_addrs, &f);
	for (size_t i = 0; i < b->n_addrs && i < 64 && r == 0; i++) {
		if (!(f.addrs & (1ULL << i)))
			continue;
		r = send_fix(nl, nl_msg_addr_new(buf, have->ifindex, &b->addrs[i]), &sent);
		if (r < 0) {
			prefix_format(&b->addrs[i], a, sizeof a);
			return gn_errf(err, r, "adding %s to bridge %s: %s", a, b->name, strerror(-r));
		}
	}
	if (f.link && (r = send_fix(nl, nl_msg_link_set(buf, have->ifindex, &(struct nl_change){ .up = true,
						      .alias = f.alias, .group = f.group }), &sent)) < 0)
		return gn_errf(err, r, "bringing bridge %s up: %s", b->name, strerror(-r));
	if (f.ipv4_conf && (r = send_fix(nl, nl_msg_ipv4_conf(buf, have->ifindex, conf), &sent)) < 0)
		return gn_errf(err, r, "IPv4 settings of %s (forwarding %d, route_localnet %d, rp_filter %d): %s", b->name,
			       conf->forwarding, conf->route_localnet, conf->rp_filter, strerror(-r));
	return sent;
}

int nl_veth_update(struct gn_nl *nl, const struct nl_veth *v, const struct nl_link *have, int master,
		   struct gn_err *err)
{
	char buf[NL_BUF_SIZE];
	const char *alias;
	struct nl_fix f;
	int sent = 0, r;

	nl_veth_diff(v, have, master, &f);
	alias = f.alias;
	/* As in nl_veth_create: without IPv6 the alias goes with the link. */
	if (f.port_conf && send_fix(nl, nl_msg_port_conf(buf, have->name, v->alias), &sent) == 0)
		alias = NULL;
	if ((f.link || alias) &&
	    (r = send_fix(nl, nl_msg_link_set(buf, have->ifindex, &(struct nl_change){ .up = true, .master = f.master,
										   .alias = alias }), &sent)) < 0)
		return gn_errf(err, r, "attaching %s to %s: %s", v->host, v->master, strerror(-r));
	if (f.hairpin && (r = send_fix(nl, nl_msg_hairpin(buf, have->ifindex), &sent)) < 0)
		return gn_errf(err, r, "hairpin mode on %s: %s", v->host, strerror(-r));
	return sent;
}
