/*
 * guardnetctl audit, first half: which ports are published, read from
 * where they are published (the kernel's DNAT rules, docker-proxy's
 * command line, guardnetd's status, the sockets of host-network
 * containers), with names from Docker's socket when it answers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netfilter.h>

#include "../plugin/addr.h"
#include "audit.h"
#include "ctl.h"
#include "docker-get.h"

#define DOCKER_TIMEOUT 3.0

void audit_note(struct audit *a, const char *fmt, ...)
{
	char line[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	json_array_append_new(a->notes, json_string(line));
}

const char *audit_kind_name(enum audit_kind k)
{
	static const char *const names[] = { "docker", "docker-proxy", "guardnet", "guardnet", "host network" };

	return names[k];
}

static const char *proto_word(uint8_t p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 132 ? "sctp" : "?";
}

void audit_port_label(const struct audit_port *p, char *buf, size_t len)
{
	char host[GN_PREFIX_STRLEN], ctr[GN_PREFIX_STRLEN + 2] = "";

	if (p->any)
		snprintf(host, sizeof host, "%s", p->family == AF_INET ? "0.0.0.0" : "::");
	else
		addr_format(&p->host.addr, host, sizeof host);
	if (p->has_ctr)
		snprintf(ctr, sizeof ctr, "->%u", p->ctr_port);
	snprintf(buf, len, "%s%s%s:%u%s/%s", p->family == AF_INET6 ? "[" : "", host, p->family == AF_INET6 ? "]" : "",
		 p->port, ctr, proto_word(p->proto));
}

static struct audit_port *add(struct audit *a)
{
	struct audit_port *v = realloc(a->v, (a->n + 1) * sizeof *v);

	if (!v)
		return NULL;
	a->v = v;
	return memset(&v[a->n++], 0, sizeof *v);
}

/* Docker's container with address ctr (or endpoint ep, or ID id): its name
 * and the network's name. */
static void docker_names(const struct audit *a, const struct gn_addr *ctr, const char *ep, const char *id,
			 struct audit_port *p)
{
	json_t *c, *nets, *n;
	const char *net_name;
	size_t i;

	json_array_foreach(a->containers, i, c) {
		const char *cid = json_string_value(json_object_get(c, "Id"));
		const char *name = json_string_value(json_array_get(json_object_get(c, "Names"), 0));
		bool hit = id && cid && !strncmp(cid, id, strlen(id));

		nets = json_object_get(json_object_get(c, "NetworkSettings"), "Networks");
		json_object_foreach(nets, net_name, n) {
			const char *eid = json_string_value(json_object_get(n, "EndpointID"));
			const char *a4 = json_string_value(json_object_get(n, "IPAddress"));
			const char *a6 = json_string_value(json_object_get(n, "GlobalIPv6Address"));
			struct gn_addr x;
			bool here = (ep && eid && *ep && !strncmp(eid, ep, strlen(ep))) ||
				    (ctr && ((a4 && *a4 && addr_parse(a4, &x, "x", NULL) == 0 && addr_equal(&x, ctr)) ||
					     (a6 && *a6 && addr_parse(a6, &x, "x", NULL) == 0 && addr_equal(&x, ctr))));

			if (!here && !(hit && !strcmp(net_name, "host")))
				continue;
			snprintf(p->network, sizeof p->network, "%s", net_name);
			snprintf(p->net_id, sizeof p->net_id, "%s", json_string_value(json_object_get(n, "NetworkID")) ?: "");
			hit = true;
		}
		if (hit && name) {
			snprintf(p->container, sizeof p->container, "%s", name[0] == '/' ? name + 1 : name);
			return;
		}
	}
}

json_t *audit_docker_network(const struct audit *a, const struct audit_port *p)
{
	json_t *n;
	size_t i;

	json_array_foreach(a->networks, i, n) {
		const char *id = json_string_value(json_object_get(n, "Id"));
		const char *br = json_string_value(json_object_get(json_object_get(n, "Options"),
								   "com.docker.network.bridge.name"));
		char dflt[32];

		snprintf(dflt, sizeof dflt, "br-%.12s", id ? id : "");
		if ((p->net_id[0] && id && !strcmp(id, p->net_id)) ||
		    (p->bridge[0] && (br ? !strcmp(br, p->bridge) : !strcmp(dflt, p->bridge))))
			return n;
	}
	return NULL;
}

static void name_by_bridge(const struct audit *a, struct audit_port *p)
{
	json_t *n;

	if (!p->network[0] && (n = audit_docker_network(a, p))) {
		snprintf(p->network, sizeof p->network, "%s", json_string_value(json_object_get(n, "Name")) ?: "");
		snprintf(p->net_id, sizeof p->net_id, "%s", json_string_value(json_object_get(n, "Id")) ?: "");
	}
	if (!p->network[0])
		snprintf(p->network, sizeof p->network, "%s", p->bridge[0] ? p->bridge : "?");
}

static void docker_ports(struct audit *a)
{
	struct fw_dnat *d;
	size_t n;

	if (fw_dnat_list(&a->fw, &d, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct audit_port *p = add(a);
		const struct host_link *br;

		if (!p)
			break;
		p->kind = AUDIT_DOCKER;
		p->family = d[i].family;
		p->proto = d[i].proto;
		p->any = d[i].any;
		p->host = d[i].host;
		p->port = d[i].port;
		p->has_ctr = true;
		p->ctr = d[i].ctr;
		p->ctr_port = d[i].ctr_port;
		snprintf(p->where, sizeof p->where, "%s", d[i].where);
		br = d[i].not_iif[0] ? host_link_by_name(&a->host, d[i].not_iif) : host_bridge_of(&a->host, &d[i].ctr);
		snprintf(p->bridge, sizeof p->bridge, "%s", br ? br->name : d[i].not_iif);
		docker_names(a, &p->ctr, NULL, NULL, p);
		name_by_bridge(a, p);
	}
	free(d);
}

/* A docker-proxy whose port no DNAT rule of its family covers is what
 * outside clients reach (Docker's host-IPv6 to IPv4-container proxying,
 * or dockerd without iptables). */
static void proxy_ports(struct audit *a, size_t n_dnat)
{
	for (size_t i = 0; i < a->host.n_proxies; i++) {
		const struct host_proxy *x = &a->host.proxies[i];
		bool covered = false;
		struct audit_port *p;
		const struct host_link *br;

		for (size_t j = 0; j < n_dnat && !covered; j++) {
			const struct audit_port *d = &a->v[j];

			covered = d->family == x->host.family && d->proto == x->proto && d->port == x->port &&
				  (d->any || addr_is_any(&x->host) || prefix_contains(&d->host, &x->host));
		}
		if (covered || !(p = add(a)))
			continue;
		p->kind = AUDIT_PROXY;
		p->family = x->host.family;
		p->proto = x->proto;
		p->any = addr_is_any(&x->host);
		p->host = (struct gn_prefix){ x->host, (uint8_t)(x->host.family == AF_INET ? 32 : 128) };
		p->port = x->port;
		p->has_ctr = true;
		p->ctr = x->ctr;
		p->ctr_port = x->ctr_port;
		snprintf(p->where, sizeof p->where, "docker-proxy (pid %d)", x->pid);
		if ((br = host_bridge_of(&a->host, &x->ctr)))
			snprintf(p->bridge, sizeof p->bridge, "%s", br->name);
		docker_names(a, &p->ctr, NULL, NULL, p);
		name_by_bridge(a, p);
	}
}

/* "0.0.0.0:8080/tcp -> 10.97.0.2:80", or {"host_address", "host_port",
 * "proto", "container_address", "container_port"}. */
static bool read_pub(json_t *j, struct audit_port *p)
{
	char host[80], ctr[80], proto[8];
	const char *s = json_string_value(j), *arrow, *slash, *colon;
	unsigned port, cport;

	if (json_is_object(j)) {
		snprintf(host, sizeof host, "%s", json_string_value(json_object_get(j, "host_address")) ?: "");
		snprintf(ctr, sizeof ctr, "%s", json_string_value(json_object_get(j, "container_address")) ?: "");
		snprintf(proto, sizeof proto, "%s", json_string_value(json_object_get(j, "proto")) ?: "");
		port = (unsigned)json_integer_value(json_object_get(j, "host_port"));
		cport = (unsigned)json_integer_value(json_object_get(j, "container_port"));
	} else if (s && (arrow = strstr(s, " -> ")) && (slash = memchr(s, '/', (size_t)(arrow - s)))) {
		for (colon = slash; colon > s && *colon != ':'; colon--)
			;
		snprintf(host, sizeof host, "%.*s", (int)(colon - s), s);
		snprintf(proto, sizeof proto, "%.*s", (int)(arrow - slash - 1), slash + 1);
		port = (unsigned)atoi(colon + 1);
		colon = strrchr(arrow, ':');
		if (!colon)
			return false;
		snprintf(ctr, sizeof ctr, "%.*s", (int)(colon - arrow - 4), arrow + 4);
		cport = (unsigned)atoi(colon + 1);
	} else {
		return false;
	}
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	if (ctr[0] == '[') {
		memmove(ctr, ctr + 1, strlen(ctr));
		ctr[strcspn(ctr, "]")] = '\0';
	}
	if (addr_parse(host, &p->host.addr, "x", NULL) < 0 || addr_parse(ctr, &p->ctr, "x", NULL) < 0 || !port ||
	    port > 65535 || cport > 65535)
		return false;
	p->family = p->host.addr.family;
	p->host.len = p->family == AF_INET ? 32 : 128;
	p->any = addr_is_any(&p->host.addr);
	p->port = (uint16_t)port;
	p->ctr_port = (uint16_t)cport;
	p->has_ctr = true;
	p->proto = !strcmp(proto, "tcp") ? 6 : !strcmp(proto, "udp") ? 17 : 132;
	return true;
}

static void read_allow(json_t *list, struct audit_port *p)
{
	json_t *x;
	size_t i;

	json_array_foreach(list, i, x) {
		const char *s = json_string_value(x);

		if (s && p->n_allow < sizeof p->allow / sizeof p->allow[0] &&
		    prefix_parse(s, true, false, &p->allow[p->n_allow], "x", NULL) == 0)
			p->n_allow++;
	}
}

/* Without guardnetd: its ports from its maps in the kernel (fw-nft-pub.c
 * writes a key host address . protocol . port, or protocol . port for
 * every local address, each field padded to 4 bytes, and the data
 * container address . port), judged by the kernel's rules like Docker's. */
static void guardnet_table_ports(struct audit *a)
{
	static const struct {
		const char *name;
		int family;
		bool any;
	} maps[] = { { "pub4", AF_INET, false }, { "any4", AF_INET, true }, { "pub6", AF_INET6, false },
		     { "any6", AF_INET6, true } };
	struct fw_table *t = NULL;

	for (size_t i = 0; i < a->fw.n && !t; i++)
		if (!a->fw.v[i].legacy && a->fw.v[i].family == NFPROTO_INET && !strcmp(a->fw.v[i].name, "guardnet"))
			t = &a->fw.v[i];
	if (!t)
		return;
	for (size_t m = 0; m < sizeof maps / sizeof maps[0]; m++) {
		struct fw_set *s = fw_set_get(t, maps[m].name, 0);
		size_t alen = maps[m].family == AF_INET ? 4 : 16, k = maps[m].any ? 0 : alen;

		for (size_t i = 0; s && !s->err && i < s->n; i++) {
			const struct fw_elem *e = &s->v[i];
			struct audit_port *p;
			const struct host_link *br;

			if (e->klen != k + 8 || e->dlen != alen + 4 || !(p = add(a)))
				continue;
			p->kind = AUDIT_GUARDNET_TABLE;
			p->family = maps[m].family;
			p->any = maps[m].any;
			p->host.addr.family = (uint8_t)p->family;
			p->host.len = (uint8_t)(alen * 8);
			if (!p->any)
				memcpy(p->host.addr.a, e->key, alen);
			p->proto = e->key[k];
			p->port = (uint16_t)(e->key[k + 4] << 8 | e->key[k + 5]);
			p->has_ctr = true;
			p->ctr.family = (uint8_t)p->family;
			memcpy(p->ctr.a, e->data, alen);
			p->ctr_port = (uint16_t)(e->data[alen] << 8 | e->data[alen + 1]);
			snprintf(p->where, sizeof p->where, "nft table inet guardnet map %s", maps[m].name);
			if ((br = host_bridge_of(&a->host, &p->ctr)))
				snprintf(p->bridge, sizeof p->bridge, "%s", br->name);
			docker_names(a, &p->ctr, NULL, NULL, p);
			name_by_bridge(a, p);
		}
	}
}

static void guardnet_ports(struct audit *a)
{
	json_t *req, *reply = NULL, *net, *ep, *pub;
	size_t i, j, k;

	if (access(a->control, F_OK) < 0) {
		audit_note(a, "guardnetd is not running (no control socket at %s): guardnet's ports come from its "
			      "table in the kernel, judged by the kernel's rules", a->control);
		guardnet_table_ports(a);
		return;
	}
	req = json_pack("{s:s}", "cmd", "status");
	if (ctl_ask(a->control, req, a->timeout_s, &reply) != 0 || json_object_get(reply, "Err")) {
		audit_note(a, "guardnetd did not answer at %s: guardnet's ports come from its table in the kernel "
			      "(its rules stay in force), judged by the kernel's rules", a->control);
		json_decref(req);
		json_decref(reply);
		guardnet_table_ports(a);
		return;
	}
	json_decref(req);
	a->guardnetd = true;
	json_array_foreach(json_object_get(reply, "networks"), i, net) {
		json_array_foreach(json_object_get(net, "endpoints"), j, ep) {
			json_array_foreach(json_object_get(ep, "published"), k, pub) {
				struct audit_port q = { .kind = AUDIT_GUARDNET }, *p;

				if (!read_pub(pub, &q) || !(p = add(a)))
					continue;
				*p = q;
				snprintf(p->bridge, sizeof p->bridge, "%s", json_string_value(json_object_get(net, "bridge")) ?: "");
				snprintf(p->ep_id, sizeof p->ep_id, "%s", json_string_value(json_object_get(ep, "id")) ?: "");
				snprintf(p->net_id, sizeof p->net_id, "%s", json_string_value(json_object_get(net, "id")) ?: "");
				snprintf(p->where, sizeof p->where, "guardnet (network %.12s)", p->net_id);
				read_allow(json_object_get(net, "allow"), p);
				read_allow(json_object_get(ep, "allow"), p);
				docker_names(a, &p->ctr, p->ep_id, NULL, p);
				name_by_bridge(a, p);
			}
		}
	}
	json_decref(reply);
}

/* Sockets of processes in containers that share the host's network
 * namespace: Docker's host network. */
static void hostnet_ports(struct audit *a)
{
	for (size_t i = 0; i < a->host.n_socks; i++) {
		const struct host_sock *s = &a->host.socks[i];
		int fams = s->family == AF_INET6 && !s->v6only && addr_is_any(&s->addr) ? 2 : 1;

		if (!s->container[0] || !strcmp(s->comm, "docker-proxy"))
			continue;
		for (int f = 0; f < fams; f++) {
			struct audit_port *p = add(a);

			if (!p)
				return;
			p->kind = AUDIT_HOSTNET;
			p->family = f ? AF_INET : s->family;
			p->proto = s->proto;
			p->any = addr_is_any(&s->addr);
			p->host = (struct gn_prefix){ s->addr, (uint8_t)(s->family == AF_INET ? 32 : 128) };
			p->host.addr.family = (uint8_t)p->family;
			p->port = s->port;
			snprintf(p->where, sizeof p->where, "%s (pid %d) listening", s->comm, s->pid);
			docker_names(a, NULL, NULL, s->container, p);
			if (!p->container[0])
				snprintf(p->container, sizeof p->container, "%.12s", s->container);
			if (!p->network[0])
				snprintf(p->network, sizeof p->network, "host");
		}
	}
}

static bool ufw_chains_loaded(const struct fw_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->v[i].name, "filter") && fw_chain_find(&rs->v[i], "ufw-user-input"))
			return true;
	return false;
}

int audit_gather(struct audit *a, const char *control, double timeout_s, bool docker)
{
	struct gn_err err;
	size_t n_dnat;
	int r;

	memset(a, 0, sizeof *a);
	a->notes = json_array();
	a->control = control;
	a->timeout_s = timeout_s;
	fw_read(&a->fw);
	if (a->fw.err == -EPERM || a->fw.err == -EACCES)
		return -EPERM;
	if (a->fw.err)
		audit_note(a, "cannot read %s: %s: verdicts may miss its rules", a->fw.err_what, strerror(-a->fw.err));
	if ((r = host_read(&a->host)) < 0)
		audit_note(a, "cannot read the host's %s: %s", a->host.err_what, strerror(-r));
	a->ufw_read = ufw_load("/", &a->ufw, &err) == 0;
	if (!a->ufw_read)
		audit_note(a, "%s: UFW's verdicts are left out", err.msg);
	a->ufw_in_kernel = ufw_chains_loaded(&a->fw);
	if (a->ufw_read && a->ufw.enabled && !a->ufw_in_kernel)
		audit_note(a, "UFW is enabled in /etc/ufw/ufw.conf but its chains are not in the kernel: it filters "
			      "nothing until it is started");
	if (docker) {
		const char *sock = docker_socket();

		if ((r = docker_get(sock, "/containers/json?all=1", DOCKER_TIMEOUT, &a->containers)) == 0)
			r = docker_get(sock, "/networks", DOCKER_TIMEOUT, &a->networks);
		if (r < 0)
			audit_note(a, "Docker's socket %s: %s: containers and networks are named by address and bridge",
				   sock, strerror(-r));
	}
	docker_ports(a);
	n_dnat = a->n;
	proxy_ports(a, n_dnat);
	guardnet_ports(a);
	hostnet_ports(a);
	return 0;
}

void audit_clear(struct audit *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].probes);
	free(a->v);
	json_decref(a->notes);
	json_decref(a->containers);
	json_decref(a->networks);
	fw_clear(&a->fw);
	host_clear(&a->host);
	if (a->ufw_read)
		ufw_config_clear(&a->ufw);
	memset(a, 0, sizeof *a);
}

int ctl_audit(const char *control, double timeout_s, bool as_json, bool suggest, bool docker)
{
	struct audit a;
	int r = audit_gather(&a, control, timeout_s, docker);

	if (r == -EPERM) {
		fprintf(stderr, "guardnetctl: audit reads the kernel's firewall: it needs root (CAP_NET_ADMIN)\n");
		audit_clear(&a);
		return CTL_EXIT_USAGE;
	}
	audit_judge(&a);
	r = audit_print(&a, as_json, suggest);
	audit_clear(&a);
	return r;
}
