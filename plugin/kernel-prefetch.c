/*
 * Start-up reads the kernel's side while the driver reads its own
 * (issue 17: a restart at 1,000 networks x 5 endpoints spent a third of
 * its check listing links and guardnet's tables, and another third reading
 * 6,000 state files, one after the other on a 2-core host).  The thread
 * reads through sockets of its own, so that the driver's thread may use
 * the kernel layer's meanwhile (the sweep asks whether sandboxes are gone);
 * anything written since makes the reading stale, and reconcile then reads
 * again (kernel_prefetch_take).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fw.h"
#include "kernel-int.h"
#include "log.h"

static void *run(void *arg)
{
	struct kernel_prefetch *p = arg;
	struct gn_nl *nl = NULL;
	struct gn_err err;

	p->r = nl_open(&nl, &err);
	if (p->r == 0)
		p->r = nl_links(nl, &p->links, &p->n_links, &err);
	if (p->r == 0)
		p->r = nl_addrs(nl, &p->addrs, &p->n_addrs, &err);
	nl_close(nl);
	if (p->r == 0)
		p->r = fw_snapshot_read(&p->fw);
	return NULL;
}

static void clear(struct kernel_prefetch *p)
{
	free(p->links);
	free(p->addrs);
	fw_snapshot_free(p->fw);
	memset(p, 0, sizeof *p);
}

void kernel_prefetch(void *ctx)
{
	struct gn_kernel *k = ctx;
	int r;

	if (k->pre.running)
		return;
	memset(&k->pre, 0, sizeof k->pre);
	k->pre.writes = k->writes;
	r = pthread_create(&k->pre.thread, NULL, run, &k->pre);
	if (r != 0)
		log_info("start-up: reading the kernel ahead: %s; read when needed", strerror(r));
	k->pre.running = r == 0;
}

static bool join(struct gn_kernel *k)
{
	if (!k->pre.running)
		return false;
	pthread_join(k->pre.thread, NULL);
	k->pre.running = false;
	return true;
}

bool kernel_prefetch_take(struct gn_kernel *k, struct kernel_prefetch *ret)
{
	bool fresh = join(k) && k->pre.r == 0 && k->pre.writes == k->writes && fw_snapshot_whole(k->pre.fw);

	if (fresh) {
		*ret = k->pre;
		memset(&k->pre, 0, sizeof k->pre);
	} else {
		clear(&k->pre);
	}
	return fresh;
}

void kernel_prefetch_drop(struct gn_kernel *k)
{
	join(k);
	clear(&k->pre);
}
