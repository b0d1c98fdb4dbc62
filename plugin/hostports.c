#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "hostports.h"

#define TCP_LISTEN 0x0A

/* Whether a socket on local:lport is the one asked for: the port matches
 * and either side is a wildcard (a search on every address, a socket on
 * every address) or the addresses are equal.  On a hit, who describes it. */
static bool holds(const struct gn_addr *local, unsigned lport, bool tcp, const struct gn_addr *addr, uint16_t port,
		  char *who, size_t len)
{
	char a[GN_PREFIX_STRLEN];

	if (lport != port || (addr && !addr_is_any(local) && !addr_equal(local, addr)))
		return false;
	if (who) {
		addr_format(local, a, sizeof a);
		snprintf(who, len, "%s on %s%s%s:%u", tcp ? "listening" : "bound", local->family == AF_INET6 ? "[" : "",
			 a, local->family == AF_INET6 ? "]" : "", port);
	}
	return true;
}

/* The sockets through sock_diag, asking for the port only: for TCP the
 * kernel then walks its listening sockets alone, where reading
 * /proc/net/tcp walks the whole established-connection hash (about a
 * millisecond on a large host, for every port of every container start).
 * Returns 1 on a hit, 0 without, -1 when sock_diag cannot answer. */
static int diag_scan(int family, bool tcp, const struct gn_addr *addr, uint16_t port, char *who, size_t len)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} q = {
		.nlh = { .nlmsg_len = sizeof q, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = (uint8_t)family, .sdiag_protocol = tcp ? IPPROTO_TCP : IPPROTO_UDP,
			 .idiag_states = tcp ? 1u << TCP_LISTEN : ~0u, .id.idiag_sport = htons(port) },
	};
	union {
		char buf[16384];
		struct nlmsghdr align;
	} r;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG), ret = -1;

	if (fd < 0)
		return -1;
	if (send(fd, &q, sizeof q, 0) != (ssize_t)sizeof q)
		goto out;
	for (;;) {
		ssize_t n = recv(fd, r.buf, sizeof r.buf, 0);

		if (n <= 0)
			goto out;
		for (struct nlmsghdr *h = &r.align; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);
			struct gn_addr local = { .family = (uint8_t)family };

			if (h->nlmsg_type == NLMSG_ERROR)
				goto out;
			if (h->nlmsg_type == NLMSG_DONE) {
				ret = 0;
				goto out;
			}
			memcpy(local.a, m->id.idiag_src, family == AF_INET ? 4 : 16);
			if (holds(&local, ntohs(m->id.idiag_sport), tcp, addr, port, who, len)) {
				ret = 1;
				goto out;
			}
		}
	}
out:
	close(fd);
	return ret;
}

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

/* The same from /proc/net, for kernels without sock_diag for the protocol. */
static bool proc_scan(int family, bool tcp, const struct gn_addr *addr, uint16_t port, char *who, size_t len)
{
	static const char *const files[2][2] = { { "/proc/net/udp", "/proc/net/udp6" },
						 { "/proc/net/tcp", "/proc/net/tcp6" } };
	char line[512], hex[40];
	bool hit = false;
	FILE *f = fopen(files[tcp][family == AF_INET6], "re");

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
		if ((tcp && state != TCP_LISTEN) || !parse_hex_addr(hex, family, &local))
			continue;
		hit = holds(&local, lport, tcp, addr, port, who, len);
	}
	fclose(f);
	return hit;
}

static bool scan(int family, bool tcp, const struct gn_addr *addr, uint16_t port, char *who, size_t len)
{
	int r = diag_scan(family, tcp, addr, port, who, len);

	return r < 0 ? proc_scan(family, tcp, addr, port, who, len) : r > 0;
}

bool hostports_in_use(uint8_t proto, int family, const struct gn_addr *addr, uint16_t port, char *who, size_t len)
{
	bool tcp = proto == GN_PROTO_TCP;

	if (proto != GN_PROTO_TCP && proto != GN_PROTO_UDP)
		return false;
	if (scan(family, tcp, addr, port, who, len))
		return true;
	/* A dual-stack socket on [::] holds the IPv4 port as well. */
	if (family == AF_INET) {
		struct gn_addr any6 = { .family = AF_INET6 };

		return scan(AF_INET6, tcp, &any6, port, who, len);
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
