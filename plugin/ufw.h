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
/* The rule the way `ufw status` words it, e.g. "allow in on eth0 from
 * 192.0.2.2 to any port 8080 proto tcp". */
void ufw_rule_format(const struct ufw_rule *r, char *buf, size_t len);

/* ufw-eval.c: UFW's decision for a new connection: the incoming rules
 * against the host address and port, then, when ctr is set, the route
 * rules against the container and the bridge it leaves by. */
struct ufw_query {
	int family;
	uint8_t proto;
	struct gn_addr src, dst;        /* dst: the host address */
	uint16_t sport, dport;          /* sport 0: unknown (rules with one do not match) */
	const char *in_if;              /* NULL: unknown (rules with one do not match) */
	struct gn_addr ctr;             /* family 0: no route rules */
	uint16_t ctr_port;
	const char *out_if;             /* the network's bridge */
};
enum ufw_outcome {
	UFW_OUT_NONE,           /* no rule decided: guardnet.allow, then the policy */
	UFW_OUT_ACCEPT,
	UFW_OUT_LIMIT,          /* accepted while under the rate of a limit rule */
	UFW_OUT_DROP,
	UFW_OUT_REJECT,
};
struct ufw_decision {
	enum ufw_outcome outcome;
	const struct ufw_rule *rule;    /* the rule that decided, or NULL */
	size_t index;                   /* its place in the family's rules */
	bool route;                     /* decided by a route rule */
};
void ufw_eval(const struct ufw_config *c, const struct ufw_query *q, struct ufw_decision *ret);
/* The number `ufw status numbered` gives rule i of family (1-based: the
 * IPv4 rules first, then the IPv6 ones). */
unsigned ufw_rule_number(const struct ufw_config *c, int family, size_t i);

#endif
