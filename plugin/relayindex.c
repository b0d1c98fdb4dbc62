#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "relayindex.h"

struct relayindex_claim {
	struct gn_relay_svc s;
	const void *owner;
};

struct relayindex_port {
	uint16_t port;
	struct relayindex_claim *v;     /* in relay_svc_cmp's order: v[0] is the choice */
	size_t n, cap;
	struct gn_relay_svc shown;      /* the choice last taken */
	bool has_shown, queued;
	struct relayindex_port *next;   /* in the queue */
};

/* By port, then by target: the same state gives the same list, whatever
 * the order the endpoints came in. */
int relay_svc_cmp(const void *pa, const void *pb)
{
	const struct gn_relay_svc *a = pa, *b = pb;
	int r = memcmp(&a->to, &b->to, sizeof a->to);

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return r ? r : (a->to_port > b->to_port) - (a->to_port < b->to_port);
}

static struct relayindex_port **slot(const struct relayindex *ix, uint16_t port)
{
	return ix->block[port >> 8] ? &ix->block[port >> 8][port & 0xff] : NULL;
}

static void enqueue(struct relayindex *ix, struct relayindex_port *p)
{
	if (p->queued)
		return;
	p->queued = true;
	p->next = ix->queue;
	ix->queue = p;
	ix->n_queue++;
}

/* A port that holds nothing worth keeping goes. */
static void tidy(struct relayindex *ix, uint16_t port)
{
	struct relayindex_port **s = slot(ix, port), *p = s ? *s : NULL;

	if (p && !p->n && !p->has_shown && !p->queued) {
		free(p->v);
		free(p);
		*s = NULL;
	}
}

int relayindex_add(struct relayindex *ix, const struct gn_relay_svc *s, const void *owner)
{
	struct relayindex_port **b = ix->block[s->port >> 8], *p;
	size_t at;

	if (s->proto != GN_PROTO_TCP)
		return -EINVAL;
	if (!b && !(b = ix->block[s->port >> 8] = calloc(256, sizeof *b)))
		return -ENOMEM;
	p = b[s->port & 0xff];
	if (!p && !(p = b[s->port & 0xff] = calloc(1, sizeof *p)))
		return -ENOMEM;
	p->port = s->port;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 1;
		struct relayindex_claim *v = realloc(p->v, cap * sizeof *v);

		if (!v) {
			tidy(ix, s->port);
			return -ENOMEM;
		}
		p->v = v;
		p->cap = cap;
	}
	/* A port has one claim but where the state is odd (two endpoints
	 * publishing it, read from an old record): a scan is enough. */
	for (at = 0; at < p->n && relay_svc_cmp(&p->v[at].s, s) <= 0; at++)
		;
	memmove(&p->v[at + 1], &p->v[at], (p->n - at) * sizeof *p->v);
	p->v[at] = (struct relayindex_claim){ .s = *s, .owner = owner };
	p->n++;
	if (at == 0)
		enqueue(ix, p);
	return 0;
}

void relayindex_del(struct relayindex *ix, uint16_t port, const void *owner)
{
	struct relayindex_port **s = slot(ix, port), *p = s ? *s : NULL;
	size_t kept = 0;

	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].owner != owner)
			p->v[kept++] = p->v[i];
		else if (i == 0)
			enqueue(ix, p);
	}
	p->n = kept;
	tidy(ix, port);
}

ssize_t relayindex_take(struct relayindex *ix, const struct gn_relay_change **ret)
{
	size_t n = 0;

	if (ix->n_queue > ix->cap_out) {
		struct gn_relay_change *out = realloc(ix->out, ix->n_queue * sizeof *out);

		if (!out)
			return -ENOMEM;
		ix->out = out;
		ix->cap_out = ix->n_queue;
	}
	while (ix->queue) {
		struct relayindex_port *p = ix->queue;
		const struct gn_relay_svc *now = p->n ? &p->v[0].s : NULL;

		ix->queue = p->next;
		p->queued = false;
		/* Taken out and put back (Join of a programmed endpoint): no
		 * change for the relay. */
		if (now ? !p->has_shown || relay_svc_cmp(now, &p->shown) : p->has_shown) {
			ix->out[n] = (struct gn_relay_change){ .s = now ? *now : p->shown, .gone = !now };
			n++;
		}
		p->has_shown = now;
		if (now)
			p->shown = *now;
		tidy(ix, p->port);
	}
	ix->n_queue = 0;
	*ret = ix->out;
	return (ssize_t)n;
}

int relayindex_list(struct relayindex *ix, struct gn_relay_svc **ret, size_t *n)
{
	struct gn_relay_svc *v = NULL;
	size_t k = 0;

	*ret = NULL;
	*n = 0;
	for (unsigned port = 0; port < 65536; port++) {
		struct relayindex_port **s = slot(ix, (uint16_t)port);

		k += s && *s && (*s)->n;
	}
	if (k && !(v = malloc(k * sizeof *v)))
		return -ENOMEM;
	k = 0;
	for (unsigned port = 0; port < 65536; port++) {
		struct relayindex_port **s = slot(ix, (uint16_t)port), *p = s ? *s : NULL;

		if (!p)
			continue;
		p->queued = false;
		p->has_shown = p->n;
		if (p->n)
			p->shown = v[k++] = p->v[0].s;
		tidy(ix, (uint16_t)port);
	}
	ix->queue = NULL;
	ix->n_queue = 0;
	*ret = v;
	*n = k;
	return 0;
}

void relayindex_clear(struct relayindex *ix)
{
	for (size_t b = 0; b < 256; b++) {
		for (size_t i = 0; ix->block[b] && i < 256; i++)
			if (ix->block[b][i]) {
				free(ix->block[b][i]->v);
				free(ix->block[b][i]);
			}
		free(ix->block[b]);
	}
	free(ix->out);
	memset(ix, 0, sizeof *ix);
}
