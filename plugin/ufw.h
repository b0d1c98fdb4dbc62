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

#define UFW_MAX_RANGES 15   /* ufw's multiport limit */

enum ufw_action {
	UFW_ALLOW,
	UFW_DENY,
	UFW_REJECT,
	UFW_LIMIT,
};

enum ufw_policy {
	UFW_POLICY_DROP,
	UFW_POLICY_ACCEPT,
	UFW_POLICY_REJECT,
};

struct ufw_ports {
	size_t n;                       /* 0: any port */
	uint16_t lo[UFW_MAX_RANGES], hi[UFW_MAX_RANGES];
};

struct ufw_rule {
	enum ufw_action action;
	bool log;                       /* _log or _log-all */
	bool route;                     /* ufw route ... */
	bool out;                       /* direction out (host traffic leaving) */
	uint8_t proto;                  /* 0: any */
	struct ufw_ports dport, sport;
	struct gn_prefix dst, src;      /* length 0: any */
	char in_if[GN_IFNAME_MAX + 1];  /* "": any */
	char out_if[GN_IFNAME_MAX + 1];
	unsigned line;                  /* in its rules file */
};

/* The rules files, in ufw-init's load order. */
enum ufw_file {
	UFW_FILE_BEFORE,
	UFW_FILE_AFTER,
	UFW_FILE_USER,
	UFW_FILES,
};

/* What a line does when it matches. */
enum ufw_verdict {
	UFW_V_NONE,     /* no target: a match with a side effect (recent --set) */
	UFW_V_ACCEPT,
	UFW_V_DROP,
	UFW_V_REJECT,
	UFW_V_RETURN,
	UFW_V_JUMP,
	UFW_V_GOTO,
	UFW_V_SKIP,     /* -j ufw-skip-to-policy-input: straight to the default policy */
	UFW_V_LOG,      /* LOG, or a jump to ufw-init's logging chains: no decision */
};

/* REJECT --reject-with, as the kernel's ICMP codes (ipt_REJECT's order). */
enum ufw_reject {
	UFW_REJECT_PORT_UNREACH,        /* the default, v4 and v6 */
	UFW_REJECT_TCP_RESET,
	UFW_REJECT_NET_UNREACH,
	UFW_REJECT_HOST_UNREACH,
	UFW_REJECT_PROTO_UNREACH,       /* v4 only */
	UFW_REJECT_NET_PROHIBITED,      /* v4 only */
	UFW_REJECT_HOST_PROHIBITED,     /* v4 only */
	UFW_REJECT_ADMIN_PROHIBITED,    /* v4: admin-prohib, v6: adm-prohibited */
	UFW_REJECT_NO_ROUTE,            /* v6 only */
	UFW_REJECT_ADDR_UNREACH,        /* v6 only */
};

/* conntrack states, with the kernel's bit values (NF_CT_STATE_BIT). */
#define UFW_CT_INVALID     0x01
#define UFW_CT_ESTABLISHED 0x02
#define UFW_CT_RELATED     0x04
#define UFW_CT_NEW         0x08
#define UFW_CT_UNTRACKED   0x40

/* -m addrtype --dst-type, for the original destination. */
#define UFW_ADDR_LOCAL     0x01
#define UFW_ADDR_UNICAST   0x02
#define UFW_ADDR_BROADCAST 0x04
#define UFW_ADDR_MULTICAST 0x08
#define UFW_ADDR_OTHER     0x10     /* any other type: never a published port's */

#define UFW_RECENT_NAME_MAX 31

/* -m recent, with xt_recent's option bits (XT_RECENT_CHECK ... _REAP). */
struct ufw_recent {
	uint8_t ops;
	bool inv;
	uint32_t seconds, hitcount;
	char name[UFW_RECENT_NAME_MAX + 1];
};

/* -m limit: xt_limit's average (in 1/10000 s) and burst. */
struct ufw_limit {
	uint32_t avg, burst;
};

#define UFW_CHAIN_MAX 29        /* iptables' chain name limit */

struct ufw_chain {
	char name[UFW_CHAIN_MAX + 1];
	enum ufw_file file;     /* where it was first named */
	bool declared;          /* ":NAME" in one of the files */
};

/* One "-A CHAIN ..." line. */
struct ufw_line {
	uint16_t chain;         /* index into the ruleset's chains */
	uint16_t target;        /* UFW_V_JUMP / UFW_V_GOTO: index of the chain */
	enum ufw_file file;
	unsigned line;          /* in its file */
	int tuple;              /* user.rules: the rule it belongs to, -1 none */
	bool unreadable;        /* guardnet cannot read all of it (see ufw-restore.c) */
	enum ufw_verdict verdict;
	enum ufw_reject reject;
	bool has_proto, proto_inv;
	uint8_t proto;
	bool src_inv, dst_inv, in_inv, out_inv;
	struct gn_prefix src, dst;      /* length 0: any */
	char in_if[GN_IFNAME_MAX + 1];  /* "": any; a trailing '+' is a prefix */
	char out_if[GN_IFNAME_MAX + 1];
	struct ufw_ports dport, sport, port;    /* port: multiport --ports, either end */
	uint8_t ctstate;                /* 0: any */
	bool ctstate_inv;
	uint8_t dst_type;               /* 0: any */
	bool dst_type_inv;
	uint8_t tcp_mask, tcp_cmp;      /* --tcp-flags / --syn; mask 0: any */
	bool tcp_inv;
	bool has_rt;                    /* -m rt --rt-type (IPv6 routing header) */
	uint8_t rt_type;
	unsigned insert;                /* -I CHAIN [N]: position, 0 for -A */
	bool has_recent, has_limit;
	struct ufw_recent recent;
	struct ufw_limit limit;
};

/* The lines of one family, chain by chain in load order. */
struct ufw_ruleset {
	struct ufw_chain *chains;
	size_t n_chains;
	struct ufw_line *lines;
	size_t n_lines;
};

/* A line guardnet cannot express: what `guardnetctl status` lists. */
struct ufw_problem {
	int family;
	enum ufw_file file;
	unsigned line;
	char why[120];
};

struct ufw_config {
	bool enabled;
	bool ipv6;
	enum ufw_policy in_policy;      /* DEFAULT_INPUT_POLICY */
	enum ufw_policy fwd_policy;     /* DEFAULT_FORWARD_POLICY */
	struct ufw_rule *v4, *v6;       /* the tuples, in file order */
	size_t n4, n6;
	struct ufw_ruleset rs4, rs6;    /* what UFW loads into iptables */
	struct ufw_problem *problems;
	size_t n_problems;
};

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
void ufw_ruleset_clear(struct ufw_ruleset *rs);

/* ufw-eval.c: UFW's incoming decision for a new connection, as guardnet
 * compiles it (fw-nft-ufw.c): the input chains against the original
 * destination, then the route rules against the container. */
struct ufw_query {
	int family;
	uint8_t proto;
	struct gn_addr src, dst;        /* dst: the host address */
	uint16_t sport, dport;          /* sport 0: unknown (rules with one do not match) */
	const char *in_if;
	struct gn_addr ctr;             /* the container and its port, for route rules */
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
	const struct ufw_line *line;    /* the line that decided, or NULL */
	bool route;                     /* decided by a route rule (ufw-user-forward) */
};
void ufw_eval(const struct ufw_config *c, const struct ufw_query *q, struct ufw_decision *ret);
/* The names of the chains guardnet starts from, for family. */
const char *ufw_chain_name(int family, const char *suffix);
/* The rule the way `ufw status` words it, e.g. "allow in on eth0 from
 * 192.0.2.2 to any port 8080 proto tcp". */
void ufw_rule_format(const struct ufw_rule *r, char *buf, size_t len);

#endif
