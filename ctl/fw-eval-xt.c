/*
 * x_tables rules against a packet: the address part of a legacy entry,
 * its matches and its target, and the same matches and targets where
 * iptables-nft put them inside an nf_tables rule.  The matches read are
 * the ones Docker, UFW, ufw-docker and guardnet write; any other is
 * unsure (fw_unsure), never taken to match.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_connmark.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_iprange.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_pkttype.h>
#include <linux/netfilter/xt_recent.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include "fw.h"

static bool masked_eq(const uint8_t *a, const uint8_t *want, const uint8_t *mask, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((a[i] & mask[i]) != (want[i] & mask[i]))
			return false;
	return true;
}

/* A source compared under a mask: the caller may try one inside it. */
static void note_mask(struct fw_ctx *x, const uint8_t *addr, const uint8_t *mask, size_t len)
{
	struct gn_prefix p = { .addr.family = len == 4 ? AF_INET : AF_INET6 };

	for (size_t i = 0; i < len; i++) {
		p.addr.a[i] = addr[i] & mask[i];
		for (int b = 7; b >= 0 && (mask[i] >> b) & 1; b--)
			p.len++;
	}
	if (p.len)
		fw_seen_prefix(x->res, &p);
}

static bool iface_eq(const char *dev, const char *name, const unsigned char *mask)
{
	char d[IFNAMSIZ] = "";

	if (dev)
		strncpy(d, dev, IFNAMSIZ - 1);
	for (size_t i = 0; i < IFNAMSIZ; i++)
		if ((d[i] ^ name[i]) & mask[i])
			return false;
	return true;
}

static bool in_range(uint16_t v, uint16_t lo, uint16_t hi)
{
	return v >= lo && v <= hi;
}

/* x_tables' conntrack state bits for the packet (XT_CONNTRACK_STATE_BIT). */
static unsigned xt_state(const struct fw_pkt *p)
{
	unsigned s = p->ctstate & 0x0f;         /* invalid, established, related, new: the same bits */

	if (p->ctstate & NF_CT_STATE_UNTRACKED_BIT)
		s = XT_CONNTRACK_STATE_UNTRACKED;
	if (p->ctstatus & IPS_DST_NAT)
		s |= XT_CONNTRACK_STATE_DNAT;
	return s;
}

static bool no_conn(const struct fw_pkt *p)
{
	return p->ctstate & (NF_CT_STATE_INVALID_BIT | NF_CT_STATE_UNTRACKED_BIT);
}

static int conntrack(struct fw_ctx *x, unsigned rev, const void *info, size_t len)
{
	const struct fw_pkt *p = &x->p;
	const struct gn_addr *odst = p->odst.family ? &p->odst : &p->dst;
	size_t alen = p->family == AF_INET ? 4 : 16;
	struct xt_conntrack_mtinfo3 c = { 0 };
	unsigned state, status;
	bool ok = true;

	if (rev < 1 || rev > 3 || len < (rev == 1 ? sizeof(struct xt_conntrack_mtinfo1) :
				       rev == 2 ? sizeof(struct xt_conntrack_mtinfo2) : sizeof c)) {
		fw_unsure(x, "a conntrack match it cannot read");
		return -1;
	}
	if (rev == 1) {
		const struct xt_conntrack_mtinfo1 *c1 = info;

		memcpy(&c, c1, offsetof(struct xt_conntrack_mtinfo1, state_mask));
		c.state_mask = c1->state_mask;
		c.status_mask = c1->status_mask;
	} else {
		memcpy(&c, info, rev == 2 ? sizeof(struct xt_conntrack_mtinfo2) : sizeof c);
	}
	state = xt_state(p);
	status = p->ctstatus;
#define TEST(flag, cond) \
	if (ok && (c.match_flags & (flag))) \
		ok = (bool)(cond) != !!(c.invert_flags & (flag))
	TEST(XT_CONNTRACK_STATE, c.state_mask & state);
	if (no_conn(p) && (c.match_flags & ~(XT_CONNTRACK_STATE | XT_CONNTRACK_STATE_ALIAS)))
		return 0;
	TEST(XT_CONNTRACK_DIRECTION, false);
	TEST(XT_CONNTRACK_PROTO, c.l4proto == p->proto);
	if (c.match_flags & XT_CONNTRACK_ORIGSRC)
		note_mask(x, (const uint8_t *)&c.origsrc_addr, (const uint8_t *)&c.origsrc_mask, alen);
	TEST(XT_CONNTRACK_ORIGSRC, masked_eq(p->src.a, (const uint8_t *)&c.origsrc_addr, (const uint8_t *)&c.origsrc_mask, alen));
	TEST(XT_CONNTRACK_ORIGDST, masked_eq(odst->a, (const uint8_t *)&c.origdst_addr, (const uint8_t *)&c.origdst_mask, alen));
	TEST(XT_CONNTRACK_REPLSRC, masked_eq(p->dst.a, (const uint8_t *)&c.replsrc_addr, (const uint8_t *)&c.replsrc_mask, alen));
	TEST(XT_CONNTRACK_REPLDST, masked_eq(p->src.a, (const uint8_t *)&c.repldst_addr, (const uint8_t *)&c.repldst_mask, alen));
	TEST(XT_CONNTRACK_STATUS, c.status_mask & status);
	if (rev < 3) {
		TEST(XT_CONNTRACK_ORIGSRC_PORT, c.origsrc_port == htons(p->sport));
		TEST(XT_CONNTRACK_ORIGDST_PORT, c.origdst_port == htons(p->odport ? p->odport : p->dport));
		TEST(XT_CONNTRACK_REPLSRC_PORT, c.replsrc_port == htons(p->dport));
		TEST(XT_CONNTRACK_REPLDST_PORT, c.repldst_port == htons(p->sport));
	} else {
		TEST(XT_CONNTRACK_ORIGSRC_PORT, in_range(p->sport, c.origsrc_port, c.origsrc_port_high));
		TEST(XT_CONNTRACK_ORIGDST_PORT,
		     in_range(p->odport ? p->odport : p->dport, c.origdst_port, c.origdst_port_high));
		TEST(XT_CONNTRACK_REPLSRC_PORT, in_range(p->dport, c.replsrc_port, c.replsrc_port_high));
		TEST(XT_CONNTRACK_REPLDST_PORT, in_range(p->sport, c.repldst_port, c.repldst_port_high));
	}
#undef TEST
	if (ok && (c.match_flags & XT_CONNTRACK_EXPIRES)) {
		fw_unsure(x, "a conntrack --ctexpire match");
		return -1;
	}
	return ok;
}

static int ports(struct fw_ctx *x, const char *name, const void *info, size_t len)
{
	const struct fw_pkt *p = &x->p;
	bool tcp = !strcmp(name, "tcp");

	if (p->proto != (tcp ? 6 : 17))
		return 0;
	if (tcp && len >= sizeof(struct xt_tcp)) {
		const struct xt_tcp *t = info;

		if ((t->option != 0) != !!(t->invflags & XT_TCP_INV_OPTION)) {
			fw_unsure(x, "a TCP option match");
			return -1;
		}
		return in_range(p->sport, t->spts[0], t->spts[1]) != !!(t->invflags & XT_TCP_INV_SRCPT) &&
		       in_range(p->dport, t->dpts[0], t->dpts[1]) != !!(t->invflags & XT_TCP_INV_DSTPT) &&
		       ((0x02 & t->flg_mask) == t->flg_cmp) != !!(t->invflags & XT_TCP_INV_FLAGS);
	}
	if (!tcp && len >= sizeof(struct xt_udp)) {
		const struct xt_udp *u = info;

		return in_range(p->sport, u->spts[0], u->spts[1]) != !!(u->invflags & XT_UDP_INV_SRCPT) &&
		       in_range(p->dport, u->dpts[0], u->dpts[1]) != !!(u->invflags & XT_UDP_INV_DSTPT);
	}
	fw_unsure(x, "a port match it cannot read");
	return -1;
}

static int multiport(struct fw_ctx *x, unsigned rev, const struct xt_multiport_v1 *m, size_t len)
{
	const struct fw_pkt *p = &x->p;
	bool hit = false;

	if (rev != 1 || len < sizeof *m) {
		fw_unsure(x, "a multiport match it cannot read");
		return -1;
	}
	if (p->proto != 6 && p->proto != 17)
		return 0;
	for (unsigned i = 0; i < m->count && i < XT_MULTI_PORTS && !hit; i++) {
		uint16_t lo = m->ports[i], hi = m->pflags[i] && i + 1 < XT_MULTI_PORTS ? m->ports[++i] : lo;

		hit = (m->flags != XT_MULTIPORT_DESTINATION && in_range(p->sport, lo, hi)) ||
		      (m->flags != XT_MULTIPORT_SOURCE && in_range(p->dport, lo, hi));
	}
	return hit != !!m->invert;
}

static int addrtype(struct fw_ctx *x, unsigned rev, const void *info, size_t len)
{
	uint16_t src_type = 1u << 1 /* unicast */, dst_type = (uint16_t)(1u << x->p.dst_type);

	if (rev == 1 && len >= sizeof(struct xt_addrtype_info_v1)) {
		const struct xt_addrtype_info_v1 *a = info;

		return (!a->source || !!(a->source & src_type) != !!(a->flags & XT_ADDRTYPE_INVERT_SOURCE)) &&
		       (!a->dest || !!(a->dest & dst_type) != !!(a->flags & XT_ADDRTYPE_INVERT_DEST));
	}
	if (rev == 0 && len >= sizeof(struct xt_addrtype_info)) {
		const struct xt_addrtype_info *a = info;

		return (!a->source || !!(a->source & src_type) != !!a->invert_source) &&
		       (!a->dest || !!(a->dest & dst_type) != !!a->invert_dest);
	}
	fw_unsure(x, "an addrtype match it cannot read");
	return -1;
}

static int iprange(struct fw_ctx *x, const struct xt_iprange_mtinfo *r, size_t len)
{
	size_t alen = x->p.family == AF_INET ? 4 : 16;
	bool ok = true;

	if (len < sizeof *r) {
		fw_unsure(x, "an iprange match it cannot read");
		return -1;
	}
	if (r->flags & IPRANGE_SRC) {
		bool in = memcmp(x->p.src.a, &r->src_min, alen) >= 0 && memcmp(x->p.src.a, &r->src_max, alen) <= 0;
		struct gn_prefix lo = { .addr.family = (uint8_t)x->p.family, .len = (uint8_t)(alen * 8) };

		memcpy(lo.addr.a, &r->src_min, alen);
		fw_seen_prefix(x->res, &lo);
		ok = in != !!(r->flags & IPRANGE_SRC_INV);
	}
	if (ok && (r->flags & IPRANGE_DST)) {
		bool in = memcmp(x->p.dst.a, &r->dst_min, alen) >= 0 && memcmp(x->p.dst.a, &r->dst_max, alen) <= 0;

		ok = in != !!(r->flags & IPRANGE_DST_INV);
	}
	return ok;
}

int fw_xt_match(struct fw_ctx *x, const char *name, unsigned rev, const void *info, size_t len)
{
	static const char *const always[] = { "comment", "limit", "hashlimit", "quota", "nfacct", "connlimit" };
	static const char *const never[] = { "icmp", "icmp6", "rt", "frag", "hbh", "dst", "ipv6header", "ah", "esp" };
	const struct fw_pkt *p = &x->p;

	for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
		if (!strcmp(name, always[i]))
			return 1;
	/* The packet in question is a TCP or UDP one without extension headers. */
	for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
		if (!strcmp(name, never[i]))
			return 0;
	if (!strcmp(name, "tcp") || !strcmp(name, "udp"))
		return ports(x, name, info, len);
	if (!strcmp(name, "multiport"))
		return multiport(x, rev, info, len);
	if (!strcmp(name, "conntrack"))
		return conntrack(x, rev, info, len);
	if (!strcmp(name, "state") && len >= sizeof(struct xt_state_info))
		return (((const struct xt_state_info *)info)->statemask & xt_state(p)) != 0;
	if (!strcmp(name, "addrtype"))
		return addrtype(x, rev, info, len);
	if (!strcmp(name, "iprange"))
		return iprange(x, info, len);
	if (!strcmp(name, "mark") && rev == 1 && len >= sizeof(struct xt_mark_mtinfo1)) {
		const struct xt_mark_mtinfo1 *m = info;

		return ((p->mark & m->mask) == m->mark) != !!m->invert;
	}
	if (!strcmp(name, "connmark") && rev == 1 && len >= sizeof(struct xt_connmark_mtinfo1)) {
		const struct xt_connmark_mtinfo1 *m = info;

		return ((p->ctmark & m->mask) == m->mark) != !!m->invert;
	}
	if (!strcmp(name, "pkttype") && len >= sizeof(struct xt_pkttype_info)) {
		const struct xt_pkttype_info *t = info;

		return (t->pkttype == 0 /* PACKET_HOST */) != !!t->invert;
	}
	if (!strcmp(name, "recent") && len >= sizeof(struct xt_recent_mtinfo)) {
		const struct xt_recent_mtinfo *r = info;

		/* UFW's limit rules: --set always matches; --update and
		 * --rcheck find the source under its threshold. */
		return !!(r->check_set & XT_RECENT_SET) != !!r->invert;
	}
	{
		char why[48];

		snprintf(why, sizeof why, "the match \"%s\"", name);
		fw_unsure(x, why);
	}
	return -1;
}

enum fw_step fw_xt_target(struct fw_ctx *x, const char *name, unsigned rev, const void *info, size_t len)
{
	static const char *const next[] = { "LOG", "NFLOG", "ULOG", "AUDIT", "TRACE", "CT", "NOTRACK", "TCPMSS",
					    "DSCP", "TOS", "CLASSIFY", "CHECKSUM", "SECMARK", "CONNSECMARK",
					    "IDLETIMER", "LED", "RATEEST", "HL", "TTL", "ECN", "TCPOPTSTRIP" };

	for (size_t i = 0; i < sizeof next / sizeof next[0]; i++)
		if (!strcmp(name, next[i]))
			return FW_NEXT;
	if (!strcmp(name, "REJECT"))
		return FW_S_REJECT;
	if (!strcmp(name, "ACCEPT"))
		return FW_S_ACCEPT;
	if (!strcmp(name, "DROP"))
		return FW_S_DROP;
	if (!strcmp(name, "RETURN"))
		return FW_S_RETURN;
	if (!strcmp(name, "MARK") && rev == 2 && len >= sizeof(struct xt_mark_tginfo2)) {
		const struct xt_mark_tginfo2 *m = info;

		x->p.mark = (x->p.mark & ~m->mask) ^ m->mark;
		return FW_NEXT;
	}
	if (!strcmp(name, "CONNMARK") && (rev == 1 || rev == 2) && len >= sizeof(struct xt_connmark_tginfo1)) {
		const struct xt_connmark_tginfo1 *m = info;
		uint8_t mode = rev == 1 ? m->mode : ((const struct xt_connmark_tginfo2 *)info)->mode;

		if (mode == XT_CONNMARK_SET)
			x->p.ctmark = (x->p.ctmark & ~m->ctmask) ^ m->ctmark;
		else if (mode == XT_CONNMARK_SAVE)
			x->p.ctmark = (x->p.ctmark & ~m->ctmask) ^ (x->p.mark & m->nfmask);
		else if (mode == XT_CONNMARK_RESTORE)
			x->p.mark = (x->p.mark & ~m->nfmask) ^ (x->p.ctmark & m->ctmask);
		return FW_NEXT;
	}
	{
		char why[48];

		snprintf(why, sizeof why, "the target \"%s\"", name);
		fw_unsure(x, why);
	}
	return FW_S_DROP;
}

/* The address part of a legacy entry; goto_ is set for -g. */
static bool ip_part(struct fw_ctx *x, const void *e, bool *goto_)
{
	const struct fw_pkt *p = &x->p;

	if (p->family == AF_INET) {
		const struct ipt_ip *ip = &((const struct ipt_entry *)e)->ip;

		*goto_ = ip->flags & IPT_F_GOTO;
		if (ip->smsk.s_addr)
			note_mask(x, (const uint8_t *)&ip->src, (const uint8_t *)&ip->smsk, 4);
		return masked_eq(p->src.a, (const uint8_t *)&ip->src, (const uint8_t *)&ip->smsk, 4) !=
			       !!(ip->invflags & IPT_INV_SRCIP) &&
		       masked_eq(p->dst.a, (const uint8_t *)&ip->dst, (const uint8_t *)&ip->dmsk, 4) !=
			       !!(ip->invflags & IPT_INV_DSTIP) &&
		       iface_eq(p->iif, ip->iniface, ip->iniface_mask) != !!(ip->invflags & IPT_INV_VIA_IN) &&
		       iface_eq(p->oif, ip->outiface, ip->outiface_mask) != !!(ip->invflags & IPT_INV_VIA_OUT) &&
		       (!ip->proto || (ip->proto == p->proto) != !!(ip->invflags & XT_INV_PROTO)) &&
		       !(ip->flags & IPT_F_FRAG) == !(ip->invflags & IPT_INV_FRAG);
	} else {
		const struct ip6t_ip6 *ip = &((const struct ip6t_entry *)e)->ipv6;
		static const uint8_t zero[16];

		*goto_ = ip->flags & IP6T_F_GOTO;
		if (memcmp(&ip->smsk, zero, 16))
			note_mask(x, (const uint8_t *)&ip->src, (const uint8_t *)&ip->smsk, 16);
		return masked_eq(p->src.a, (const uint8_t *)&ip->src, (const uint8_t *)&ip->smsk, 16) !=
			       !!(ip->invflags & IP6T_INV_SRCIP) &&
		       masked_eq(p->dst.a, (const uint8_t *)&ip->dst, (const uint8_t *)&ip->dmsk, 16) !=
			       !!(ip->invflags & IP6T_INV_DSTIP) &&
		       iface_eq(p->iif, ip->iniface, ip->iniface_mask) != !!(ip->invflags & IP6T_INV_VIA_IN) &&
		       iface_eq(p->oif, ip->outiface, ip->outiface_mask) != !!(ip->invflags & IP6T_INV_VIA_OUT) &&
		       (!(ip->flags & IP6T_F_PROTO) || (ip->proto == p->proto) != !!(ip->invflags & XT_INV_PROTO));
	}
}

enum fw_step fw_xt_rule(struct fw_ctx *x, const struct fw_rule *r)
{
	size_t head = x->p.family == AF_INET ? sizeof(struct ipt_entry) : sizeof(struct ip6t_entry);
	uint16_t t_off = x->p.family == AF_INET ? ((const struct ipt_entry *)r->data)->target_offset
						: ((const struct ip6t_entry *)r->data)->target_offset;
	const struct xt_entry_target *t = (const void *)(r->data + t_off);
	bool goto_ = false;
	int v;

	if (!ip_part(x, r->data, &goto_))
		return FW_NEXT;
	for (size_t off = head; off + sizeof(struct xt_entry_match) <= t_off;) {
		const struct xt_entry_match *m = (const void *)(r->data + off);

		if (m->u.match_size < sizeof *m || off + m->u.match_size > t_off)
			break;
		if (fw_xt_match(x, m->u.user.name, m->u.user.revision, m->data, m->u.match_size - sizeof *m) == 0)
			return FW_NEXT;
		off += m->u.match_size;
	}
	if (strcmp(t->u.user.name, XT_STANDARD_TARGET))
		return fw_xt_target(x, t->u.user.name, t->u.user.revision, t->data, t->u.target_size - sizeof *t);
	memcpy(&v, t->data, sizeof v);
	if (v == -NF_ACCEPT - 1)
		return FW_S_ACCEPT;
	if (v == -NF_DROP - 1)
		return FW_S_DROP;
	if (v == XT_RETURN)
		return FW_S_RETURN;
	if (v >= 0 && r->jump >= 0) {
		x->target_idx = r->jump;
		return goto_ ? FW_S_GOTO : FW_S_JUMP;
	}
	if (v >= 0)
		return FW_NEXT;         /* to the next entry: a fall-through */
	fw_unsure(x, "a verdict it does not know");
	return FW_S_DROP;
}
