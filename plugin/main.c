/*
 * guardnetd: Docker network driver whose published ports obey the host
 * firewall.  Start-up order follows relayd: options, configuration (-n
 * stops here), state, socket, then serve until SIGTERM or SIGINT.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "control.h"
#include "driver.h"
#include "http.h"
#include "kernel.h"
#include "listen.h"
#include "log.h"
#include "main-check.h"
#include "main-opts.h"
#include "metrics.h"
#include "relay.h"
#include "store.h"
#include "ufw.h"
#include "ufw-watch.h"

/* UFW's files are read where UFW keeps them: /etc/ufw and /etc/default/ufw. */
#define UFW_ROOT "/"
/* Legacy iptables sends no change events: look every 2 s. */
#define PERIODIC_MS 2000

#ifndef GN_VERSION
#error "GN_VERSION comes from the file VERSION, through the Makefile"
#endif

static int signals_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int add_fd(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static struct ufw_config ufw_now;

/* Reads UFW's files again; true when guardnet's rules must follow. */
static bool ufw_reload(const char *root, struct gn_driver *driver)
{
	struct ufw_config fresh;
	struct gn_err err;

	if (ufw_load(root, &fresh, &err) < 0) {
		log_warnx("%s; keeping the UFW rules read before", err.msg);
		return false;
	}
	ufw_config_clear(&ufw_now);
	ufw_now = fresh;
	driver->env.ufw = &ufw_now;
	log_info("UFW %s: %zu IPv4 and %zu IPv6 rules", fresh.enabled ? "enabled" : "disabled", fresh.n4, fresh.n6);
	return true;
}

/* Another program touched guardnet's rules: rebuilding is idempotent, the
 * table is replaced whole and the iptables rule added only where missing. */
static void heal(struct gn_driver *driver)
{
	struct gn_err err;

	if (driver_firewall(driver, &err) < 0)
		log_warnx("putting guardnet's rules back: %s", err.msg);
	else
		log_info("guardnet's rules were changed by another program; put back");
}

/* The host's [::1] ports as the publications now are (plan-relay.c): the
 * ports the last requests changed, or all of them when the driver's index
 * may have missed a change. */
static void relays_sync(struct gn_relay *relay, struct gn_driver *driver)
{
	const struct gn_relay_change *c;
	struct gn_relay_svc *v = NULL;
	size_t n;
	ssize_t k;

	if (!relay)
		return;
	if (!driver->relays_dirty) {
		k = relayindex_take(&driver->relays, &c);
		if (k >= 0 && relay_change(relay, c, (size_t)k) == 0)
			return;
		driver->relays_dirty = true;
	}
	if (driver_relays_whole(driver, &v, &n) < 0 || relay_set(relay, v, n) < 0) {
		driver->relays_dirty = true;
		log_warnx("relay: out of memory; [::1] keeps its ports as they were");
	}
	free(v);
}

/* Serves until SIGTERM or SIGINT. */
static int serve(struct gn_http *http, int sigfd, struct gn_kernel *kern, struct gn_driver *driver, int ctlfd,
		 struct gn_metrics *metrics, struct gn_relay *relay)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), mfd = metrics ? metrics_fd(metrics) : -1;
	struct gn_err err;
	bool quit = false;
	int evfd = kernel_events_fd(kern, &err), ufwfd, linkfd = kernel_links_fd(kern);
	struct timespec last;

	clock_gettime(CLOCK_MONOTONIC, &last);

	if (evfd < 0)
		log_warnx("%s; rules removed by other programs will not be put back until the next change", err.msg);
	ufwfd = ufwwatch_open(UFW_ROOT, &err);
	if (ufwfd < 0)
		log_info("%s: UFW changes are not followed", err.msg);
	if (ep < 0 || add_fd(ep, sigfd) < 0 || add_fd(ep, http_fd(http)) < 0 || (evfd >= 0 && add_fd(ep, evfd) < 0) ||
	    (ufwfd >= 0 && add_fd(ep, ufwfd) < 0) || (ctlfd >= 0 && add_fd(ep, ctlfd) < 0) || add_fd(ep, linkfd) < 0 ||
	    (mfd >= 0 && add_fd(ep, mfd) < 0)) {
		log_err("epoll");
		return -1;
	}
	relays_sync(relay, driver);
	while (!quit) {
		struct epoll_event evs[8];
		int timeout = http_timeout_ms(http), mt = metrics ? metrics_timeout_ms(metrics) : -1, n;
		struct timespec now;

		if (timeout < 0 || timeout > PERIODIC_MS)
			timeout = PERIODIC_MS;
		if (mt >= 0 && mt < timeout)
			timeout = mt;
		n = epoll_wait(ep, evs, 8, timeout);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 >= PERIODIC_MS) {
			kernel_periodic(kern);
			driver_sweep(driver, (long)now.tv_sec);
			driver_watch_ingress(driver);
			last = now;
		}

		if (n < 0 && errno != EINTR) {
			log_warn("epoll_wait");
			break;
		}
		for (int i = 0; i < n; i++) {
			struct signalfd_siginfo si;

			if (evs[i].data.fd == evfd && kernel_events_read(kern))
				heal(driver);
			if (evs[i].data.fd == linkfd && kernel_links_read(kern))
				heal(driver);
			if (evs[i].data.fd == ctlfd)
				control_serve(ctlfd, driver);
			if (evs[i].data.fd == ufwfd && ufwwatch_read(ufwfd) && ufw_reload(UFW_ROOT, driver) &&
			    driver_firewall(driver, &err) < 0)
				log_warnx("applying UFW's rules: %s", err.msg);
			if (evs[i].data.fd != sigfd)
				continue;
			while (read(sigfd, &si, sizeof si) == sizeof si) {
				if (si.ssi_signo == SIGHUP) {
					log_info("SIGHUP: nothing to reload yet, ignoring");
					continue;
				}
				log_info("%s: shutting down; kernel state and %s stay", strsignal((int)si.ssi_signo),
					 "the state directory");
				quit = true;
			}
		}
		/* MHD also has time-based work (idle connections), so run it on
		 * every wake-up, not only when its descriptor fired. */
		http_run(http);
		if (metrics)
			metrics_run(metrics);
		/* What Docker need not wait for, now that it has its answers. */
		relays_sync(relay, driver);
	}
	close(ep);
	return 0;
}

static void log_metrics_url(const struct gn_config *cfg)
{
	char a[GN_PREFIX_STRLEN];
	bool six = cfg->metrics_addr.family == AF_INET6;

	addr_format(&cfg->metrics_addr, a, sizeof a);
	log_info("metrics at http://%s%s%s:%u/metrics", six ? "[" : "", a, six ? "]" : "", cfg->metrics_port);
}

/* Descriptors guardnetd needs besides plugin connections: sockets for
 * rtnetlink, nftables and its events, state files, the control socket. */
#define RESERVED_FDS 64

/* How many plugin connections guardnetd can serve at once.  Every one is a
 * descriptor, and 1,000 stray clients must not crowd Docker out, so the
 * soft RLIMIT_NOFILE is raised to the hard one (systemd's default soft
 * limit is 1024). */
static unsigned connection_budget(void)
{
	struct rlimit rl;
	rlim_t avail;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		log_warn("getrlimit(RLIMIT_NOFILE)");
		return 256;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t soft = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			log_warn("raising the descriptor limit from %llu to %llu", (unsigned long long)soft,
				 (unsigned long long)rl.rlim_max);
			rl.rlim_cur = soft;
		}
	}
	avail = rl.rlim_cur > 2 * RESERVED_FDS ? rl.rlim_cur - RESERVED_FDS : RESERVED_FDS;
	if (avail < HTTP_MAX_CONNECTIONS)
		log_info("serving at most %llu plugin connections at once (descriptor limit %llu)",
			 (unsigned long long)avail, (unsigned long long)rl.rlim_cur);
	return avail < HTTP_MAX_CONNECTIONS ? (unsigned)avail : HTTP_MAX_CONNECTIONS;
}

/* What the relay may hold at once, out of what the plugin connections and
 * guardnetd's own descriptors leave: half of it for listening sockets (one
 * per port of [::1]), half for connections (two descriptors each). */
static void relay_budget(unsigned http_budget, unsigned *conns, size_t *listeners)
{
	struct rlimit rl;
	rlim_t used = RESERVED_FDS + http_budget, share;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < used + 4 * 64) {
		*conns = *listeners = 64;
		return;
	}
	share = rl.rlim_cur - used;
	*conns = (unsigned)(share / 4 > 65536 ? 65536 : share / 4);
	*listeners = (size_t)(share / 2 > 65536 ? 65536 : share / 2);
}

static long monotonic_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec;
}

/* One guardnetd per network namespace: two would each rebuild the table
 * the other just wrote.  An abstract Unix socket name is private to the
 * namespace and vanishes with the process, so it serves as the lock. */
static int netns_claim(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char name[] = "guardnetd";
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memcpy(sa.sun_path + 1, name, sizeof name - 1);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sizeof name)) < 0) {
		if (errno == EADDRINUSE)
			log_errx("another guardnetd already manages this network namespace; not starting");
		else
			log_err("claiming this network namespace");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* --cleanup: what the package's purge needs.  Reconciling against an empty
 * state removes every guardnet-owned link and all of guardnet's rules. */
static int cleanup(struct gn_config *cfg, const struct plan_env *env)
{
	struct gn_kernel *kern;
	struct gn_driver none;
	struct gn_err err;
	int r;

	if (kernel_open(&kern, &err) < 0) {
		log_errx("%s", err.msg);
		config_clear(cfg);
		return 1;
	}
	driver_init(&none, NULL, kernel_backend(kern), env);
	r = driver_reconcile(&none, &err);
	if (r < 0)
		log_errx("cleanup: %s", err.msg);
	else
		log_info("cleanup: no guardnet rule or link is left");
	driver_free(&none);
	kernel_close(kern);
	config_clear(cfg);
	return r < 0 ? 1 : 0;
}

/* What the start-up check does before comparing the kernel (main-check.c,
 * on its thread): UFW's rules and the state as the files hold them, less
 * what Docker abandoned while guardnetd was down. */
static int load_state(struct gn_driver *driver, void *store)
{
	struct gn_err err = { "" };

	driver_prefetch(driver);
	ufw_reload(UFW_ROOT, driver);
	if (store_load(store, &driver->st, &err) < 0) {
		log_errx("%s", err.msg);
		log_errx("not starting: guardnet never discards state it cannot read. Fix or move the file "
			  "aside (guardnet then forgets that network or endpoint; remove it with docker network rm "
			  "and create it again), then start guardnetd again");
		return -1;
	}
	driver_sweep(driver, monotonic_s());
	return 0;
}

int main(int argc, char **argv)
{
	struct gn_config cfg;
	struct gn_store store;
	struct gn_driver driver;
	struct gn_listener lst;
	struct gn_http *http = NULL;
	struct gn_metrics *metrics = NULL;
	struct gn_kernel *kern = NULL;
	struct gn_relay *relay = NULL;
	struct plan_env env;
	struct opts o;
	struct gn_err err = { "" };
	int sigfd, ctlfd, rc = 1, *kept;
	bool quit = false;
	unsigned budget;
	size_t n_kept, relay_listeners;
	unsigned relay_conns;

	if (opts_parse(argc, argv, &o) < 0)
		return 2;
	if (o.version || o.help) {
		if (o.version)
			printf("guardnetd %s\n", GN_VERSION);
		else
			opts_usage(stdout);
		return 0;
	}
	log_init(o.verbose);
	config_init(&cfg);
	if (config_load(&cfg, o.config, !o.config_given, &err) < 0) {
		log_errx("%s", err.msg);
		goto out_config;
	}
	if (o.scope && config_set(&cfg, "scope", o.scope, "--scope", &err) < 0) {
		log_errx("%s", err.msg);
		goto out_config;
	}
	if (o.check_only) {
		printf("configuration OK\n");
		rc = 0;
		goto out_config;
	}
	if (netns_claim() < 0)
		goto out_config;
	env = (struct plan_env){ .default_publish = &cfg.publish, .default_ufw = cfg.ufw, .mark = cfg.mark,
				 .group = cfg.group };
	if (o.cleanup)
		return cleanup(&cfg, &env);
	sigfd = signals_fd();
	if (sigfd < 0) {
		log_err("signalfd");
		goto out_config;
	}
	if (store_open(&store, o.state_dir, &err) < 0) {
		log_errx("%s", err.msg);
		goto out_sigfd;
	}
	if (kernel_open(&kern, &err) < 0) {
		log_errx("%s (guardnetd needs CAP_NET_ADMIN)", err.msg);
		goto out_store;
	}
	driver_init(&driver, &store, kernel_backend(kern), &env);
	driver.scope_global = cfg.scope_global;
	/* The kernel is made to match the state before a request of Docker's
	 * is acted on, so that nothing is open that the state does not allow;
	 * what Docker abandoned while guardnetd was down is not part of it.
	 * The handshake is answered meanwhile (main-check.c), from the moment
	 * the socket is open: reading the state is part of the check. */
	if (listener_open(&lst, o.socket, &err) < 0) {
		log_errx("%s", err.msg);
		goto out_driver;
	}
	budget = connection_budget();
	if (http_start(&http, lst.fd, &driver, budget, &err) < 0) {
		log_errx("%s", err.msg);
		close(lst.fd);
		goto out_listener;
	}
	/* Listening from before the check reads guardnet's tables: whatever
	 * another program changes from then on is put back once serving
	 * begins (serve opens it if it failed here, and says why). */
	(void)kernel_events_fd(kern, &err);
	if (main_check(http, sigfd, &driver, load_state, &store, &quit) < 0)
		goto out_http;
	driver_watch_ingress(&driver);
	/* The relay's sockets a previous guardnetd left in systemd's store. */
	kept = malloc(65536 * sizeof *kept);
	n_kept = kept ? listener_kept("relay-", kept, 65536) : 0;
	relay_budget(budget, &relay_conns, &relay_listeners);
	if (relay_start(&relay, kept, n_kept, relay_conns, relay_listeners, &err) < 0)
		log_warnx("%s; the host's [::1] serves no published port", err.msg);
	free(kept);
	log_info("guardnetd %s listening on %s, state in %s%s", GN_VERSION,
		 lst.activated ? "the socket from systemd" : o.socket, o.state_dir,
		 cfg.scope_global ? ", global scope (Docker Swarm)" : "");
	ctlfd = control_open(o.control, &err);
	if (ctlfd < 0)
		log_warnx("%s; guardnetctl will not work", err.msg);
	/* Only observability: guardnetd serves Docker without it. */
	if (cfg.metrics && metrics_start(&metrics, &cfg.metrics_addr, cfg.metrics_port, &driver, GN_VERSION, &err) < 0)
		log_warnx("%s; serving without /metrics", err.msg);
	else if (metrics)
		log_metrics_url(&cfg);
	listener_notify("READY=1");
	rc = !quit && serve(http, sigfd, kern, &driver, ctlfd, metrics, relay) < 0 ? 1 : 0;
	metrics_stop(metrics);
	listener_notify("STOPPING=1");
	relay_stop(relay, false);
	if (ctlfd >= 0) {
		close(ctlfd);
		unlink(o.control);
	}
out_http:
	http_stop(http);
out_listener:
	listener_remove(&lst);
out_driver:
	driver_free(&driver);
	kernel_close(kern);
	ufw_config_clear(&ufw_now);
out_store:
	store_close(&store);
out_sigfd:
	close(sigfd);
out_config:
	config_clear(&cfg);
	return rc;
}
