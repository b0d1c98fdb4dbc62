/*
 * guardnet's nf_tables transactions for one network or one endpoint alone
 * (fw_net_delta, fw_pub_delta, the uplinks' delta), compared with golden
 * files as in check_fw_nft.c, and the cases that must leave the work to
 * the whole build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw_nft_case.h"
#include "suites.h"
#include "ufw.h"

/* A network's part alone (fw_net_delta): network gn-new (IPv4 and IPv6,
 * icc off, an allowlist, under UFW) joins gn-old, also under UFW, and
 * leaves again.  The removal takes out what the addition put in, counted
 * the same in the tally, and touches no table, chain or rule of another
 * network. */
static void two_networks(struct fw_network nets[2], struct ufw_config *c, struct fw_model *m)
{
	static struct gn_prefix old_sub[1], new_sub[2], allow[2];
	static struct gn_addr gw[2];

	old_sub[0] = P("10.20.0.0/24");
	new_sub[0] = P("10.21.0.0/24");
	new_sub[1] = P("fd00:21::/64");
	allow[0] = P("192.0.2.7/32");
	allow[1] = P("198.51.100.0/24");
	gw[0] = A("10.21.0.1");
	gw[1] = A("fd00:21::1");
	nets[0] = (struct fw_network){ .bridge = "gn-new", .icc = false, .subnets = new_sub, .n_subnets = 2,
				       .gateways = gw, .n_gateways = 2, .allow = allow, .n_allow = 2, .ufw = true };
	nets[1] = (struct fw_network){ .bridge = "gn-old", .icc = true, .subnets = old_sub, .n_subnets = 1,
				       .ufw = true };
	*c = (struct ufw_config){ .enabled = true, .ipv6 = true, .in_policy = UFW_POLICY_DROP };
	*m = (struct fw_model){ .nets = nets, .n = 2, .mark = MARK, .ufw = c };
}

START_TEST(net_delta)
{
	struct fw_network nets[2];
	struct ufw_config c;
	struct fw_model with, without;
	struct nft_batch *add = nft_batch_new(1), *del = nft_batch_new(1);

	two_networks(nets, &c, &with);
	without = with;
	without.nets = &nets[1];
	without.n = 1;
	ck_assert_int_eq(fw_net_delta(add, &with, &nets[0], true, fw_admit), 0);
	ck_assert_int_eq(fw_net_delta(del, &without, &nets[0], false, fw_admit), 0);
	for (int i = 0; i < FW_FAMILIES; i++) {
		struct nft_tally a = nft_batch_tally(add, fw_families[i]), d = nft_batch_tally(del, fw_families[i]);

		ck_assert_msg(!a.replaced && !d.replaced, "table %s is not replaced", fw_family_name(fw_families[i]));
		ck_assert_int_eq(a.rules, -d.rules);
		ck_assert_int_eq(a.elems, -d.elems);
		ck_assert_int_ge(a.elems, i == 0 ? 10 : 3);
	}
	expect_golden(add, "fw_nft_net_add");
	expect_golden(del, "fw_nft_net_remove");
}
END_TEST

/* What a network's part alone cannot do, the whole build does: nothing is
 * written, and the answer is -ESTALE. */
static void whole(const struct fw_model *m, const struct fw_network *n, bool add, const char *why)
{
	struct nft_batch *b = nft_batch_new(1);

	ck_assert_msg(fw_net_delta(b, m, n, add, fw_admit) == -ESTALE, "%s: by parts", why);
	ck_assert_msg(nft_batch_messages(b) == 0, "%s: %zu messages written", why, nft_batch_messages(b));
	nft_batch_free(b);
}

START_TEST(net_delta_whole)
{
	struct fw_network nets[3];
	struct ufw_config c;
	struct fw_model m, one;
	struct gn_prefix outer = P("10.20.0.0/16");

	two_networks(nets, &c, &m);
	one = m;
	one.nets = &nets[0];
	one.n = 1;
	whole(&one, &nets[0], true, "the first network");
	one.n = 0;
	whole(&one, &nets[0], false, "the last network");
	nets[1].ufw = false;
	whole(&m, &nets[0], true, "the first network under UFW");
	m.n = 1;
	m.nets = &nets[1];
	whole(&m, &nets[0], false, "the last network under UFW");
	/* gn-out's subnet holds gn-old's: masq4 keeps the outer one alone. */
	nets[1].ufw = true;
	nets[2] = (struct fw_network){ .bridge = "gn-out", .icc = true, .subnets = &outer, .n_subnets = 1 };
	m.nets = &nets[1];
	m.n = 2;
	whole(&m, &nets[2], true, "a subnet around another network's");
	m.n = 1;
	whole(&m, &nets[2], false, "a subnet around another network's, removed");
}
END_TEST

static void delta_golden(const struct fw_share *from, const struct fw_share *to, const char *name)
{
	struct nft_batch *b = nft_batch_new(1);

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(fw_pub_delta(b, from, to, MARK), 0);
	expect_golden(b, name);
}

/* One endpoint's share, added, changed and removed: only its elements move. */
START_TEST(share_delta)
{
	struct gn_prefix src[] = { P("203.0.113.0/29"), P("2001:db8:3::/48") };
	struct gn_pub before[] = { pub("*", 6, 8080, "10.5.0.9", 80), pub("*", 6, 8080, "fd00:5::9", 80),
				   pub("127.0.0.1", 17, 7002, "10.5.0.9", 5000) };
	struct gn_pub after[] = { pub("*", 6, 8080, "10.5.0.9", 80), pub("*", 6, 8081, "fd00:5::9", 80) };
	struct fw_epallow ep[] = { { .bridge = "gn-new", .ctr = A("10.5.0.9"), .name = "epa4-e9", .src = src, .n_src = 2 },
				   { .bridge = "gn-new", .ctr = A("fd00:5::9"), .name = "epa6-e9", .src = src, .n_src = 2 } };
	struct fw_share none = { 0 };
	struct fw_share s1 = { .pubs = before, .n_pubs = 3, .epallow = ep, .n_epallow = 2 };
	struct fw_share s2 = { .pubs = after, .n_pubs = 2, .epallow = ep, .n_epallow = 1 };
	/* The IPv4 list changed (its second prefix): chain and set epa4-e9
	 * replaced, epa6-e9 left alone. */
	struct gn_prefix src2[] = { P("203.0.113.0/29"), P("198.51.100.7/32") };
	struct fw_epallow ep2[] = { { .bridge = "gn-new", .ctr = A("10.5.0.9"), .name = "epa4-e9", .src = src2, .n_src = 2 },
				    { .bridge = "gn-new", .ctr = A("fd00:5::9"), .name = "epa6-e9", .src = src, .n_src = 2 } };
	struct fw_share s3 = { .pubs = before, .n_pubs = 3, .epallow = ep2, .n_epallow = 2 };
	struct nft_batch *b = nft_batch_new(1);

	delta_golden(&none, &s1, "fw_nft_delta_add");
	delta_golden(&s1, &s2, "fw_nft_delta_change");
	delta_golden(&s2, &none, "fw_nft_delta_remove");
	delta_golden(&s1, &s3, "fw_nft_delta_list");
	/* The same share twice is no message at all. */
	ck_assert_int_eq(fw_pub_delta(b, &s1, &s1, MARK), 0);
	ck_assert_uint_eq(nft_batch_messages(b), 0);
	nft_batch_free(b);
}
END_TEST

/* How many messages of type (NFT_MSG_*) b holds. */
static size_t messages_of(struct nft_batch *b, uint16_t type)
{
	size_t len, n = 0;
	const struct nlmsghdr *h;

	ck_assert_int_eq(nft_batch_seal(b), 0);
	h = nft_batch_data(b, &len);
	for (; mnl_nlmsg_ok(h, (int)len); h = mnl_nlmsg_next(h, (int *)&len))
		n += (h->nlmsg_type & 0xff) == type;
	return n;
}

/* An endpoint's guardnet.allow of 20,000 addresses (a block list), one of
 * them replaced: its set and chain go whole and come again in one
 * transaction, no message per element it held (in the shared pipapo set
 * of before, 100,000 took tens of seconds), and the counts net to zero. */
START_TEST(share_delta_large)
{
	enum { N = 20000 };
	struct gn_prefix *a = calloc(N, sizeof *a), *b2 = calloc(N, sizeof *b2);
	struct fw_epallow ea = { .bridge = "gn-new", .ctr = A("10.5.0.9"), .name = "epa4-e9", .n_src = N }, eb = ea;
	struct fw_share from = { .epallow = &ea, .n_epallow = 1 }, to = { .epallow = &eb, .n_epallow = 1 };
	struct fw_share none = { 0 };
	struct nft_batch *b = nft_batch_new(1);
	struct nft_tally t;

	for (int i = 0; i < N; i++) {
		/* Every other address: no two merge into one range. */
		a[i] = (struct gn_prefix){ .addr = { .family = AF_INET, .a = { 100, (uint8_t)(i >> 14), (uint8_t)(i >> 6),
									 (uint8_t)((i & 63) * 4) } },
					   .len = 32 };
		b2[i] = a[i];
	}
	b2[N / 2].addr.a[3] += 2;
	ea.src = a;
	eb.src = b2;
	ck_assert_int_eq(fw_pub_delta(b, &from, &to, MARK), 0);
	t = nft_batch_tally(b, NFPROTO_INET);
	ck_assert_int_eq(t.elems, 0);
	ck_assert_int_eq(t.rules, 0);
	ck_assert_uint_eq(messages_of(b, NFT_MSG_DELSET), 1);
	ck_assert_uint_eq(messages_of(b, NFT_MSG_DELCHAIN), 1);
	ck_assert_uint_eq(messages_of(b, NFT_MSG_NEWSET), 1);
	ck_assert_uint_eq(messages_of(b, NFT_MSG_DELSETELEM), 1);  /* the map's element */
	nft_batch_free(b);
	/* Removed: the map's element, one rule and 40,000 elements (each
	 * address a start and an end) counted out. */
	b = nft_batch_new(1);
	ck_assert_int_eq(fw_pub_delta(b, &to, &none, MARK), 0);
	t = nft_batch_tally(b, NFPROTO_INET);
	ck_assert_int_eq(t.elems, -(2 * N + 1));
	ck_assert_int_eq(t.rules, -1);
	ck_assert_uint_eq(messages_of(b, NFT_MSG_DELSETELEM), 1);
	nft_batch_free(b);
	/* Added: the same, counted in. */
	b = nft_batch_new(1);
	ck_assert_int_eq(fw_pub_delta(b, &none, &to, MARK), 0);
	t = nft_batch_tally(b, NFPROTO_INET);
	ck_assert_int_eq(t.elems, 2 * N + 1);
	ck_assert_int_eq(t.rules, 1);
	nft_batch_free(b);
	free(a);
	free(b2);
}
END_TEST

/* nft_elems writes, byte for byte, what libnftnl writes for the same
 * elements (nft_batch_elems): 30,000 interval elements of an IPv4 set and
 * of an IPv6 one, over several messages, and a set without elements (no
 * message at all). */
START_TEST(elems_writer_is_libnftnl)
{
	for (int f = 0; f < 3; f++) {
		uint32_t alen = f == 1 ? 16 : 4, n = f == 2 ? 0 : 30000;
		struct nft_batch *ours = nft_batch_new(7), *theirs = nft_batch_new(7);
		struct nftnl_set *s = set_new(ours, "allow4-gn-x", 3, NFT_SET_INTERVAL, 7, alen, 0, 0, NULL);
		struct nftnl_set *t = set_new(theirs, "allow4-gn-x", 3, NFT_SET_INTERVAL, 7, alen, 0, 0, NULL);
		struct nft_elems w;
		const void *a, *c;
		size_t la, lc;

		nft_elems_start(&w, ours, NFT_MSG_NEWSETELEM, s, NLM_F_CREATE, "x");
		for (uint32_t i = 0; i < n; i++) {
			uint8_t key[16] = { 100, 64 };
			uint32_t flags = i % 2 ? NFT_SET_ELEM_INTERVAL_END : 0;
			struct nftnl_set_elem *e = nftnl_set_elem_alloc();

			memcpy(key + alen - 4, &i, 4);
			nft_elems_put(&w, key, alen, flags);
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, alen);
			if (flags)
				nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, flags);
			nftnl_set_elem_add(t, e);
		}
		nft_elems_end(&w);
		nft_batch_elems(theirs, NFT_MSG_NEWSETELEM, t, NLM_F_CREATE, "x");
		ck_assert_int_eq(nft_batch_seal(ours), 0);
		ck_assert_int_eq(nft_batch_seal(theirs), 0);
		a = nft_batch_data(ours, &la);
		c = nft_batch_data(theirs, &lc);
		ck_assert_uint_eq(la, lc);
		ck_assert(!memcmp(a, c, la));
		ck_assert_uint_eq(nft_batch_messages(ours), nft_batch_messages(theirs));
		ck_assert_int_eq(nft_batch_tally(ours, NFPROTO_INET).elems, (long)n);
		ck_assert_int_eq(nft_batch_tally(ours, NFPROTO_INET).elems, nft_batch_tally(theirs, NFPROTO_INET).elems);
		if (n)
			ck_assert_uint_gt(nft_batch_messages(ours), 4); /* begin, set, several element messages, end */
		nftnl_set_free(s);
		nftnl_set_free(t);
		nft_batch_free(ours);
		nft_batch_free(theirs);
	}
}
END_TEST

/* The uplinks change: only the difference moves, nothing when the same. */
START_TEST(uplinks_delta)
{
	uint32_t before[] = { 2, 5 }, after[] = { 2, 9, 11 };
	struct nft_batch *b = nft_batch_new(1);

	ck_assert_ptr_nonnull(b);
	fw_guard_uplinks_delta(b, before, 2, after, 3);
	expect_golden(b, "fw_nft_uplinks_delta");
	b = nft_batch_new(1);
	fw_guard_uplinks_delta(b, after, 3, after, 3);
	ck_assert_uint_eq(nft_batch_messages(b), 0);
	nft_batch_free(b);
}
END_TEST

Suite *fw_nft_delta_suite(void)
{
	Suite *s = suite_create("fw_nft_delta");
	TCase *tc = tcase_create("golden");

	tcase_add_test(tc, net_delta);
	tcase_add_test(tc, net_delta_whole);
	tcase_add_test(tc, share_delta);
	tcase_add_test(tc, share_delta_large);
	tcase_add_test(tc, uplinks_delta);
	tcase_add_test(tc, elems_writer_is_libnftnl);
	suite_add_tcase(s, tc);
	return s;
}
