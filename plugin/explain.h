/*
 * guardnetctl explain: what happens to a new connection from a source to a
 * host address and port, and which rule or option decides it.  Pure: it
 * walks the same state, publications and UFW rules that plan.c turns into
 * the firewall model, step by step in the order of admit.h's table, which
 * the rules of fw-nft-pub.c follow too (design.md section 3), so the
 * answer is what the kernel does, not a second opinion.  What only the kernel knows (whether
 * an address is local, the interface a source arrives on) comes in the
 * query.
 */
#ifndef GN_EXPLAIN_H
#define GN_EXPLAIN_H

#include <guardnet/types.h>

#include "plan.h"
#include "driver-publish.h"
#include "state.h"
#include "ufw.h"

enum explain_verdict {
	EXPLAIN_ACCEPT,
	EXPLAIN_LIMIT,   /* accepted, but UFW's rate limit refuses a burst */
	EXPLAIN_DROP,
	EXPLAIN_REJECT,
	EXPLAIN_CLOSED,  /* no published port there: the host's own answer */
};

struct explain_query {
	struct gn_addr from, to;
	uint8_t proto;
	uint16_t port;
	bool from_host;                    /* from is one of the host's addresses */
	bool to_host;                      /* to is one of the host's addresses */
	char in_if[GN_IFNAME_MAX + 1];     /* where a connection from `from` arrives */
};

struct explain_env {
	const struct gn_state *st;
	const struct plan_env *env;        /* guardnet.conf's defaults, UFW as last read */
};

struct explain_result {
	enum explain_verdict verdict;
	const char *step;                  /* short name of the deciding step */
	char because[512];                 /* the rule or option, in words */
	bool mapped;                       /* pub, net and ep are set */
	struct gn_pub pub;
	const struct gn_network *net;
	const struct gn_endpoint *ep;
};

/* Fills ret; -ENOMEM, or -EINVAL when q.to is neither the host's nor a
 * guardnet container's (guardnet has no say there; err names it). */
int explain(const struct explain_env *env, const struct explain_query *q, struct explain_result *ret,
	    struct gn_err *err);
const char *explain_verdict_name(enum explain_verdict v);

#endif
