/*
 * UFW's rules files read the way iptables-restore reads them (ufw-init
 * loads each file with iptables-restore -n): chains declared and their
 * "-A" lines (one line: ufw-restore-line.c) in the order of the files.  Only the
 * options UFW writes and the ones people commonly put into before.rules
 * and after.rules are understood; see spec/ufw.md.
 *
 * A line with a protocol no published port has (-p icmp, esp, ...) can
 * never match one: it is kept out without being read
 * whole.  Any other line with something guardnet cannot read is marked
 * unreadable and reported; fw-nft-ufw.c leaves such an ACCEPT line out and
 * turns any other into a drop on the part it could read, so that an
 * unreadable line never admits anything.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "log.h"
#include "ufw.h"

#define MAX_LINES 100000
#define MAX_CHAINS 1000
#define TUPLE_MARK "### tuple ### "

int ufw_chain_find(const struct ufw_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_chains; i++)
		if (!strcmp(rs->chains[i].name, name))
			return (int)i;
	return -1;
}

/* The chain's index, created (declared by file) when new. */
int ufw_chain_get(struct ufw_ruleset *rs, const char *name, enum ufw_file file)
{
	int i = ufw_chain_find(rs, name);
	struct ufw_chain *v;

	if (i >= 0)
		return i;
	if (strlen(name) > UFW_CHAIN_MAX || rs->n_chains == MAX_CHAINS)
		return -EINVAL;
	v = realloc(rs->chains, (rs->n_chains + 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	rs->chains = v;
	snprintf(v[rs->n_chains].name, sizeof v->name, "%s", name);
	v[rs->n_chains].file = file;
	v[rs->n_chains].declared = false;
	return (int)rs->n_chains++;
}

/* A jump target: a verdict, ufw-init's own chains, or a chain of the files. */
/* Whether the line can match a published port's protocol (TCP, UDP, SCTP). */
static bool may_match_a_port(const struct ufw_line *l)
{
	return !l->has_proto || l->proto_inv || l->proto == 0 || l->proto == 6 || l->proto == 17 || l->proto == 132;
}

static int problem(struct ufw_config *c, int family, enum ufw_file file, unsigned line, const char *why)
{
	struct ufw_problem *v;

	if (c->n_problems == MAX_LINES)
		return 0;
	v = realloc(c->problems, (c->n_problems + 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	c->problems = v;
	v += c->n_problems++;
	v->family = family;
	v->file = file;
	v->line = line;
	snprintf(v->why, sizeof v->why, "%s", why);
	return 0;
}

static int add_line(struct ufw_ruleset *rs, const struct ufw_line *l)
{
	struct ufw_line *v;
	size_t at = rs->n_lines, seen = 0;

	if (rs->n_lines == MAX_LINES)
		return -E2BIG;
	v = realloc(rs->lines, (rs->n_lines + 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	rs->lines = v;
	/* -I CHAIN N: before the chain's Nth line (after its last if fewer). */
	for (size_t i = 0; l->insert && i < rs->n_lines; i++)
		if (v[i].chain == l->chain && ++seen == l->insert) {
			at = i;
			break;
		}
	memmove(v + at + 1, v + at, (rs->n_lines - at) * sizeof *v);
	v[at] = *l;
	rs->n_lines++;
	return 0;
}

/* ":CHAIN POLICY [p:b]": iptables-restore -n flushes a user chain it
 * redeclares (research/ufw-anchors.md section 3.4). */
static int declare(struct ufw_ruleset *rs, const char *text, enum ufw_file file)
{
	char name[64];
	size_t k = 0;
	int i;

	if (sscanf(text + 1, "%63s", name) != 1)
		return -EINVAL;
	if (!strcmp(name, "INPUT") || !strcmp(name, "OUTPUT") || !strcmp(name, "FORWARD"))
		return 0;
	i = ufw_chain_find(rs, name);
	if (i >= 0) {
		for (size_t j = 0; j < rs->n_lines; j++)
			if (rs->lines[j].chain != (uint16_t)i)
				rs->lines[k++] = rs->lines[j];
		rs->n_lines = k;
	} else if ((i = ufw_chain_get(rs, name, file)) < 0) {
		return -EINVAL;
	}
	rs->chains[i].declared = true;
	return 0;
}

static int add_tuple(struct ufw_config *c, int family, const struct ufw_rule *r)
{
	struct ufw_rule **v = family == AF_INET ? &c->v4 : &c->v6, *n;
	size_t *cnt = family == AF_INET ? &c->n4 : &c->n6;

	n = realloc(*v, (*cnt + 1) * sizeof *n);
	if (!n)
		return -ENOMEM;
	*v = n;
	n[(*cnt)++] = *r;
	return 0;
}

int ufw_restore_read(const char *path, enum ufw_file file, int family, struct ufw_config *c, struct gn_err *err)
{
	struct ufw_ruleset *rs = family == AF_INET ? &c->rs4 : &c->rs6;
	char text[4096], why[160];
	unsigned lineno = 0;
	bool filter = false;
	int tuple = -1, rc = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return errno == ENOENT ? 0 : gn_errf(err, -errno, "ufw: reading %s: %s", path, strerror(errno));
	while (rc == 0 && fgets(text, sizeof text, f)) {
		struct ufw_line l = { .file = file, .tuple = tuple };
		struct gn_err e;

		lineno++;
		text[strcspn(text, "\r\n")] = '\0';
		if (file == UFW_FILE_USER && !strncmp(text, TUPLE_MARK, strlen(TUPLE_MARK))) {
			struct ufw_rule r;

			if (ufw_parse_tuple(text + strlen(TUPLE_MARK), family, &r, &e) < 0) {
				/* Only a name is lost: the -A lines below still decide. */
				log_warnx("ufw: %s:%u: a rule's tuple guardnet cannot read (%s)", path, lineno, e.msg);
				tuple = -1;
				continue;
			}
			r.line = lineno;
			rc = add_tuple(c, family, &r);
			tuple = (int)(family == AF_INET ? c->n4 : c->n6) - 1;
			continue;
		}
		if (text[0] == '*') {
			filter = !strcmp(text, "*filter");
			continue;
		}
		if (!filter || text[0] == '#' || text[0] == '\0' || !strcmp(text, "COMMIT"))
			continue;
		if (text[0] == ':') {
			rc = declare(rs, text, file);
			if (rc < 0) {
				snprintf(why, sizeof why, "bad chain declaration");
				rc = problem(c, family, file, lineno, why);
			}
			continue;
		}
		l.line = lineno;
		if (ufw_restore_line(text, family, rs, &l, &e) < 0) {
			if (!l.unreadable) {
				/* Not a rule at all: nothing UFW would load either. */
				log_warnx("ufw: %s:%u: %s, ignoring", path, lineno, e.msg);
				rc = problem(c, family, file, lineno, e.msg);
				continue;
			}
			if (!may_match_a_port(&l))
				continue;
			log_warnx("ufw: %s:%u: %s; guardnet %s", path, lineno, e.msg,
				  l.verdict == UFW_V_ACCEPT ? "leaves this ACCEPT out"
							    : "drops what the rest of the line would match");
			rc = problem(c, family, file, lineno, e.msg);
		}
		if (rc == 0 && may_match_a_port(&l))
			rc = add_line(rs, &l);
	}
	fclose(f);
	if (rc < 0)
		return gn_errf(err, rc, "ufw: reading %s: %s", path, strerror(-rc));
	return 0;
}

int ufw_restore_finish(struct ufw_config *c, int family)
{
	struct ufw_ruleset *rs = family == AF_INET ? &c->rs4 : &c->rs6;
	char why[120];
	int rc = 0;

	for (size_t i = 0; i < rs->n_lines && rc == 0; i++) {
		struct ufw_line *l = &rs->lines[i];

		if ((l->verdict != UFW_V_JUMP && l->verdict != UFW_V_GOTO) || l->unreadable ||
		    rs->chains[l->target].declared)
			continue;
		snprintf(why, sizeof why, "jumps to chain \"%s\", which no rules file declares",
			 rs->chains[l->target].name);
		log_warnx("ufw: %s line %u: %s; guardnet drops what the rest of the line would match",
			  ufw_file_name(l->file, family), l->line, why);
		l->unreadable = true;
		rc = problem(c, family, l->file, l->line, why);
	}
	return rc;
}

void ufw_ruleset_clear(struct ufw_ruleset *rs)
{
	free(rs->chains);
	free(rs->lines);
	memset(rs, 0, sizeof *rs);
}
