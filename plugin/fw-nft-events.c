/*
 * Change events of nf_tables: noticing when another program removes or
 * alters what guardnet owns, and whether iptables' forward path still holds
 * guardnet's accept rule (fw.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/filter.h>
#include <linux/netfilter/nfnetlink.h>

#include "fw.h"
#include "fw-ipt-legacy.h"
#include "fw-nft.h"
#include "log.h"

/* The kernel drops the events of guardnetd's own transactions before they
 * reach the events socket: a transaction of 100,000 allowlist elements
 * makes as many events, which overflowed the socket and read as a foreign
 * change, whose repair made as many again (issue 12, point 5).  The
 * nf_tables notifications of one commit all carry the committing socket's
 * port id in nlmsg_pid, and the kernel puts only the notifications of one
 * commit into one skb, so the first header decides for the whole skb.  A
 * classic BPF load of a word is big-endian; netlink headers are in host
 * order, hence htonl. */
static int drop_own_events(int fd, uint32_t own)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_pid)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(own), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	};
	struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0 ? -errno : 0;
}

int fw_events_open(struct gn_fw *fw, struct gn_err *err)
{
	unsigned group = NFNLGRP_NFTABLES;
	int size = 1 << 20, r;

	/* Opened before start-up's check, so that a change made while the
	 * check reads is heard; asked again when serving begins. */
	if (fw->events)
		return mnl_socket_get_fd(fw->events);
	fw->events = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!fw->events || mnl_socket_bind(fw->events, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(fw->events, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0)
		r = gn_errf(err, -errno, "nf_tables events: %s", strerror(errno));
	else if ((r = drop_own_events(mnl_socket_get_fd(fw->events), mnl_socket_get_portid(fw->sock))) < 0)
		gn_errf(err, r, "nf_tables events: filtering out guardnet's own: %s", strerror(-r));
	if (r < 0) {
		if (fw->events)
			mnl_socket_close(fw->events);
		fw->events = NULL;
		return r;
	}
	/* A burst (Docker starting many containers) should not overflow it;
	 * if it does anyway, fw_events_read checks the table by counting. */
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
 * iptables' filter table lost or gained something that may concern
 * guardnet's rules there (a new rule may be FORWARD's jump to DOCKER-USER
 * coming back, which moves them), or Docker's nftables table came or went;
 * 0: none of these. */
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
	/* Docker switching firewall backends may move where the rule goes. */
	if (!strcmp(table, FW_DOCKER_NFT_TABLE) && (type == NFT_MSG_NEWTABLE || type == NFT_MSG_DELTABLE))
		return 1;
	return !strcmp(table, "filter") && (type == NFT_MSG_DELRULE || type == NFT_MSG_DELCHAIN ||
					     type == NFT_MSG_DELTABLE || type == NFT_MSG_NEWCHAIN ||
					     type == NFT_MSG_NEWRULE);
}

bool fw_hook_intact(struct gn_fw *fw, const struct fw_hook *want)
{
	struct nft_batch *b = nft_batch_new(fw->seq);
	bool intact, legacy[2];

	if (!b)
		return false;
	fw_ipt_legacy_families(legacy);
	/* The hook step adds messages only for what is missing or extra. */
	intact = fw_iptables_hook(fw->sock, &fw->seq, b, want, fw_docker_nft(fw), legacy, NULL) == 0 &&
		 nft_batch_messages(b) == 0;
	nft_batch_free(b);
	return intact;
}

/* After lost events: whether each of guardnet's tables is still what
 * guardnet's own transactions left (the same table, as many rules and
 * elements), or absent when it should be. */
static bool tables_as_left(struct gn_fw *fw)
{
	if (!fw->expect_known)
		return false;
	for (size_t i = 0; i < FW_FAMILIES; i++) {
		const struct fw_tally *e = &fw->expect[i];
		struct fw_tally now;
		int r;

		if (!fw->there[i]) {
			if (fw_nft_table_handle(fw->sock, &fw->seq, fw_families[i], &now.handle) != -ENOENT)
				return false;
			continue;
		}
		r = fw_nft_tally(fw->sock, &fw->seq, fw_families[i], &now);
		log_debug("guardnet's %s table: handle %llu, %ld rules, %ld elements (%s); left with handle %llu, %ld "
			  "rules, %ld elements", fw_family_name(fw_families[i]), (unsigned long long)now.handle,
			  now.rules, now.elems, r < 0 ? strerror(-r) : "counted", (unsigned long long)e->handle,
			  e->rules, e->elems);
		if (r < 0 || now.handle != e->handle || now.rules != e->rules || now.elems != e->elems)
			return false;
	}
	return true;
}

int fw_events_read(struct gn_fw *fw, enum fw_repair *repair, bool *lost)
{
	char buf[65536];
	unsigned own = mnl_socket_get_portid(fw->sock);
	int worst = 0;

	*lost = false;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(fw->events, buf, sizeof buf);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* Events were lost (never guardnet's own: the filter
			 * above drops them): counted below.  The counting
			 * table is not counted; it is built whole at the next
			 * rebuild, its counters going on. */
			if (errno == ENOBUFS) {
				*lost = true;
				fw->count_current = false;
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
	/* Lost events say only that another program made a burst of changes;
	 * whether they touched guardnet's table or rule is asked of the kernel. */
	if (*lost && worst < 2 && !tables_as_left(fw))
		worst = 2;
	/* The counting table is built whole at the next rebuild; one that
	 * is gone altogether is put back now. */
	if (*lost && worst < 2 && fw->current && !fw_nft_table_exists(fw->sock, &fw->seq, NFPROTO_INET, FW_COUNT_TABLE))
		worst = 2;
	if (*lost && worst < 1)
		worst = 1;
	/* UFW and Docker rewrite the filter table often; rebuild only when
	 * our rule is really gone. */
	*repair = worst == 2 ? FW_REPAIR_TABLE
		: worst == 1 && !fw_hook_intact(fw, &fw->last_hook) ? FW_REPAIR_HOOK : FW_INTACT;
	if (worst == 2)
		fw->current = false;
	return 0;
}
