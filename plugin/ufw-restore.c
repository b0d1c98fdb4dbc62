/*
 * The "-A" lines of UFW's rules files, read the way iptables-restore reads
 * them (ufw-init loads each file with iptables-restore -n).  Only the
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

#define MAX_TOKENS 96
#define MAX_LINES 100000
#define MAX_CHAINS 1000
#define TUPLE_MARK "### tuple ### "

/* Splits a line as iptables-restore does: on blanks, with "..." and '...'
 * quoting.  The tokens point into buf. */
static int tokenize(char *buf, char **tok, size_t max)
{
	size_t n = 0;
	char *r = buf, *w;

	while (*r) {
		while (*r == ' ' || *r == '\t')
			r++;
		if (!*r)
			break;
		if (n == max)
			return -E2BIG;
		tok[n++] = w = r;
		while (*r && *r != ' ' && *r != '\t') {
			if (*r == '"' || *r == '\'') {
				char q = *r++;

				while (*r && *r != q)
					*w++ = *r++;
				if (*r != q)
					return -EINVAL;
				r++;
				continue;
			}
			*w++ = *r++;
		}
		if (*r)
			r++;
		*w = '\0';
	}
	return (int)n;
}

int ufw_chain_find(const struct ufw_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_chains; i++)
		if (!strcmp(rs->chains[i].name, name))
			return (int)i;
	return -1;
}

/* The chain's index, created (declared by file) when new. */
static int chain_get(struct ufw_ruleset *rs, const char *name, enum ufw_file file)
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
static int target(const char *t, bool go, struct ufw_ruleset *rs, struct ufw_line *l)
{
	static const struct {
		const char *name;
		enum ufw_verdict v;
	} builtin[] = {
		{ "ACCEPT", UFW_V_ACCEPT }, { "DROP", UFW_V_DROP }, { "REJECT", UFW_V_REJECT },
		{ "RETURN", UFW_V_RETURN }, { "LOG", UFW_V_LOG },
	};
	int c;

	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
		if (!strcmp(t, builtin[i].name)) {
			l->verdict = builtin[i].v;
			return go ? -EINVAL : 0;
		}
	/* ufw-init makes these (ufw-init-functions); logging ones only log.
	 * Other chains with similar names (ufw-docker-logging-deny drops)
	 * are the files' own. */
	if (!strcmp(t, "ufw-logging-deny") || !strcmp(t, "ufw-logging-allow") || !strcmp(t, "ufw6-logging-deny") ||
	    !strcmp(t, "ufw6-logging-allow")) {
		l->verdict = UFW_V_LOG;
		return 0;
	}
	if (!strcmp(t, "ufw-skip-to-policy-input") || !strcmp(t, "ufw6-skip-to-policy-input")) {
		l->verdict = UFW_V_SKIP;
		return 0;
	}
	c = chain_get(rs, t, l->file);
	if (c < 0)
		return c;
	l->verdict = go ? UFW_V_GOTO : UFW_V_JUMP;
	l->target = (uint16_t)c;
	return 0;
}

struct cursor {
	char **tok;
	int n, i;
	bool inv;       /* a "!" came before the current option */
};

static const char *value(struct cursor *c)
{
	if (c->i + 1 < c->n && !strcmp(c->tok[c->i + 1], "!")) {
		c->inv = !c->inv;
		c->i++;
	}
	return ++c->i < c->n ? c->tok[c->i] : NULL;
}

/* One option at c->tok[c->i] (and its value); -EINVAL for anything not
 * understood, with the option in err. */
static int option(struct cursor *c, int family, struct ufw_ruleset *rs, struct ufw_line *l, struct gn_err *err)
{
	const char *o = c->tok[c->i], *v;
	int rc = 0;

#define IS(a) (!strcmp(o, a))
	if (IS("-m") || IS("--match")) {
		/* Options are read by name; which match carries them matters
		 * only for ones guardnet does not know, which fail below. */
		static const char *const known[] = { "tcp",    "udp",       "multiport", "conntrack", "state", "recent",
						     "limit",  "comment",   "addrtype",  "icmp",      "icmp6", "icmpv6",
						     "hl",     "rt",        "ttl",       "sctp" };

		if (!(v = value(c)))
			return gn_errf(err, -EINVAL, "-m without a match");
		for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
			if (!strcmp(v, known[i]))
				return 0;
		return gn_errf(err, -EINVAL, "match \"%s\" is not supported", v);
	}
	if (IS("-j") || IS("--jump") || IS("-g") || IS("--goto")) {
		if (!(v = value(c)) || (rc = target(v, o[1] == 'g' || !strcmp(o, "--goto"), rs, l)) < 0)
			return gn_errf(err, -EINVAL, "bad target \"%s\"", v ? v : "");
		return 0;
	}
	if (!(v = value(c)) && !IS("--set") && !IS("--update") && !IS("--rcheck") && !IS("--remove") &&
	    !IS("--rsource") && !IS("--reap") && !IS("--syn"))
		return gn_errf(err, -EINVAL, "%s without a value", o);
	if (IS("--set") || IS("--update") || IS("--rcheck") || IS("--remove") || IS("--rsource") ||
	    IS("--reap") || IS("--syn"))
		c->i--; /* no value */
	if (IS("-p") || IS("--protocol")) {
		l->has_proto = true;
		l->proto_inv = c->inv;
		rc = ufw_word_protocol(v, &l->proto);
	} else if (IS("-s") || IS("--source") || IS("-d") || IS("--destination")) {
		struct gn_prefix p;
		bool src = o[1] == 's' || !strcmp(o, "--source");

		rc = prefix_parse(v, true, false, &p, "address", NULL);
		if (rc == 0 && p.addr.family != family)
			rc = -EINVAL;
		if (rc == 0) {
			prefix_network(&p, &p.addr);
			*(src ? &l->src : &l->dst) = p;
			*(src ? &l->src_inv : &l->dst_inv) = c->inv;
		}
	} else if (IS("-i") || IS("--in-interface") || IS("-o") || IS("--out-interface")) {
		bool in = o[1] == 'i' || !strcmp(o, "--in-interface");

		if (strlen(v) > GN_IFNAME_MAX)
			rc = -EINVAL;
		else
			snprintf(in ? l->in_if : l->out_if, GN_IFNAME_MAX + 1, "%s", v);
		*(in ? &l->in_inv : &l->out_inv) = c->inv;
	} else if (IS("--dport") || IS("--destination-port") || IS("--sport") || IS("--source-port")) {
		rc = c->inv ? -EINVAL : ufw_word_ports(v, false, strstr(o, "d") == o + 2 ? &l->dport : &l->sport);
	} else if (IS("--dports") || IS("--destination-ports") || IS("--sports") || IS("--source-ports") ||
		   IS("--ports")) {
		rc = c->inv ? -EINVAL
			    : ufw_word_ports(v, true, IS("--ports") ? &l->port : strstr(o, "d") == o + 2 ? &l->dport : &l->sport);
	} else if (IS("--ctstate") || IS("--state")) {
		l->ctstate_inv = c->inv;
		rc = ufw_word_ctstates(v, &l->ctstate);
	} else if (IS("--dst-type")) {
		l->dst_type_inv = c->inv;
		rc = ufw_word_addrtypes(v, &l->dst_type);
	} else if (IS("--tcp-flags")) {
		const char *comp = ++c->i < c->n ? c->tok[c->i] : NULL;

		l->tcp_inv = c->inv;
		rc = comp ? ufw_word_tcpflags(v, &l->tcp_mask) : -EINVAL;
		if (rc == 0)
			rc = ufw_word_tcpflags(comp, &l->tcp_cmp);
	} else if (IS("--syn")) {
		l->tcp_inv = c->inv;
		l->tcp_mask = 0x17; /* FIN,SYN,RST,ACK */
		l->tcp_cmp = 0x02;
	} else if (IS("--set") || IS("--update") || IS("--rcheck") || IS("--remove")) {
		static const char *const ops[] = { "--rcheck", "--set", "--update", "--remove" };

		for (unsigned i = 0; i < 4; i++)
			if (IS(ops[i]))
				l->recent.ops |= (uint8_t)(1u << i);
		l->recent.inv = c->inv;
		l->has_recent = true;
	} else if (IS("--seconds") || IS("--hitcount")) {
		char *e;
		unsigned long n = strtoul(v, &e, 10);

		rc = *e || !isdigit((unsigned char)*v) || n > 0xffffffffUL ? -EINVAL : 0;
		*(IS("--seconds") ? &l->recent.seconds : &l->recent.hitcount) = (uint32_t)n;
	} else if (IS("--name")) {
		rc = strlen(v) > UFW_RECENT_NAME_MAX ? -EINVAL : 0;
		snprintf(l->recent.name, sizeof l->recent.name, "%s", v);
	} else if (IS("--rsource")) {
		/* the default */
	} else if (IS("--reap")) {
		l->recent.ops |= 0x20; /* XT_RECENT_REAP */
	} else if (IS("--limit")) {
		l->has_limit = true;
		if (!l->limit.burst)
			l->limit.burst = 5;
		rc = c->inv ? -EINVAL : ufw_word_limit(v, &l->limit.avg);
	} else if (IS("--limit-burst")) {
		char *e;
		unsigned long n = strtoul(v, &e, 10);

		l->has_limit = true;
		if (!l->limit.avg)
			l->limit.avg = 10000 * 3600 / 3; /* iptables' default: 3/hour */
		rc = *e || n == 0 || n > 10000 ? -EINVAL : 0;
		l->limit.burst = (uint32_t)n;
	} else if (IS("--rt-type")) {
		char *e;
		unsigned long n = strtoul(v, &e, 10);

		rc = *e || !isdigit((unsigned char)*v) || n > 255 || c->inv ? -EINVAL : 0;
		l->has_rt = true;
		l->rt_type = (uint8_t)n;
	} else if (IS("--reject-with")) {
		rc = ufw_word_reject(v, family, &l->reject);
	} else if (IS("--comment") || IS("--log-prefix") || IS("--log-level") || IS("--log-tcp-sequence") ||
		   IS("--log-tcp-options") || IS("--log-ip-options") || IS("--log-uid")) {
		/* names only; LOG decides nothing */
	} else {
		return gn_errf(err, -EINVAL, "option \"%s\" is not supported", o);
	}
#undef IS
	if (rc < 0)
		return gn_errf(err, -EINVAL, "bad value \"%s\" for %s", v, o);
	c->inv = false;
	return 0;
}

/* Whether the line can match a published port's protocol (TCP, UDP, SCTP). */
static bool may_match_a_port(const struct ufw_line *l)
{
	return !l->has_proto || l->proto_inv || l->proto == 0 || l->proto == 6 || l->proto == 17 || l->proto == 132;
}

int ufw_restore_line(const char *text, int family, struct ufw_ruleset *rs, struct ufw_line *ret, struct gn_err *err)
{
	char buf[4096], *tok[MAX_TOKENS];
	struct cursor c = { .tok = tok };
	struct ufw_line l = *ret;
	int chain, rc = 0;

	l.tuple = ret->tuple;
	if (strlen(text) >= sizeof buf)
		return gn_errf(err, -EINVAL, "line too long");
	strcpy(buf, text);
	c.n = tokenize(buf, tok, MAX_TOKENS);
	/* iptables-save may put counters first: "[0:0] -A ..." */
	if (c.n > 0 && tok[0][0] == '[')
		c.i = 1;
	if (c.n < 0)
		return gn_errf(err, -EINVAL, c.n == -E2BIG ? "too many words" : "unbalanced quote");
	if (c.i + 1 >= c.n || (strcmp(tok[c.i], "-A") && strcmp(tok[c.i], "-I")))
		return gn_errf(err, -EINVAL, "neither an -A nor an -I line");
	chain = chain_get(rs, tok[c.i + 1], l.file);
	if (chain < 0)
		return gn_errf(err, -EINVAL, "bad chain \"%s\"", tok[c.i + 1]);
	l.chain = (uint16_t)chain;
	l.insert = 0;
	if (!strcmp(tok[c.i], "-I")) {
		char *e;

		l.insert = 1;
		if (c.i + 2 < c.n && isdigit((unsigned char)tok[c.i + 2][0])) {
			l.insert = (unsigned)strtoul(tok[c.i + 2], &e, 10);
			if (*e || l.insert == 0)
				return gn_errf(err, -EINVAL, "bad position \"%s\"", tok[c.i + 2]);
			c.i++;
		}
	}
	for (c.i += 2; c.i < c.n && rc == 0; c.i++) {
		if (!strcmp(tok[c.i], "!")) {
			c.inv = !c.inv;
			continue;
		}
		rc = option(&c, family, rs, &l, err);
	}
	if (rc < 0) {
		/* Find the target and protocol anyway: they decide what an
		 * unreadable line may still do. */
		for (int i = c.i; i + 1 < c.n; i++) {
			if (!strcmp(tok[i], "-j") || !strcmp(tok[i], "-g"))
				target(tok[i + 1], tok[i][1] == 'g', rs, &l);
			if (!strcmp(tok[i], "-p") && !l.has_proto && ufw_word_protocol(tok[i + 1], &l.proto) == 0)
				l.has_proto = true;
		}
		l.unreadable = true;
	}
	*ret = l;
	return rc;
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
	} else if ((i = chain_get(rs, name, file)) < 0) {
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
