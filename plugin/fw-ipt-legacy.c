/*
 * guardnet's rules on legacy (x_tables) iptables hosts, through libiptc:
 * the same rules as on nf_tables hosts (fw.h, struct fw_hook),
 *
 *   -I DOCKER-USER -m mark --mark M/M -m comment --comment guardnet -j ACCEPT
 *   -I DOCKER-USER 2 -m devgroup --dst-group G -m comment --comment guardnet -j DROP
 *   -I DOCKER-USER 3 -m devgroup --src-group G -m comment --comment guardnet -j DROP
 *
 * in the legacy filter tables of both families, when Docker (or UFW) uses
 * them: in DOCKER-USER while FORWARD jumps to it, else in FORWARD.  Legacy
 * iptables has no change events, so guardnetd also checks it on a timer
 * (fw_ipt_legacy_sync is cheap when nothing is missing).  libiptc takes no
 * lock of its own: the xtables lock is held from init to commit, as
 * iptables does, or a concurrent dockerd change could be lost
 * (research/c-libs.md section 3).
 */
#include <libiptc/libiptc.h>
#include <libiptc/libip6tc.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_devgroup.h>
#include <linux/netfilter/xt_mark.h>

#include "fw.h"
#include "fw-ipt-legacy.h"
#include "fw-ipt-lock.h"
#include "log.h"

#define LOCK_WAIT_MS 3000

static const char *const names_files[2] = { "/proc/net/ip_tables_names", "/proc/net/ip6_tables_names" };

/* Whether the legacy table exists: reading /proc/net/ip_tables_names does
 * not create it, unlike iptc_init (research/c-libs.md section 3). */
static bool legacy_has(const char *names_file, const char *table)
{
	char line[64];
	bool found = false;
	size_t n = strlen(table);
	FILE *f = fopen(names_file, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof line, f))
		found = !strncmp(line, table, n) && !strcmp(line + n, "\n");
	fclose(f);
	return found;
}

static bool legacy_table(const char *names_file)
{
	return legacy_has(names_file, "filter");
}

bool fw_ipt_legacy_present(void)
{
	return legacy_table(names_files[0]) || legacy_table(names_files[1]);
}

void fw_ipt_legacy_families(bool ret[2])
{
	ret[0] = legacy_table(names_files[0]);
	ret[1] = legacy_table(names_files[1]);
}

static int xt_lock(struct gn_err *err)
{
	const char *path = getenv("XTABLES_LOCKFILE") ? getenv("XTABLES_LOCKFILE") : "/run/xtables.lock";
	int fd = fw_ipt_legacy_lock(path, LOCK_WAIT_MS);

	if (fd == -EWOULDBLOCK)
		return gn_errf(err, fd, "legacy iptables: the xtables lock %s was held by another program for %d s",
			       path, LOCK_WAIT_MS / 1000);
	if (fd < 0)
		return gn_errf(err, fd, "legacy iptables: the xtables lock %s: %s", path, strerror(-fd));
	return fd;
}

/* An xt match of the given name and data size at p; its data. */
static void *put_match(unsigned char *p, const char *name, uint8_t revision, size_t size)
{
	struct xt_entry_match *m = (void *)p;

	m->u.match_size = (uint16_t)(XT_ALIGN(sizeof *m) + XT_ALIGN(size));
	strcpy(m->u.user.name, name);
	m->u.user.revision = revision;
	return m->data;
}

/* The matches and target after an entry's header: the mark (accept) or
 * the device group (drops), the comment, the verdict. */
static size_t put_body(unsigned char *p, const struct fw_legacy_rule *k, uint16_t *target_offset, size_t hdr)
{
	size_t len = hdr;
	struct xt_standard_target *t;

	if (k->drop) {
		struct xt_devgroup_info *g = put_match(p + len, "devgroup", 0, sizeof *g);

		g->flags = k->into ? XT_DEVGROUP_MATCH_DST : XT_DEVGROUP_MATCH_SRC;
		if (k->into) {
			g->dst_group = k->value;
			g->dst_mask = UINT32_MAX;
		} else {
			g->src_group = k->value;
			g->src_mask = UINT32_MAX;
		}
	} else {
		struct xt_mark_mtinfo1 *mi = put_match(p + len, "mark", 1, sizeof *mi);

		mi->mark = mi->mask = k->value;
	}
	len += ((struct xt_entry_match *)(p + len))->u.match_size;
	strcpy(((struct xt_comment_info *)put_match(p + len, "comment", 0, sizeof(struct xt_comment_info)))->comment,
	       FW_COMMENT);
	len += ((struct xt_entry_match *)(p + len))->u.match_size;
	*target_offset = (uint16_t)len;
	t = (void *)(p + len);
	t->target.u.target_size = (uint16_t)XT_ALIGN(sizeof *t);
	/* libiptc turns a standard target named ACCEPT or DROP into its verdict. */
	strcpy(t->target.u.user.name, k->drop ? "DROP" : "ACCEPT");
	return len + t->target.u.target_size;
}

/* Whether an entry is one of guardnet's rules (its comment says so), and
 * which. */
static bool ours(const unsigned char *e, size_t hdr, uint16_t target_offset, struct fw_legacy_rule *k)
{
	bool is_ours = false, known = false;

	memset(k, 0, sizeof *k);
	for (size_t off = hdr; off < target_offset;) {
		const struct xt_entry_match *m = (const void *)(e + off);

		if (m->u.match_size == 0)
			break;
		if (!strcmp(m->u.user.name, "comment") &&
		    !strcmp(((const struct xt_comment_info *)m->data)->comment, FW_COMMENT))
			is_ours = true;
		if (!strcmp(m->u.user.name, "mark")) {
			*k = (struct fw_legacy_rule){ .value = ((const struct xt_mark_mtinfo1 *)m->data)->mark };
			known = true;
		}
		if (!strcmp(m->u.user.name, "devgroup")) {
			const struct xt_devgroup_info *g = (const void *)m->data;

			*k = (struct fw_legacy_rule){ .drop = true, .into = g->flags == XT_DEVGROUP_MATCH_DST,
						      .value = g->flags == XT_DEVGROUP_MATCH_DST ? g->dst_group
												 : g->src_group };
			known = g->flags == XT_DEVGROUP_MATCH_DST || g->flags == XT_DEVGROUP_MATCH_SRC;
		}
		off += m->u.match_size;
	}
	if (!known)
		k->value = 0; /* never equal to a wanted rule */
	return is_ours;
}

size_t fw_ipt_legacy_rule(int family, const struct fw_legacy_rule *k, void *buf, size_t len)
{
	size_t hdr = family == AF_INET6 ? XT_ALIGN(sizeof(struct ip6t_entry)) : XT_ALIGN(sizeof(struct ipt_entry));
	size_t data = k->drop ? sizeof(struct xt_devgroup_info) : sizeof(struct xt_mark_mtinfo1);
	uint16_t target_offset;
	size_t n;

	/* Header, two matches and a standard target: 488 bytes for IPv4, 544
	 * for IPv6 on x86_64 (the accept rule). */
	size_t need = hdr + XT_ALIGN(sizeof(struct xt_entry_match)) + XT_ALIGN(data) +
		      XT_ALIGN(sizeof(struct xt_entry_match)) + XT_ALIGN(sizeof(struct xt_comment_info)) +
		      XT_ALIGN(sizeof(struct xt_standard_target));

	if (len < need)
		return 0;
	memset(buf, 0, len);
	n = put_body(buf, k, &target_offset, hdr);
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

bool fw_ipt_legacy_ours(int family, const void *entry, struct fw_legacy_rule *ret)
{
	uint16_t target_offset = family == AF_INET6 ? ((const struct ip6t_entry *)entry)->target_offset
						     : ((const struct ipt_entry *)entry)->target_offset;
	size_t hdr = family == AF_INET6 ? sizeof(struct ip6t_entry) : sizeof(struct ipt_entry);

	return ours(entry, hdr, target_offset, ret);
}

size_t fw_ipt_legacy_wanted(const struct fw_hook *want, struct fw_legacy_rule out[3])
{
	size_t n = 0;

	if (!want->mark)
		return 0;
	out[n++] = (struct fw_legacy_rule){ .value = want->mark };
	if (want->group) {
		out[n++] = (struct fw_legacy_rule){ .drop = true, .into = true, .value = want->group };
		out[n++] = (struct fw_legacy_rule){ .drop = true, .value = want->group };
	}
	return n;
}

static bool same_rule(const struct fw_legacy_rule *a, const struct fw_legacy_rule *b)
{
	return a->drop == b->drop && a->into == b->into && a->value == b->value;
}

/* The two families differ only in types; these macros write one body for
 * both.  In the chain where the rules belong (DOCKER-USER while FORWARD
 * jumps to it, unless docker_nft; else FORWARD), guardnet's rules are kept
 * when they are exactly the wanted ones in order, else removed and the
 * wanted ones inserted first; everywhere else they are removed. */
#define SYNC_FAMILY(NAME, PFX, ENTRY, FAMILY, NAMES)                                                                   \
	static bool NAME##_jumps(struct xtc_handle *h)                                                         \
	{                                                                                                      \
		static const xt_chainlabel forward = "FORWARD";                                                \
                                                                                                               \
		for (const struct ENTRY *e = PFX##_first_rule(forward, h); e; e = PFX##_next_rule(e, h)) {    \
			const char *t = PFX##_get_target(e, h);                                                \
                                                                                                               \
			if (t && !strcmp(t, "DOCKER-USER"))                                                    \
				return true;                                                                   \
		}                                                                                              \
		return false;                                                                                  \
	}                                                                                                      \
                                                                                                               \
	static int NAME(const struct fw_hook *want, bool docker_nft, struct gn_err *err)                      \
	{                                                                                                      \
		static const xt_chainlabel chains[2] = { "DOCKER-USER", "FORWARD" };                           \
		struct fw_legacy_rule w[3];                                                                    \
		size_t nw = fw_ipt_legacy_wanted(want, w);                                                     \
		struct xtc_handle *h;                                                                          \
		int lock, r = 0, to = -1;                                                                      \
		bool changed = false;                                                                          \
                                                                                                               \
		if (!legacy_table(NAMES))                                                                      \
			return 0;                                                                              \
		lock = xt_lock(err);                                                                           \
		if (lock < 0)                                                                                  \
			return lock;                                                                           \
		h = PFX##_init("filter");                                                                      \
		if (!h) {                                                                                      \
			r = gn_errf(err, -EIO, "legacy iptables: %s", PFX##_strerror(errno));                 \
			goto out;                                                                              \
		}                                                                                              \
		if (nw)                                                                                        \
			to = !docker_nft && PFX##_is_chain(chains[0], h) && NAME##_jumps(h) ? 0 : 1;      \
		for (int c = 0; c < 2; c++) {                                                                  \
			size_t n = 0;                                                                          \
			bool exact = true;                                                                     \
                                                                                                               \
			if (!PFX##_is_chain(chains[c], h))                                                     \
				continue;                                                                      \
			for (const struct ENTRY *e = PFX##_first_rule(chains[c], h); e; e = PFX##_next_rule(e, h)) { \
				struct fw_legacy_rule k;                                                       \
                                                                                                               \
				if (!ours((const unsigned char *)e, sizeof *e, e->target_offset, &k))          \
					continue;                                                              \
				exact = exact && n < nw && same_rule(&k, &w[n]);                               \
				n++;                                                                           \
			}                                                                                      \
			if (c == to && exact && n == nw)                                                       \
				continue;                                                                      \
			/* Walk, deleting ours (num stays put after a delete). */                              \
			for (unsigned num = 0; n;) {                                                           \
				const struct ENTRY *e = PFX##_first_rule(chains[c], h);                        \
				struct fw_legacy_rule k;                                                       \
                                                                                                               \
				for (unsigned i = 0; e && i < num; i++)                                        \
					e = PFX##_next_rule(e, h);                                             \
				if (!e)                                                                        \
					break;                                                                 \
				if (ours((const unsigned char *)e, sizeof *e, e->target_offset, &k)) {         \
					PFX##_delete_num_entry(chains[c], num, h);                             \
					changed = true;                                                        \
					n--;                                                                   \
				} else {                                                                       \
					num++;                                                                 \
				}                                                                              \
			}                                                                                      \
			for (size_t i = nw; c == to && i-- > 0;) {                                             \
				unsigned char buf[FW_IPT_LEGACY_RULE_MAX] __attribute__((aligned(8)));         \
                                                                                                               \
				fw_ipt_legacy_rule(FAMILY, &w[i], buf, sizeof buf);                            \
				if (!PFX##_insert_entry(chains[c], (struct ENTRY *)buf, 0, h)) {               \
					r = gn_errf(err, -EIO, "legacy iptables: adding to %s: %s", chains[c],  \
						    PFX##_strerror(errno));                                    \
					goto out;                                                              \
				}                                                                              \
				changed = true;                                                                \
			}                                                                                      \
		}                                                                                              \
		if (changed && !PFX##_commit(h))                                                               \
			r = gn_errf(err, -EIO, "legacy iptables: commit: %s", PFX##_strerror(errno));         \
		else if (changed)                                                                              \
			log_info("legacy iptables (%s): guardnet's rules %s", &(NAMES)[10],                    \
				 nw ? "put in place" : "removed");                                             \
	out:                                                                                                   \
		if (h)                                                                                         \
			PFX##_free(h);                                                                         \
		close(lock);                                                                                   \
		return r;                                                                                      \
	}                                                                                                      \
                                                                                                               \
	static int NAME##_policy_drop(struct gn_err *err)                                                      \
	{                                                                                                      \
		static const xt_chainlabel forward = "FORWARD", drop = "DROP";                                 \
		struct xtc_handle *h;                                                                          \
		int lock, r = 0;                                                                               \
                                                                                                               \
		lock = xt_lock(err);                                                                           \
		if (lock < 0)                                                                                  \
			return lock;                                                                           \
		h = PFX##_init("filter");                                                                      \
		if (!h || !PFX##_set_policy(forward, drop, NULL, h) || !PFX##_commit(h))                   \
			r = gn_errf(err, -EIO, "legacy iptables: FORWARD policy DROP: %s", PFX##_strerror(errno)); \
		if (h)                                                                                         \
			PFX##_free(h);                                                                         \
		close(lock);                                                                                   \
		return r;                                                                                      \
	}

SYNC_FAMILY(sync4, iptc, ipt_entry, AF_INET, "/proc/net/ip_tables_names")
SYNC_FAMILY(sync6, ip6tc, ip6t_entry, AF_INET6, "/proc/net/ip6_tables_names")

int fw_ipt_legacy_sync(const struct fw_hook *want, bool docker_nft, struct gn_err *err)
{
	int r = sync4(want, docker_nft, err);

	return r < 0 ? r : sync6(want, docker_nft, err);
}

int fw_ipt_legacy_policy_drop(int family, struct gn_err *err)
{
	return family == AF_INET6 ? sync6_policy_drop(err) : sync4_policy_drop(err);
}

/* Reads one family's chains; the two families differ only in types. */
#define READ_FAMILY(NAME, PFX, ENTRY, JUMPS, NAMES)                                                            \
	static int NAME(bool *present, struct fw_ipt_legacy_view *ret, struct gn_err *err)                     \
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
				struct fw_legacy_rule k;                                                       \
                                                                                                               \
				if (ours((const unsigned char *)e, sizeof *e, e->target_offset, &k) &&         \
				    ret->n[c] < FW_IPT_LEGACY_MAX_OURS)                                        \
					ret->rules[c][ret->n[c]++] = k;                                        \
			}                                                                                      \
		}                                                                                              \
		ret->jumps = ret->exists[0] && ret->exists[1] && JUMPS(h);                                     \
		PFX##_free(h);                                                                                 \
		return 0;                                                                                      \
	}

READ_FAMILY(read4, iptc, ipt_entry, sync4_jumps, "/proc/net/ip_tables_names")
READ_FAMILY(read6, ip6tc, ip6t_entry, sync6_jumps, "/proc/net/ip6_tables_names")

int fw_ipt_legacy_read(int family, bool *present, struct fw_ipt_legacy_view *ret, struct gn_err *err)
{
	return family == AF_INET6 ? read6(present, ret, err) : read4(present, ret, err);
}

bool fw_ipt_legacy_has_chain(const char *chain)
{
	xt_chainlabel label = { 0 };
	struct xtc_handle *h;
	bool found;

	if (!legacy_table(names_files[0]))
		return false;
	h = iptc_init("filter");
	if (!h)
		return false;
	snprintf(label, sizeof label, "%s", chain);
	found = iptc_is_chain(label, h);
	iptc_free(h);
	return found;
}

/* The destination port of an entry's tcp or udp match (xt_tcp and xt_udp
 * both start with the source and destination port ranges); 0: none, or a
 * range. */
static uint16_t entry_dport(const struct ipt_entry *e)
{
	for (size_t off = sizeof *e; off < e->target_offset;) {
		const struct xt_entry_match *m = (const void *)((const unsigned char *)e + off);
		const uint16_t *ports = (const void *)m->data;

		if (m->u.match_size == 0)
			break;
		if ((!strcmp(m->u.user.name, "tcp") || !strcmp(m->u.user.name, "udp")) && ports[2] == ports[3])
			return ports[2];
		off += m->u.match_size;
	}
	return 0;
}

int fw_ipt_legacy_ingress(struct gn_transport_port **ret, size_t *n)
{
	xt_chainlabel label = "DOCKER-INGRESS";
	struct gn_transport_port *v = NULL;
	const struct ipt_entry *e;
	struct xtc_handle *h;
	size_t k = 0, cap = 0;

	*ret = NULL;
	*n = 0;
	if (!legacy_has("/proc/net/ip_tables_names", "nat") || !(h = iptc_init("nat")))
		return 0;
	for (e = iptc_is_chain(label, h) ? iptc_first_rule(label, h) : NULL; e; e = iptc_next_rule(e, h)) {
		uint16_t port = entry_dport(e);

		if (!port || strcmp(iptc_get_target(e, h), "DNAT"))
			continue;
		if (k == cap) {
			struct gn_transport_port *bigger = realloc(v, (cap = cap ? 2 * cap : 8) * sizeof *v);

			if (!bigger) {
				free(v);
				iptc_free(h);
				return -ENOMEM;
			}
			v = bigger;
		}
		v[k++] = (struct gn_transport_port){ .proto = e->ip.proto, .port = port };
	}
	iptc_free(h);
	*ret = v;
	*n = k;
	return 0;
}
