#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "log.h"

/* Text longer than any address we accept; bounds what goes into messages. */
#define ADDR_TEXT_MAX 64

int addr_parse(const char *s, struct gn_addr *ret, const char *what, struct gn_err *err)
{
	struct gn_addr a = { 0 };

	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, a.a) != 1)
			return gn_errf(err, -EINVAL, "%s: invalid IPv6 address \"%.*s\"", what, ADDR_TEXT_MAX, s);
		a.family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, s, a.a) != 1)
			return gn_errf(err, -EINVAL, "%s: invalid IP address \"%.*s\"", what, ADDR_TEXT_MAX, s);
		a.family = AF_INET;
	}
	*ret = a;
	return 0;
}

static unsigned addr_bits(const struct gn_addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

static bool host_bits_clear(const struct gn_addr *a, unsigned len)
{
	for (unsigned bit = len; bit < addr_bits(a); bit++)
		if (a->a[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

int prefix_parse(const char *s, bool bare_ok, bool strict, struct gn_prefix *ret,
		 const char *what, struct gn_err *err)
{
	char buf[ADDR_TEXT_MAX];
	const char *slash = strchr(s, '/');
	struct gn_prefix p;
	unsigned long len;
	char *end;

	if (strlen(s) >= sizeof buf)
		return gn_errf(err, -EINVAL, "%s: invalid CIDR \"%.*s...\" (too long)", what, ADDR_TEXT_MAX, s);
	if (!slash && !bare_ok)
		return gn_errf(err, -EINVAL, "%s: invalid CIDR \"%s\" (no prefix length)", what, s);
	memcpy(buf, s, slash ? (size_t)(slash - s) : strlen(s));
	buf[slash ? (size_t)(slash - s) : strlen(s)] = '\0';
	if (addr_parse(buf, &p.addr, what, NULL) < 0)
		return gn_errf(err, -EINVAL, "%s: invalid CIDR \"%s\"", what, s);
	if (slash) {
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end || errno || len > addr_bits(&p.addr))
			return gn_errf(err, -EINVAL, "%s: invalid CIDR \"%s\" (prefix length)", what, s);
	} else {
		len = addr_bits(&p.addr);
	}
	p.len = (uint8_t)len;
	if (strict && !host_bits_clear(&p.addr, p.len)) {
		struct gn_prefix net = p;
		char hint[GN_PREFIX_STRLEN];

		prefix_network(&p, &net.addr);
		prefix_format(&net, hint, sizeof hint);
		return gn_errf(err, -EINVAL, "%s: invalid CIDR \"%s\" (host bits set; did you mean %s?)",
			       what, s, hint);
	}
	*ret = p;
	return 0;
}

/* Splits s at commas and hands each trimmed piece to one().  Shared by both
 * list parsers so that they agree on what a list looks like. */
static int list_walk(const char *s, void *out, size_t elem, size_t *count,
		     int (*one)(const char *piece, void *slot, const char *what, struct gn_err *err),
		     const char *what, struct gn_err *err)
{
	size_t n = 0, cap = 0;
	char *copy, *rest, *tok;
	void **vec = out;
	int r = 0;

	*vec = NULL;
	*count = 0;
	copy = strdup(s);
	if (!copy)
		return gn_errf(err, -ENOMEM, "%s: out of memory", what);
	/* strsep, unlike strtok, keeps empty fields: "a,,b" is an error. */
	rest = *copy ? copy : NULL;
	while ((tok = strsep(&rest, ","))) {
		char *end;

		while (isspace((unsigned char)*tok))
			tok++;
		end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*tok) {
			r = gn_errf(err, -EINVAL, "%s: empty entry in list \"%.*s\"", what, ADDR_TEXT_MAX, s);
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			void *nv = realloc(*vec, ncap * elem);

			if (!nv) {
				r = gn_errf(err, -ENOMEM, "%s: out of memory", what);
				break;
			}
			*vec = nv;
			cap = ncap;
		}
		r = one(tok, (char *)*vec + n * elem, what, err);
		if (r < 0)
			break;
		n++;
	}
	free(copy);
	if (r < 0) {
		free(*vec);
		*vec = NULL;
		return r;
	}
	*count = n;
	return 0;
}

static int one_addr(const char *piece, void *slot, const char *what, struct gn_err *err)
{
	return addr_parse(piece, slot, what, err);
}

static int one_prefix(const char *piece, void *slot, const char *what, struct gn_err *err)
{
	return prefix_parse(piece, true, true, slot, what, err);
}

int addr_list_parse(const char *s, struct gn_addr_list *ret, const char *what, struct gn_err *err)
{
	return list_walk(s, &ret->v, sizeof *ret->v, &ret->n, one_addr, what, err);
}

int prefix_list_parse(const char *s, struct gn_prefix_list *ret, const char *what, struct gn_err *err)
{
	return list_walk(s, &ret->v, sizeof *ret->v, &ret->n, one_prefix, what, err);
}

void addr_format(const struct gn_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family == AF_INET6 ? AF_INET6 : AF_INET, a->a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

void prefix_format(const struct gn_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	addr_format(&p->addr, a, sizeof a);
	snprintf(buf, len, "%s/%u", a, p->len);
}

static char *join(size_t n, const void *v, size_t elem, void (*fmt)(const void *, char *, size_t))
{
	size_t cap = n * GN_PREFIX_STRLEN + 1, used = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char one[GN_PREFIX_STRLEN];

		fmt((const char *)v + i * elem, one, sizeof one);
		used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "," : "", one);
	}
	return out;
}

static void fmt_addr(const void *a, char *buf, size_t len)
{
	addr_format(a, buf, len);
}

static void fmt_prefix(const void *p, char *buf, size_t len)
{
	prefix_format(p, buf, len);
}

char *addr_list_format(const struct gn_addr_list *l)
{
	return join(l->n, l->v, sizeof *l->v, fmt_addr);
}

char *prefix_list_format(const struct gn_prefix_list *l)
{
	return join(l->n, l->v, sizeof *l->v, fmt_prefix);
}

bool addr_equal(const struct gn_addr *a, const struct gn_addr *b)
{
	return a->family == b->family && !memcmp(a->a, b->a, a->family == AF_INET ? 4 : 16);
}

bool addr_is_any(const struct gn_addr *a)
{
	static const uint8_t zero[16];

	return !memcmp(a->a, zero, a->family == AF_INET ? 4 : 16);
}

void prefix_network(const struct gn_prefix *p, struct gn_addr *ret)
{
	*ret = p->addr;
	for (unsigned bit = p->len; bit < addr_bits(&p->addr); bit++)
		ret->a[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
}

bool prefix_contains(const struct gn_prefix *p, const struct gn_addr *a)
{
	struct gn_addr x, y;
	struct gn_prefix q = { .addr = *a, .len = p->len };

	if (a->family != p->addr.family)
		return false;
	prefix_network(p, &x);
	prefix_network(&q, &y);
	return addr_equal(&x, &y);
}

int ifname_validate(const char *s, const char *what, struct gn_err *err)
{
	size_t n = strlen(s);

	if (n == 0 || n > GN_IFNAME_MAX)
		return gn_errf(err, -EINVAL, "%s: invalid interface name \"%.*s\" (1-%d characters)",
			       what, ADDR_TEXT_MAX, s, GN_IFNAME_MAX);
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return gn_errf(err, -EINVAL, "%s: invalid interface name \"%s\"", what, s);
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || !isgraph((unsigned char)s[i]))
			return gn_errf(err, -EINVAL, "%s: invalid interface name \"%s\" (character %zu)",
				       what, s, i + 1);
	return 0;
}

int mac_parse(const char *s, uint8_t ret[6], const char *what, struct gn_err *err)
{
	unsigned b[6];
	char tail;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return gn_errf(err, -EINVAL, "%s: invalid MAC address \"%.*s\"", what, ADDR_TEXT_MAX, s);
	for (int i = 0; i < 6; i++)
		ret[i] = (uint8_t)b[i];
	return 0;
}

void mac_format(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
