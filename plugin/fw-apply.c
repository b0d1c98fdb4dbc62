/*
 * The firewall seam (fw.h) on a host: one transaction per change in
 * nf_tables, which holds guardnet's table (fw-nft*.c) and, where Docker and
 * UFW use iptables-nft, guardnet's accept rule in iptables' forward path
 * (fw-ipt-nft.c); the same rule through libiptc where they use legacy
 * iptables (fw-ipt-legacy.c).  What to send is built apart from sending it:
 * the builders take a batch and a model, never a socket.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fw.h"
#include "fw-ipt-legacy.h"
#include "fw-nft.h"
#include "log.h"

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

int fw_apply(struct gn_fw *fw, const struct fw_model *m, struct gn_err *err)
{
	struct nft_batch *b = nft_batch_new(fw->seq);
	int r = 0;

	if (!b)
		return gn_errf(err, -ENOMEM, "out of memory");
	/* Legacy iptables first: an extra accept for a mark only guardnet sets
	 * is harmless if the transaction then fails; removal waits for it. */
	if (m->n && (r = fw_ipt_legacy_sync(m->mark, err)) < 0) {
		nft_batch_free(b);
		return r;
	}
	fw_nft_table(b, m);
	r = fw_iptables_hook(fw->sock, &fw->seq, b, m->n ? m->mark : 0, err);
	if (r == 0) {
		r = fw_commit(fw, b, err);
		/* Refused, the table is as it was; with no answer, unknown. */
		if (r < 0 && !nft_batch_refused(b))
			fw->current = false;
	}
	if (r == 0) {
		fw->last_mark = m->n ? m->mark : 0;
		fw->current = m->n > 0;
	}
	if (r == 0 && !m->n)
		r = fw_ipt_legacy_sync(0, err);
	fw->seq += 1 << 16;
	nft_batch_free(b);
	return r;
}

int fw_sync(struct gn_fw *fw, const struct fw_model *m, bool *changed, struct gn_err *err)
{
	bool same = false;

	*changed = false;
	if (m->n && fw_nft_table_is(fw, m, &same) == 0 && same && fw_hook_intact(fw, m->mark) &&
	    (!fw_ipt_legacy_present() || fw_ipt_legacy_sync(m->mark, err) == 0)) {
		fw->last_mark = m->mark;
		fw->current = true;
		return 0;
	}
	*changed = true;
	return fw_apply(fw, m, err);
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
	/* Nothing to change needs no table at all, current or not. */
	if (nft_batch_messages(b) == 0 || !fw->current) {
		size_t n = nft_batch_messages(b);

		nft_batch_free(b);
		return n ? gn_errf(err, -ESTALE, "guardnet's table is not known to be as guardnet left it") : 0;
	}
	r = fw_commit(fw, b, err);
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

void fw_periodic(struct gn_fw *fw)
{
	struct gn_err err;
	bool docker_legacy, docker_nft, ufw_legacy, ufw_nft;
	int disagree;

	if (!fw_ipt_legacy_present())
		return;
	if (fw_ipt_legacy_sync(fw->last_mark, &err) < 0)
		log_warnx("%s", err.msg);
	docker_legacy = fw_ipt_legacy_has_chain("DOCKER-USER");
	ufw_legacy = fw_ipt_legacy_has_chain("ufw-user-forward");
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
