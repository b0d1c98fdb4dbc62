/*
 * The order in which a new connection to a published port is admitted
 * (design.md section 3), written once.  The nf_tables chain pub
 * (fw-nft-pub.c) emits its rules by walking this table, and guardnetctl
 * explain (explain.c) decides by walking it; the first step that matches
 * decides.
 */
#ifndef GN_ADMIT_H
#define GN_ADMIT_H

#include <stdbool.h>
#include <stddef.h>

enum admit_step {
	ADMIT_HOST,       /* the host itself (its connections take the output hook, never chain pub) */
	ADMIT_HAIRPIN,    /* a container of the network itself, when its ICC is on */
	ADMIT_UFW_IN,     /* UFW's incoming rules, on the original destination */
	ADMIT_UFW_ROUTE,  /* UFW's route rules, on the container's address and port */
	ADMIT_NET_ALLOW,  /* the network's guardnet.allow */
	ADMIT_EP_ALLOW,   /* the endpoint's guardnet.allow */
	ADMIT_FINAL,      /* UFW's default incoming policy, or drop; logged unless accepted */
};

struct admit_rule {
	enum admit_step step;
	const char *name;       /* the step as explain names it */
	const char *what;       /* the rule as the nf_tables batch describes it */
	bool in_chain;          /* chain pub holds rules for it */
};

extern const struct admit_rule admit_order[];
extern const size_t admit_steps;

/* Whether step can decide for a network: the hairpin only with ICC, UFW's
 * rules only when UFW is in force for it. */
bool admit_applies(enum admit_step step, bool icc, bool ufw);

#endif
