/*
 * guardnetctl: what guardnetd is doing.  Talks to guardnetd's control
 * socket (root only).
 *
 *   guardnetctl [--socket PATH] [--json] status   networks, endpoints, published ports
 *   guardnetctl [--socket PATH] [--json] check    kernel against state; exit 1 on drift
 *   guardnetctl [--socket PATH] [--json] explain --from ADDR --port P[/PROTO] [--to HOSTADDR] [--in IFNAME]
 *                                                  what happens to such a connection, and why
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <guardnet/control.h>

#include "ctl.h"

static int usage(void)
{
	fprintf(stderr, "usage: guardnetctl [--socket PATH] [--json] status|check\n"
			"       guardnetctl [--socket PATH] [--json] explain --from ADDR --port P[/PROTO] "
			"[--to HOSTADDR] [--in IFNAME]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "in", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = GN_CONTROL_DEFAULT, *cmd;
	json_t *req = json_object(), *reply, *drift;
	bool as_json = false;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "s:jf:t:p:i:", longopts, NULL)) != -1) {
		if (c == 's')
			path = optarg;
		else if (c == 'j')
			as_json = true;
		else if (c == 'f' || c == 't' || c == 'p' || c == 'i')
			json_object_set_new(req, c == 'f' ? "from" : c == 't' ? "to" : c == 'p' ? "port" : "in",
					    json_string(optarg));
		else
			return usage();
	}
	if (optind != argc - 1)
		return usage();
	cmd = argv[optind];
	if (strcmp(cmd, "status") && strcmp(cmd, "check") && strcmp(cmd, "explain"))
		return usage();
	if (strcmp(cmd, "explain") && json_object_size(req))
		return usage();
	json_object_set_new(req, "cmd", json_string(cmd));
	reply = ctl_ask(path, req);
	json_decref(req);
	if (!reply)
		return 2;
	if (json_object_get(reply, "Err")) {
		fprintf(stderr, "guardnetctl: %s\n", json_string_value(json_object_get(reply, "Err")));
		json_decref(reply);
		return 2;
	}
	drift = json_object_get(reply, "drift");
	if (as_json) {
		json_dumpf(reply, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (!strcmp(cmd, "status")) {
		ctl_print_status(reply);
	} else if (!strcmp(cmd, "explain")) {
		ctl_print_explain(reply);
	} else {
		size_t i;
		json_t *d;

		json_array_foreach(drift, i, d)
			printf("drift: %s\n", json_string_value(d));
		if (!json_array_size(drift))
			printf("kernel matches guardnetd's state\n");
	}
	if (drift && json_array_size(drift))
		rc = 1;
	json_decref(reply);
	return rc;
}
