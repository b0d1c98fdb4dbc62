/*
 * The firewall's own cost, without Docker: guardnet's tables for PORTS
 * published ports (4 per endpoint-sized share, every one on 0.0.0.0) built
 * through fw_apply, then REPEAT times a whole rebuild (what a network or
 * UFW change and healing do) and REPEAT times one endpoint's 4 ports added
 * and removed through fw_apply_share (what a container start and stop do).
 * Run as root in a scratch network namespace; prints
 * "rebuild_ms=X share_ms=Y" (means), and removes the tables.
 *
 *   fwcost PORTS REPEAT
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "addr.h"
#include "fw.h"

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0, repeat = argc > 2 ? atoi(argv[2]) : 0;
	struct fw_network net = { .bridge = "gn-fwcost", .icc = true };
	struct gn_prefix sub;
	struct gn_pub *p;
	struct gn_fw *fw;
	struct gn_err e;
	double t0, t1, t2;

	if (n < 1 || repeat < 1) {
		fprintf(stderr, "usage: fwcost PORTS REPEAT\n");
		return 2;
	}
	p = calloc((size_t)n + 4, sizeof *p);
	if (!p || prefix_parse("10.0.0.0/8", true, false, &sub, "subnet", &e) < 0)
		return 1;
	net.subnets = &sub;
	net.n_subnets = 1;
	for (int i = 0; i < n + 4; i++) {
		p[i].family = AF_INET;
		p[i].any = true;
		p[i].proto = 6;
		p[i].port = (uint16_t)(10000 + i);
		addr_parse("10.0.0.2", &p[i].ctr, "container", &e);
		p[i].ctr.a[2] = (uint8_t)(i / 250);
		p[i].ctr.a[3] = (uint8_t)(2 + i % 250);
		p[i].ctr_port = 80;
	}
	struct fw_model m = { .nets = &net, .n = 1, .mark = 0x4e47, .pubs = p, .n_pubs = (size_t)n };
	struct fw_share none = { 0 }, four = { .pubs = p + n, .n_pubs = 4 };

	if (fw_open(&fw, &e) < 0 || fw_apply(fw, &m, &e) < 0) {
		fprintf(stderr, "fwcost: %s\n", e.msg);
		return 1;
	}
	t0 = now_ms();
	for (int i = 0; i < repeat; i++)
		if (fw_apply(fw, &m, &e) < 0) {
			fprintf(stderr, "fwcost: rebuild: %s\n", e.msg);
			return 1;
		}
	t1 = now_ms();
	for (int i = 0; i < repeat; i++)
		if (fw_apply_share(fw, &none, &four, &e) < 0 || fw_apply_share(fw, &four, &none, &e) < 0) {
			fprintf(stderr, "fwcost: share: %s\n", e.msg);
			return 1;
		}
	t2 = now_ms();
	printf("rebuild_ms=%.3f share_ms=%.4f\n", (t1 - t0) / repeat, (t2 - t1) / repeat / 2);
	m.n = 0;
	fw_apply(fw, &m, &e);
	fw_close(fw);
	free(p);
	return 0;
}
