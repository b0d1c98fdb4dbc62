/*
 * What the driver's decisions mean for the kernel: each object's plan
 * (plan.c) handed to the backend (backend.h).
 */
#include <errno.h>

#include "driver-int.h"
#include "log.h"

int driver_net_up(struct gn_driver *d, const struct gn_network *net, struct gn_err *err)
{
	struct plan_bridge b;

	plan_bridge(net, &b);
	return d->be.ops->network_up(d->be.ctx, &b, err);
}

void driver_net_down(struct gn_driver *d, const struct gn_network *net)
{
	struct plan_bridge b;

	plan_bridge(net, &b);
	d->be.ops->network_down(d->be.ctx, &b);
}

int driver_ep_up(struct gn_driver *d, const struct gn_endpoint *ep, struct gn_err *err)
{
	struct plan_veth v;

	plan_veth(ep, &v);
	return d->be.ops->endpoint_up(d->be.ctx, &v, err);
}

void driver_ep_down(struct gn_driver *d, const struct gn_endpoint *ep)
{
	struct plan_veth v;

	plan_veth(ep, &v);
	d->be.ops->endpoint_down(d->be.ctx, &v);
}

int driver_firewall(struct gn_driver *d, struct gn_err *err)
{
	struct plan_model pm;
	int r = plan_model(&d->env, &d->st, &pm);

	if (r < 0)
		return gn_errf(err, r, "out of memory");
	r = d->be.ops->firewall(d->be.ctx, &pm.m, err);
	plan_model_clear(&pm);
	return r;
}

int driver_reconcile(struct gn_driver *d, struct gn_err *err)
{
	struct plan_links want;
	struct plan_model pm;
	int r = plan_links(&d->st, &want);

	if (r == 0 && (r = plan_model(&d->env, &d->st, &pm)) < 0)
		plan_links_clear(&want);
	if (r < 0)
		return gn_errf(err, r, "out of memory");
	r = d->be.ops->reconcile(d->be.ctx, &want, &pm.m, err);
	plan_model_clear(&pm);
	plan_links_clear(&want);
	return r;
}

int driver_apply_share(struct gn_driver *d, const struct plan_share *from, const struct plan_share *to,
		       struct gn_err *err)
{
	int r;

	if (!from->whole && !to->whole) {
		struct fw_share f = plan_share_view(from), t = plan_share_view(to);

		r = d->be.ops->share(d->be.ctx, &f, &t, err);
		if (r != -ESTALE)
			return r;
		log_info("firewall: %s; rebuilding the table whole", err->msg);
	}
	return driver_firewall(d, err);
}

void driver_undo_share(struct gn_driver *d, const struct plan_share *done, const struct plan_share *back)
{
	struct gn_err e;

	if (driver_apply_share(d, done, back, &e) < 0)
		log_warnx("restoring the firewall after a failed change: %s", e.msg);
}

void driver_restore_firewall(struct gn_driver *d)
{
	struct gn_err e;

	if (driver_firewall(d, &e) < 0)
		log_warnx("restoring the firewall after a failed change: %s", e.msg);
}
