/*
 * What a packet shows the rules of nf_tables: its interfaces, protocol and
 * marks (meta), its headers as far as rules look into them (payload), its
 * connection (ct): for a connection's first packet, which is what decides.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_arp.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>

#include "fw.h"

size_t fw_load_meta(const struct fw_pkt *p, uint32_t key, uint8_t *out)
{
	uint32_t v;
	uint16_t v16;

	switch (key) {
	case NFT_META_IIFNAME:
	case NFT_META_OIFNAME: {
		const char *n = key == NFT_META_IIFNAME ? p->iif : p->oif;

		memset(out, 0, IFNAMSIZ);
		if (n)
			strncpy((char *)out, n, IFNAMSIZ - 1);
		return n ? IFNAMSIZ : 0;
	}
	case NFT_META_IIF:
	case NFT_META_OIF:
		v = (key == NFT_META_IIF ? p->iif : p->oif) ? if_nametoindex(key == NFT_META_IIF ? p->iif : p->oif) : 0;
		memcpy(out, &v, 4);
		return v ? 4 : 0;
	case NFT_META_IIFTYPE:
	case NFT_META_OIFTYPE:
		v16 = ARPHRD_ETHER;
		memcpy(out, &v16, 2);
		return 2;
	case NFT_META_L4PROTO:
		out[0] = p->proto;
		return 1;
	case NFT_META_NFPROTO:
		out[0] = p->family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
		return 1;
	case NFT_META_PROTOCOL:
		v16 = htons(p->family == AF_INET ? 0x0800 : 0x86dd);
		memcpy(out, &v16, 2);
		return 2;
	case NFT_META_MARK:
		memcpy(out, &p->mark, 4);
		return 4;
	case NFT_META_PKTTYPE:
		out[0] = 0;     /* PACKET_HOST */
		return 1;
	case NFT_META_IIFGROUP:
	case NFT_META_OIFGROUP:
	case NFT_META_SECPATH:
		memset(out, 0, 4);
		return 4;
	}
	return (size_t)-1;
}

/* The packet's network and transport headers, as far as rules look. */
void fw_load_headers(const struct fw_pkt *p, uint8_t *nh, uint8_t *th)
{
	memset(nh, 0, 40);
	memset(th, 0, 20);
	if (p->family == AF_INET) {
		nh[0] = 0x45;
		nh[8] = 64;
		nh[9] = p->proto;
		memcpy(nh + 12, p->src.a, 4);
		memcpy(nh + 16, p->dst.a, 4);
	} else {
		nh[0] = 0x60;
		nh[6] = p->proto;
		nh[7] = 64;
		memcpy(nh + 8, p->src.a, 16);
		memcpy(nh + 24, p->dst.a, 16);
	}
	th[0] = (uint8_t)(p->sport >> 8);
	th[1] = (uint8_t)p->sport;
	th[2] = (uint8_t)(p->dport >> 8);
	th[3] = (uint8_t)p->dport;
	if (p->proto == 6) {
		th[12] = 0x50;
		th[13] = 0x02;  /* SYN: the first packet is what decides */
	}
}

int fw_load_ct(const struct fw_pkt *p, uint32_t key, uint32_t dir, uint8_t *out, size_t *n)
{
	bool orig = dir == IP_CT_DIR_ORIGINAL;
	size_t alen = p->family == AF_INET ? 4 : 16;
	const struct gn_addr *odst = p->odst.family ? &p->odst : &p->dst;
	uint16_t port;

	if (key == NFT_CT_STATE) {
		memcpy(out, &p->ctstate, 4);
		*n = 4;
		return 1;
	}
	/* Without a connection (untracked, invalid) every other key breaks. */
	if (p->ctstate & (NF_CT_STATE_INVALID_BIT | NF_CT_STATE_UNTRACKED_BIT))
		return 0;
	switch (key) {
	case NFT_CT_STATUS:
		memcpy(out, &p->ctstatus, 4);
		*n = 4;
		return 1;
	case NFT_CT_MARK:
		memcpy(out, &p->ctmark, 4);
		*n = 4;
		return 1;
	case NFT_CT_DIRECTION:
		out[0] = IP_CT_DIR_ORIGINAL;
		*n = 1;
		return 1;
	case NFT_CT_L3PROTOCOL:
		out[0] = p->family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
		*n = 1;
		return 1;
	case NFT_CT_PROTOCOL:
		out[0] = p->proto;
		*n = 1;
		return 1;
	case NFT_CT_SRC:
	case NFT_CT_SRC_IP:
	case NFT_CT_SRC_IP6:
		memcpy(out, orig ? p->src.a : p->dst.a, alen);
		*n = alen;
		return 1;
	case NFT_CT_DST:
	case NFT_CT_DST_IP:
	case NFT_CT_DST_IP6:
		memcpy(out, orig ? odst->a : p->src.a, alen);
		*n = alen;
		return 1;
	case NFT_CT_PROTO_SRC:
	case NFT_CT_PROTO_DST:
		port = htons(key == NFT_CT_PROTO_SRC ? (orig ? p->sport : p->dport)
						      : (orig ? (p->odport ? p->odport : p->dport) : p->sport));
		memcpy(out, &port, 2);
		*n = 2;
		return 1;
	}
	*n = 0;
	return 1;
}

