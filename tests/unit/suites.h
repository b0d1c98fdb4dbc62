#ifndef GN_TEST_SUITES_H
#define GN_TEST_SUITES_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include <check.h>
#include <jansson.h>

Suite *addr_suite(void);
Suite *options_suite(void);
Suite *decode_suite(void);
Suite *api_suite(void);
Suite *api_swarm_suite(void);
Suite *api_oper_suite(void);
Suite *store_suite(void);
Suite *config_suite(void);
Suite *http_suite(void);
Suite *publish_suite(void);
Suite *ufw_suite(void);
Suite *explain_suite(void);
Suite *sweep_suite(void);
Suite *names_suite(void);
Suite *plan_suite(void);
Suite *driver_suite(void);
Suite *driver_relay_suite(void);
Suite *report_suite(void);
Suite *admit_suite(void);
Suite *fw_nft_suite(void);
Suite *fw_nft_delta_suite(void);
Suite *fw_nft_nest_suite(void);
Suite *iptc_suite(void);
Suite *nl_suite(void);
Suite *nl_reply_suite(void);
Suite *nl_watch_suite(void);
Suite *relay_suite(void);
Suite *relayindex_suite(void);
Suite *ctl_fw_suite(void);

/* The recorded Docker requests under spec/fixtures, one {"path","request"}
 * object per line.  Returns a JSON array (new reference). */
json_t *fixture_load(const char *name);
/* Fails the test unless p prints as want. */
struct gn_prefix;
void ck_prefix(const struct gn_prefix *p, const char *want);
/* A fresh temporary directory; removed with tmpdir_remove. */
char *tmpdir_make(void);
void tmpdir_remove(char *dir);
/* A fresh temporary directory with etc/ufw and etc/default in it, a root
 * for ufw_load; removed with tmpdir_remove. */
char *ufw_root_make(void);
/* root/rel holds text (the test fails if it cannot be written). */
void root_write(const char *root, const char *rel, const char *text);

/* Whether text is what tests/unit/golden/NAME.txt holds; a difference is
 * shown on stderr as a diff.  With GN_GOLDEN=update (`make golden`) the
 * file is rewritten instead and the answer is yes. */
bool golden_match(const char *name, const char *text);
/* Prints each message of an nf_tables batch, parsed back with libnftnl:
 * its type and flags, then the object as nftnl_*_snprintf prints it.  The
 * number of messages. */
int nft_batch_print(const void *data, size_t len, FILE *out);

#endif
