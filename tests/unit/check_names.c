/* Every name and mark guardnet gives the kernel (names.c), for both forms
 * of Docker's IDs, and the boundary that lets only those forms in. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "json-decode.h"
#include "names.h"
#include "suites.h"

#define HEX_ID "4aa2d42bef9d487d398a30c85e12e8fb237690c3cf238241dd6db2c80c77c4c5"
#define SWARM_ID "olslm2x2ik7h57ul54whs6nbu"

static void mac_is(const uint8_t mac[6], const char *want)
{
	char buf[18];

	snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	ck_assert_str_eq(buf, want);
}

/* Hosts that ran an earlier guardnet keep their links' names. */
START_TEST(hex_ids_keep_their_names)
{
	char br[GN_IFNAME_MAX + 1], host[GN_IFNAME_MAX + 1], ctr[GN_IFNAME_MAX + 1];

	names_bridge(HEX_ID, br);
	ck_assert_str_eq(br, "gn-4aa2d42bef9d");
	names_veth(HEX_ID, host, ctr);
	ck_assert_str_eq(host, "gnh4aa2d42bef9d");
	ck_assert_str_eq(ctr, "gnc4aa2d42bef9d");
}
END_TEST

START_TEST(swarm_ids_name_links_too)
{
	char br[GN_IFNAME_MAX + 1], host[GN_IFNAME_MAX + 1], ctr[GN_IFNAME_MAX + 1];

	names_bridge(SWARM_ID, br);
	ck_assert_str_eq(br, "gn-olslm2x2ik7h");
	names_veth(SWARM_ID, host, ctr);
	ck_assert_str_eq(host, "gnholslm2x2ik7h");
	ck_assert_str_eq(ctr, "gncolslm2x2ik7h");
}
END_TEST

/* An endpoint's guardnet.allow: chain and set per family, 12 ID
 * characters as its veth pair, within nf_tables' name limit. */
START_TEST(epallow_names)
{
	char n[NAMES_EPALLOW_MAX];

	names_epallow(HEX_ID, AF_INET, n, sizeof n);
	ck_assert_str_eq(n, "epa4-4aa2d42bef9d");
	names_epallow(HEX_ID, AF_INET6, n, sizeof n);
	ck_assert_str_eq(n, "epa6-4aa2d42bef9d");
	names_epallow(SWARM_ID, AF_INET, n, sizeof n);
	ck_assert_str_eq(n, "epa4-olslm2x2ik7h");
	ck_assert_uint_eq(NAMES_EPALLOW_MAX, strlen(n) + 1);
}
END_TEST

START_TEST(alias_and_owner)
{
	char alias[NAMES_ALIAS_MAX];

	names_alias(HEX_ID, alias);
	ck_assert_str_eq(alias, "guardnet:" HEX_ID);
	ck_assert_str_eq(names_alias_owner(alias), HEX_ID);
	names_alias(SWARM_ID, alias);
	ck_assert_str_eq(names_alias_owner(alias), SWARM_ID);
	ck_assert_ptr_null(names_alias_owner("docker0"));
	ck_assert_ptr_null(names_alias_owner(""));
	ck_assert_ptr_null(names_alias_owner("guardnet"));
}
END_TEST

/* The mark is FNV-1a 64 of "guardnet:" + name, as links made by earlier
 * versions carry it (the value comes from tests/e2e/bridges.sh's mark_mac). */
START_TEST(mark_mac_is_stable)
{
	uint8_t mac[6], other[6];

	names_mark_mac("gn-4aa2d42bef9d", mac);
	mac_is(mac, "7e:40:46:ba:f9:e7");
	ck_assert_uint_eq(mac[0] & 0x03, 0x02); /* locally administered, unicast */
	names_mark_mac("gnh4aa2d42bef9d", other);
	ck_assert(memcmp(mac, other, 6) != 0);
	ck_assert(names_marked("gn-4aa2d42bef9d", "", mac));
	ck_assert(!names_marked("gn-4aa2d42bef9d", "guardnet:" HEX_ID, mac));
	ck_assert(!names_marked("gnh4aa2d42bef9d", "", mac));
}
END_TEST

START_TEST(container_macs)
{
	struct gn_endpoint_spec s = { .id = HEX_ID, .has_addr4 = true };
	uint8_t mac[6], again[6];

	s.addr4.addr.family = 2;
	memcpy(s.addr4.addr.a, (uint8_t[]){ 10, 97, 0, 200 }, 4);
	names_container_mac(&s, mac);
	mac_is(mac, "02:42:0a:61:00:c8");
	/* IPv6 only: from the ID, the same for the same ID, any ID form. */
	s.has_addr4 = false;
	names_container_mac(&s, mac);
	names_container_mac(&s, again);
	ck_assert(!memcmp(mac, again, 6));
	ck_assert(mac[0] == 0x02 && mac[1] == 0x42);
	snprintf(s.id, sizeof s.id, "%s", SWARM_ID);
	names_container_mac(&s, again);
	mac_is(again, "02:42:ac:29:ea:c8");
	ck_assert(memcmp(mac, again, 6) != 0);
	/* Docker's own, when it gave one. */
	s.has_mac = true;
	memcpy(s.mac, (uint8_t[]){ 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 }, 6);
	names_container_mac(&s, mac);
	mac_is(mac, "02:11:22:33:44:55");
}
END_TEST

START_TEST(ids_at_the_boundary)
{
	struct gn_err e;

	ck_assert_int_eq(decode_id(HEX_ID, "NetworkID", &e), 0);
	ck_assert_int_eq(decode_id(SWARM_ID, "NetworkID", &e), 0);
	ck_assert_int_eq(decode_id("4AA2", "NetworkID", &e), -EINVAL);
	ck_assert_str_eq(e.msg, "NetworkID: invalid ID \"4AA2\" (expected 64 lowercase hex digits, or 25 lowercase "
				"letters and digits for a swarm network)");
	ck_assert_int_eq(decode_id("OLSLM2X2IK7H57UL54WHS6NBU", "NetworkID", &e), -EINVAL);
	ck_assert_int_eq(decode_id("olslm2x2ik7h57ul54whs6nb/", "NetworkID", &e), -EINVAL);
	ck_assert_int_eq(decode_id("../../../../etc/passwd000", "NetworkID", &e), -EINVAL);
	ck_assert_int_eq(decode_id("olslm2x2ik7h57ul54whs6nbuu", "NetworkID", &e), -EINVAL);
	ck_assert_int_eq(decode_id(HEX_ID "0", "NetworkID", &e), -EINVAL);
	/* 64 characters, but not all hex. */
	ck_assert_int_eq(decode_id("gaa2d42bef9d487d398a30c85e12e8fb237690c3cf238241dd6db2c80c77c4c5", "EndpointID", &e), -EINVAL);
	ck_assert_int_eq(decode_id("", "EndpointID", &e), -EINVAL);
}
END_TEST

/* No other file spells a name or mark rule. */
START_TEST(only_names_spells_them)
{
	static const char *const spelled[] = { "\"gn-", "\"gnh", "\"gnc", "guardnet:", "0x42" };
	DIR *d = opendir(PLUGIN_DIR);
	struct dirent *de;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		char path[512], line[4096];
		unsigned n = 0;
		FILE *f;

		if (!strncmp(de->d_name, "names.", 6) || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", PLUGIN_DIR, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof line, f)) {
			n++;
			for (size_t i = 0; i < sizeof spelled / sizeof spelled[0]; i++)
				ck_assert_msg(!strstr(line, spelled[i]), "%s:%u spells %s, which only names.c may",
					      de->d_name, n, spelled[i]);
		}
		fclose(f);
	}
	closedir(d);
}
END_TEST

Suite *names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, hex_ids_keep_their_names);
	tcase_add_test(tc, swarm_ids_name_links_too);
	tcase_add_test(tc, epallow_names);
	tcase_add_test(tc, alias_and_owner);
	tcase_add_test(tc, mark_mac_is_stable);
	tcase_add_test(tc, container_macs);
	tcase_add_test(tc, ids_at_the_boundary);
	tcase_add_test(tc, only_names_spells_them);
	suite_add_tcase(s, tc);
	return s;
}
