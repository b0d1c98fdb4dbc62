/*
 * guardnetctl audit: every port published on this host by Docker (its
 * bridge driver's DNAT rules and docker-proxy listeners), by guardnet, and
 * by containers on Docker's host network, each with who can reach it from
 * outside according to the rules in the kernel, next to what UFW would let
 * through to a host service on that port.  guardnetctl(8) documents the
 * output; audit.c gathers, audit-judge.c decides, audit-print.c and
 * audit-suggest.c show.
 */
#ifndef GN_CTL_AUDIT_H
#define GN_CTL_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../plugin/ufw.h"
#include "fw.h"
#include "host.h"

enum audit_kind {
	AUDIT_DOCKER,           /* Docker's bridge driver: a DNAT rule */
	AUDIT_PROXY,            /* a docker-proxy listener no DNAT rule covers (host IPv6 to an IPv4 container) */
	AUDIT_GUARDNET,         /* a guardnet network's published port, as guardnetd says */
	AUDIT_GUARDNET_TABLE,   /* the same read from guardnet's maps while guardnetd does not answer */
	AUDIT_HOSTNET,          /* a process of a container on Docker's host network */
};

enum audit_reach {
	REACH_ANY,              /* any source outside */
	REACH_SOME,             /* some sources: the probes say which */
	REACH_HOST,             /* the host only */
	REACH_UNKNOWN,          /* guardnetctl could not tell (guardnetd did not answer) */
};

/* One source tried against a port: a representative of a prefix the
 * rules name, or of every other source. */
struct audit_probe {
	struct gn_prefix from;          /* len 0: any other source */
	struct gn_addr src;
	bool accepted;
	bool deliberate;                /* admitted by guardnet.allow: asked for, not a leak */
	char by[200];                   /* the rule or step that decided */
	char detail[300];               /* guardnet: explain's words */
	bool ufw_accepts;               /* what UFW would do for a host service */
	char ufw_by[200];
};

struct audit_port {
	enum audit_kind kind;
	int family;
	uint8_t proto;
	bool any;                       /* every local address */
	struct gn_prefix host;          /* when !any */
	uint16_t port;
	bool has_ctr;
	struct gn_addr ctr;
	uint16_t ctr_port;
	char bridge[16];
	char container[80];             /* name, else the short ID, else "" */
	char network[80];               /* name, else the bridge */
	char net_id[65];
	char ep_id[65];                 /* guardnet's endpoint */
	char where[120];                /* what publishes it: the DNAT rule, docker-proxy, guardnet */
	struct gn_prefix allow[16];     /* guardnet.allow of its network and endpoint */
	size_t n_allow;
	/* what audit-judge.c found */
	enum audit_reach reach;
	bool exposed;                   /* a source gets in that UFW would keep from a host service */
	bool neighbours;                /* a loopback publish that neighbours reach (no raw-table drop) */
	char verdict[400];
	char ufw_says[240];             /* UFW's verdict for a host service on the port */
	struct audit_probe *probes;
	size_t n_probes;
	char unsure[240];               /* kernel rules on the way guardnetctl could not read */
};

struct audit {
	struct audit_port *v;
	size_t n;
	json_t *notes;                  /* strings: what was not read, and why */
	struct fw_ruleset fw;
	struct host host;
	struct ufw_config ufw;
	bool ufw_read, ufw_in_kernel;
	json_t *containers, *networks;  /* Docker's answers, or NULL */
	const char *control;            /* guardnetd's control socket */
	double timeout_s;
	bool guardnetd;                 /* guardnetd answered */
};

/* audit.c */
int audit_gather(struct audit *a, const char *control, double timeout_s, bool docker);
void audit_clear(struct audit *a);
void audit_note(struct audit *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "0.0.0.0:8080->80/tcp", "[::]:8080->80/tcp", "127.0.0.1:8081->80/tcp" */
void audit_port_label(const struct audit_port *p, char *buf, size_t len);
const char *audit_kind_name(enum audit_kind k);
/* Docker's view of a network, by name or bridge, or NULL. */
json_t *audit_docker_network(const struct audit *a, const struct audit_port *p);

/* audit-judge.c: the probes and the verdict of every port. */
void audit_judge(struct audit *a);

/* audit-print.c: the table or the JSON (with the suggestions when asked);
 * the exit status. */
int audit_print(const struct audit *a, bool as_json, bool suggest);

/* audit-suggest.c: for each bridge network with an exposed port, the
 * guardnet network that replaces it and what changes; printed as text
 * when print is set, returned as JSON. */
json_t *audit_suggest(const struct audit *a, bool print);

/* ctl's entry point: guardnetctl audit [--suggest] [--no-docker]. */
int ctl_audit(const char *control, double timeout_s, bool as_json, bool suggest, bool docker);

#endif
