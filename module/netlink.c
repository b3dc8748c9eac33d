// SPDX-License-Identifier: GPL-2.0
/*
 * The "esp_mobility" generic netlink family: request parsing, replies and
 * the "migrate" multicast group.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include <uapi/linux/esp_mobility.h>

#include "esp_mobility.h"

static const struct nla_policy espmob_policy[ESPMOB_A_MAX + 1] = {
	[ESPMOB_A_ABI_VERSION] = { .type = NLA_REJECT },
	[ESPMOB_A_STATS] = { .type = NLA_REJECT },
};

static struct genl_family espmob_family;

enum espmob_mcgrp_ids {
	ESPMOB_MCGRP_ID_MIGRATE,
};

static const struct genl_multicast_group espmob_mcgrps[] = {
	[ESPMOB_MCGRP_ID_MIGRATE] = {
		.name = ESPMOB_MCGRP_MIGRATE,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static int espmob_put_stats(struct sk_buff *skb, const struct espmob_stats *s)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, ESPMOB_A_STATS);
	if (!nest)
		return -EMSGSIZE;

	if (nla_put_u64_64bit(skb, ESPMOB_STATS_A_MIGRATIONS,
			      atomic64_read(&s->migrations), ESPMOB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, ESPMOB_STATS_A_FAILED,
			      atomic64_read(&s->failed), ESPMOB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, ESPMOB_STATS_A_DRY_RUNS,
			      atomic64_read(&s->dry_runs), ESPMOB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, ESPMOB_STATS_A_STATES_MOVED,
			      atomic64_read(&s->states_moved),
			      ESPMOB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, ESPMOB_STATS_A_POLICIES_MOVED,
			      atomic64_read(&s->policies_moved),
			      ESPMOB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, ESPMOB_STATS_A_ROLLBACKS,
			      atomic64_read(&s->rollbacks), ESPMOB_STATS_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}

	nla_nest_end(skb, nest);
	return 0;
}

static int espmob_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct espmob_net *en = espmob_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &espmob_family, 0,
				ESPMOB_CMD_GET_INFO);
	if (!hdr)
		goto nla_failure;

	if (nla_put_u32(msg, ESPMOB_A_ABI_VERSION, ESPMOB_ABI_VERSION) ||
	    espmob_put_stats(msg, &en->stats))
		goto nla_failure;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct genl_ops espmob_ops[] = {
	{
		.cmd = ESPMOB_CMD_GET_INFO,
		.doit = espmob_nl_get_info,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family espmob_family __ro_after_init = {
	.name = ESPMOB_GENL_NAME,
	.version = ESPMOB_GENL_VERSION,
	.maxattr = ESPMOB_A_MAX,
	.policy = espmob_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = espmob_ops,
	.n_ops = ARRAY_SIZE(espmob_ops),
	/* every command is validated strictly: no legacy leniency */
	.resv_start_op = ESPMOB_CMD_MIGRATE_NTF + 1,
	.mcgrps = espmob_mcgrps,
	.n_mcgrps = ARRAY_SIZE(espmob_mcgrps),
};

int __init espmob_nl_init(void)
{
	return genl_register_family(&espmob_family);
}

void espmob_nl_exit(void)
{
	genl_unregister_family(&espmob_family);
}
