/*
 * Plain C types shared by every layer of guardnet.
 *
 * The HTTP/JSON boundary turns Docker's requests into these structs after
 * validating them; the driver logic, the state store and (later) the kernel
 * modules see nothing else.  No jansson, libmnl or libnftnl type crosses
 * this header.
 */
#ifndef GUARDNET_TYPES_H
#define GUARDNET_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Docker's network and endpoint IDs, as long as they get: 64 lowercase hex
 * digits, or 25 lowercase base-36 characters for a swarm network. */
#define GN_ID_LEN 64
/* Linux interface names hold at most IFNAMSIZ - 1 = 15 bytes. */
#define GN_IFNAME_MAX 15

struct gn_addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t a[16];  /* network byte order; IPv4 uses the first 4 bytes */
};

struct gn_prefix {
	struct gn_addr addr;
	uint8_t len;
};

struct gn_addr_list {
	struct gn_addr *v;
	size_t n;
};

struct gn_prefix_list {
	struct gn_prefix *v;
	size_t n;
};

/* Transport protocols as Docker numbers them (IANA protocol numbers). */
enum gn_proto {
	GN_PROTO_TCP = 6,
	GN_PROTO_UDP = 17,
	GN_PROTO_SCTP = 132,
};

/* One entry of com.docker.network.portmap. */
struct gn_port_binding {
	uint8_t proto;
	uint16_t port;       /* container port */
	bool has_host_ip;    /* false: HostIP was "" (every allowed address) */
	struct gn_addr host_ip;
	uint16_t host_port;  /* 0: the driver chooses */
	uint16_t host_port_end;
};

/* One entry of com.docker.network.endpoint.exposedports. */
struct gn_transport_port {
	uint8_t proto;
	uint16_t port;
};

struct gn_ports {
	struct gn_port_binding *map;
	size_t n_map;
	struct gn_transport_port *exposed;
	size_t n_exposed;
};

struct gn_aux_addr {
	char *name;
	struct gn_prefix addr;
};

/* One entry of IPv4Data / IPv6Data. */
struct gn_ipam_data {
	char *address_space;
	struct gn_prefix pool;
	bool has_gateway;
	struct gn_prefix gateway; /* carries the pool's prefix length */
	struct gn_aux_addr *aux;
	size_t n_aux;
};

enum gn_ufw_mode {
	GN_UFW_AUTO = 0,
	GN_UFW_ON,
	GN_UFW_OFF,
};

/* The network options guardnet understands, validated. */
struct gn_net_opts {
	char bridge[GN_IFNAME_MAX + 1]; /* "" until chosen */
	bool bridge_set;                /* given, as guardnet.bridge or Docker's bridge.name */
	unsigned mtu;                   /* 0: not given (1500) */
	bool internal;
	bool enable_ipv4;
	bool enable_ipv6;
	bool icc;
	bool icc_set;                   /* given, as guardnet.icc or Docker's enable_icc */
	bool no_masquerade;             /* Docker's enable_ip_masquerade=false: egress keeps its source */
	enum gn_ufw_mode ufw;
	bool publish_set;               /* false: the config's default applies */
	struct gn_addr_list publish;
	struct gn_prefix_list allow;
};

struct gn_network_spec {
	char id[GN_ID_LEN + 1];
	struct gn_net_opts opts;
	struct gn_ipam_data *ipv4;
	size_t n_ipv4;
	struct gn_ipam_data *ipv6;
	size_t n_ipv6;
};

struct gn_endpoint_spec {
	char net_id[GN_ID_LEN + 1];
	char id[GN_ID_LEN + 1];
	bool has_addr4;
	struct gn_prefix addr4;
	bool has_addr6;
	struct gn_prefix addr6;
	bool has_mac;
	uint8_t mac[6];
	struct gn_prefix_list allow; /* endpoint guardnet.allow */
	struct gn_ports ports;
};

/* Leave, DeleteEndpoint, EndpointOperInfo, RevokeExternalConnectivity. */
struct gn_ep_ref {
	char net_id[GN_ID_LEN + 1];
	char id[GN_ID_LEN + 1];
};

struct gn_join_req {
	struct gn_ep_ref ref;
	char *sandbox_key;
	struct gn_ports ports;
};

struct gn_program_req {
	struct gn_ep_ref ref;
	struct gn_ports ports;
	bool no_proxy_6to4;
};

/* Error text that names the bad field and value; filled where it is known. */
struct gn_err {
	char msg[512];
};

#endif
