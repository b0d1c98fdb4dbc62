/*
 * guardnet's rules on legacy (x_tables) iptables hosts, through libiptc
 * (fw-ipt-legacy.c).  Internal to the firewall layer: fw-apply.c decides
 * when the host needs it.
 */
#ifndef GN_FW_IPT_LEGACY_H
#define GN_FW_IPT_LEGACY_H

#include <guardnet/types.h>

#include "fw.h"

/* Whether a legacy filter table exists here (of either family); of each
 * family ([AF_INET, AF_INET6]). */
bool fw_ipt_legacy_present(void);
void fw_ipt_legacy_families(bool ret[2]);
/* Puts guardnet's rules (fw.h, struct fw_hook; mark 0: removes them) in
 * DOCKER-USER while FORWARD jumps to it (never when docker_nft: Docker's
 * nftables backend, fw-nft.h), else in FORWARD, in each family's legacy
 * filter table, and removes guardnet's rules from everywhere else there.
 * Cheap when nothing is missing, so it also serves as the periodic check
 * on legacy hosts, which send no change events. */
int fw_ipt_legacy_sync(const struct fw_hook *want, bool docker_nft, struct gn_err *err);
/* Sets the legacy filter FORWARD policy of family to DROP. */
int fw_ipt_legacy_policy_drop(int family, struct gn_err *err);
/* Whether the legacy ip filter table has chain (never creates the table). */
bool fw_ipt_legacy_has_chain(const char *chain);

/* One of guardnet's rules: the accept for mark value, or a drop into
 * (into) or out of the bridges of device group value. */
struct fw_legacy_rule {
	bool drop, into;
	uint32_t value;
};
/* What family's legacy filter table holds of guardnet's rules (for
 * guardnetctl check), chain by chain (DOCKER-USER, FORWARD): whether the
 * chain exists, guardnet's rules there in order, and whether FORWARD jumps
 * to DOCKER-USER. */
#define FW_IPT_LEGACY_MAX_OURS 16
struct fw_ipt_legacy_view {
	bool exists[2];
	bool jumps;
	size_t n[2];
	struct fw_legacy_rule rules[2][FW_IPT_LEGACY_MAX_OURS];
};
/* *present: whether that table exists at all (then ret is filled). */
int fw_ipt_legacy_read(int family, bool *present, struct fw_ipt_legacy_view *ret, struct gn_err *err);
/* The rules want asks for, in order; how many (0 when want->mark is 0). */
size_t fw_ipt_legacy_wanted(const struct fw_hook *want, struct fw_legacy_rule out[3]);
/* The ports Docker's routing mesh publishes, from the DNAT rules of chain
 * DOCKER-INGRESS in the legacy "nat" table (fw-nft-ingress.c says why);
 * none without it.  *ret is the caller's to free.  0 or -ENOMEM. */
int fw_ipt_legacy_ingress(struct gn_transport_port **ret, size_t *n);

/* The rule as libiptc inserts it, built into buf (family AF_INET: an
 * ipt_entry, AF_INET6: an ip6t_entry, then the mark or devgroup match, the
 * comment match and the ACCEPT or DROP target): its size, or 0 when len is
 * too small.  FW_IPT_LEGACY_RULE_MAX is enough for any (an IPv6 rule takes
 * 544 bytes on x86_64). */
#define FW_IPT_LEGACY_RULE_MAX 1024
size_t fw_ipt_legacy_rule(int family, const struct fw_legacy_rule *k, void *buf, size_t len);
/* Whether an entry is one of guardnet's rules (its comment says so), and
 * which (value 0 when it is none guardnet makes now). */
bool fw_ipt_legacy_ours(int family, const void *entry, struct fw_legacy_rule *ret);

#endif
