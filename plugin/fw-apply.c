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
	free(fw);
}

int fw_apply(struct gn_fw *fw, const struct fw_model *model, struct gn_err *err)
{
	struct nft_batch *b = nft_batch_new(fw->seq);
	struct fw_model with_uplinks = *model, *m = &with_uplinks;
	struct fw_hook hook = { .mark = m->n ? m->mark : 0, .group = m->n ? m->group : 0 }, none = { 0 };
	bool docker_nft, legacy[2];
	int r = 0;

	if (!b)
		return gn_errf(err, -ENOMEM, "out of memory");
	m->uplinks = fw->uplinks;
	m->n_uplinks = fw->n_uplinks;
	docker_nft = fw_docker_nft(fw);
	/* Legacy iptables first: an extra accept for a mark only guardnet sets
	 * is harmless if the transaction then fails; removal waits for it. */
	if (m->n && (r = fw_ipt_legacy_sync(&hook, docker_nft, err)) < 0) {
		nft_batch_free(b);
		return r;
	}
	fw_ipt_legacy_families(legacy);
	fw_nft_table(b, m);
	r = fw_iptables_hook(fw->sock, &fw->seq, b, &hook, docker_nft, legacy, err);
	if (r == 0) {
		r = nft_batch_commit(b, fw->sock, err);
		/* Refused, the table is as it was; with no answer, unknown. */
		if (r < 0 && !nft_batch_refused(b))
			fw->current = false;
	}
	if (r == 0) {
		fw->last_hook = hook;
		fw->current = m->n > 0;
		fw->expect_known = true;
		for (size_t i = 0; i < FW_FAMILIES; i++) {
			struct nft_tally t = nft_batch_tally(b, fw_families[i]);

			fw->expect[i] = (struct fw_count){ .rules = t.rules, .elems = t.elems };
			fw->there[i] = t.exists;
			if (t.exists && fw_nft_table_handle(fw->sock, &fw->seq, fw_families[i], &fw->expect[i].handle) < 0)
				fw->expect_known = false;
		}
	} else if (!fw->current) {
		fw->expect_known = false;
	}
	if (r == 0 && !m->n)
		r = fw_ipt_legacy_sync(&none, docker_nft, err);
	fw->seq += 1 << 16;
	nft_batch_free(b);
	return r;
}

int fw_apply_share(struct gn_fw *fw, const struct fw_share *from, const struct fw_share *to, struct gn_err *err)
{
	struct nft_batch *b;
	enum fw_repair repair = FW_INTACT;
	bool lost = false;
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
	r = nft_batch_commit(b, fw->sock, err);
	fw->seq += 1 << 16;
	if (r == 0)
		fw->expect[0].elems += nft_batch_tally(b, NFPROTO_INET).elems;
	if (r < 0 && !nft_batch_refused(b)) {
		fw->current = false;
		fw->expect_known = false;
		r = -ESTALE;
	} else if (r < 0 && fw->events && fw_events_read(fw, &repair, &lost) == 0 && repair == FW_REPAIR_TABLE) {
		/* Refused because another program changed the table (deleted
		 * it, say) since guardnet last wrote it: only a rebuild helps. */
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

bool fw_intact(struct gn_fw *fw, char *why, size_t len)
{
	for (size_t i = 0; i < FW_FAMILIES; i++) {
		bool want = i == 0 ? fw->last_hook.mark != 0 : fw->there[i];

		if (fw_nft_table_exists(fw->sock, &fw->seq, fw_families[i], FW_TABLE) == want)
			continue;
		snprintf(why, len, "table %s " FW_TABLE " %s", fw_family_name(fw_families[i]),
			 !want ? "is there, but guardnet removed it" :
			 i == 0 ? "is missing: nothing filters published ports or keeps networks apart" :
				  "is missing: UFW's rules do not decide for published ports");
		return false;
	}
	if (!fw_hook_intact(fw, &fw->last_hook)) {
		snprintf(why, len, "guardnet's accept rule is not where it belongs in iptables' forward path");
		return false;
	}
	return true;
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
