/*
 * Golden files for the kernel-message suites (check_fw_nft, check_nl,
 * check_iptc): a message is built without a socket, parsed back the way
 * the kernel's libraries parse it, printed, and the text is compared with
 * tests/unit/golden/NAME.txt.  `make golden` (GN_GOLDEN=update) rewrites
 * the files instead; `git diff tests/unit/golden` then shows what changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "fw-nft.h"
#include "suites.h"

#define GOLDEN_DIR SPEC_DIR "/../tests/unit/golden"

static bool write_all(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	bool ok = f && fputs(text, f) >= 0;

	if (f && fclose(f) != 0)
		ok = false;
	return ok;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

bool golden_match(const char *name, const char *text)
{
	char path[512], tmp[] = "/tmp/gn-golden-XXXXXX", cmd[1200];
	char *want;
	bool same;
	int fd;

	snprintf(path, sizeof path, "%s/%s.txt", GOLDEN_DIR, name);
	if (getenv("GN_GOLDEN") && !strcmp(getenv("GN_GOLDEN"), "update")) {
		if (!write_all(path, text)) {
			fprintf(stderr, "golden: cannot write %s\n", path);
			return false;
		}
		return true;
	}
	want = read_all(path);
	same = want && !strcmp(want, text);
	free(want);
	if (same)
		return true;
	/* Show what changed, as `make golden` followed by git diff would. */
	fd = mkstemp(tmp);
	if (fd >= 0) {
		close(fd);
		write_all(tmp, text);
		snprintf(cmd, sizeof cmd, "diff -u --label golden/%s.txt --label built '%s' '%s' >&2", name, path, tmp);
		if (system(cmd) == -1)
			fprintf(stderr, "golden: %s differs\n", name);
		unlink(tmp);
	}
	fprintf(stderr, "golden: %s differs from %s (make golden rewrites it)\n", name, path);
	return false;
}

static const char *nft_msg_name(uint16_t type)
{
	static const char *const names[] = {
		[NFT_MSG_NEWTABLE] = "NEWTABLE",     [NFT_MSG_DELTABLE] = "DELTABLE",
		[NFT_MSG_NEWCHAIN] = "NEWCHAIN",     [NFT_MSG_DELCHAIN] = "DELCHAIN",
		[NFT_MSG_NEWRULE] = "NEWRULE",       [NFT_MSG_DELRULE] = "DELRULE",
		[NFT_MSG_NEWSET] = "NEWSET",         [NFT_MSG_DELSET] = "DELSET",
		[NFT_MSG_NEWSETELEM] = "NEWSETELEM", [NFT_MSG_DELSETELEM] = "DELSETELEM",
	};

	return type < sizeof names / sizeof names[0] && names[type] ? names[type] : "?";
}

static void print_flags(FILE *out, uint16_t flags)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} f[] = { { NLM_F_ACK, "ack" },       { NLM_F_CREATE, "create" }, { NLM_F_EXCL, "excl" },
		  { NLM_F_REPLACE, "replace" }, { NLM_F_APPEND, "append" } };

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (flags & f[i].bit)
			fprintf(out, " %s", f[i].name);
}

/* What the default printout of a set leaves out. */
static void set_details(char *buf, size_t len, const struct nftnl_set *s)
{
	static const struct {
		uint16_t attr;
		const char *name;
	} u32[] = { { NFTNL_SET_ID, "id" },           { NFTNL_SET_FLAGS, "flags" },
		    { NFTNL_SET_KEY_TYPE, "key_type" }, { NFTNL_SET_KEY_LEN, "key_len" },
		    { NFTNL_SET_DATA_TYPE, "data_type" }, { NFTNL_SET_DATA_LEN, "data_len" } };
	size_t off = strlen(buf);

	for (size_t i = 0; i < sizeof u32 / sizeof u32[0]; i++)
		if (nftnl_set_is_set(s, u32[i].attr))
			off += (size_t)snprintf(buf + off, len - off, " %s %u", u32[i].name,
						nftnl_set_get_u32(s, u32[i].attr));
	if (nftnl_set_is_set(s, NFTNL_SET_TIMEOUT))
		off += (size_t)snprintf(buf + off, len - off, " timeout %llums",
					(unsigned long long)nftnl_set_get_u64(s, NFTNL_SET_TIMEOUT));
	if (nftnl_set_is_set(s, NFTNL_SET_DESC_CONCAT)) {
		uint32_t n;
		const uint8_t *f = nftnl_set_get_data(s, NFTNL_SET_DESC_CONCAT, &n);

		off += (size_t)snprintf(buf + off, len - off, " concat");
		for (uint32_t i = 0; i < n; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%u", i ? "," : " ", f[i]);
	}
	if (nftnl_set_is_set(s, NFTNL_SET_EXPR) || nftnl_set_is_set(s, NFTNL_SET_EXPRESSIONS))
		off += (size_t)snprintf(buf + off, len - off, " expr %s",
					nftnl_expr_get_str(nftnl_set_get(s, NFTNL_SET_EXPR), NFTNL_EXPR_NAME));
	if (nftnl_set_is_set(s, NFTNL_SET_USERDATA)) {
		uint32_t n;
		const uint8_t *u = nftnl_set_get_data(s, NFTNL_SET_USERDATA, &n);

		off += (size_t)snprintf(buf + off, len - off, " userdata ");
		for (uint32_t i = 0; i < n; i++)
			off += (size_t)snprintf(buf + off, len - off, "%02x", u[i]);
	}
}

/* What the default printout of a table leaves out: its userdata, as
 * type:text pairs (the comment is type 0, NFTNL_UDATA_TABLE_COMMENT). */
static void table_details(char *buf, size_t len, const struct nftnl_table *t)
{
	size_t off = strlen(buf);
	const uint8_t *u;
	uint32_t n;

	if (!nftnl_table_is_set(t, NFTNL_TABLE_USERDATA))
		return;
	u = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &n);
	for (uint32_t i = 0; i + 2 <= n && i + 2 + u[i + 1] <= n; i += 2 + u[i + 1])
		off += (size_t)snprintf(buf + off, len - off, " userdata %u:\"%.*s\"", u[i],
					u[i + 1] && !u[i + 1 + u[i + 1]] ? u[i + 1] - 1 : u[i + 1], (const char *)u + i + 2);
}

/* What libnftnl leaves out of a rule's printout: the data of an xt match
 * (iptables-nft's compat encoding, e.g. -m devgroup), in hex. */
static int match_info(struct nftnl_expr *e, void *data)
{
	char *buf = data;
	size_t off = strlen(buf);
	const uint8_t *d;
	uint32_t n;

	if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "match"))
		return 0;
	d = nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &n);
	off += (size_t)snprintf(buf + off, 65536 - off, "%s  match %s info ", off && buf[off - 1] != '\n' ? "\n" : "",
				nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME));
	for (uint32_t i = 0; d && i < n && off < 65000; i++)
		off += (size_t)snprintf(buf + off, 65536 - off, "%02x", d[i]);
	return 0;
}

/* libnftnl's printout leaves out an element's own counter: one line each. */
static void elem_counters(char *buf, size_t len, struct nftnl_set *s)
{
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	struct nftnl_set_elem *e;
	size_t off = strlen(buf);

	while (it && (e = nftnl_set_elems_iter_next(it))) {
		struct nftnl_expr *x = (struct nftnl_expr *)nftnl_set_elem_get(e, NFTNL_SET_ELEM_EXPR, NULL);
		uint32_t n = 0;
		const uint8_t *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &n);

		if (!x || off >= len)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s\tcounter of", off && buf[off - 1] != '\n' ? "\n" : "");
		/* In 32-bit words, as libnftnl prints the keys. */
		for (uint32_t i = 0; i + 4 <= n && off < len; i += 4) {
			uint32_t w;

			memcpy(&w, k + i, 4);
			off += (size_t)snprintf(buf + off, len - off, " %08x", w);
		}
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, ": packets %llu bytes %llu\n",
						(unsigned long long)nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS),
						(unsigned long long)nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_BYTES));
	}
	nftnl_set_elems_iter_destroy(it);
}

/* One nf_tables object message, parsed back with libnftnl and printed the
 * way libnftnl prints it. */
static void print_object(FILE *out, const struct nlmsghdr *nlh, uint16_t type)
{
	char buf[65536] = "";

	switch (type) {
	case NFT_MSG_NEWTABLE:
	case NFT_MSG_DELTABLE: {
		struct nftnl_table *t = nftnl_table_alloc();

		if (nftnl_table_nlmsg_parse(nlh, t) < 0) {
			snprintf(buf, sizeof buf, "(unparsable table)");
		} else {
			nftnl_table_snprintf(buf, sizeof buf, t, NFTNL_OUTPUT_DEFAULT, 0);
			table_details(buf, sizeof buf, t);
		}
		nftnl_table_free(t);
		break;
	}
	case NFT_MSG_NEWCHAIN:
	case NFT_MSG_DELCHAIN: {
		struct nftnl_chain *c = nftnl_chain_alloc();

		if (nftnl_chain_nlmsg_parse(nlh, c) < 0)
			snprintf(buf, sizeof buf, "(unparsable chain)");
		else
			nftnl_chain_snprintf(buf, sizeof buf, c, NFTNL_OUTPUT_DEFAULT, 0);
		nftnl_chain_free(c);
		break;
	}
	case NFT_MSG_NEWRULE:
	case NFT_MSG_DELRULE: {
		struct nftnl_rule *r = nftnl_rule_alloc();

		if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
			snprintf(buf, sizeof buf, "(unparsable rule)");
		} else {
			nftnl_rule_snprintf(buf, sizeof buf, r, NFTNL_OUTPUT_DEFAULT, 0);
			nftnl_expr_foreach(r, match_info, buf);
		}
		nftnl_rule_free(r);
		break;
	}
	case NFT_MSG_NEWSET:
	case NFT_MSG_DELSET: {
		struct nftnl_set *s = nftnl_set_alloc();

		if (nftnl_set_nlmsg_parse(nlh, s) < 0) {
			snprintf(buf, sizeof buf, "(unparsable set)");
		} else {
			nftnl_set_snprintf(buf, sizeof buf, s, NFTNL_OUTPUT_DEFAULT, 0);
			set_details(buf, sizeof buf, s);
		}
		nftnl_set_free(s);
		break;
	}
	case NFT_MSG_NEWSETELEM:
	case NFT_MSG_DELSETELEM: {
		struct nftnl_set *s = nftnl_set_alloc();
		struct nlmsghdr *copy = nft_elems_retyped(nlh);

		if (!copy || nftnl_set_elems_nlmsg_parse(copy, s) < 0)
			snprintf(buf, sizeof buf, "(unparsable elements)");
		else
			nftnl_set_snprintf(buf, sizeof buf, s, NFTNL_OUTPUT_DEFAULT, 0);
		elem_counters(buf, sizeof buf, s);
		nftnl_set_free(s);
		free(copy);
		break;
	}
	}
	/* libnftnl runs a set's elements together on one line: one a line
	 * here, and every object ends with a newline. */
	for (const char *p = buf; *p; p++) {
		if (!strncmp(p, "[end]\t", 6)) {
			fputs("[end]\n", out);
			p += 5; /* the tab stays, to indent the next element */
		}
		fputc(*p, out);
	}
	if (!buf[0] || buf[strlen(buf) - 1] != '\n')
		fputc('\n', out);
}

int nft_batch_print(const void *data, size_t len, FILE *out)
{
	const struct nlmsghdr *nlh = data;
	int n = (int)len, count = 0;

	for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n), count++) {
		uint16_t type = nlh->nlmsg_type;

		if (type == NFNL_MSG_BATCH_BEGIN || type == NFNL_MSG_BATCH_END) {
			fprintf(out, "batch %s\n", type == NFNL_MSG_BATCH_BEGIN ? "begin" : "end");
			continue;
		}
		if (NFNL_SUBSYS_ID(type) != NFNL_SUBSYS_NFTABLES) {
			fprintf(out, "message of subsystem %u\n", NFNL_SUBSYS_ID(type));
			continue;
		}
		fprintf(out, "%s", nft_msg_name(NFNL_MSG_TYPE(type)));
		print_flags(out, nlh->nlmsg_flags);
		fputs(": ", out);
		print_object(out, nlh, NFNL_MSG_TYPE(type));
	}
	/* Whatever is left was not a whole message. */
	if (n != 0)
		fprintf(out, "%d bytes of trailing garbage\n", n);
	return count;
}
