#include <stdio.h>

#include "ctl.h"

void ctl_print_explain(json_t *e)
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
		printf("published:  to %s port %lld, endpoint %.12s\n", json_string_value(json_object_get(ctr, "address")),
		       json_integer_value(json_object_get(ctr, "port")),
		       json_string_value(json_object_get(json_object_get(e, "endpoint"), "id")));
	if (net)
		printf("network:    %.12s (bridge %s)\n", json_string_value(json_object_get(net, "id")),
		       json_string_value(json_object_get(net, "bridge")));
	printf("verdict:    %s\n", json_string_value(json_object_get(e, "verdict")));
	printf("because:    %s\n", json_string_value(json_object_get(e, "because")));
}
