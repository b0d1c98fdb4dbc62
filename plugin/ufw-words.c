/*
 * The values of the iptables options UFW's files use, read as iptables
 * reads them (ufw-restore.c reads the lines).  Each returns 0 or -EINVAL.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "ufw.h"

int ufw_word_port(const char *s, const char **end, uint16_t *ret)
{
	char *e;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &e, 10);
	if (errno || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	*end = e;
	return 0;
}

/* "80", "80:90", ":90", "80:" and, for multiport, lists of those. */
int ufw_word_ports(const char *s, bool list, struct ufw_ports *ret)
{
	struct ufw_ports p = { 0 };

	for (const char *c = s;;) {
		if (p.n == UFW_MAX_RANGES)
			return -EINVAL;
		p.lo[p.n] = 0;
		p.hi[p.n] = 65535;
		if (*c != ':' && ufw_word_port(c, &c, &p.lo[p.n]) < 0)
			return -EINVAL;
		if (*c == ':') {
			c++;
			if (*c && *c != ',' && ufw_word_port(c, &c, &p.hi[p.n]) < 0)
				return -EINVAL;
		} else {
			p.hi[p.n] = p.lo[p.n];
		}
		if (p.hi[p.n] < p.lo[p.n])
			return -EINVAL;
		p.n++;
		if (!*c)
			break;
		if (*c++ != ',' || !list)
			return -EINVAL;
	}
	*ret = p;
	return 0;
}

static const struct {
	const char *name;
	uint8_t number;
} protocols[] = {
	{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "ipv6-icmp", 58 }, { "icmpv6", 58 }, { "esp", 50 },
	{ "ah", 51 }, { "gre", 47 }, { "igmp", 2 }, { "sctp", 132 }, { "udplite", 136 }, { "ipv6", 41 },
};

int ufw_word_protocol(const char *s, uint8_t *ret)
{
	char *e;
	unsigned long v;

	for (size_t i = 0; i < sizeof protocols / sizeof protocols[0]; i++)
		if (!strcasecmp(s, protocols[i].name)) {
			*ret = protocols[i].number;
			return 0;
		}
	if (!strcasecmp(s, "all")) {
		*ret = 0;
		return 0;
	}
	v = strtoul(s, &e, 10);
	if (!isdigit((unsigned char)*s) || *e || v > 255)
		return -EINVAL;
	*ret = (uint8_t)v;
	return 0;
}

static int flag_list(const char *s, const char *const *names, const uint8_t *bits, size_t n, uint8_t *ret)
{
	char copy[128], *save = NULL;
	uint8_t v = 0;

	snprintf(copy, sizeof copy, "%s", s);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < n && strcasecmp(t, names[i]); i++)
			;
		if (i == n)
			return -EINVAL;
		v |= bits[i];
	}
	*ret = v;
	return 0;
}

int ufw_word_ctstates(const char *s, uint8_t *ret)
{
	static const char *const names[] = { "INVALID", "ESTABLISHED", "RELATED", "NEW", "UNTRACKED" };
	static const uint8_t bits[] = { UFW_CT_INVALID, UFW_CT_ESTABLISHED, UFW_CT_RELATED, UFW_CT_NEW,
					UFW_CT_UNTRACKED };

	return flag_list(s, names, bits, 5, ret);
}

int ufw_word_addrtypes(const char *s, uint8_t *ret)
{
	static const char *const names[] = { "LOCAL", "UNICAST", "BROADCAST", "MULTICAST", "ANYCAST", "BLACKHOLE",
					     "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE", "UNSPEC" };
	static const uint8_t bits[] = { UFW_ADDR_LOCAL, UFW_ADDR_UNICAST, UFW_ADDR_BROADCAST, UFW_ADDR_MULTICAST,
					UFW_ADDR_OTHER, UFW_ADDR_OTHER, UFW_ADDR_OTHER, UFW_ADDR_OTHER,
					UFW_ADDR_OTHER, UFW_ADDR_OTHER, UFW_ADDR_OTHER, UFW_ADDR_OTHER };

	return flag_list(s, names, bits, 12, ret);
}

int ufw_word_tcpflags(const char *s, uint8_t *ret)
{
	static const char *const names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ALL", "NONE" };
	static const uint8_t bits[] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x3f, 0 };

	return flag_list(s, names, bits, 8, ret);
}

/* --limit RATE[/second|/minute|/hour|/day] into xt_limit's average. */
int ufw_word_limit(const char *s, uint32_t *ret)
{
	static const struct {
		const char *unit;
		uint32_t seconds;
	} units[] = { { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 } };
	char *e;
	unsigned long rate = strtoul(s, &e, 10), mult = 1;

	if (!isdigit((unsigned char)*s) || rate == 0)
		return -EINVAL;
	if (*e == '/') {
		size_t i;

		for (i = 0; i < 4 && strncmp(e + 1, units[i].unit, 1); i++)
			;
		if (i == 4)
			return -EINVAL;
		mult = units[i].seconds;
	} else if (*e) {
		return -EINVAL;
	}
	*ret = (uint32_t)(10000 * mult / rate); /* XT_LIMIT_SCALE, as iptables computes it */
	return 0;
}

int ufw_word_reject(const char *s, int family, enum ufw_reject *ret)
{
	static const struct {
		const char *name;
		enum ufw_reject r;
		int family;     /* 0: both */
	} names[] = {
		{ "icmp-port-unreachable", UFW_REJECT_PORT_UNREACH, AF_INET },
		{ "port-unreach", UFW_REJECT_PORT_UNREACH, 0 },
		{ "icmp6-port-unreachable", UFW_REJECT_PORT_UNREACH, AF_INET6 },
		{ "tcp-reset", UFW_REJECT_TCP_RESET, 0 },
		{ "tcp-rst", UFW_REJECT_TCP_RESET, 0 },
		{ "icmp-net-unreachable", UFW_REJECT_NET_UNREACH, AF_INET },
		{ "net-unreach", UFW_REJECT_NET_UNREACH, AF_INET },
		{ "icmp-host-unreachable", UFW_REJECT_HOST_UNREACH, AF_INET },
		{ "host-unreach", UFW_REJECT_HOST_UNREACH, AF_INET },
		{ "icmp-proto-unreachable", UFW_REJECT_PROTO_UNREACH, AF_INET },
		{ "proto-unreach", UFW_REJECT_PROTO_UNREACH, AF_INET },
		{ "icmp-net-prohibited", UFW_REJECT_NET_PROHIBITED, AF_INET },
		{ "net-prohib", UFW_REJECT_NET_PROHIBITED, AF_INET },
		{ "icmp-host-prohibited", UFW_REJECT_HOST_PROHIBITED, AF_INET },
		{ "host-prohib", UFW_REJECT_HOST_PROHIBITED, AF_INET },
		{ "icmp-admin-prohibited", UFW_REJECT_ADMIN_PROHIBITED, AF_INET },
		{ "admin-prohib", UFW_REJECT_ADMIN_PROHIBITED, AF_INET },
		{ "icmp6-adm-prohibited", UFW_REJECT_ADMIN_PROHIBITED, AF_INET6 },
		{ "adm-prohibited", UFW_REJECT_ADMIN_PROHIBITED, AF_INET6 },
		{ "icmp6-no-route", UFW_REJECT_NO_ROUTE, AF_INET6 },
		{ "no-route", UFW_REJECT_NO_ROUTE, AF_INET6 },
		{ "icmp6-addr-unreachable", UFW_REJECT_ADDR_UNREACH, AF_INET6 },
		{ "addr-unreach", UFW_REJECT_ADDR_UNREACH, AF_INET6 },
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(s, names[i].name) && (!names[i].family || names[i].family == family)) {
			*ret = names[i].r;
			return 0;
		}
	return -EINVAL;
}

