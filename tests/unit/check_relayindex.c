/* The relay's index (relayindex.c) against the rule it keeps, that of
 * plan_relays: of the claims on a port, the first in relay_svc_cmp's
 * order.  Random claims and removals on six ports, so that ports are
 * claimed by several owners, some with the very same target; the changes
 * taken after each step, applied to a map of ports as the relay applies
 * them, give the reference's choice, and never a change that changes
 * nothing. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "relayindex.h"
#include "suites.h"

#define PORT0 40000
#define N_PORTS 6

/* Ports in four blocks of 256 (relayindex.h), the first and last among them. */
static const uint16_t ports[N_PORTS] = { 1, 255, 256, PORT0, PORT0 + 1, 65535 };

static unsigned index_of(uint16_t port)
{
	for (unsigned p = 0; p < N_PORTS; p++)
		if (ports[p] == port)
			return p;
	ck_abort_msg("[::1]:%u was never claimed", port);
	return 0;
}
#define N_OWNERS 5

struct claim {
	struct gn_relay_svc s;
	int owner;
};

/* The state of the world: every claim, as plan_relays would see them. */
static struct claim claims[4096];
static size_t n_claims;
static int owners[N_OWNERS];

/* What the relay serves: one target or none per port. */
static struct gn_relay_svc served[N_PORTS];
static bool serving[N_PORTS];

static unsigned rnd(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) % n;
}

static struct gn_relay_svc svc(uint16_t port, uint8_t host, uint16_t to_port)
{
	struct gn_relay_svc s = { .proto = GN_PROTO_TCP, .port = port, .to_port = to_port };

	s.to.family = AF_INET6;
	s.to.a[0] = 0xfd;
	s.to.a[15] = host;
	return s;
}

/* plan_relays' rule over claims: sorted, the first of each port. */
static size_t reference(struct gn_relay_svc *out)
{
	struct gn_relay_svc all[4096];
	size_t n = 0;

	for (size_t i = 0; i < n_claims; i++)
		all[i] = claims[i].s;
	if (n_claims)
		qsort(all, n_claims, sizeof *all, relay_svc_cmp);
	for (size_t i = 0; i < n_claims; i++)
		if (!n || all[i].port != out[n - 1].port)
			out[n++] = all[i];
	return n;
}

static void take_and_compare(struct relayindex *ix, unsigned step)
{
	const struct gn_relay_change *c;
	struct gn_relay_svc want[N_PORTS];
	ssize_t k = relayindex_take(ix, &c);
	size_t n = reference(want), w = 0;

	ck_assert_int_ge(k, 0);
	for (ssize_t i = 0; i < k; i++) {
		unsigned p = index_of(c[i].s.port);

		ck_assert_msg(c[i].gone ? serving[p] : !serving[p] || relay_svc_cmp(&served[p], &c[i].s),
			      "step %u: a change of [::1]:%u that changes nothing", step, c[i].s.port);
		serving[p] = !c[i].gone;
		served[p] = c[i].s;
	}
	for (unsigned p = 0; p < N_PORTS; p++) {
		bool wanted = w < n && want[w].port == ports[p];

		ck_assert_msg(serving[p] == wanted, "step %u: [::1]:%u served %d, plan_relays says %d", step,
			      ports[p], serving[p], wanted);
		if (wanted)
			ck_assert_msg(!relay_svc_cmp(&served[p], &want[w++]), "step %u: [::1]:%u has another target",
				      step, ports[p]);
	}
}

/* The whole list, as the relay gets it when the driver rebuilds it. */
static void list_and_compare(struct relayindex *ix)
{
	struct gn_relay_svc want[N_PORTS], *v;
	size_t n = reference(want), nv;

	ck_assert_int_eq(relayindex_list(ix, &v, &nv), 0);
	ck_assert_uint_eq(nv, n);
	memset(serving, 0, sizeof serving);
	for (size_t i = 0; i < n; i++) {
		ck_assert(!relay_svc_cmp(&v[i], &want[i]));
		serving[index_of(v[i].port)] = true;
		served[index_of(v[i].port)] = v[i];
	}
	free(v);
}

START_TEST(changes_follow_plan_relays_rule)
{
	for (unsigned seed0 = 1; seed0 <= 20; seed0++) {
		unsigned seed = seed0;
		struct relayindex ix = { 0 };

		n_claims = 0;
		memset(serving, 0, sizeof serving);
		for (unsigned step = 0; step < 2000; step++) {
			int o = (int)rnd(&seed, N_OWNERS);
			uint16_t port = ports[rnd(&seed, N_PORTS)];

			if (rnd(&seed, 2) && n_claims < 4096) {
				/* Few hosts and ports: equal claims of two owners too. */
				struct gn_relay_svc s = svc(port, (uint8_t)rnd(&seed, 3), (uint16_t)(80 + rnd(&seed, 2)));

				ck_assert_int_eq(relayindex_add(&ix, &s, &owners[o]), 0);
				claims[n_claims++] = (struct claim){ s, o };
			} else {
				size_t kept = 0;

				relayindex_del(&ix, port, &owners[o]);
				for (size_t i = 0; i < n_claims; i++)
					if (claims[i].owner != o || claims[i].s.port != port)
						claims[kept++] = claims[i];
				n_claims = kept;
			}
			/* Several steps between takes, as several requests
			 * between two turns of guardnetd's loop. */
			if (rnd(&seed, 3) == 0)
				take_and_compare(&ix, step);
			if (rnd(&seed, 200) == 0) {
				list_and_compare(&ix);
				take_and_compare(&ix, step);
			}
		}
		take_and_compare(&ix, 2000);
		list_and_compare(&ix);
		relayindex_clear(&ix);
	}
}
END_TEST

/* Taken out and put back: nothing for the relay.  Another owner's claim
 * behind the choice: nothing either, until the choice goes. */
START_TEST(only_what_changes_is_told)
{
	struct relayindex ix = { 0 };
	struct gn_relay_svc a = svc(PORT0, 1, 80), b = svc(PORT0, 2, 80), udp = a;
	const struct gn_relay_change *c;

	ck_assert_int_eq(relayindex_add(&ix, &a, &owners[0]), 0);
	ck_assert_int_eq(relayindex_take(&ix, &c), 1);
	ck_assert(!c[0].gone && !relay_svc_cmp(&c[0].s, &a));
	relayindex_del(&ix, PORT0, &owners[0]);
	ck_assert_int_eq(relayindex_add(&ix, &a, &owners[0]), 0);
	ck_assert_int_eq(relayindex_take(&ix, &c), 0);
	ck_assert_int_eq(relayindex_add(&ix, &b, &owners[1]), 0);
	relayindex_del(&ix, PORT0 + 1, &owners[0]);
	relayindex_del(&ix, PORT0, &owners[2]);
	ck_assert_int_eq(relayindex_take(&ix, &c), 0);
	relayindex_del(&ix, PORT0, &owners[0]);
	ck_assert_int_eq(relayindex_take(&ix, &c), 1);
	ck_assert(!c[0].gone && !relay_svc_cmp(&c[0].s, &b));
	relayindex_del(&ix, PORT0, &owners[1]);
	ck_assert_int_eq(relayindex_take(&ix, &c), 1);
	ck_assert(c[0].gone && c[0].s.port == PORT0);
	udp.proto = 17;
	ck_assert_int_eq(relayindex_add(&ix, &udp, &owners[0]), -EINVAL);
	ck_assert_int_eq(relayindex_take(&ix, &c), 0);
	relayindex_clear(&ix);
}
END_TEST

Suite *relayindex_suite(void)
{
	Suite *s = suite_create("relayindex");
	TCase *tc = tcase_create("relayindex");

	tcase_add_test(tc, changes_follow_plan_relays_rule);
	tcase_add_test(tc, only_what_changes_is_told);
	suite_add_tcase(s, tc);
	return s;
}
