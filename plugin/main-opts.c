/*
 * guardnetd's command line: options, defaults, the usage text.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "control.h"
#include "main-opts.h"


void opts_usage(FILE *f)
{
	fprintf(f, "usage: guardnetd [-nv] [--socket PATH] [--state-dir DIR] [--config FILE] [--control PATH]\n"
		   "                 [--scope local|global]\n"
		   "       guardnetd --cleanup | --version | --help\n"
		   "  -s, --socket PATH     plugin socket (default %s);\n"
		   "                        its file name is the driver name Docker uses\n"
		   "  -d, --state-dir DIR   durable state (default %s)\n"
		   "  -f, --config FILE     configuration (default %s)\n"
		   "  -c, --control PATH    guardnetctl's socket (default " GN_CONTROL_DIR "/DRIVER.sock,\n"
		   "                        DRIVER being the plugin socket's name)\n"
		   "      --scope SCOPE     local (default) or global: a driver for Docker Swarm's networks\n"
		   "                        (overrides guardnet.conf's scope)\n"
		   "  -n, --check           check the configuration and exit\n"
		   "      --cleanup         remove every rule and link guardnet owns here, and exit\n"
		   "  -v, --verbose         more log output (repeatable); guardnetd always runs in the\n"
		   "                        foreground and logs to stderr\n"
		   "  -V, --version         print the version\n"
		   "  -h, --help            this text\n",
		DEFAULT_SOCKET, DEFAULT_STATE_DIR, GN_CONFIG_DEFAULT);
}

int opts_parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'f' },
		{ "control", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "cleanup", no_argument, NULL, 'C' },
		{ "scope", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;     /* getopt starts over at every call */
	*o = (struct opts){ .socket = DEFAULT_SOCKET, .state_dir = DEFAULT_STATE_DIR, .config = GN_CONFIG_DEFAULT };
	while ((c = getopt_long(argc, argv, "s:d:f:c:nCvVh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'd':
			/* relayd's -d means "debug, stay in the foreground"; here it
			 * has always named the state directory, and unit files use it.
			 * "guardnetd -d -v" would take "-v" as the directory. */
			if (optarg[0] == '-') {
				fprintf(stderr, "guardnetd: -d names the state directory (--state-dir DIR), not \"%s\"; "
					"guardnetd always runs in the foreground, -v gives debug output\n", optarg);
				return -EINVAL;
			}
			o->state_dir = optarg;
			break;
		case 'f':
			o->config = optarg;
			o->config_given = true;
			break;
		case 'c':
			o->control = optarg;
			break;
		case 'n':
			o->check_only = true;
			break;
		case 'C':
			o->cleanup = true;
			break;
		case 'S':
			o->scope = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'V':
			o->version = true;
			return 0;
		case 'h':
			o->help = true;
			return 0;
		default:
			opts_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "guardnetd: unexpected argument \"%s\"\n", argv[optind]);
		opts_usage(stderr);
		return -EINVAL;
	}
	if (!o->control) {
		static char control[108];

		if (control_default_path(o->socket, control, sizeof control) < 0) {
			fprintf(stderr, "guardnetd: the control socket's path for %s is too long; give --control\n",
				o->socket);
			return -EINVAL;
		}
		o->control = control;
	}
	return 0;
}
