/*
 * guardnetctl: what guardnetd is doing.  Talks to guardnetd's control
 * socket (root only); guardnetctl(8) documents the commands and the exit
 * statuses.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <guardnet/control.h>

#include "../plugin/log.h"
#include "audit.h"
#include "ctl.h"

#ifndef GN_VERSION
#error "GN_VERSION comes from the file VERSION, through the Makefile"
#endif

#define TIMEOUT_DEFAULT 5.0
#define STATE_DIR_DEFAULT "/var/lib/guardnet"
#define DOCKER_SOCKET_DEFAULT "/var/run/docker.sock"

static void usage(FILE *f)
{
	fprintf(f, "usage: guardnetctl [OPTIONS] status        who may reach each published port, container by container\n"
		   "       guardnetctl [OPTIONS] check         the kernel against guardnetd's state; exit 1 on a difference\n"
		   "       guardnetctl [OPTIONS] explain --from ADDR --port PORT[/PROTO] [--to HOSTADDR] [--in IFNAME]\n"
		   "                                           what happens to such a connection, and why\n"
		   "       guardnetctl [OPTIONS] metrics       counters and state in Prometheus' text format\n"
		   "       guardnetctl [OPTIONS] audit [--suggest] [--no-docker]\n"
		   "                                           every port Docker, guardnet and host-network containers\n"
		   "                                           publish, who reaches it from outside, and what UFW would\n"
		   "                                           let in to a host service there; exit 1 on an exposure\n"
		   "options:\n"
		   "  -d, --driver NAME     the guardnetd serving driver NAME: its socket " GN_CONTROL_DIR "/NAME.sock\n"
		   "                        (default guardnet)\n"
		   "  -s, --socket PATH     guardnetd's control socket (default " GN_CONTROL_DEFAULT ";\n"
		   "                        without it, the managed plugin's under " GN_PLUGIN_DIRS ")\n"
		   "  -j, --json            the answer as JSON (guardnetctl(8), JSON OUTPUT)\n"
		   "  -v, --verbose         status: full IDs, UFW's rules, connections admitted and blocked\n"
		   "      --no-docker       status, audit: do not ask Docker's socket for names\n"
		   "      --docker-socket PATH  Docker's socket (default: $DOCKER_HOST if unix://, else\n"
		   "                        " DOCKER_SOCKET_DEFAULT ")\n"
		   "      --timeout SECONDS give up on guardnetd after this long (default %g)\n"
		   "      --state-dir DIR   guardnetd's state, read by check when guardnetd does not answer\n"
		   "                        (default " STATE_DIR_DEFAULT ")\n"
		   "  -h, --help            this text\n"
		   "  -V, --version         guardnetctl's version\n"
		   "      --suggest         audit: the guardnet network for each exposed bridge network\n"
		   "exit status: 0 done, 1 check found a difference or audit an exposure, 2 bad arguments or refused,\n"
		   "             3 guardnetd not reachable (not running, stopped or wedged); check then\n"
		   "             reads the kernel itself and says what it could not check\n",
		TIMEOUT_DEFAULT);
}

/* Where the docker CLI would look: DOCKER_HOST when it names a Unix socket. */
static const char *docker_default(void)
{
	const char *h = getenv("DOCKER_HOST");

	if (h && !strncmp(h, "unix://", 7))
		return h + 7;
	return DOCKER_SOCKET_DEFAULT;
}

static int bad_usage(const char *why, const char *what)
{
	if (why)
		fprintf(stderr, "guardnetctl: %s%s\n", why, what ? what : "");
	fprintf(stderr, "Try 'guardnetctl --help'.\n");
	return CTL_EXIT_USAGE;
}

static int print_check(json_t *reply)
{
	json_t *drift = json_object_get(reply, "drift"), *d;
	size_t i;

	json_array_foreach(drift, i, d)
		printf("drift: %s\n", json_string_value(d));
	if (!json_array_size(drift))
		printf("kernel matches guardnetd's state\n");
	return json_array_size(drift) ? CTL_EXIT_DIFFERENCE : CTL_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "driver", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "no-docker", no_argument, NULL, 'N' },
		{ "docker-socket", required_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "state-dir", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "in", required_argument, NULL, 'i' },
		{ "suggest", no_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = GN_CONTROL_DEFAULT, *state_dir = STATE_DIR_DEFAULT, *cmd, *docker = docker_default();
	json_t *req = json_object(), *reply = NULL;
	char found[4096];
	bool path_given = false;
	double timeout_s = TIMEOUT_DEFAULT;
	bool as_json = false, verbose = false, suggest = false;
	long start = ctl_now_ms();
	char by_driver[108], *end;
	int c, rc;

	while ((c = getopt_long(argc, argv, "s:d:jvhVf:t:p:i:", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			path_given = true;
			break;
		case 'd':
			/* A driver name is a file name: no directory in it. */
			if (!*optarg || strchr(optarg, '/') ||
			    snprintf(by_driver, sizeof by_driver, GN_CONTROL_DIR "/%s.sock", optarg) >= (int)sizeof by_driver)
				return bad_usage("--driver: expected a driver name (no '/'), got ", optarg);
			path = by_driver;
			path_given = true;
			break;
		case 'j':
			as_json = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'N':
			docker = NULL;
			break;
		case 'S':
			docker = optarg;
			break;
		case 'T':
			timeout_s = strtod(optarg, &end);
			if (end == optarg || *end || !(timeout_s > 0 && timeout_s <= 3600))
				return bad_usage("--timeout: expected seconds between 0 and 3600, got ", optarg);
			break;
		case 'D':
			state_dir = optarg;
			break;
		case 'G':
			suggest = true;
			break;
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		case 'V':
			printf("guardnetctl %s\n", GN_VERSION);
			return CTL_EXIT_OK;
		case 'f':
		case 't':
		case 'p':
		case 'i':
			json_object_set_new(req, c == 'f' ? "from" : c == 't' ? "to" : c == 'p' ? "port" : "in",
					    json_string(optarg));
			break;
		default:
			return bad_usage(NULL, NULL);
		}
	}
	if (optind == argc)
		return bad_usage("which command? ", "status, check, explain, metrics or audit");
	if (optind != argc - 1)
		return bad_usage("unexpected argument ", argv[optind + 1]);
	cmd = argv[optind];
	if (strcmp(cmd, "status") && strcmp(cmd, "check") && strcmp(cmd, "explain") && strcmp(cmd, "metrics") &&
	    strcmp(cmd, "audit"))
		return bad_usage("unknown command ", cmd);
	if (strcmp(cmd, "audit") && suggest)
		return bad_usage("--suggest is for audit, not ", cmd);
	/* guardnet as a managed plugin has its control socket in its own
	 * plugin directory, whose name is the plugin's ID. */
	if (!path_given && access(path, F_OK) < 0 && errno == ENOENT) {
		int r = ctl_find_plugin(found, sizeof found);

		if (r == 0)
			path = found;
		else if (r == -EEXIST) {
			json_decref(req);
			return CTL_EXIT_USAGE;
		}
	}
	if (!strcmp(cmd, "audit")) {
		if (json_object_size(req))
			return bad_usage("--from, --to, --port and --in are for explain, not ", cmd);
		json_decref(req);
		log_program("guardnetctl");
		return ctl_audit(path, timeout_s, as_json, suggest, docker != NULL);
	}
	if (strcmp(cmd, "explain") && json_object_size(req))
		return bad_usage("--from, --to, --port and --in are for explain, not ", cmd);
	json_object_set_new(req, "cmd", json_string(cmd));
	rc = ctl_ask(path, req, timeout_s, &reply);
	json_decref(req);
	if (rc == CTL_EXIT_UNREACHABLE && !strcmp(cmd, "check"))
		return ctl_check_degraded(state_dir, as_json);
	if (rc)
		return rc;
	if (json_object_get(reply, "Err")) {
		fprintf(stderr, "guardnetctl: %s\n", json_string_value(json_object_get(reply, "Err")));
		json_decref(reply);
		return CTL_EXIT_USAGE;
	}
	if (!strcmp(cmd, "status") && docker)
		ctl_docker_names(reply, docker, timeout_s - (double)(ctl_now_ms() - start) / 1000);
	if (as_json) {
		json_dumpf(reply, stdout, JSON_INDENT(2));
		putchar('\n');
		if (!strcmp(cmd, "check") && json_array_size(json_object_get(reply, "drift")))
			rc = CTL_EXIT_DIFFERENCE;
	} else if (!strcmp(cmd, "status")) {
		ctl_print_status(reply, verbose);
	} else if (!strcmp(cmd, "explain")) {
		ctl_print_explain(reply);
	} else if (!strcmp(cmd, "metrics")) {
		fputs(json_string_value(json_object_get(reply, "metrics")) ?: "", stdout);
	} else {
		rc = print_check(reply);
	}
	json_decref(reply);
	return rc;
}
