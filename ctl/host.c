/*
 * The host as guardnetctl audit sees it: links, addresses, listening
 * sockets and their processes.  A process counts when it shares this
 * network namespace; a container on Docker's host network does, and is
 * known by its cgroup (Docker's cgroup names hold the container ID).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/inet_diag.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include "../plugin/addr.h"
#include "host.h"
#include "kernel.h"

#define TCP_LISTEN 10

static void keep_err(struct host *h, int r, const char *what)
{
	if (r < 0 && !h->err) {
		h->err = r;
		snprintf(h->err_what, sizeof h->err_what, "%s", what);
	}
}

static int on_link(const struct nlmsghdr *nh, void *ctx)
{
	struct host *h = ctx;
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1] = { 0 };
	struct host_link *v, *l;

	if (nh->nlmsg_type != RTM_NEWLINK)
		return 0;
	nl_attrs((const char *)ifi + NLMSG_ALIGN(sizeof *ifi), nh->nlmsg_len - NLMSG_LENGTH(sizeof *ifi), tb, IFLA_MAX);
	if (!tb[IFLA_IFNAME] || !nla_str(tb[IFLA_IFNAME]))
		return 0;
	if (!(v = realloc(h->links, (h->n_links + 1) * sizeof *v)))
		return -ENOMEM;
	h->links = v;
	l = memset(&v[h->n_links++], 0, sizeof *l);
	snprintf(l->name, sizeof l->name, "%s", nla_str(tb[IFLA_IFNAME]));
	l->index = ifi->ifi_index;
	l->up = ifi->ifi_flags & IFF_UP;
	l->loopback = ifi->ifi_flags & IFF_LOOPBACK;
	if (tb[IFLA_MASTER])
		memcpy(&l->master, nla_data(tb[IFLA_MASTER]), sizeof l->master);
	if (tb[IFLA_MTU])
		memcpy(&l->mtu, nla_data(tb[IFLA_MTU]), sizeof l->mtu);
	if (tb[IFLA_LINKINFO]) {
		nl_attrs_nested(tb[IFLA_LINKINFO], info, IFLA_INFO_MAX);
		if (info[IFLA_INFO_KIND] && nla_str(info[IFLA_INFO_KIND]))
			snprintf(l->kind, sizeof l->kind, "%s", nla_str(info[IFLA_INFO_KIND]));
	}
	return 0;
}

static int on_addr(const struct nlmsghdr *nh, void *ctx)
{
	struct host *h = ctx;
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	struct nlattr *tb[IFA_MAX + 1];
	struct gn_prefix p = { .addr.family = ifa->ifa_family, .len = ifa->ifa_prefixlen }, *v;
	const struct nlattr *a;
	size_t alen = ifa->ifa_family == AF_INET ? 4 : 16;

	if (nh->nlmsg_type != RTM_NEWADDR || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return 0;
	nl_attrs((const char *)ifa + NLMSG_ALIGN(sizeof *ifa), nh->nlmsg_len - NLMSG_LENGTH(sizeof *ifa), tb, IFA_MAX);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || (size_t)(a->nla_len - NLA_HDRLEN) < alen)
		return 0;
	memcpy(p.addr.a, nla_data(a), alen);
	for (size_t i = 0; i < h->n_links; i++) {
		struct host_link *l = &h->links[i];

		if (l->index != (int)ifa->ifa_index)
			continue;
		if (!(v = realloc(l->addrs, (l->n_addrs + 1) * sizeof *v)))
			return -ENOMEM;
		l->addrs = v;
		v[l->n_addrs++] = p;
	}
	return 0;
}

static int on_sock(const struct nlmsghdr *nh, void *ctx)
{
	struct host *h = ctx;
	const struct inet_diag_msg *m = NLMSG_DATA(nh);
	struct nlattr *tb[INET_DIAG_MAX + 1];
	struct host_sock *v, *s;

	if (nh->nlmsg_type != SOCK_DIAG_BY_FAMILY || nh->nlmsg_len < NLMSG_LENGTH(sizeof *m))
		return 0;
	if (!(v = realloc(h->socks, (h->n_socks + 1) * sizeof *v)))
		return -ENOMEM;
	h->socks = v;
	s = memset(&v[h->n_socks++], 0, sizeof *s);
	s->family = m->idiag_family;
	s->addr.family = m->idiag_family;
	memcpy(s->addr.a, m->id.idiag_src, m->idiag_family == AF_INET ? 4 : 16);
	s->port = ntohs(m->id.idiag_sport);
	s->inode = m->idiag_inode;
	nl_attrs((const char *)m + NLMSG_ALIGN(sizeof *m), nh->nlmsg_len - NLMSG_LENGTH(sizeof *m), tb, INET_DIAG_MAX);
	if (tb[INET_DIAG_SKV6ONLY])
		s->v6only = *(const uint8_t *)nla_data(tb[INET_DIAG_SKV6ONLY]);
	return 0;
}

static int read_socks(struct host *h, int family, uint8_t proto)
{
	struct inet_diag_req_v2 req = { .sdiag_family = (uint8_t)family, .sdiag_protocol = proto,
					/* TCP: listening; UDP: bound and not connected (TCP_CLOSE, 7) */
					.idiag_states = proto == IPPROTO_TCP ? 1u << TCP_LISTEN : 1u << 7 };
	size_t first = h->n_socks;
	struct nlq q;
	int r;

	nlq_init(&q, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP);
	nlq_put(&q, &req, sizeof req);
	r = nl_request(NETLINK_SOCK_DIAG, &q, on_sock, h);
	for (size_t i = first; i < h->n_socks; i++)
		h->socks[i].proto = proto;
	return r;
}

static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* A 64-hex-digit container ID in the process's cgroup paths
 * (/docker/ID, docker-ID.scope), or "". */
static void container_of(int pid, char out[65])
{
	char path[64], line[512];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
	if (!(f = fopen(path, "re")))
		return;
	while (!out[0] && fgets(line, sizeof line, f)) {
		const char *d = strstr(line, "docker");

		for (; d && *d; d++) {
			if (strspn(d, "0123456789abcdef") == 64) {
				memcpy(out, d, 64);
				out[64] = '\0';
				break;
			}
		}
	}
	fclose(f);
}

/* docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8080 -container-ip 172.17.0.2 -container-port 80 */
static void read_proxy(struct host *h, int pid, const char *cmdline, size_t len)
{
	struct host_proxy p = { .pid = pid }, *v;
	const char *args[32];
	size_t n = 0;
	int have = 0;

	for (size_t i = 0; i < len && n < 32; i += strlen(cmdline + i) + 1)
		args[n++] = cmdline + i;
	for (size_t i = 1; i + 1 < n; i++) {
		const char *k = args[i], *val = args[i + 1];

		if (!strcmp(k, "-proto"))
			have |= (p.proto = !strcmp(val, "tcp") ? 6 : !strcmp(val, "udp") ? 17 : !strcmp(val, "sctp") ? 132 : 0) ? 1 : 0;
		else if (!strcmp(k, "-host-ip"))
			have |= addr_parse(val, &p.host, "x", NULL) == 0 ? 2 : 0;
		else if (!strcmp(k, "-host-port"))
			have |= (p.port = (uint16_t)atoi(val)) ? 4 : 0;
		else if (!strcmp(k, "-container-ip"))
			have |= addr_parse(val, &p.ctr, "x", NULL) == 0 ? 8 : 0;
		else if (!strcmp(k, "-container-port"))
			have |= (p.ctr_port = (uint16_t)atoi(val)) ? 16 : 0;
	}
	if (have != 31 || !(v = realloc(h->proxies, (h->n_proxies + 1) * sizeof *v)))
		return;
	h->proxies = v;
	v[h->n_proxies++] = p;
}

static void read_process(struct host *h, int pid, ino_t netns)
{
	char path[64], comm[16] = "", cmd[2048], container[65];
	struct stat st;
	struct dirent *d;
	DIR *fds;
	FILE *f;
	size_t len;

	snprintf(path, sizeof path, "/proc/%d/ns/net", pid);
	if (stat(path, &st) < 0 || st.st_ino != netns)
		return;
	snprintf(path, sizeof path, "/proc/%d/comm", pid);
	read_line(path, comm, sizeof comm);
	if (!strcmp(comm, "docker-proxy")) {
		snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
		if ((f = fopen(path, "re"))) {
			len = fread(cmd, 1, sizeof cmd - 1, f);
			cmd[len] = '\0';
			fclose(f);
			read_proxy(h, pid, cmd, len);
		}
	}
	snprintf(path, sizeof path, "/proc/%d/fd", pid);
	if (!(fds = opendir(path)))
		return;
	container[0] = '\0';
	container_of(pid, container);
	while ((d = readdir(fds))) {
		char link[64], target[64];
		unsigned long inode;
		ssize_t n;

		snprintf(link, sizeof link, "/proc/%d/fd/%s", pid, d->d_name);
		if ((n = readlink(link, target, sizeof target - 1)) <= 0)
			continue;
		target[n] = '\0';
		if (sscanf(target, "socket:[%lu]", &inode) != 1)
			continue;
		for (size_t i = 0; i < h->n_socks; i++)
			if (h->socks[i].inode == inode && !h->socks[i].pid) {
				h->socks[i].pid = pid;
				snprintf(h->socks[i].comm, sizeof h->socks[i].comm, "%s", comm);
				snprintf(h->socks[i].container, sizeof h->socks[i].container, "%s", container);
			}
	}
	closedir(fds);
}

static void read_processes(struct host *h)
{
	struct stat st;
	struct dirent *d;
	DIR *proc = opendir("/proc");

	if (!proc || stat("/proc/self/ns/net", &st) < 0) {
		keep_err(h, -errno, "/proc");
		if (proc)
			closedir(proc);
		return;
	}
	while ((d = readdir(proc)))
		if (isdigit((unsigned char)d->d_name[0]))
			read_process(h, atoi(d->d_name), st.st_ino);
	closedir(proc);
}

int host_read(struct host *h)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct nlq q;

	memset(h, 0, sizeof *h);
	nlq_init(&q, RTM_GETLINK, NLM_F_DUMP);
	nlq_put(&q, &ifi, sizeof ifi);
	keep_err(h, nl_request(NETLINK_ROUTE, &q, on_link, h), "links");
	nlq_init(&q, RTM_GETADDR, NLM_F_DUMP);
	nlq_put(&q, &ifa, sizeof ifa);
	keep_err(h, nl_request(NETLINK_ROUTE, &q, on_addr, h), "addresses");
	keep_err(h, read_socks(h, AF_INET, IPPROTO_TCP), "TCP sockets");
	keep_err(h, read_socks(h, AF_INET6, IPPROTO_TCP), "TCP sockets");
	keep_err(h, read_socks(h, AF_INET, IPPROTO_UDP), "UDP sockets");
	keep_err(h, read_socks(h, AF_INET6, IPPROTO_UDP), "UDP sockets");
	read_processes(h);
	return h->err;
}

void host_clear(struct host *h)
{
	for (size_t i = 0; i < h->n_links; i++)
		free(h->links[i].addrs);
	free(h->links);
	free(h->socks);
	free(h->proxies);
	memset(h, 0, sizeof *h);
}

const struct host_link *host_link_by_name(const struct host *h, const char *name)
{
	for (size_t i = 0; i < h->n_links; i++)
		if (!strcmp(h->links[i].name, name))
			return &h->links[i];
	return NULL;
}

const struct host_link *host_bridge_of(const struct host *h, const struct gn_addr *a)
{
	for (size_t i = 0; i < h->n_links; i++)
		for (size_t j = 0; j < h->links[i].n_addrs; j++)
			if (!strcmp(h->links[i].kind, "bridge") && prefix_contains(&h->links[i].addrs[j], a))
				return &h->links[i];
	return NULL;
}

bool host_is_local(const struct host *h, const struct gn_addr *a)
{
	for (size_t i = 0; i < h->n_links; i++)
		for (size_t j = 0; j < h->links[i].n_addrs; j++)
			if (addr_equal(&h->links[i].addrs[j].addr, a))
				return true;
	return false;
}
