// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: the counters a netns's owner reads with
 * ESPMOB_CMD_GET_INFO, and the count of migrations whose retired states
 * wait for a grace period (retire.c). The counters start at zero in every
 * namespace, so one namespace never learns what another one migrated.
 */
#include <linux/module.h>
#include <net/netns/generic.h>

#include "esp_mobility.h"
#include "migrate_ctx.h"

static unsigned int espmob_net_id __read_mostly;

struct espmob_net *espmob_pernet(const struct net *net)
{
	return net_generic(net, espmob_net_id);
}

/*
 * Runs before xfrm's own exit for these namespaces (it registered first),
 * and when the module goes: retired states still pending are deleted
 * before xfrm flushes the tables, no retirement outlives the module, and
 * the peer index lets go of the states and policies it holds.
 */
static void __net_exit espmob_net_exit_batch(struct list_head *net_exit_list)
{
	struct net *net;

	list_for_each_entry(net, net_exit_list, exit_list) {
		espmob_retirement_wait(net);
		espmob_index_net_exit(net);
	}
}

static int __net_init espmob_net_init(struct net *net)
{
	struct espmob_net *en = espmob_pernet(net);

	spin_lock_init(&en->retirements_lock);
	INIT_LIST_HEAD(&en->retirements);
	return espmob_index_net_init(net);
}

static struct pernet_operations espmob_net_ops = {
	.id = &espmob_net_id,
	.size = sizeof(struct espmob_net),
	.init = espmob_net_init,
	.exit_batch = espmob_net_exit_batch,
};

int espmob_pernet_init(void)
{
	return register_pernet_subsys(&espmob_net_ops);
}

void espmob_pernet_exit(void)
{
	unregister_pernet_subsys(&espmob_net_ops);
}
