/*
 * Docker Swarm's routing mesh, seen from the firewall: a port a service
 * publishes in ingress mode (docker service create --publish P:Q, the
 * default) is DNATed by the node's "ip nat" table, chain DOCKER-INGRESS,
 *
 *   -A DOCKER-INGRESS -p tcp --dport 8083 -j DNAT --to-destination 172.18.0.2:8083
 *
 * to the ingress sandbox on docker_gwbridge, and from there over the
 * ingress overlay to a task: it never crosses a guardnet bridge, so neither
 * guardnet nor UFW decides who reaches it (spec/plugin-protocol.md,
 * "Ingress publishing").  guardnet only reads the chain, to say so.
 * iptables-nft 1.8.9 writes such a rule as meta l4proto, payload (the
 * transport header's destination port), cmp and the DNAT target of
 * x_tables; a native nat expression counts the same.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fw-nft.h"

#define INGRESS_TABLE "nat"
#define INGRESS_CHAIN "DOCKER-INGRESS"
#define INGRESS_MAX 65536

enum reg_holds { HOLDS_NOTHING, HOLDS_PROTO, HOLDS_DPORT };

struct found {
	struct gn_transport_port *v;
	size_t n, cap;
	int err;
};

/* The protocol and destination port a rule DNATs, if it is such a rule. */
static bool dnat_port(struct nftnl_rule *r, struct gn_transport_port *ret)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	enum reg_holds regs[NFT_REG32_15 + 1] = { 0 };
	struct nftnl_expr *e;
	bool dnat = false, proto = false, port = false;

	while (it && (e = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
		uint32_t len, reg;
		const uint8_t *d;

		if (!strcmp(name, "meta") && nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_L4PROTO &&
		    (reg = nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG)) <= NFT_REG32_15) {
			regs[reg] = HOLDS_PROTO;
		} else if (!strcmp(name, "payload") &&
			   nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE) == NFT_PAYLOAD_TRANSPORT_HEADER &&
			   nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET) == 2 &&
			   nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN) == 2 &&
			   (reg = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG)) <= NFT_REG32_15) {
			regs[reg] = HOLDS_DPORT;
		} else if (!strcmp(name, "cmp") && nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP) == NFT_CMP_EQ &&
			   (reg = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG)) <= NFT_REG32_15 &&
			   (d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len))) {
			if (regs[reg] == HOLDS_PROTO && len == 1) {
				ret->proto = d[0];
				proto = true;
			} else if (regs[reg] == HOLDS_DPORT && len == 2) {
				ret->port = (uint16_t)(d[0] << 8 | d[1]);
				port = true;
			}
		} else if (!strcmp(name, "target")) {
			dnat = !strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME), "DNAT");
		} else if (!strcmp(name, "nat")) {
			dnat = nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE) == NFT_NAT_DNAT;
		}
	}
	nftnl_expr_iter_destroy(it);
	return dnat && proto && port;
}

static int on_rule(const struct nlmsghdr *nlh, void *data)
{
	struct found *f = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct gn_transport_port p;

	if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	if (dnat_port(r, &p) && f->n < INGRESS_MAX) {
		if (f->n == f->cap) {
			size_t cap = f->cap ? 2 * f->cap : 8;
			struct gn_transport_port *v = realloc(f->v, cap * sizeof *v);

			if (!v) {
				nftnl_rule_free(r);
				f->err = -ENOMEM;
				return MNL_CB_ERROR;
			}
			f->v = v;
			f->cap = cap;
		}
		f->v[f->n++] = p;
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

int fw_nft_ingress(struct mnl_socket *sock, uint32_t *seq, struct gn_transport_port **ret, size_t *n)
{
	char buf[4096] = { 0 };
	struct nftnl_rule *filter = nftnl_rule_alloc();
	struct found f = { 0 };
	struct nlmsghdr *nlh;
	uint32_t myseq = (*seq)++;
	int r;

	if (!filter)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_IPV4, NLM_F_DUMP, myseq);
	nftnl_rule_set_str(filter, NFTNL_RULE_TABLE, INGRESS_TABLE);
	nftnl_rule_set_str(filter, NFTNL_RULE_CHAIN, INGRESS_CHAIN);
	nftnl_rule_nlmsg_build_payload(nlh, filter);
	nftnl_rule_free(filter);
	r = nft_request(sock, nlh, myseq, on_rule, &f);
	if (f.err)
		r = f.err;
	/* No nat table (nobody uses iptables-nft here): no routing mesh. */
	if (r == -ENOENT)
		r = 0;
	if (r < 0) {
		free(f.v);
		return r;
	}
	*ret = f.v;
	*n = f.n;
	return 0;
}
