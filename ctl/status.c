#include <stdio.h>
#include <string.h>

#include "ctl.h"

void ctl_print_status(json_t *st)
{
	json_t *ufw = json_object_get(st, "ufw"), *net, *ep, *p;
	const char *scope = json_string_value(json_object_get(st, "scope"));
	size_t i, j, k;

	printf("firewall: %s; UFW: %s (%lld IPv4, %lld IPv6 rules)%s\n", json_string_value(json_object_get(st, "firewall")),
	       json_is_true(json_object_get(ufw, "enabled")) ? "enabled" : "disabled",
	       json_integer_value(json_object_get(ufw, "rules4")), json_integer_value(json_object_get(ufw, "rules6")),
	       scope && !strcmp(scope, "global") ? "; scope: global (Docker Swarm)" : "");
	json_array_foreach(json_object_get(st, "ingress"), i, p)
		printf("WARNING: %s is published by Docker's routing mesh (a Swarm service in ingress mode): it "
		       "bypasses guardnet and UFW; publish with mode=host\n", json_string_value(p));
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
