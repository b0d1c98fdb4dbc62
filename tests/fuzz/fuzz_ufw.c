/*
 * UFW's files through ufw_load, and what it read through the compiler of
 * UFW rules into guardnet's nftables batch (built in memory, never sent).
 * The input holds up to six files separated by NUL bytes, in the order
 * of `files` below; a missing part is a missing file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "fw-nft.h"
#include "fw.h"
#include "log.h"
#include "ufw.h"

static const char *const files[] = { "etc/ufw/user.rules", "etc/ufw/user6.rules", "etc/ufw/ufw.conf",
				     "etc/default/ufw",    "etc/ufw/before.rules", "etc/ufw/after6.rules" };
static char root[64];

static void cleanup(void)
{
	char path[128];

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", root, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/etc/ufw", root);
	rmdir(path);
	snprintf(path, sizeof path, "%s/etc/default", root);
	rmdir(path);
	snprintf(path, sizeof path, "%s/etc", root);
	rmdir(path);
	rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[128];

	(void)argc, (void)argv;
	log_init(-1);
	/* tmpfs when there is one: every input is written out. */
	snprintf(root, sizeof root, "%s/gn-fuzz-ufw.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(root)) {
		perror(root);
		exit(1);
	}
	atexit(cleanup);
	snprintf(path, sizeof path, "%s/etc", root);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/etc/ufw", root);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/etc/default", root);
	mkdir(path, 0700);
	return 0;
}

static void write_file(const char *name, const uint8_t *data, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, name);
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

static void admit(struct nftnl_rule *r, uint32_t mark)
{
	(void)mark;
	x_verdict(r, NF_ACCEPT);
}

static void compile(const struct ufw_config *u)
{
	const struct fw_network net = { .bridge = "gn-fuzz", .ufw = true, .icc = true };
	const struct fw_model m = { .mark = 0x4e47, .ufw = u, .nets = &net, .n = 1 };
	struct nft_batch *b = nft_batch_new(1);

	if (!b)
		return;
	fw_ufw_tables(b, &m, admit);
	nft_batch_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct ufw_config u;
	struct gn_err err;

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		const uint8_t *nul = p ? memchr(p, 0, (size_t)(end - p)) : NULL;
		char path[128];

		if (p) {
			write_file(files[i], p, (size_t)((nul ? nul : end) - p));
		} else {
			snprintf(path, sizeof path, "%s/%s", root, files[i]);
			unlink(path);
		}
		p = nul ? nul + 1 : NULL;
	}
	if (ufw_load(root, &u, &err) < 0)
		return 0;
	compile(&u);
	ufw_config_clear(&u);
	return 0;
}
