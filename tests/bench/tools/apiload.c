/*
 * Load for guardnetd's plugin API: CLIENTS threads, each with one kept-alive
 * connection to the plugin socket, send every call of the protocol, one
 * method at a time (all clients together), PER_CLIENT requests each (20
 * times as many for the calls that change nothing):
 *
 *   apiload SOCKET CLIENTS PER_CLIENT
 *
 * The requests are Docker's: the endpoint calls go to endpoints of one
 * IPv4 network made for the run, each publishing one port; CreateNetwork
 * makes (and DeleteNetwork removes) a /24 network per request.  Prints a
 * line per method:
 *
 *   METHOD n=N rps=R p50_ms=A p99_ms=B max_ms=C errors=E
 *
 * and exits 1 when any reply had an unexpected status.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BASE_NET_POOL "10.250.0.0/16"
#define HOST_PORT_BASE 40000
#define CHEAP_FACTOR 20

enum body_kind { NONE, NETWORK, ALLOCATION, NET_REF, ENDPOINT, JOIN, PROGRAM, EP_REF };

static const struct method {
	const char *path;
	enum body_kind body;
	int status;
	bool cheap; /* changes nothing: more requests for a steady figure */
} methods[] = {
	{ "/Plugin.Activate", NONE, 200, true },
	{ "/NetworkDriver.GetCapabilities", NONE, 200, true },
	{ "/NetworkDriver.CreateNetwork", NETWORK, 200, false },
	{ "/NetworkDriver.DeleteNetwork", NET_REF, 200, false },
	{ "/NetworkDriver.CreateEndpoint", ENDPOINT, 200, false },
	{ "/NetworkDriver.Join", JOIN, 200, false },
	{ "/NetworkDriver.ProgramExternalConnectivity", PROGRAM, 200, false },
	{ "/NetworkDriver.EndpointOperInfo", EP_REF, 200, true },
	{ "/NetworkDriver.RevokeExternalConnectivity", EP_REF, 200, false },
	{ "/NetworkDriver.Leave", EP_REF, 200, false },
	{ "/NetworkDriver.DeleteEndpoint", EP_REF, 200, false },
	{ "/NetworkDriver.DiscoverNew", NONE, 200, true },
	{ "/NetworkDriver.DiscoverDelete", NONE, 200, true },
	/* Swarm's calls (scope global): AllocateNetwork checks and keeps nothing. */
	{ "/NetworkDriver.AllocateNetwork", ALLOCATION, 200, true },
	{ "/NetworkDriver.FreeNetwork", NET_REF, 200, true },
};
#define N_METHODS (sizeof methods / sizeof methods[0])

static const char *sock_path;
static int clients, per_client;
static unsigned tag;
static char base_net[65];
static pthread_barrier_t barrier;

static int count_of(size_t m)
{
	return methods[m].cheap ? per_client * CHEAP_FACTOR : per_client;
}

struct client {
	pthread_t thread;
	int id, fd;
	char in[16384];
	size_t in_len;
	double *lat[N_METHODS];
	double start[N_METHODS], end[N_METHODS];
	int errors[N_METHODS];
};

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* 64 hex digits, unique in their first 12 (bridge and veth names use them). */
static void make_id(char id[65], unsigned kind, unsigned idx)
{
	snprintf(id, 65, "%04x%x%07x", tag, kind, idx);
	memset(id + 12, 'a', 52);
	id[64] = '\0';
}

static int dial(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof a.sun_path, "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		fprintf(stderr, "apiload: connect %s: %s\n", sock_path, strerror(errno));
		exit(2);
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One request on the client's connection; returns the HTTP status. */
static int call(struct client *c, const char *path, const char *body)
{
	char req[8192];
	size_t blen = strlen(body);
	int n = snprintf(req, sizeof req,
			 "POST %s HTTP/1.1\r\nHost: plugin\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\n\r\n%s", path, blen, body);
	char *end;
	long status, clen;

	if (n < 0 || (size_t)n >= sizeof req || write_all(c->fd, req, (size_t)n) < 0)
		return -EIO;
	c->in_len = 0;
	for (;;) {
		ssize_t r;

		c->in[c->in_len] = '\0';
		end = strstr(c->in, "\r\n\r\n");
		if (end)
			break;
		if (c->in_len >= sizeof c->in - 1)
			return -EMSGSIZE;
		r = read(c->fd, c->in + c->in_len, sizeof c->in - 1 - c->in_len);
		if (r <= 0)
			return -EIO;
		c->in_len += (size_t)r;
	}
	if (sscanf(c->in, "HTTP/1.%*d %ld", &status) != 1)
		return -EPROTO;
	clen = -1;
	for (char *h = strstr(c->in, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n"))
		if (!strncasecmp(h + 2, "Content-Length:", 15))
			clen = strtol(h + 17, NULL, 10);
	if (clen < 0)
		return -EPROTO;
	size_t want = (size_t)(end + 4 - c->in) + (size_t)clen;

	while (c->in_len < want) {
		char sink[4096];
		size_t room = want - c->in_len < sizeof sink ? want - c->in_len : sizeof sink;
		ssize_t r = read(c->fd, sink, room);

		if (r <= 0)
			return -EIO;
		c->in_len += (size_t)r;
	}
	return (int)status;
}

static void body_for(enum body_kind k, unsigned idx, char *buf, size_t len)
{
	char id[65];

	switch (k) {
	case NONE:
		buf[0] = '\0';
		return;
	case NETWORK:
		make_id(id, 1, idx);
		snprintf(buf, len,
			 "{\"NetworkID\":\"%s\",\"Options\":{\"com.docker.network.enable_ipv6\":false,"
			 "\"com.docker.network.generic\":{}},\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\","
			 "\"Gateway\":\"10.%u.%u.1/24\",\"Pool\":\"10.%u.%u.0/24\"}],\"IPv6Data\":[]}\n",
			 id, 100 + idx / 256, idx % 256, 100 + idx / 256, idx % 256);
		return;
	case ALLOCATION:
		/* Swarm's form: a flat map of -o options, a swarm ID. */
		make_id(id, 3, idx);
		snprintf(buf, len,
			 "{\"NetworkID\":\"%.25s\",\"Options\":{\"com.docker.network.driver.mtu\":\"1400\"},"
			 "\"IPv4Data\":[{\"AddressSpace\":\"\",\"Gateway\":\"10.%u.%u.1/24\",\"Pool\":\"10.%u.%u.0/24\"}],"
			 "\"IPv6Data\":null}\n",
			 id, 100 + idx / 256, idx % 256, 100 + idx / 256, idx % 256);
		return;
	case NET_REF:
		make_id(id, 1, idx);
		snprintf(buf, len, "{\"NetworkID\":\"%s\"}\n", id);
		return;
	default:
		break;
	}
	make_id(id, 2, idx);
	int n = snprintf(buf, len, "{\"NetworkID\":\"%s\",\"EndpointID\":\"%s\"", base_net, id);

	if (k == ENDPOINT)
		snprintf(buf + n, len - n,
			 ",\"Interface\":{\"Address\":\"10.250.%u.%u/16\",\"AddressIPv6\":\"\",\"MacAddress\":\"\"},"
			 "\"Options\":{\"com.docker.network.endpoint.exposedports\":[{\"Proto\":6,\"Port\":80}],"
			 "\"com.docker.network.portmap\":[{\"Proto\":6,\"IP\":\"\",\"Port\":80,\"HostIP\":\"\","
			 "\"HostPort\":%u,\"HostPortEnd\":%u}]}}\n",
			 1 + idx / 250, 1 + idx % 250, HOST_PORT_BASE + idx, HOST_PORT_BASE + idx);
	else if (k == JOIN)
		snprintf(buf + n, len - n, ",\"SandboxKey\":\"/var/run/docker/netns/bench%u\",\"Options\":{}}\n", idx);
	else if (k == PROGRAM)
		snprintf(buf + n, len - n,
			 ",\"Options\":{\"com.docker.network.endpoint.exposedports\":[{\"Proto\":6,\"Port\":80}],"
			 "\"com.docker.network.portmap\":[{\"Proto\":6,\"IP\":\"\",\"Port\":80,\"HostIP\":\"\","
			 "\"HostPort\":%u,\"HostPortEnd\":%u}]}}\n", HOST_PORT_BASE + idx, HOST_PORT_BASE + idx);
	else
		snprintf(buf + n, len - n, "}\n");
}

static void *run_client(void *arg)
{
	struct client *c = arg;
	char body[4096];

	c->fd = dial();
	for (size_t m = 0; m < N_METHODS; m++) {
		pthread_barrier_wait(&barrier);
		c->start[m] = now_ms();
		for (int i = 0; i < count_of(m); i++) {
			/* Repeated cheap calls go round the client's endpoints. */
			unsigned idx = (unsigned)(c->id * per_client + i % per_client);
			double t;
			int st;

			body_for(methods[m].body, idx, body, sizeof body);
			t = now_ms();
			st = call(c, methods[m].path, body);
			c->lat[m][i] = now_ms() - t;
			if (st != methods[m].status) {
				if (c->errors[m]++ == 0)
					fprintf(stderr, "apiload: %s #%u: status %d: %.200s\n", methods[m].path, idx, st,
						st > 0 ? strstr(c->in, "\r\n\r\n") + 4 : strerror(-st));
				if (st < 0) {
					close(c->fd);
					c->fd = dial();
				}
			}
		}
		c->end[m] = now_ms();
	}
	close(c->fd);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The base network every endpoint call uses, made and removed by one client. */
static int base_network(bool create)
{
	struct client c = { .fd = dial() };
	char body[1024];
	int st;

	make_id(base_net, 0, 0);
	if (create)
		snprintf(body, sizeof body,
			 "{\"NetworkID\":\"%s\",\"Options\":{\"com.docker.network.enable_ipv6\":false,"
			 "\"com.docker.network.generic\":{}},\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\","
			 "\"Gateway\":\"10.250.0.1/16\",\"Pool\":\"" BASE_NET_POOL "\"}],\"IPv6Data\":[]}\n", base_net);
	else
		snprintf(body, sizeof body, "{\"NetworkID\":\"%s\"}\n", base_net);
	st = call(&c, create ? "/NetworkDriver.CreateNetwork" : "/NetworkDriver.DeleteNetwork", body);
	close(c.fd);
	if (st != 200)
		fprintf(stderr, "apiload: %s the base network: status %d\n", create ? "creating" : "deleting", st);
	return st == 200 ? 0 : -EIO;
}

int main(int argc, char **argv)
{
	struct client *cs;
	int errors = 0;

	if (argc != 4 || (clients = atoi(argv[2])) < 1 || (per_client = atoi(argv[3])) < 1 ||
	    clients * per_client > 20000) {
		fprintf(stderr, "usage: apiload SOCKET CLIENTS PER_CLIENT (at most 20000 requests a method)\n");
		return 2;
	}
	sock_path = argv[1];
	tag = (unsigned)getpid() & 0xffff;
	if (base_network(true) < 0)
		return 1;
	cs = calloc((size_t)clients, sizeof *cs);
	pthread_barrier_init(&barrier, NULL, (unsigned)clients);
	for (int i = 0; i < clients; i++) {
		cs[i].id = i;
		for (size_t m = 0; m < N_METHODS; m++)
			cs[i].lat[m] = calloc((size_t)count_of(m), sizeof(double));
		pthread_create(&cs[i].thread, NULL, run_client, &cs[i]);
	}
	for (int i = 0; i < clients; i++)
		pthread_join(cs[i].thread, NULL);
	for (size_t m = 0; m < N_METHODS; m++) {
		size_t per = (size_t)count_of(m), n = (size_t)clients * per, k = 0;
		double *all = malloc(n * sizeof *all), t0 = cs[0].start[m], t1 = cs[0].end[m];
		int err = 0;

		for (int i = 0; i < clients; i++) {
			memcpy(all + k, cs[i].lat[m], per * sizeof *all);
			k += per;
			t0 = cs[i].start[m] < t0 ? cs[i].start[m] : t0;
			t1 = cs[i].end[m] > t1 ? cs[i].end[m] : t1;
			err += cs[i].errors[m];
		}
		qsort(all, n, sizeof *all, cmp_double);
		printf("%s n=%zu rps=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%d\n", methods[m].path + 1, n,
		       n / ((t1 - t0) / 1e3), all[n / 2], all[(n * 99 + 99) / 100 - 1], all[n - 1], err);
		errors += err;
		free(all);
	}
	if (base_network(false) < 0)
		errors++;
	return errors ? 1 : 0;
}
