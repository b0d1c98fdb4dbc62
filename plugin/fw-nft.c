/*
 * guardnet's ruleset on nf_tables hosts.  In nft syntax, with M the
 * configured mark and one block per network (bridge B, subnets S):
 *
 *   table inet guardnet {
 *     set bridges { type ifname; elements = { every guardnet bridge } }
 *     chain forward {
 *       type filter hook forward priority filter - 10; policy accept;
 *       ct mark & M == M meta mark set mark | M accept       # admitted earlier
 *       iifname B oifname B ct state untracked meta mark set mark | M accept        # icc=true: ND
 *       iifname B oifname B ct mark set ct mark | M meta mark set mark | M accept   # icc=true
 *       iifname B oifname B drop                                                    # icc=false
 *       iifname B oifname @bridges drop                      # networks are apart
 *       iifname B drop                                       # internal: no way out
 *       iifname B ct mark set ct mark | M meta mark set mark | M accept              # egress
 *       oifname B drop                                       # nothing else comes in
 *     }
 *     chain postrouting {
 *       type nat hook postrouting priority srcnat; policy accept;
 *       ip saddr S oifname != B masquerade                   # not for internal networks
 *     }
 *   }
 *
 * Accepting here is not final: iptables' FORWARD chain (policy DROP under
 * Docker) sees the packet next, so guardnet keeps one rule there,
 * "-m mark --mark M/M -j ACCEPT -m comment --comment guardnet", in
 * DOCKER-USER, written in the encoding iptables-nft itself uses so that
 * iptables, dockerd and ufw can still list, check and save the chain
 * (design.md section 4; research/c-libs.md section 2).  Dropping here is
 * final whatever iptables says.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libnftnl/udata.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>

#include "fw.h"
#include "fw-nft.h"
#include "log.h"

/* Before iptables' filter chains (priority 0), so the mark is in place. */
#define FORWARD_PRIORITY (-10)
#define SRCNAT_PRIORITY 100
#define IFNAME_TYPE 41 /* nft's datatype id for ifname: how `nft list` prints it */
#define BYTEORDER_HOST_ENDIAN 1 /* nft's enum byteorder */

struct gn_fw {
	struct mnl_socket *sock;
	struct mnl_socket *events;
	uint32_t seq;
	int fault_port;    /* tests only: refuse transactions that publish this port */
	uint32_t last_mark; /* the hook mark of the last transaction (0: none) */
	bool current;       /* the table is what fw_apply and fw_apply_share made it */
	int disagree;       /* last backend check: 1 Docker and UFW on different iptables */
};

int fw_open(struct gn_fw **ret, struct gn_err *err)
{
	struct gn_fw *fw = calloc(1, sizeof *fw);

	if (!fw)
		return gn_errf(err, -ENOMEM, "out of memory");
	fw->sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!fw->sock || mnl_socket_bind(fw->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;

		fw_close(fw);
		return gn_errf(err, r, "nfnetlink: %s", strerror(-r));
	}
	fw->seq = (uint32_t)time(NULL);
	/* Fault injection for the tests, which must see the kernel refuse a
	 * transaction: a jump to a chain that does not exist. */
	if (getenv("GUARDNET_TEST_NFT_FAULT"))
		fw->fault_port = atoi(getenv("GUARDNET_TEST_NFT_FAULT"));
	*ret = fw;
	return 0;
}

void fw_close(struct gn_fw *fw)
{
	if (!fw)
		return;
	if (fw->sock)
		mnl_socket_close(fw->sock);
	if (fw->events)
		mnl_socket_close(fw->events);
	free(fw);
}

static struct nftnl_table *table_new(void)
{
	struct nftnl_table *t = nftnl_table_alloc();

	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, FW_TABLE);
	return t;
}

static void bridges_set(struct nft_batch *b, const struct fw_model *m)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_udata_buf *ud;

	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, "bridges");
	nftnl_set_set_u32(s, NFTNL_SET_ID, 100);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, IFNAME_TYPE);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 16);
	/* nft reads names in host byte order; without this it lists them empty. */
	ud = nftnl_udata_buf_alloc(32);
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, BYTEORDER_HOST_ENDIAN);
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	nft_batch_set(b, NFT_MSG_NEWSET, s, NLM_F_CREATE, "set bridges");
	for (size_t i = 0; i < m->n; i++) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		char key[16] = { 0 };

		strncpy(key, m->nets[i].bridge, sizeof key - 1);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, sizeof key);
		nftnl_set_elem_add(s, e);
	}
	if (m->n)
		nft_batch_elems(b, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, "elements of set bridges");
	nftnl_set_free(s);
}

static struct nftnl_rule *fwd_rule(void)
{
	return rule_new(NFPROTO_INET, FW_TABLE, "forward");
}

/* ... ct mark set ct mark | M meta mark set mark | M accept */
static void admit(struct nftnl_rule *r, uint32_t mark)
{
	x_set_mark_bits(r, true, mark);
	x_set_mark_bits(r, false, mark);
	x_counter(r);
	x_verdict(r, NF_ACCEPT);
}

static void network_rules(struct nft_batch *b, const struct fw_network *n, uint32_t mark)
{
	struct nftnl_rule *r;

	if (n->icc) {
		/* Neighbour discovery is not tracked, and a ct mark rule stops
		 * at the first untracked packet: admit those by packet mark. */
		uint32_t untracked = NF_CT_STATE_UNTRACKED_BIT, zero = 0;

		r = fwd_rule();
		x_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
		x_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
		x_ct(r, NFT_CT_STATE, NFT_REG_1);
		x_bitwise(r, &untracked, &zero, sizeof untracked);
		x_cmp(r, NFT_CMP_NEQ, &zero, sizeof zero);
		x_set_mark_bits(r, false, mark);
		x_verdict(r, NF_ACCEPT);
		nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: untracked within a bridge");
	}
	r = fwd_rule();
	x_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
	x_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	if (n->icc) {
		admit(r, mark);
	} else {
		x_counter(r);
		x_verdict(r, NF_DROP);
	}
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: within a bridge");

	r = fwd_rule();
	x_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
	x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
	x_lookup(r, "bridges", NFT_REG_1);
	x_counter(r);
	x_verdict(r, NF_DROP);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: between networks");

	r = fwd_rule();
	x_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
	if (n->internal) {
		x_counter(r);
		x_verdict(r, NF_DROP);
	} else {
		admit(r, mark);
	}
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: leaving a network");

	r = fwd_rule();
	x_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	x_counter(r);
	x_verdict(r, NF_DROP);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: entering a network");

	if (!n->internal)
		fw_pub_postrouting_rules(b, n);
	for (size_t i = 0; !n->internal && i < n->n_subnets; i++) {
		r = rule_new(NFPROTO_INET, FW_TABLE, "postrouting");
		x_saddr(r, &n->subnets[i]);
		x_ifname(r, NFT_META_OIFNAME, NFT_CMP_NEQ, n->bridge);
		x_counter(r);
		x_masq(r);
		nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "postrouting: masquerade");
	}
}

/* Docker's own bridges (docker0, docker_gwbridge, br-<id>) are kept apart
 * from guardnet's networks in both directions; the other direction is
 * covered by each network's "oifname B drop". */
static void docker_bridges(struct nft_batch *b)
{
	static const char *prefixes[] = { "docker", "br-" };

	for (size_t i = 0; i < 2; i++) {
		struct nftnl_rule *r = fwd_rule();

		x_meta(r, NFT_META_IIFNAME, NFT_REG_1);
		x_lookup(r, "bridges", NFT_REG_1);
		x_ifname_prefix(r, NFT_META_OIFNAME, prefixes[i]);
		x_counter(r);
		x_verdict(r, NF_DROP);
		nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: Docker's bridges");
	}
}

/* The table, replaced whole: create (so that delete cannot fail), delete,
 * create again with its content, all inside the caller's transaction. */
static void build_table(struct nft_batch *b, const struct fw_model *m)
{
	struct nftnl_rule *r;
	uint32_t mark = m->mark, set_id = 1;

	nft_batch_table(b, NFT_MSG_NEWTABLE, table_new(), NLM_F_CREATE, "table inet guardnet");
	nft_batch_table(b, NFT_MSG_DELTABLE, table_new(), 0, "table inet guardnet (replace)");
	fw_ufw_tables(b, m, admit);
	if (!m->n)
		return;
	nft_batch_table(b, NFT_MSG_NEWTABLE, table_new(), NLM_F_CREATE, "table inet guardnet");
	bridges_set(b, m);
	fw_pub_sets(b, m, &set_id);
	fw_pub_nat_chains(b);
	chain_new(b, "forward", "filter", NF_INET_FORWARD, FORWARD_PRIORITY);
	chain_new(b, "postrouting", "nat", NF_INET_POST_ROUTING, SRCNAT_PRIORITY);

	r = fwd_rule();
	x_ct(r, NFT_CT_MARK, NFT_REG_1);
	x_bitwise(r, &mark, &(uint32_t){ 0 }, sizeof mark);
	x_cmp(r, NFT_CMP_EQ, &mark, sizeof mark);
	x_set_mark_bits(r, false, mark);
	x_verdict(r, NF_ACCEPT);
	nft_batch_rule(b, NFT_MSG_NEWRULE, r, NLM_F_CREATE | NLM_F_APPEND, "forward: admitted connections");
	fw_pub_forward_rules(b, m, admit);
	docker_bridges(b);
	for (size_t i = 0; i < m->n; i++)
		network_rules(b, &m->nets[i], mark);
}

/* Tests only: a jump to a chain that does not exist makes the kernel refuse
 * a transaction that publishes the fault port. */
static void inject_fault(const struct gn_fw *fw, struct nft_batch *b, const struct gn_pub *v, size_t n)
{
	for (size_t i = 0; fw->fault_port && i < n; i++)
		if (v[i].port == fw->fault_port) {
			struct nftnl_rule *bad = fwd_rule();

			x_jump(bad, NFT_JUMP, "no-such-chain");
			nft_batch_rule(b, NFT_MSG_NEWRULE, bad, NLM_F_CREATE | NLM_F_APPEND, "injected fault");
			return;
		}
}

int fw_apply(struct gn_fw *fw, const struct fw_model *m, struct gn_err *err)
{
	struct nft_batch *b = nft_batch_new(fw->seq);
	int r = 0;

	if (!b)
		return gn_errf(err, -ENOMEM, "out of memory");
	/* Legacy iptables first: an extra accept for a mark only guardnet sets
	 * is harmless if the transaction then fails; removal waits for it. */
	if (m->n && (r = fw_iptc_sync(m->mark, err)) < 0) {
		nft_batch_free(b);
		return r;
	}
	build_table(b, m);
	inject_fault(fw, b, m->pubs, m->n_pubs);
	r = fw_iptables_hook(fw->sock, &fw->seq, b, m->n ? m->mark : 0, err);
	if (r == 0) {
		r = nft_batch_commit(b, fw->sock, err);
		/* Refused, the table is as it was; with no answer, unknown. */
		if (r < 0 && !nft_batch_refused(b))
			fw->current = false;
	}
	if (r == 0) {
		fw->last_mark = m->n ? m->mark : 0;
		fw->current = m->n > 0;
	}
	if (r == 0 && !m->n)
		r = fw_iptc_sync(0, err);
	fw->seq += 1 << 16;
	nft_batch_free(b);
	return r;
}

int fw_apply_share(struct gn_fw *fw, const struct fw_share *from, const struct fw_share *to, struct gn_err *err)
{
	struct nft_batch *b;
	bool repair = false;
	int r;

	b = nft_batch_new(fw->seq);
	if (!b || fw_pub_delta(b, from, to) < 0) {
		nft_batch_free(b);
		return gn_errf(err, -ENOMEM, "out of memory");
	}
	inject_fault(fw, b, to->pubs, to->n_pubs);
	/* Nothing to change needs no table at all, current or not. */
	if (nft_batch_messages(b) == 0 || !fw->current) {
		size_t n = nft_batch_messages(b);

		nft_batch_free(b);
		return n ? gn_errf(err, -ESTALE, "guardnet's table is not known to be as guardnet left it") : 0;
	}
	r = nft_batch_commit(b, fw->sock, err);
	fw->seq += 1 << 16;
	if (r < 0 && !nft_batch_refused(b)) {
		fw->current = false;
		r = -ESTALE;
	} else if (r < 0 && fw->events && fw_events_read(fw, &repair) == 0 && repair) {
		/* Refused because another program changed the table (deleted
		 * it, say) since guardnet last wrote it: only a rebuild helps. */
		r = -ESTALE;
	}
	nft_batch_free(b);
	return r;
}

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

/* 2: guardnet's table was touched; 1: iptables' filter table lost or
 * gained something that may concern our accept rule; 0: neither. */
static int concerns_us(const struct nlmsghdr *nlh)
{
	int type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	const char *table = event_table(nlh);

	if (!table)
		return 0;
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
			if (errno == ENOBUFS) { /* events were lost: assume the worst */
				worst = 2;
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

void fw_periodic(struct gn_fw *fw)
{
	struct gn_err err;
	bool docker_legacy, docker_nft, ufw_legacy, ufw_nft;
	int disagree;

	if (!fw_iptc_present())
		return;
	if (fw_iptc_sync(fw->last_mark, &err) < 0)
		log_warnx("%s", err.msg);
	docker_legacy = fw_iptc_has_chain("DOCKER-USER");
	ufw_legacy = fw_iptc_has_chain("ufw-user-forward");
	docker_nft = fw_nft_has_chain(fw->sock, &fw->seq, "DOCKER-USER");
	ufw_nft = fw_nft_has_chain(fw->sock, &fw->seq, "ufw-user-forward");
	disagree = (docker_legacy && ufw_nft) || (docker_nft && ufw_legacy);
	if (disagree && !fw->disagree)
		log_warnx("WARNING: Docker uses %s iptables and UFW uses %s iptables: a packet must pass both rule "
			  "sets, and UFW's view of the firewall is incomplete. Make both use the same iptables "
			  "(update-alternatives --config iptables) and restart them",
			  docker_legacy ? "legacy" : "nf_tables", ufw_legacy ? "legacy" : "nf_tables");
	fw->disagree = disagree;
}

bool fw_intact(struct gn_fw *fw)
{
	char buf[8192] = { 0 }; /* libnftnl leaves attribute padding as it finds it */
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	uint32_t seq = fw->seq++;
	bool exists;
	int n;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, seq);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, FW_TABLE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	if (mnl_socket_sendto(fw->sock, nlh, nlh->nlmsg_len) < 0)
		return false;
	do {
		n = (int)mnl_socket_recvfrom(fw->sock, buf, sizeof buf);
		if (n > 0)
			n = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(fw->sock), NULL, NULL);
	} while (n > 0);
	exists = n == 0;
	return exists == (fw->last_mark != 0) && fw_hook_intact(fw, fw->last_mark);
}
