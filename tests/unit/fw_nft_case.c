#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_nft_case.h"
#include "suites.h"

struct gn_prefix P(const char *s)
{
	struct gn_prefix p;
	struct gn_err e;

	ck_assert_msg(prefix_parse(s, true, false, &p, "test", &e) == 0, "%s", e.msg);
	return p;
}

struct gn_addr A(const char *s)
{
	struct gn_addr a;
	struct gn_err e;

	ck_assert_msg(addr_parse(s, &a, "test", &e) == 0, "%s", e.msg);
	return a;
}

struct gn_pub pub(const char *host, uint8_t proto, uint16_t port, const char *ctr, uint16_t ctr_port)
{
	struct gn_pub p = { .proto = proto, .port = port, .ctr = A(ctr), .ctr_port = ctr_port };

	p.family = p.ctr.family;
	p.any = !strcmp(host, "*");
	if (!p.any)
		p.host = A(host);
	return p;
}

void expect_golden(struct nft_batch *b, const char *name)
{
	char *text = NULL;
	size_t len = 0, n;
	const void *data;
	FILE *out = open_memstream(&text, &len);

	ck_assert_int_eq(nft_batch_seal(b), 0);
	data = nft_batch_data(b, &n);
	ck_assert_int_gt(nft_batch_print(data, n, out), 2);
	fclose(out);
	ck_assert_msg(golden_match(name, text), "%s: the batch differs from its golden file", name);
	free(text);
	nft_batch_free(b);
}
