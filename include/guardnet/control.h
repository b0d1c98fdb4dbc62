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

/* One control socket per guardnetd, named for its driver: DIR/DRIVER.sock
 * (guardnetctl --driver DRIVER); the default driver is guardnet. */
#define GN_CONTROL_DIR "/run/guardnet"
#define GN_CONTROL_DEFAULT GN_CONTROL_DIR "/guardnet.sock"

/* The managed Docker plugin (packaging/plugin/config.json) serves
 * GN_PLUGIN_SOCKET and its control socket GN_PLUGIN_CONTROL in its own
 * plugin directory, which the host sees as GN_PLUGIN_DIRS/<plugin ID>/. */
#define GN_PLUGIN_DIRS "/run/docker/plugins"
#define GN_PLUGIN_SOCKET "guardnet.sock"
#define GN_PLUGIN_CONTROL "control.sock"

#endif
