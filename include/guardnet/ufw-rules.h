/*
 * UFW's configuration as plain data: what the UFW reader (ufw.c) fills in
 * and what the firewall seam (fw.h) compiles into guardnet's table.
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

struct ufw_config {
	bool enabled;
	bool ipv6;
	enum ufw_policy in_policy;      /* DEFAULT_INPUT_POLICY */
	enum ufw_policy fwd_policy;     /* DEFAULT_FORWARD_POLICY */
	struct ufw_rule *v4, *v6;       /* in file order: first match wins */
	size_t n4, n6;
};

#endif
