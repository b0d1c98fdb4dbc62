#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "options.h"
#include "spec.h"

void ports_clear(struct gn_ports *p)
{
	free(p->map);
	free(p->exposed);
	memset(p, 0, sizeof *p);
}

static void *dup_array(const void *src, size_t n, size_t elem)
{
	void *dst;

	if (!n)
		return NULL;
	dst = malloc(n * elem);
	if (dst)
		memcpy(dst, src, n * elem);
	return dst;
}

int ports_copy(struct gn_ports *dst, const struct gn_ports *src)
{
	struct gn_ports p = { .n_map = src->n_map, .n_exposed = src->n_exposed };

	p.map = dup_array(src->map, src->n_map, sizeof *src->map);
	p.exposed = dup_array(src->exposed, src->n_exposed, sizeof *src->exposed);
	if ((src->n_map && !p.map) || (src->n_exposed && !p.exposed)) {
		ports_clear(&p);
		return -ENOMEM;
	}
	*dst = p;
	return 0;
}

void ipam_clear(struct gn_ipam_data *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].address_space);
		for (size_t j = 0; j < v[i].n_aux; j++)
			free(v[i].aux[j].name);
		free(v[i].aux);
	}
	free(v);
}

void netspec_clear(struct gn_network_spec *s)
{
	netopts_clear(&s->opts);
	ipam_clear(s->ipv4, s->n_ipv4);
	ipam_clear(s->ipv6, s->n_ipv6);
	s->ipv4 = s->ipv6 = NULL;
	s->n_ipv4 = s->n_ipv6 = 0;
}

void epspec_clear(struct gn_endpoint_spec *s)
{
	free(s->allow.v);
	ports_clear(&s->ports);
	memset(s, 0, sizeof *s);
}

void join_req_clear(struct gn_join_req *r)
{
	free(r->sandbox_key);
	ports_clear(&r->ports);
	memset(r, 0, sizeof *r);
}

void program_req_clear(struct gn_program_req *r)
{
	ports_clear(&r->ports);
	memset(r, 0, sizeof *r);
}

static bool prefix_same(const struct gn_prefix *a, const struct gn_prefix *b)
{
	return a->len == b->len && addr_equal(&a->addr, &b->addr);
}

static bool prefixes_same(const struct gn_prefix_list *a, const struct gn_prefix_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!prefix_same(&a->v[i], &b->v[i]))
			return false;
	return true;
}

static bool addrs_same(const struct gn_addr_list *a, const struct gn_addr_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!addr_equal(&a->v[i], &b->v[i]))
			return false;
	return true;
}

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static const struct gn_aux_addr *aux_named(const struct gn_ipam_data *d, const char *name)
{
	for (size_t i = 0; i < d->n_aux; i++)
		if (str_same(d->aux[i].name, name))
			return &d->aux[i];
	return NULL;
}

/* AuxAddresses is a JSON object: its order does not count. */
static bool ipam_same(const struct gn_ipam_data *a, const struct gn_ipam_data *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!str_same(a[i].address_space, b[i].address_space) || !prefix_same(&a[i].pool, &b[i].pool) ||
		    a[i].has_gateway != b[i].has_gateway ||
		    (a[i].has_gateway && !prefix_same(&a[i].gateway, &b[i].gateway)) || a[i].n_aux != b[i].n_aux)
			return false;
		for (size_t j = 0; j < a[i].n_aux; j++) {
			const struct gn_aux_addr *x = aux_named(&b[i], a[i].aux[j].name);

			if (!x || !prefix_same(&x->addr, &a[i].aux[j].addr))
				return false;
		}
	}
	return true;
}

bool netspec_equal(const struct gn_network_spec *a, const struct gn_network_spec *b)
{
	const struct gn_net_opts *x = &a->opts, *y = &b->opts;

	return !strcmp(a->id, b->id) && !strcmp(x->bridge, y->bridge) && x->mtu == y->mtu &&
	       x->internal == y->internal && x->enable_ipv4 == y->enable_ipv4 && x->enable_ipv6 == y->enable_ipv6 &&
	       x->icc == y->icc && x->no_masquerade == y->no_masquerade && x->ufw == y->ufw &&
	       x->publish_set == y->publish_set &&
	       (!x->publish_set || addrs_same(&x->publish, &y->publish)) && prefixes_same(&x->allow, &y->allow) &&
	       a->n_ipv4 == b->n_ipv4 && a->n_ipv6 == b->n_ipv6 && ipam_same(a->ipv4, b->ipv4, a->n_ipv4) &&
	       ipam_same(a->ipv6, b->ipv6, a->n_ipv6);
}

static bool ports_same(const struct gn_ports *a, const struct gn_ports *b)
{
	if (a->n_map != b->n_map || a->n_exposed != b->n_exposed)
		return false;
	for (size_t i = 0; i < a->n_map; i++) {
		const struct gn_port_binding *x = &a->map[i], *y = &b->map[i];

		if (x->proto != y->proto || x->port != y->port || x->has_host_ip != y->has_host_ip ||
		    (x->has_host_ip && !addr_equal(&x->host_ip, &y->host_ip)) || x->host_port != y->host_port ||
		    x->host_port_end != y->host_port_end)
			return false;
	}
	for (size_t i = 0; i < a->n_exposed; i++)
		if (a->exposed[i].proto != b->exposed[i].proto || a->exposed[i].port != b->exposed[i].port)
			return false;
	return true;
}

bool epspec_equal(const struct gn_endpoint_spec *a, const struct gn_endpoint_spec *b)
{
	return !strcmp(a->net_id, b->net_id) && !strcmp(a->id, b->id) && a->has_addr4 == b->has_addr4 &&
	       (!a->has_addr4 || prefix_same(&a->addr4, &b->addr4)) && a->has_addr6 == b->has_addr6 &&
	       (!a->has_addr6 || prefix_same(&a->addr6, &b->addr6)) && a->has_mac == b->has_mac &&
	       (!a->has_mac || !memcmp(a->mac, b->mac, 6)) && prefixes_same(&a->allow, &b->allow) &&
	       ports_same(&a->ports, &b->ports);
}
