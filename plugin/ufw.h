/*
 * UFW's configuration as guardnet reads it: /etc/ufw/ufw.conf (ENABLED),
 * /etc/default/ufw (default policies, IPV6) and the rules the ufw command
 * keeps in /etc/ufw/user.rules and user6.rules, one "### tuple ###" line per
 * rule (research/ufw-anchors.md section 3.5).  Read-only; never runs ufw.
 *
 * A tuple guardnet cannot read is skipped with a warning naming the file and
 * line; it never turns into an allow.
 */
#ifndef GN_UFW_H
#define GN_UFW_H

#include <guardnet/types.h>
#include <guardnet/ufw-rules.h>

/* One tuple, without the "### tuple ### " prefix.  family decides how
 * addresses are read (AF_INET for user.rules, AF_INET6 for user6.rules). */
int ufw_parse_tuple(const char *tuple, int family, struct ufw_rule *ret, struct gn_err *err);
/* Reads UFW's files under root ("/" on a host; a test directory in tests).
 * Missing files mean UFW is not installed: disabled, no rules. */
int ufw_load(const char *root, struct ufw_config *ret, struct gn_err *err);
void ufw_config_clear(struct ufw_config *c);
const char *ufw_action_name(enum ufw_action a);
/* The number `ufw status numbered` gives rule i of family (1-based: the
 * IPv4 rules first, then the IPv6 ones). */
unsigned ufw_rule_number(const struct ufw_config *c, int family, size_t i);
/* The rule the way `ufw status` words it, e.g. "allow in on eth0 from
 * 192.0.2.2 to any port 8080 proto tcp". */
void ufw_rule_format(const struct ufw_rule *r, char *buf, size_t len);

#endif
