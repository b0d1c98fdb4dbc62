/*
 * Reading one netlink request's answer to its end (nl-reply.c), for the
 * rtnetlink and nfnetlink sockets alike.  Internal to the kernel layer.
 */
#ifndef GN_NL_REPLY_H
#define GN_NL_REPLY_H

#include <stdint.h>

#include <libmnl/libmnl.h>

/* How often a dump the kernel marks interrupted is asked for again. */
#define NL_DUMP_TRIES 4

/* Reads the answer to the request sent with req_flags and seq on sock
 * (buf: len bytes to read into), running cb on each of its messages until
 * cb stops, and reading the rest anyway: until NLMSG_DONE or NLMSG_ERROR,
 * or, for a request that asked neither a dump nor an ack, its one message.
 * 0, the kernel's error, -EINTR when the kernel marked the dump
 * interrupted (ask again), or a receive error. */
int nl_reply(struct mnl_socket *sock, uint16_t req_flags, uint32_t seq, mnl_cb_t cb, void *data, void *buf,
	     size_t len);

#endif
