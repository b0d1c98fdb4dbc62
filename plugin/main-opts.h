/*
 * guardnetd's command line (main-opts.c): what main.c starts with.
 */
#ifndef GN_MAIN_OPTS_H
#define GN_MAIN_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#define DEFAULT_SOCKET "/run/docker/plugins/guardnet.sock"
#define DEFAULT_STATE_DIR "/var/lib/guardnet"

struct opts {
	const char *socket;
	const char *state_dir;
	const char *config;
	const char *control;
	bool config_given;
	bool check_only;
	bool cleanup;
	int verbose;
	const char *scope;      /* overrides guardnet.conf's scope */
	bool version, help;     /* print that and exit 0 */
};

/* Fills o from argv, the defaults where nothing is given; -V and -h stop
 * there with o->version or o->help set.  0, or -EINVAL after saying why on
 * stderr (naming the bad argument) and printing the usage. */
int opts_parse(int argc, char **argv, struct opts *o);
void opts_usage(FILE *f);

#endif
