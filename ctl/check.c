/*
 * guardnetctl check when guardnetd does not answer: the degraded check.
 * The moment guardnetd is down is when an operator most needs to know
 * whether the kernel still holds guardnet's protection (it should: the
 * rules stay when guardnetd stops).  Without guardnetd's state in memory,
 * guardnetctl compares what the state directory names (networks,
 * endpoints) and the links guardnet made with the kernel: table inet
 * guardnet, its hooked chains, sets and per-network objects, tables ip and
 * ip6 guardnet where UFW's rules decide (table inet guardnet's comment
 * names them), table inet guardnet_count's chains and sets, the links, and
 * the iptables accept rule with the device group drops.  It says what it
 * could not check (guardnetctl check with guardnetd compares all of it,
 * rule by rule and element by element).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>

#include <guardnet/boot.h>

#include "ctl.h"
#include "kernel.h"

#define NOT_CHECKED "the rules inside the chains (UFW's included), the published ports and allowlists against the " \
		    "endpoints, UFW's files against what guardnetd last compiled, addresses, sysctls and bridge " \
		    "settings (guardnetd compares those)"

struct report {
	json_t *ok, *drift;
};

static void say(json_t *list, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(json_t *list, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	json_array_append_new(list, json_string(line));
}

/* A network or endpoint ID as guardnetd accepts it: 64 hex digits
 * (Docker's) or 25 base-36 characters (a swarm network's). */
static bool is_id(const char *s, size_t n)
{
	return (n == 64 && strspn(s, "0123456789abcdef") >= n) ||
	       (n == 25 && strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz") >= n);
}

/* The IDs of DIR/SUB/<ID>.json. */
static int state_ids(const char *dir, const char *sub, struct strs *ids)
{
	char path[4096];
	struct dirent *d;
	DIR *dp;
	int r = 0;

	snprintf(path, sizeof path, "%s/%s", dir, sub);
	if (!(dp = opendir(path)))
		return -errno;
	while (r == 0 && (d = readdir(dp))) {
		size_t n = strlen(d->d_name);

		if (n > 5 && !strcmp(d->d_name + n - 5, ".json") && is_id(d->d_name, n - 5)) {
			d->d_name[n - 5] = '\0';
			r = strs_add(ids, d->d_name);
		}
	}
	closedir(dp);
	return r;
}

/* The first line of a small file, without its newline; "" if unreadable. */
static void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f && !fgets(buf, (int)len, f))
		buf[0] = '\0';
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* Whether guardnetd will drop the endpoint files when it starts: 1 when
 * the state directory's file "boot" names an earlier boot, 0 when this
 * one or none, -EINVAL when it holds something else (guardnetd will not
 * start).  Files written since this boot began guardnetd keeps; the
 * degraded check, which has only the names, leaves them all out. */
static int of_earlier_boot(const char *dir, char was[64])
{
	char path[4096], now[64];

	snprintf(path, sizeof path, "%s/boot", dir);
	first_line(path, was, 64);
	first_line(GN_BOOT_ID_PATH, now, sizeof now);
	if (!was[0] || !now[0])
		return 0;
	if (!gn_is_boot_id(was))
		return -EINVAL;
	return strcmp(was, now) != 0;
}

/* The link named in "NAME ID" lines with this ID, or NULL. */
static const char *link_of(const struct strs *links, const char *id, char *name, size_t len)
{
	for (size_t i = 0; i < links->n; i++) {
		const char *sp = strchr(links->v[i], ' ');

		if (sp && !strcmp(sp + 1, id)) {
			snprintf(name, len, "%.*s", (int)(sp - links->v[i]), links->v[i]);
			return name;
		}
	}
	return NULL;
}

/* A base chain that must be in a table, on its hook. */
struct hooked {
	const char *name;
	unsigned hook;
};

/* How many of a table's base chains (in base_chains as "name:hook") and
 * named objects (in names, what says of which kind) are missing; each one
 * said as drift, table naming the table. */
static size_t missing_in(const char *table, const struct strs *base_chains, const struct hooked *base, size_t n_base,
			 const struct strs *names, const char *what, const char *const *want, size_t n_want,
			 struct report *rep)
{
	size_t missing = 0;

	for (size_t i = 0; i < n_base; i++) {
		char h[64];

		snprintf(h, sizeof h, "%s:%u", base[i].name, base[i].hook);
		if (!strs_has(base_chains, h) && ++missing)
			say(rep->drift, "%s: base chain %s is missing or not on its hook", table, base[i].name);
	}
	for (size_t i = 0; i < n_want; i++)
		if (!strs_has(names, want[i]) && ++missing)
			say(rep->drift, "%s: %s %s is missing", table, what, want[i]);
	return missing;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void check_table(const struct ctl_kernel *k, struct report *rep)
{
	static const struct hooked base[] = { { "forward", NF_INET_FORWARD },
					      { "prerouting", NF_INET_PRE_ROUTING },
					      { "raw-prerouting", NF_INET_PRE_ROUTING },
					      { "output", NF_INET_LOCAL_OUT },
					      { "postrouting", NF_INET_POST_ROUTING } };
	/* UFW's rules live in tables ip and ip6 guardnet, only while UFW is
	 * in force: nothing to ask of every host. */
	static const char *const sets[] = { "bridges", "allowv", "ufw_nets", "uplinks", "pub4", "any4", "pub6", "any6",
					    "allowh4", "allowh6", "epav4", "epav6" };
	static const char *const chains[] = { "pub", "src" };
	size_t missing;

	if (!k->table) {
		say(rep->drift, "table inet " GN_TABLE " is missing: nothing filters published ports or keeps "
				"networks apart");
		return;
	}
	missing = missing_in("table inet " GN_TABLE, &k->base_chains, base, N(base), &k->sets, "set", sets, N(sets), rep);
	missing += missing_in("table inet " GN_TABLE, &k->base_chains, NULL, 0, &k->chains, "chain", chains, N(chains),
			      rep);
	if (!missing)
		say(rep->ok, "table inet " GN_TABLE ": chains forward, prerouting, raw-prerouting, output and "
			     "postrouting on their hooks, chains pub and src, and its sets and maps");
}

/* Tables ip and ip6 guardnet: UFW's rules for the networks under UFW.
 * Table inet guardnet's comment names those that go with it. */
static void check_ufw_tables(const struct ctl_kernel *k, struct report *rep)
{
	static const struct hooked base[] = { { "prerouting", NF_INET_PRE_ROUTING }, { "forward", NF_INET_FORWARD } };
	static const char *const chains[] = { "ufw-input", "ufw-route" };

	for (size_t f = 0; f < 2; f++) {
		const struct ufw_view *v = &k->ufw[f];
		char table[32];
		size_t missing;

		if (!v->wanted) {
			if (v->table)
				say(rep->drift, "table %s " GN_TABLE " is there, but table inet " GN_TABLE " does not name it "
						"(\"%s\"): guardnet did not leave it", v->family, k->comment);
			continue;
		}
		if (!v->table) {
			say(rep->drift, "table %s " GN_TABLE " is missing: UFW's rules do not decide for the published "
					"ports of the networks under UFW", v->family);
			continue;
		}
		snprintf(table, sizeof table, "table %s " GN_TABLE, v->family);
		missing = missing_in(table, &v->base_chains, base, N(base), &v->chains, "chain", chains, N(chains), rep);
		if (!missing)
			say(rep->ok, "table %s " GN_TABLE ": UFW's rules, chains prerouting and forward on their hooks, "
				     "ufw-input and ufw-route", v->family);
	}
}

static void check_network(const struct ctl_kernel *k, const char *id, struct report *rep)
{
	char bridge[64];

	if (!link_of(&k->bridges, id, bridge, sizeof bridge)) {
		say(rep->drift, "network %.12s: its bridge is missing (no bridge with alias " GN_ALIAS_PREFIX "%.12s...)",
		    id, id);
		return;
	}
	if (!k->table)
		return;
	/* Its other elements and its chain allow-B (a guardnet.allow with
	 * ranges) only guardnetd knows to expect: guardnetctl check with
	 * guardnetd compares them. */
	if (!strs_has(&k->bridge_elems, bridge))
		say(rep->drift, "network %.12s: bridge %s is not in set bridges: its published ports, its sources "
				"and other networks are not kept apart from it", id, bridge);
	else
		say(rep->ok, "network %.12s: bridge %s, in set bridges", id, bridge);
}

static bool drops(const struct ipt_view *v, const char *chain)
{
	char dst[64], src[64];

	snprintf(dst, sizeof dst, "%s dst", chain);
	snprintf(src, sizeof src, "%s src", chain);
	return strs_has(&v->drop_in, dst) && strs_has(&v->drop_in, src);
}

/* Table inet guardnet_count: the connection counters of published ports
 * (status, metrics), which guardnetd builds with the first network. */
static void check_count_table(const struct ctl_kernel *k, struct report *rep)
{
	static const struct hooked base[] = { { "prerouting", NF_INET_PRE_ROUTING },
					      { "output", NF_INET_LOCAL_OUT },
					      { "postrouting", NF_INET_POST_ROUTING } };
	static const char *const sets[] = { "conn4", "adm4", "conn6", "adm6" };
	size_t missing;

	if (!k->count_table) {
		say(rep->drift, "table inet " GN_COUNT_TABLE " is missing: connections to published ports are not "
				"counted");
		return;
	}
	missing = missing_in("table inet " GN_COUNT_TABLE, &k->count_base, base, N(base), &k->count_sets, "set", sets,
			     N(sets), rep);
	if (!missing)
		say(rep->ok, "table inet " GN_COUNT_TABLE ": chains prerouting, output and postrouting on their "
			     "hooks, and sets conn4, adm4, conn6 and adm6");
}

/* The accept rule, and with it the drops of guardnet's device group (the
 * barrier that holds while guardnetd is down), in the same chain. */
static void check_iptables(const struct ctl_kernel *k, struct report *rep)
{
	for (size_t i = 0; i < 4; i++) {
		const struct ipt_view *v = &k->ipt[i];
		/* guardnetd puts it in DOCKER-USER while FORWARD jumps there,
		 * else in FORWARD: either is where it may be. */
		const char *chain = strs_has(&v->rule_in, "DOCKER-USER")  ? "DOCKER-USER" :
				    strs_has(&v->rule_in, "FORWARD")      ? "FORWARD" :
				    strs_has(&v->chains, "DOCKER-USER") ? "DOCKER-USER" :
				    strs_has(&v->chains, "FORWARD")     ? "FORWARD" : NULL;

		if (v->err)
			say(rep->drift, "%s: cannot read the filter table: %s", v->what, strerror(-v->err));
		else if (!v->table || !chain)
			continue;
		else if (strs_has(&v->rule_in, chain) && drops(v, chain))
			say(rep->ok, "%s: guardnet's accept rule is in filter %s, and its device group drops", v->what,
			    chain);
		else if (strs_has(&v->rule_in, chain))
			say(rep->drift, "%s: guardnet's accept rule is in filter %s, but not both of its device group "
					"drops: while guardnetd is down, only its nftables table keeps its networks "
					"closed", v->what, chain);
		else
			say(rep->drift, "%s: guardnet's accept rule is not in filter %s: iptables drops the connections "
					"guardnet admits", v->what, chain);
	}
}

int ctl_check_degraded(const char *state_dir, bool as_json)
{
	struct report rep = { json_array(), json_array() };
	struct strs nets = { 0 }, eps = { 0 };
	struct ctl_kernel k;
	size_t n_nets, ok_eps = 0;
	int r, rs, rb;
	char was[64];
	json_t *d;
	size_t i;

	ctl_kernel_read(&k);
	if (k.err)
		say(rep.drift, "cannot read the kernel's %s: %s%s", k.err_what, strerror(-k.err),
		    k.err == -EPERM ? " (guardnetctl needs root)" : "");
	rs = state_ids(state_dir, "networks", &nets);
	if (rs == 0)
		rs = state_ids(state_dir, "endpoints", &eps);
	if (rs < 0 && rs != -ENOENT)
		say(rep.drift, "cannot read the state directory %s: %s", state_dir, strerror(-rs));
	rb = of_earlier_boot(state_dir, was);
	if (rb < 0)
		say(rep.drift, "state file %s/boot holds \"%.40s\", not a boot ID: guardnetd will not start until it "
			       "is fixed or removed", state_dir, was);
	if (eps.n && rb > 0) {
		say(rep.ok, "%zu endpoint file%s of an earlier boot: not checked (guardnetd drops them when it "
			    "starts)", eps.n, eps.n == 1 ? "" : "s");
		strs_clear(&eps);
	}
	/* Networks: those the state names, and those whose bridge is there. */
	for (i = 0; i < k.bridges.n; i++) {
		const char *id = strchr(k.bridges.v[i], ' ') + 1;

		if (!strs_has(&nets, id))
			strs_add(&nets, id);
	}
	n_nets = nets.n;
	if (n_nets) {
		check_table(&k, &rep);
		check_count_table(&k, &rep);
	}
	if (k.table)
		check_ufw_tables(&k, &rep);
	for (i = 0; i < nets.n; i++)
		check_network(&k, nets.v[i], &rep);
	for (i = 0; i < eps.n; i++) {
		char port[64];

		if (link_of(&k.ports, eps.v[i], port, sizeof port))
			ok_eps++;
		else
			say(rep.drift, "endpoint %.12s: its interface is missing (no link with alias " GN_ALIAS_PREFIX
				       "%.12s...)", eps.v[i], eps.v[i]);
	}
	if (ok_eps)
		say(rep.ok, "%zu endpoint%s of the state directory %s its interface", ok_eps, ok_eps == 1 ? "" : "s",
		    ok_eps == 1 ? "has" : "have");
	if (n_nets)
		check_iptables(&k, &rep);
	r = json_array_size(rep.drift) ? CTL_EXIT_DIFFERENCE : CTL_EXIT_UNREACHABLE;
	if (as_json) {
		json_t *out = json_pack("{s:b,s:s,s:O,s:O,s:s}", "degraded", 1, "state_dir", state_dir, "ok", rep.ok,
					"drift", rep.drift, "not_checked", NOT_CHECKED);

		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(out);
	} else {
		printf("degraded check: guardnetd does not answer, so guardnetctl read the kernel itself\n");
		json_array_foreach(rep.ok, i, d)
			printf("ok: %s\n", json_string_value(d));
		json_array_foreach(rep.drift, i, d)
			printf("drift: %s\n", json_string_value(d));
		printf("not checked: %s\n", NOT_CHECKED);
		if (r == CTL_EXIT_DIFFERENCE)
			printf("guardnet's protection is NOT complete in the kernel (%zu difference%s)\n",
			       json_array_size(rep.drift), json_array_size(rep.drift) == 1 ? "" : "s");
		else if (!n_nets)
			printf("guardnet has no network here: there is nothing for it to protect\n");
		else
			printf("the kernel still holds guardnet's protection for %zu network%s, as far as this check "
			       "sees; start guardnetd to heal and to serve Docker\n", n_nets, n_nets == 1 ? "" : "s");
	}
	json_decref(rep.ok);
	json_decref(rep.drift);
	strs_clear(&nets);
	strs_clear(&eps);
	ctl_kernel_clear(&k);
	return r;
}
