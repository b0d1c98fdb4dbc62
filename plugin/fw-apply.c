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
	free(fw->count_keys.v);
	free(fw);
}

/* The counting table's part of fw_apply: only the elements that changed,
 * unless it must be built whole (start-up, another program touched it),
 * with the counters going on from the old ones. */
static void count_part(struct gn_fw *fw, struct nft_batch *b, const struct fw_model *m, const struct fw_counts *keys)
{
	struct fw_counts seed = { 0 };
	struct gn_err e;

	if (!m->n) {
		fw_count_table(b, NULL, NULL);
	} else if (fw->count_current) {
		fw_count_delta(b, &fw->count_keys, keys);
	} else {
		if (fw_counters(fw, &seed, &e) < 0)
			log_debug("%s; counting from zero", e.msg);
		fw_count_table(b, keys, &seed);
		free(seed.v);
	}
}

int fw_apply(struct gn_fw *fw, const struct fw_model *m, struct gn_err *err)
{
	struct nft_batch *b = nft_batch_new(fw->seq);
	struct fw_share all = { .pubs = m->pubs, .n_pubs = m->n_pubs };
	struct fw_counts keys;
	int r = 0;

	if (!b || fw_count_keys(&all, &keys) < 0) {
		nft_batch_free(b);
		return gn_errf(err, -ENOMEM, "out of memory");
	}
	/* Legacy iptables first: an extra accept for a mark only guardnet sets
	 * is harmless if the transaction then fails; removal waits for it. */
	if (m->n && (r = fw_ipt_legacy_sync(m->mark, err)) < 0) {
		nft_batch_free(b);
		free(keys.v);
		return r;
	}
	fw_nft_table(b, m);
	count_part(fw, b, m, &keys);
	r = fw_iptables_hook(fw->sock, &fw->seq, b, m->n ? m->mark : 0, err);
	if (r == 0) {
		r = fw_commit(fw, b, err);
		/* Refused, the table is as it was; with no answer, unknown. */
		if (r < 0 && !nft_batch_refused(b))
			fw->current = fw->count_current = false;
	}
	if (r == 0) {
		fw->last_mark = m->n ? m->mark : 0;
		fw->current = fw->count_current = m->n > 0;
		free(fw->count_keys.v);
		fw->count_keys = keys;
		keys.v = NULL;
	}
	free(keys.v);
	if (r == 0 && !m->n)
		r = fw_ipt_legacy_sync(0, err);
	fw->seq += 1 << 16;
	nft_batch_free(b);
	return r;
}

int fw_sync(struct gn_fw *fw, const struct fw_model *m, bool *changed, struct gn_err *err)
{
	struct fw_share all = { .pubs = m->pubs, .n_pubs = m->n_pubs };
	struct fw_counts keys;

	*changed = false;
	if (m->n && fw_nft_tables_same(fw, m) && fw_hook_intact(fw, m->mark) &&
	    (!fw_ipt_legacy_present() || fw_ipt_legacy_sync(m->mark, err) == 0) && fw_count_keys(&all, &keys) == 0) {
		/* As fw_apply would leave them: the counting table's keys are
		 * the model's, and its counters go on. */
		fw->last_mark = m->mark;
		fw->current = fw->count_current = true;
		free(fw->count_keys.v);
		fw->count_keys = keys;
		return 0;
	}
	*changed = true;
	return fw_apply(fw, m, err);
}

int fw_apply_share(struct gn_fw *fw, const struct fw_share *from, const struct fw_share *to, struct gn_err *err)
{
	struct nft_batch *b;
	struct fw_counts gone = { 0 }, came = { 0 };
	bool repair = false;
	int r;

	b = nft_batch_new(fw->seq);
	if (!b || fw_pub_delta(b, from, to) < 0 || fw_count_keys(from, &gone) < 0 || fw_count_keys(to, &came) < 0) {
		nft_batch_free(b);
		free(gone.v);
		free(came.v);
		return gn_errf(err, -ENOMEM, "out of memory");
	}
	fw_count_delta(b, &gone, &came);
	/* Nothing to change needs no table at all, current or not. */
	if (nft_batch_messages(b) == 0 || !fw->current || !fw->count_current) {
		size_t n = nft_batch_messages(b);

		nft_batch_free(b);
		free(gone.v);
		free(came.v);
		return n ? gn_errf(err, -ESTALE, "guardnet's tables are not known to be as guardnet left them") : 0;
	}
	r = fw_commit(fw, b, err);
	fw->seq += 1 << 16;
	/* Out of memory, the keys are not known: the next rebuild makes the
	 * counting table whole. */
	if (r == 0 && fw_count_keys_apply(&fw->count_keys, &gone, &came) < 0)
		fw->count_current = false;
	free(gone.v);
	free(came.v);
	if (r < 0 && !nft_batch_refused(b)) {
		fw->current = fw->count_current = false;
		r = -ESTALE;
	} else if (r < 0 && fw->events && fw_events_read(fw, &repair) == 0 && repair) {
		/* Refused because another program changed the table (deleted
		 * it, say) since guardnet last wrote it: only a rebuild helps. */
		r = -ESTALE;
	}
	nft_batch_free(b);
	return r;
}

void fw_iptables(struct gn_fw *fw, bool *nft, bool *legacy)
{
	*nft = fw_nft_has_chain(fw->sock, &fw->seq, "FORWARD");
	*legacy = fw_ipt_legacy_present();
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
