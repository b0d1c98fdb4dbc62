/*
 * Ports Docker's routing mesh publishes past guardnet.  A Swarm service
 * published in ingress mode (the default of --publish) is reached through
 * DOCKER-INGRESS, docker_gwbridge and the ingress overlay, never through a
 * guardnet bridge, and no request of the driver API names its ports (its
 * endpoints' port maps are empty: spec/plugin-protocol.md, "Ingress
 * publishing").  So guardnet cannot refuse them; it watches the kernel for
 * them, warns in its log when one appears and lists them in guardnetctl
 * status, since neither guardnet nor UFW decides who reaches them.
 */
#include <stdlib.h>
#include <string.h>

#include "driver-publish.h"
#include "driver.h"
#include "log.h"

static int by_port(const void *a, const void *b)
{
	const struct gn_transport_port *x = a, *y = b;

	return x->proto != y->proto ? x->proto - y->proto : x->port - y->port;
}

/* Sorted, each once. */
static size_t normalise(struct gn_transport_port *v, size_t n)
{
	size_t k = 0;

	if (n)
		qsort(v, n, sizeof *v, by_port);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || by_port(&v[k - 1], &v[i]))
			v[k++] = v[i];
	return k;
}

static bool has(const struct gn_transport_port *v, size_t n, const struct gn_transport_port *p)
{
	return n && bsearch(p, v, n, sizeof *v, by_port);
}

void driver_watch_ingress(struct gn_driver *d)
{
	struct gn_transport_port *now;
	struct gn_err err;
	size_t n;

	if (d->be.ops->ingress(d->be.ctx, &now, &n, &err) < 0) {
		log_debug("%s", err.msg);
		return;
	}
	n = normalise(now, n);
	for (size_t i = 0; i < n; i++)
		if (!has(d->ingress, d->n_ingress, &now[i]))
			log_warnx("WARNING: port %u/%s is published by Docker's routing mesh (a Swarm service in ingress "
				  "mode, DOCKER-INGRESS): its connections never cross guardnet, so neither guardnet nor "
				  "UFW decides who reaches it. Publish services on guardnet networks with --publish "
				  "mode=host,published=%u,target=PORT (compose: mode: host)",
				  now[i].port, proto_name(now[i].proto), now[i].port);
	for (size_t i = 0; i < d->n_ingress; i++)
		if (!has(now, n, &d->ingress[i]))
			log_info("port %u/%s is no longer published by Docker's routing mesh", d->ingress[i].port,
				 proto_name(d->ingress[i].proto));
	free(d->ingress);
	d->ingress = now;
	d->n_ingress = n;
}
