// SPDX-License-Identifier: GPL-2.0
/*
 * The strongSwan 5.9 way (child_sa.c update() with kernel-netlink's
 * update_sa()), per CHILD SA, as the kernel sees it:
 *   1. the outbound policy is switched to a drop policy (UPDPOLICY, action
 *      block: the drop "mapping" installed before the IPsec one is removed
 *      takes over the kernel policy),
 *   2. the inbound policies are deleted (DELPOLICY in, and fwd in tunnel
 *      mode),
 *   3. each SA, inbound first: GETSA, GETAE (replay state and lifetime),
 *      DELSA, NEWSA with the old SA's attributes, the new addresses, host
 *      selectors rewritten, and the replay state and lifetime from GETAE,
 *   4. the policies are installed again with the new addresses (NEWPOLICY in
 *      and fwd; UPDPOLICY out over the drop policy for a same selector, or
 *      NEWPOLICY out plus DELPOLICY of the old drop policy when the
 *      transport selector changed).
 * Removing the drop mapping of a same-selector policy needs no kernel call.
 */
#include <errno.h>
#include <string.h>
#include "mig.h"

struct reply {
	char buf[MSGBUF];
	int found;
};

static int copy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply *r = data;

	if (nlh->nlmsg_len > sizeof(r->buf))
		return MNL_CB_ERROR;
	memcpy(r->buf, nlh, nlh->nlmsg_len);
	r->found = 1;
	return MNL_CB_STOP;
}

static int talk(struct mig *g, struct nlmsghdr *nlh, struct reply *r)
{
	g->msgs++;
	return nlc_talk(&g->x, nlh, r ? copy_cb : NULL, r);
}

static int policy_msg(struct mig *g, uint16_t type, int dir,
		      const struct xfrm_selector *sel, uint32_t src,
		      uint32_t dst, uint32_t reqid, int block)
{
	char buf[MSGBUF];
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = nlc_msg(&g->x, buf, type, NLM_F_ACK);
	if (type == XFRM_MSG_DELPOLICY)
		xfrm_put_policy_id(nlh, dir, sel);
	else
		xfrm_put_policy(nlh, g->m.mode, dir, sel, src, dst, reqid,
				block);
	return talk(g, nlh, NULL);
}

/* A host selector naming the old address names the new one. */
static void sel_move(struct xfrm_selector *sel, uint32_t old, uint32_t new)
{
	if (sel->prefixlen_s == 32 && sel->saddr.a4 == old)
		sel->saddr.a4 = new;
	if (sel->prefixlen_d == 32 && sel->daddr.a4 == old)
		sel->daddr.a4 = new;
}

static int update_sa(struct mig *g, uint32_t src, uint32_t dst, uint32_t spi,
		     uint32_t nsrc, uint32_t ndst)
{
	struct reply sa, ae;
	struct xfrm_usersa_info *info;
	struct xfrm_aevent_id *aid;
	struct nlmsghdr *nlh;
	const struct nlattr *a;
	char buf[MSGBUF];
	int err;

	/* query the SA */
	memset(buf, 0, sizeof(buf));
	nlh = nlc_msg(&g->x, buf, XFRM_MSG_GETSA, 0);
	xfrm_put_sa_id(nlh, dst, spi);
	sa.found = 0;
	err = talk(g, nlh, &sa);
	if (err || !sa.found)
		return err ? err : -ENOENT;

	/* its replay state and lifetime */
	memset(buf, 0, sizeof(buf));
	nlh = nlc_msg(&g->x, buf, XFRM_MSG_GETAE, 0);
	aid = mnl_nlmsg_put_extra_header(nlh, sizeof(*aid));
	aid->sa_id.daddr.a4 = dst;
	aid->sa_id.spi = htonl(spi);
	aid->sa_id.family = AF_INET;
	aid->sa_id.proto = IPPROTO_ESP;
	aid->saddr.a4 = src;
	aid->flags = XFRM_AE_RVAL;
	ae.found = 0;
	err = talk(g, nlh, &ae);
	if (err || !ae.found)
		return err ? err : -ENOENT;

	/* delete it */
	memset(buf, 0, sizeof(buf));
	nlh = nlc_msg(&g->x, buf, XFRM_MSG_DELSA, NLM_F_ACK);
	xfrm_put_sa_id(nlh, dst, spi);
	err = talk(g, nlh, NULL);
	if (err)
		return err;

	/* and add it again at the new addresses */
	memset(buf, 0, sizeof(buf));
	nlh = nlc_msg(&g->x, buf, XFRM_MSG_NEWSA, NLM_F_ACK);
	info = mnl_nlmsg_put_extra_header(nlh, sizeof(*info));
	memcpy(info, mnl_nlmsg_get_payload((struct nlmsghdr *)sa.buf),
	       sizeof(*info));
	info->saddr.a4 = nsrc;
	info->id.daddr.a4 = ndst;
	sel_move(&info->sel, src, nsrc);
	sel_move(&info->sel, dst, ndst);
	mnl_attr_for_each(a, (struct nlmsghdr *)sa.buf, sizeof(*info))
		mnl_attr_put(nlh, mnl_attr_get_type(a),
			     mnl_attr_get_payload_len(a),
			     mnl_attr_get_payload(a));
	mnl_attr_for_each(a, (struct nlmsghdr *)ae.buf,
			  sizeof(struct xfrm_aevent_id)) {
		uint16_t t = mnl_attr_get_type(a);

		if (t == XFRMA_REPLAY_VAL || t == XFRMA_REPLAY_ESN_VAL ||
		    t == XFRMA_LTIME_VAL)
			mnl_attr_put(nlh, t, mnl_attr_get_payload_len(a),
				     mnl_attr_get_payload(a));
	}
	return talk(g, nlh, NULL);
}

static int ss_child(struct mig *g, const struct child *o, const struct child *n)
{
	int tunnel = g->m.mode == XFRM_MODE_TUNNEL;
	uint32_t r = o->remote;
	int err;

	err = policy_msg(g, XFRM_MSG_UPDPOLICY, XFRM_POLICY_OUT, &o->sel_out,
			 0, 0, 0, 1);
	if (!err)
		err = policy_msg(g, XFRM_MSG_DELPOLICY, XFRM_POLICY_IN,
				 &o->sel_in, 0, 0, 0, 0);
	if (!err && tunnel)
		err = policy_msg(g, XFRM_MSG_DELPOLICY, XFRM_POLICY_FWD,
				 &o->sel_in, 0, 0, 0, 0);
	if (!err)
		err = update_sa(g, r, o->local, o->spi_in, r, n->local);
	if (!err)
		err = update_sa(g, o->local, r, o->spi_out, n->local, r);
	if (!err)
		err = policy_msg(g, XFRM_MSG_NEWPOLICY, XFRM_POLICY_IN,
				 &n->sel_in, r, n->local, n->reqid, 0);
	if (!err && tunnel)
		err = policy_msg(g, XFRM_MSG_NEWPOLICY, XFRM_POLICY_FWD,
				 &n->sel_in, r, n->local, n->reqid, 0);
	if (err)
		return err;
	if (tunnel)
		return policy_msg(g, XFRM_MSG_UPDPOLICY, XFRM_POLICY_OUT,
				  &n->sel_out, n->local, r, n->reqid, 0);
	err = policy_msg(g, XFRM_MSG_NEWPOLICY, XFRM_POLICY_OUT, &n->sel_out,
			 n->local, r, n->reqid, 0);
	if (!err)
		err = policy_msg(g, XFRM_MSG_DELPOLICY, XFRM_POLICY_OUT,
				 &o->sel_out, 0, 0, 0, 0);
	return err;
}

static int ss_migrate(struct mig *g, unsigned int i, unsigned int peer,
		      uint32_t from, uint32_t to)
{
	int c, err;

	(void)i;
	for (c = 0; c < g->m.children; c++) {
		struct child o, n;

		child_get(&g->m, peer, c, from, from, &o);
		child_get(&g->m, peer, c, to, to, &n);
		err = ss_child(g, &o, &n);
		if (err)
			return err;
	}
	return 0;
}

static int ss_init(struct mig *g, unsigned int npeers)
{
	(void)npeers;
	g->rewrites_sel = 1;
	return 0;
}

const struct method method_strongswan = {
	.name = "strongswan",
	.init = ss_init,
	.migrate = ss_migrate,
};
