/*
 * guardnet's rtnetlink and sock_diag requests, without root and without a
 * socket: each is built by its nl_msg_* function, walked with libmnl and
 * printed (header, family header, every attribute, nested ones under
 * IFLA_LINKINFO / IFLA_INFO_DATA / VETH_INFO_PEER / IFLA_AF_SPEC /
 * IFLA_INET_CONF / IFLA_PROTINFO indented), and the printout is compared
 * with tests/unit/golden/nl_*.txt (`make golden` rewrites them).
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/inet_diag.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/veth.h>

#include "addr.h"
#include "nl-msg.h"
#include "suites.h"

enum ctx { C_LINK, C_LINKINFO, C_BRIDGE, C_VETH, C_AF, C_INET, C_INET6, C_DEVCONF, C_BRPORT, C_ADDR, C_ROUTE };
enum fmt { F_STR, F_U8, F_U32, F_MAC, F_ADDR, F_NEST, F_PEER, F_HEX };

static const struct attr_name {
	enum ctx ctx;
	uint16_t type;
	const char *name;
	enum fmt fmt;
	enum ctx sub;
} names[] = {
	{ C_LINK, IFLA_IFNAME, "IFLA_IFNAME", F_STR, 0 },
	{ C_LINK, IFLA_MTU, "IFLA_MTU", F_U32, 0 },
	{ C_LINK, IFLA_GROUP, "IFLA_GROUP", F_U32, 0 },
	{ C_LINK, IFLA_EXT_MASK, "IFLA_EXT_MASK", F_U32, 0 },
	{ C_LINK, IFLA_ADDRESS, "IFLA_ADDRESS", F_MAC, 0 },
	{ C_LINK, IFLA_MASTER, "IFLA_MASTER", F_U32, 0 },
	{ C_LINK, IFLA_IFALIAS, "IFLA_IFALIAS", F_STR, 0 },
	{ C_LINK, IFLA_LINKINFO, "IFLA_LINKINFO", F_NEST, C_LINKINFO },
	{ C_LINK, IFLA_AF_SPEC, "IFLA_AF_SPEC", F_NEST, C_AF },
	{ C_LINK, IFLA_PROTINFO, "IFLA_PROTINFO", F_NEST, C_BRPORT },
	{ C_LINKINFO, IFLA_INFO_KIND, "IFLA_INFO_KIND", F_STR, 0 },
	/* IFLA_INFO_DATA: by kind, below */
	{ C_BRIDGE, IFLA_BR_FORWARD_DELAY, "IFLA_BR_FORWARD_DELAY", F_U32, 0 },
	{ C_BRIDGE, IFLA_BR_STP_STATE, "IFLA_BR_STP_STATE", F_U32, 0 },
	{ C_BRIDGE, IFLA_BR_NF_CALL_IPTABLES, "IFLA_BR_NF_CALL_IPTABLES", F_U8, 0 },
	{ C_BRIDGE, IFLA_BR_NF_CALL_IP6TABLES, "IFLA_BR_NF_CALL_IP6TABLES", F_U8, 0 },
	{ C_VETH, VETH_INFO_PEER, "VETH_INFO_PEER", F_PEER, C_LINK },
	{ C_AF, AF_INET, "AF_INET", F_NEST, C_INET },
	{ C_AF, AF_INET6, "AF_INET6", F_NEST, C_INET6 },
	{ C_INET, IFLA_INET_CONF, "IFLA_INET_CONF", F_NEST, C_DEVCONF },
	{ C_INET6, IFLA_INET6_ADDR_GEN_MODE, "IFLA_INET6_ADDR_GEN_MODE", F_U8, 0 },
	{ C_DEVCONF, IPV4_DEVCONF_FORWARDING, "IPV4_DEVCONF_FORWARDING", F_U32, 0 },
	{ C_DEVCONF, IPV4_DEVCONF_RP_FILTER, "IPV4_DEVCONF_RP_FILTER", F_U32, 0 },
	{ C_DEVCONF, IPV4_DEVCONF_ROUTE_LOCALNET, "IPV4_DEVCONF_ROUTE_LOCALNET", F_U32, 0 },
	{ C_BRPORT, IFLA_BRPORT_MODE, "IFLA_BRPORT_MODE", F_U8, 0 },
	{ C_ADDR, IFA_ADDRESS, "IFA_ADDRESS", F_ADDR, 0 },
	{ C_ADDR, IFA_LOCAL, "IFA_LOCAL", F_ADDR, 0 },
	{ C_ADDR, IFA_BROADCAST, "IFA_BROADCAST", F_ADDR, 0 },
	{ C_ADDR, IFA_FLAGS, "IFA_FLAGS", F_U32, 0 },
	{ C_ROUTE, RTA_DST, "RTA_DST", F_ADDR, 0 },
};

struct printer {
	FILE *out;
	enum ctx ctx;
	int depth;
	char kind[16];
};

static void print_attrs(struct printer *p, const void *data, size_t len);

static void print_ifinfo(FILE *out, const struct ifinfomsg *ifm)
{
	fprintf(out, "ifinfomsg family %u type %u index %d flags 0x%x change 0x%x\n", ifm->ifi_family, ifm->ifi_type,
		ifm->ifi_index, ifm->ifi_flags, ifm->ifi_change);
}

static int print_attr(const struct nlattr *a, void *data)
{
	struct printer *p = data;
	uint16_t type = mnl_attr_get_type(a);
	const void *v = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);
	const struct attr_name *n = NULL;
	char buf[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].ctx == p->ctx && names[i].type == type)
			n = &names[i];
	/* IFLA_INFO_DATA holds what its link kind defines. */
	if (!n && p->ctx == C_LINKINFO && type == IFLA_INFO_DATA) {
		static const struct attr_name bridge = { C_LINKINFO, IFLA_INFO_DATA, "IFLA_INFO_DATA", F_NEST, C_BRIDGE };
		static const struct attr_name veth = { C_LINKINFO, IFLA_INFO_DATA, "IFLA_INFO_DATA", F_NEST, C_VETH };

		n = !strcmp(p->kind, "veth") ? &veth : &bridge;
	}
	fprintf(p->out, "%*s%s%s", p->depth * 2, "", n ? n->name : "attribute", a->nla_type & NLA_F_NESTED ? " (nested)" : "");
	if (!n) {
		fprintf(p->out, " %u (unknown here), %zu bytes\n", type, len);
		return MNL_CB_OK;
	}
	switch (n->fmt) {
	case F_STR:
		fprintf(p->out, " \"%.*s\"%s\n", (int)strnlen(v, len), (const char *)v,
			len && ((const char *)v)[len - 1] == '\0' ? "" : " (no NUL)");
		if (p->ctx == C_LINKINFO && type == IFLA_INFO_KIND)
			snprintf(p->kind, sizeof p->kind, "%.*s", (int)strnlen(v, len), (const char *)v);
		return MNL_CB_OK;
	case F_U8:
		fprintf(p->out, len == 1 ? " u8 %u\n" : " %u bytes\n", len == 1 ? *(const uint8_t *)v : (unsigned)len);
		return MNL_CB_OK;
	case F_U32:
		if (len == 4)
			fprintf(p->out, " u32 %u\n", *(const uint32_t *)v);
		else
			fprintf(p->out, " %zu bytes (not a u32)\n", len);
		return MNL_CB_OK;
	case F_MAC:
		if (len == 6) {
			const uint8_t *m = v;

			fprintf(p->out, " %02x:%02x:%02x:%02x:%02x:%02x\n", m[0], m[1], m[2], m[3], m[4], m[5]);
		} else {
			fprintf(p->out, " %zu bytes (not a MAC)\n", len);
		}
		return MNL_CB_OK;
	case F_ADDR:
		fprintf(p->out, " %s\n",
			len == 4 || len == 16 ? inet_ntop(len == 4 ? AF_INET : AF_INET6, v, buf, sizeof buf) : "(bad length)");
		return MNL_CB_OK;
	case F_HEX:
		break;
	case F_NEST:
	case F_PEER: {
		struct printer sub = { .out = p->out, .ctx = n->sub, .depth = p->depth + 1 };

		fputc('\n', p->out);
		if (n->fmt == F_PEER) {
			/* A veth peer: its own ifinfomsg, then its attributes. */
			fprintf(p->out, "%*s", sub.depth * 2, "");
			print_ifinfo(p->out, v);
			print_attrs(&sub, (const char *)v + NLMSG_ALIGN(sizeof(struct ifinfomsg)),
				    len - NLMSG_ALIGN(sizeof(struct ifinfomsg)));
		} else {
			print_attrs(&sub, v, len);
		}
		return MNL_CB_OK;
	}
	}
	return MNL_CB_OK;
}

static void print_attrs(struct printer *p, const void *data, size_t len)
{
	const char *end = (const char *)data + len;
	const struct nlattr *a = data;

	for (; (const char *)a < end; a = mnl_attr_next(a)) {
		if (!mnl_attr_ok(a, (int)(end - (const char *)a))) {
			fprintf(p->out, "%*sa broken attribute\n", p->depth * 2, "");
			return;
		}
		print_attr(a, p);
	}
}

static const char *msg_name(uint16_t type)
{
	switch (type) {
	case RTM_NEWLINK: return "RTM_NEWLINK";
	case RTM_DELLINK: return "RTM_DELLINK";
	case RTM_GETLINK: return "RTM_GETLINK";
	case RTM_SETLINK: return "RTM_SETLINK";
	case RTM_NEWADDR: return "RTM_NEWADDR";
	case RTM_GETROUTE: return "RTM_GETROUTE";
	default: return "?";
	}
}

/* The bits above NLM_F_ACK mean create/excl/replace in a request that
 * makes something, root/match (dump) in one that asks. */
static void print_flags(FILE *out, uint16_t flags, bool get)
{
	static const struct {
		uint16_t bit;
		const char *name;
		int get; /* -1: either */
	} f[] = { { NLM_F_REQUEST, "request", -1 }, { NLM_F_ACK, "ack", -1 },      { NLM_F_CREATE, "create", 0 },
		  { NLM_F_EXCL, "excl", 0 },         { NLM_F_REPLACE, "replace", 0 }, { NLM_F_APPEND, "append", 0 },
		  { NLM_F_DUMP, "dump", 1 } };

	fprintf(out, " 0x%x", flags);
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if ((flags & f[i].bit) == f[i].bit && (f[i].get < 0 || f[i].get == get))
			fprintf(out, " %s", f[i].name);
}

/* One rtnetlink request, whole; sock says it is a sock_diag one. */
static void print_msg(FILE *out, const char *what, const struct nlmsghdr *nlh, bool sock)
{
	struct printer p = { .out = out, .depth = 1 };
	const void *fam = mnl_nlmsg_get_payload(nlh);
	size_t famlen = 0;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	fprintf(out, "== %s\n%s len %u seq %u flags", what, sock ? "SOCK_DIAG_BY_FAMILY" : msg_name(nlh->nlmsg_type),
		nlh->nlmsg_len, nlh->nlmsg_seq);
	print_flags(out, nlh->nlmsg_flags, sock || nlh->nlmsg_type == RTM_GETLINK || nlh->nlmsg_type == RTM_GETROUTE);
	fputc('\n', out);
	if (sock) {
		const struct inet_diag_req_v2 *r = fam;

		fprintf(out, "  inet_diag_req_v2 family %u protocol %u ext %u states 0x%x sport %u dport %u src %s dst %s if %u\n",
			r->sdiag_family, r->sdiag_protocol, r->idiag_ext, r->idiag_states, ntohs(r->id.idiag_sport),
			ntohs(r->id.idiag_dport), inet_ntop(r->sdiag_family, r->id.idiag_src, a, sizeof a),
			inet_ntop(r->sdiag_family, r->id.idiag_dst, b, sizeof b), r->id.idiag_if);
		famlen = sizeof *r;
	} else if (nlh->nlmsg_type == RTM_NEWADDR) {
		const struct ifaddrmsg *ifa = fam;

		fprintf(out, "  ifaddrmsg family %u prefixlen %u flags 0x%x scope %u index %u\n", ifa->ifa_family,
			ifa->ifa_prefixlen, ifa->ifa_flags, ifa->ifa_scope, ifa->ifa_index);
		famlen = sizeof *ifa;
		p.ctx = C_ADDR;
	} else if (nlh->nlmsg_type == RTM_GETROUTE) {
		const struct rtmsg *rtm = fam;

		fprintf(out, "  rtmsg family %u dst_len %u src_len %u tos %u table %u protocol %u scope %u type %u flags 0x%x\n",
			rtm->rtm_family, rtm->rtm_dst_len, rtm->rtm_src_len, rtm->rtm_tos, rtm->rtm_table,
			rtm->rtm_protocol, rtm->rtm_scope, rtm->rtm_type, rtm->rtm_flags);
		famlen = sizeof *rtm;
		p.ctx = C_ROUTE;
	} else {
		fputs("  ", out);
		print_ifinfo(out, fam);
		famlen = sizeof(struct ifinfomsg);
		p.ctx = C_LINK;
	}
	print_attrs(&p, (const char *)fam + NLMSG_ALIGN(famlen),
		    nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(famlen));
}

static char buf[NL_BUF_SIZE];

static FILE *text_open(char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	return open_memstream(text, len);
}

static void text_check(FILE *out, char **text, const char *name)
{
	fclose(out);
	ck_assert_msg(golden_match(name, *text), "%s: the messages differ from their golden file", name);
	free(*text);
}

static const uint8_t mac1[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 }, mac2[6] = { 0x02, 0x42, 10, 1, 0, 2 };

START_TEST(links)
{
	char *text;
	size_t len;
	FILE *out = text_open(&text, &len);

	print_msg(out, "bridge, MTU 1450, device group 0x4e47",
		  nl_msg_bridge_new(buf, &(struct nl_bridge){ .name = "gn-test", .mtu = 1450, .mac = mac1,
							     .group = 0x4e47 }), false);
	print_msg(out, "bridge, the kernel's MTU", nl_msg_bridge_new(buf, &(struct nl_bridge){ .name = "gn-test", .mac = mac1 }),
		  false);
	print_msg(out, "veth pair, MTU 9000, both MACs",
		  nl_msg_veth_new(buf, &(struct nl_veth){ .host = "gnh0123456789ab", .peer = "gnc0123456789ab",
							 .master = "gn-test", .mtu = 9000, .host_mac = mac1,
							 .peer_mac = mac2 }),
		  false);
	print_msg(out, "veth pair, the kernel's MTU and peer MAC",
		  nl_msg_veth_new(buf, &(struct nl_veth){ .host = "gnh0123456789ab", .peer = "gnc0123456789ab",
							 .master = "gn-test", .host_mac = mac1 }),
		  false);
	print_msg(out, "up, on the bridge, with the alias",
		  nl_msg_link_set(buf, 7, &(struct nl_change){ .up = true, .master = 3, .alias = "guardnet:ep" }), false);
	print_msg(out, "alias only", nl_msg_link_set(buf, 7, &(struct nl_change){ .alias = "guardnet:net" }), false);
	print_msg(out, "up, alias and device group (a bridge adopted)",
		  nl_msg_link_set(buf, 3, &(struct nl_change){ .up = true, .alias = "guardnet:net", .group = 0x4e47 }),
		  false);
	print_msg(out, "every link", nl_msg_link_get(buf, NULL), false);
	print_msg(out, "one link", nl_msg_link_get(buf, "gn-test"), false);
	print_msg(out, "delete", nl_msg_link_del(buf, "gnh0123456789ab"), false);
	print_msg(out, "hairpin", nl_msg_hairpin(buf, 7), false);
	print_msg(out, "bridge port: alias, no IPv6 address", nl_msg_port_conf(buf, "gnh0123456789ab", "guardnet:ep"), false);
	text_check(out, &text, "nl_link");
}
END_TEST

static struct gn_prefix P(const char *s)
{
	struct gn_prefix p;
	struct gn_err e;

	ck_assert_msg(prefix_parse(s, true, false, &p, "test", &e) == 0, "%s", e.msg);
	return p;
}

START_TEST(addresses)
{
	struct gn_prefix v4 = P("10.1.2.1/24"), v6 = P("fd00:1::1/64"), d4 = P("192.0.2.7/32"), d6 = P("2001:db8::7/128");
	char *text;
	size_t len;
	FILE *out = text_open(&text, &len);

	print_msg(out, "IPv4 gateway", nl_msg_addr_new(buf, 3, &v4), false);
	print_msg(out, "IPv6 gateway", nl_msg_addr_new(buf, 3, &v6), false);
	print_msg(out, "route to an IPv4 address", nl_msg_route_get(buf, &d4.addr), false);
	print_msg(out, "route to an IPv6 address", nl_msg_route_get(buf, &d6.addr), false);
	print_msg(out, "every address", nl_msg_addr_dump(buf), false);
	text_check(out, &text, "nl_addr");
}
END_TEST

START_TEST(settings)
{
	char *text;
	size_t len;
	FILE *out = text_open(&text, &len);

	print_msg(out, "a bridge that routes, and the host's connections to 127.0.0.1 through it",
		  nl_msg_ipv4_conf(buf, 3, &(struct nl_ipv4_conf){ .forwarding = 1, .route_localnet = 1, .rp_filter = -1 }),
		  false);
	print_msg(out, "forwarding off, strict reverse path",
		  nl_msg_ipv4_conf(buf, 3, &(struct nl_ipv4_conf){ .forwarding = 0, .route_localnet = -1, .rp_filter = 1 }),
		  false);
	text_check(out, &text, "nl_conf");
}
END_TEST

START_TEST(diag)
{
	char *text;
	size_t len;
	FILE *out = text_open(&text, &len);

	print_msg(out, "TCP listeners on IPv4 port 8080", nl_msg_diag(buf, AF_INET, GN_PROTO_TCP, 8080), true);
	print_msg(out, "UDP sockets on IPv6 port 53", nl_msg_diag(buf, AF_INET6, GN_PROTO_UDP, 53), true);
	text_check(out, &text, "nl_diag");
}
END_TEST

/* A link as the kernel dumps it (rtnl_fill_ifinfo's order): a veth that is
 * a port of bridge 3 in hairpin mode, up, with route_localnet on and IPv6
 * address generation off; or, plain, a link with none of that. */
static struct nlmsghdr *dumped(bool port)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWLINK, NLM_F_MULTI);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
	uint32_t conf[IPV4_DEVCONF_MAX] = { 0 };
	struct nlattr *info, *data, *af, *in;

	ifm->ifi_index = 7;
	ifm->ifi_flags = port ? IFF_UP : 0;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "gnh0123456789ab");
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac1);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	if (port) {
		mnl_attr_put_strz(nlh, IFLA_INFO_SLAVE_KIND, "bridge");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_SLAVE_DATA);
		mnl_attr_put_u8(nlh, IFLA_BRPORT_STATE, 3);
		mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, 1);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, info);
	if (port) {
		mnl_attr_put_u32(nlh, IFLA_MASTER, 3);
		mnl_attr_put_u32(nlh, IFLA_GROUP, 0x4e47);
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, "guardnet:ep");
		conf[IPV4_DEVCONF_ROUTE_LOCALNET - 1] = 1;
		conf[IPV4_DEVCONF_FORWARDING - 1] = 1;
		af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
		in = mnl_attr_nest_start(nlh, AF_INET);
		mnl_attr_put(nlh, IFLA_INET_CONF, sizeof conf, conf);
		mnl_attr_nest_end(nlh, in);
		in = mnl_attr_nest_start(nlh, AF_INET6);
		mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
		mnl_attr_nest_end(nlh, in);
		mnl_attr_nest_end(nlh, af);
	}
	return nlh;
}

START_TEST(dump)
{
	struct nl_link l;

	nl_link_parse(dumped(true), &l);
	ck_assert_str_eq(l.name, "gnh0123456789ab");
	ck_assert_str_eq(l.kind, "veth");
	ck_assert_str_eq(l.alias, "guardnet:ep");
	ck_assert_mem_eq(l.mac, mac1, 6);
	ck_assert_int_eq(l.ifindex, 7);
	ck_assert_int_eq(l.master, 3);
	ck_assert_uint_eq(l.group, 0x4e47);
	ck_assert_uint_eq(l.flags & IFF_UP, IFF_UP);
	ck_assert_int_eq(l.hairpin, 1);
	ck_assert_int_eq(l.addr_gen_mode, IN6_ADDR_GEN_MODE_NONE);
	ck_assert_int_eq(l.ipv4.route_localnet, 1);
	ck_assert_int_eq(l.ipv4.forwarding, 1);
	ck_assert_int_eq(l.ipv4.rp_filter, 0);
	nl_link_parse(dumped(false), &l);
	ck_assert_int_eq(l.master, 0);
	ck_assert_int_eq(l.hairpin, -1);
	ck_assert_int_eq(l.addr_gen_mode, -1);
	ck_assert_int_eq(l.ipv4.route_localnet, -1);
	ck_assert_str_eq(l.alias, "");
}
END_TEST

/* A start-up that finds a link as it should be sends nothing; each
 * difference is one message's worth. */
START_TEST(diffs)
{
	struct nl_veth v = { .host = "gnh0123456789ab", .peer = "gnc0123456789ab", .master = "gn-test",
			     .host_mac = mac1, .alias = "guardnet:ep" };
	struct gn_prefix gw[2] = { P("10.1.2.1/24"), P("fd00:1::1/64") };
	struct nl_bridge b = { .name = "gn-test", .alias = "guardnet:net", .mac = mac1, .group = 0x4e47, .addrs = gw,
			       .n_addrs = 2 };
	struct nl_ipv4_conf conf = { .forwarding = 1, .route_localnet = 1, .rp_filter = -1 };
	struct nl_addr held[2] = { { .ifindex = 3, .p = gw[0] }, { .ifindex = 3, .p = gw[1] } };
	struct nl_link l;
	struct nl_fix f;

	nl_link_parse(dumped(true), &l);
	nl_veth_diff(&v, &l, 3, &f);
	ck_assert(!f.link && !f.alias && !f.master && !f.port_conf && !f.hairpin);
	nl_veth_diff(&v, &l, 4, &f);
	ck_assert(f.link && f.master == 4 && !f.port_conf && !f.hairpin);
	l.hairpin = 0;
	l.addr_gen_mode = IN6_ADDR_GEN_MODE_EUI64;
	l.flags = 0;
	nl_veth_diff(&v, &l, 3, &f);
	ck_assert(f.link && !f.master && f.port_conf && !f.alias && f.hairpin);
	l.alias[0] = '\0';
	nl_veth_diff(&v, &l, 3, &f);
	ck_assert(f.port_conf && f.alias == v.alias);

	nl_link_parse(dumped(true), &l);
	l.ifindex = 3;
	strcpy(l.alias, "guardnet:net");
	l.group = 0;
	nl_bridge_diff(&b, &conf, &l, held, 2, &f);
	ck_assert(f.link && f.group == 0x4e47 && !f.addrs && !f.alias && !f.ipv4_conf);
	l.group = 0x4e47;
	nl_bridge_diff(&b, &conf, &l, held, 2, &f);
	ck_assert(!f.addrs && !f.link && !f.alias && !f.group && !f.ipv4_conf);
	held[1].p.len = 48;
	l.ipv4.route_localnet = 0;
	nl_bridge_diff(&b, &conf, &l, held, 2, &f);
	ck_assert(f.addrs == 2 && !f.link && f.ipv4_conf);
	held[0].ifindex = 4;
	l.flags = 0;
	nl_bridge_diff(&b, NULL, &l, held, 2, &f);
	ck_assert(f.addrs == 3 && f.link && !f.alias && !f.ipv4_conf);
}
END_TEST

Suite *nl_suite(void)
{
	Suite *s = suite_create("nl");
	TCase *tc = tcase_create("golden");

	tcase_add_test(tc, links);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, settings);
	tcase_add_test(tc, diag);
	suite_add_tcase(s, tc);
	tc = tcase_create("state");
	tcase_add_test(tc, dump);
	tcase_add_test(tc, diffs);
	suite_add_tcase(s, tc);
	return s;
}
