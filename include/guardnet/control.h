/*
 * guardnetctl's control socket, as both sides know it: root only (mode 0600,
 * and guardnetd checks the peer's credentials), one JSON request line, one
 * JSON reply, close.  Requests: {"cmd":"status"}, {"cmd":"check"},
 * {"cmd":"metrics"} (the reply's "metrics" is the Prometheus text) and
 * {"cmd":"explain", "from":ADDR, "port":"P[/PROTO]", optional "to":ADDR and
 * "in":IFNAME}; an error is {"Err": "..."}.
 */
#ifndef GUARDNET_CONTROL_H
#define GUARDNET_CONTROL_H

#define GN_CONTROL_DEFAULT "/run/guardnet/control.sock"

#endif
