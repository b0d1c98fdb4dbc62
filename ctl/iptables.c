/*
 * Legacy (x_tables) iptables, read the way iptables-legacy reads it: the
 * table's blob from getsockopt, walked entry by entry.  Only a table that
 * /proc/net/ip{,6}_tables_names lists: asking for one that is not loaded
 * would make the kernel load it (guardnetd is as careful).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/in.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_devgroup.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include "kernel.h"

static bool table_loaded(const char *names_file, const char *table)
{
	char line[64];
	bool found = false;
	FILE *f = fopen(names_file, "re");

	while (f && !found && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		found = !strcmp(line, table);
	}
	if (f)
		fclose(f);
	return found;
}

/* The two families' entries differ only in their address part: where the
 * offsets of the target and the next entry are, and the header's size. */
struct layout {
	size_t head, target_offset, next_offset;
};

static uint16_t u16_at(const char *p, size_t off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof v);
	return v;
}

static const char *const hook_names[NF_INET_NUMHOOKS] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT",
							   "POSTROUTING" };

/* A standard target (empty name) whose verdict is v (ACCEPT: -NF_ACCEPT - 1). */
static bool verdict_is(const struct xt_entry_target *t, int v)
{
	int verdict;

	if (t->u.user.name[0] || t->u.target_size < sizeof *t + sizeof verdict)
		return false;
	memcpy(&verdict, t->data, sizeof verdict);
	return verdict == v;
}

const char *ctl_devgroup_dir(unsigned flags)
{
	flags &= XT_DEVGROUP_MATCH_SRC | XT_DEVGROUP_MATCH_DST;
	return flags == XT_DEVGROUP_MATCH_DST ? "dst" : flags == XT_DEVGROUP_MATCH_SRC ? "src" : NULL;
}

/* guardnet's rule among an entry's matches: its comment, and a drop's
 * device group direction. */
static bool ours(const char *e, size_t head, uint16_t t_off, const char **dir)
{
	bool commented = false;

	*dir = NULL;
	for (size_t m_off = head; m_off + sizeof(struct xt_entry_match) <= t_off;) {
		const struct xt_entry_match *m = (const void *)(e + m_off);

		if (m->u.match_size < sizeof *m)
			return false;
		if (!strcmp(m->u.user.name, "comment") && m->u.match_size >= sizeof *m + sizeof(struct xt_comment_info))
			commented |= !strncmp(((const struct xt_comment_info *)m->data)->comment, GN_RULE_COMMENT,
					      XT_MAX_COMMENT_LEN);
		if (!strcmp(m->u.user.name, "devgroup") && m->u.match_size >= sizeof *m + sizeof(struct xt_devgroup_info))
			*dir = ctl_devgroup_dir(((const struct xt_devgroup_info *)m->data)->flags);
		m_off += m->u.match_size;
	}
	return commented;
}

static int walk(const char *blob, size_t size, const struct layout *l, unsigned valid_hooks,
		const unsigned *hook_entry, struct ipt_view *v)
{
	const char *chain = NULL, *dir;
	int r = 0;

	for (size_t off = 0; off + l->head <= size && r == 0;) {
		const char *e = blob + off;
		uint16_t t_off = u16_at(e, l->target_offset), next = u16_at(e, l->next_offset);
		const struct xt_entry_target *t;

		if (next < l->head || t_off < l->head || t_off + sizeof *t > next || off + next > size)
			return -EBADMSG;
		for (unsigned h = 0; h < NF_INET_NUMHOOKS; h++)
			if ((valid_hooks & (1u << h)) && hook_entry[h] == off && !(r = strs_add(&v->chains, hook_names[h])))
				chain = hook_names[h];
		t = (const struct xt_entry_target *)(e + t_off);
		/* A user chain starts with an ERROR entry naming it; the last
		 * one, named "ERROR", ends the table. */
		if (!strcmp(t->u.user.name, XT_ERROR_TARGET)) {
			chain = (const char *)t->data;
			if (strcmp(chain, XT_ERROR_TARGET))
				r = strs_add(&v->chains, chain);
		}
		/* guardnet's accept rule: its comment and the standard target
		 * ACCEPT; its device group drops: the comment, -m devgroup and
		 * DROP. */
		if (r == 0 && chain && ours(e, l->head, t_off, &dir)) {
			char line[64];

			snprintf(line, sizeof line, "%s %s", chain, dir ? dir : "");
			if (verdict_is(t, -NF_ACCEPT - 1) && !strs_has(&v->rule_in, chain))
				r = strs_add(&v->rule_in, chain);
			else if (dir && verdict_is(t, -NF_DROP - 1) && !strs_has(&v->drop_in, line))
				r = strs_add(&v->drop_in, line);
		}
		off += next;
	}
	return r;
}

int xt_blob_read(int family, const char *table, struct xt_blob *ret)
{
	bool v4 = family == AF_INET;
	int level = v4 ? IPPROTO_IP : IPPROTO_IPV6, fd, r = 0;
	struct ipt_getinfo info = { 0 };                 /* the same layout as ip6t_getinfo */
	struct ipt_get_entries *entries = NULL;          /* likewise ip6t_get_entries */
	socklen_t len = sizeof info;

	memset(ret, 0, sizeof *ret);
	if (!table_loaded(v4 ? "/proc/net/ip_tables_names" : "/proc/net/ip6_tables_names", table))
		return 0;
	snprintf(info.name, sizeof info.name, "%s", table);
	fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, level, v4 ? IPT_SO_GET_INFO : IP6T_SO_GET_INFO, &info, &len) < 0) {
		r = -errno;
		goto out;
	}
	len = (socklen_t)(sizeof *entries + info.size);
	if (!(entries = calloc(1, len))) {
		r = -ENOMEM;
		goto out;
	}
	snprintf(entries->name, sizeof entries->name, "%s", table);
	entries->size = info.size;
	/* EAGAIN: the table changed between the two calls. */
	if (getsockopt(fd, level, v4 ? IPT_SO_GET_ENTRIES : IP6T_SO_GET_ENTRIES, entries, &len) < 0) {
		r = -errno;
		goto out;
	}
	if (!(ret->entries = malloc(info.size ? info.size : 1))) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(ret->entries, entries->entrytable, info.size);
	ret->size = info.size;
	ret->valid_hooks = info.valid_hooks;
	memcpy(ret->hook_entry, info.hook_entry, sizeof ret->hook_entry);
	memcpy(ret->underflow, info.underflow, sizeof ret->underflow);
	ret->head = v4 ? sizeof(struct ipt_entry) : sizeof(struct ip6t_entry);
	ret->target_offset = v4 ? offsetof(struct ipt_entry, target_offset) : offsetof(struct ip6t_entry, target_offset);
	ret->next_offset = v4 ? offsetof(struct ipt_entry, next_offset) : offsetof(struct ip6t_entry, next_offset);
	ret->loaded = true;
out:
	free(entries);
	close(fd);
	return r;
}

void ipt_legacy_read(int family, struct ipt_view *v)
{
	struct xt_blob b;
	struct layout l;

	v->err = xt_blob_read(family, "filter", &b);
	if (v->err < 0 || !b.loaded)
		return;
	v->table = true;
	l = (struct layout){ b.head, b.target_offset, b.next_offset };
	v->err = walk((const char *)b.entries, b.size, &l, b.valid_hooks, b.hook_entry, v);
	free(b.entries);
}
