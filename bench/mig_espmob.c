// SPDX-License-Identifier: GPL-2.0
/*
 * The esp_mobility way: one ESPMOB_CMD_MIGRATE request per peer over the
 * "esp_mobility" generic netlink family (uapi/linux/esp_mobility.h). The
 * request names the old and new endpoint pairs and, unless -E (endpoints
 * only), every SPI of the peer and, unless -S (SPIs only), every policy
 * by index and direction.
 * Building the request, including the GETPOLICY lookups of the indexes, is
 * the untimed prepare step; the timed part is one send and its reply.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include "uapi/linux/esp_mobility.h"
#include "userspace/request.h"
#include "mig.h"

#define REQ_SIZE	MIGRATE_MSG_MAX

struct result {
	uint32_t states, policies;
	uint64_t duration_ns;
	int found;
};

static int family_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
		*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
	return MNL_CB_OK;
}

static int resolve_family(struct mig *g)
{
	char buf[MSGBUF];
	struct nlmsghdr *nlh;
	struct genlmsghdr *gh;
	int err;

	memset(buf, 0, sizeof(buf));
	nlh = nlc_msg(&g->g, buf, GENL_ID_CTRL, NLM_F_ACK);
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = CTRL_CMD_GETFAMILY;
	gh->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ESPMOB_GENL_NAME);
	err = nlc_talk(&g->g, nlh, family_cb, &g->family);
	if (!err && !g->family)
		err = -ENOENT;
	return err;
}

static int em_init(struct mig *g, unsigned int npeers)
{
	unsigned int i;
	int err;

	g->rewrites_sel = 1;
	err = nlc_open(&g->g, NETLINK_GENERIC, 0);
	if (!err)
		err = resolve_family(g);
	if (err) {
		fprintf(stderr, "migrate: no %s family: %s\n", ESPMOB_GENL_NAME,
			strerror(-err));
		exit(3);	/* "skip": the module is not loaded */
	}
	g->req = calloc(npeers, sizeof(*g->req));
	for (i = 0; g->req && i < npeers; i++) {
		g->req[i] = malloc(REQ_SIZE);
		if (!g->req[i])
			return -ENOMEM;
	}
	return g->req ? 0 : -ENOMEM;
}

static void set_ep(struct espmob_endpoints *ep, uint32_t local,
		   uint32_t remote)
{
	ep->local.family = AF_INET;
	ep->local.v4.s_addr = local;
	ep->remote.family = AF_INET;
	ep->remote.v4.s_addr = remote;
}

static int named_policies(struct mig *g, struct migrate_req *req,
			  unsigned int peer, uint32_t from)
{
	int c;

	for (c = 0; c < g->m.children; c++) {
		struct child ch;
		struct {
			int dir;
			const struct xfrm_selector *sel;
		} p[3] = {
			{ XFRM_POLICY_OUT, &ch.sel_out },
			{ XFRM_POLICY_IN, &ch.sel_in },
			{ XFRM_POLICY_FWD, &ch.sel_in },
		};
		int k;

		child_get(&g->m, peer, c, from, from, &ch);
		for (k = 0; k < npolicies(&g->m); k++) {
			uint32_t idx = policy_index(&g->x, p[k].dir, p[k].sel);

			if (!idx) {
				fprintf(stderr, "migrate: peer %u CHILD %d: no %d policy\n",
					peer, c, p[k].dir);
				return -ENOENT;
			}
			if (req->n_policies == ESPMOB_MAX_POLICIES)
				return -E2BIG;
			req->policies[req->n_policies++] =
				(struct espmob_policy_ref){ .index = idx,
							    .dir = p[k].dir };
		}
	}
	return 0;
}

/* The request is encoded by espmob's own encoder (userspace/request.c). */
static int em_prepare(struct mig *g, unsigned int i, unsigned int peer,
		      uint32_t from, uint32_t to)
{
	uint32_t remote = peer_remote(peer);
	struct migrate_req req = { 0 };
	struct nlmsghdr *nlh;
	int c, err;

	set_ep(&req.old_ep, from, remote);
	set_ep(&req.new_ep, to, remote);
	if (g->named) {
		for (c = 0; c < g->m.children; c++) {
			struct child ch;

			if (req.n_spis + 2 > ESPMOB_MAX_SPIS)
				return -E2BIG;
			child_get(&g->m, peer, c, from, from, &ch);
			req.spis[req.n_spis++] = ch.spi_out;
			req.spis[req.n_spis++] = ch.spi_in;
		}
		err = g->spis_only ? 0 : named_policies(g, &req, peer, from);
		if (err)
			return err;
	}
	nlh = migrate_build(g->req[i], REQ_SIZE, g->family, &req);
	if (!nlh)
		return -EMSGSIZE;
	nlh->nlmsg_seq = ++g->g.seq;
	return 0;
}

static int result_attr_cb(const struct nlattr *a, void *data)
{
	struct result *r = data;

	if (mnl_attr_get_type(a) == ESPMOB_RESULT_A_DURATION_NS &&
	    mnl_attr_validate(a, MNL_TYPE_U64) == 0)
		r->duration_ns = mnl_attr_get_u64(a);
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return MNL_CB_OK;
	if (mnl_attr_get_type(a) == ESPMOB_RESULT_A_STATES)
		r->states = mnl_attr_get_u32(a);
	else if (mnl_attr_get_type(a) == ESPMOB_RESULT_A_POLICIES)
		r->policies = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int top_attr_cb(const struct nlattr *a, void *data)
{
	struct result *r = data;

	if (mnl_attr_get_type(a) == ESPMOB_A_RESULT) {
		r->found = 1;
		mnl_attr_parse_nested(a, result_attr_cb, r);
	}
	return MNL_CB_OK;
}

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), top_attr_cb, data);
	return MNL_CB_OK;
}

static int em_migrate(struct mig *g, unsigned int i, unsigned int peer,
		      uint32_t from, uint32_t to)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)g->req[i];
	unsigned int want_s = 2 * g->m.children;
	unsigned int want_p = npolicies(&g->m) * g->m.children;
	struct result r = { 0 };
	int err;

	(void)from;
	(void)to;
	g->msgs++;
	err = nlc_talk(&g->g, nlh, reply_cb, &r);
	if (err) {
		fprintf(stderr, "migrate: peer %u: %s%s%s\n", peer,
			strerror(-err), g->g.errmsg[0] ? ": " : "",
			g->g.errmsg);
		return err;
	}
	if (!r.found || r.states != want_s || r.policies != want_p) {
		fprintf(stderr, "migrate: peer %u: moved %u states, %u policies; expected %u, %u\n",
			peer, r.states, r.policies, want_s, want_p);
		return -EPROTO;
	}
	g->kernel_ns += r.duration_ns;
	return 0;
}

static int stats_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == ESPMOB_STATS_A_RETIRING &&
	    mnl_attr_validate(a, MNL_TYPE_U64) == 0)
		*(uint64_t *)data = mnl_attr_get_u64(a);
	return MNL_CB_OK;
}

static int info_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == ESPMOB_A_STATS)
		mnl_attr_parse_nested(a, stats_attr_cb, data);
	return MNL_CB_OK;
}

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), info_attr_cb, data);
	return MNL_CB_OK;
}

/*
 * The old states of a migration are deleted one RCU grace period after
 * it: wait for that (GET_INFO's RETIRING gauge), so that the tables are
 * verified as the migration leaves them. Untimed.
 */
static int em_settle(struct mig *g)
{
	uint64_t deadline = now_ns() + 30000000000ULL;
	char buf[MSGBUF];

	for (;;) {
		uint64_t retiring = UINT64_MAX;
		struct nlmsghdr *nlh;
		struct genlmsghdr *gh;
		int err;

		memset(buf, 0, sizeof(buf));
		nlh = nlc_msg(&g->g, buf, g->family, NLM_F_ACK);
		gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
		gh->cmd = ESPMOB_CMD_GET_INFO;
		gh->version = ESPMOB_GENL_VERSION;
		err = nlc_talk(&g->g, nlh, info_cb, &retiring);
		if (err)
			return err;
		if (!retiring)
			return 0;
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		usleep(1000);
	}
}

const struct method method_espmob = {
	.name = "espmob",
	.init = em_init,
	.prepare = em_prepare,
	.migrate = em_migrate,
	.settle = em_settle,
};
