/* What the driver's state means for the kernel (plan.c), without one. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "plan.h"
#include "suites.h"

#define NET_A "4aa2d42bef9d487d398a30c85e12e8fb237690c3cf238241dd6db2c80c77c4c5"
#define NET_B "olslm2x2ik7h57ul54whs6nbu"
#define EP_1 "aaaa757575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a"
#define EP_2 "bbbb757575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a"
#define EP_3 "cccc757575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a"

static struct gn_state st;
static struct gn_addr_list dflt;
static struct ufw_config ufw;
static struct plan_env env;
static struct gn_network *a, *b;
static struct gn_endpoint *e1, *e2, *e3;

static struct gn_ipam_data *ipam(const char *pool, const char *gw)
{
	struct gn_ipam_data *d = calloc(1, sizeof *d);

	ck_assert_int_eq(prefix_parse(pool, false, true, &d->pool, "pool", NULL), 0);
	ck_assert_int_eq(prefix_parse(gw, false, false, &d->gateway, "gw", NULL), 0);
	d->has_gateway = true;
	return d;
}

static struct gn_endpoint *endpoint(struct gn_network *net, const char *id, const char *a4, const char *a6,
				    const char *allow)
{
	struct gn_endpoint_spec s = { .has_addr4 = a4 != NULL, .has_addr6 = a6 != NULL };
	struct gn_endpoint *ep;

	strcpy(s.net_id, net->spec.id);
	strcpy(s.id, id);
	if (a4)
		ck_assert_int_eq(prefix_parse(a4, false, false, &s.addr4, "a4", NULL), 0);
	if (a6)
		ck_assert_int_eq(prefix_parse(a6, false, false, &s.addr6, "a6", NULL), 0);
	if (allow)
		ck_assert_int_eq(prefix_list_parse(allow, &s.allow, "allow", NULL), 0);
	ck_assert_int_eq(state_add_endpoint(&st, net, &s, &ep), 0);
	return ep;
}

/* A: IPv4 and IPv6 (enabled), MTU 1400, guardnet.allow 192.0.2.0/24,
 * endpoints 1 (joined, publishing 8080/tcp -> 80) and 2 (IPv6 too,
 * allowing 198.51.100.7 and 2001:db8::/32).  B: internal, IPv4 only, with
 * an IPv6 pool it has not enabled, endpoint 3. */
static void setup(void)
{
	struct gn_network_spec sa = { .id = NET_A }, sb = { .id = NET_B };

	state_init(&st);
	strcpy(sa.opts.bridge, "gn-4aa2d42bef9d");
	sa.opts.icc = sa.opts.enable_ipv4 = sa.opts.enable_ipv6 = true;
	sa.opts.mtu = 1400;
	prefix_list_parse("192.0.2.0/24", &sa.opts.allow, "allow", NULL);
	sa.ipv4 = ipam("10.97.0.0/24", "10.97.0.1/24");
	sa.n_ipv4 = 1;
	sa.ipv6 = ipam("fd00:97::/64", "fd00:97::1/64");
	sa.n_ipv6 = 1;
	ck_assert_int_eq(state_add_network(&st, &sa, &a), 0);
	strcpy(sb.opts.bridge, "backend");
	sb.opts.enable_ipv4 = sb.opts.internal = true;
	sb.ipv4 = ipam("10.98.0.0/24", "10.98.0.1/24");
	sb.n_ipv4 = 1;
	sb.ipv6 = ipam("fd00:98::/64", "fd00:98::1/64");
	sb.n_ipv6 = 1;
	ck_assert_int_eq(state_add_network(&st, &sb, &b), 0);
	e1 = endpoint(a, EP_1, "10.97.0.2/24", NULL, NULL);
	e1->joined = e1->programmed = true;
	e1->published.map = calloc(1, sizeof *e1->published.map);
	e1->published.n_map = 1;
	e1->published.map[0] = (struct gn_port_binding){ .proto = 6, .port = 80, .host_port = 8080,
							 .host_port_end = 8080 };
	e2 = endpoint(a, EP_2, "10.97.0.3/24", "fd00:97::3/64", "198.51.100.7/32,2001:db8::/32");
	e3 = endpoint(b, EP_3, "10.98.0.2/24", NULL, NULL);
	ck_assert_int_eq(addr_list_parse("0.0.0.0,::", &dflt, "publish", NULL), 0);
	memset(&ufw, 0, sizeof ufw);
	ufw.enabled = true;
	env = (struct plan_env){ .default_publish = &dflt, .default_ufw = GN_UFW_AUTO, .ufw = &ufw, .mark = 0x4e47,
			      .group = 0x77 };
}

static void teardown(void)
{
	free(dflt.v);
	state_free(&st);
}

START_TEST(bridge_of_a_network)
{
	struct plan_bridge br;
	uint8_t mark[6];

	plan_bridge(&env, a, &br);
	ck_assert_str_eq(br.owner, NET_A);
	ck_assert_str_eq(br.name, "gn-4aa2d42bef9d");
	ck_assert_str_eq(br.alias, "guardnet:" NET_A);
	names_mark_mac("gn-4aa2d42bef9d", mark);
	ck_assert(!memcmp(br.mac, mark, 6));
	ck_assert_uint_eq(br.mtu, 1400);
	ck_assert_uint_eq(br.group, 0x77);
	ck_assert_uint_eq(br.n_addrs, 2);
	ck_prefix(&br.addrs[0], "10.97.0.1/24");
	ck_prefix(&br.addrs[1], "fd00:97::1/64");
	ck_assert(br.route_localnet && br.forward4 && br.forward6);
	/* Internal: nothing routes, so no forwarding; an IPv6 pool that is not
	 * enabled gives no address. */
	plan_bridge(&env, b, &br);
	ck_assert_str_eq(br.name, "backend");
	ck_assert_uint_eq(br.n_addrs, 1);
	ck_prefix(&br.addrs[0], "10.98.0.1/24");
	ck_assert(!br.route_localnet && !br.forward4 && !br.forward6);
	b->spec.opts.internal = false;
	plan_bridge(&env, b, &br);
	ck_assert(br.route_localnet && br.forward4 && !br.forward6);
}
END_TEST

START_TEST(veth_of_an_endpoint)
{
	struct plan_veth v;
	uint8_t mark[6];

	plan_veth(e1, &v);
	ck_assert_str_eq(v.owner, EP_1);
	ck_assert_str_eq(v.host, "gnhaaaa757575f6");
	ck_assert_str_eq(v.peer, "gncaaaa757575f6");
	ck_assert_str_eq(v.master, "gn-4aa2d42bef9d");
	ck_assert_str_eq(v.alias, "guardnet:" EP_1);
	names_mark_mac("gnhaaaa757575f6", mark);
	ck_assert(!memcmp(v.host_mac, mark, 6));
	ck_assert(!memcmp(v.peer_mac, (uint8_t[]){ 0x02, 0x42, 10, 97, 0, 2 }, 6));
	ck_assert_uint_eq(v.mtu, 1400);
	ck_assert(v.in_use);
	plan_veth(e3, &v);
	ck_assert_str_eq(v.master, "backend");
	ck_assert(!v.in_use);
}
END_TEST

START_TEST(every_link)
{
	struct plan_links l;

	ck_assert_int_eq(plan_links(&env, &st, &l), 0);
	ck_assert_uint_eq(l.n_bridges, 2);
	ck_assert_uint_eq(l.n_veths, 3);
	for (size_t i = 0; i < l.n_veths; i++) {
		bool on_a = !strcmp(l.veths[i].master, "gn-4aa2d42bef9d");

		ck_assert(on_a || !strcmp(l.veths[i].master, "backend"));
		ck_assert(on_a != !strcmp(l.veths[i].owner, EP_3));
	}
	plan_links_clear(&l);
	ck_assert_ptr_null(l.bridges);
}
END_TEST

START_TEST(ufw_in_force)
{
	static const struct {
		enum gn_ufw_mode net, conf;
		bool read, enabled, want;
	} cases[] = {
		{ GN_UFW_AUTO, GN_UFW_AUTO, true, true, true },
		{ GN_UFW_AUTO, GN_UFW_AUTO, true, false, false },
		{ GN_UFW_AUTO, GN_UFW_ON, true, false, true },
		{ GN_UFW_AUTO, GN_UFW_OFF, true, true, false },
		{ GN_UFW_ON, GN_UFW_OFF, true, false, true },
		{ GN_UFW_OFF, GN_UFW_ON, true, true, false },
		{ GN_UFW_ON, GN_UFW_ON, false, true, false },   /* UFW not read: nothing to apply */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		a->spec.opts.ufw = cases[i].net;
		env.default_ufw = cases[i].conf;
		env.ufw = cases[i].read ? &ufw : NULL;
		ufw.enabled = cases[i].enabled;
		ck_assert_msg(plan_ufw_in_force(&env, a) == cases[i].want, "case %zu", i);
	}
}
END_TEST

START_TEST(model_of_the_state)
{
	struct plan_model pm;
	const struct fw_network *fa, *fb;

	ck_assert_int_eq(plan_model(&env, &st, &pm), 0);
	ck_assert_uint_eq(pm.m.n, 2);
	fa = !strcmp(pm.m.nets[0].bridge, "backend") ? &pm.m.nets[1] : &pm.m.nets[0];
	fb = fa == &pm.m.nets[0] ? &pm.m.nets[1] : &pm.m.nets[0];
	ck_assert_str_eq(fa->bridge, "gn-4aa2d42bef9d");
	ck_assert(fa->icc && !fa->internal && fa->ufw);
	ck_assert_uint_eq(fa->n_subnets, 2);
	ck_prefix(&fa->subnets[0], "10.97.0.0/24");
	ck_prefix(&fa->subnets[1], "fd00:97::/64");
	ck_assert_uint_eq(fa->n_allow, 1);
	ck_prefix(&fa->allow[0], "192.0.2.0/24");
	ck_assert(!fb->icc && fb->internal);
	ck_assert_uint_eq(fb->n_subnets, 1); /* its IPv6 pool is not enabled */
	ck_assert_uint_eq(pm.m.mark, 0x4e47);
	ck_assert_ptr_eq(pm.m.ufw, &ufw);
	/* Endpoint 1's 8080/tcp on every IPv4 address: it has no IPv6 one. */
	ck_assert_uint_eq(pm.m.n_pubs, 1);
	ck_assert(pm.m.pubs[0].any && pm.m.pubs[0].port == 8080 && pm.m.pubs[0].ctr_port == 80);
	/* Endpoint 2's allow: once per family it has an address in. */
	ck_assert_uint_eq(pm.m.n_epallow, 2);
	ck_assert_uint_eq(pm.m.epallow[0].n_src, 2);
	plan_model_clear(&pm);
	/* A network being deleted is out of the model, endpoints and all. */
	a->dying = true;
	ck_assert_int_eq(plan_model(&env, &st, &pm), 0);
	ck_assert_uint_eq(pm.m.n, 1);
	ck_assert_uint_eq(pm.m.n_pubs, 0);
	ck_assert_uint_eq(pm.m.n_epallow, 0);
	plan_model_clear(&pm);
}
END_TEST

START_TEST(share_of_an_endpoint)
{
	struct plan_share s;
	struct fw_share v;

	plan_share(&env, e1, e1->programmed, &e1->published, &s);
	ck_assert(!s.whole);
	ck_assert_uint_eq(s.pubs.n, 1);
	ck_assert_ptr_null(s.pubs.v[0].ep_id); /* it may outlive the endpoint */
	ck_assert_uint_eq(s.n_epallow, 0);
	v = plan_share_view(&s);
	ck_assert_uint_eq(v.n_pubs, 1);
	plan_share_clear(&s);
	/* Not programmed: no publication, whatever it asked for. */
	plan_share(&env, e1, false, &e1->published, &s);
	ck_assert_uint_eq(s.pubs.n, 0);
	plan_share_clear(&s);
	plan_share(&env, e2, false, NULL, &s);
	ck_assert_uint_eq(s.n_epallow, 2);
	ck_assert_ptr_ne(s.epallow[0].src, e2->spec.allow.v); /* a copy */
	ck_prefix(&s.epallow[1].src[1], "2001:db8::/32");
	plan_share_clear(&s);
	a->dying = true;
	plan_share(&env, e2, false, NULL, &s);
	ck_assert_uint_eq(s.n_epallow, 0);
	plan_share_clear(&s);
}
END_TEST

/* The host's [::1]:P as Docker's bridge would serve it: a binding without
 * a host address on a network whose allowlist has an IPv6 side, one on ::
 * or ::1; to the container's IPv6 address when it has one, else its IPv4
 * one unless Docker said another network carries IPv6 (no_proxy_6to4);
 * TCP only, programmed endpoints only. */
START_TEST(relays_of_the_state)
{
	struct gn_relay_svc *v;
	size_t n;
	char to[GN_PREFIX_STRLEN];

	ck_assert_int_eq(plan_relays(&env, &st, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(v[0].proto == 6 && v[0].port == 8080 && v[0].to_port == 80);
	addr_format(&v[0].to, to, sizeof to);
	ck_assert_str_eq(to, "10.97.0.2");
	free(v);
	/* An endpoint with IPv6: its IPv6 address; UDP is left out. */
	e2->programmed = true;
	e2->published.map = calloc(2, sizeof *e2->published.map);
	e2->published.n_map = 2;
	e2->published.map[0] = (struct gn_port_binding){ .proto = 6, .port = 443, .host_port = 8443, .host_port_end = 8443 };
	e2->published.map[1] = (struct gn_port_binding){ .proto = 17, .port = 53, .host_port = 5353, .host_port_end = 5353 };
	ck_assert_int_eq(plan_relays(&env, &st, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert(v[0].port == 8443 || v[1].port == 8443);
	addr_format(&v[v[0].port == 8443 ? 0 : 1].to, to, sizeof to);
	ck_assert_str_eq(to, "fd00:97::3");
	free(v);
	/* 127.0.0.1 and 0.0.0.0 given: IPv4 only; ::1 given: relayed. */
	e1->published.map[0].has_host_ip = true;
	addr_parse("127.0.0.1", &e1->published.map[0].host_ip, "x", NULL);
	ck_assert_int_eq(plan_relays(&env, &st, &v, &n), 0);
	ck_assert(n == 1 && v[0].port == 8443);
	free(v);
	addr_parse("::1", &e1->published.map[0].host_ip, "x", NULL);
	ck_assert_int_eq(plan_relays(&env, &st, &v, &n), 0);
	ck_assert(n == 2 && (v[0].port == 8080 || v[1].port == 8080));
	free(v);
	/* Another network carries the container's IPv6. */
	e1->published.map[0].has_host_ip = false;
	e1->no_proxy_6to4 = true;
	ck_assert_int_eq(plan_relays(&env, &st, &v, &n), 0);
	ck_assert(n == 1 && v[0].port == 8443);
	free(v);
	/* An allowlist without an IPv6 side (guardnet.publish=127.0.0.1). */
	e1->no_proxy_6to4 = false;
	free(dflt.v);
	ck_assert_int_eq(addr_list_parse("127.0.0.1", &dflt, "publish", NULL), 0);
	ck_assert_int_eq(plan_relays(&env, &st, &v, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(v);
	/* Not programmed: nothing. */
	free(dflt.v);
	ck_assert_int_eq(addr_list_parse("0.0.0.0,::", &dflt, "publish", NULL), 0);
	e1->programmed = e2->programmed = false;
	ck_assert_int_eq(plan_relays(&env, &st, &v, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(v);
}
END_TEST

Suite *plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bridge_of_a_network);
	tcase_add_test(tc, veth_of_an_endpoint);
	tcase_add_test(tc, every_link);
	tcase_add_test(tc, ufw_in_force);
	tcase_add_test(tc, model_of_the_state);
	tcase_add_test(tc, share_of_an_endpoint);
	tcase_add_test(tc, relays_of_the_state);
	suite_add_tcase(s, tc);
	return s;
}
