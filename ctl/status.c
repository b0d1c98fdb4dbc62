#include <stdio.h>

#include "ctl.h"

void ctl_print_status(json_t *st)
{
	json_t *ufw = json_object_get(st, "ufw"), *net, *ep, *p;
	size_t i, j, k;

	printf("firewall: %s; UFW: %s (%lld IPv4, %lld IPv6 rules)\n", json_string_value(json_object_get(st, "firewall")),
	       json_is_true(json_object_get(ufw, "enabled")) ? "enabled" : "disabled",
	       json_integer_value(json_object_get(ufw, "rules4")), json_integer_value(json_object_get(ufw, "rules6")));
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
