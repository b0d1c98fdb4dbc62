/*
 * The driver's own state, which every driver-*.c file works on.
 */
#include <stdlib.h>
#include <string.h>

#include "driver.h"

void driver_init(struct gn_driver *d, struct gn_store *store, struct gn_backend be, const struct plan_env *env)
{
	memset(d, 0, sizeof *d);
	state_init(&d->st);
	d->store = store;
	d->be = be;
	d->env = *env;
	d->taken_stale = true; /* built from the state on first use */
	d->relays_dirty = true;
}

void driver_free(struct gn_driver *d)
{
	pubindex_clear(&d->taken);
	relayindex_clear(&d->relays);
	state_free(&d->st);
	free(d->ingress);
	d->ingress = NULL;
	d->n_ingress = 0;
}
