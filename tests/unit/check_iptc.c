/*
 * guardnet's rules in iptables' forward path (the mark accept and the two
 * device group drops), without root:
 *   - legacy hosts: the ipt_entry / ip6t_entry that fw-ipt-legacy.c hands to
 *     libiptc, printed field by field (header, each match, the target) and
 *     read back by the same code that later recognises it in a chain;
 *   - iptables-nft hosts: the messages fw-ipt-nft.c sends for what the
 *     chains hold (nothing there, the rules in place, stale or out of
 *     order, FORWARD no longer jumping to DOCKER-USER, no filter table,
 *     removal, Docker's nftables backend), parsed back with libnftnl.
 * Both are compared with tests/unit/golden/iptc_*.txt (`make golden`).
 * And the xtables lock, taken the way iptables waits for it, against
 * processes that keep it queued as a busy dockerd's iptables calls do.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_devgroup.h>
#include <linux/netfilter/xt_mark.h>

#include "fw-ipt-legacy.h"
#include "fw-ipt-lock.h"
#include "fw-nft.h"
#include "suites.h"

#define MARK 0x4e47
#define GROUP 0x4e47

static void hex(FILE *out, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", ((const uint8_t *)p)[i]);
}

static void print_ipv4(FILE *out, const struct ipt_entry *e)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	const struct ipt_ip *ip = &e->ip;

	fprintf(out, "ipt_entry: src %s/%s dst %s/%s\n", inet_ntop(AF_INET, &ip->src, a, sizeof a),
		inet_ntop(AF_INET, &ip->smsk, b, sizeof b), inet_ntop(AF_INET, &ip->dst, c, sizeof c),
		inet_ntop(AF_INET, &ip->dmsk, d, sizeof d));
	fprintf(out, "  iniface \"%s\" mask ", ip->iniface);
	hex(out, ip->iniface_mask, sizeof ip->iniface_mask);
	fprintf(out, "\n  outiface \"%s\" mask ", ip->outiface);
	hex(out, ip->outiface_mask, sizeof ip->outiface_mask);
	fprintf(out, "\n  proto %u flags 0x%x invflags 0x%x\n", ip->proto, ip->flags, ip->invflags);
	fprintf(out, "  nfcache 0x%x target_offset %u next_offset %u comefrom %u counters %llu/%llu\n", e->nfcache,
		e->target_offset, e->next_offset, e->comefrom, (unsigned long long)e->counters.pcnt,
		(unsigned long long)e->counters.bcnt);
}

static void print_ipv6(FILE *out, const struct ip6t_entry *e)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const struct ip6t_ip6 *ip = &e->ipv6;

	fprintf(out, "ip6t_entry: src %s/%s dst %s/%s\n", inet_ntop(AF_INET6, &ip->src, a, sizeof a),
		inet_ntop(AF_INET6, &ip->smsk, b, sizeof b), inet_ntop(AF_INET6, &ip->dst, c, sizeof c),
		inet_ntop(AF_INET6, &ip->dmsk, d, sizeof d));
	fprintf(out, "  iniface \"%s\" mask ", ip->iniface);
	hex(out, ip->iniface_mask, sizeof ip->iniface_mask);
	fprintf(out, "\n  outiface \"%s\" mask ", ip->outiface);
	hex(out, ip->outiface_mask, sizeof ip->outiface_mask);
	fprintf(out, "\n  proto %u tos %u flags 0x%x invflags 0x%x\n", ip->proto, ip->tos, ip->flags, ip->invflags);
	fprintf(out, "  nfcache 0x%x target_offset %u next_offset %u comefrom %u counters %llu/%llu\n", e->nfcache,
		e->target_offset, e->next_offset, e->comefrom, (unsigned long long)e->counters.pcnt,
		(unsigned long long)e->counters.bcnt);
}

/* The matches between the header and the target, then the target. */
static void print_body(FILE *out, const uint8_t *e, size_t hdr, size_t target_offset, size_t next_offset)
{
	const struct xt_standard_target *t = (const void *)(e + target_offset);

	for (size_t off = hdr; off < target_offset;) {
		const struct xt_entry_match *m = (const void *)(e + off);
		size_t data = m->u.match_size - XT_ALIGN(sizeof *m);

		fprintf(out, "match %s revision %u size %u:", m->u.user.name, m->u.user.revision, m->u.match_size);
		if (!strcmp(m->u.user.name, "mark") && m->u.user.revision == 1) {
			const struct xt_mark_mtinfo1 *mi = (const void *)m->data;

			fprintf(out, " mark 0x%x mask 0x%x invert %u\n", mi->mark, mi->mask, mi->invert);
		} else if (!strcmp(m->u.user.name, "devgroup")) {
			const struct xt_devgroup_info *g = (const void *)m->data;

			fprintf(out, " flags 0x%x src 0x%x/0x%x dst 0x%x/0x%x\n", g->flags, g->src_group, g->src_mask,
				g->dst_group, g->dst_mask);
		} else if (!strcmp(m->u.user.name, "comment")) {
			fprintf(out, " comment \"%s\"\n", ((const struct xt_comment_info *)m->data)->comment);
		} else {
			fputc(' ', out);
			hex(out, m->data, data);
			fputc('\n', out);
		}
		ck_assert_uint_gt(m->u.match_size, 0);
		off += m->u.match_size;
	}
	fprintf(out, "target %s revision %u size %u verdict %d\n", t->target.u.user.name, t->target.u.user.revision,
		t->target.u.target_size, t->verdict);
	fprintf(out, "end at %zu of %zu\n", target_offset + t->target.u.target_size, next_offset);
}

START_TEST(legacy_rule)
{
	static const struct fw_hook want = { .mark = MARK, .group = GROUP };
	struct fw_legacy_rule w[3];
	size_t nw = fw_ipt_legacy_wanted(&want, w);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_uint_eq(nw, 3);
	for (size_t i = 0; i < nw; i++) {
		uint8_t buf4[FW_IPT_LEGACY_RULE_MAX] __attribute__((aligned(8)));
		uint8_t buf6[FW_IPT_LEGACY_RULE_MAX] __attribute__((aligned(8)));
		size_t n4 = fw_ipt_legacy_rule(AF_INET, &w[i], buf4, sizeof buf4);
		size_t n6 = fw_ipt_legacy_rule(AF_INET6, &w[i], buf6, sizeof buf6);
		const struct ipt_entry *e4 = (const void *)buf4;
		const struct ip6t_entry *e6 = (const void *)buf6;
		struct fw_legacy_rule k;

		ck_assert_uint_eq(n4, e4->next_offset);
		ck_assert_uint_eq(n6, e6->next_offset);
		fprintf(out, "=== rule %zu\n", i + 1);
		print_ipv4(out, e4);
		print_body(out, buf4, sizeof *e4, e4->target_offset, e4->next_offset);
		print_ipv6(out, e6);
		print_body(out, buf6, sizeof *e6, e6->target_offset, e6->next_offset);
		/* Read back as guardnet later finds it in a chain: ours, and
		 * the very rule it was made as. */
		ck_assert(fw_ipt_legacy_ours(AF_INET, buf4, &k));
		ck_assert(k.drop == w[i].drop && k.into == w[i].into && k.value == w[i].value);
		ck_assert(fw_ipt_legacy_ours(AF_INET6, buf6, &k));
		ck_assert(k.drop == w[i].drop && k.into == w[i].into && k.value == w[i].value);
		/* A buffer one byte short builds nothing (an IPv6 rule once
		 * overran the 512 bytes it was given). */
		ck_assert_uint_eq(fw_ipt_legacy_rule(AF_INET, &w[i], buf4, n4 - 1), 0);
		ck_assert_uint_eq(fw_ipt_legacy_rule(AF_INET6, &w[i], buf6, n6 - 1), 0);
		ck_assert_uint_eq(fw_ipt_legacy_rule(AF_INET6, &w[i], buf6, n6), n6);
	}
	fclose(out);
	ck_assert_msg(golden_match("iptc_legacy_rule", text), "the legacy rules differ from their golden file");
	free(text);
	/* No group: the accept rule alone; no mark: nothing. */
	ck_assert_uint_eq(fw_ipt_legacy_wanted(&(struct fw_hook){ .mark = MARK }, w), 1);
	ck_assert_uint_eq(fw_ipt_legacy_wanted(&(struct fw_hook){ .group = GROUP }, w), 0);
}
END_TEST

/* One state of the chains and what fw-ipt-nft.c sends for it. */
static void hook_case(FILE *out, const char *what, const struct ipt_state *st, const struct fw_hook *want)
{
	struct nft_batch *b = nft_batch_new(1);
	const void *data;
	size_t n;

	ck_assert_ptr_nonnull(b);
	fw_ipt_nft_msgs(b, st, want);
	fprintf(out, "== %s (mark 0x%x, group 0x%x): %zu messages\n", what, want->mark, want->group,
		nft_batch_messages(b));
	ck_assert_int_eq(nft_batch_seal(b), 0);
	data = nft_batch_data(b, &n);
	nft_batch_print(data, n, out);
	nft_batch_free(b);
}

/* The devgroup matches' info in the golden file is byte for byte what
 * iptables-nft 1.8.9 writes for -m devgroup --dst-group 0x4e47 (flags 4)
 * and --src-group 0x4e47 (flags 1), read back from the kernel. */
#define RULES3 { { IPT_ACCEPT, MARK }, { IPT_DROP_TO, GROUP }, { IPT_DROP_FROM, GROUP } }

START_TEST(nft_hook)
{
	static const struct fw_hook want = { .mark = MARK, .group = GROUP }, accept_only = { .mark = MARK },
				    none = { 0 };
	struct ipt_chain empty = { .exists = true }, absent = { 0 };
	struct ipt_chain jumping = { .exists = true, .jumps_to_docker_user = true };
	struct ipt_chain in_place = { .exists = true, .n = 3, .handles = { 5, 6, 7 }, .rules = RULES3 };
	struct ipt_chain in_place_jumping = in_place;
	struct ipt_chain old = { .exists = true, .n = 1, .handles = { 7 }, .rules = { { IPT_ACCEPT, MARK } } };
	struct ipt_chain stale = { .exists = true, .n = 1, .handles = { 7 }, .rules = { { IPT_ACCEPT, 0x100 } } };
	struct ipt_chain swapped = { .exists = true, .n = 3, .handles = { 5, 6, 7 },
				     .rules = { { IPT_ACCEPT, MARK }, { IPT_DROP_FROM, GROUP }, { IPT_DROP_TO, GROUP } } };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct ipt_state st;

	in_place_jumping.jumps_to_docker_user = true;
	st = (struct ipt_state){ .chain = { { empty, jumping }, { empty, jumping } } };
	hook_case(out, "Docker's chains, nothing of guardnet's", &st, &want);
	st = (struct ipt_state){ .chain = { { in_place, jumping }, { in_place, jumping } } };
	hook_case(out, "the rules in place in both families", &st, &want);
	st = (struct ipt_state){ .chain = { { stale, jumping }, { old, jumping } } };
	hook_case(out, "ip holds a rule for another mark, ip6 the accept rule alone (before the drops)", &st, &want);
	st = (struct ipt_state){ .chain = { { swapped, jumping }, { in_place, jumping } } };
	hook_case(out, "the drops in the wrong order", &st, &want);
	st = (struct ipt_state){ .chain = { { in_place, empty }, { absent, absent } } };
	hook_case(out, "iptables -F: FORWARD no longer jumps to DOCKER-USER; no ip6 filter at all", &st, &want);
	st = (struct ipt_state){ .chain = { { absent, empty }, { absent, absent } },
				 .no_create = { false, true } };
	hook_case(out, "no DOCKER-USER: FORWARD; legacy iptables holds ip6 filter: nothing made in nf_tables",
		  &st, &want);
	st = (struct ipt_state){ .chain = { { in_place, in_place_jumping }, { absent, stale } } };
	hook_case(out, "the last network went: removed everywhere", &st, &none);
	st = (struct ipt_state){ .chain = { { empty, jumping }, { empty, jumping } } };
	hook_case(out, "no device group: the accept rule alone", &st, &accept_only);
	/* Docker's nftables backend: nothing jumps to a DOCKER-USER there. */
	st = (struct ipt_state){ .chain = { { in_place, empty }, { in_place, empty } }, .docker_nft = true };
	hook_case(out, "Docker's nftables backend: out of DOCKER-USER, into FORWARD", &st, &want);
	st = (struct ipt_state){ .chain = { { empty, in_place_jumping }, { absent, in_place } }, .docker_nft = true };
	hook_case(out, "Docker's nftables backend: in FORWARD already", &st, &want);
	fclose(out);
	ck_assert_msg(golden_match("iptc_nft_hook", text), "the iptables-nft messages differ from their golden file");
	free(text);
}
END_TEST

/* guardnet turned forwarding on: FORWARD's policy becomes DROP. */
START_TEST(nft_policy_drop)
{
	struct nft_batch *b = nft_batch_new(1);
	char *text = NULL;
	size_t len = 0, n;
	FILE *out = open_memstream(&text, &len);
	const void *data;

	ck_assert_ptr_nonnull(b);
	fw_ipt_nft_policy_drop(b, AF_INET6);
	ck_assert_int_eq(nft_batch_seal(b), 0);
	data = nft_batch_data(b, &n);
	nft_batch_print(data, n, out);
	nft_batch_free(b);
	fclose(out);
	ck_assert_msg(golden_match("iptc_nft_policy_drop", text), "the policy messages differ from their golden file");
	free(text);
}
END_TEST

/* A process that takes the lock at path and lets go of it, again and
 * again, holding it hold_ms each time, until stop's write end closes; it
 * writes a byte to ready once it first had it. */
static pid_t locker(const char *path, int hold_ms, int ready, const int stop[2])
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid)
		return pid;
	close(stop[1]);
	for (bool first = true;; first = false) {
		struct pollfd p = { .fd = stop[0], .events = POLLIN };
		int fd = open(path, O_RDWR | O_CLOEXEC);

		if (fd < 0 || flock(fd, LOCK_EX) < 0)
			_exit(1);
		if (first && write(ready, "x", 1) != 1)
			_exit(1);
		if (poll(&p, 1, hold_ms) != 0)
			_exit(0);
		close(fd);
	}
}

static char lock_path[] = "/tmp/gn-unit-xtables.XXXXXX";

static void lockers(pid_t *pids, size_t n, int hold_ms, int *stop_w)
{
	int ready[2], stop[2];
	char c;

	ck_assert_int_ge(mkstemp(lock_path), 0);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(stop), 0);
	for (size_t i = 0; i < n; i++)
		pids[i] = locker(lock_path, hold_ms, ready[1], stop);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(stop[0]);
	close(ready[0]);
	close(ready[1]);
	*stop_w = stop[1];
}

static void lockers_end(pid_t *pids, size_t n, int stop_w)
{
	close(stop_w);
	for (size_t i = 0; i < n; i++) {
		int status;

		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a locker failed (status %d)", status);
	}
	unlink(lock_path);
}

/* Whether /proc/locks shows a request blocked on the flock of inode ino
 * ("N: -> FLOCK ADVISORY WRITE PID MAJ:MIN:INODE ..."). */
static bool queued(ino_t ino)
{
	char line[256], tail[32];
	bool found = false;
	FILE *f = fopen("/proc/locks", "re");

	ck_assert_ptr_nonnull(f);
	snprintf(tail, sizeof tail, ":%lu ", (unsigned long)ino);
	while (!found && fgets(line, sizeof line, f))
		found = strstr(line, "-> FLOCK") && strstr(line, tail);
	fclose(f);
	return found;
}

/* A holder that lets go only for a request queued behind it, as a busy
 * host's iptables calls hand the lock to the next in line: a poller with
 * LOCK_NB never queues, so it never has it (the wait before 3c19632 gave
 * up after 3 s); a waiter in the queue has it as soon as it asks.  Not a
 * race: the holder looks at /proc/locks every 10 ms until it sees one. */
START_TEST(lock_waits_in_the_queue)
{
	int ready[2], stop[2], fd, status;
	struct stat st;
	pid_t pid;
	char c;

	ck_assert_int_ge(mkstemp(lock_path), 0);
	ck_assert_int_eq(stat(lock_path, &st), 0);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(stop), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct pollfd p = { .fd = stop[0], .events = POLLIN };
		int h = open(lock_path, O_RDWR | O_CLOEXEC);

		close(stop[1]);
		if (h < 0 || flock(h, LOCK_EX) < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		while (!queued(st.st_ino))
			if (poll(&p, 1, 10) != 0)
				_exit(2);
		_exit(0);
	}
	close(stop[0]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	fd = fw_ipt_legacy_lock(lock_path, 3000);
	ck_assert_msg(fd >= 0, "the lock was not had in 3 s from a holder that lets go for a queued request: %s",
		      strerror(-fd));
	close(fd);
	close(stop[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the holder ended with status %d", status);
	unlink(lock_path);
}
END_TEST

/* One holder that never lets go: the wait ends, and says so. */
START_TEST(lock_wait_ends)
{
	pid_t pid;
	int stop, fd;

	lockers(&pid, 1, 60000, &stop);
	fd = fw_ipt_legacy_lock(lock_path, 200);
	ck_assert_int_eq(fd, -EWOULDBLOCK);
	fd = fw_ipt_legacy_lock(lock_path, 0);
	ck_assert_int_eq(fd, -EWOULDBLOCK);
	lockers_end(&pid, 1, stop);
}
END_TEST

/* The same from a thread that blocks SIGALRM (worker threads often block
 * every signal): the wait still ends. */
START_TEST(lock_wait_ends_with_the_signal_blocked)
{
	sigset_t alrm;
	pid_t pid;
	int stop, fd;

	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, &alrm, NULL), 0);
	lockers(&pid, 1, 60000, &stop);
	fd = fw_ipt_legacy_lock(lock_path, 200);
	ck_assert_int_eq(fd, -EWOULDBLOCK);
	lockers_end(&pid, 1, stop);
}
END_TEST

Suite *iptc_suite(void)
{
	Suite *s = suite_create("iptc");
	TCase *tc = tcase_create("golden");

	tcase_add_test(tc, legacy_rule);
	tcase_add_test(tc, nft_hook);
	tcase_add_test(tc, nft_policy_drop);
	suite_add_tcase(s, tc);
	tc = tcase_create("xtables lock");
	/* The waits are bounded by the code under test (3 s at most); a
	 * loaded machine may take longer to fork and reap the holders. */
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, lock_waits_in_the_queue);
	tcase_add_test(tc, lock_wait_ends);
	tcase_add_test(tc, lock_wait_ends_with_the_signal_blocked);
	suite_add_tcase(s, tc);
	return s;
}
