/*
 * The xtables lock (fw-ipt-lock.c), which iptables and guardnet's legacy
 * rules (fw-ipt-legacy.c) hold from read to commit.  Internal to the
 * firewall layer.
 */
#ifndef GN_FW_IPT_LOCK_H
#define GN_FW_IPT_LOCK_H

/* The xtables lock at path (iptables' /run/xtables.lock, or
 * $XTABLES_LOCKFILE as iptables reads it), waited for among the waiters as
 * iptables waits, at most wait_ms: the locked file's descriptor (closing
 * it lets go), -EWOULDBLOCK when the wait ended, or another -errno. */
int fw_ipt_legacy_lock(const char *path, int wait_ms);

#endif
