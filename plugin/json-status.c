#include <stdio.h>
#include <sys/socket.h>

#include "addr.h"
#include "json-status.h"
#include "options.h"
#include "ufw.h"

static json_t *prefixes(const struct gn_prefix *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		char buf[GN_PREFIX_STRLEN];

		prefix_format(&v[i], buf, sizeof buf);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

static json_t *addrs(const struct gn_addr_list *l)
{
	json_t *a = json_array();

	for (size_t i = 0; l && i < l->n; i++) {
		char buf[GN_PREFIX_STRLEN];

		addr_format(&l->v[i], buf, sizeof buf);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

static json_t *counters(const struct report_counters *c)
{
	if (!c->known)
		return json_null();
	return json_pack("{s:I,s:I}", "admitted", (json_int_t)c->admitted, "blocked", (json_int_t)c->blocked);
}

static json_t *reach(const struct report_reach *r)
{
	static const struct {
		const char *action, *by;
	} dflt[] = {
		[REPORT_DEFAULT_DENY] = { "deny", "guardnet" },
		[REPORT_DEFAULT_UFW_DENY] = { "deny", "ufw" },
		[REPORT_DEFAULT_UFW_REJECT] = { "reject", "ufw" },
		[REPORT_DEFAULT_UFW_ALLOW] = { "allow", "ufw" },
	};
	json_t *rules = json_array(), *d = json_null();

	for (size_t i = 0; i < r->n_ufw_rules; i++)
		json_array_append_new(rules, json_integer(r->ufw_rules[i]));
	if (r->dflt != REPORT_DEFAULT_NONE)
		d = json_pack("{s:s,s:s}", "action", dflt[r->dflt].action, "by", dflt[r->dflt].by);
	return json_pack("{s:b,s:b,s:o,s:o,s:o}", "host", true, "hairpin", r->hairpin, "ufw_rules", rules, "allow",
			 prefixes(r->allow, r->n_allow), "default", d);
}

/* Docker's notation: 0.0.0.0:8080->80/tcp, [::]:8443->443/tcp. */
static void docker_notation(const struct gn_pub *p, const char *host, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s:%u->%u/%s", p->family == AF_INET6 ? "[" : "", host,
		 p->family == AF_INET6 ? "]" : "", p->port, p->ctr_port, proto_name(p->proto));
}

static json_t *port(const struct report_port *rp)
{
	const struct gn_pub *p = &rp->pub;
	char host[GN_PREFIX_STRLEN], ctr[GN_PREFIX_STRLEN], docker[GN_PREFIX_STRLEN + 32];

	if (p->any)
		snprintf(host, sizeof host, "%s", p->family == AF_INET ? "0.0.0.0" : "::");
	else
		addr_format(&p->host, host, sizeof host);
	addr_format(&p->ctr, ctr, sizeof ctr);
	docker_notation(p, host, docker, sizeof docker);
	return json_pack("{s:s,s:i,s:s,s:s,s:i,s:s,s:o,s:o}", "host_address", host, "host_port", p->port, "proto",
			 proto_name(p->proto), "container_address", ctr, "container_port", p->ctr_port, "docker", docker,
			 "reach", reach(&rp->reach), "counters", counters(&rp->count));
}

static json_t *endpoint(const struct report_endpoint *e)
{
	char a4[GN_PREFIX_STRLEN], a6[GN_PREFIX_STRLEN];
	json_t *ports = json_array();

	if (e->has_addr4)
		addr_format(&e->addr4, a4, sizeof a4);
	if (e->has_addr6)
		addr_format(&e->addr6, a6, sizeof a6);
	for (size_t i = 0; i < e->n_ports; i++)
		json_array_append_new(ports, port(&e->ports[i]));
	return json_pack("{s:s,s:s?,s:s?,s:o,s:o}", "id", e->id, "address", e->has_addr4 ? a4 : NULL, "address6",
			 e->has_addr6 ? a6 : NULL, "allow", prefixes(e->allow->v, e->allow->n), "published", ports);
}

static json_t *subnets(const struct report_network *n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n->n_subnets4 + n->n_subnets6; i++) {
		const struct gn_prefix *p = i < n->n_subnets4 ? &n->subnets4[i].pool
							      : &n->subnets6[i - n->n_subnets4].pool;

		json_array_extend(a, prefixes(p, 1));
	}
	return a;
}

static json_t *network(const struct report_network *n)
{
	json_t *eps = json_array();

	for (size_t i = 0; i < n->n_eps; i++)
		json_array_append_new(eps, endpoint(&n->eps[i]));
	return json_pack("{s:s,s:s,s:b,s:b,s:s,s:b,s:o,s:o,s:o,s:o,s:o}", "id", n->id, "bridge", n->bridge,
			 "internal", n->internal, "icc", n->icc, "ufw", ufw_mode_name(n->ufw), "ufw_in_force",
			 n->ufw_in_force, "publish", addrs(n->publish), "allow", prefixes(n->allow->v, n->allow->n),
			 "subnets", subnets(n), "counters", counters(&n->count), "endpoints", eps);
}

/* An address of a UFW rule as UFW prints it: a single host without its length. */
static void ufw_addr(const struct gn_prefix *p, char *buf, size_t len)
{
	if (p->len == (p->addr.family == AF_INET ? 32 : 128))
		addr_format(&p->addr, buf, len);
	else
		prefix_format(p, buf, len);
}

static json_t *ufw_rules(const struct ufw_config *u)
{
	json_t *a = json_array();

	for (int f = 0; f < 2; f++) {
		const struct ufw_rule *v = f ? u->v6 : u->v4;
		size_t n = f ? u->n6 : u->n4;

		for (size_t i = 0; i < n; i++) {
			char text[256], src[GN_PREFIX_STRLEN], dst[GN_PREFIX_STRLEN];

			ufw_rule_format(&v[i], text, sizeof text);
			ufw_addr(&v[i].src, src, sizeof src);
			ufw_addr(&v[i].dst, dst, sizeof dst);
			json_array_append_new(
				a, json_pack("{s:i,s:s,s:s,s:b,s:s?,s:s?,s:s?,s:s,s:i}", "number",
					     ufw_rule_number(u, f ? AF_INET6 : AF_INET, i), "text", text, "action",
					     ufw_action_name(v[i].action), "route", v[i].route, "from",
					     v[i].src.len ? src : NULL, "to", v[i].dst.len ? dst : NULL, "in",
					     v[i].in_if[0] ? v[i].in_if : NULL, "file", f ? "user6.rules" : "user.rules",
					     "line", v[i].line));
		}
	}
	return a;
}

/* The lines of UFW's files guardnet cannot express. */
static json_t *unreadable(const struct report_status *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->n_ufw_unreadable; i++)
		json_array_append_new(a, json_pack("{s:s,s:i,s:s}", "file", s->ufw_unreadable[i].file, "line",
						   (int)s->ufw_unreadable[i].line, "why", s->ufw_unreadable[i].why));
	return a;
}

static json_t *ufw(const struct report_status *s)
{
	const struct ufw_config *u = s->ufw;
	static const char *const policy[] = { [UFW_POLICY_DROP] = "deny", [UFW_POLICY_ACCEPT] = "allow",
					      [UFW_POLICY_REJECT] = "reject" };

	if (!u)
		return json_pack("{s:b,s:b,s:n,s:b,s:[],s:[]}", "read", false, "enabled", false, "default_incoming",
				 "ipv6", false, "rules", "unreadable");
	return json_pack("{s:b,s:b,s:s,s:b,s:o,s:o}", "read", true, "enabled", u->enabled, "default_incoming",
			 policy[u->in_policy], "ipv6", u->ipv6, "rules", ufw_rules(u), "unreadable", unreadable(s));
}

json_t *json_status(const struct report_status *s, const char *version)
{
	const char *ipt = s->fw.iptables_nft ? (s->fw.iptables_legacy ? "both" : "nf_tables")
					     : (s->fw.iptables_legacy ? "legacy" : "none");
	json_t *nets = json_array(), *ingress = json_array();

	for (size_t i = 0; i < s->n_nets; i++)
		json_array_append_new(nets, network(&s->nets[i]));
	/* "8083/tcp" */
	for (size_t i = 0; i < s->n_ingress; i++)
		json_array_append_new(ingress, json_sprintf("%u/%s", s->ingress[i].port, proto_name(s->ingress[i].proto)));
	return json_pack("{s:i,s:{s:s},s:{s:s,s:I},s:o,s:s,s:o,s:{s:b,s:s?},s:o}", "schema", JSON_STATUS_SCHEMA,
			 "guardnetd", "version", version, "firewall", "iptables", ipt, "mark", (json_int_t)s->mark, "ufw",
			 ufw(s), "scope", s->scope_global ? "global" : "local", "ingress", ingress, "counters", "read",
			 s->counters, "error", s->counters ? NULL : s->counters_err, "networks", nets);
}
