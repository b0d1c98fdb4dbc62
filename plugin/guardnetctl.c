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
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "control.h"

static json_t *ask(const char *path, json_t *request)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *req = json_dumps(request, JSON_COMPACT);
	json_t *reply;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (!req || fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "guardnetctl: cannot reach guardnetd at %s: %m\n", path);
		free(req);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "guardnetctl: sending to guardnetd at %s: %m\n", path);
		free(req);
		close(fd);
		return NULL;
	}
	free(req);
	/* As long as it is: status grows with the endpoints. */
	reply = json_loadfd(fd, JSON_DISABLE_EOF_CHECK, NULL);
	close(fd);
	if (!reply)
		fprintf(stderr, "guardnetctl: guardnetd at %s gave no readable answer\n", path);
	return reply;
}

static void print_status(json_t *st)
{
	json_t *ufw = json_object_get(st, "ufw"), *net, *ep, *p;
	size_t i, j, k;

	printf("firewall: %s; UFW: %s (%lld IPv4, %lld IPv6 rules)\n", json_string_value(json_object_get(st, "firewall")),
	       json_is_true(json_object_get(ufw, "enabled")) ? "enabled" : "disabled",
	       json_integer_value(json_object_get(ufw, "rules4")), json_integer_value(json_object_get(ufw, "rules6")));
	json_array_foreach(json_object_get(ufw, "unreadable"), i, p)
		printf("UFW line guardnet cannot express: /etc/ufw/%s line %lld: %s (an ACCEPT is left out, "
		       "anything else drops)\n",
		       json_string_value(json_object_get(p, "file")), json_integer_value(json_object_get(p, "line")),
		       json_string_value(json_object_get(p, "why")));
	json_array_foreach(json_object_get(st, "networks"), i, net) {
		printf("\nnetwork %s  bridge %s%s%s  ufw=%s  publish=%s\n", json_string_value(json_object_get(net, "id")),
		       json_string_value(json_object_get(net, "bridge")),
		       json_is_true(json_object_get(net, "internal")) ? "  internal" : "",
		       json_is_true(json_object_get(net, "icc")) ? "" : "  icc=false",
		       json_string_value(json_object_get(net, "ufw")), json_string_value(json_object_get(net, "publish")));
		json_array_foreach(json_object_get(net, "endpoints"), j, ep) {
			printf("  endpoint %s  %s %s\n", json_string_value(json_object_get(ep, "id")),
			       json_string_value(json_object_get(ep, "address")),
			       json_string_value(json_object_get(ep, "address6")));
			json_array_foreach(json_object_get(ep, "published"), k, p)
				printf("    %s\n", json_string_value(p));
		}
	}
}

static void print_explain(json_t *e)
{
	const char *in = json_string_value(json_object_get(e, "in"));
	json_t *net = json_object_get(e, "network"), *ctr = json_object_get(e, "container");

	printf("connection: %s -> %s port %lld/%s", json_string_value(json_object_get(e, "from")),
	       json_string_value(json_object_get(e, "to")), json_integer_value(json_object_get(e, "port")),
	       json_string_value(json_object_get(e, "proto")));
	if (json_is_true(json_object_get(e, "from_host")))
		printf(" (from this host)");
	else if (in && *in)
		printf(" (arriving on %s)", in);
	putchar('\n');
	if (ctr)
		printf("published:  to %s port %lld, endpoint %s\n", json_string_value(json_object_get(ctr, "address")),
		       json_integer_value(json_object_get(ctr, "port")),
		       json_string_value(json_object_get(json_object_get(e, "endpoint"), "id")));
	if (net)
		printf("network:    %s (bridge %s)\n", json_string_value(json_object_get(net, "id")),
		       json_string_value(json_object_get(net, "bridge")));
	printf("verdict:    %s\n", json_string_value(json_object_get(e, "verdict")));
	printf("because:    %s\n", json_string_value(json_object_get(e, "because")));
}

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
	reply = ask(path, req);
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
		print_status(reply);
	} else if (!strcmp(cmd, "explain")) {
		print_explain(reply);
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
