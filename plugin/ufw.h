/*
 * UFW's configuration as guardnet reads it: /etc/ufw/ufw.conf (ENABLED),
 * /etc/default/ufw (default policies, IPV6) and what UFW loads into
 * iptables: the "-A" lines of before.rules, after.rules and user.rules (and
 * their IPv6 twins), in the order ufw-init loads them (research/ufw-anchors.md
 * section 3.3).  Those lines decide; the "### tuple ###" comments of
 * user.rules only name and number the rules (`ufw status numbered`).
 * Read-only; never runs ufw.
 *
 * A line guardnet cannot read is reported by file and line and never turns
 * into an allow (ufw-restore.c).
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
/* "user.rules", "before6.rules", ... */
const char *ufw_file_name(enum ufw_file f, int family);
/* The number `ufw status numbered` gives tuple i of family (1-based: the
 * IPv4 rules first, then the IPv6 ones). */
unsigned ufw_rule_number(const struct ufw_config *c, int family, size_t i);

/* ufw-restore.c: reads one iptables-restore file of UFW's (its *filter
 * table) into c's ruleset for family, appending to chains read from
 * earlier files as iptables-restore -n does; from user.rules also the
 * tuples, each line attached to the tuple above it.  A line that cannot be
 * read is marked unreadable and added to c->problems.  A missing file
 * reads as empty. */
int ufw_restore_read(const char *path, enum ufw_file file, int family, struct ufw_config *c, struct gn_err *err);
/* After the files of family: a jump to a chain none of them declares
 * (made at run time by another program, fail2ban's for one) cannot be
 * known; such a line is marked unreadable and reported.  0 or -ENOMEM. */
int ufw_restore_finish(struct ufw_config *c, int family);
/* Parses one "-A CHAIN ..." line (without a trailing newline) into ret;
 * chains are looked up (and ones it names created) in rs.  -EINVAL with
 * the reason in err when some part of it cannot be read: ret then holds
 * what was read, marked unreadable. */
int ufw_restore_line(const char *text, int family, struct ufw_ruleset *rs, struct ufw_line *ret,
		     struct gn_err *err);
/* ufw-words.c: option values.  "80", "80:90", ":90", "80:" and with list,
 * comma-separated lists of those (multiport). */
/* One port number, 0 to 65535, at s; *end after it.  0 or -EINVAL. */
int ufw_word_port(const char *s, const char **end, uint16_t *ret);
int ufw_word_ports(const char *s, bool list, struct ufw_ports *ret);
/* "tcp", "ipv6-icmp", "all" (0), a number. */
int ufw_word_protocol(const char *s, uint8_t *ret);
/* "NEW,ESTABLISHED" into UFW_CT_* bits. */
int ufw_word_ctstates(const char *s, uint8_t *ret);
/* "LOCAL,UNICAST" into UFW_ADDR_* bits. */
int ufw_word_addrtypes(const char *s, uint8_t *ret);
/* "SYN,ACK" into TCP flag bits. */
int ufw_word_tcpflags(const char *s, uint8_t *ret);
/* --limit RATE[/unit] into xt_limit's average (1/10000 s per packet). */
int ufw_word_limit(const char *s, uint32_t *ret);
/* --reject-with, by family. */
int ufw_word_reject(const char *s, int family, enum ufw_reject *ret);

/* The index of chain name in rs, or -1. */
int ufw_chain_find(const struct ufw_ruleset *rs, const char *name);
/* The chain's index, created (declared by file) when new; -EINVAL past
 * the chain limit or for a name too long. */
int ufw_chain_get(struct ufw_ruleset *rs, const char *name, enum ufw_file file);
void ufw_ruleset_clear(struct ufw_ruleset *rs);

/* ufw-eval.c: UFW's incoming decision for a new connection, as guardnet
 * compiles it (fw-nft-ufw.c): the input chains against the original
 * destination, then the route rules against the container. */
struct ufw_query {
	int family;
	uint8_t proto;
	struct gn_addr src, dst;        /* dst: the host address */
	uint16_t sport, dport;          /* sport 0: unknown (rules with one do not match) */
	const char *in_if;              /* NULL: unknown (rules with one do not match) */
	struct gn_addr ctr;             /* the container and its port, for route rules; */
	uint16_t ctr_port;              /* family 0: a host service, no route rules */
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
	const struct ufw_line *line;    /* the line that decided, or NULL */
	bool route;                     /* decided by a route rule (ufw-user-forward) */
};
void ufw_eval(const struct ufw_config *c, const struct ufw_query *q, struct ufw_decision *ret);
/* The line that decided (d->line set), in the words explain and
 * guardnetctl audit give it: "UFW rule [N] \"TEXT\" (FILE line L)", the
 * number as `ufw status numbered` gives it; a line of no rule of the user's
 * by file and line; an unreadable one as such. */
void ufw_decision_format(const struct ufw_config *c, const struct ufw_decision *d, int family, char *buf, size_t len);
/* The names of the chains guardnet starts from, for family. */
const char *ufw_chain_name(int family, const char *suffix);
/* The rule the way `ufw status` words it, e.g. "allow in on eth0 from
 * 192.0.2.2 to any port 8080 proto tcp". */
void ufw_rule_format(const struct ufw_rule *r, char *buf, size_t len);

#endif
