/*
 * guardnet's accept rule on legacy (x_tables) iptables hosts, through
 * libiptc: the same rule as on nf_tables hosts,
 *
 *   -I DOCKER-USER -m mark --mark M/M -m comment --comment guardnet -j ACCEPT
 *
 * in the legacy filter tables of both families, when Docker (or UFW) uses
 * them.  Legacy iptables has no change events, so guardnetd also checks it
 * on a timer (fw_ipt_legacy_sync is cheap when nothing is missing).  libiptc takes
 * no lock of its own: the xtables lock is held from init to commit, as
 * iptables does, or a concurrent dockerd change could be lost
 * (research/c-libs.md section 3).
 */
#include <libiptc/libiptc.h>
#include <libiptc/libip6tc.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_mark.h>

#include "fw.h"
#include "fw-ipt-legacy.h"
#include "log.h"

#define LOCK_WAIT_MS 3000

/* Whether the legacy table exists: reading /proc/net/ip_tables_names does
 * not create it, unlike iptc_init (research/c-libs.md section 3). */
static bool legacy_table(const char *names_file)
{
	char line[64];
	bool found = false;
	FILE *f = fopen(names_file, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof line, f))
		found = !strcmp(line, "filter\n");
	fclose(f);
	return found;
}

bool fw_ipt_legacy_present(void)
{
	return legacy_table("/proc/net/ip_tables_names") || legacy_table("/proc/net/ip6_tables_names");
}

static int xt_lock(void)
{
	const char *path = getenv("XTABLES_LOCKFILE") ? getenv("XTABLES_LOCKFILE") : "/run/xtables.lock";
	int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 10) {
		if (waited >= LOCK_WAIT_MS) {
			close(fd);
			return -EWOULDBLOCK;
		}
		poll(NULL, 0, 10);
	}
	return fd;
}

/* The matches and target after an entry's header: mark, comment, ACCEPT. */
static size_t put_body(unsigned char *p, uint32_t mark, uint16_t *target_offset, size_t hdr)
{
	size_t len = hdr;
	struct xt_entry_match *m = (void *)(p + len);
	struct xt_mark_mtinfo1 *mi = (void *)m->data;
	struct xt_comment_info *ci;
	struct xt_standard_target *t;

	m->u.match_size = (uint16_t)(XT_ALIGN(sizeof *m) + XT_ALIGN(sizeof *mi));
	strcpy(m->u.user.name, "mark");
	m->u.user.revision = 1;
	mi->mark = mi->mask = mark;
	len += m->u.match_size;
	m = (void *)(p + len);
	ci = (void *)m->data;
	m->u.match_size = (uint16_t)(XT_ALIGN(sizeof *m) + XT_ALIGN(sizeof *ci));
	strcpy(m->u.user.name, "comment");
	strcpy(ci->comment, FW_COMMENT);
	len += m->u.match_size;
	*target_offset = (uint16_t)len;
	t = (void *)(p + len);
	t->target.u.target_size = (uint16_t)XT_ALIGN(sizeof *t);
	strcpy(t->target.u.user.name, "ACCEPT");
	return len + t->target.u.target_size;
}

/* What a rule of ours looks like: a comment match saying "guardnet"; and
 * whether its mark match carries mark. */
static bool ours(const unsigned char *e, size_t hdr, uint16_t target_offset, uint32_t mark, bool *current)
{
	bool is_ours = false, has_mark = false;

	for (size_t off = hdr; off < target_offset;) {
		const struct xt_entry_match *m = (const void *)(e + off);

		if (m->u.match_size == 0)
			break;
		if (!strcmp(m->u.user.name, "comment") &&
		    !strcmp(((const struct xt_comment_info *)m->data)->comment, FW_COMMENT))
			is_ours = true;
		if (!strcmp(m->u.user.name, "mark") && ((const struct xt_mark_mtinfo1 *)m->data)->mark == mark)
			has_mark = true;
		off += m->u.match_size;
	}
	*current = is_ours && has_mark;
	return is_ours;
}

size_t fw_ipt_legacy_rule(int family, uint32_t mark, void *buf, size_t len)
{
	size_t hdr = family == AF_INET6 ? XT_ALIGN(sizeof(struct ip6t_entry)) : XT_ALIGN(sizeof(struct ipt_entry));
	uint16_t target_offset;
	size_t n;

	/* Header, two matches and a standard target: 488 bytes for IPv4, 544
	 * for IPv6 on x86_64. */
	size_t need = hdr + XT_ALIGN(sizeof(struct xt_entry_match)) + XT_ALIGN(sizeof(struct xt_mark_mtinfo1)) +
		      XT_ALIGN(sizeof(struct xt_entry_match)) + XT_ALIGN(sizeof(struct xt_comment_info)) +
		      XT_ALIGN(sizeof(struct xt_standard_target));

	if (len < need)
		return 0;
	memset(buf, 0, len);
	n = put_body(buf, mark, &target_offset, hdr);
	if (family == AF_INET6) {
		struct ip6t_entry *e = buf;

		e->target_offset = target_offset;
		e->next_offset = (uint16_t)n;
	} else {
		struct ipt_entry *e = buf;

		e->target_offset = target_offset;
		e->next_offset = (uint16_t)n;
	}
	return n;
}

bool fw_ipt_legacy_ours(int family, const void *entry, uint32_t mark, bool *current)
{
	uint16_t target_offset = family == AF_INET6 ? ((const struct ip6t_entry *)entry)->target_offset
						     : ((const struct ipt_entry *)entry)->target_offset;
	size_t hdr = family == AF_INET6 ? sizeof(struct ip6t_entry) : sizeof(struct ipt_entry);

	return ours(entry, hdr, target_offset, mark, current);
}

/* The two families differ only in types; these macros write one body for both. */
#define SYNC_FAMILY(NAME, PFX, ENTRY, FAMILY, NAMES)                                                                   \
	static int NAME(uint32_t mark, struct gn_err *err)                                                     \
	{                                                                                                      \
		static const char *chains[] = { "DOCKER-USER", "FORWARD" };                                    \
		struct xtc_handle *h;                                                                          \
		int lock, r = 0;                                                                               \
		bool changed = false, placed = false;                                                          \
                                                                                                               \
		if (!legacy_table(NAMES))                                                                      \
			return 0;                                                                              \
		lock = xt_lock();                                                                              \
		if (lock < 0)                                                                                  \
			return gn_errf(err, lock, "legacy iptables: the xtables lock: %s", strerror(-lock));   \
		h = PFX##_init("filter");                                                                      \
		if (!h) {                                                                                      \
			r = gn_errf(err, -EIO, "legacy iptables: %s", PFX##_strerror(errno));                 \
			goto out;                                                                              \
		}                                                                                              \
		for (size_t c = 0; c < 2; c++) {                                                               \
			xt_chainlabel label = { 0 };                                                           \
			const struct ENTRY *e;                                                                 \
			unsigned num = 0;                                                                      \
			bool keep = false;                                                                     \
                                                                                                               \
			strcpy(label, chains[c]);                                                              \
			if (!PFX##_is_chain(label, h))                                                         \
				continue;                                                                      \
			/* Walk, deleting ours where they do not belong (num stays put after a delete). */     \
			for (e = PFX##_first_rule(label, h); e;) {                                            \
				bool current;                                                                  \
				const struct ENTRY *next = PFX##_next_rule(e, h);                              \
                                                                                                               \
				if (ours((const unsigned char *)e, sizeof *e, e->target_offset, mark, &current) && \
				    !(current && mark && !placed && !keep)) {                                  \
					PFX##_delete_num_entry(label, num, h);                                 \
					changed = true;                                                        \
				} else {                                                                       \
					keep = keep || (current && mark && !placed);                           \
					num++;                                                                 \
				}                                                                              \
				e = next;                                                                      \
			}                                                                                      \
			if (mark && !placed && !keep) {                                                        \
				unsigned char buf[FW_IPT_LEGACY_RULE_MAX] __attribute__((aligned(8)));         \
                                                                                                               \
				fw_ipt_legacy_rule(FAMILY, mark, buf, sizeof buf);                             \
				if (!PFX##_insert_entry(label, (struct ENTRY *)buf, 0, h)) {                   \
					r = gn_errf(err, -EIO, "legacy iptables: adding to %s: %s", chains[c],  \
						    PFX##_strerror(errno));                                    \
					goto out;                                                              \
				}                                                                              \
				changed = true;                                                                \
			}                                                                                      \
			placed = true;                                                                         \
		}                                                                                              \
		if (changed && !PFX##_commit(h))                                                               \
			r = gn_errf(err, -EIO, "legacy iptables: commit: %s", PFX##_strerror(errno));         \
		else if (changed)                                                                              \
			log_info("legacy iptables (%s): guardnet's accept rule %s", &(NAMES)[10],              \
				 mark ? "put in place" : "removed");                                           \
	out:                                                                                                   \
		if (h)                                                                                         \
			PFX##_free(h);                                                                         \
		close(lock);                                                                                   \
		return r;                                                                                      \
	}

SYNC_FAMILY(sync4, iptc, ipt_entry, AF_INET, "/proc/net/ip_tables_names")
SYNC_FAMILY(sync6, ip6tc, ip6t_entry, AF_INET6, "/proc/net/ip6_tables_names")

int fw_ipt_legacy_sync(uint32_t mark, struct gn_err *err)
{
	int r = sync4(mark, err);

	return r < 0 ? r : sync6(mark, err);
}

/* Reads one family's chains; the two families differ only in types. */
#define READ_FAMILY(NAME, PFX, ENTRY, NAMES)                                                                   \
	static int NAME(uint32_t mark, bool *present, struct fw_ipt_legacy_view *ret, struct gn_err *err)     \
	{                                                                                                      \
		static const char *chains[] = { "DOCKER-USER", "FORWARD" };                                    \
		struct xtc_handle *h;                                                                          \
                                                                                                               \
		memset(ret, 0, sizeof *ret);                                                                   \
		*present = legacy_table(NAMES);                                                                \
		if (!*present)                                                                                 \
			return 0;                                                                              \
		h = PFX##_init("filter");                                                                      \
		if (!h)                                                                                        \
			return gn_errf(err, -EIO, "reading: %s", PFX##_strerror(errno));                       \
		for (size_t c = 0; c < 2; c++) {                                                               \
			xt_chainlabel label = { 0 };                                                           \
                                                                                                               \
			strcpy(label, chains[c]);                                                              \
			if (!(ret->exists[c] = PFX##_is_chain(label, h)))                                      \
				continue;                                                                      \
			for (const struct ENTRY *e = PFX##_first_rule(label, h); e; e = PFX##_next_rule(e, h)) { \
				bool current;                                                                  \
                                                                                                               \
				if (ours((const unsigned char *)e, sizeof *e, e->target_offset, mark, &current)) { \
					ret->n[c]++;                                                           \
					ret->current[c] |= current && mark;                                    \
				}                                                                              \
			}                                                                                      \
		}                                                                                              \
		PFX##_free(h);                                                                                 \
		return 0;                                                                                      \
	}

READ_FAMILY(read4, iptc, ipt_entry, "/proc/net/ip_tables_names")
READ_FAMILY(read6, ip6tc, ip6t_entry, "/proc/net/ip6_tables_names")

int fw_ipt_legacy_read(int family, uint32_t mark, bool *present, struct fw_ipt_legacy_view *ret, struct gn_err *err)
{
	return family == AF_INET6 ? read6(mark, present, ret, err) : read4(mark, present, ret, err);
}

bool fw_ipt_legacy_has_chain(const char *chain)
{
	xt_chainlabel label = { 0 };
	struct xtc_handle *h;
	bool found;

	if (!legacy_table("/proc/net/ip_tables_names"))
		return false;
	h = iptc_init("filter");
	if (!h)
		return false;
	snprintf(label, sizeof label, "%s", chain);
	found = iptc_is_chain(label, h);
	iptc_free(h);
	return found;
}
