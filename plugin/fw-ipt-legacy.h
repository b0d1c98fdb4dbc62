/*
 * guardnet's accept rule on legacy (x_tables) iptables hosts, through
 * libiptc (fw-ipt-legacy.c).  Internal to the firewall layer: fw-apply.c decides
 * when the host needs it.
 */
#ifndef GN_FW_IPT_LEGACY_H
#define GN_FW_IPT_LEGACY_H

#include <guardnet/types.h>

/* Whether a legacy filter table exists here (of either family). */
bool fw_ipt_legacy_present(void);
/* Puts guardnet's accept rule for mark (0: removes it) in the first of
 * DOCKER-USER and FORWARD that exists, in each family's legacy filter
 * table, and removes guardnet's rules from everywhere else there.  Cheap
 * when nothing is missing, so it also serves as the periodic check on
 * legacy hosts, which send no change events. */
int fw_ipt_legacy_sync(uint32_t mark, struct gn_err *err);
/* What family's legacy filter table holds of guardnet's rules, chain by
 * chain (DOCKER-USER, FORWARD): whether the chain exists, how many of
 * guardnet's rules it has, whether one is for mark. */
struct fw_ipt_legacy_view {
	bool exists[2];
	size_t n[2];
	bool current[2];
};
/* *present: whether that table exists at all (then ret is filled). */
int fw_ipt_legacy_read(int family, uint32_t mark, bool *present, struct fw_ipt_legacy_view *ret, struct gn_err *err);
/* Whether the legacy ip filter table has chain (never creates the table). */
bool fw_ipt_legacy_has_chain(const char *chain);

/* The rule as libiptc inserts it, built into buf (family AF_INET: an
 * ipt_entry, AF_INET6: an ip6t_entry, then the mark and comment matches and
 * the ACCEPT target): its size, or 0 when len is too small.
 * FW_IPT_LEGACY_RULE_MAX is enough for either (an IPv6 rule takes 544
 * bytes on x86_64). */
#define FW_IPT_LEGACY_RULE_MAX 1024
size_t fw_ipt_legacy_rule(int family, uint32_t mark, void *buf, size_t len);
/* Whether an entry is one of guardnet's rules (its comment says so), and
 * *current whether it matches mark. */
bool fw_ipt_legacy_ours(int family, const void *entry, uint32_t mark, bool *current);

#endif
