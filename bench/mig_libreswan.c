// SPDX-License-Identifier: GPL-2.0
/*
 * The libreswan way (pluto's kernel_xfrm.c, netlink_migrate_sa): for each
 * CHILD SA, one XFRM_MSG_MIGRATE per policy direction, out then in then
 * fwd, each naming the policy by selector and direction and carrying one
 * xfrm_user_migrate (old and new outer addresses, proto, mode, reqid); no
 * XFRMA_KMADDRESS, XFRMA_ENCAP only with NAT-T (not used here). Each call
 * moves the matching SA (if any is still at the old addresses) and rewrites
 * the policy's template; selectors are never rewritten, so a transport-mode
 * policy keeps naming the old address (pluto would also send a third call
 * for a fwd policy that transport mode does not have: skipped here).
 */
#include <errno.h>
#include <string.h>
#include "mig.h"

static int migrate_one(struct mig *g, int dir, const struct xfrm_selector *sel,
		       uint32_t reqid, uint32_t osrc, uint32_t odst,
		       uint32_t nsrc, uint32_t ndst)
{
	char buf[MSGBUF];
	struct xfrm_user_migrate um;
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = nlc_msg(&g->x, buf, XFRM_MSG_MIGRATE, NLM_F_ACK);
	xfrm_put_policy_id(nlh, dir, sel);
	memset(&um, 0, sizeof(um));
	um.old_saddr.a4 = osrc;
	um.old_daddr.a4 = odst;
	um.new_saddr.a4 = nsrc;
	um.new_daddr.a4 = ndst;
	um.proto = IPPROTO_ESP;
	um.mode = g->m.mode;
	um.reqid = reqid;
	um.old_family = AF_INET;
	um.new_family = AF_INET;
	mnl_attr_put(nlh, XFRMA_MIGRATE, sizeof(um), &um);
	g->msgs++;
	return nlc_talk(&g->x, nlh, NULL, NULL);
}

static int ls_migrate(struct mig *g, unsigned int i, unsigned int peer,
		      uint32_t from, uint32_t to)
{
	int c, err;

	(void)i;
	for (c = 0; c < g->m.children; c++) {
		struct child ch;
		uint32_t r;

		child_get(&g->m, peer, c, from, sel_local(g, from), &ch);
		r = ch.remote;
		err = migrate_one(g, XFRM_POLICY_OUT, &ch.sel_out, ch.reqid,
				  from, r, to, r);
		if (!err)
			err = migrate_one(g, XFRM_POLICY_IN, &ch.sel_in,
					  ch.reqid, r, from, r, to);
		if (!err && g->m.mode == XFRM_MODE_TUNNEL)
			err = migrate_one(g, XFRM_POLICY_FWD, &ch.sel_in,
					  ch.reqid, r, from, r, to);
		if (err)
			return err;
	}
	return 0;
}

static int ls_init(struct mig *g, unsigned int npeers)
{
	(void)npeers;
	g->rewrites_sel = 0;
	return 0;
}

const struct method method_libreswan = {
	.name = "libreswan",
	.init = ls_init,
	.migrate = ls_migrate,
};
