#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

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

/* A hit when local (a socket's address) holds the port for a publication
 * on addr: a wildcard socket or a publication on every address collides
 * with anything, otherwise the addresses must match. */
static bool holds(const struct gn_addr *local, const struct gn_addr *addr, bool tcp, uint16_t port, char *who,
		  size_t len)
{
	char a[GN_PREFIX_STRLEN];

	if (addr && !addr_is_any(local) && !addr_equal(local, addr))
		return false;
	if (who) {
		addr_format(local, a, sizeof a);
		snprintf(who, len, "%s on %s%s%s:%u", tcp ? "listening" : "bound", local->family == AF_INET6 ? "[" : "",
			 a, local->family == AF_INET6 ? "]" : "", port);
	}
	return true;
}

/* /proc/net/tcp and friends: the way when sock_diag cannot answer.  Slow:
 * reading them walks the kernel's whole table of established connections. */
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
		hit = holds(&local, addr, tcp, port, who, len);
	}
	fclose(f);
	return hit;
}

/* Asks sock_diag for the sockets of family bound to port: TCP ones
 * listening, UDP ones in any state.  The kernel picks them by port and, for
 * TCP, looks only at listening sockets.  1: one holds the port; 0: none;
 * a negative errno when sock_diag cannot answer. */
static int diag(int family, bool tcp, const struct gn_addr *addr, uint16_t port, char *who, size_t len)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} q = {
		.nlh = { .nlmsg_len = sizeof q, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.req = { .sdiag_family = (uint8_t)family, .sdiag_protocol = tcp ? IPPROTO_TCP : IPPROTO_UDP,
			 .idiag_states = tcp ? 1u << TCP_LISTEN : ~0u, .id.idiag_sport = htons(port) },
	};
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG), r = 0;
	bool done = false;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (send(fd, &q, sizeof q, 0) < 0)
		done = (r = -errno) < 0;
	while (!done) {
		char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		size_t off = 0;

		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		/* Walked by hand: NLMSG_OK mixes signed and unsigned. */
		while (!done && off + sizeof(struct nlmsghdr) <= (size_t)n) {
			const struct nlmsghdr *h = (const struct nlmsghdr *)(buf + off);
			const struct inet_diag_msg *m = NLMSG_DATA(h);
			struct gn_addr local = { .family = (uint8_t)family };

			if (h->nlmsg_len < sizeof *h || off + h->nlmsg_len > (size_t)n) {
				r = -EIO;
				done = true;
			} else if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				if (h->nlmsg_type == NLMSG_ERROR)
					r = ((const struct nlmsgerr *)NLMSG_DATA(h))->error ?: -EIO;
				done = true;
			} else if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY && ntohs(m->id.idiag_sport) == port) {
				memcpy(local.a, m->id.idiag_src, family == AF_INET ? 4 : 16);
				if (r == 0 && holds(&local, addr, tcp, port, who, len))
					r = 1;
			}
			off += NLMSG_ALIGN(h->nlmsg_len);
		}
	}
	close(fd);
	return r;
}

static bool held(int family, bool tcp, const struct gn_addr *addr, uint16_t port, char *who, size_t len)
{
	static const char *files[2][2] = { { "/proc/net/udp", "/proc/net/udp6" },
					   { "/proc/net/tcp", "/proc/net/tcp6" } };
	int r = diag(family, tcp, addr, port, who, len);

	if (r >= 0)
		return r;
	return scan(files[tcp][family == AF_INET6], family, tcp, addr, port, who, len);
}

bool hostports_in_use(uint8_t proto, int family, const struct gn_addr *addr, uint16_t port, char *who, size_t len)
{
	bool tcp = proto == GN_PROTO_TCP;
	struct gn_addr any6 = { .family = AF_INET6 };

	if (proto != GN_PROTO_TCP && proto != GN_PROTO_UDP)
		return false;
	if (held(family, tcp, addr, port, who, len))
		return true;
	/* A dual-stack socket on [::] holds the IPv4 port as well. */
	return family == AF_INET && held(AF_INET6, tcp, &any6, port, who, len);
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
