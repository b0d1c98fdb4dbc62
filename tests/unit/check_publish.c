#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "driver-publish.h"
#include "pubindex.h"
#include "ranges.h"
#include "spec.h"
#include "suites.h"

static struct gn_addr_list allowed;
static struct pubindex taken;
static struct gn_endpoint_spec ep;
static int busy_port;   /* a port the fake host holds, 0 for none */

static bool fake_host(void *ctx, uint8_t proto, int family, const struct gn_addr *addr, uint16_t port, char *who,
		      size_t len)
{
	(void)ctx, (void)proto, (void)family, (void)addr;
	if (port != busy_port)
		return false;
	snprintf(who, len, "listening on 0.0.0.0:%u", port);
	return true;
}

static void setup(void)
{
	addr_list_parse("0.0.0.0,::", &allowed, "publish", NULL);
	memset(&taken, 0, sizeof taken);
	memset(&ep, 0, sizeof ep);
	strcpy(ep.id, "50d43e7575f60020380d9d143a7592388be539fa9fb9d250ea97c5d434f19c1a");
	ep.has_addr4 = true;
	prefix_parse("10.97.0.200/24", false, false, &ep.addr4, "x", NULL);
	busy_port = 0;
}

static void teardown(void)
{
	free(allowed.v);
	pubindex_clear(&taken);
}

static struct publish_env env(void)
{
	return (struct publish_env){ .allowed = &allowed, .allowed_name = "guardnet.publish=0.0.0.0,::",
				     .eph_lo = 32768, .eph_hi = 32770, .taken = &taken, .host_in_use = fake_host };
}

static struct gn_port_binding bind_tcp(uint16_t port, uint16_t hp, uint16_t hpe, const char *hip)
{
	struct gn_port_binding b = { .proto = GN_PROTO_TCP, .port = port, .host_port = hp, .host_port_end = hpe };

	if (hip) {
		b.has_host_ip = true;
		addr_parse(hip, &b.host_ip, "x", NULL);
	}
	return b;
}

static int resolve(struct gn_port_binding *v, size_t n, struct gn_ports *out, struct gn_err *e)
{
	struct publish_env en = env();
	struct gn_ports req = { .map = v, .n_map = n };

	return publish_resolve(&en, &ep, "net", &req, out, e);
}

START_TEST(fixed_port_on_every_address)
{
	struct gn_port_binding b = bind_tcp(80, 8080, 8080, NULL);
	struct gn_ports out;
	struct gn_pub_list pubs = { 0 };
	struct gn_err e;

	ck_assert_int_eq(resolve(&b, 1, &out, &e), 0);
	ck_assert_int_eq(out.map[0].host_port, 8080);
	ck_assert_int_eq(publish_expand(&allowed, &ep, "net", &out, &pubs), 0);
	/* IPv4 only: the endpoint has no IPv6 address. */
	ck_assert_uint_eq(pubs.n, 1);
	ck_assert(pubs.v[0].any && pubs.v[0].family == AF_INET && pubs.v[0].port == 8080 && pubs.v[0].ctr_port == 80);
	pub_list_clear(&pubs);
	ports_clear(&out);
}
END_TEST

START_TEST(host_ip_must_be_allowed)
{
	struct gn_port_binding b = bind_tcp(80, 8080, 8080, "0.0.0.0");
	struct gn_ports out;
	struct gn_err e;
	struct publish_env en;
	struct gn_ports req = { .map = &b, .n_map = 1 };

	free(allowed.v);
	addr_list_parse("127.0.0.1", &allowed, "publish", NULL);
	en = env();
	en.allowed_name = "guardnet.publish=127.0.0.1";
	ck_assert_int_eq(publish_resolve(&en, &ep, "net", &req, &out, &e), -EACCES);
	ck_assert_str_eq(e.msg, "HostIP 0.0.0.0 (port 8080/tcp) is not allowed by guardnet.publish=127.0.0.1");
	b = bind_tcp(80, 8080, 8080, "127.0.0.1");
	ck_assert_int_eq(publish_resolve(&en, &ep, "net", &req, &out, &e), 0);
	ports_clear(&out);
}
END_TEST

START_TEST(ephemeral_and_ranges)
{
	struct gn_port_binding b[2] = { bind_tcp(80, 0, 0, NULL), bind_tcp(81, 0, 0, NULL) };
	struct gn_ports out;
	struct gn_err e;

	busy_port = 32768;
	ck_assert_int_eq(resolve(b, 2, &out, &e), 0);
	ck_assert_int_eq(out.map[0].host_port, 32769);
	ck_assert_int_eq(out.map[1].host_port, 32770);
	ports_clear(&out);
	b[0] = bind_tcp(80, 9000, 9002, NULL);
	busy_port = 9000;
	ck_assert_int_eq(resolve(b, 1, &out, &e), 0);
	ck_assert_int_eq(out.map[0].host_port, 9001);
	ck_assert_int_eq(out.map[0].host_port_end, 9001);
	ports_clear(&out);
	b[0] = bind_tcp(80, 9000, 9000, NULL);
	ck_assert_int_eq(resolve(b, 1, &out, &e), -EADDRINUSE);
	ck_assert_str_eq(e.msg, "host port 9000/tcp on 0.0.0.0 is in use by a process on the host (listening on 0.0.0.0:9000)");
	b[0] = bind_tcp(80, 9000, 9000, NULL);
	b[1] = bind_tcp(81, 9000, 9000, NULL);
	busy_port = 0;
	ck_assert_int_eq(resolve(b, 2, &out, &e), -EADDRINUSE);
	ck_assert_str_eq(e.msg, "host port 9000/tcp on 0.0.0.0 is requested twice by this container");
}
END_TEST

START_TEST(conflicts_with_other_endpoints)
{
	struct gn_port_binding b = bind_tcp(80, 8080, 8080, "127.0.0.1");
	struct gn_pub other = { .family = AF_INET, .any = true, .proto = GN_PROTO_TCP, .port = 8080,
				.ep_id = "1111111111112222", .net_id = "333333333333444" };
	struct gn_ports out;
	struct gn_err e;

	ck_assert_int_eq(pubindex_add(&taken, &other), 0);
	ck_assert_int_eq(resolve(&b, 1, &out, &e), -EADDRINUSE);
	ck_assert_str_eq(e.msg, "host port 8080/tcp on 127.0.0.1 is already published by endpoint 111111111111 on "
		"network 333333333333");
	/* Another protocol, or another port, is free. */
	b.proto = GN_PROTO_UDP;
	ck_assert_int_eq(resolve(&b, 1, &out, &e), 0);
	ports_clear(&out);
	/* Two specific addresses do not collide. */
	pubindex_del(&taken, &other);
	other.any = false;
	addr_parse("192.0.2.1", &other.host, "x", NULL);
	ck_assert_int_eq(pubindex_add(&taken, &other), 0);
	b.proto = GN_PROTO_TCP;
	ck_assert_int_eq(resolve(&b, 1, &out, &e), 0);
	ports_clear(&out);
}
END_TEST

START_TEST(ipv6_bindings)
{
	struct gn_port_binding b = bind_tcp(443, 8443, 8443, "::1");
	struct gn_pub_list pubs = { 0 };
	struct gn_ports out;
	struct gn_err e;

	/* On an IPv4-only endpoint an IPv6 binding publishes nothing. */
	ck_assert_int_eq(resolve(&b, 1, &out, &e), 0);
	ck_assert_int_eq(publish_expand(&allowed, &ep, "net", &out, &pubs), 0);
	ck_assert_uint_eq(pubs.n, 0);
	ports_clear(&out);
	ep.has_addr6 = true;
	prefix_parse("fd00::2/64", false, false, &ep.addr6, "x", NULL);
	b = bind_tcp(80, 8080, 8080, NULL);
	ck_assert_int_eq(resolve(&b, 1, &out, &e), 0);
	ck_assert_int_eq(publish_expand(&allowed, &ep, "net", &out, &pubs), 0);
	ck_assert_uint_eq(pubs.n, 2);
	ck_assert(pubs.v[1].family == AF_INET6 && pubs.v[1].any);
	pub_list_clear(&pubs);
	ports_clear(&out);
}
END_TEST

static void ck_range(const struct gn_range *r, int family, const char *lo, const char *hi)
{
	struct gn_addr a = { .family = (uint8_t)family };
	char buf[64];

	memcpy(a.a, r->lo, 16);
	addr_format(&a, buf, sizeof buf);
	ck_assert_str_eq(buf, lo);
	memcpy(a.a, r->hi, 16);
	addr_format(&a, buf, sizeof buf);
	ck_assert_str_eq(buf, hi);
}

START_TEST(ranges_merge)
{
	struct gn_prefix_list l;
	struct gn_range *r;
	uint8_t end[16];
	size_t n;

	prefix_list_parse("10.1.0.0/16,10.0.0.0/8,192.168.1.0/24,192.168.0.0/24,fd00::/8,172.16.0.0/12", &l, "x", NULL);
	ck_assert_int_eq(ranges_from_prefixes(l.v, l.n, AF_INET, &r, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_range(&r[0], AF_INET, "10.0.0.0", "10.255.255.255");
	ck_range(&r[1], AF_INET, "172.16.0.0", "172.31.255.255");
	ck_range(&r[2], AF_INET, "192.168.0.0", "192.168.1.255");
	ck_assert(range_end_exclusive(&r[2], AF_INET, end));
	free(r);
	free(l.v);
	prefix_list_parse("128.0.0.0/1,0.0.0.0/1", &l, "x", NULL);
	ck_assert_int_eq(ranges_from_prefixes(l.v, l.n, AF_INET, &r, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_range(&r[0], AF_INET, "0.0.0.0", "255.255.255.255");
	ck_assert(!range_end_exclusive(&r[0], AF_INET, end));
	free(r);
	free(l.v);
}
END_TEST

/* A subnet less its gateway: before and after it, or one side when the
 * gateway is at an end, or the whole range when it is outside. */
START_TEST(range_less_an_address)
{
	struct gn_range r = { 0 }, out[2];
	struct gn_addr a;

	addr_parse("10.0.0.0", &a, "x", NULL);
	memcpy(r.lo, a.a, 16);
	addr_parse("10.0.0.255", &a, "x", NULL);
	memcpy(r.hi, a.a, 16);
	addr_parse("10.0.0.1", &a, "x", NULL);
	ck_assert_uint_eq(range_without(&r, AF_INET, a.a, out), 2);
	ck_range(&out[0], AF_INET, "10.0.0.0", "10.0.0.0");
	ck_range(&out[1], AF_INET, "10.0.0.2", "10.0.0.255");
	addr_parse("10.0.0.0", &a, "x", NULL);
	ck_assert_uint_eq(range_without(&r, AF_INET, a.a, out), 1);
	ck_range(&out[0], AF_INET, "10.0.0.1", "10.0.0.255");
	addr_parse("10.0.0.255", &a, "x", NULL);
	ck_assert_uint_eq(range_without(&r, AF_INET, a.a, out), 1);
	ck_range(&out[0], AF_INET, "10.0.0.0", "10.0.0.254");
	addr_parse("10.0.1.1", &a, "x", NULL);
	ck_assert_uint_eq(range_without(&r, AF_INET, a.a, out), 1);
	ck_range(&out[0], AF_INET, "10.0.0.0", "10.0.0.255");
	/* Borrowing across bytes, IPv6. */
	memset(&r, 0, sizeof r);
	addr_parse("fd00::", &a, "x", NULL);
	memcpy(r.lo, a.a, 16);
	addr_parse("fd00::ffff:ffff", &a, "x", NULL);
	memcpy(r.hi, a.a, 16);
	addr_parse("fd00::1:0", &a, "x", NULL);
	ck_assert_uint_eq(range_without(&r, AF_INET6, a.a, out), 2);
	ck_range(&out[0], AF_INET6, "fd00::", "fd00::ffff");
	ck_range(&out[1], AF_INET6, "fd00::1:1", "fd00::ffff:ffff");
}
END_TEST

START_TEST(index_of_taken_ports)
{
	static const char *owners[] = { "owner-a", "owner-b", "owner-c", "owner-d" };
	struct gn_pub p = { .family = AF_INET, .proto = GN_PROTO_TCP, .any = true, .net_id = "net" };
	const struct gn_pub *hit;

	/* Enough to grow the table several times. */
	for (unsigned i = 0; i < 5000; i++) {
		p.port = (uint16_t)(10000 + i);
		p.ep_id = owners[i % 4];
		ck_assert_int_eq(pubindex_add(&taken, &p), 0);
	}
	ck_assert_uint_eq(taken.n, 5000);
	p.port = 10005;
	p.ep_id = owners[0];
	hit = pubindex_find(&taken, &p, owners[0]);
	ck_assert_ptr_nonnull(hit);
	ck_assert_str_eq(hit->ep_id, "owner-b");
	/* An endpoint's own publication is no conflict. */
	ck_assert_ptr_null(pubindex_find(&taken, &p, owners[1]));
	/* Another protocol or family is free; a specific address collides with any. */
	p.proto = GN_PROTO_UDP;
	ck_assert_ptr_null(pubindex_find(&taken, &p, NULL));
	p.proto = GN_PROTO_TCP;
	p.family = AF_INET6;
	ck_assert_ptr_null(pubindex_find(&taken, &p, NULL));
	p.family = AF_INET;
	p.any = false;
	addr_parse("192.0.2.1", &p.host, "x", NULL);
	ck_assert_ptr_nonnull(pubindex_find(&taken, &p, NULL));
	/* Removal needs the owner and the same key. */
	p.any = true;
	pubindex_del(&taken, &p);
	ck_assert_uint_eq(taken.n, 5000);
	p.ep_id = owners[1];
	pubindex_del(&taken, &p);
	ck_assert_uint_eq(taken.n, 4999);
	ck_assert_ptr_null(pubindex_find(&taken, &p, NULL));
	p.port = 10006;
	ck_assert_ptr_nonnull(pubindex_find(&taken, &p, NULL));
}
END_TEST

Suite *publish_suite(void)
{
	Suite *s = suite_create("publish");
	TCase *tc = tcase_create("publish");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fixed_port_on_every_address);
	tcase_add_test(tc, host_ip_must_be_allowed);
	tcase_add_test(tc, ephemeral_and_ranges);
	tcase_add_test(tc, conflicts_with_other_endpoints);
	tcase_add_test(tc, ipv6_bindings);
	tcase_add_test(tc, ranges_merge);
	tcase_add_test(tc, range_less_an_address);
	tcase_add_test(tc, index_of_taken_ports);
	suite_add_tcase(s, tc);
	return s;
}
