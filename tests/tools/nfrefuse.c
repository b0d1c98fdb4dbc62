/*
 * Makes the kernel refuse guardnet's nf_tables transactions that publish a
 * given port, or that build table ip guardnet while a file exists, for the
 * end-to-end tests of a refused transaction; the installed guardnetd has no
 * such hook.  Loaded with LD_PRELOAD into guardnetd:
 *
 *   gcc -shared -fPIC -o nfrefuse.so tests/tools/nfrefuse.c
 *   GN_REFUSE_PORT=7777 LD_PRELOAD=$PWD/nfrefuse.so guardnetd ...
 *   GN_REFUSE_IP_TABLE=/tmp/f LD_PRELOAD=$PWD/nfrefuse.so guardnetd ...
 *
 * It wraps sendto() and sendmsg().  On a NETLINK_NETFILTER socket, a batch
 * that adds an element with that port to one of the port maps (pub4, any4,
 * pub6, any6: the port is the first two bytes of the key's last 4-byte
 * field) is sent with that message's set name changed ("any4" -> "xny4"),
 * so the kernel answers it with ENOENT and applies nothing of the batch.
 * While the file GN_REFUSE_IP_TABLE names exists, a batch that adds a rule
 * to table ip guardnet (UFW's rules) has that rule's chain renamed the same
 * way.
 *
 * With GN_REFUSE_IF=PATH, every transaction is refused while PATH exists:
 * the type of its first message is changed to one nf_tables does not have,
 * so the kernel answers EINVAL and applies nothing (guardnetctl check's
 * test keeps guardnetd from putting back what it removes by hand).
 * Everything else goes through untouched.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#define ATTR_OK(a, rem) ((rem) >= (int)sizeof(struct nlattr) && (a)->nla_len >= sizeof(struct nlattr) && \
			 (a)->nla_len <= (rem))
#define ATTR_NEXT(a, rem) ((rem) -= NLA_ALIGN((a)->nla_len), \
			   (struct nlattr *)((char *)(a) + NLA_ALIGN((a)->nla_len)))
#define ATTR_DATA(a) ((void *)((char *)(a) + NLA_HDRLEN))
#define ATTR_TYPE(a) ((a)->nla_type & NLA_TYPE_MASK)

static int refuse_port(void)
{
	const char *p = getenv("GN_REFUSE_PORT");

	return p ? atoi(p) : 0;
}

static int refuse_ip_table(void)
{
	const char *f = getenv("GN_REFUSE_IP_TABLE");

	return f && access(f, F_OK) == 0;
}

/* Renames the chain of a rule added to table ip guardnet; 1 when it did. */
static int corrupt_ip_rule(struct nlmsghdr *nlh)
{
	int rem = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)sizeof(struct nfgenmsg);
	struct nfgenmsg *g = NLMSG_DATA(nlh);
	struct nlattr *a = (struct nlattr *)((char *)g + sizeof *g);
	char *table = NULL, *chain = NULL;

	if (nlh->nlmsg_type != (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWRULE) || g->nfgen_family != NFPROTO_IPV4)
		return 0;
	for (; ATTR_OK(a, rem); a = ATTR_NEXT(a, rem)) {
		if (ATTR_TYPE(a) == NFTA_RULE_TABLE)
			table = ATTR_DATA(a);
		if (ATTR_TYPE(a) == NFTA_RULE_CHAIN)
			chain = ATTR_DATA(a);
	}
	if (!table || !chain || strcmp(table, "guardnet"))
		return 0;
	chain[0] = 'x';
	return 1;
}

static int is_nfnetlink(int fd)
{
	int proto = 0;
	socklen_t len = sizeof proto;

	return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 && proto == NETLINK_NETFILTER;
}

/* Whether a key (NFTA_SET_ELEM_KEY, holding NFTA_DATA_VALUE) ends with the port. */
static int key_has_port(struct nlattr *key, int port)
{
	int rem = key->nla_len - NLA_HDRLEN;

	for (struct nlattr *v = ATTR_DATA(key); ATTR_OK(v, rem); v = ATTR_NEXT(v, rem)) {
		unsigned char *d = ATTR_DATA(v);
		int n = v->nla_len - NLA_HDRLEN;

		if (ATTR_TYPE(v) == NFTA_DATA_VALUE && n >= 8 && n % 4 == 0 && (d[n - 4] << 8 | d[n - 3]) == port)
			return 1;
	}
	return 0;
}

/* Renames the message's set when it adds an element with the port to a
 * port map; 1 when it did. */
static int corrupt(struct nlmsghdr *nlh, int port)
{
	int rem = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)sizeof(struct nfgenmsg);
	struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(nlh) + sizeof(struct nfgenmsg));
	char *set = NULL;
	int hit = 0;

	if (nlh->nlmsg_type != (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWSETELEM))
		return 0;
	for (; ATTR_OK(a, rem); a = ATTR_NEXT(a, rem)) {
		if (ATTR_TYPE(a) == NFTA_SET_ELEM_LIST_SET)
			set = ATTR_DATA(a);
		if (ATTR_TYPE(a) == NFTA_SET_ELEM_LIST_ELEMENTS) {
			int erem = a->nla_len - NLA_HDRLEN;

			for (struct nlattr *e = ATTR_DATA(a); ATTR_OK(e, erem); e = ATTR_NEXT(e, erem)) {
				int krem = e->nla_len - NLA_HDRLEN;

				for (struct nlattr *k = ATTR_DATA(e); ATTR_OK(k, krem); k = ATTR_NEXT(k, krem))
					if (ATTR_TYPE(k) == NFTA_SET_ELEM_KEY && key_has_port(k, port))
						hit = 1;
			}
		}
	}
	if (!hit || !set || (strcmp(set, "any4") && strcmp(set, "any6") && strcmp(set, "pub4") && strcmp(set, "pub6")))
		return 0;
	set[0] = 'x';
	return 1;
}

/* Whether every transaction is to be refused now. */
static int refuse_all(void)
{
	const char *p = getenv("GN_REFUSE_IF");

	return p && access(p, F_OK) == 0;
}

/* Gives the message after a transaction's start a type nf_tables lacks. */
static int corrupt_batch(struct nlmsghdr *first, int rem)
{
	if (!NLMSG_OK(first, rem) || first->nlmsg_type != NFNL_MSG_BATCH_BEGIN)
		return 0;
	first = NLMSG_NEXT(first, rem);
	if (!NLMSG_OK(first, rem))
		return 0;
	first->nlmsg_type = (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | 0xff);
	return 1;
}

/* A copy of the batch with the refusing change, or NULL to send it as is. */
static void *rewrite(int fd, const void *buf, size_t len)
{
	int port = refuse_port(), ip = refuse_ip_table(), all = refuse_all(), changed = 0, rem = (int)len;
	void *copy;

	if ((!port && !ip && !all) || !is_nfnetlink(fd) || !(copy = malloc(len)))
		return NULL;
	memcpy(copy, buf, len);
	if (all)
		changed = corrupt_batch(copy, rem);
	for (struct nlmsghdr *h = copy; (port || ip) && NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem))
		changed |= (port && corrupt(h, port)) | (ip && corrupt_ip_rule(h));
	if (!changed) {
		free(copy);
		return NULL;
	}
	return copy;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	static ssize_t (*real)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	void *copy = rewrite(fd, buf, len);
	ssize_t n;

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT,
														   "sendto");
	n = real(fd, copy ? copy : buf, len, flags, to, tolen);
	free(copy);
	return n;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, const struct msghdr *, int);
	void *copy = msg->msg_iovlen == 1 ? rewrite(fd, msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len) : NULL;
	struct iovec iov;
	struct msghdr m;
	ssize_t n;

	if (!real)
		real = (ssize_t (*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
	if (!copy)
		return real(fd, msg, flags);
	m = *msg;
	iov = (struct iovec){ .iov_base = copy, .iov_len = msg->msg_iov[0].iov_len };
	m.msg_iov = &iov;
	n = real(fd, &m, flags);
	free(copy);
	return n;
}
