/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared code of the benchmark tools: a netlink client over libmnl, builders
 * for xfrm messages, and the peer model every tool derives addresses, SPIs,
 * reqids and selectors from, so that the setup tool and the migrators agree
 * without asking the kernel (as an IKE daemon knows its own SAs).
 */
#ifndef BENCH_LIB_H
#define BENCH_LIB_H

#include <stdint.h>
#include <stddef.h>
#include <time.h>
#include <netinet/in.h>
#include <linux/xfrm.h>
#include <libmnl/libmnl.h>

#define MAX_CHILDREN	4
#define MSGBUF		16384

/* Addresses of the model (IPv4, network order once parsed). */
#define ADDR_L1		"192.0.2.1"	/* the moving host's first address */
#define ADDR_L2		"198.51.100.1"	/* ... and its second */
#define ADDR_INNER_L	"10.0.0.1"	/* inner (tunnel) address, local side */
#define REMOTE_BASE	0x64400001u	/* 100.64.0.1: peer 0's address */
#define INNER_R_BASE	0xac100001u	/* 172.16.0.1: remote inner /32s */
#define TRANSPORT_PORT	5000		/* transport CHILD c: UDP dport 5000+c */

struct model {
	int mode;		/* XFRM_MODE_TUNNEL or XFRM_MODE_TRANSPORT */
	int children;		/* CHILD SAs per peer, 1..MAX_CHILDREN */
	uint32_t l1, l2;	/* the two local addresses */
};

/* One CHILD SA of a peer, seen from the host whose local address is given. */
struct child {
	uint32_t spi_out, spi_in;	/* host order */
	uint32_t reqid;
	uint32_t local, remote;
	struct xfrm_selector sel_out;	/* local -> remote traffic */
	struct xfrm_selector sel_in;	/* remote -> local traffic */
};

void model_init(struct model *m, int mode, int children);
/* Options shared by the tools: -t tunnel|transport, -c CHILDREN; 0 if valid. */
int model_opt(int opt, const char *arg, int *mode, int *children);
uint32_t peer_remote(unsigned int peer);
/*
 * CHILD c of peer @peer with local address @local. @sel_local is the local
 * address transport-mode selectors name (they are not rewritten by every
 * method: the caller says which one the kernel holds).
 */
void child_get(const struct model *m, unsigned int peer, int c,
	       uint32_t local, uint32_t sel_local, struct child *ch);
int npolicies(const struct model *m);	/* per CHILD SA: 3 tunnel, 2 transport */

/* A netlink socket with its own sequence numbers. */
struct nlc {
	struct mnl_socket *sk;
	unsigned int portid;
	unsigned int seq;
	char rbuf[65536];
	char errmsg[256];	/* extack message of the last error */
};

int nlc_open(struct nlc *c, int bus, unsigned int groups);
void nlc_close(struct nlc *c);
struct nlmsghdr *nlc_msg(struct nlc *c, void *buf, uint16_t type,
			 uint16_t flags);
/*
 * Send @nlh and read until its ack (or, for a request without NLM_F_ACK,
 * until @cb returns MNL_CB_STOP). Returns 0 or a negative errno.
 */
int nlc_talk(struct nlc *c, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* Many requests in one send, acks counted: for fast installs. */
struct batch {
	struct nlc *c;
	char *buf;
	size_t len;
	unsigned int pending;
	unsigned int errors;
	int first_err;
};

void batch_init(struct batch *b, struct nlc *c);
struct nlmsghdr *batch_msg(struct batch *b, uint16_t type);
int batch_flush(struct batch *b);	/* returns the number of errors */
void batch_free(struct batch *b);

/* xfrm message builders: fill @nlh (a header from nlc_msg/batch_msg). */
void xfrm_put_sa(struct nlmsghdr *nlh, int mode, uint32_t spi, uint32_t reqid,
		 uint32_t saddr, uint32_t daddr, const struct xfrm_selector *sel);
void xfrm_put_policy(struct nlmsghdr *nlh, int mode, int dir,
		     const struct xfrm_selector *sel, uint32_t tmpl_saddr,
		     uint32_t tmpl_daddr, uint32_t reqid, int block);
void xfrm_put_policy_id(struct nlmsghdr *nlh, int dir,
			const struct xfrm_selector *sel);
void xfrm_put_sa_id(struct nlmsghdr *nlh, uint32_t daddr, uint32_t spi);

/* Install (or with @del remove) one peer's SAs and policies via @b. */
void peer_install(struct batch *b, const struct model *m, unsigned int peer,
		  uint32_t local, int mirror);

/* Index of the policy (sel, dir), 0 if there is none. */
uint32_t policy_index(struct nlc *c, int dir, const struct xfrm_selector *sel);
/* Template addresses of policy (sel, dir); 0 on success. */
int policy_tmpl(struct nlc *c, int dir, const struct xfrm_selector *sel,
		uint32_t *saddr, uint32_t *daddr);
/* The SA (daddr, spi) exists; its saddr and selector are returned. */
int sa_get(struct nlc *c, uint32_t daddr, uint32_t spi, uint32_t *saddr,
	   struct xfrm_selector *sel);

uint32_t parse_ip4(const char *s);
const char *ip4_str(uint32_t a, char *buf);
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

#endif
