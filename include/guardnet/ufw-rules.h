/*
 * UFW's configuration as plain data: what the UFW reader (ufw.c,
 * ufw-restore.c) fills in and what the firewall seam (fw.h) compiles into
 * guardnet's tables: the tuples (names and numbers of rules) and the lines
 * UFW loads into iptables (what decides).
 */
#ifndef GUARDNET_UFW_RULES_H
#define GUARDNET_UFW_RULES_H

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

#endif
