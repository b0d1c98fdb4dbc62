/*
 * Legacy iptables' tables (x_tables), each read whole (iptables.c) and cut
 * into chains the way iptables-legacy-save prints them: a built-in chain
 * starts at its hook's entry and ends with its policy (the hook's
 * underflow entry), a user chain starts after the ERROR entry that names
 * it and ends with an unconditional RETURN.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/x_tables.h>

#include "fw.h"
#include "kernel.h"

static const char *const hook_names[NF_INET_NUMHOOKS] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT",
							   "POSTROUTING" };

static uint16_t u16_at(const uint8_t *p, size_t off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof v);
	return v;
}

/* Where x_tables hooks each table (NF_IP_PRI_*). */
static int priority(const char *table, int hook)
{
	if (!strcmp(table, "raw"))
		return -300;
	if (!strcmp(table, "mangle"))
		return -150;
	if (!strcmp(table, "nat"))
		return hook == NF_INET_PRE_ROUTING || hook == NF_INET_LOCAL_OUT ? -100 : 100;
	if (!strcmp(table, "security"))
		return 50;
	return 0;
}

static const struct xt_entry_target *target_of(const struct xt_blob *b, size_t off)
{
	return (const struct xt_entry_target *)(b->entries + off + u16_at(b->entries, off + b->target_offset));
}

static bool is_boundary(const struct xt_blob *b, size_t off)
{
	if (off >= b->size)
		return true;
	for (int h = 0; h < NF_INET_NUMHOOKS; h++)
		if ((b->valid_hooks & (1u << h)) && b->hook_entry[h] == off)
			return true;
	return !strcmp(target_of(b, off)->u.user.name, XT_ERROR_TARGET);
}

static int standard_verdict(const struct xt_entry_target *t)
{
	int v;

	memcpy(&v, t->data, sizeof v);
	return v;
}

/* The table's chains; its rules point into t->blob. */
static int cut(struct fw_table *t, const struct xt_blob *b)
{
	struct fw_chain *c = NULL;
	int hook = -1;

	for (size_t off = 0; off + b->head <= b->size;) {
		size_t next = u16_at(b->entries, off + b->next_offset);
		const struct xt_entry_target *tg;
		struct fw_rule r = { .data = t->blob + off, .len = next, .jump = -1 };

		if (next < b->head || u16_at(b->entries, off + b->target_offset) + sizeof *tg > next || off + next > b->size)
			return -EBADMSG;
		tg = target_of(b, off);
		for (int h = 0; h < NF_INET_NUMHOOKS; h++) {
			if (!(b->valid_hooks & (1u << h)) || b->hook_entry[h] != off)
				continue;
			if (!(c = fw_chain_add(t)))
				return -ENOMEM;
			snprintf(c->name, sizeof c->name, "%s", hook_names[h]);
			c->base = true;
			c->hook = hook = h;
			c->prio = priority(t->name, h);
			c->off = off;
			snprintf(c->type, sizeof c->type, "%s", strcmp(t->name, "nat") ? "filter" : "nat");
		}
		if (!strcmp(tg->u.user.name, XT_ERROR_TARGET)) {
			c = NULL;
			hook = -1;
			if (strcmp((const char *)tg->data, XT_ERROR_TARGET)) {
				if (!(c = fw_chain_add(t)))
					return -ENOMEM;
				snprintf(c->name, sizeof c->name, "%s", (const char *)tg->data);
				c->off = off + next;
			}
		} else if (c && hook >= 0 && b->underflow[hook] == off) {
			/* The policy: -NF_DROP - 1 or -NF_ACCEPT - 1. */
			c->policy_drop = standard_verdict(tg) == -NF_DROP - 1;
		} else if (c && !(hook < 0 && is_boundary(b, off + next))) {
			int err = fw_rule_add(c, &r);

			if (err < 0)
				return err;
		}
		off += next;
	}
	/* Jumps go to the first entry of a chain. */
	for (size_t i = 0; i < t->n_chains; i++)
		for (size_t j = 0; j < t->chains[i].n; j++) {
			struct fw_rule *r = &t->chains[i].rules[j];
			const struct xt_entry_target *tg = target_of(b, (size_t)(r->data - t->blob));
			int v = standard_verdict(tg);

			if (strcmp(tg->u.user.name, XT_STANDARD_TARGET) || v < 0)
				continue;
			for (size_t k = 0; k < t->n_chains && r->jump < 0; k++)
				if (t->chains[k].off == (size_t)v && !t->chains[k].base)
					r->jump = (int)k;
		}
	return 0;
}

static void read_table(struct fw_ruleset *rs, int family, const char *name)
{
	struct xt_blob b;
	struct fw_table *t;
	int r = xt_blob_read(family, name, &b);

	if (r < 0 && !rs->err) {
		rs->err = r;
		snprintf(rs->err_what, sizeof rs->err_what, "%s-legacy %s", family == AF_INET ? "iptables" : "ip6tables",
			 name);
	}
	if (r < 0 || !b.loaded)
		return;
	if (!(t = fw_table_add(rs))) {
		free(b.entries);
		return;
	}
	t->legacy = true;
	t->family = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
	snprintf(t->name, sizeof t->name, "%s", name);
	t->blob = b.entries;
	t->blob_len = b.size;
	if ((r = cut(t, &b)) < 0 && !rs->err) {
		rs->err = r;
		snprintf(rs->err_what, sizeof rs->err_what, "iptables-legacy %s", name);
	}
}

void fw_read_xt(struct fw_ruleset *rs)
{
	static const char *const tables[] = { "raw", "mangle", "nat", "filter", "security" };

	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		read_table(rs, AF_INET, tables[i]);
		read_table(rs, AF_INET6, tables[i]);
	}
}
