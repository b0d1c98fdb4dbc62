/*
 * Just enough netlink to read the kernel without guardnetd's libraries:
 * send one dump request, walk the answers, walk attributes.  Read only:
 * guardnetctl never changes the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netfilter/nfnetlink.h>

#include "kernel.h"

#define RECV_BUF (64 * 1024)

void nlq_init(struct nlq *q, int type, int flags)
{
	memset(q, 0, sizeof *q);
	q->h.nlmsg_len = NLMSG_LENGTH(0);
	q->h.nlmsg_type = (uint16_t)type;
	q->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
}

void nlq_put(struct nlq *q, const void *data, size_t len)
{
	memcpy((char *)q + q->h.nlmsg_len, data, len);
	q->h.nlmsg_len = NLMSG_ALIGN(q->h.nlmsg_len + (uint32_t)len);
}

void nlq_attr_str(struct nlq *q, uint16_t type, const char *s)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + strlen(s) + 1), .nla_type = type };

	memcpy((char *)q + q->h.nlmsg_len, &a, NLA_HDRLEN);
	memcpy((char *)q + q->h.nlmsg_len + NLA_HDRLEN, s, strlen(s) + 1);
	q->h.nlmsg_len = NLMSG_ALIGN(q->h.nlmsg_len + a.nla_len);
}

void nlq_nft(struct nlq *q, int msg, int family, int flags)
{
	struct nfgenmsg g = { .nfgen_family = (uint8_t)family, .version = NFNETLINK_V0 };

	nlq_init(q, (NFNL_SUBSYS_NFTABLES << 8) | msg, flags);
	nlq_put(q, &g, sizeof g);
}

int nl_request(int protocol, struct nlq *q, int (*cb)(const struct nlmsghdr *h, void *ctx), void *ctx)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char *buf = malloc(RECV_BUF);
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol), r = 0;
	bool done = false;

	if (fd < 0 || !buf) {
		r = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	/* The kernel answers within milliseconds; a read that waits is a bug
	 * guardnetctl must not turn into a hang. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ .tv_sec = 5 }, sizeof(struct timeval));
	q->h.nlmsg_seq = 1;
	if (sendto(fd, q, q->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
		r = -errno;
		goto out;
	}
	while (!done && r == 0) {
		ssize_t n = recv(fd, buf, RECV_BUF, 0);
		struct nlmsghdr *h;

		if (n < 0) {
			r = -errno;
			break;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				r = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				done = true;
				break;
			}
			if ((r = cb(h, ctx)) < 0)
				break;
			if (!(h->nlmsg_flags & NLM_F_MULTI))
				done = true;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

int nl_attrs(const void *start, size_t len, struct nlattr **tb, int max)
{
	const struct nlattr *a = start;

	memset(tb, 0, sizeof *tb * (size_t)(max + 1));
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len) {
		int type = a->nla_type & NLA_TYPE_MASK;

		if (type <= max)
			tb[type] = (struct nlattr *)a;
		if ((size_t)NLA_ALIGN(a->nla_len) >= len)
			break;
		len -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return 0;
}

int nl_attrs_nested(const struct nlattr *a, struct nlattr **tb, int max)
{
	return nl_attrs(nla_data(a), a->nla_len - NLA_HDRLEN, tb, max);
}

const char *nla_str(const struct nlattr *a)
{
	const char *s = nla_data(a);
	size_t len = a->nla_len - NLA_HDRLEN;

	return len && s[len - 1] == '\0' ? s : NULL;
}

int strs_add(struct strs *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof *v);

	if (!v)
		return -ENOMEM;
	l->v = v;
	if (!(v[l->n] = strdup(s)))
		return -ENOMEM;
	l->n++;
	return 0;
}

bool strs_has(const struct strs *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

void strs_clear(struct strs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}
