/*
 * guardnetctl audit --suggest: for each network of Docker's bridge driver
 * with an exposed port, the guardnet network that replaces it, with its
 * options carried over (subnets and gateways, IPv6, icc, MTU, internal,
 * the host binding address), the steps that move its containers (nothing
 * is moved for the operator), and who reaches each port before and after.
 * Options come from Docker's socket, or from the bridge itself when
 * Docker does not answer.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>

#include "../plugin/addr.h"
#include "audit.h"

#define SUBNETS_MAX 4

struct netinfo {
	char name[80], bridge[16];
	bool default_bridge, ipv6, internal, icc;
	struct gn_prefix subnets[SUBNETS_MAX];
	char gateways[SUBNETS_MAX][GN_PREFIX_STRLEN];
	size_t n;
	unsigned mtu;
	char binding[GN_PREFIX_STRLEN];
};

static const char *opt(json_t *n, const char *key)
{
	return json_string_value(json_object_get(json_object_get(n, "Options"), key));
}

static void from_docker(json_t *n, struct netinfo *ni)
{
	json_t *c;
	size_t i;
	const char *v;

	snprintf(ni->name, sizeof ni->name, "%s", json_string_value(json_object_get(n, "Name")) ?: ni->bridge);
	ni->default_bridge = (v = opt(n, "com.docker.network.bridge.default_bridge")) && !strcmp(v, "true");
	ni->ipv6 = json_is_true(json_object_get(n, "EnableIPv6"));
	ni->internal = json_is_true(json_object_get(n, "Internal"));
	ni->icc = !((v = opt(n, "com.docker.network.bridge.enable_icc")) && !strcmp(v, "false"));
	if ((v = opt(n, "com.docker.network.driver.mtu")) && atoi(v) != 1500)
		ni->mtu = (unsigned)atoi(v);
	if ((v = opt(n, "com.docker.network.bridge.host_binding_ipv4")) && strcmp(v, "0.0.0.0"))
		snprintf(ni->binding, sizeof ni->binding, "%s", v);
	json_array_foreach(json_object_get(json_object_get(n, "IPAM"), "Config"), i, c) {
		const char *sub = json_string_value(json_object_get(c, "Subnet"));
		const char *gw = json_string_value(json_object_get(c, "Gateway"));

		if (ni->n < SUBNETS_MAX && sub && prefix_parse(sub, false, false, &ni->subnets[ni->n], "x", NULL) == 0) {
			snprintf(ni->gateways[ni->n], sizeof ni->gateways[0], "%s", gw ? gw : "");
			ni->n++;
		}
	}
}

/* Without Docker: the bridge's addresses and MTU, and icc from the rules
 * (a connection between two of its addresses, through the forward hook). */
static void from_kernel(struct audit *a, struct netinfo *ni)
{
	const struct host_link *l = host_link_by_name(&a->host, ni->bridge);

	snprintf(ni->name, sizeof ni->name, "%s", ni->bridge);
	ni->default_bridge = !strcmp(ni->bridge, "docker0");
	ni->icc = true;
	if (!l)
		return;
	if (l->mtu != 1500)
		ni->mtu = l->mtu;
	for (size_t i = 0; i < l->n_addrs && ni->n < SUBNETS_MAX; i++) {
		struct gn_prefix p = l->addrs[i];

		if (p.addr.family == AF_INET6 && p.addr.a[0] == 0xfe && (p.addr.a[1] & 0xc0) == 0x80)
			continue;
		addr_format(&p.addr, ni->gateways[ni->n], sizeof ni->gateways[0]);
		prefix_network(&p, &p.addr);
		ni->subnets[ni->n++] = p;
		ni->ipv6 |= p.addr.family == AF_INET6;
		if (p.addr.family == AF_INET) {
			struct fw_pkt pkt = { .family = AF_INET, .proto = 6, .iif = ni->bridge, .oif = ni->bridge,
					      .src = p.addr, .dst = p.addr, .sport = 40000, .dport = 80,
					      .ctstate = NF_CT_STATE_BIT(IP_CT_NEW), .dst_type = 1 };
			struct fw_result res;

			pkt.src.a[3] |= 2;
			pkt.dst.a[3] |= 3;
			fw_eval_hook(&a->fw, NF_INET_FORWARD, INT_MAX, &pkt, &res);
			ni->icc = res.v == FW_ACCEPT;
		}
	}
}

static char *command(const struct netinfo *ni, const char *name)
{
	char buf[1024], p[GN_PREFIX_STRLEN];
	size_t n = (size_t)snprintf(buf, sizeof buf, "docker network create -d guardnet");

	for (size_t i = 0; !ni->default_bridge && i < ni->n && n < sizeof buf; i++) {
		prefix_format(&ni->subnets[i], p, sizeof p);
		n += (size_t)snprintf(buf + n, sizeof buf - n, " --subnet %s", p);
		if (ni->gateways[i][0] && n < sizeof buf)
			n += (size_t)snprintf(buf + n, sizeof buf - n, " --gateway %s", ni->gateways[i]);
	}
	if (ni->ipv6 && n < sizeof buf)
		n += (size_t)snprintf(buf + n, sizeof buf - n, " --ipv6");
	if (ni->internal && n < sizeof buf)
		n += (size_t)snprintf(buf + n, sizeof buf - n, " --internal");
	if (!ni->icc && n < sizeof buf)
		n += (size_t)snprintf(buf + n, sizeof buf - n, " -o guardnet.icc=false");
	if (ni->mtu && n < sizeof buf)
		n += (size_t)snprintf(buf + n, sizeof buf - n, " -o com.docker.network.driver.mtu=%u", ni->mtu);
	if (ni->binding[0] && n < sizeof buf)
		n += (size_t)snprintf(buf + n, sizeof buf - n, " -o guardnet.publish=%s", ni->binding);
	if (n < sizeof buf)
		snprintf(buf + n, sizeof buf - n, " %s", name);
	return strdup(buf);
}

static char *compose(const struct netinfo *ni, const char *name)
{
	char buf[2048], p[GN_PREFIX_STRLEN];
	size_t n = (size_t)snprintf(buf, sizeof buf, "networks:\n  %s:\n    driver: guardnet\n", name);

	if (ni->ipv6)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "    enable_ipv6: true\n");
	if (ni->internal)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "    internal: true\n");
	if (ni->n && !ni->default_bridge) {
		n += (size_t)snprintf(buf + n, sizeof buf - n, "    ipam:\n      config:\n");
		for (size_t i = 0; i < ni->n && n < sizeof buf; i++) {
			prefix_format(&ni->subnets[i], p, sizeof p);
			n += (size_t)snprintf(buf + n, sizeof buf - n, "        - subnet: %s\n", p);
			if (ni->gateways[i][0] && n < sizeof buf)
				n += (size_t)snprintf(buf + n, sizeof buf - n, "          gateway: %s\n", ni->gateways[i]);
		}
	}
	if ((!ni->icc || ni->mtu || ni->binding[0]) && n < sizeof buf) {
		n += (size_t)snprintf(buf + n, sizeof buf - n, "    driver_opts:\n");
		if (!ni->icc && n < sizeof buf)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "      guardnet.icc: \"false\"\n");
		if (ni->mtu && n < sizeof buf)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "      com.docker.network.driver.mtu: \"%u\"\n", ni->mtu);
		if (ni->binding[0] && n < sizeof buf)
			snprintf(buf + n, sizeof buf - n, "      guardnet.publish: \"%s\"\n", ni->binding);
	}
	return strdup(buf);
}

/* Who reaches the port once guardnet publishes it: the host, and from
 * outside exactly whom UFW lets in to a host service (design.md section 3,
 * with no guardnet.allow). */
static void after(const struct audit *a, const struct audit_port *p, const struct netinfo *ni, char *buf, size_t len)
{
	const struct audit_probe *any = NULL;
	char list[200] = "", pre[GN_PREFIX_STRLEN];
	size_t used = 0;

	if (p->family == AF_INET6 && !ni->ipv6) {
		snprintf(buf, len, "not published on IPv6 (an IPv4-only guardnet network publishes nothing there); "
			 "the host still reaches [::1]:%u", p->port);
		return;
	}
	for (size_t i = 0; i < p->n_probes; i++) {
		const struct audit_probe *r = &p->probes[i];

		if (!r->from.len)
			any = r;
		else if (r->ufw_accepts && used < sizeof list) {
			prefix_format(&r->from, pre, sizeof pre);
			used += (size_t)snprintf(list + used, sizeof list - used, "%s%s (%s)", used ? ", " : "", pre, r->ufw_by);
		}
	}
	if (!a->ufw_read || !a->ufw.enabled)
		snprintf(buf, len, "reachable only from the host (UFW is not enabled; guardnet.allow=CIDR lets sources in)");
	else if (any && any->ufw_accepts)
		snprintf(buf, len, "the host, and any source, as %s allows a host service", any->ufw_by);
	else if (used)
		snprintf(buf, len, "the host, and from %s, as for a host service", list);
	else
		snprintf(buf, len, "reachable only from the host (%s blocks the rest, as for a host service)",
			 any ? any->ufw_by : "UFW");
}

json_t *audit_suggest(const struct audit *a, bool print)
{
	json_t *out = json_array();
	struct audit *m = (struct audit *)a;    /* set lookups load elements lazily */

	for (size_t i = 0; i < a->n; i++) {
		const struct audit_port *p = &a->v[i];
		struct netinfo ni = { .icc = true };
		json_t *dn, *changes, *ctrs, *s;
		bool first = true, exposed = false;
		char *cmd, *yml, name[96];
		size_t k;

		if ((p->kind != AUDIT_DOCKER && p->kind != AUDIT_PROXY) || !p->bridge[0])
			continue;
		/* Once per bridge, and only when one of its ports is exposed. */
		for (size_t j = 0; j < i; j++)
			first &= !((a->v[j].kind == AUDIT_DOCKER || a->v[j].kind == AUDIT_PROXY) &&
				   !strcmp(a->v[j].bridge, p->bridge));
		for (size_t j = i; j < a->n; j++)
			exposed |= !strcmp(a->v[j].bridge, p->bridge) && a->v[j].exposed;
		if (!first || !exposed)
			continue;
		changes = json_array();
		ctrs = json_array();
		snprintf(ni.bridge, sizeof ni.bridge, "%s", p->bridge);
		if ((dn = audit_docker_network(a, p)))
			from_docker(dn, &ni);
		else
			from_kernel(m, &ni);
		snprintf(name, sizeof name, "%s%s", ni.name, ni.default_bridge ? "-guardnet" : "");
		for (size_t j = i; j < a->n; j++) {
			const struct audit_port *q = &a->v[j];
			char label[128], before[500], aft[300];

			if (strcmp(q->bridge, p->bridge) || (q->kind != AUDIT_DOCKER && q->kind != AUDIT_PROXY))
				continue;
			audit_port_label(q, label, sizeof label);
			snprintf(before, sizeof before, "%s%s", q->exposed ? "EXPOSED: " : "", q->verdict);
			after(a, q, &ni, aft, sizeof aft);
			json_array_append_new(changes, json_pack("{s:s,s:s,s:s,s:s}", "port", label, "container",
								 q->container, "before", before, "after", aft));
			if (q->container[0]) {
				bool dup = false;

				json_array_foreach(ctrs, k, s)
					dup |= !strcmp(json_string_value(s), q->container);
				if (!dup)
					json_array_append_new(ctrs, json_string(q->container));
			}
		}
		cmd = command(&ni, name);
		yml = compose(&ni, name);
		s = json_pack("{s:s,s:s,s:s,s:s,s:s,s:O,s:o}", "network", ni.name, "bridge", ni.bridge, "guardnet_network",
			      name, "command", cmd ? cmd : "", "compose", yml ? yml : "", "containers", ctrs, "changes", changes);
		if (print) {
			json_t *c;

			printf("\nbridge network %s (%s) -> guardnet network %s\n", ni.name, ni.bridge, name);
			json_array_foreach(ctrs, k, c)
				printf("  docker network disconnect %s %s\n", ni.name, json_string_value(c));
			if (!ni.default_bridge)
				printf("  docker network rm %s\n", ni.name);
			printf("  %s\n", cmd ? cmd : "");
			json_array_foreach(ctrs, k, c)
				printf("  docker network connect %s %s\n", name, json_string_value(c));
			if (ni.default_bridge)
				printf("  (Docker's default bridge stays; the new network takes no --subnet, which would "
				       "overlap docker0's)\n");
			printf("  in compose:\n");
			for (char *line = yml, *nl; line && *line; line = nl + 1) {
				nl = strchr(line, '\n');
				printf("    %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
				if (!nl)
					break;
			}
			printf("  what changes (nothing is moved until you run the commands above):\n");
			json_array_foreach(changes, k, c)
				printf("    %s %s: before: %s\n    %*s after: %s\n", json_string_value(json_object_get(c, "port")),
				       json_string_value(json_object_get(c, "container")),
				       json_string_value(json_object_get(c, "before")),
				       (int)(strlen(json_string_value(json_object_get(c, "port"))) +
					     strlen(json_string_value(json_object_get(c, "container"))) + 1), "",
				       json_string_value(json_object_get(c, "after")));
			printf("    containers of other networks reach its ports only through a published port, as any "
			       "source outside does\n");
		}
		free(cmd);
		free(yml);
		json_decref(ctrs);
		json_array_append_new(out, s);
	}
	return out;
}
