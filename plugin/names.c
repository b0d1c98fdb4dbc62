/*
 * Every name and mark guardnet gives the kernel (names.h).  The rules live
 * here and nowhere else; check_names.c greps the other files for them.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "names.h"

#define ALIAS_PREFIX "guardnet:"
/* "gn-" or "gnh" plus 12 characters: 15 bytes, IFNAMSIZ - 1.  The first
 * 12 characters of either ID form are its short form in Docker's output,
 * and the bridges of hosts that ran an earlier guardnet keep their names. */
#define ID_CHARS_IN_NAME 12

/* FNV-1a, 64 bits, continued from h over s. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return h;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL

void names_bridge(const char *net_id, char ret[GN_IFNAME_MAX + 1])
{
	snprintf(ret, GN_IFNAME_MAX + 1, "gn-%.*s", ID_CHARS_IN_NAME, net_id);
}

void names_veth(const char *ep_id, char host[GN_IFNAME_MAX + 1], char ctr[GN_IFNAME_MAX + 1])
{
	snprintf(host, GN_IFNAME_MAX + 1, "gnh%.*s", ID_CHARS_IN_NAME, ep_id);
	snprintf(ctr, GN_IFNAME_MAX + 1, "gnc%.*s", ID_CHARS_IN_NAME, ep_id);
}

void names_epallow(const char *ep_id, int family, char *ret, size_t len)
{
	snprintf(ret, len, "epa%c-%.*s", family == AF_INET ? '4' : '6', ID_CHARS_IN_NAME, ep_id);
}

void names_alias(const char *id, char ret[NAMES_ALIAS_MAX])
{
	snprintf(ret, NAMES_ALIAS_MAX, ALIAS_PREFIX "%s", id);
}

const char *names_alias_owner(const char *alias)
{
	size_t n = strlen(ALIAS_PREFIX);

	return strncmp(alias, ALIAS_PREFIX, n) ? NULL : alias + n;
}

void names_mark_mac(const char *ifname, uint8_t ret[6])
{
	/* The prefix keeps these hashes apart from any other use of FNV-1a
	 * over interface names. */
	uint64_t h = fnv1a(fnv1a(FNV_OFFSET, ALIAS_PREFIX), ifname);

	for (int i = 0; i < 6; i++)
		ret[i] = (uint8_t)(h >> (8 * i));
	ret[0] = (uint8_t)((ret[0] & 0xfc) | 0x02);
}

bool names_marked(const char *ifname, const char *alias, const uint8_t mac[6])
{
	uint8_t mark[6];

	names_mark_mac(ifname, mark);
	return !alias[0] && !memcmp(mac, mark, sizeof mark);
}

void names_container_mac(const struct gn_endpoint_spec *s, uint8_t ret[6])
{
	uint64_t h;

	if (s->has_mac) {
		memcpy(ret, s->mac, 6);
		return;
	}
	ret[0] = 0x02;
	ret[1] = 0x42;
	if (s->has_addr4) {
		memcpy(ret + 2, s->addr4.addr.a, 4);
		return;
	}
	h = fnv1a(FNV_OFFSET, s->id);
	for (int i = 2; i < 6; i++)
		ret[i] = (uint8_t)(h >> (8 * i));
}
