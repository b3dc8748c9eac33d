// SPDX-License-Identifier: GPL-2.0
/* Shared code of the benchmark tools: see lib.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include "lib.h"

#define BATCH_SIZE	(64 * 1024)
#define BATCH_MSG_MAX	1024		/* no message we batch is larger */

uint32_t parse_ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "bad IPv4 address %s\n", s);
		exit(2);
	}
	return a.s_addr;
}

const char *ip4_str(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

void model_init(struct model *m, int mode, int children)
{
	m->mode = mode;
	m->children = children;
	m->l1 = parse_ip4(ADDR_L1);
	m->l2 = parse_ip4(ADDR_L2);
}

int model_opt(int opt, const char *arg, int *mode, int *children)
{
	if (opt == 't') {
		if (!strcmp(arg, "tunnel"))
			*mode = XFRM_MODE_TUNNEL;
		else if (!strcmp(arg, "transport"))
			*mode = XFRM_MODE_TRANSPORT;
		else
			return -1;
		return 0;
	}
	*children = atoi(arg);
	return *children < 1 || *children > MAX_CHILDREN ? -1 : 0;
}

uint32_t peer_remote(unsigned int peer)
{
	return htonl(REMOTE_BASE + peer);
}

int npolicies(const struct model *m)
{
	return m->mode == XFRM_MODE_TUNNEL ? 3 : 2;
}

static void sel_host(struct xfrm_selector *sel, uint32_t src, uint32_t dst)
{
	memset(sel, 0, sizeof(*sel));
	sel->family = AF_INET;
	sel->saddr.a4 = src;
	sel->daddr.a4 = dst;
	sel->prefixlen_s = 32;
	sel->prefixlen_d = 32;
}

void child_get(const struct model *m, unsigned int peer, int c,
	       uint32_t local, uint32_t sel_local, struct child *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->spi_out = 0x10000000u + peer * 2 * MAX_CHILDREN + c * 2;
	ch->spi_in = ch->spi_out + 1;
	ch->reqid = peer * MAX_CHILDREN + c + 1;
	ch->local = local;
	ch->remote = peer_remote(peer);
	if (m->mode == XFRM_MODE_TUNNEL) {
		uint32_t inner_r = htonl(INNER_R_BASE + peer * MAX_CHILDREN + c);
		uint32_t inner_l = parse_ip4(ADDR_INNER_L);

		sel_host(&ch->sel_out, inner_l, inner_r);
		sel_host(&ch->sel_in, inner_r, inner_l);
		return;
	}
	sel_host(&ch->sel_out, sel_local, ch->remote);
	sel_host(&ch->sel_in, ch->remote, sel_local);
	if (m->children > 1) {
		ch->sel_out.proto = IPPROTO_UDP;
		ch->sel_out.dport = htons(TRANSPORT_PORT + c);
		ch->sel_out.dport_mask = 0xffff;
		ch->sel_in.proto = IPPROTO_UDP;
		ch->sel_in.sport = htons(TRANSPORT_PORT + c);
		ch->sel_in.sport_mask = 0xffff;
	}
}

int nlc_open(struct nlc *c, int bus, unsigned int groups)
{
	int one = 1, rcvbuf = 8 << 20;

	memset(c, 0, sizeof(*c));
	c->sk = mnl_socket_open(bus);
	if (!c->sk)
		return -errno;
	mnl_socket_setsockopt(c->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(c->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	/*
	 * A batch's acks are queued before the first is read; each counts
	 * its skb's truesize against the receive buffer, and on 6.12 a
	 * batch of 64 KiB of requests overran the default (ENOBUFS).
	 */
	if (setsockopt(mnl_socket_get_fd(c->sk), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)))
		setsockopt(mnl_socket_get_fd(c->sk), SOL_SOCKET, SO_RCVBUF,
			   &rcvbuf, sizeof(rcvbuf));
	if (mnl_socket_bind(c->sk, groups, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(c->sk);
		return err;
	}
	c->portid = mnl_socket_get_portid(c->sk);
	c->seq = (unsigned int)time(NULL);
	return 0;
}

void nlc_close(struct nlc *c)
{
	if (c->sk)
		mnl_socket_close(c->sk);
	c->sk = NULL;
}

struct nlmsghdr *nlc_msg(struct nlc *c, void *buf, uint16_t type,
			 uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++c->seq;
	return nlh;
}

static int extack_cb(const struct nlattr *a, void *data)
{
	struct nlc *c = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(c->errmsg, sizeof(c->errmsg), "%s",
			 mnl_attr_get_str(a));
	return MNL_CB_OK;
}

/* An NLMSG_ERROR message: 0 for an ack, else -errno (extack kept). */
static int ack_error(struct nlc *c, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (e->error && (nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		mnl_attr_parse(nlh, sizeof(*e), extack_cb, c);
	return e->error;
}

int nlc_talk(struct nlc *c, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	unsigned int seq = nlh->nlmsg_seq;

	c->errmsg[0] = 0;
	if (mnl_socket_sendto(c->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(c->sk, c->rbuf, sizeof(c->rbuf));
		const struct nlmsghdr *r = (const void *)c->rbuf;
		int len = (int)n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (; mnl_nlmsg_ok(r, len); r = mnl_nlmsg_next(r, &len)) {
			if (r->nlmsg_seq != seq)
				continue;	/* stale */
			if (r->nlmsg_type == NLMSG_ERROR)
				return ack_error(c, r);
			if (r->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb) {
				int ret = cb(r, data);

				if (ret == MNL_CB_STOP)
					return 0;
				if (ret == MNL_CB_ERROR)
					return -EIO;
			}
		}
	}
}

void batch_init(struct batch *b, struct nlc *c)
{
	memset(b, 0, sizeof(*b));
	b->c = c;
	b->buf = malloc(BATCH_SIZE);
	if (!b->buf) {
		perror("malloc");
		exit(1);
	}
}

void batch_free(struct batch *b)
{
	free(b->buf);
	b->buf = NULL;
}

/*
 * Messages are laid out back to back; the length of each is only known
 * once its builder has run, so the previous one is accounted here.
 */
static struct nlmsghdr *last_msg(struct batch *b)
{
	return b->pending ? (struct nlmsghdr *)(b->buf + b->len) : NULL;
}

struct nlmsghdr *batch_msg(struct batch *b, uint16_t type)
{
	struct nlmsghdr *prev = last_msg(b);

	if (prev) {
		if (b->len + NLMSG_ALIGN(prev->nlmsg_len) + BATCH_MSG_MAX >
		    BATCH_SIZE)
			batch_flush(b);	/* accounts prev itself */
		else
			b->len += NLMSG_ALIGN(prev->nlmsg_len);
	}
	memset(b->buf + b->len, 0, BATCH_MSG_MAX);
	b->pending++;
	return nlc_msg(b->c, b->buf + b->len, type, NLM_F_ACK);
}

int batch_flush(struct batch *b)
{
	struct nlmsghdr *prev = last_msg(b);
	unsigned int want = b->pending;

	if (!prev)
		return b->errors;
	b->len += NLMSG_ALIGN(prev->nlmsg_len);
	if (mnl_socket_sendto(b->c->sk, b->buf, b->len) < 0) {
		perror("netlink send");
		exit(1);
	}
	while (want) {
		ssize_t n = mnl_socket_recvfrom(b->c->sk, b->c->rbuf,
						sizeof(b->c->rbuf));
		const struct nlmsghdr *r = (const void *)b->c->rbuf;
		int len = (int)n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("netlink recv");
			exit(1);
		}
		for (; mnl_nlmsg_ok(r, len); r = mnl_nlmsg_next(r, &len)) {
			int err;

			if (r->nlmsg_type != NLMSG_ERROR)
				continue;
			want--;
			err = ack_error(b->c, r);
			if (err) {
				if (!b->errors++)
					b->first_err = err;
			}
		}
	}
	b->len = 0;
	b->pending = 0;
	return b->errors;
}

static void aead_key(uint32_t spi, unsigned char *key, int len)
{
	int i;

	for (i = 0; i < len; i++)
		key[i] = (unsigned char)((spi >> (8 * (i % 4))) ^ (i * 37));
}

void xfrm_put_sa(struct nlmsghdr *nlh, int mode, uint32_t spi, uint32_t reqid,
		 uint32_t saddr, uint32_t daddr, const struct xfrm_selector *sel)
{
	struct xfrm_usersa_info *sa;
	struct xfrm_algo_aead *alg;
	char abuf[sizeof(*alg) + 20];

	sa = mnl_nlmsg_put_extra_header(nlh, sizeof(*sa));
	if (sel && mode == XFRM_MODE_TRANSPORT)
		sa->sel = *sel;
	sa->sel.family = AF_INET;
	sa->id.daddr.a4 = daddr;
	sa->id.spi = htonl(spi);
	sa->id.proto = IPPROTO_ESP;
	sa->saddr.a4 = saddr;
	sa->family = AF_INET;
	sa->mode = mode;
	sa->reqid = reqid;
	sa->replay_window = 32;
	sa->lft.soft_byte_limit = XFRM_INF;
	sa->lft.hard_byte_limit = XFRM_INF;
	sa->lft.soft_packet_limit = XFRM_INF;
	sa->lft.hard_packet_limit = XFRM_INF;

	memset(abuf, 0, sizeof(abuf));
	alg = (struct xfrm_algo_aead *)abuf;
	strcpy(alg->alg_name, "rfc4106(gcm(aes))");
	alg->alg_key_len = 160;		/* 128-bit key + 32-bit salt */
	alg->alg_icv_len = 128;
	aead_key(spi, (unsigned char *)alg->alg_key, 20);
	mnl_attr_put(nlh, XFRMA_ALG_AEAD, sizeof(abuf), abuf);
}

void xfrm_put_policy(struct nlmsghdr *nlh, int mode, int dir,
		     const struct xfrm_selector *sel, uint32_t tmpl_saddr,
		     uint32_t tmpl_daddr, uint32_t reqid, int block)
{
	struct xfrm_userpolicy_info *p;
	struct xfrm_user_tmpl t;

	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	p->sel = *sel;
	p->dir = dir;
	p->priority = 1000;
	p->action = block ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW;
	p->share = XFRM_SHARE_ANY;
	p->lft.soft_byte_limit = XFRM_INF;
	p->lft.hard_byte_limit = XFRM_INF;
	p->lft.soft_packet_limit = XFRM_INF;
	p->lft.hard_packet_limit = XFRM_INF;
	if (block)
		return;

	memset(&t, 0, sizeof(t));
	t.id.proto = IPPROTO_ESP;
	t.family = AF_INET;
	t.reqid = reqid;
	t.mode = mode;
	t.aalgos = ~0u;
	t.ealgos = ~0u;
	t.calgos = ~0u;
	if (mode == XFRM_MODE_TUNNEL) {
		t.saddr.a4 = tmpl_saddr;
		t.id.daddr.a4 = tmpl_daddr;
	}
	mnl_attr_put(nlh, XFRMA_TMPL, sizeof(t), &t);
}

void xfrm_put_policy_id(struct nlmsghdr *nlh, int dir,
			const struct xfrm_selector *sel)
{
	struct xfrm_userpolicy_id *id;

	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	id->sel = *sel;
	id->dir = dir;
}

void xfrm_put_sa_id(struct nlmsghdr *nlh, uint32_t daddr, uint32_t spi)
{
	struct xfrm_usersa_id *id;

	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	id->daddr.a4 = daddr;
	id->spi = htonl(spi);
	id->family = AF_INET;
	id->proto = IPPROTO_ESP;
}

void peer_install(struct batch *b, const struct model *m, unsigned int peer,
		  uint32_t local, int mirror)
{
	int c;

	for (c = 0; c < m->children; c++) {
		struct child ch;
		int out = mirror ? XFRM_POLICY_IN : XFRM_POLICY_OUT;
		int in = mirror ? XFRM_POLICY_OUT : XFRM_POLICY_IN;

		child_get(m, peer, c, local, local, &ch);
		xfrm_put_sa(batch_msg(b, XFRM_MSG_NEWSA), m->mode, ch.spi_out,
			    ch.reqid, ch.local, ch.remote, &ch.sel_out);
		xfrm_put_sa(batch_msg(b, XFRM_MSG_NEWSA), m->mode, ch.spi_in,
			    ch.reqid, ch.remote, ch.local, &ch.sel_in);
		xfrm_put_policy(batch_msg(b, XFRM_MSG_NEWPOLICY), m->mode, out,
				&ch.sel_out, ch.local, ch.remote, ch.reqid, 0);
		xfrm_put_policy(batch_msg(b, XFRM_MSG_NEWPOLICY), m->mode, in,
				&ch.sel_in, ch.remote, ch.local, ch.reqid, 0);
		if (m->mode == XFRM_MODE_TUNNEL && !mirror)
			xfrm_put_policy(batch_msg(b, XFRM_MSG_NEWPOLICY),
					m->mode, XFRM_POLICY_FWD, &ch.sel_in,
					ch.remote, ch.local, ch.reqid, 0);
	}
}

struct pol_reply {
	uint32_t index;
	uint32_t saddr, daddr;
	int found;
};

static int pol_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct xfrm_userpolicy_info *p = mnl_nlmsg_get_payload(nlh);
	struct pol_reply *r = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY)
		return MNL_CB_OK;
	r->found = 1;
	r->index = p->index;
	mnl_attr_for_each(a, nlh, sizeof(*p)) {
		const struct xfrm_user_tmpl *t = mnl_attr_get_payload(a);

		if (mnl_attr_get_type(a) != XFRMA_TMPL)
			continue;
		r->saddr = t->saddr.a4;
		r->daddr = t->id.daddr.a4;
		break;
	}
	return MNL_CB_STOP;
}

static int policy_get(struct nlc *c, int dir, const struct xfrm_selector *sel,
		      struct pol_reply *r)
{
	char buf[MSGBUF];
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	memset(r, 0, sizeof(*r));
	nlh = nlc_msg(c, buf, XFRM_MSG_GETPOLICY, 0);
	xfrm_put_policy_id(nlh, dir, sel);
	return nlc_talk(c, nlh, pol_cb, r);
}

uint32_t policy_index(struct nlc *c, int dir, const struct xfrm_selector *sel)
{
	struct pol_reply r;

	if (policy_get(c, dir, sel, &r) || !r.found)
		return 0;
	return r.index;
}

int policy_tmpl(struct nlc *c, int dir, const struct xfrm_selector *sel,
		uint32_t *saddr, uint32_t *daddr)
{
	struct pol_reply r;
	int err = policy_get(c, dir, sel, &r);

	if (err)
		return err;
	if (!r.found)
		return -ENOENT;
	*saddr = r.saddr;
	*daddr = r.daddr;
	return 0;
}

struct sa_reply {
	struct xfrm_usersa_info info;
	int found;
};

static int sa_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sa_reply *r = data;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA)
		return MNL_CB_OK;
	memcpy(&r->info, mnl_nlmsg_get_payload(nlh), sizeof(r->info));
	r->found = 1;
	return MNL_CB_STOP;
}

int sa_get(struct nlc *c, uint32_t daddr, uint32_t spi, uint32_t *saddr,
	   struct xfrm_selector *sel)
{
	char buf[MSGBUF];
	struct nlmsghdr *nlh;
	struct sa_reply r;
	int err;

	memset(buf, 0, sizeof(buf));
	memset(&r, 0, sizeof(r));
	nlh = nlc_msg(c, buf, XFRM_MSG_GETSA, 0);
	xfrm_put_sa_id(nlh, daddr, spi);
	err = nlc_talk(c, nlh, sa_cb, &r);
	if (err)
		return err;
	if (!r.found)
		return -ENOENT;
	if (saddr)
		*saddr = r.info.saddr.a4;
	if (sel)
		*sel = r.info.sel;
	return 0;
}
