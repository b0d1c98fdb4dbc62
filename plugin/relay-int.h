/*
 * What relay.c (the thread), relay-listen.c (its listening sockets) and
 * relay-conn.c (each relayed connection) share.  Everything here belongs
 * to the relay's thread, except want, delta, changed and stop, which the
 * lock guards.
 */
#ifndef GN_RELAY_INT_H
#define GN_RELAY_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <guardnet/pub.h>
#include <guardnet/types.h>

enum relay_ev_kind { RELAY_WAKE, RELAY_LISTEN, RELAY_CLIENT, RELAY_SERVER };

/* What an epoll event points at. */
struct relay_ev {
	enum relay_ev_kind kind;
	void *obj;
};

/* One end of a relayed connection, and what it still owes its peer: the
 * bytes read from the peer that this end did not take yet, held in a pipe
 * of its own that exists only while a write falls behind, so an idle
 * connection costs no buffer at all (relay-conn.c). */
struct relay_side {
	int fd;
	uint32_t events;        /* registered with epoll */
	int pipe[2];            /* -1 while it owes nothing */
	size_t pend_len;        /* bytes in pipe */
	bool eof;               /* read its end of stream */
	bool shut;              /* its write side is shut down */
	bool detached;          /* out of the epoll set (relay-conn.c, watch) */
	struct relay_ev ev;
};

struct relay_conn {
	struct relay_side client, server;
	bool connecting;
	bool dead;              /* closed; freed once the events at hand are handled */
	struct relay_conn *prev, *next;
};

struct relay_listener {
	int fd;                 /* -1: not served (failed, or over the limit) */
	uint16_t port;
	struct gn_addr to;
	uint16_t to_port;
	bool warned;
	bool failed;            /* the port could not be taken */
	struct relay_ev ev;
};

struct gn_relay {
	pthread_t thread;
	int ep, wake;
	pthread_mutex_t lock;
	struct gn_relay_svc *want;      /* lock */
	size_t n_want;
	struct gn_relay_change *delta;  /* lock: applied after want */
	size_t n_delta;
	bool changed, stop, forget;     /* lock */
	struct relay_listener **ls;
	size_t n_ls;
	/* Listening sockets open, at most max_listeners: a host may publish
	 * more ports than guardnetd's descriptor limit leaves for them, and
	 * the ports beyond (over: neither open nor failed) are not served
	 * rather than starving guardnetd of descriptors for its own work. */
	size_t n_open, max_listeners, n_failed, over, over_logged;
	long over_logged_at;            /* when over was last logged (report_over) */
	int *spare;                     /* inherited sockets not taken over yet */
	size_t n_spare;
	bool synced;                    /* applied a list once: spares left are given up */
	struct relay_conn *conns;
	struct relay_conn *dead;        /* closed during the events at hand */
	unsigned n_conns, max_conns;
	long refused_at;                /* when the last refusal at max_conns was logged */
	struct relay_ev wake_ev;
	size_t moved;                   /* bytes read, ever (relay-conn.c) */
	int pipe[2];                    /* the pipe every read goes through (relay-conn.c) */
	uint8_t scratch[4096];          /* what is thrown away after a failed write */
};

/* relay-listen.c: the listening sockets made to match v, sorted by port
 * (connections already relayed stay as they are; new ones go to the new
 * target), or changed port by port. */
void relay_apply(struct gn_relay *r, const struct gn_relay_svc *v, size_t n);
void relay_apply_changes(struct gn_relay *r, const struct gn_relay_change *v, size_t n);
/* Closes l's socket and frees l; forget: the port leaves systemd's store. */
void relay_listener_close(struct gn_relay *r, struct relay_listener *l, bool forget);

/* relay-conn.c */
int relay_pipe_open(struct gn_relay *r);
void relay_pipe_close(struct gn_relay *r);
void relay_accept(struct gn_relay *r, struct relay_listener *l);
void relay_conn_event(struct gn_relay *r, struct relay_side *s, uint32_t events);
void relay_conns_close(struct gn_relay *r);
/* Frees the connections closed while the last batch of events was handled. */
void relay_conns_reap(struct gn_relay *r);

#endif
