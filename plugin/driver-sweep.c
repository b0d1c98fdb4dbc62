/*
 * Endpoints Docker abandoned without telling guardnet (driver_sweep in
 * driver.h): their Leave or DeleteEndpoint failed while guardnetd was not
 * running, and what they published or allowed must not outlive them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "addr.h"
#include "driver-int.h"
#include "log.h"

/* Docker forgets an endpoint whose Leave or DeleteEndpoint failed (while
 * guardnetd was down, say) and may hand its address to a new endpoint.
 * What the old one published or allowed would then apply to a stranger. */
static int forget(struct gn_driver *d, struct gn_endpoint *ep, const char *why, bool *firewall)
{
	char id[GN_ID_LEN + 1];
	struct gn_err e;
	int r;

	snprintf(id, sizeof id, "%s", ep->spec.id);
	r = driver_remove_endpoint(d, ep, firewall, &e);
	if (r < 0)
		log_warnx("endpoint %.12s should go, as %s, but: %s", id, why, e.msg);
	else
		log_info("endpoint %.12s removed: %s", id, why);
	return r;
}

/* Docker's IPAM gives an address only once it is free, so another endpoint
 * of net holding one of the new endpoint's addresses is a leftover. */
int driver_forget_address_holders(struct gn_driver *d, struct gn_network *net, const struct gn_endpoint_spec *s,
				  struct gn_err *err)
{
	const struct gn_prefix *addrs[2] = { s->has_addr4 ? &s->addr4 : NULL, s->has_addr6 ? &s->addr6 : NULL };
	struct gn_endpoint *ep;
	bool firewall = false;
	int r = 0;

	for (int i = 0; i < 2 && r == 0; i++) {
		const struct gn_prefix *a = addrs[i];
		char addr[GN_PREFIX_STRLEN], why[160];

		while (a && r == 0 && (ep = state_address_holder(net, &a->addr))) {
			addr_format(&a->addr, addr, sizeof addr);
			snprintf(why, sizeof why, "Docker gave its address %s to endpoint %.12s", addr, s->id);
			if (forget(d, ep, why, &firewall) < 0)
				r = gn_errf(err, -EBUSY, "Interface: address %s is still held by endpoint %.12s, "
					    "which guardnet could not remove", addr, ep->spec.id);
		}
	}
	if (firewall)
		driver_restore_firewall(d);
	return r;
}

/* A joined endpoint's container is gone when Docker has removed its
 * sandbox (the file, while the directory that held it is still there) and
 * the veth pair is no longer in any container.  Both must agree: a sandbox
 * path guardnetd cannot see proves nothing alone.  Docker creates the
 * sandbox file only after Join, when the container's process starts, which
 * is why this is asked only of endpoints that were joined before
 * guardnetd started, and only after a grace period. */
static bool container_gone(struct gn_driver *d, const struct gn_endpoint *ep)
{
	char dir[4096], *slash;
	struct plan_veth v;
	struct stat st;

	if (!ep->sandbox_key || ep->sandbox_key[0] != '/' || stat(ep->sandbox_key, &st) == 0 || errno != ENOENT)
		return false;
	snprintf(dir, sizeof dir, "%s", ep->sandbox_key);
	slash = strrchr(dir, '/');
	*(slash == dir ? slash + 1 : slash) = '\0';
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	plan_veth(ep, &v);
	return d->be.ops->detached(d->be.ctx, &v);
}

/* Which suspects a judgement drops: those joined to a container that is
 * gone, with only_programmed those that also hold host ports, with
 * unjoined also those Docker has not joined. */
struct sweep_ctx {
	struct gn_driver *d;
	bool only_programmed, unjoined;
	size_t from, to;           /* the watched suspects judged, by their place in the walk */
	size_t at;                 /* watched suspects walked so far */
	bool firewall;
	size_t dropped, left;
	size_t dropped_in_window;  /* of dropped, those of from..to */
};

static void mark_suspects(void *p, void *ctx)
{
	(void)ctx;
	for (struct gn_endpoint *ep = ((struct gn_network *)p)->endpoints; ep; ep = ep->next)
		ep->suspect = true;
}

static void judge_suspects(void *p, void *ctx)
{
	struct gn_network *net = p;
	struct sweep_ctx *c = ctx;
	struct gn_endpoint *ep, *next;
	char why[160];

	for (ep = net->endpoints; ep; ep = next) {
		next = ep->next;
		if (!ep->suspect)
			continue;
		if (ep->joined && (ep->programmed || !c->only_programmed) && c->at++ >= c->from && c->at <= c->to &&
		    container_gone(c->d, ep)) {
			snprintf(why, sizeof why, "its container is gone (sandbox %s) and Docker's Leave never came",
				 ep->sandbox_key);
			if (forget(c->d, ep, why, &c->firewall) == 0) {
				c->dropped++;
				c->dropped_in_window++;
				continue;
			}
		} else if (!ep->joined && c->unjoined) {
			if (forget(c->d, ep, "it was not joined when guardnetd started and Docker has not named it "
				   "since", &c->firewall) == 0) {
				c->dropped++;
				continue;
			}
		}
		c->left++;
	}
}

static size_t judge(struct gn_driver *d, struct sweep_ctx *c)
{
	state_each_network(&d->st, judge_suspects, c);
	if (c->firewall)
		driver_restore_firewall(d);
	/* Joined suspects stay watched until Docker names them or their
	 * container goes: a container can run for months. */
	if (c->unjoined && !c->left)
		d->suspects_until = 0;
	return c->dropped;
}

/* Returns how many suspects are dropped. */
size_t driver_judge(struct gn_driver *d, bool only_programmed, bool unjoined)
{
	struct sweep_ctx c = { .d = d, .only_programmed = only_programmed, .unjoined = unjoined, .to = SIZE_MAX };

	return judge(d, &c);
}

void driver_sweep(struct gn_driver *d, long now)
{
	struct sweep_ctx c = { .d = d, .unjoined = true };

	if (!d->swept) {
		state_each_network(&d->st, mark_suspects, NULL);
		d->swept = true;
		d->suspects_until = now + DRIVER_SUSPECT_GRACE_S;
		return;
	}
	if (!d->suspects_until || now < d->suspects_until)
		return;
	/* A stat per watched suspect, on the event loop: after a restart at
	 * 10,000 containers, all of them in every round took 4-6 ms of each
	 * 2 s, which the request that came then waited for. */
	c.from = d->sweep_next;
	c.to = c.from + DRIVER_SWEEP_BATCH;
	judge(d, &c);
	/* Those dropped are no longer walked: the next round starts that much
	 * earlier in the walk. */
	d->sweep_next = c.at > c.to ? c.to - c.dropped_in_window : 0;
}
