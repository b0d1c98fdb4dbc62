#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "hostports.h"

#define TCP_LISTEN 0x0A

/* /proc/net/tcp6 prints an address as four native-endian 32-bit words. */
static bool parse_hex_addr(const char *hex, int family, struct gn_addr *out)
{
	size_t words = family == AF_INET ? 1 : 4;

	out->family = (uint8_t)family;
	for (size_t w = 0; w < words; w++) {
		unsigned int v;

		if (sscanf(hex + w * 8, "%8x", &v) != 1)
			return false;
		memcpy(out->a + w * 4, &v, 4);
	}
	return true;
}

static bool scan(const char *file, int family, bool tcp, const struct gn_addr *addr, uint16_t port, char *who,
		 size_t len)
{
	char line[512], hex[40];
	bool hit = false;
	FILE *f = fopen(file, "re");

	if (!f)
		return false;
	if (!fgets(line, sizeof line, f)) { /* header */
		fclose(f);
		return false;
	}
	while (!hit && fgets(line, sizeof line, f)) {
		unsigned int lport, state;
		struct gn_addr local;

		if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", hex, &lport, &state) != 3)
			continue;
		if (lport != port || (tcp && state != TCP_LISTEN) || !parse_hex_addr(hex, family, &local))
			continue;
		/* A wildcard socket or a search on every address collides with
		 * anything; otherwise the addresses must match. */
		if (addr && !addr_is_any(&local) && !addr_equal(&local, addr))
			continue;
		hit = true;
		if (who) {
			char a[GN_PREFIX_STRLEN];

			addr_format(&local, a, sizeof a);
			snprintf(who, len, "%s on %s%s%s:%u", tcp ? "listening" : "bound", family == AF_INET6 ? "[" : "",
				 a, family == AF_INET6 ? "]" : "", port);
		}
	}
	fclose(f);
	return hit;
}

bool hostports_in_use(uint8_t proto, int family, const struct gn_addr *addr, uint16_t port, char *who, size_t len)
{
	const char *file;
	bool tcp = proto == GN_PROTO_TCP;

	if (proto == GN_PROTO_TCP)
		file = family == AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6";
	else if (proto == GN_PROTO_UDP)
		file = family == AF_INET ? "/proc/net/udp" : "/proc/net/udp6";
	else
		return false;
	if (scan(file, family, tcp, addr, port, who, len))
		return true;
	/* A dual-stack socket on [::] holds the IPv4 port as well. */
	if (family == AF_INET) {
		struct gn_addr any6 = { .family = AF_INET6 };

		return scan(tcp ? "/proc/net/tcp6" : "/proc/net/udp6", AF_INET6, tcp, &any6, port, who, len);
	}
	return false;
}

void hostports_ephemeral(uint16_t *lo, uint16_t *hi)
{
	unsigned a, b;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");

	*lo = 49153;
	*hi = 65535;
	if (!f)
		return;
	if (fscanf(f, "%u %u", &a, &b) == 2 && a > 0 && a <= b && b <= 65535) {
		*lo = (uint16_t)a;
		*hi = (uint16_t)b;
	}
	fclose(f);
}
