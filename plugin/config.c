#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "log.h"
#include "options.h"

/* The mark design.md section 4 verified: "NG" in ASCII.  The bridges'
 * device group is the same number, to be recognised as guardnet's. */
#define DEFAULT_MARK 0x4e47
#define DEFAULT_GROUP 0x4e47
#define DEFAULT_PUBLISH "0.0.0.0,::"
#define CONFIG_MAX_SIZE (1 << 20)

void config_init(struct gn_config *c)
{
	memset(c, 0, sizeof *c);
	addr_list_parse(DEFAULT_PUBLISH, &c->publish, "publish", NULL);
	c->ufw = GN_UFW_AUTO;
	c->mark = DEFAULT_MARK;
	c->group = DEFAULT_GROUP;
}

void config_clear(struct gn_config *c)
{
	free(c->publish.v);
	memset(c, 0, sizeof *c);
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* "off", "PORT" (on 127.0.0.1), "ADDRESS:PORT" or "[IPV6]:PORT". */
static int set_metrics(struct gn_config *c, const char *value, const char *where, struct gn_err *err)
{
	char addr[GN_PREFIX_STRLEN] = "127.0.0.1";
	const char *port = value, *colon = strrchr(value, ':');
	struct gn_err e;
	char *end;
	unsigned long p;

	if (!strcmp(value, "off")) {
		c->metrics = false;
		return 0;
	}
	if (colon) {
		const char *a = value, *z = colon;

		if (*a == '[' && z > a && z[-1] == ']')
			a++, z--;
		if ((size_t)(z - a) >= sizeof addr)
			return gn_errf(err, -EINVAL, "%s: metrics: address too long in \"%.60s\"", where, value);
		snprintf(addr, sizeof addr, "%.*s", (int)(z - a), a);
		port = colon + 1;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || errno || p < 1 || p > 65535)
		return gn_errf(err, -EINVAL, "%s: metrics: invalid value \"%.60s\" (expected off, PORT, ADDRESS:PORT "
			       "or [IPV6]:PORT, PORT 1-65535)", where, value);
	if (addr_parse(addr, &c->metrics_addr, "metrics", &e) < 0)
		return gn_errf(err, -EINVAL, "%s: %s", where, e.msg);
	c->metrics = true;
	c->metrics_port = (uint16_t)p;
	return 0;
}

int config_set(struct gn_config *c, const char *key, const char *value, const char *where, struct gn_err *err)
{
	struct gn_err e;

	if (!strcmp(key, "publish")) {
		struct gn_addr_list l;

		if (addr_list_parse(value, &l, "publish", &e) < 0)
			return gn_errf(err, -EINVAL, "%s: %s", where, e.msg);
		free(c->publish.v);
		c->publish = l;
		return 0;
	}
	if (!strcmp(key, "ufw")) {
		/* The same values as guardnet.ufw, but named as this file names them. */
		for (enum gn_ufw_mode m = GN_UFW_AUTO; m <= GN_UFW_OFF; m++)
			if (!strcmp(value, ufw_mode_name(m))) {
				c->ufw = m;
				return 0;
			}
		return gn_errf(err, -EINVAL, "%s: ufw: invalid value \"%.60s\" (expected auto, on or off)", where, value);
	}
	if (!strcmp(key, "mark") || !strcmp(key, "group")) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(value, &end, 0);
		/* Group 0 is every interface's: guardnet's bridges need one of their own. */
		if (!*value || *value == '-' || *end || errno || v == 0 || v > 0xffffffffUL)
			return gn_errf(err, -EINVAL, "%s: %s: invalid value \"%s\" (expected a non-zero 32-bit "
				       "number such as 0x4e47)", where, key, value);
		if (key[0] == 'm')
			c->mark = (uint32_t)v;
		else
			c->group = (uint32_t)v;
		return 0;
	}
	if (!strcmp(key, "scope")) {
		if (strcmp(value, "local") && strcmp(value, "global"))
			return gn_errf(err, -EINVAL, "%s: scope: invalid value \"%.60s\" (expected local or global)",
				       where, value);
		c->scope_global = !strcmp(value, "global");
		return 0;
	}
	if (!strcmp(key, "metrics"))
		return set_metrics(c, value, where, err);
	return gn_errf(err, -EINVAL, "%s: unknown key \"%s\" (known: publish, ufw, mark, group, scope, metrics)",
		       where, key);
}

int config_parse(struct gn_config *c, const char *text, const char *name, struct gn_err *err)
{
	char *copy = strdup(text), *line, *save = NULL;
	unsigned lineno = 0;
	int r = 0;

	if (!copy)
		return gn_errf(err, -ENOMEM, "out of memory");
	/* strtok_r would merge blank lines and break the line numbers. */
	for (line = copy; line && r == 0; line = save) {
		char where[256], *eq, *hash;

		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		line = trim(line);
		if (!*line)
			continue;
		snprintf(where, sizeof where, "%s:%u", name, lineno);
		eq = strchr(line, '=');
		if (!eq) {
			r = gn_errf(err, -EINVAL, "%s: expected \"key = value\", got \"%.60s\"", where, line);
			break;
		}
		*eq = '\0';
		r = config_set(c, trim(line), trim(eq + 1), where, err);
	}
	free(copy);
	return r;
}

int config_load(struct gn_config *c, const char *path, bool missing_ok, struct gn_err *err)
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t n;
	int r;

	if (!f) {
		if (errno == ENOENT && missing_ok)
			return 0;
		return gn_errf(err, -errno, "config %s: %s", path, strerror(errno));
	}
	text = malloc(CONFIG_MAX_SIZE + 1);
	if (!text) {
		fclose(f);
		return gn_errf(err, -ENOMEM, "out of memory");
	}
	n = fread(text, 1, CONFIG_MAX_SIZE + 1, f);
	fclose(f);
	if (n > CONFIG_MAX_SIZE) {
		free(text);
		return gn_errf(err, -EFBIG, "config %s: larger than %d bytes", path, CONFIG_MAX_SIZE);
	}
	text[n] = '\0';
	r = config_parse(c, text, path, err);
	free(text);
	return r;
}
