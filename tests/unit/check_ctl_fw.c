/*
 * guardnetctl audit's reading of nf_tables rules (ctl/fw-dnat.c,
 * ctl/fw-eval*.c) on rules built here with libnftnl, in the encodings the
 * programs that write them use: iptables-nft 1.8.9 (Docker 20.10 here:
 * -p as meta l4proto, -j DNAT as the x_tables target), iptables 1.8.13
 * (Docker 28: -p read from the IPv4 header) and nft (Docker 29's
 * docker-bridges: a native dnat).  No kernel: the rules are messages.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "../../ctl/fw.h"
#include "addr.h"
#include "fw-nft.h"
#include "suites.h"

static struct fw_ruleset rs;

static struct gn_addr A(const char *s)
{
	struct gn_addr a;

	ck_assert_int_eq(addr_parse(s, &a, "test", NULL), 0);
	return a;
}

static int expressions(const struct nlattr *a, void *data)
{
	struct fw_rule *r = data;

	if (mnl_attr_get_type(a) == NFTA_RULE_EXPRESSIONS) {
		r->len = mnl_attr_get_payload_len(a);
		r->data = memcpy(malloc(r->len), mnl_attr_get_payload(a), r->len);
	}
	return MNL_CB_OK;
}

/* r's expressions, as the kernel hands them back, appended to chain. */
static void add(struct fw_chain *c, struct nftnl_rule *nr)
{
	char buf[8192];
	struct nlmsghdr *h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWRULE, NFPROTO_IPV4, 0, 1);
	struct fw_rule r = { .jump = -1 };

	nftnl_rule_nlmsg_build_payload(h, nr);
	mnl_attr_parse(h, sizeof(struct nfgenmsg), expressions, &r);
	ck_assert_ptr_nonnull(r.data);
	ck_assert_int_eq(fw_rule_add(c, &r), 0);
	nftnl_rule_free(nr);
}

static struct fw_chain *chain(struct fw_table *t, const char *name, int hook, bool drop)
{
	struct fw_chain *c = fw_chain_add(t);

	snprintf(c->name, sizeof c->name, "%s", name);
	snprintf(c->type, sizeof c->type, "filter");
	c->hook = hook;
	c->base = hook >= 0;
	c->policy_drop = drop;
	return c;
}

static struct fw_table *table(const char *name, int family)
{
	struct fw_table *t = fw_table_add(&rs);

	snprintf(t->name, sizeof t->name, "%s", name);
	t->family = family;
	return t;
}

static void cmp_u8(struct nftnl_rule *r, uint8_t v)
{
	x_cmp(r, NFT_CMP_EQ, &v, 1);
}

static void dport(struct nftnl_rule *r, uint16_t port)
{
	uint16_t be = htons(port);

	x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	x_cmp(r, NFT_CMP_EQ, &be, 2);
}

static void xt_dnat(struct nftnl_rule *r, const char *to, uint16_t port)
{
	struct nftnl_expr *e = nftnl_expr_alloc("target");
	struct nf_nat_range2 range = { .flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED };
	struct gn_addr a = A(to);

	memcpy(&range.min_addr, a.a, 4);
	memcpy(&range.max_addr, a.a, 4);
	range.min_proto.all = range.max_proto.all = htons(port);
	nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "DNAT");
	nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, 2);
	nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, memcpy(malloc(sizeof range), &range, sizeof range), sizeof range);
	nftnl_rule_add_expr(r, e);
}

static void setup(void)
{
	memset(&rs, 0, sizeof rs);
}

static void teardown(void)
{
	fw_clear(&rs);
}

START_TEST(docker_dnat_rules)
{
	struct fw_chain *c = chain(table("nat", NFPROTO_IPV4), "DOCKER", -1, false);
	struct fw_chain *d = chain(table("docker-bridges", NFPROTO_IPV4), "nat-prerouting-and-output", -1, false);
	struct nftnl_rule *r;
	struct fw_dnat *v;
	struct gn_addr lo = A("127.0.0.1"), ctr = A("192.0.2.2");
	uint16_t p80 = htons(80);
	char buf[64];
	size_t n;

	/* -i docker0 -j RETURN: not a publication. */
	r = nftnl_rule_alloc();
	x_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, "docker0");
	x_verdict(r, NFT_RETURN);
	add(c, r);
	/* iptables-nft 1.8.9: ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80 */
	r = nftnl_rule_alloc();
	x_ifname(r, NFT_META_IIFNAME, NFT_CMP_NEQ, "docker0");
	x_meta(r, NFT_META_L4PROTO, NFT_REG_1);
	cmp_u8(r, 6);
	dport(r, 8080);
	xt_dnat(r, "172.17.0.2", 80);
	add(c, r);
	/* iptables 1.8.13: -d 127.0.0.1/32 ! -i docker0 -p tcp --dport 8081, -p from the IPv4 header. */
	r = nftnl_rule_alloc();
	x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4);
	x_cmp(r, NFT_CMP_EQ, lo.a, 4);
	x_ifname(r, NFT_META_IIFNAME, NFT_CMP_NEQ, "docker0");
	x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 9, 1);
	cmp_u8(r, 6);
	dport(r, 8081);
	xt_dnat(r, "172.17.0.2", 80);
	add(c, r);
	/* Docker 29: iifname != "bridge1" tcp dport 8082 dnat ip to 192.0.2.2:80 */
	r = nftnl_rule_alloc();
	x_ifname(r, NFT_META_IIFNAME, NFT_CMP_NEQ, "bridge1");
	x_meta(r, NFT_META_L4PROTO, NFT_REG_1);
	cmp_u8(r, 6);
	dport(r, 8082);
	{
		struct nftnl_expr *e = nftnl_expr_alloc("immediate");

		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, ctr.a, 4);
		nftnl_rule_add_expr(r, e);
		e = nftnl_expr_alloc("immediate");
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_2);
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &p80, 2);
		nftnl_rule_add_expr(r, e);
	}
	x_dnat(r, NFPROTO_IPV4, NFT_REG_1, NFT_REG_2);
	add(d, r);

	ck_assert_int_eq(fw_dnat_list(&rs, &v, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert(v[0].proto == 6 && v[0].port == 8080 && v[0].any && !strcmp(v[0].not_iif, "docker0"));
	addr_format(&v[0].ctr, buf, sizeof buf);
	ck_assert_str_eq(buf, "172.17.0.2");
	ck_assert_uint_eq(v[0].ctr_port, 80);
	ck_assert_str_eq(v[0].where, "iptables nat DOCKER rule 2");
	ck_assert(v[1].proto == 6 && v[1].port == 8081 && !v[1].any && v[1].host.len == 32);
	ck_assert(addr_equal(&v[1].host.addr, &lo));
	ck_assert(v[2].port == 8082 && v[2].ctr_port == 80 && addr_equal(&v[2].ctr, &ctr) && !strcmp(v[2].not_iif, "bridge1"));
	free(v);
}
END_TEST

/* A FORWARD chain like Docker's under ufw-docker: DOCKER-USER drops a
 * prefix, returns otherwise; DOCKER accepts the published port. */
static void forward_chains(void)
{
	struct fw_table *t = table("filter", NFPROTO_IPV4);
	struct fw_chain *fwd, *user, *docker;
	struct gn_prefix bad;

	/* All the chains first: adding one moves the others. */
	chain(t, "FORWARD", NF_INET_FORWARD, true);
	chain(t, "DOCKER-USER", -1, false);
	chain(t, "DOCKER", -1, false);
	fwd = &t->chains[0];
	user = &t->chains[1];
	docker = &t->chains[2];
	struct gn_addr ctr = A("172.17.0.2");
	struct nftnl_rule *r;

	prefix_parse("203.0.113.0/24", false, true, &bad, "x", NULL);
	r = nftnl_rule_alloc();
	x_jump(r, NFT_JUMP, "DOCKER-USER");
	add(fwd, r);
	r = nftnl_rule_alloc();
	x_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, "docker0");
	x_jump(r, NFT_JUMP, "DOCKER");
	add(fwd, r);
	r = nftnl_rule_alloc();
	x_saddr(r, &bad);
	x_verdict(r, NF_DROP);
	add(user, r);
	/* A match guardnetctl cannot read, with a drop: passed as if it did
	 * not match, and named. */
	r = nftnl_rule_alloc();
	nftnl_rule_add_expr(r, nftnl_expr_alloc("socket"));
	x_verdict(r, NF_DROP);
	add(user, r);
	r = nftnl_rule_alloc();
	x_verdict(r, NFT_RETURN);
	add(user, r);
	r = nftnl_rule_alloc();
	x_ifname(r, NFT_META_IIFNAME, NFT_CMP_NEQ, "docker0");
	x_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, "docker0");
	x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4);
	x_cmp(r, NFT_CMP_EQ, ctr.a, 4);
	x_meta(r, NFT_META_L4PROTO, NFT_REG_1);
	cmp_u8(r, 6);
	dport(r, 80);
	x_verdict(r, NF_ACCEPT);
	add(docker, r);
}

static struct fw_pkt forwarded(const char *src)
{
	struct fw_pkt p = { .family = AF_INET, .proto = 6, .iif = "eth0", .oif = "docker0", .src = A(src),
			    .dst = A("172.17.0.2"), .sport = 40000, .dport = 80, .odst = A("192.0.2.1"), .odport = 8080,
			    .ctstate = NF_CT_STATE_BIT(IP_CT_NEW), .ctstatus = IPS_DST_NAT, .dst_type = 1 };

	return p;
}

START_TEST(walk_of_the_forward_hook)
{
	struct fw_pkt p = forwarded("198.51.100.1");
	struct fw_result res;
	char w[200], pre[64];

	forward_chains();
	fw_eval_hook(&rs, NF_INET_FORWARD, 1 << 30, &p, &res);
	ck_assert_int_eq(res.v, FW_ACCEPT);
	fw_where_format(&res.by, w, sizeof w);
	ck_assert_str_eq(w, "iptables filter DOCKER rule 1");
	ck_assert_uint_eq(res.n_unsure, 1);
	fw_where_format(&res.unsure[0], w, sizeof w);
	ck_assert_str_eq(w, "iptables filter DOCKER-USER rule 2");
	ck_assert(strstr(res.unsure_why[0], "socket"));
	ck_assert_uint_ge(res.n_seen, 1);
	prefix_format(&res.seen[0], pre, sizeof pre);
	ck_assert_str_eq(pre, "203.0.113.0/24");
	p = forwarded("203.0.113.5");
	fw_eval_hook(&rs, NF_INET_FORWARD, 1 << 30, &p, &res);
	ck_assert_int_eq(res.v, FW_DROP);
	fw_where_format(&res.by, w, sizeof w);
	ck_assert_str_eq(w, "iptables filter DOCKER-USER rule 1");
	/* Another port: FORWARD's policy. */
	p = forwarded("198.51.100.1");
	p.dport = 81;
	fw_eval_hook(&rs, NF_INET_FORWARD, 1 << 30, &p, &res);
	ck_assert_int_eq(res.v, FW_DROP);
	fw_where_format(&res.by, w, sizeof w);
	ck_assert_str_eq(w, "iptables filter FORWARD policy drop");
}
END_TEST

/* A drop in any chain of the hook is final; an accept only ends its own. */
START_TEST(every_chain_of_the_hook)
{
	struct fw_table *t = table("mine", NFPROTO_INET);
	struct fw_chain *c = chain(t, "early", NF_INET_FORWARD, false);
	struct fw_pkt p = forwarded("198.51.100.1");
	struct fw_result res;
	struct nftnl_rule *r;
	char w[200];

	forward_chains();
	c->prio = -10;
	r = nftnl_rule_alloc();
	x_verdict(r, NF_ACCEPT);
	add(c, r);
	fw_eval_hook(&rs, NF_INET_FORWARD, 1 << 30, &p, &res);
	fw_where_format(&res.by, w, sizeof w);
	ck_assert_msg(res.v == FW_ACCEPT, "%d %s", res.v, w);
	fw_where_format(&res.by, w, sizeof w);
	ck_assert_str_eq(w, "iptables filter DOCKER rule 1");
	c->prio = 10;
	free((void *)c->rules[0].data);
	c->n = 0;
	c->policy_drop = true;
	fw_eval_hook(&rs, NF_INET_FORWARD, 1 << 30, &p, &res);
	ck_assert_int_eq(res.v, FW_DROP);
	fw_where_format(&res.by, w, sizeof w);
	ck_assert_str_eq(w, "nft table inet mine chain early policy drop");
}
END_TEST

/* guardnet's UFW lines run in prerouting after the DNAT (table ip
 * guardnet) and mark what they accept; its forward chain (table inet
 * guardnet) admits the mark and drops the rest.  fw_eval_forwarded walks
 * both, the mark carried over; a walk of forward alone drops all. */
START_TEST(prerouting_after_dnat_then_forward)
{
	struct fw_table *ip = table("guardnet", NFPROTO_IPV4), *inet;
	struct fw_chain *pre, *fwd;
	struct fw_pkt p = forwarded("192.0.2.3");
	struct fw_result res;
	struct nftnl_rule *r;
	struct gn_prefix ok;
	uint32_t mark = 0x100;
	char w[200];

	/* All of a table's chains first: adding one moves the others. */
	chain(ip, "prerouting", NF_INET_PRE_ROUTING, false);
	/* A chain before the DNAT is not this walk's. */
	chain(ip, "raw", NF_INET_PRE_ROUTING, true)->prio = NF_IP_PRI_RAW;
	pre = &ip->chains[0];
	pre->prio = NF_IP_PRI_NAT_DST + 1;
	prefix_parse("192.0.2.3/32", false, true, &ok, "x", NULL);
	r = nftnl_rule_alloc();
	x_saddr(r, &ok);
	x_set_mark_bits(r, true, mark);
	x_verdict(r, NF_ACCEPT);
	add(pre, r);
	inet = table("guardnet", NFPROTO_INET);
	fwd = chain(inet, "forward", NF_INET_FORWARD, false);
	r = nftnl_rule_alloc();
	x_ct(r, NFT_CT_MARK, NFT_REG_1);
	x_bitwise(r, &mark, &(uint32_t){ 0 }, sizeof mark);
	x_cmp(r, NFT_CMP_EQ, &mark, sizeof mark);
	x_verdict(r, NF_ACCEPT);
	add(fwd, r);
	r = nftnl_rule_alloc();
	x_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, "docker0");
	x_verdict(r, NF_DROP);
	add(fwd, r);

	fw_eval_forwarded(&rs, &p, &res);
	fw_where_format(&res.by, w, sizeof w);
	ck_assert_msg(res.v == FW_ACCEPT, "%d %s", res.v, w);
	ck_assert_str_eq(w, "nft table inet guardnet chain forward rule 1");
	ck_assert_uint_ge(res.n_accepts, 2);
	fw_where_format(&res.accepts[0], w, sizeof w);
	ck_assert_str_eq(w, "nft table ip guardnet chain prerouting rule 1");
	fw_eval_hook(&rs, NF_INET_FORWARD, 1 << 30, &p, &res);
	ck_assert_int_eq(res.v, FW_DROP);
	p = forwarded("192.0.2.4");
	fw_eval_forwarded(&rs, &p, &res);
	ck_assert_int_eq(res.v, FW_DROP);
	fw_where_format(&res.by, w, sizeof w);
	ck_assert_str_eq(w, "nft table inet guardnet chain forward rule 2");
}
END_TEST

/* A source inside a concatenated key: set allowh4 { type ifname .
 * ipv4_addr } (a network's single addresses, bridge . address), looked up
 * with oifname . ip saddr.  Each element's address is a source to try, and
 * the lookup admits it on that bridge alone. */
START_TEST(source_in_a_concatenation)
{
	struct fw_table *t = table("guardnet", NFPROTO_INET);
	struct fw_chain *c = chain(t, "pub", NF_INET_FORWARD, true);
	struct gn_addr ok = A("192.0.2.4");
	struct fw_pkt p = forwarded("192.0.2.4");
	struct fw_result res;
	struct nftnl_rule *r;
	struct fw_set *s;
	char pre[64];

	ck_assert_ptr_nonnull(t->sets = calloc(1, sizeof *t->sets));
	t->n_sets = 1;
	s = &t->sets[0];
	snprintf(s->name, sizeof s->name, "allowh4");
	s->klen = IFNAMSIZ + 4;
	s->loaded = true;
	ck_assert_ptr_nonnull(s->v = calloc(1, sizeof *s->v));
	s->n = 1;
	s->v[0].klen = IFNAMSIZ + 4;
	memcpy(s->v[0].key, "docker0", 7);
	memcpy(s->v[0].key + IFNAMSIZ, ok.a, 4);
	r = nftnl_rule_alloc();
	x_meta(r, NFT_META_OIFNAME, NFT_REG32_00);
	x_payload_to(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG32_04);
	x_lookup(r, "allowh4", NFT_REG32_00);
	x_verdict(r, NF_ACCEPT);
	add(c, r);

	fw_eval_hook(&rs, NF_INET_FORWARD, 1 << 30, &p, &res);
	ck_assert_int_eq(res.v, FW_ACCEPT);
	ck_assert_uint_eq(res.n_seen, 1);
	prefix_format(&res.seen[0], pre, sizeof pre);
	ck_assert_str_eq(pre, "192.0.2.4/32");
	p = forwarded("192.0.2.5");
	fw_eval_hook(&rs, NF_INET_FORWARD, 1 << 30, &p, &res);
	ck_assert_int_eq(res.v, FW_DROP);
	p = forwarded("192.0.2.4");
	p.oif = "docker1";
	fw_eval_hook(&rs, NF_INET_FORWARD, 1 << 30, &p, &res);
	ck_assert_int_eq(res.v, FW_DROP);
}
END_TEST

Suite *ctl_fw_suite(void)
{
	Suite *s = suite_create("ctl_fw");
	TCase *tc = tcase_create("ctl_fw");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, docker_dnat_rules);
	tcase_add_test(tc, prerouting_after_dnat_then_forward);
	tcase_add_test(tc, source_in_a_concatenation);
	tcase_add_test(tc, walk_of_the_forward_hook);
	tcase_add_test(tc, every_chain_of_the_hook);
	suite_add_tcase(s, tc);
	return s;
}
