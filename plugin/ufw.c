#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "log.h"
#include "ufw.h"


static const struct {
	const char *name;
	uint8_t number;
} protos[] = {
	{ "any", 0 }, { "tcp", 6 }, { "udp", 17 }, { "ipv6", 41 }, { "esp", 50 }, { "ah", 51 }, { "gre", 47 },
	{ "igmp", 2 },
};

const char *ufw_action_name(enum ufw_action a)
{
	static const char *names[] = { "allow", "deny", "reject", "limit" };

	return names[a];
}

static const char *proto_word(uint8_t number)
{
	for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
		if (protos[i].number == number)
			return protos[i].name;
	return "?";
}

static void ports_format(const struct ufw_ports *p, FILE *f)
{
	for (size_t i = 0; i < p->n; i++) {
		fprintf(f, "%s%u", i ? "," : "", p->lo[i]);
		if (p->hi[i] != p->lo[i])
			fprintf(f, ":%u", p->hi[i]);
	}
}

static void end_format(const char *word, const struct gn_prefix *a, const struct ufw_ports *p, FILE *f)
{
	char buf[GN_PREFIX_STRLEN];

	/* A single address reads as UFW writes it, without a length. */
	if (a->len == (a->addr.family == AF_INET ? 32 : 128))
		addr_format(&a->addr, buf, sizeof buf);
	else if (a->len)
		prefix_format(a, buf, sizeof buf);
	fprintf(f, " %s %s", word, a->len ? buf : "any");
	if (p->n) {
		fputs(" port ", f);
		ports_format(p, f);
	}
}

void ufw_rule_format(const struct ufw_rule *r, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");

	if (!f) {
		snprintf(buf, len, "%s", ufw_action_name(r->action));
		return;
	}
	fprintf(f, "%s%s", r->route ? "route " : "", ufw_action_name(r->action));
	if (r->out && !r->route)
		fputs(" out", f);
	if (r->in_if[0])
		fprintf(f, " in on %s", r->in_if);
	if (r->out_if[0])
		fprintf(f, "%s on %s", r->route ? " out" : "", r->out_if);
	end_format("from", &r->src, &r->sport, f);
	end_format("to", &r->dst, &r->dport, f);
	if (r->proto)
		fprintf(f, " proto %s", proto_word(r->proto));
	fclose(f);
}

static int parse_action(const char *s, struct ufw_rule *r, struct gn_err *err)
{
	char word[32];
	const char *under;

	if (!strncmp(s, "route:", 6)) {
		r->route = true;
		s += 6;
	}
	under = strchr(s, '_');
	snprintf(word, sizeof word, "%.*s", under ? (int)(under - s) : (int)strlen(s), s);
	if (under && strcmp(under, "_log") && strcmp(under, "_log-all"))
		return gn_errf(err, -EINVAL, "unknown logging \"%s\"", under + 1);
	r->log = under != NULL;
	for (enum ufw_action a = UFW_ALLOW; a <= UFW_LIMIT; a++)
		if (!strcmp(word, ufw_action_name(a))) {
			r->action = a;
			return 0;
		}
	return gn_errf(err, -EINVAL, "unknown action \"%s\"", word);
}

static int parse_proto(const char *s, uint8_t *ret, struct gn_err *err)
{
	for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
		if (!strcmp(s, protos[i].name)) {
			*ret = protos[i].number;
			return 0;
		}
	return gn_errf(err, -EINVAL, "unknown protocol \"%s\"", s);
}

/* A port of user.rules' tuples: 1 to 65535. */
static int parse_port(const char *s, const char **end, uint16_t *ret)
{
	int r = ufw_word_port(s, end, ret);

	return r < 0 || *ret ? r : -EINVAL;
}

/* "any", "80", "80,443", "8000:8010", "22,8000:8010" */
static int parse_ports(const char *s, struct ufw_ports *ret, struct gn_err *err)
{
	struct ufw_ports p = { 0 };

	if (!strcmp(s, "any")) {
		*ret = p;
		return 0;
	}
	for (const char *c = s;;) {
		if (p.n == UFW_MAX_RANGES || parse_port(c, &c, &p.lo[p.n]) < 0)
			return gn_errf(err, -EINVAL, "bad port list \"%s\"", s);
		p.hi[p.n] = p.lo[p.n];
		if (*c == ':' && (parse_port(c + 1, &c, &p.hi[p.n]) < 0 || p.hi[p.n] < p.lo[p.n]))
			return gn_errf(err, -EINVAL, "bad port range in \"%s\"", s);
		p.n++;
		if (!*c)
			break;
		if (*c++ != ',')
			return gn_errf(err, -EINVAL, "bad port list \"%s\"", s);
	}
	*ret = p;
	return 0;
}

static int parse_addr(const char *s, int family, struct gn_prefix *ret, struct gn_err *err)
{
	struct gn_prefix p;

	if (!strcmp(s, "any")) {
		memset(ret, 0, sizeof *ret);
		ret->addr.family = (uint8_t)family;
		return 0;
	}
	if (prefix_parse(s, true, false, &p, "address", NULL) < 0 || p.addr.family != family)
		return gn_errf(err, -EINVAL, "bad %s address \"%s\"", family == AF_INET ? "IPv4" : "IPv6", s);
	prefix_network(&p, &p.addr);
	*ret = p;
	return 0;
}

static int copy_ifname(const char *s, size_t len, char out[GN_IFNAME_MAX + 1], struct gn_err *err)
{
	if (len == 0 || len > GN_IFNAME_MAX)
		return gn_errf(err, -EINVAL, "bad interface name \"%.*s\"", (int)len, s);
	memcpy(out, s, len);
	out[len] = '\0';
	return ifname_validate(out, "interface", err);
}

/* "in", "out", "in_IF", "out_IF", "in_IF!out_IF" */
static int parse_dir(const char *s, struct ufw_rule *r, struct gn_err *err)
{
	const char *bang = strchr(s, '!');
	int rc;

	if (!strcmp(s, "in") || !strcmp(s, "out")) {
		r->out = s[0] == 'o';
		return 0;
	}
	if (!strncmp(s, "in_", 3)) {
		rc = copy_ifname(s + 3, bang ? (size_t)(bang - s - 3) : strlen(s + 3), r->in_if, err);
		if (rc < 0 || !bang)
			return rc;
		if (strncmp(bang + 1, "out_", 4))
			return gn_errf(err, -EINVAL, "bad direction \"%s\"", s);
		return copy_ifname(bang + 5, strlen(bang + 5), r->out_if, err);
	}
	if (!strncmp(s, "out_", 4)) {
		r->out = true;
		return copy_ifname(s + 4, strlen(s + 4), r->out_if, err);
	}
	return gn_errf(err, -EINVAL, "bad direction \"%s\"", s);
}

int ufw_parse_tuple(const char *tuple, int family, struct ufw_rule *ret, struct gn_err *err)
{
	char copy[1024], *f[12], *save = NULL, *tok;
	struct ufw_rule r = { 0 };
	size_t n = 0;
	int rc;

	if (strlen(tuple) >= sizeof copy)
		return gn_errf(err, -EINVAL, "tuple too long");
	strcpy(copy, tuple);
	for (tok = strtok_r(copy, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (!strncmp(tok, "comment=", 8))
			continue;
		if (n == sizeof f / sizeof f[0])
			return gn_errf(err, -EINVAL, "too many fields");
		f[n++] = tok;
	}
	/* action proto dport dst sport src [dapp sapp] [direction] */
	if (n < 6 || n > 9)
		return gn_errf(err, -EINVAL, "%zu fields, expected 6 to 9", n);
	if ((rc = parse_action(f[0], &r, err)) < 0 || (rc = parse_proto(f[1], &r.proto, err)) < 0 ||
	    (rc = parse_ports(f[2], &r.dport, err)) < 0 || (rc = parse_addr(f[3], family, &r.dst, err)) < 0 ||
	    (rc = parse_ports(f[4], &r.sport, err)) < 0 || (rc = parse_addr(f[5], family, &r.src, err)) < 0)
		return rc;
	if ((n == 7 || n == 9) && (rc = parse_dir(f[n - 1], &r, err)) < 0)
		return rc;
	if ((r.dport.n || r.sport.n) && r.proto != 6 && r.proto != 17 && r.proto != 0)
		return gn_errf(err, -EINVAL, "ports with protocol %s", f[1]);
	*ret = r;
	return 0;
}

/* Reads KEY=VALUE (quotes removed) from a shell-style file. */
static bool file_value(const char *path, const char *key, char *out, size_t len)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (fgets(line, sizeof line, f)) {
		char *v, *end;

		if (strncmp(line, key, strlen(key)) || line[strlen(key)] != '=')
			continue;
		v = line + strlen(key) + 1;
		v[strcspn(v, "\r\n")] = '\0';
		if (*v == '"' || *v == '\'') {
			end = strrchr(v + 1, *v);
			if (end)
				*end = '\0';
			v++;
		}
		snprintf(out, len, "%s", v);
		found = true;
	}
	fclose(f);
	return found;
}

static enum ufw_policy policy_of(const char *s)
{
	if (!strcmp(s, "ACCEPT"))
		return UFW_POLICY_ACCEPT;
	if (!strcmp(s, "REJECT"))
		return UFW_POLICY_REJECT;
	return UFW_POLICY_DROP; /* DROP, and anything unreadable: fail closed */
}

int ufw_load(const char *root, struct ufw_config *ret, struct gn_err *err)
{
	struct ufw_config c = { .in_policy = UFW_POLICY_DROP, .fwd_policy = UFW_POLICY_DROP };
	char path[512], v[64];
	int r = 0;

	snprintf(path, sizeof path, "%s/etc/ufw/ufw.conf", root);
	c.enabled = file_value(path, "ENABLED", v, sizeof v) && !strcmp(v, "yes");
	snprintf(path, sizeof path, "%s/etc/default/ufw", root);
	if (file_value(path, "DEFAULT_INPUT_POLICY", v, sizeof v))
		c.in_policy = policy_of(v);
	if (file_value(path, "DEFAULT_FORWARD_POLICY", v, sizeof v))
		c.fwd_policy = policy_of(v);
	c.ipv6 = !file_value(path, "IPV6", v, sizeof v) || !strcmp(v, "yes");
	for (int f = 0; f < 2 && r == 0; f++) {
		int family = f ? AF_INET6 : AF_INET;

		if (family == AF_INET6 && !c.ipv6)
			break;
		/* ufw-init's order: before, after, then user (ufw-init-functions). */
		for (enum ufw_file file = UFW_FILE_BEFORE; file < UFW_FILES && r == 0; file++) {
			snprintf(path, sizeof path, "%s/etc/ufw/%s", root, ufw_file_name(file, family));
			r = ufw_restore_read(path, file, family, &c, err);
		}
		if (r == 0 && (r = ufw_restore_finish(&c, family)) < 0)
			gn_errf(err, r, "ufw: out of memory");
	}
	if (r < 0) {
		ufw_config_clear(&c);
		return r;
	}
	*ret = c;
	return 0;
}

const char *ufw_file_name(enum ufw_file f, int family)
{
	static const char *names[2][UFW_FILES] = {
		{ "before.rules", "after.rules", "user.rules" },
		{ "before6.rules", "after6.rules", "user6.rules" },
	};

	return names[family == AF_INET6][f];
}

unsigned ufw_rule_number(const struct ufw_config *c, int family, size_t i)
{
	return (unsigned)(i + 1 + (family == AF_INET6 ? c->n4 : 0));
}

const char *ufw_chain_name(int family, const char *suffix)
{
	static __thread char buf[UFW_CHAIN_MAX + 1];

	snprintf(buf, sizeof buf, "ufw%s-%s", family == AF_INET6 ? "6" : "", suffix);
	return buf;
}

void ufw_config_clear(struct ufw_config *c)
{
	free(c->v4);
	free(c->v6);
	ufw_ruleset_clear(&c->rs4);
	ufw_ruleset_clear(&c->rs6);
	free(c->problems);
	memset(c, 0, sizeof *c);
}
