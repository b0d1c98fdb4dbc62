#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "host.h"
#include "suites.h"

void host_open(struct unit_host *h, bool with_store)
{
	struct gn_err e;

	memset(h, 0, sizeof *h);
	config_init(&h->cfg);
	fake_init(&h->fk);
	if (with_store) {
		h->dir = tmpdir_make();
		ck_assert_ptr_nonnull(h->dir);
		ck_assert_msg(store_open(&h->store, h->dir, &e) == 0, "%s", e.msg);
	}
	fake_driver_init(&h->drv, with_store ? &h->store : NULL, &h->fk, &h->cfg);
}

void host_close(struct unit_host *h)
{
	driver_free(&h->drv);
	if (h->dir) {
		store_close(&h->store);
		tmpdir_remove(h->dir);
	}
	fake_free(&h->fk);
	config_clear(&h->cfg);
	memset(h, 0, sizeof *h);
}

unsigned host_call(struct unit_host *h, const char *path, const char *body)
{
	struct api_reply rep;
	unsigned status;

	ck_assert_int_eq(api_handle(&h->drv, path, body, strlen(body), &rep), 0);
	status = rep.status;
	free(rep.body);
	return status;
}

void host_must(struct unit_host *h, const char *path, const char *body)
{
	struct api_reply rep;

	ck_assert_int_eq(api_handle(&h->drv, path, body, strlen(body), &rep), 0);
	ck_assert_msg(rep.status == 200, "%s: %s", path, rep.body);
	free(rep.body);
}
