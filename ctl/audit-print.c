/*
 * guardnetctl audit's answer: a table (one line per published port, in
 * `ufw status` spirit) or JSON, and the exit status: 1 when a port lets in
 * a source that UFW would keep from a host service on it, for cron and CI.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../plugin/addr.h"
#include "audit.h"
#include "ctl.h"

static const char *reach_name(enum audit_reach r)
{
	static const char *const names[] = { "any", "some", "host", "unknown" };

	return names[r];
}

static size_t count_exposed(const struct audit *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n; i++)
		n += a->v[i].exposed;
	return n;
}

static json_t *port_json(const struct audit_port *p)
{
	char label[128], host[GN_PREFIX_STRLEN], ctr[GN_PREFIX_STRLEN] = "", from[GN_PREFIX_STRLEN],
	     src[GN_PREFIX_STRLEN];
	json_t *o, *probes = json_array();

	audit_port_label(p, label, sizeof label);
	if (p->any)
		snprintf(host, sizeof host, "%s", p->family == AF_INET ? "0.0.0.0" : "::");
	else
		addr_format(&p->host.addr, host, sizeof host);
	if (p->has_ctr)
		addr_format(&p->ctr, ctr, sizeof ctr);
	for (size_t i = 0; i < p->n_probes; i++) {
		const struct audit_probe *r = &p->probes[i];

		if (r->from.len)
			prefix_format(&r->from, from, sizeof from);
		addr_format(&r->src, src, sizeof src);
		json_array_append_new(probes, json_pack("{s:s,s:s,s:b,s:s,s:b,s:b,s:s}", "from", r->from.len ? from : "any",
							"probe", src, "accepted", r->accepted, "by", r->by, "deliberate",
							r->deliberate, "ufw_accepts", r->ufw_accepts, "ufw", r->ufw_by));
		if (r->detail[0])
			json_object_set_new(json_array_get(probes, i), "detail", json_string(r->detail));
	}
	o = json_pack("{s:s,s:s,s:i,s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:o}", "port", label, "published_by",
		      audit_kind_name(p->kind), "family", p->family == AF_INET ? 4 : 6, "proto",
		      p->proto == 6 ? "tcp" : p->proto == 17 ? "udp" : "sctp", "host_address", host, "host_port",
		      p->port, "where", p->where, "container", p->container, "network", p->network, "bridge", p->bridge,
		      "reach", reach_name(p->reach), "exposed", p->exposed, "verdict", p->verdict, "ufw", p->ufw_says,
		      "sources", probes);
	if (p->has_ctr)
		json_object_set_new(o, "container_address", json_string(ctr));
	if (p->has_ctr)
		json_object_set_new(o, "container_port", json_integer(p->ctr_port));
	if (p->unsure[0])
		json_object_set_new(o, "unsure", json_string(p->unsure));
	return o;
}

static void column_widths(const struct audit *a, int w[4])
{
	w[0] = 9;   /* PUBLISHED */
	w[1] = 2;   /* BY */
	w[2] = 9;   /* CONTAINER */
	w[3] = 7;   /* NETWORK */
	for (size_t i = 0; i < a->n; i++) {
		char label[128];
		int n;

		audit_port_label(&a->v[i], label, sizeof label);
		if ((n = (int)strlen(label)) > w[0])
			w[0] = n;
		if ((n = (int)strlen(audit_kind_name(a->v[i].kind))) > w[1])
			w[1] = n;
		if ((n = (int)strlen(a->v[i].container)) > w[2])
			w[2] = n;
		if ((n = (int)strlen(a->v[i].network)) > w[3])
			w[3] = n;
	}
}

int audit_print(const struct audit *a, bool as_json, bool suggest)
{
	size_t exposed = count_exposed(a);
	int w[4];

	if (as_json) {
		json_t *ports = json_array(), *out;

		for (size_t i = 0; i < a->n; i++)
			json_array_append_new(ports, port_json(&a->v[i]));
		out = json_pack("{s:i,s:i,s:o,s:O}", "schema", 1, "exposed", (int)exposed, "ports", ports, "notes", a->notes);
		if (suggest)
			json_object_set_new(out, "suggestions", audit_suggest(a, false));
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(out);
		return exposed ? CTL_EXIT_DIFFERENCE : CTL_EXIT_OK;
	}
	column_widths(a, w);
	if (a->n)
		printf("%-*s  %-*s  %-*s  %-*s  %s\n", w[0], "PUBLISHED", w[1], "BY", w[2], "CONTAINER", w[3], "NETWORK",
		       "WHO REACHES IT FROM OUTSIDE");
	for (size_t i = 0; i < a->n; i++) {
		const struct audit_port *p = &a->v[i];
		char label[128];

		audit_port_label(p, label, sizeof label);
		printf("%-*s  %-*s  %-*s  %-*s  %s%s\n", w[0], label, w[1], audit_kind_name(p->kind), w[2],
		       p->container[0] ? p->container : "-", w[3], p->network, p->exposed ? "EXPOSED: " : "", p->verdict);
		if (p->unsure[0])
			printf("%*s  rules on its way guardnetctl cannot read, passed as if they did not match: %s\n", w[0], "",
			       p->unsure);
	}
	for (size_t i = 0; i < json_array_size(a->notes); i++)
		printf("note: %s\n", json_string_value(json_array_get(a->notes, i)));
	if (!a->n)
		printf("nothing is published on this host\n");
	else if (exposed)
		printf("%zu of %zu published port%s let in sources that UFW would keep from a host service on them\n", exposed,
		       a->n, a->n == 1 ? "" : "s");
	else
		printf("no published port lets in more than UFW would let in to a host service (%zu port%s)\n", a->n,
		       a->n == 1 ? "" : "s");
	if (suggest)
		json_decref(audit_suggest(a, true));
	return exposed ? CTL_EXIT_DIFFERENCE : CTL_EXIT_OK;
}
