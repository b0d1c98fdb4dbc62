/*
 * Addresses, prefixes, lists of them, and the other small textual values
 * Docker sends (IDs, interface names, MACs).  Pure functions: no I/O, no
 * logging.  Parsers return 0 or -EINVAL and fill err with a message that
 * names `what` (the field or option) and the bad value.
 */
#ifndef GN_ADDR_H
#define GN_ADDR_H

#include <guardnet/types.h>

/* Longest text form of an address with a prefix length, NUL included. */
#define GN_PREFIX_STRLEN 64

int addr_parse(const char *s, struct gn_addr *ret, const char *what, struct gn_err *err);

/* "ADDR/LEN".  bare_ok: "ADDR" alone means a host prefix (/32 or /128).
 * strict: refuse host bits outside the prefix (lists of sources must be
 * networks; Docker's gateway and endpoint addresses carry host bits). */
int prefix_parse(const char *s, bool bare_ok, bool strict, struct gn_prefix *ret,
		 const char *what, struct gn_err *err);

/* Comma-separated lists; an empty string is an empty list.  The result is
 * owned by the caller (free its .v). */
int addr_list_parse(const char *s, struct gn_addr_list *ret, const char *what, struct gn_err *err);
int prefix_list_parse(const char *s, struct gn_prefix_list *ret, const char *what, struct gn_err *err);

void addr_format(const struct gn_addr *a, char *buf, size_t len);
void prefix_format(const struct gn_prefix *p, char *buf, size_t len);
/* Lists joined with commas into a malloc'd string (NULL on ENOMEM). */
char *addr_list_format(const struct gn_addr_list *l);
char *prefix_list_format(const struct gn_prefix_list *l);

bool addr_equal(const struct gn_addr *a, const struct gn_addr *b);
bool addr_is_any(const struct gn_addr *a);              /* 0.0.0.0 or :: */
bool prefix_contains(const struct gn_prefix *p, const struct gn_addr *a);
void prefix_network(const struct gn_prefix *p, struct gn_addr *ret);   /* host bits cleared */

/* A name the kernel accepts for a link: 1-15 bytes, no '/', ':' or space, not "." or "..". */
int ifname_validate(const char *s, const char *what, struct gn_err *err);
int mac_parse(const char *s, uint8_t ret[6], const char *what, struct gn_err *err);
void mac_format(const uint8_t mac[6], char *buf, size_t len);

#endif
