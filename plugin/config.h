/*
 * /etc/guardnet/guardnet.conf: "key = value" lines, '#' comments.  Every
 * key is optional; guardnet.conf(5) lists them with their defaults.
 */
#ifndef GN_CONFIG_H
#define GN_CONFIG_H

#include <guardnet/types.h>

#define GN_CONFIG_DEFAULT "/etc/guardnet/guardnet.conf"

struct gn_config {
	struct gn_addr_list publish;  /* host allowlist for networks without guardnet.publish */
	enum gn_ufw_mode ufw;         /* guardnet.ufw for networks that do not set it */
	uint32_t mark;                /* conntrack mark of admitted connections */
	uint32_t group;               /* device group of guardnet's bridges (the second barrier) */
	bool scope_global;            /* scope = global: a Swarm driver (spec/plugin-protocol.md) */
	bool metrics;                 /* serve /metrics (off unless configured) */
	struct gn_addr metrics_addr;  /* on this address (127.0.0.1 unless given) */
	uint16_t metrics_port;        /* and port */
};

void config_init(struct gn_config *c);   /* the shipped defaults */
void config_clear(struct gn_config *c);
/* Parses text (the file's contents); name is used in messages ("FILE:LINE: ..."). */
int config_parse(struct gn_config *c, const char *text, const char *name, struct gn_err *err);
/* One key, as the file would set it; where names its origin in messages
 * (guardnetd's --scope uses it). */
int config_set(struct gn_config *c, const char *key, const char *value, const char *where, struct gn_err *err);
/* Reads path.  A missing file is not an error when missing_ok. */
int config_load(struct gn_config *c, const char *path, bool missing_ok, struct gn_err *err);

#endif
