#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "addr.h"
#include "log.h"
#include "metrics.h"
#include "options.h"
#include "report.h"

/* A scraper needs one connection; a few more cost nothing. */
#define MAX_CONNECTIONS 16u
#define IDLE_TIMEOUT_S 10u
#define CONN_MEMORY (16u * 1024u)

/* A label value, escaped as the format asks (backslash, quote, newline). */
static void label(FILE *f, const char *name, const char *value, bool last)
{
	fprintf(f, "%s=\"", name);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f);
		if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fprintf(f, "\"%s", last ? "" : ",");
}

static void help(FILE *f, const char *name, const char *type, const char *text)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static void port_labels(FILE *f, const struct report_network *n, const struct report_endpoint *e,
			const struct report_port *p)
{
	char host[GN_PREFIX_STRLEN], ctr[GN_PREFIX_STRLEN], port[8], ctr_port[8];

	if (p->pub.any)
		snprintf(host, sizeof host, "%s", p->pub.family == AF_INET ? "0.0.0.0" : "::");
	else
		addr_format(&p->pub.host, host, sizeof host);
	addr_format(&p->pub.ctr, ctr, sizeof ctr);
	snprintf(port, sizeof port, "%u", p->pub.port);
	snprintf(ctr_port, sizeof ctr_port, "%u", p->pub.ctr_port);
	label(f, "network", n->id, false);
	label(f, "bridge", n->bridge, false);
	label(f, "endpoint", e->id, false);
	label(f, "host_address", host, false);
	label(f, "host_port", port, false);
	label(f, "proto", proto_name(p->pub.proto), false);
	label(f, "container_address", ctr, false);
	label(f, "container_port", ctr_port, false);
}

static void counters(FILE *f, const struct report_status *s)
{
	static const char *const verdicts[] = { "admitted", "blocked" };

	help(f, "guardnet_port_connections_total", "counter",
	     "Connections to a published port: admitted reached the container (the host's own included), blocked "
	     "did not; a blocked client's every retransmission is a new attempt.");
	for (size_t i = 0; i < s->n_nets; i++)
		for (size_t j = 0; j < s->nets[i].n_eps; j++)
			for (size_t k = 0; k < s->nets[i].eps[j].n_ports; k++) {
				const struct report_port *p = &s->nets[i].eps[j].ports[k];

				for (int v = 0; v < 2; v++) {
					fputs("guardnet_port_connections_total{", f);
					port_labels(f, &s->nets[i], &s->nets[i].eps[j], p);
					label(f, "verdict", verdicts[v], true);
					fprintf(f, "} %llu\n", (unsigned long long)(v ? p->count.blocked : p->count.admitted));
				}
			}
	help(f, "guardnet_network_connections_total", "counter",
	     "Connections to a network's published ports together, admitted and blocked.");
	for (size_t i = 0; i < s->n_nets; i++)
		for (int v = 0; v < 2; v++) {
			fputs("guardnet_network_connections_total{", f);
			label(f, "network", s->nets[i].id, false);
			label(f, "bridge", s->nets[i].bridge, false);
			label(f, "verdict", verdicts[v], true);
			fprintf(f, "} %llu\n",
				(unsigned long long)(v ? s->nets[i].count.blocked : s->nets[i].count.admitted));
		}
}

static void exposition(FILE *f, const struct report_status *s, const char *version)
{
	const char *ipt = s->fw.iptables_nft ? (s->fw.iptables_legacy ? "both" : "nf_tables")
					     : (s->fw.iptables_legacy ? "legacy" : "none");
	size_t eps = 0, ports = 0;

	for (size_t i = 0; i < s->n_nets; i++) {
		eps += s->nets[i].n_eps;
		for (size_t j = 0; j < s->nets[i].n_eps; j++)
			ports += s->nets[i].eps[j].n_ports;
	}
	help(f, "guardnet_info", "gauge", "guardnetd's version and which iptables hold its accept rule.");
	fputs("guardnet_info{", f);
	label(f, "version", version, false);
	label(f, "iptables", ipt, true);
	fputs("} 1\n", f);
	help(f, "guardnet_networks", "gauge", "guardnet networks.");
	fprintf(f, "guardnet_networks %zu\n", s->n_nets);
	help(f, "guardnet_endpoints", "gauge", "Endpoints (containers' interfaces) on guardnet networks.");
	fprintf(f, "guardnet_endpoints %zu\n", eps);
	help(f, "guardnet_published_ports", "gauge",
	     "Published ports, one per host address (0.0.0.0 and :: count once each), port and protocol.");
	fprintf(f, "guardnet_published_ports %zu\n", ports);
	help(f, "guardnet_ufw_enabled", "gauge", "1 when UFW is enabled, as guardnet last read its files.");
	fprintf(f, "guardnet_ufw_enabled %d\n", s->ufw && s->ufw->enabled);
	help(f, "guardnet_ufw_rules", "gauge", "UFW's rules guardnet read, by family.");
	fprintf(f, "guardnet_ufw_rules{family=\"ipv4\"} %zu\n", s->ufw ? s->ufw->n4 : 0);
	fprintf(f, "guardnet_ufw_rules{family=\"ipv6\"} %zu\n", s->ufw ? s->ufw->n6 : 0);
	help(f, "guardnet_counters_up", "gauge",
	     "1 when the kernel's connection counters could be read; 0: the connection counts below are missing.");
	fprintf(f, "guardnet_counters_up %d\n", s->counters);
	if (s->counters)
		counters(f, s);
}

char *metrics_text(const struct gn_driver *d, const char *version, struct gn_err *err)
{
	struct report_status s;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (report_status(d, &s, err) < 0)
		return NULL;
	f = open_memstream(&text, &len);
	if (f) {
		exposition(f, &s, version);
		if (fclose(f) != 0) {
			free(text);
			text = NULL;
		}
	}
	report_status_clear(&s);
	if (!text)
		gn_errf(err, -ENOMEM, "out of memory");
	return text;
}

struct gn_metrics {
	struct MHD_Daemon *mhd;
	struct gn_driver *driver;
	const char *version;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct gn_metrics *m = cls;
	struct gn_err err;
	char *text;

	(void)version, (void)upload, (void)con_cls;
	/* A body is never wanted: refuse before reading one. */
	if (*upload_size || (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, strdup("only GET /metrics\n"), "text/plain");
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, strdup("only GET /metrics\n"), "text/plain");
	text = metrics_text(m->driver, m->version, &err);
	if (!text) {
		log_warnx("metrics: %s", err.msg);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, strdup("guardnetd could not gather its metrics\n"),
			     "text/plain");
	}
	return reply(c, MHD_HTTP_OK, text, METRICS_CONTENT_TYPE);
}

int metrics_start(struct gn_metrics **ret, const struct gn_addr *addr, uint16_t port, struct gn_driver *d,
		  const char *version, struct gn_err *err)
{
	struct gn_metrics *m = calloc(1, sizeof *m);
	struct sockaddr_storage ss = { 0 };
	char where[GN_PREFIX_STRLEN + 8];

	addr_format(addr, where, sizeof where);
	if (!m)
		return gn_errf(err, -ENOMEM, "out of memory");
	if (addr->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, addr->a, 4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, addr->a, 16);
	}
	m->driver = d;
	m->version = version;
	m->mhd = MHD_start_daemon(MHD_USE_EPOLL | (addr->family == AF_INET6 ? MHD_USE_IPv6 : 0), port, NULL, NULL,
				  on_request, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, MAX_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY, MHD_OPTION_END);
	if (!m->mhd) {
		free(m);
		return gn_errf(err, -EADDRNOTAVAIL, "metrics listener on %s%s%s port %u: libmicrohttpd could not listen "
			       "there (in use, or not an address of this host)", addr->family == AF_INET6 ? "[" : "",
			       where, addr->family == AF_INET6 ? "]" : "", port);
	}
	*ret = m;
	return 0;
}

int metrics_fd(const struct gn_metrics *m)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);

	return info ? info->epoll_fd : -1;
}

int metrics_timeout_ms(const struct gn_metrics *m)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(m->mhd, &ms) != MHD_YES)
		return -1;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

void metrics_run(struct gn_metrics *m)
{
	MHD_run(m->mhd);
}

void metrics_stop(struct gn_metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->mhd);
	free(m);
}
