#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "addr.h"
#include "control.h"
#include "options.h"
#include "suites.h"
#include "uplinks.h"

START_TEST(prefix_roundtrip)
{
	static const char *ok[] = { "10.0.0.0/8", "127.0.0.1/32", "fd00:96::/64", "::/0", "0.0.0.0/0",
				    "2001:db8::1/128" };
	struct gn_prefix p;
	char buf[GN_PREFIX_STRLEN];

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ck_assert_int_eq(prefix_parse(ok[i], false, true, &p, "x", NULL), 0);
		prefix_format(&p, buf, sizeof buf);
		ck_assert_str_eq(buf, ok[i]);
	}
}
END_TEST

START_TEST(prefix_errors)
{
	struct gn_prefix p;
	struct gn_err e;

	ck_assert_int_eq(prefix_parse("10.0.0.0/33", false, true, &p, "Pool", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "Pool: invalid CIDR \"10.0.0.0/33\" (prefix length)");
	ck_assert_int_eq(prefix_parse("10.0.0.1/8", false, true, &p, "guardnet.allow", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "guardnet.allow: invalid CIDR \"10.0.0.1/8\" (host bits set; did you mean 10.0.0.0/8?)");
	ck_assert_int_eq(prefix_parse("10.0.0.1/8", false, false, &p, "Gateway", &e), 0);
	ck_assert_int_eq(prefix_parse("10.0.0.1", false, false, &p, "Gateway", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "Gateway: invalid CIDR \"10.0.0.1\" (no prefix length)");
	ck_assert_int_eq(prefix_parse("10.0.0.1", true, true, &p, "a", &e), 0);
	ck_assert_int_eq(p.len, 32);
	ck_assert_int_eq(prefix_parse("300.0.0.0/8", false, true, &p, "Pool", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "Pool: invalid CIDR \"300.0.0.0/8\"");
	ck_assert_int_eq(prefix_parse("10.0.0.0/-1", false, true, &p, "Pool", &e), -EINVAL);
	ck_assert_int_eq(prefix_parse("10.0.0.0/", false, true, &p, "Pool", &e), -EINVAL);
	ck_assert_int_eq(prefix_parse("fd00::/129", false, true, &p, "Pool", &e), -EINVAL);
}
END_TEST

START_TEST(lists)
{
	struct gn_prefix_list l;
	struct gn_addr_list a;
	struct gn_err e;
	char *s;

	ck_assert_int_eq(prefix_list_parse("127.0.0.1, 10.0.0.0/8,fd00::/8", &l, "guardnet.allow", &e), 0);
	ck_assert_uint_eq(l.n, 3);
	s = prefix_list_format(&l);
	ck_assert_str_eq(s, "127.0.0.1/32,10.0.0.0/8,fd00::/8");
	free(s);
	free(l.v);
	ck_assert_int_eq(prefix_list_parse("", &l, "guardnet.allow", &e), 0);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(prefix_list_parse("10.0.0.0/8,,1.2.3.4", &l, "guardnet.allow", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "guardnet.allow: empty entry in list \"10.0.0.0/8,,1.2.3.4\"");
	ck_assert_int_eq(addr_list_parse("0.0.0.0,::", &a, "guardnet.publish", &e), 0);
	ck_assert_uint_eq(a.n, 2);
	ck_assert(addr_is_any(&a.v[0]) && addr_is_any(&a.v[1]));
	free(a.v);
	ck_assert_int_eq(addr_list_parse("127.0.0.1,bogus", &a, "guardnet.publish", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "guardnet.publish: invalid IP address \"bogus\"");
}
END_TEST

START_TEST(contains)
{
	struct gn_prefix p;
	struct gn_addr a;

	prefix_parse("10.97.0.0/24", false, true, &p, "x", NULL);
	addr_parse("10.97.0.200", &a, "x", NULL);
	ck_assert(prefix_contains(&p, &a));
	addr_parse("10.97.1.1", &a, "x", NULL);
	ck_assert(!prefix_contains(&p, &a));
	addr_parse("fd00::1", &a, "x", NULL);
	ck_assert(!prefix_contains(&p, &a));
}
END_TEST

START_TEST(ifnames_macs)
{
	struct gn_err e;
	uint8_t mac[6];
	char buf[18];

	ck_assert_int_eq(ifname_validate("gn-backend", "guardnet.bridge", &e), 0);
	ck_assert_int_eq(ifname_validate("a-name-of-16-chr", "guardnet.bridge", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "guardnet.bridge: invalid interface name \"a-name-of-16-chr\" (1-15 characters)");
	ck_assert_int_eq(ifname_validate("br/0", "guardnet.bridge", &e), -EINVAL);
	ck_assert_int_eq(ifname_validate("..", "guardnet.bridge", &e), -EINVAL);
	ck_assert_int_eq(mac_parse("02:42:0a:61:00:c8", mac, "MacAddress", &e), 0);
	mac_format(mac, buf, sizeof buf);
	ck_assert_str_eq(buf, "02:42:0a:61:00:c8");
	ck_assert_int_eq(mac_parse("02:42:0a:61:00", mac, "MacAddress", &e), -EINVAL);
}
END_TEST

/* Uplinks by what a link is, never by its name: a host whose address is on
 * br0 (eth0 enslaved), Docker's bridges and their veths, a VM's tap on
 * vmbr, the outside end of a container host (a veth with a global
 * address), a VPN, guardnet's own bridge, lo, an OVS internal port. */
START_TEST(uplinks_by_kind)
{
	const struct uplink_link v[] = {
		{ .ifindex = 1, .loopback = true, .global_addr = true },
		{ .ifindex = 2, .master = 3 },                                  /* eth0, port of br0 */
		{ .ifindex = 3, .kind = "bridge", .global_addr = true },        /* br0: uplink by its port */
		{ .ifindex = 4, .kind = "bridge", .global_addr = true },        /* docker0 */
		{ .ifindex = 5, .kind = "veth", .master = 4 },                  /* a container's veth */
		{ .ifindex = 6, .kind = "bridge", .global_addr = true },        /* vmbr */
		{ .ifindex = 7, .kind = "tun", .master = 6 },                   /* a VM's tap */
		{ .ifindex = 8, .kind = "veth", .global_addr = true },          /* the outside end */
		{ .ifindex = 9, .kind = "veth" },                               /* a routed container (Calico) */
		{ .ifindex = 10, .kind = "wireguard" },
		{ .ifindex = 11, .kind = "bridge", .ours = true, .global_addr = true }, /* guardnet's */
		{ .ifindex = 12, .kind = "vlan", .ours = true },
		{ .ifindex = 13, .kind = "openvswitch" },                       /* ovs-system */
		{ .ifindex = 14, .kind = "openvswitch", .master = 13, .global_addr = true }, /* br-ex */
		{ .ifindex = 15, .kind = "openvswitch", .master = 13 },         /* br-int */
		{ .ifindex = 16, .kind = "tun", .global_addr = true },          /* a VPN */
	};
	uint32_t up[16];
	size_t n = uplinks_classify(v, sizeof v / sizeof v[0], up);

	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(up[0], 3);
	ck_assert_uint_eq(up[1], 8);
	ck_assert_uint_eq(up[2], 10);
	ck_assert_uint_eq(up[3], 14);
	ck_assert_uint_eq(up[4], 16);
	/* Nothing known, nothing allowed. */
	ck_assert_uint_eq(uplinks_classify(v, 0, up), 0);
}
END_TEST

/* What the link watch relies on to skip classifying again (nl-watch.c):
 * on random hosts, inert links (a veth or tun without a global address,
 * of any master) added anywhere change no uplink. */
START_TEST(inert_links_change_no_uplink)
{
	static const char *kinds[] = { "", "bridge", "veth", "tun", "vlan", "openvswitch", "bond", "wireguard" };
	struct uplink_link v[64], w[64];
	uint32_t a[64], b[64];

	srandom(17);
	for (int round = 0; round < 500; round++) {
		size_t n = 1 + (size_t)random() % 24, m = 0, na, nb;

		for (size_t i = 0; i < n; i++) {
			v[i] = (struct uplink_link){ .ifindex = (uint32_t)(2 * i + 1), .loopback = i == 0,
						     .ours = random() % 5 == 0, .global_addr = random() % 2 };
			snprintf(v[i].kind, sizeof v[i].kind, "%s", kinds[random() % 8]);
			if (random() % 3 == 0)
				v[i].master = (uint32_t)(2 * ((size_t)random() % n) + 1);
		}
		/* The same host with links between its own (even ifindexes),
		 * random ones that uplinks_inert calls inert. */
		for (size_t i = 0; i < n; i++) {
			struct uplink_link x = { .ifindex = (uint32_t)(2 * i), .global_addr = random() % 2 };

			snprintf(x.kind, sizeof x.kind, "%s", kinds[random() % 8]);
			if (random() % 2)
				x.master = (uint32_t)(2 * ((size_t)random() % n) + 1);
			if (uplinks_inert(x.kind, x.global_addr))
				w[m++] = x;
			w[m++] = v[i];
		}
		na = uplinks_classify(v, n, a);
		nb = uplinks_classify(w, m, b);
		ck_assert_uint_eq(na, nb);
		ck_assert(!na || !memcmp(a, b, na * sizeof *a));
	}
}
END_TEST

Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, prefix_roundtrip);
	tcase_add_test(tc, prefix_errors);
	tcase_add_test(tc, lists);
	tcase_add_test(tc, contains);
	tcase_add_test(tc, ifnames_macs);
	tcase_add_test(tc, uplinks_by_kind);
	tcase_add_test(tc, inert_links_change_no_uplink);
	suite_add_tcase(s, tc);
	return s;
}

START_TEST(network_options)
{
	struct gn_net_opts o;
	struct gn_err e;

	netopts_init(&o);
	ck_assert(o.icc && o.enable_ipv4 && o.ufw == GN_UFW_AUTO);
	ck_assert_int_eq(netopts_set(&o, "guardnet.icc", "false", &e), 0);
	ck_assert(!o.icc);
	ck_assert_int_eq(netopts_set(&o, "guardnet.ufw", "off", &e), 0);
	ck_assert_int_eq(o.ufw, GN_UFW_OFF);
	ck_assert_int_eq(netopts_set(&o, "guardnet.publish", "127.0.0.1", &e), 0);
	ck_assert(o.publish_set && o.publish.n == 1);
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.driver.mtu", "1400", &e), 0);
	ck_assert_uint_eq(o.mtu, 1400);
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.bridge.name", "whatever", &e), 0);
	ck_assert_str_eq(o.bridge, "whatever");
	ck_assert_int_eq(netopts_set(&o, "guardnet.icc", "maybe", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "guardnet.icc: invalid value \"maybe\" (expected true or false)");
	ck_assert_int_eq(netopts_set(&o, "guardnet.ufw", "yes", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "guardnet.ufw: invalid value \"yes\" (expected auto, on or off)");
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.driver.mtu", "0", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "com.docker.network.driver.mtu: invalid MTU \"0\" (expected 68-65535)");
	ck_assert_int_eq(netopts_set(&o, "guardnet.bridge", "this-name-is-too-long", &e), -EINVAL);
	ck_assert_int_eq(netopts_set(&o, "guardnet.alow", "10.0.0.0/8", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "unknown option guardnet.alow=\"10.0.0.0/8\" (guardnet knows guardnet.publish, "
		"guardnet.allow, guardnet.ufw, guardnet.icc and guardnet.bridge)");
	o.enable_ipv6 = true;
	o.mtu = 1000;
	ck_assert_int_eq(netopts_finish(&o, &e), -EINVAL);
	ck_assert_str_eq(e.msg, "com.docker.network.driver.mtu: MTU 1000 is below 1280, the minimum for an IPv6 network");
	netopts_clear(&o);
}
END_TEST

/* Docker's bridge options: honoured with Docker's meaning, or refused by
 * name with what to use instead (issue 12, point 6). */
START_TEST(docker_bridge_options)
{
	struct gn_net_opts o;
	struct gn_err e;

	netopts_init(&o);
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.bridge.enable_icc", "false", &e), 0);
	ck_assert(!o.icc && o.icc_set);
	ck_assert_int_eq(netopts_set(&o, "guardnet.icc", "false", &e), 0);
	ck_assert_int_eq(netopts_set(&o, "guardnet.icc", "true", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "guardnet.icc=true contradicts com.docker.network.bridge.enable_icc given with it; "
		"give one of them");
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.bridge.name", "br-legacy", &e), 0);
	ck_assert(o.bridge_set);
	ck_assert_str_eq(o.bridge, "br-legacy");
	ck_assert_int_eq(netopts_set(&o, "guardnet.bridge", "gn-other", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "guardnet.bridge=gn-other contradicts the bridge name br-legacy given with it; "
		"give one of them");
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.bridge.host_binding_ipv4", "0.0.0.0", &e), 0);
	ck_assert(!o.publish_set);
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.bridge.host_binding_ipv4", "127.0.0.1", &e), 0);
	ck_assert(o.publish_set && o.publish.n == 1);
	ck_assert_int_eq(netopts_set(&o, "guardnet.publish", "127.0.0.1", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "guardnet.publish: give it alone, without com.docker.network.bridge.host_binding_ipv4");
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.bridge.enable_ip_masquerade", "true", &e), 0);
	ck_assert(!o.no_masquerade);
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.bridge.enable_ip_masquerade", "false", &e), 0);
	ck_assert(o.no_masquerade);
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.bridge.enable_ip_masquerade", "no", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "com.docker.network.bridge.enable_ip_masquerade: invalid value \"no\" (expected true "
		"or false)");
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.bridge.gateway_mode_ipv6", "nat", &e), 0);
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.bridge.gateway_mode_ipv4", "isolated", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "com.docker.network.bridge.gateway_mode_ipv4=isolated: use --internal");
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.bridge.gateway_mode_ipv4", "routed", &e), -EINVAL);
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.bridge.inhibit_ipv4", "true", &e), -EINVAL);
	ck_assert(strstr(e.msg, "com.docker.network.bridge.inhibit_ipv4=\"true\" is an option of Docker's bridge driver"));
	netopts_clear(&o);

	netopts_init(&o);
	ck_assert_int_eq(netopts_set(&o, "guardnet.publish", "192.0.2.1", &e), 0);
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.bridge.host_binding_ipv4", "127.0.0.1", &e), -EINVAL);
	ck_assert_int_eq(netopts_set(&o, "com.docker.network.bridge.host_binding_ipv4", "::1", &e), -EINVAL);
	netopts_clear(&o);
}
END_TEST

/* One control socket per driver name (issue 12, point 8). */
START_TEST(control_paths)
{
	char buf[108];

	ck_assert_int_eq(control_default_path("/run/docker/plugins/guardnet.sock", buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "/run/guardnet/guardnet.sock");
	ck_assert_int_eq(control_default_path("/run/docker/plugins/edge.sock", buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "/run/guardnet/edge.sock");
	ck_assert_int_eq(control_default_path("other", buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "/run/guardnet/other.sock");
	ck_assert_int_eq(control_default_path("/x/guardnet.sock", buf, 20), -ENAMETOOLONG);
}
END_TEST

START_TEST(endpoint_options)
{
	struct gn_endpoint_spec ep = { 0 };
	struct gn_err e;

	ck_assert_int_eq(epopts_set(&ep, "guardnet.allow", "192.0.2.0/24", &e), 0);
	ck_assert_uint_eq(ep.allow.n, 1);
	ck_assert_int_eq(epopts_set(&ep, "guardnet.icc", "false", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "unknown option guardnet.icc=\"false\" (guardnet knows guardnet.allow on endpoints)");
	ck_assert_int_eq(epopts_set(&ep, "com.example.label", "x", &e), 0);
	free(ep.allow.v);
}
END_TEST

Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("options");

	tcase_add_test(tc, network_options);
	tcase_add_test(tc, docker_bridge_options);
	tcase_add_test(tc, control_paths);
	tcase_add_test(tc, endpoint_options);
	suite_add_tcase(s, tc);
	return s;
}
