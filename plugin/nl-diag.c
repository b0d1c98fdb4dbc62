/*
 * What the host itself uses: sockets bound to a port, asked of sock_diag
 * (NETLINK_SOCK_DIAG, through libmnl), with /proc/net read only when
 * sock_diag cannot answer; and the ephemeral port range.  Read from this
 * process's network namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "addr.h"
#include "nl-msg.h"

#define TCP_LISTEN 0x0A

/* ss -H state listening sport = PORT (TCP), ss -u sport = PORT (UDP) */
struct nlmsghdr *nl_msg_diag(void *buf, int family, uint8_t proto, uint16_t port)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP);
	struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof *req);
	bool tcp = proto == GN_PROTO_TCP;

	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = tcp ? IPPROTO_TCP : IPPROTO_UDP;
	/* The kernel picks sockets by port and, for TCP, looks only at
	 * listening ones. */
	req->idiag_states = tcp ? 1u << TCP_LISTEN : ~0u;
	req->id.idiag_sport = htons(port);
	return nlh;
}

/* A hit when local (a socket's address) holds the port for a publication
 * on addr: a wildcard socket or a publication on every address collides
 * with anything but ::1, otherwise the addresses must match. */
static bool holds(const struct gn_addr *local, const struct gn_addr *addr, bool tcp, uint16_t port, char *who,
		  size_t len)
{
	static const uint8_t loopback6[16] = { [15] = 1 };
	char a[GN_PREFIX_STRLEN];

	/* No publication takes [::1]:P from the host (the kernel cannot answer
	 * it from a bridge); the relay serves it when it is free (relay.c),
	 * so neither a host service there nor the relay's own socket is in
	 * the way. */
	if (local->family == AF_INET6 && !memcmp(local->a, loopback6, 16))
		return false;
	if (addr && !addr_is_any(local) && !addr_equal(local, addr))
		return false;
	if (who) {
		addr_format(local, a, sizeof a);
		snprintf(who, len, "%s on %s%s%s:%u", tcp ? "listening" : "bound", local->family == AF_INET6 ? "[" : "",
			 a, local->family == AF_INET6 ? "]" : "", port);
	}
	return true;
}

struct query {
	int family;
	bool tcp;
	const struct gn_addr *addr;
	uint16_t port;
	char *who;
	size_t len;
	bool hit;
};

static int on_socket(const struct nlmsghdr *nlh, void *data)
{
	struct query *q = data;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct gn_addr local = { .family = (uint8_t)q->family };

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || mnl_nlmsg_get_payload_len(nlh) < sizeof *m ||
	    ntohs(m->id.idiag_sport) != q->port || q->hit)
		return MNL_CB_OK;
	memcpy(local.a, m->id.idiag_src, q->family == AF_INET ? 4 : 16);
	q->hit = holds(&local, q->addr, q->tcp, q->port, q->who, q->len);
	return MNL_CB_OK;
}

/* 1: a socket holds the port; 0: none; a negative errno when sock_diag
 * cannot answer. */
static int diag(struct query *q)
{
	char buf[8192], req[NL_BUF_SIZE];
	struct timeval tv = { .tv_sec = 2 };
	struct mnl_socket *sock = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	struct nlmsghdr *nlh;
	unsigned portid;
	int n;

	if (!sock || mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		n = -errno;
		if (sock)
			mnl_socket_close(sock);
		return n;
	}
	setsockopt(mnl_socket_get_fd(sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	portid = mnl_socket_get_portid(sock);
	nlh = nl_msg_diag(req, q->family, q->tcp ? GN_PROTO_TCP : GN_PROTO_UDP, q->port);
	nlh->nlmsg_seq = 1;
	n = mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0 ? -errno : 1;
	while (n > 0) {
		ssize_t got = mnl_socket_recvfrom(sock, buf, sizeof buf);

		if (got <= 0) {
			n = got < 0 ? -errno : -EIO;
			break;
		}
		n = mnl_cb_run(buf, (size_t)got, 1, portid, on_socket, q);
		if (n < 0)
			n = -errno;
	}
	mnl_socket_close(sock);
	return n < 0 ? n : q->hit;
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

/* /proc/net/tcp and friends: the way when sock_diag cannot answer.  Slow:
 * reading them walks the kernel's whole table of established connections. */
static bool scan(const char *file, const struct query *q)
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
		if (lport != q->port || (q->tcp && state != TCP_LISTEN) || !parse_hex_addr(hex, q->family, &local))
			continue;
		hit = holds(&local, q->addr, q->tcp, q->port, q->who, q->len);
	}
	fclose(f);
	return hit;
}

static bool held(struct query *q)
{
	static const char *files[2][2] = { { "/proc/net/udp", "/proc/net/udp6" },
					   { "/proc/net/tcp", "/proc/net/tcp6" } };
	int r = diag(q);

	if (r >= 0)
		return r;
	return scan(files[q->tcp][q->family == AF_INET6], q);
}

bool nl_port_in_use(uint8_t proto, int family, const struct gn_addr *addr, uint16_t port, char *who, size_t len)
{
	struct gn_addr any6 = { .family = AF_INET6 };
	struct query q = { .family = family, .tcp = proto == GN_PROTO_TCP, .addr = addr, .port = port, .who = who,
			   .len = len };

	if (proto != GN_PROTO_TCP && proto != GN_PROTO_UDP)
		return false;
	if (held(&q))
		return true;
	/* A dual-stack socket on [::] holds the IPv4 port as well. */
	q = (struct query){ .family = AF_INET6, .tcp = q.tcp, .addr = &any6, .port = port, .who = who, .len = len };
	return family == AF_INET && held(&q);
}

void nl_ephemeral_range(uint16_t *lo, uint16_t *hi)
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
