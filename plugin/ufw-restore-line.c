/*
 * One "-A" line of UFW's rules files, as iptables-restore reads it: split
 * with its quoting, then the options UFW writes and the ones people
 * commonly put into before.rules and after.rules (spec/ufw.md); anything
 * else marks the line unreadable (ufw-restore.c says what that means).
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
	c = ufw_chain_get(rs, t, l->file);
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
	chain = ufw_chain_get(rs, tok[c.i + 1], l.file);
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
