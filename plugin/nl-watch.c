/*
 * The host's links and which of them hold a global address, kept from
 * rtnetlink's notifications (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and
 * RTNLGRP_IPV6_IFADDR) on a socket of their own, so that guardnet knows
 * its uplinks (uplinks.h) as links come and go.  It subscribes before it
 * dumps, so nothing falls between the dump and the first notification; a
 * notification older than the dump may then be applied after it, which
 * only repeats what the later ones say again.  When notifications are lost
 * (ENOBUFS), it dumps everything again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "nl-msg.h"
#include "uplinks.h"

/* One global address: which link holds it. */
struct watched_addr {
	uint32_t ifindex;
	uint8_t family, len;
	uint8_t a[16];
};

struct nl_watch {
	struct gn_nl *nl;            /* for the dumps */
	struct mnl_socket *sock;     /* the notifications */
	struct nl_watched *links;    /* sorted by ifindex */
	size_t n_links, cap_links;
	struct watched_addr *addrs;
	size_t n_addrs, cap_addrs;
	bool changed;                /* something uplinks_classify reads */
	bool addrs_changed;          /* global_addr to be marked again */
};

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 32;
	p = realloc(*v, c * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

/* The position of ifindex in w->links, or where it would go. */
static size_t link_pos(const struct nl_watch *w, uint32_t ifindex, bool *found)
{
	size_t lo = 0, hi = w->n_links;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if ((uint32_t)w->links[mid].link.ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < w->n_links && (uint32_t)w->links[lo].link.ifindex == ifindex;
	return lo;
}

static bool holds_global(const struct nl_watch *w, uint32_t ifindex)
{
	for (size_t i = 0; i < w->n_addrs; i++)
		if (w->addrs[i].ifindex == ifindex)
			return true;
	return false;
}

/* Containers' veth pairs come and go without changing the uplinks
 * (uplinks_inert): classifying every link again for each of them took
 * milliseconds on a host of 10,000, which the next request waited for. */
static bool counts(const struct nl_watched *x)
{
	return !uplinks_inert(x->link.kind, x->global_addr);
}

static int link_put(struct nl_watch *w, const struct nl_link *l)
{
	bool found;
	size_t i = link_pos(w, (uint32_t)l->ifindex, &found);

	if (!found) {
		if (grow((void **)&w->links, &w->cap_links, w->n_links, sizeof *w->links) < 0)
			return -ENOMEM;
		memmove(&w->links[i + 1], &w->links[i], (w->n_links - i) * sizeof *w->links);
		w->n_links++;
		memset(&w->links[i], 0, sizeof w->links[i]);
		w->links[i].link = *l;
		w->links[i].global_addr = holds_global(w, (uint32_t)l->ifindex);
		w->changed |= counts(&w->links[i]);
	}
	/* A notification repeats a link whenever anything of it changes
	 * (statistics, carrier); only what classification reads counts. */
	if (found && (strcmp(w->links[i].link.kind, l->kind) || w->links[i].link.master != l->master ||
		      strcmp(w->links[i].link.alias, l->alias) || strcmp(w->links[i].link.name, l->name)))
		w->changed |= counts(&w->links[i]) || !uplinks_inert(l->kind, w->links[i].global_addr);
	w->links[i].link = *l;
	w->links[i].loopback = l->ifindex == 1;
	return 0;
}

static void link_drop(struct nl_watch *w, uint32_t ifindex)
{
	bool found;
	size_t i = link_pos(w, ifindex, &found);

	if (!found)
		return;
	w->changed |= counts(&w->links[i]);
	memmove(&w->links[i], &w->links[i + 1], (w->n_links - i - 1) * sizeof *w->links);
	w->n_links--;
}

static bool addr_same(const struct watched_addr *x, const struct watched_addr *y)
{
	return x->ifindex == y->ifindex && x->family == y->family && x->len == y->len && !memcmp(x->a, y->a, 16);
}

static int addr_parse(const struct nlmsghdr *nlh, struct watched_addr *ret)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t alen = ifa->ifa_family == AF_INET ? 4 : 16;

	memset(ret, 0, sizeof *ret);
	/* Link-local and host-scope addresses say nothing of routing out. */
	if ((ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return -ENOENT;
	ret->ifindex = ifa->ifa_index;
	ret->family = ifa->ifa_family;
	ret->len = ifa->ifa_prefixlen;
	mnl_attr_for_each(a, nlh, sizeof *ifa)
		if (mnl_attr_get_type(a) == IFA_ADDRESS && mnl_attr_get_payload_len(a) == alen)
			memcpy(ret->a, mnl_attr_get_payload(a), alen);
	return 0;
}

static int addr_event(struct nl_watch *w, const struct nlmsghdr *nlh)
{
	struct watched_addr x;
	size_t i;

	if (addr_parse(nlh, &x) < 0)
		return 0;
	for (i = 0; i < w->n_addrs && !addr_same(&w->addrs[i], &x); i++)
		;
	if (nlh->nlmsg_type == RTM_DELADDR && i < w->n_addrs) {
		w->addrs[i] = w->addrs[--w->n_addrs];
		w->changed = w->addrs_changed = true;
	} else if (nlh->nlmsg_type == RTM_NEWADDR && i == w->n_addrs) {
		if (grow((void **)&w->addrs, &w->cap_addrs, w->n_addrs, sizeof *w->addrs) < 0)
			return -ENOMEM;
		w->addrs[w->n_addrs++] = x;
		w->changed = w->addrs_changed = true;
	}
	return 0;
}

static int on_message(const struct nlmsghdr *nlh, void *data)
{
	struct nl_watch *w = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct nl_link l;

	/* The bridge layer sends messages of its own (family AF_BRIDGE) on
	 * the same group, about a bridge and its ports, without the link's
	 * kind; a port leaving its bridge is one of them, as RTM_DELLINK. */
	if ((nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK) && ifm->ifi_family != AF_UNSPEC)
		return MNL_CB_OK;
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
		nl_link_parse(nlh, &l);
		return link_put(w, &l) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
	case RTM_DELLINK:
		nl_link_parse(nlh, &l);
		link_drop(w, (uint32_t)l.ifindex);
		return MNL_CB_OK;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return addr_event(w, nlh) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
	}
	return MNL_CB_OK;
}

/* Which links hold a global address, from the address list. */
static void mark_global(struct nl_watch *w)
{
	for (size_t i = 0; i < w->n_links; i++)
		w->links[i].global_addr = false;
	for (size_t i = 0; i < w->n_addrs; i++) {
		bool found;
		size_t k = link_pos(w, w->addrs[i].ifindex, &found);

		if (found)
			w->links[k].global_addr = true;
	}
}

/* Everything anew: every link, every address. */
static int dump(struct nl_watch *w, struct gn_err *err)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	int r;

	w->n_links = w->n_addrs = 0;
	w->changed = true;
	r = nl_talk(w->nl, nl_msg_link_get(buf, NULL), on_message, w);
	if (r == 0) {
		nlh = nl_msg_start(buf, RTM_GETADDR, NLM_F_DUMP);
		g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
		g->rtgen_family = AF_UNSPEC;
		r = nl_talk(w->nl, nlh, on_message, w);
	}
	if (r < 0)
		return gn_errf(err, r, "listing links and addresses: %s", strerror(-r));
	mark_global(w);
	return 0;
}

int nl_watch_open(struct gn_nl *nl, struct nl_watch **ret, struct gn_err *err)
{
	struct nl_watch *w = calloc(1, sizeof *w);
	int size = 1 << 20, r;

	if (!w)
		return gn_errf(err, -ENOMEM, "out of memory");
	w->nl = nl;
	w->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!w->sock ||
	    mnl_socket_bind(w->sock, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, MNL_SOCKET_AUTOPID) < 0) {
		r = gn_errf(err, -errno, "rtnetlink notifications of links and addresses: %s", strerror(errno));
		nl_watch_close(w);
		return r;
	}
	/* Docker starting many containers at once makes a burst of them. */
	setsockopt(mnl_socket_get_fd(w->sock), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
	r = dump(w, err);
	if (r < 0) {
		nl_watch_close(w);
		return r;
	}
	*ret = w;
	return 0;
}

void nl_watch_close(struct nl_watch *w)
{
	if (!w)
		return;
	if (w->sock)
		mnl_socket_close(w->sock);
	free(w->links);
	free(w->addrs);
	free(w);
}

int nl_watch_fd(const struct nl_watch *w)
{
	return mnl_socket_get_fd(w->sock);
}

int nl_watch_read(struct nl_watch *w, bool *changed, struct gn_err *err)
{
	char buf[NL_BUF_SIZE];
	bool lost = false;
	int r = 0;

	w->changed = false;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(w->sock, buf, sizeof buf);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0 && errno == ENOBUFS) {
			lost = true;
			continue;
		}
		if (n < 0) {
			r = gn_errf(err, -errno, "rtnetlink notifications: %s", strerror(errno));
			break;
		}
		/* Notifications carry sequence number 0 and port 0. */
		if (mnl_cb_run(buf, (size_t)n, 0, 0, on_message, w) < 0) {
			lost = true;
			break;
		}
	}
	if (lost && r == 0)
		r = dump(w, err);
	/* A walk of every link: only when an address came or went (a link's
	 * own mark comes with it, link_put). */
	if (w->addrs_changed)
		mark_global(w);
	w->addrs_changed = false;
	*changed = w->changed;
	return r;
}

const struct nl_watched *nl_watch_links(const struct nl_watch *w, size_t *n)
{
	*n = w->n_links;
	return w->links;
}
