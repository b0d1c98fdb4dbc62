#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
