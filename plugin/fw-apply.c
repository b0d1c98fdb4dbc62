/*
 * The firewall seam (fw.h) on a host: one transaction per change in
 * nf_tables, which holds guardnet's table (fw-nft*.c) and, where Docker and
 * UFW use iptables-nft, guardnet's accept rule in iptables' forward path
 * (fw-ipt-nft.c); the same rule through libiptc where they use legacy
 * iptables (fw-ipt-legacy.c).  What to send is built apart from sending it:
 * the builders take a batch and a model, never a socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
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
	/* An answer the kernel never sends (dropped when the socket was full)
	 * must not hang guardnetd: a read waits 10 s at most. */
	setsockopt(mnl_socket_get_fd(fw->sock), SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ .tv_sec = 10 },
		   sizeof(struct timeval));
	fw->seq = (uint32_t)time(NULL);
	fw->docker_nft = -1;
	fw_docker_nft(fw);
	*ret = fw;
	return 0;
}

bool fw_docker_nft(struct gn_fw *fw)
{
	int nft = fw_nft_table_exists(fw->sock, &fw->seq, NFPROTO_IPV4, FW_DOCKER_NFT_TABLE) ||
		  fw_nft_table_exists(fw->sock, &fw->seq, NFPROTO_IPV6, FW_DOCKER_NFT_TABLE);

	if (nft != fw->docker_nft)
		log_info(nft ? "Docker's firewall: nftables backend (table " FW_DOCKER_NFT_TABLE "): Docker has no "
			       "DOCKER-USER chain, guardnet's rules go to iptables' FORWARD chain, ahead of UFW's"
			     : "Docker's firewall: no table " FW_DOCKER_NFT_TABLE " (Docker's iptables backend, or Docker "
			       "not started): guardnet's rules go to iptables' DOCKER-USER chain while FORWARD jumps "
			       "to it, else to FORWARD");
	fw->docker_nft = nft;
	return nft;
}

void fw_close(struct gn_fw *fw)
{
	if (!fw)
		return;
	if (fw->sock)
		mnl_socket_close(fw->sock);
	if (fw->events)
		mnl_socket_close(fw->events);
	free(fw->uplinks);
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

/* What guardnet's tables hold once b is committed (or, at start-up, as
 * they were found), for counting them after lost events. */
static void note_tables(struct gn_fw *fw, const struct nft_tally tally[FW_FAMILIES])
{
	fw->expect_known = true;
	for (size_t i = 0; i < FW_FAMILIES; i++) {
		struct nft_tally t = tally[i];

		fw->expect[i] = (struct fw_tally){ .rules = t.rules, .elems = t.elems };
		fw->there[i] = t.exists;
		if (t.exists && fw_nft_table_handle(fw->sock, &fw->seq, fw_families[i], &fw->expect[i].handle) < 0)
			fw->expect_known = false;
	}
}

int fw_apply(struct gn_fw *fw, const struct fw_model *model, struct gn_err *err)
{
	struct nft_batch *b = nft_batch_new(fw->seq);
	struct fw_model with_uplinks = *model, *m = &with_uplinks;
	struct fw_hook hook = { .mark = m->n ? m->mark : 0, .group = m->n ? m->group : 0 }, none = { 0 };
	struct fw_share all = { .pubs = m->pubs, .n_pubs = m->n_pubs };
	struct fw_counts keys;
	bool docker_nft, legacy[2];
	int r = 0;

	if (!b || fw_count_keys(&all, &keys) < 0) {
		nft_batch_free(b);
		return gn_errf(err, -ENOMEM, "out of memory");
	}
	m->uplinks = fw->uplinks;
	m->n_uplinks = fw->n_uplinks;
	docker_nft = fw_docker_nft(fw);
	/* Legacy iptables first: an extra accept for a mark only guardnet sets
	 * is harmless if the transaction then fails; removal waits for it. */
	if (m->n && (r = fw_ipt_legacy_sync(&hook, docker_nft, err)) < 0) {
		nft_batch_free(b);
		free(keys.v);
		return r;
	}
	fw_ipt_legacy_families(legacy);
	fw_nft_table(b, m);
	count_part(fw, b, m, &keys);
	r = fw_iptables_hook(fw->sock, &fw->seq, b, &hook, docker_nft, legacy, err);
	if (r == 0) {
		r = nft_batch_commit(b, fw->sock, err);
		/* Refused, the table is as it was; with no answer, unknown. */
		if (r < 0 && !nft_batch_refused(b))
			fw->current = fw->count_current = false;
	}
	if (r == 0) {
		struct nft_tally tally[FW_FAMILIES];

		for (size_t i = 0; i < FW_FAMILIES; i++)
			tally[i] = nft_batch_tally(b, fw_families[i]);
		fw->last_hook = hook;
		fw->mark = m->mark;
		fw->current = m->n > 0;
		note_tables(fw, tally);
		fw->count_current = fw->current;
		free(fw->count_keys.v);
		fw->count_keys = keys;
		keys.v = NULL;
	} else if (!fw->current) {
		fw->expect_known = false;
	}
	free(keys.v);
	if (r == 0 && !m->n)
		r = fw_ipt_legacy_sync(&none, docker_nft, err);
	fw->seq += 1 << 16;
	nft_batch_free(b);
	return r;
}

int fw_snapshot_read(struct fw_snapshot **ret)
{
	struct gn_fw own = { .seq = (uint32_t)time(NULL) };
	int r;

	own.sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!own.sock || mnl_socket_bind(own.sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		if (own.sock)
			mnl_socket_close(own.sock);
		return r;
	}
	/* As fw_open's: an answer that never comes does not hang start-up. */
	setsockopt(mnl_socket_get_fd(own.sock), SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ .tv_sec = 10 },
		   sizeof(struct timeval));
	r = fw_nft_snapshot(&own, ret);
	mnl_socket_close(own.sock);
	return r;
}

int fw_sync(struct gn_fw *fw, const struct fw_model *model, struct fw_snapshot *snap, struct fw_want *want,
	    bool *changed, struct gn_err *err)
{
	struct fw_model with_uplinks = *model, *m = &with_uplinks;
	struct fw_hook hook = { .mark = m->mark, .group = m->group };
	struct fw_share all = { .pubs = m->pubs, .n_pubs = m->n_pubs };
	struct nft_tally tally[FW_FAMILIES] = { 0 };
	struct fw_counts keys;

	m->uplinks = fw->uplinks;
	m->n_uplinks = fw->n_uplinks;
	*changed = false;
	if (m->n && fw_nft_tables_same(fw, m, snap, want, tally) && fw_hook_intact(fw, &hook) &&
	    (!fw_ipt_legacy_present() || fw_ipt_legacy_sync(&hook, fw_docker_nft(fw), err) == 0) &&
	    fw_count_keys(&all, &keys) == 0) {
		/* As fw_apply would leave them: the counting table's keys are
		 * the model's, and its counters go on; guardnet's tables hold
		 * what fw_apply's batch would have made of them, which the
		 * comparison's batch tallies the same (its other messages, the
		 * counting table whole and no iptables rule, are not in
		 * guardnet's tables). */
		note_tables(fw, tally);
		fw->last_hook = hook;
		fw->mark = m->mark;
		fw->current = fw->count_current = true;
		free(fw->count_keys.v);
		fw->count_keys = keys;
		/* The kernel's text, then ours, as they were made: freed the
		 * other way round, glibc kept 7 MB more of guardnetd's RSS at
		 * 1,000 x 5 x 4 (measured on restarts, 22.4 against 29.4 MB). */
		fw_snapshot_free(snap);
		fw_want_free(want);
		return 0;
	}
	/* Some 17 MB of text at 1,000 networks, not kept through a rebuild. */
	fw_snapshot_free(snap);
	fw_want_free(want);
	*changed = true;
	return fw_apply(fw, model, err);
}

int fw_apply_share(struct gn_fw *fw, const struct fw_share *from, const struct fw_share *to, struct gn_err *err)
{
	struct nft_batch *b;
	enum fw_repair repair = FW_INTACT;
	struct fw_counts gone = { 0 }, came = { 0 };
	bool lost = false;
	int r;

	b = nft_batch_new(fw->seq);
	if (!b || fw_pub_delta(b, from, to, fw->mark) < 0 || fw_count_keys(from, &gone) < 0 || fw_count_keys(to, &came) < 0) {
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
	r = nft_batch_commit(b, fw->sock, err);
	fw->seq += 1 << 16;
	if (r == 0) {
		struct nft_tally t = nft_batch_tally(b, NFPROTO_INET);

		fw->expect[0].rules += t.rules;
		fw->expect[0].elems += t.elems;
	}
	/* Out of memory, the keys are not known: the next rebuild makes the
	 * counting table whole. */
	if (r == 0 && fw_count_keys_apply(&fw->count_keys, &gone, &came) < 0)
		fw->count_current = false;
	free(gone.v);
	free(came.v);
	if (r < 0 && !nft_batch_refused(b)) {
		fw->current = fw->count_current = false;
		fw->expect_known = false;
		r = -ESTALE;
	} else if (r < 0 && fw->events && fw_events_read(fw, &repair, &lost) == 0 && repair == FW_REPAIR_TABLE) {
		/* Refused because another program changed the table (deleted
		 * it, say) since guardnet last wrote it: only a rebuild helps. */
		r = -ESTALE;
	} else if (r < 0 && repair == FW_REPAIR_HOOK && fw_repair_hook(fw, &(struct gn_err){ "" }) < 0) {
		/* The events were read here, not by the main loop, which would
		 * have put guardnet's iptables rule back: done here, or by
		 * the rebuild if that fails.  The refusal itself stands. */
		r = -ESTALE;
	}
	nft_batch_free(b);
	return r;
}

int fw_apply_network(struct gn_fw *fw, const struct fw_model *model, const struct fw_network *n, bool add,
		     struct gn_err *err)
{
	struct fw_model with_uplinks = *model, *m = &with_uplinks;
	struct nft_batch *b;
	int r;

	if (!fw->current || !fw->count_current)
		return gn_errf(err, -ESTALE, "guardnet's tables are not known to be as guardnet left them");
	m->uplinks = fw->uplinks;
	m->n_uplinks = fw->n_uplinks;
	if (!(b = nft_batch_new(fw->seq)))
		return gn_errf(err, -ENOMEM, "out of memory");
	r = fw_net_delta(b, m, n, add, fw_admit);
	if (r == -ESTALE) {
		nft_batch_free(b);
		return gn_errf(err, r, "bridge %s: more than its network's part of the tables changes", n->bridge);
	}
	if (r < 0) {
		nft_batch_free(b);
		return gn_errf(err, r, "out of memory");
	}
	r = nft_batch_commit(b, fw->sock, err);
	fw->seq += 1 << 16;
	if (r == 0) {
		for (size_t i = 0; i < FW_FAMILIES; i++) {
			struct nft_tally t = nft_batch_tally(b, fw_families[i]);

			fw->expect[i].rules += t.rules;
			fw->expect[i].elems += t.elems;
		}
	} else {
		/* Refused (another program changed the table, say), or never
		 * answered: the whole build decides, and says why it cannot. */
		if (!nft_batch_refused(b)) {
			fw->current = fw->count_current = false;
			fw->expect_known = false;
		}
		r = -ESTALE;
	}
	nft_batch_free(b);
	return r;
}

int fw_set_uplinks(struct gn_fw *fw, const uint32_t *v, size_t n, struct gn_err *err)
{
	uint32_t *copy = malloc((n + 1) * sizeof *copy);
	struct nft_batch *b;
	int r = 0;

	if (!copy)
		return gn_errf(err, -ENOMEM, "out of memory");
	memcpy(copy, v, n * sizeof *copy);
	b = fw->current ? nft_batch_new(fw->seq) : NULL;
	if (b)
		fw_guard_uplinks_delta(b, fw->uplinks, fw->n_uplinks, v, n);
	if (b && nft_batch_messages(b)) {
		r = nft_batch_commit(b, fw->sock, err);
		fw->seq += 1 << 16;
		if (r == 0)
			fw->expect[0].elems += nft_batch_tally(b, NFPROTO_INET).elems;
		/* Whatever happened, the next rebuild has the new list. */
		if (r < 0)
			fw->current = fw->expect_known = false;
	}
	nft_batch_free(b);
	free(fw->uplinks);
	fw->uplinks = copy;
	fw->n_uplinks = n;
	return r;
}

int fw_repair_hook(struct gn_fw *fw, struct gn_err *err)
{
	struct nft_batch *b = nft_batch_new(fw->seq);
	bool legacy[2];
	int r;

	if (!b)
		return gn_errf(err, -ENOMEM, "out of memory");
	fw_ipt_legacy_families(legacy);
	r = fw_iptables_hook(fw->sock, &fw->seq, b, &fw->last_hook, fw_docker_nft(fw), legacy, err);
	if (r == 0 && nft_batch_messages(b))
		r = nft_batch_commit(b, fw->sock, err);
	fw->seq += 1 << 16;
	nft_batch_free(b);
	return r;
}

int fw_forward_policy_drop(struct gn_fw *fw, int family, struct gn_err *err)
{
	struct nft_batch *b;
	bool legacy[2];
	int r;

	fw_ipt_legacy_families(legacy);
	if (legacy[family == AF_INET6])
		return fw_ipt_legacy_policy_drop(family, err);
	b = nft_batch_new(fw->seq);
	if (!b)
		return gn_errf(err, -ENOMEM, "out of memory");
	fw_ipt_nft_policy_drop(b, family);
	r = nft_batch_commit(b, fw->sock, err);
	fw->seq += 1 << 16;
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
	if (fw_ipt_legacy_sync(&fw->last_hook, fw_docker_nft(fw), &err) < 0)
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

int fw_ingress(struct gn_fw *fw, struct gn_transport_port **ret, size_t *n, struct gn_err *err)
{
	struct gn_transport_port *v, *l;
	size_t nv, nl;
	int r = fw_nft_ingress(fw->sock, &fw->seq, &v, &nv);

	if (r < 0)
		return gn_errf(err, r, "reading Docker's ingress ports (ip nat DOCKER-INGRESS): %s", strerror(-r));
	r = fw_ipt_legacy_ingress(&l, &nl);
	if (r == 0 && nl) {
		struct gn_transport_port *all = realloc(v, (nv + nl) * sizeof *all);

		if (!all) {
			r = -ENOMEM;
		} else {
			memcpy(all + nv, l, nl * sizeof *l);
			v = all;
			nv += nl;
		}
		free(l);
	}
	if (r < 0) {
		free(v);
		return gn_errf(err, r, "reading Docker's ingress ports (legacy nat DOCKER-INGRESS): %s", strerror(-r));
	}
	*ret = v;
	*n = nv;
	return 0;
}
