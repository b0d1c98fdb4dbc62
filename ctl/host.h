/*
 * What guardnetctl audit reads of the host besides its firewall: links and
 * their addresses (rtnetlink), sockets that listen (sock_diag), and the
 * processes that hold them (/proc): docker-proxy and the containers on
 * Docker's host network.  All of this network namespace only.
 */
#ifndef GN_CTL_HOST_H
#define GN_CTL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <guardnet/types.h>

struct host_link {
	char name[16];
	int index, master;
	char kind[16];                  /* "bridge", "veth", ... ("" for a plain device) */
	unsigned mtu;
	bool up, loopback;
	struct gn_prefix *addrs;        /* with the prefix length the address has */
	size_t n_addrs;
};

struct host_sock {
	int family;
	uint8_t proto;
	struct gn_addr addr;
	uint16_t port;
	bool v6only;
	unsigned long inode;
	int pid;                        /* 0: no process found (another namespace's, or gone) */
	char comm[16];
	char container[65];             /* the Docker container the process belongs to, or "" */
};

/* A docker-proxy process: one published port and family of Docker's
 * bridge driver (its command line names both ends). */
struct host_proxy {
	int pid;
	uint8_t proto;
	struct gn_addr host;
	uint16_t port;
	struct gn_addr ctr;
	uint16_t ctr_port;
};

struct host {
	struct host_link *links;
	size_t n_links;
	struct host_sock *socks;
	size_t n_socks;
	struct host_proxy *proxies;
	size_t n_proxies;
	int err;
	char err_what[64];
};

int host_read(struct host *h);
void host_clear(struct host *h);
const struct host_link *host_link_by_name(const struct host *h, const char *name);
/* The bridge whose subnet holds a (a container's address), or NULL. */
const struct host_link *host_bridge_of(const struct host *h, const struct gn_addr *a);
/* Whether a is one of the host's addresses. */
bool host_is_local(const struct host *h, const struct gn_addr *a);

#endif
