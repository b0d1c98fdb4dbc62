/*
 * guardnetctl status as text: per published port, who may reach it, the
 * way `ufw status` lists a host's ports (To / Action / From), in the order
 * guardnet admits a connection.  The JSON it reads is guardnetd's
 * (guardnetctl(8), JSON OUTPUT), with the names docker.c added.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define MIN_TO 20

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static bool flag(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* "a, b, c" of an array of strings, or none. */
static void list(char *buf, size_t len, json_t *a, const char *none)
{
	size_t off = 0, i;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach(a, i, v)
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s", i ? ", " : "",
					json_string_value(v));
	if (!json_array_size(a))
		snprintf(buf, len, "%s", none);
}

/* A name Docker gave, or the ID cut to 12 characters (all of it with -v). */
static void id_name(char *buf, size_t len, const char *what, json_t *o, const char *id, bool verbose)
{
	const char *name = json_string_value(json_object_get(o, "name"));

	if (name)
		snprintf(buf, len, "%s %s (%.*s)", what, name, verbose ? 64 : 12, id);
	else
		snprintf(buf, len, "%s %.*s", what, verbose ? 64 : 12, id);
}

struct row {
	char to[80], action[16], from[160];
};

struct table {
	struct row v[64];
	size_t n;
};

static struct row *row_add(struct table *t, const char *action)
{
	struct row *r;
	size_t i;

	if (t->n == sizeof t->v / sizeof t->v[0])
		return NULL;
	r = &t->v[t->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->action, sizeof r->action, "%s", action);
	for (i = 0; r->action[i]; i++)
		r->action[i] = (char)toupper((unsigned char)r->action[i]);
	return r;
}

static json_t *ufw_rule(json_t *status, json_int_t number)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(status, "ufw"), "rules"), i, r)
		if (json_integer_value(json_object_get(r, "number")) == number)
			return r;
	return NULL;
}

static bool in_list(json_t *a, const char *s)
{
	json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
		if (!strcmp(json_string_value(v), s))
			return true;
	return false;
}

/* The rows of one published port, in admission order. */
static void port_rows(struct table *t, json_t *status, json_t *net, const char *net_name, json_t *ep, json_t *port)
{
	json_t *reach = json_object_get(port, "reach"), *dflt = json_object_get(reach, "default"), *v;
	size_t first = t->n, i;
	struct row *r;

	if ((r = row_add(t, "allow")))
		snprintf(r->from, sizeof r->from, "this host");
	if (flag(reach, "hairpin") && (r = row_add(t, "allow")))
		snprintf(r->from, sizeof r->from, "containers of %s", net_name);
	json_array_foreach(json_object_get(reach, "ufw_rules"), i, v) {
		json_t *u = ufw_rule(status, json_integer_value(v));
		const char *from = u ? json_string_value(json_object_get(u, "from")) : NULL;
		const char *in = u ? json_string_value(json_object_get(u, "in")) : NULL;
		const char *to = u ? json_string_value(json_object_get(u, "to")) : NULL;
		char action[16];

		snprintf(action, sizeof action, "%s%s", u ? str(u, "action") : "?", u && flag(u, "route") ? " fwd" : "");
		if (!(r = row_add(t, action)))
			break;
		snprintf(r->from, sizeof r->from, "%s%s%s%s%s (UFW [%" JSON_INTEGER_FORMAT "])", from ? from : "Anywhere",
			 in ? " in on " : "", in ? in : "", to ? " to " : "", to ? to : "", json_integer_value(v));
	}
	json_array_foreach(json_object_get(reach, "allow"), i, v) {
		if (!(r = row_add(t, "allow")))
			break;
		snprintf(r->from, sizeof r->from, "%s (guardnet.allow%s)", json_string_value(v),
			 in_list(json_object_get(ep, "allow"), json_string_value(v)) &&
					 !in_list(json_object_get(net, "allow"), json_string_value(v))
				 ? " of the container"
				 : "");
	}
	if (json_is_object(dflt) && (r = row_add(t, str(dflt, "action"))))
		snprintf(r->from, sizeof r->from, "Anywhere else (%s)",
			 !strcmp(str(dflt, "by"), "ufw") ? "UFW's default incoming policy"
							 : "guardnet's default: dropped and logged");
	if (t->n > first)
		snprintf(t->v[first].to, sizeof t->v[first].to, "%s", str(port, "docker"));
}

/* What the text sorts by: the name Docker gave, else the ID. */
static const char *sort_key(json_t *o)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	json_t *c = json_object_get(o, "container");

	if (!name && c)
		name = json_string_value(json_object_get(c, "name"));
	return name ? name : str(o, "id");
}

static int by_name(const void *a, const void *b)
{
	return strcmp(sort_key(*(json_t *const *)a), sort_key(*(json_t *const *)b));
}

/* The elements of a, sorted by name (malloc'd; NULL when a is empty). */
static json_t **sorted(json_t *a)
{
	size_t n = json_array_size(a);
	json_t **v = n ? calloc(n, sizeof *v) : NULL;

	for (size_t i = 0; v && i < n; i++)
		v[i] = json_array_get(a, i);
	if (v)
		qsort(v, n, sizeof *v, by_name);
	return v;
}

/* The columns' widths, the same for every table of one status. */
static int to_width = MIN_TO, action_width = 6;

static void widths(json_t *status)
{
	json_t *net, *ep, *p, *r;
	size_t i, j, k;

	json_array_foreach(json_object_get(status, "networks"), i, net)
		json_array_foreach(json_object_get(net, "endpoints"), j, ep)
			json_array_foreach(json_object_get(ep, "published"), k, p)
				if ((int)strlen(str(p, "docker")) > to_width)
					to_width = (int)strlen(str(p, "docker"));
	json_array_foreach(json_object_get(json_object_get(status, "ufw"), "rules"), i, r)
		if (flag(r, "route"))
			action_width = (int)strlen("REJECT FWD");
}

static void table_print(const struct table *t, const char *indent)
{
	int to = to_width, action = action_width;

	printf("%s%-*s  %-*s  %s\n", indent, to, "To", action, "Action", "From");
	printf("%s%-*s  %-*s  %s\n", indent, to, "--", action, "------", "----");
	for (size_t i = 0; i < t->n; i++)
		printf("%s%-*s  %-*s  %s\n", indent, to, t->v[i].to, action, t->v[i].action, t->v[i].from);
}

static void counters(const char *what, const char *which, json_t *c)
{
	if (json_is_object(c))
		printf("%s%s: %" JSON_INTEGER_FORMAT " admitted, %" JSON_INTEGER_FORMAT " blocked\n", what, which,
		       json_integer_value(json_object_get(c, "admitted")), json_integer_value(json_object_get(c, "blocked")));
}

static void endpoint(json_t *status, json_t *net, const char *net_name, json_t *ep, bool verbose)
{
	json_t *ports = json_object_get(ep, "published"), *p;
	char name[160], allow[512];
	struct table t = { .n = 0 };
	size_t i;

	if (json_object_get(ep, "container"))
		id_name(name, sizeof name, "container", json_object_get(ep, "container"),
			str(json_object_get(ep, "container"), "id"), verbose);
	else
		id_name(name, sizeof name, "endpoint", ep, str(ep, "id"), verbose);
	list(allow, sizeof allow, json_object_get(ep, "allow"), "");
	printf("\n  %s: %s%s%s%s%s\n", name, str(ep, "address"),
	       json_is_string(json_object_get(ep, "address")) && json_is_string(json_object_get(ep, "address6")) ? ", " : "",
	       str(ep, "address6"), allow[0] ? "; allow " : "", allow);
	if (!json_array_size(ports)) {
		printf("    no published ports\n");
		return;
	}
	json_array_foreach(ports, i, p)
		port_rows(&t, status, net, net_name, ep, p);
	table_print(&t, "    ");
	json_array_foreach(ports, i, p)
		if (verbose)
			counters("    connections to ", str(p, "docker"), json_object_get(p, "counters"));
}

static void network(json_t *status, json_t *net, bool verbose)
{
	const char *name = json_string_value(json_object_get(net, "name"));
	char head[200], subnets[512], publish[512], allow[512], short_id[13];
	json_t **eps;
	size_t i;

	snprintf(short_id, sizeof short_id, "%.12s", str(net, "id"));
	id_name(head, sizeof head, "network", net, str(net, "id"), verbose);
	list(subnets, sizeof subnets, json_object_get(net, "subnets"), "none");
	list(publish, sizeof publish, json_object_get(net, "publish"), "nowhere");
	list(allow, sizeof allow, json_object_get(net, "allow"), "");
	printf("\n%s, bridge %s\n", head, str(net, "bridge"));
	printf("  subnets %s; UFW %s (guardnet.ufw=%s); icc %s", subnets,
	       flag(net, "ufw_in_force") ? "in force" : "not in force", str(net, "ufw"), flag(net, "icc") ? "on" : "off");
	if (flag(net, "internal"))
		printf("; internal: no egress, nothing published\n");
	else
		printf("; publish on %s%s%s\n", publish, allow[0] ? "; allow " : "", allow);
	eps = sorted(json_object_get(net, "endpoints"));
	for (i = 0; eps && i < json_array_size(json_object_get(net, "endpoints")); i++)
		endpoint(status, net, name ? name : short_id, eps[i], verbose);
	free(eps);
	if (!json_array_size(json_object_get(net, "endpoints")))
		printf("  no containers\n");
	if (verbose)
		counters("  connections to the network's published ports", "", json_object_get(net, "counters"));
}

static void ufw_rules(json_t *ufw)
{
	json_t *r;
	size_t i;

	printf("UFW rules (numbered as `ufw status numbered` numbers them):\n");
	json_array_foreach(json_object_get(ufw, "rules"), i, r)
		printf("  [%2" JSON_INTEGER_FORMAT "] %s (%s line %" JSON_INTEGER_FORMAT ")\n",
		       json_integer_value(json_object_get(r, "number")), str(r, "text"), str(r, "file"),
		       json_integer_value(json_object_get(r, "line")));
}

void ctl_print_status(json_t *st, bool verbose)
{
	static const char *const iptables[][2] = {
		{ "nf_tables", "iptables-nft (nf_tables)" }, { "legacy", "legacy iptables" },
		{ "both", "both iptables-nft and legacy iptables" }, { "none", "no iptables filter table (none needed)" },
	};
	json_t *fw = json_object_get(st, "firewall"), *ufw = json_object_get(st, "ufw");
	json_t *cnt = json_object_get(st, "counters"), **nets, *p;
	const char *ipt = str(fw, "iptables");
	size_t i;

	for (i = 0; i < sizeof iptables / sizeof iptables[0] - 1 && strcmp(ipt, iptables[i][0]); i++)
		;
	printf("guardnetd %s; firewall: table inet guardnet, accept rule in %s, mark 0x%llx\n",
	       str(json_object_get(st, "guardnetd"), "version"), iptables[i][1],
	       (unsigned long long)json_integer_value(json_object_get(fw, "mark")));
	if (!flag(ufw, "read"))
		printf("UFW: not read\n");
	else
		printf("UFW: %s, default incoming %s, IPv6 %s, %zu rules\n", flag(ufw, "enabled") ? "enabled" : "disabled",
		       str(ufw, "default_incoming"), flag(ufw, "ipv6") ? "on" : "off",
		       json_array_size(json_object_get(ufw, "rules")));
	json_array_foreach(json_object_get(ufw, "unreadable"), i, p)
		printf("UFW line guardnet cannot express: /etc/ufw/%s line %" JSON_INTEGER_FORMAT ": %s (an ACCEPT is "
		       "left out, anything else drops)\n",
		       str(p, "file"), json_integer_value(json_object_get(p, "line")), str(p, "why"));
	if (!strcmp(str(st, "scope"), "global"))
		printf("scope: global (Docker Swarm)\n");
	json_array_foreach(json_object_get(st, "ingress"), i, p)
		printf("WARNING: %s is published by Docker's routing mesh (a Swarm service in ingress mode): it "
		       "bypasses guardnet and UFW; publish with mode=host\n", json_string_value(p));
	if (verbose && json_array_size(json_object_get(ufw, "rules")))
		ufw_rules(ufw);
	if (verbose && !flag(cnt, "read"))
		printf("counters: not read (%s)\n", str(cnt, "error"));
	widths(st);
	nets = sorted(json_object_get(st, "networks"));
	for (i = 0; nets && i < json_array_size(json_object_get(st, "networks")); i++)
		network(st, nets[i], verbose);
	free(nets);
	if (!json_array_size(json_object_get(st, "networks")))
		printf("no guardnet networks\n");
}
