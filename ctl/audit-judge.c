/*
 * guardnetctl audit, second half: who reaches each port from outside.
 *
 * A port is probed with one source for each prefix the rules on its way
 * name (UFW's rules, guardnet.allow, the prefixes the kernel's rules
 * compare sources with) and one for every other source, at each address
 * of the host it is published on.  What a probe gets comes from the rules
 * in the kernel: for Docker's DNAT the forward hook with the packet as
 * DNAT left it, for a socket of the host (docker-proxy, host network) the
 * input hook, for guardnet its own answer (explain walks what its table
 * holds).  What UFW would do comes from UFW's files, as for a host service
 * on that port (ufw-eval.c); a source that gets in where UFW would keep it
 * from a host service is an exposure, unless guardnet.allow or a UFW route
 * rule asked for it.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/rtnetlink.h>

#include "../plugin/addr.h"
#include "audit.h"
#include "ctl.h"

#define CANDS_MAX 64
#define DSTS_MAX 8
#define PROBE_SPORT 40000

struct dst {
	struct gn_addr addr;
	const char *ifname;
};

struct cands {
	struct gn_prefix v[CANDS_MAX];
	size_t n;
};

static void cand_add(struct cands *c, const struct gn_prefix *p, int family)
{
	if (p->addr.family != family || !p->len)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].len == p->len && prefix_contains(&c->v[i], &p->addr))
			return;
	if (c->n < CANDS_MAX)
		c->v[c->n++] = *p;
}

/* The host's addresses outside: not loopback, not a bridge or a bridge's
 * port, not link-local. */
static size_t outside_dsts(const struct audit *a, int family, struct dst *d)
{
	size_t n = 0;

	for (size_t i = 0; i < a->host.n_links; i++) {
		const struct host_link *l = &a->host.links[i];

		if (l->loopback || l->master || !strcmp(l->kind, "bridge"))
			continue;
		for (size_t j = 0; j < l->n_addrs && n < DSTS_MAX; j++) {
			const struct gn_addr *x = &l->addrs[j].addr;

			if (x->family != family || (family == AF_INET6 && x->a[0] == 0xfe && (x->a[1] & 0xc0) == 0x80))
				continue;
			d[n++] = (struct dst){ *x, l->name };
		}
	}
	return n;
}

static const char *link_of_addr(const struct audit *a, const struct gn_addr *x)
{
	for (size_t i = 0; i < a->host.n_links; i++)
		for (size_t j = 0; j < a->host.links[i].n_addrs; j++)
			if (addr_equal(&a->host.links[i].addrs[j].addr, x))
				return a->host.links[i].name;
	return NULL;
}

static bool is_loopback(const struct gn_addr *x)
{
	static const uint8_t one6[16] = { [15] = 1 };

	return x->family == AF_INET ? x->a[0] == 127 : !memcmp(x->a, one6, 16);
}

/* One address in p that no smaller candidate holds, if there is one. */
static struct gn_addr representative(const struct cands *c, const struct gn_prefix *p)
{
	struct gn_addr first, last;
	size_t alen = p->addr.family == AF_INET ? 4 : 16;
	bool first_taken = false, last_taken = false;

	prefix_network(p, &first);
	last = first;
	for (size_t bit = p->len; bit < alen * 8; bit++)
		last.a[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].len <= p->len)
			continue;
		first_taken |= prefix_contains(&c->v[i], &first);
		last_taken |= prefix_contains(&c->v[i], &last);
	}
	return first_taken && !last_taken ? last : first;
}

static struct gn_addr any_source(const struct cands *c, int family)
{
	static const char *const v4[] = { "198.51.100.77", "203.0.113.77", "100.64.0.77", "192.0.2.77" };
	static const char *const v6[] = { "2001:db8:ffff::77", "2001:db8:fffe::77", "fd00:ffff::77" };
	const char *const *list = family == AF_INET ? v4 : v6;
	size_t n = family == AF_INET ? 4 : 3;
	struct gn_addr x;

	for (size_t i = 0; i < n; i++) {
		bool taken = false;

		addr_parse(list[i], &x, "x", NULL);
		for (size_t j = 0; j < c->n; j++)
			taken |= prefix_contains(&c->v[j], &x);
		if (!taken)
			return x;
	}
	addr_parse(list[0], &x, "x", NULL);
	return x;
}

/* What UFW does with the connection to a host service on the port. */
static bool ufw_says(const struct audit *a, const struct audit_port *p, const struct gn_addr *src,
		     const struct dst *d, char *why, size_t len)
{
	struct ufw_query q = { .family = p->family, .proto = p->proto, .src = *src, .dst = d->addr, .dport = p->port,
			       .in_if = d->ifname };
	struct ufw_decision dec;

	if (!a->ufw_read || !a->ufw.enabled) {
		snprintf(why, len, "UFW is not enabled");
		return true;
	}
	if (p->family == AF_INET6 && !a->ufw.ipv6) {
		snprintf(why, len, "UFW leaves IPv6 alone (IPV6=no)");
		return true;
	}
	ufw_eval(&a->ufw, &q, &dec);
	if (dec.line) {
		ufw_decision_format(&a->ufw, &dec, p->family, why, len);
		return dec.outcome == UFW_OUT_ACCEPT || dec.outcome == UFW_OUT_LIMIT;
	}
	snprintf(why, len, "UFW's default incoming policy, %s",
		 a->ufw.in_policy == UFW_POLICY_ACCEPT ? "allow" : a->ufw.in_policy == UFW_POLICY_REJECT ? "reject" : "deny");
	return a->ufw.in_policy == UFW_POLICY_ACCEPT;
}

static void note_unsure(struct audit_port *p, const struct fw_result *res)
{
	for (size_t i = 0; i < res->n_unsure; i++) {
		char w[200];
		size_t used = strlen(p->unsure);

		fw_where_format(&res->unsure[i], w, sizeof w);
		if (strstr(p->unsure, w))
			continue;
		snprintf(p->unsure + used, sizeof p->unsure - used, "%s%s (%s)", used ? "; " : "", w, res->unsure_why[i]);
	}
}

/* The kernel's verdict for a new connection from src to the port at d. */
static bool kernel_says(struct audit *a, struct audit_port *p, const struct gn_addr *src, const struct dst *d,
			char *why, size_t len, struct cands *seen)
{
	struct fw_pkt pkt = { .family = p->family, .proto = p->proto, .iif = d->ifname, .src = *src,
			      .sport = PROBE_SPORT, .ctstate = NF_CT_STATE_BIT(IP_CT_NEW) };
	struct fw_result res;
	int hook;

	if (p->kind == AUDIT_DOCKER || p->kind == AUDIT_GUARDNET_TABLE) {
		hook = NF_INET_FORWARD;
		pkt.oif = p->bridge;
		pkt.dst = p->ctr;
		pkt.dport = p->ctr_port;
		pkt.odst = d->addr;
		pkt.odport = p->port;
		pkt.ctstatus = IPS_DST_NAT;
		pkt.dst_type = RTN_UNICAST;
	} else {
		hook = NF_INET_LOCAL_IN;
		pkt.dst = d->addr;
		pkt.dport = p->port;
		pkt.dst_type = RTN_LOCAL;
	}
	if (hook == NF_INET_FORWARD)
		fw_eval_forwarded(&a->fw, &pkt, &res);
	else
		fw_eval_hook(&a->fw, hook, INT_MAX, &pkt, &res);
	for (size_t i = 0; i < res.n_seen; i++)
		cand_add(seen, &res.seen[i], p->family);
	note_unsure(p, &res);
	/* For guardnet's ports the decision is its own tables' first rule
	 * that accepts (a UFW line in table ip guardnet, else its chain in
	 * table inet guardnet), not a chain's policy nor the accept rule it
	 * keeps in iptables for what it admitted. */
	for (size_t i = 0, found = 0; p->kind == AUDIT_GUARDNET_TABLE && res.v == FW_ACCEPT && i < res.n_accepts; i++)
		if (!found && res.accepts[i].t && !strcmp(res.accepts[i].t->name, "guardnet")) {
			res.by = res.accepts[i];
			found = res.accepts[i].pos != 0;
		}
	if (res.by.t) {
		char w[160];

		fw_where_format(&res.by, w, sizeof w);
		snprintf(why, len, "%s", w);
	} else {
		snprintf(why, len, "no firewall rule on the %s path", hook == NF_INET_FORWARD ? "forward" : "input");
	}
	return res.v == FW_ACCEPT;
}

/* guardnetd's own answer (explain), which walks what its table holds;
 * by names the deciding step shortly, detail in explain's words. */
static bool guardnet_says(struct audit *a, const struct audit_port *p, const struct gn_addr *src, const struct dst *d,
			  const char *ufw_by, char *by, size_t len, char *detail, size_t dlen, bool *deliberate)
{
	char from[GN_PREFIX_STRLEN], to[GN_PREFIX_STRLEN], port[24];
	json_t *req, *reply = NULL;
	const char *v, *step, *because;
	bool ok;

	addr_format(src, from, sizeof from);
	addr_format(&d->addr, to, sizeof to);
	snprintf(port, sizeof port, "%u/%s", p->port, p->proto == 6 ? "tcp" : p->proto == 17 ? "udp" : "sctp");
	req = json_pack("{s:s,s:s,s:s,s:s}", "cmd", "explain", "from", from, "to", to, "port", port);
	if (d->ifname)
		json_object_set_new(req, "in", json_string(d->ifname));
	if (ctl_ask(a->control, req, a->timeout_s, &reply) != 0 || !(v = json_string_value(json_object_get(reply, "verdict")))) {
		snprintf(by, len, "guardnetd did not answer");
		json_decref(req);
		json_decref(reply);
		return false;
	}
	step = json_string_value(json_object_get(reply, "step")) ?: "";
	because = json_string_value(json_object_get(reply, "because")) ?: v;
	snprintf(detail, dlen, "guardnet: %s", because);
	if (!strcmp(step, "ufw-in"))
		snprintf(by, len, "%s", ufw_by);
	else if (!strcmp(step, "allow"))
		snprintf(by, len, "guardnet.allow of network %s", p->network);
	else if (!strcmp(step, "endpoint-allow"))
		snprintf(by, len, "guardnet.allow of its endpoint");
	else if (!strcmp(step, "ufw-route"))
		snprintf(by, len, "a UFW route rule");
	else if (!strcmp(step, "policy"))
		snprintf(by, len, "UFW's default incoming policy, in guardnet's table");
	else if (!strcmp(step, "default"))
		snprintf(by, len, "guardnet (not in guardnet.allow, UFW not in force for the network)");
	else
		snprintf(by, len, "guardnet: %s", because);
	ok = !strncmp(v, "accept", 6);
	*deliberate = ok && (!strcmp(step, "allow") || !strcmp(step, "endpoint-allow") || !strcmp(step, "ufw-route"));
	json_decref(req);
	json_decref(reply);
	return ok;
}

static void probe(struct audit *a, struct audit_port *p, const struct gn_prefix *from, const struct gn_addr *src,
		  const struct dst *d, size_t n_d, struct cands *seen)
{
	struct audit_probe r = { .from = *from, .src = *src, .ufw_accepts = true }, *v;

	for (size_t i = 0; i < n_d; i++) {
		char by[200], ufw_by[200], detail[300] = "";
		bool deliberate = false, in, u;

		if (!p->any && !addr_equal(&p->host.addr, &d[i].addr))
			continue;
		u = ufw_says(a, p, src, &d[i], ufw_by, sizeof ufw_by);
		in = p->kind == AUDIT_GUARDNET
			     ? guardnet_says(a, p, src, &d[i], ufw_by, by, sizeof by, detail, sizeof detail, &deliberate)
			     : kernel_says(a, p, src, &d[i], by, sizeof by, seen);
		/* ufw-docker's route rules (ufw-user-forward in DOCKER-USER)
		 * are UFW rules the administrator wrote for the container. */
		deliberate |= in && strstr(by, "ufw-user-forward") != NULL;
		/* guardnet's own chains pub and allow-B: the hairpin,
		 * guardnet.allow and UFW's default policy. */
		deliberate |= in && p->kind == AUDIT_GUARDNET_TABLE &&
			      (strstr(by, "table inet guardnet chain pub rule") || strstr(by, "table inet guardnet chain allow-"));
		if ((in && (!r.accepted || (!u && r.ufw_accepts))) || (!r.accepted && !r.by[0])) {
			r.accepted = in;
			r.deliberate = deliberate;
			snprintf(r.by, sizeof r.by, "%s", by);
			snprintf(r.detail, sizeof r.detail, "%s", detail);
			r.ufw_accepts = u;
			snprintf(r.ufw_by, sizeof r.ufw_by, "%s", ufw_by);
		}
	}
	if (!(v = realloc(p->probes, (p->n_probes + 1) * sizeof *v)))
		return;
	p->probes = v;
	v[p->n_probes++] = r;
}

static bool line_has_port(const struct ufw_ports *v, uint16_t port)
{
	for (size_t i = 0; i < v->n; i++)
		if (port >= v->lo[i] && port <= v->hi[i])
			return true;
	return !v->n;
}

/* The sources UFW's incoming lines name for the port (before, user and
 * after rules alike: those lines decide, ufw-eval.c). */
static void ufw_prefixes(const struct audit *a, const struct audit_port *p, struct cands *c)
{
	const struct ufw_ruleset *rs = p->family == AF_INET ? &a->ufw.rs4 : &a->ufw.rs6;

	for (size_t i = 0; a->ufw_read && i < rs->n_lines; i++) {
		const struct ufw_line *l = &rs->lines[i];
		const char *chain = rs->chains[l->chain].name;

		if (strstr(chain, "-output") || strstr(chain, "-forward"))
			continue;
		if (line_has_port(&l->dport, p->port) && line_has_port(&l->port, p->port))
			cand_add(c, &l->src, p->family);
	}
}

/* A loopback publish of Docker's: the host, and neighbours that send to
 * 127.0.0.1 unless something drops them before Docker's DNAT (guardnet's
 * raw-prerouting chain does, host-wide, and Docker 28's raw-table rule;
 * research/docker-remote-driver.md section 3.2). */
static void judge_loopback(struct audit *a, struct audit_port *p)
{
	p->reach = REACH_HOST;
	snprintf(p->verdict, sizeof p->verdict, "reachable only from the host");
	if (p->kind != AUDIT_DOCKER || p->family != AF_INET)
		return;
	for (size_t i = 0; i < a->host.n_links; i++) {
		const struct host_link *l = &a->host.links[i];
		struct fw_pkt pkt = { .family = AF_INET, .proto = p->proto, .iif = l->name, .dst = p->host.addr,
				      .sport = PROBE_SPORT, .dport = p->port, .ctstate = NF_CT_STATE_BIT(IP_CT_NEW),
				      .dst_type = RTN_LOCAL };
		struct fw_result res;
		char net[GN_PREFIX_STRLEN], w[160];

		if (l->loopback || l->master || !strcmp(l->kind, "bridge"))
			continue;
		for (size_t j = 0; j < l->n_addrs; j++) {
			struct gn_prefix sub = l->addrs[j];

			if (sub.addr.family != AF_INET || sub.len >= 31)
				continue;
			/* A neighbour: the subnet's address after the host's. */
			pkt.src = sub.addr;
			pkt.src.a[3] = (uint8_t)(pkt.src.a[3] >= 254 ? pkt.src.a[3] - 1 : pkt.src.a[3] + 1);
			fw_eval_hook(&a->fw, NF_INET_PRE_ROUTING, -100, &pkt, &res);
			note_unsure(p, &res);
			if (res.v != FW_ACCEPT) {
				fw_where_format(&res.by, w, sizeof w);
				snprintf(p->verdict, sizeof p->verdict, "reachable only from the host (neighbours that "
					 "send to 127.0.0.1: %s)", w);
				continue;
			}
			pkt.oif = p->bridge;
			pkt.odst = pkt.dst;
			pkt.odport = p->port;
			pkt.dst = p->ctr;
			pkt.dport = p->ctr_port;
			pkt.ctstatus = IPS_DST_NAT;
			pkt.dst_type = RTN_UNICAST;
			fw_eval_forwarded(&a->fw, &pkt, &res);
			note_unsure(p, &res);
			if (res.v != FW_ACCEPT)
				continue;
			prefix_network(&sub, &sub.addr);
			prefix_format(&sub, net, sizeof net);
			fw_where_format(&res.by, w, sizeof w);
			p->reach = REACH_SOME;
			p->neighbours = p->exposed = true;
			snprintf(p->verdict, sizeof p->verdict,
				 "reachable from the host and from neighbours on %s (%s) that send to 127.0.0.1: nothing "
				 "drops them before Docker's DNAT (%s); a host service on 127.0.0.1:%u is not reachable "
				 "from them", l->name, net, w, p->port);
			return;
		}
	}
}

static const char *net_of(const struct gn_prefix *from, char *buf, size_t len)
{
	if (!from->len)
		return "any other source";
	prefix_format(from, buf, len);
	return buf;
}

static void sentence(struct audit_port *p)
{
	const struct audit_probe *any = NULL;
	const char *proto = p->proto == 17 ? "udp" : p->proto == 132 ? "sctp" : "tcp";
	char list[300] = "", pre[GN_PREFIX_STRLEN];
	size_t used = 0;

	for (size_t i = 0; i < p->n_probes; i++) {
		const struct audit_probe *r = &p->probes[i];

		if (!r->from.len)
			any = r;
		if (r->accepted && !r->ufw_accepts && !r->deliberate)
			p->exposed = true;
		if (r->accepted && r->from.len && used < sizeof list)
			used += (size_t)snprintf(list + used, sizeof list - used, "%s%s by %s", used ? ", " : "",
						 net_of(&r->from, pre, sizeof pre), r->by);
	}
	if (any)
		snprintf(p->ufw_says, sizeof p->ufw_says, "%s %s", any->ufw_by, any->ufw_accepts ? "allows it" : "blocks it");
	if (any && any->accepted) {
		p->reach = REACH_ANY;
		snprintf(p->verdict, sizeof p->verdict, "open to any source %s UFW %s port %u/%s (%s); accepted by %s",
			 any->ufw_accepts ? "as" : "although", any->ufw_accepts ? "allows" : "denies", p->port, proto,
			 any->ufw_by, any->by);
	} else if (used) {
		p->reach = REACH_SOME;
		snprintf(p->verdict, sizeof p->verdict, "allowed from %s; others: %s", list, any ? any->by : "closed");
	} else {
		p->reach = REACH_HOST;
		snprintf(p->verdict, sizeof p->verdict, "reachable only from the host (others: %s)", any ? any->by : "closed");
	}
}

static void judge(struct audit *a, struct audit_port *p)
{
	struct dst d[DSTS_MAX];
	size_t n_d;
	struct cands c = { 0 }, seen = { 0 };
	struct gn_prefix anyp = { .addr.family = (uint8_t)p->family };
	struct gn_addr src;

	if (!p->any && is_loopback(&p->host.addr)) {
		judge_loopback(a, p);
		return;
	}
	if (p->kind == AUDIT_GUARDNET && !a->guardnetd) {
		p->reach = REACH_UNKNOWN;
		snprintf(p->verdict, sizeof p->verdict, "guardnetd did not answer");
		return;
	}
	if (p->any) {
		n_d = outside_dsts(a, p->family, d);
	} else {
		d[0] = (struct dst){ p->host.addr, link_of_addr(a, &p->host.addr) };
		n_d = 1;
	}
	if (!n_d) {
		p->reach = REACH_HOST;
		snprintf(p->verdict, sizeof p->verdict, "reachable only from the host: it has no %s address outside",
			 p->family == AF_INET ? "IPv4" : "IPv6");
		return;
	}
	ufw_prefixes(a, p, &c);
	for (size_t i = 0; i < p->n_allow; i++)
		cand_add(&c, &p->allow[i], p->family);
	/* Every other source first: the kernel's rules on its way name the
	 * prefixes worth a probe of their own. */
	src = any_source(&c, p->family);
	probe(a, p, &anyp, &src, d, n_d, &seen);
	for (size_t round = 0; round < 3; round++) {
		size_t before = c.n;

		for (size_t i = 0; i < seen.n; i++)
			cand_add(&c, &seen.v[i], p->family);
		seen.n = 0;
		if (round && c.n == before)
			break;
		for (size_t i = round ? before : 0; i < c.n; i++) {
			struct gn_addr rep = representative(&c, &c.v[i]);

			probe(a, p, &c.v[i], &rep, d, n_d, &seen);
		}
	}
	sentence(p);
}

void audit_judge(struct audit *a)
{
	for (size_t i = 0; i < a->n; i++)
		judge(a, &a->v[i]);
}
