/*
 * Change events of nf_tables: noticing when another program removes or
 * alters what guardnet owns, and whether iptables' forward path still holds
 * guardnet's accept rule (fw.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter/nfnetlink.h>

#include "fw.h"
#include "fw-nft.h"
#include "log.h"

int fw_events_open(struct gn_fw *fw, struct gn_err *err)
{
	unsigned group = NFNLGRP_NFTABLES;
	int size = 1 << 20;

	fw->events = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!fw->events || mnl_socket_bind(fw->events, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(fw->events, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0)
		return gn_errf(err, -errno, "nf_tables events: %s", strerror(errno));
	/* A burst (Docker starting many containers) must not overflow it;
	 * if it does anyway, ENOBUFS makes us repair (fw_events_read). */
	setsockopt(mnl_socket_get_fd(fw->events), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
	return mnl_socket_get_fd(fw->events);
}

/* Every nf_tables object message starts with its table's name (attribute 1:
 * NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE,
 * NFTA_SET_ELEM_LIST_TABLE). */
static const char *event_table(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == 1 && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(a);
	return NULL;
}

/* 3: guardnet's counting table was touched; 2: guardnet's table; 1:
 * iptables' filter table lost or gained something that may concern our
 * accept rule; 0: none of them. */
static int concerns_us(const struct nlmsghdr *nlh)
{
	int type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	const char *table = event_table(nlh);

	if (!table)
		return 0;
	if (!strcmp(table, FW_COUNT_TABLE))
		return 3;
	if (!strcmp(table, FW_TABLE))
		return 2;
	return !strcmp(table, "filter") && (type == NFT_MSG_DELRULE || type == NFT_MSG_DELCHAIN ||
					     type == NFT_MSG_DELTABLE || type == NFT_MSG_NEWCHAIN);
}

bool fw_hook_intact(struct gn_fw *fw, uint32_t mark)
{
	struct nft_batch *b = nft_batch_new(fw->seq);
	bool intact;

	if (!b)
		return false;
	/* The hook step adds messages only for what is missing or extra. */
	intact = fw_iptables_hook(fw->sock, &fw->seq, b, mark, NULL) == 0 && nft_batch_messages(b) == 0;
	nft_batch_free(b);
	return intact;
}

static int on_gen(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_GEN_ID && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			*(uint32_t *)data = ntohl(mnl_attr_get_u32(a));
	return MNL_CB_OK;
}

int fw_nft_genid(struct gn_fw *fw, uint32_t *ret)
{
	char buf[256] = { 0 }; /* libmnl leaves attribute padding as it finds it */
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, fw->seq++);

	*ret = 0;
	return nft_request(fw->sock, nlh, nlh->nlmsg_seq, on_gen, ret);
}

int fw_commit(struct gn_fw *fw, struct nft_batch *b, struct gn_err *err)
{
	uint32_t before = 0, after = 0;
	bool known = fw_nft_genid(fw, &before) == 0;
	int r = nft_batch_commit(b, fw->sock, err);

	/* One transaction between the two readings: guardnet's alone. */
	if (r == 0)
		fw->gen_own_known = known && fw_nft_genid(fw, &after) == 0 && after == before + 1;
	if (fw->gen_own_known)
		fw->gen_own = after;
	return r;
}

/* Whether events lost since guardnet's last transaction can only have been
 * its own: nf_tables has committed nothing else since. */
static bool lost_were_own(struct gn_fw *fw)
{
	uint32_t now;

	return fw->gen_own_known && fw_nft_genid(fw, &now) == 0 && now == fw->gen_own;
}

int fw_events_read(struct gn_fw *fw, bool *repair)
{
	char buf[65536];
	unsigned own = mnl_socket_get_portid(fw->sock);
	int worst = 0;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(fw->events, buf, sizeof buf);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* Events were lost.  guardnet's own rebuild of a table
			 * of 1,000 networks sends megabytes of them, more than
			 * the socket holds: taking those for another program's
			 * made it rebuild for ever.  Otherwise assume the worst,
			 * for the counting table too: it is built whole again,
			 * its counters going on. */
			if (errno == ENOBUFS) {
				if (!lost_were_own(fw)) {
					worst = 2;
					fw->count_current = false;
				}
				continue;
			}
			return -errno;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, (int)n);
		     h = mnl_nlmsg_next(h, (int *)&n)) {
			int c;

			if (NFNL_SUBSYS_ID(h->nlmsg_type) != NFNL_SUBSYS_NFTABLES || h->nlmsg_pid == own)
				continue;
			c = concerns_us(h);
			/* Its counters are built whole again, going on from the kernel's. */
			if (c == 3) {
				fw->count_current = false;
				c = 2;
			}
			if (c > worst)
				worst = c;
		}
	}
	/* UFW and Docker rewrite the filter table often; rebuild only when
	 * our rule is really gone. */
	*repair = worst == 2 || (worst == 1 && !fw_hook_intact(fw, fw->last_mark));
	if (worst == 2)
		fw->current = false;
	return 0;
}
