/*
 * The ports Docker's bridge driver publishes, read from its DNAT rules
 * (research/docker-remote-driver.md section 3.2): in iptables' nat chain
 * DOCKER, "-d HOSTIP ! -i BRIDGE -p PROTO --dport P -j DNAT
 * --to-destination CTR:Q" (-d only for a host address, ! -i only with the
 * userland proxy), and in Docker 29's tables docker-bridges (section 3.3),
 * "iifname != BRIDGE tcp dport P dnat to CTR:Q".  Each rule is read for
 * what it compares, not evaluated.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include "fw-nft.h"
#include "fw.h"

enum what { W_NONE, W_IIF, W_PROTO, W_DADDR, W_DPORT, W_VALUE };

struct track {
	enum what w[NFT_REGS_BYTES / 4];
	uint8_t v[NFT_REGS_BYTES];
	uint8_t mask[16];
	int family;
};

static void mark(struct track *t, int off, size_t len, enum what w)
{
	for (size_t i = 0; i < (len + 3) / 4 && off / 4 + i < sizeof t->w / sizeof t->w[0]; i++)
		t->w[off / 4 + i] = w;
}

static int reg_of(const struct nlattr *a, size_t len)
{
	int off = a ? nft_reg_off(nft_u32(a)) : -1;

	return off >= 0 && (size_t)off + len <= NFT_REGS_BYTES ? off : -1;
}

static void mask_len(struct fw_dnat *d, const uint8_t *addr, const uint8_t *mask, size_t len)
{
	d->host.addr.family = (uint8_t)d->family;
	d->host.len = 0;
	for (size_t i = 0; i < len; i++) {
		d->host.addr.a[i] = addr[i] & mask[i];
		for (int b = 7; b >= 0 && (mask[i] >> b) & 1; b--)
			d->host.len++;
	}
	d->any = d->host.len == 0;
}

/* The container end of -j DNAT --to-destination (revision 0, IPv4 only,
 * has its own layout; 1 and 2 begin alike). */
static bool xt_dnat_target(unsigned rev, const void *info, size_t len, int family, struct fw_dnat *d)
{
	d->ctr.family = (uint8_t)family;
	if (rev == 0 && family == AF_INET && len >= sizeof(struct nf_nat_ipv4_multi_range_compat)) {
		const struct nf_nat_ipv4_multi_range_compat *c = info;

		memcpy(d->ctr.a, &c->range[0].min_ip, 4);
		d->ctr_port = ntohs(c->range[0].min.all);
		return true;
	}
	if (rev > 0 && len >= sizeof(struct nf_nat_range)) {
		const struct nf_nat_range *c = info;

		memcpy(d->ctr.a, &c->min_addr, family == AF_INET ? 4 : 16);
		d->ctr_port = ntohs(c->min_proto.all);
		return true;
	}
	return false;
}

/* 1 when rule r of an nf_tables chain is a DNAT, described in d. */
static int nft_dnat(const struct fw_rule *r, int family, struct fw_dnat *d)
{
	struct track t = { .family = family };
	const struct nlattr *x = NULL;
	const char *name = NULL;
	bool dnat = false;

	memset(t.mask, 0xff, sizeof t.mask);
	nft_expr_each(r, name, x) {
		struct nlattr *tb[16];
		uint8_t data[16];
		size_t n;
		int off;

		if (!strcmp(name, "meta") && x) {
			nl_attrs_nested(x, tb, NFTA_META_MAX);
			uint32_t key = nft_u32(tb[NFTA_META_KEY]);

			if ((off = reg_of(tb[NFTA_META_DREG], 16)) >= 0)
				mark(&t, off, 16, key == NFT_META_IIFNAME ? W_IIF : key == NFT_META_L4PROTO ? W_PROTO : W_NONE);
		} else if (!strcmp(name, "payload") && x) {
			nl_attrs_nested(x, tb, NFTA_PAYLOAD_MAX);
			uint32_t base = nft_u32(tb[NFTA_PAYLOAD_BASE]), o = nft_u32(tb[NFTA_PAYLOAD_OFFSET]);
			uint32_t len = nft_u32(tb[NFTA_PAYLOAD_LEN]);
			enum what w = W_NONE;

			if (base == NFT_PAYLOAD_NETWORK_HEADER && o == (family == AF_INET ? 16u : 24u) &&
			    len == (family == AF_INET ? 4u : 16u))
				w = W_DADDR;
			/* iptables 1.8.10 and later read -p from the IPv4
			 * header itself, not meta l4proto (measured: Docker 28). */
			else if (base == NFT_PAYLOAD_NETWORK_HEADER && o == (family == AF_INET ? 9u : 6u) && len == 1)
				w = W_PROTO;
			else if (base == NFT_PAYLOAD_TRANSPORT_HEADER && o == 2 && len == 2)
				w = W_DPORT;
			if ((off = reg_of(tb[NFTA_PAYLOAD_DREG], len)) >= 0)
				mark(&t, off, len, w);
		} else if (!strcmp(name, "bitwise") && x) {
			nl_attrs_nested(x, tb, NFTA_BITWISE_MAX);
			int s = reg_of(tb[NFTA_BITWISE_SREG], 4), dr = reg_of(tb[NFTA_BITWISE_DREG], 4);

			if (s >= 0 && dr >= 0 && t.w[s / 4] == W_DADDR) {
				nft_data(tb[NFTA_BITWISE_MASK], t.mask, sizeof t.mask);
				mark(&t, dr, family == AF_INET ? 4 : 16, W_DADDR);
			}
		} else if (!strcmp(name, "immediate") && x) {
			nl_attrs_nested(x, tb, NFTA_IMMEDIATE_MAX);
			if (nft_u32(tb[NFTA_IMMEDIATE_DREG]) != NFT_REG_VERDICT &&
			    (n = nft_data(tb[NFTA_IMMEDIATE_DATA], data, sizeof data)) &&
			    (off = reg_of(tb[NFTA_IMMEDIATE_DREG], n)) >= 0) {
				memcpy(t.v + off, data, n);
				mark(&t, off, n, W_VALUE);
			}
		} else if ((!strcmp(name, "cmp") || !strcmp(name, "range")) && x) {
			bool cmp = name[0] == 'c';
			uint32_t op;

			nl_attrs_nested(x, tb, cmp ? NFTA_CMP_MAX : NFTA_RANGE_MAX);
			op = nft_u32(tb[cmp ? NFTA_CMP_OP : NFTA_RANGE_OP]);
			n = nft_data(tb[cmp ? NFTA_CMP_DATA : NFTA_RANGE_FROM_DATA], data, sizeof data);
			if ((off = reg_of(tb[cmp ? NFTA_CMP_SREG : NFTA_RANGE_SREG], n)) < 0 || !n)
				continue;
			switch (t.w[off / 4]) {
			case W_IIF:
				if (op == NFT_CMP_NEQ)
					snprintf(d->not_iif, sizeof d->not_iif, "%.*s", (int)n, (const char *)data);
				else
					return 0;       /* "-i BRIDGE -j RETURN": not a publication */
				break;
			case W_PROTO:
				d->proto = data[0];
				break;
			case W_DADDR:
				if (op == NFT_CMP_EQ)
					mask_len(d, data, t.mask, n);
				break;
			case W_DPORT: {
				uint16_t p = (uint16_t)(data[0] << 8 | data[1]), hi;

				if (!cmp) {
					uint8_t to[16];

					nft_data(tb[NFTA_RANGE_TO_DATA], to, sizeof to);
					hi = (uint16_t)(to[0] << 8 | to[1]);
					d->port = p;
					d->port_end = hi;
				} else if (op == NFT_CMP_EQ) {
					d->port = d->port_end = p;
				} else if (op == NFT_CMP_GTE) {
					d->port = p;
				} else if (op == NFT_CMP_LTE) {
					d->port_end = p;
				}
				break;
			}
			default:
				break;
			}
		} else if (!strcmp(name, "nat") && x) {
			nl_attrs_nested(x, tb, NFTA_NAT_MAX);
			int a = reg_of(tb[NFTA_NAT_REG_ADDR_MIN], family == AF_INET ? 4 : 16);
			int p = reg_of(tb[NFTA_NAT_REG_PROTO_MIN], 2);

			if (nft_u32(tb[NFTA_NAT_TYPE]) != NFT_NAT_DNAT || a < 0 || t.w[a / 4] != W_VALUE)
				return 0;
			d->ctr.family = (uint8_t)family;
			memcpy(d->ctr.a, t.v + a, family == AF_INET ? 4 : 16);
			d->ctr_port = p >= 0 && t.w[p / 4] == W_VALUE ? (uint16_t)(t.v[p] << 8 | t.v[p + 1]) : 0;
			dnat = true;
		} else if (!strcmp(name, "target") && x) {
			/* iptables-nft keeps -j DNAT as the x_tables target. */
			nl_attrs_nested(x, tb, NFTA_TARGET_MAX);
			const char *tn = tb[NFTA_TARGET_NAME] ? nla_str(tb[NFTA_TARGET_NAME]) : NULL;

			if (!tn || strcmp(tn, "DNAT") || !tb[NFTA_TARGET_INFO])
				return 0;
			dnat = xt_dnat_target(nft_u32(tb[NFTA_TARGET_REV]), nla_data(tb[NFTA_TARGET_INFO]),
					      tb[NFTA_TARGET_INFO]->nla_len - NLA_HDRLEN, family, d);
		} else if (!strcmp(name, "match") && x) {
			nl_attrs_nested(x, tb, NFTA_MATCH_MAX);
			const char *mn = tb[NFTA_MATCH_NAME] ? nla_str(tb[NFTA_MATCH_NAME]) : NULL;

			if (mn && (!strcmp(mn, "tcp") || !strcmp(mn, "udp")) && tb[NFTA_MATCH_INFO]) {
				const struct xt_udp *u = nla_data(tb[NFTA_MATCH_INFO]);   /* ports lead both */

				d->port = u->dpts[0];
				d->port_end = u->dpts[1];
			}
		}
	}
	if (!dnat || !d->proto || !d->port)
		return 0;
	if (!d->port_end)
		d->port_end = d->port;
	return 1;
}

/* 1 when entry r of a legacy nat chain is a DNAT, described in d. */
static int xt_dnat(const struct fw_rule *r, int family, struct fw_dnat *d)
{
	size_t head = family == AF_INET ? sizeof(struct ipt_entry) : sizeof(struct ip6t_entry);
	uint16_t t_off;
	const struct xt_entry_target *t;
	const uint8_t *dst, *dmsk;
	size_t alen = family == AF_INET ? 4 : 16;

	if (family == AF_INET) {
		const struct ipt_entry *e = (const void *)r->data;

		t_off = e->target_offset;
		dst = (const uint8_t *)&e->ip.dst;
		dmsk = (const uint8_t *)&e->ip.dmsk;
		d->proto = (uint8_t)e->ip.proto;
		if (e->ip.invflags & IPT_INV_VIA_IN)
			snprintf(d->not_iif, sizeof d->not_iif, "%.15s", e->ip.iniface);
	} else {
		const struct ip6t_entry *e = (const void *)r->data;

		t_off = e->target_offset;
		dst = (const uint8_t *)&e->ipv6.dst;
		dmsk = (const uint8_t *)&e->ipv6.dmsk;
		d->proto = (uint8_t)e->ipv6.proto;
		if (e->ipv6.invflags & IP6T_INV_VIA_IN)
			snprintf(d->not_iif, sizeof d->not_iif, "%.15s", e->ipv6.iniface);
	}
	mask_len(d, dst, dmsk, alen);
	for (size_t off = head; off + sizeof(struct xt_entry_match) <= t_off;) {
		const struct xt_entry_match *m = (const void *)(r->data + off);

		if (m->u.match_size < sizeof *m)
			break;
		if (!strcmp(m->u.user.name, "tcp") || !strcmp(m->u.user.name, "udp")) {
			const struct xt_udp *u = (const void *)m->data;

			d->port = u->dpts[0];
			d->port_end = u->dpts[1];
		}
		off += m->u.match_size;
	}
	t = (const void *)(r->data + t_off);
	if (strcmp(t->u.user.name, "DNAT") || !d->proto || !d->port)
		return 0;
	if (!d->port_end)
		d->port_end = d->port;
	return xt_dnat_target(t->u.user.revision, t->data, t->u.target_size - sizeof *t, family, d);
}

static int push(struct fw_dnat **v, size_t *n, const struct fw_dnat *d)
{
	struct fw_dnat *nv = realloc(*v, (*n + 1) * sizeof *nv);

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = *d;
	return 0;
}

int fw_dnat_list(struct fw_ruleset *rs, struct fw_dnat **ret, size_t *n)
{
	*ret = NULL;
	*n = 0;
	for (size_t i = 0; i < rs->n; i++) {
		const struct fw_table *t = &rs->v[i];
		bool docker29 = !t->legacy && !strcmp(t->name, "docker-bridges");
		int family = t->family == NFPROTO_IPV4 ? AF_INET : t->family == NFPROTO_IPV6 ? AF_INET6 : 0;

		if (!family || (!docker29 && strcmp(t->name, "nat")))
			continue;
		for (size_t j = 0; j < t->n_chains; j++) {
			const struct fw_chain *c = &t->chains[j];
			char label[160];

			if (!docker29 && strcmp(c->name, "DOCKER"))
				continue;
			fw_chain_label(t, c, label, sizeof label);
			for (size_t k = 0; k < c->n; k++) {
				struct fw_dnat d = { .family = family, .any = true };
				int r = t->legacy ? xt_dnat(&c->rules[k], family, &d) : nft_dnat(&c->rules[k], family, &d);

				if (r <= 0)
					continue;
				snprintf(d.where, sizeof d.where, "%s rule %zu", label, k + 1);
				if (push(ret, n, &d) < 0)
					return -ENOMEM;
			}
		}
	}
	return 0;
}
