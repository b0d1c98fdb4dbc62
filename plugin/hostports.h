/*
 * What the host itself uses: sockets bound to a port (from sock_diag, or
 * /proc/net where the kernel lacks it) and
 * the ephemeral port range.  Read from this process's network namespace.
 */
#ifndef GN_HOSTPORTS_H
#define GN_HOSTPORTS_H

#include <guardnet/types.h>

/* Whether a socket on the host holds proto/port on addr (NULL: on any
 * address of family).  TCP counts listening sockets, UDP bound ones; SCTP is
 * not checked.  On a hit, who describes it ("listening on 0.0.0.0:8080"). */
bool hostports_in_use(uint8_t proto, int family, const struct gn_addr *addr, uint16_t port, char *who, size_t len);
/* net.ipv4.ip_local_port_range, or Docker's fallback 49153-65535. */
void hostports_ephemeral(uint16_t *lo, uint16_t *hi);

#endif
