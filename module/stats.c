// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: the counters a netns's owner reads with
 * ESPMOB_CMD_GET_INFO. They start at zero in every namespace, so one
 * namespace never learns what another one migrated.
 */
#include <linux/module.h>
#include <net/netns/generic.h>

#include "esp_mobility.h"

static unsigned int espmob_net_id __read_mostly;

struct espmob_net *espmob_pernet(const struct net *net)
{
	return net_generic(net, espmob_net_id);
}

static struct pernet_operations espmob_net_ops = {
	.id = &espmob_net_id,
	.size = sizeof(struct espmob_net),
};

int espmob_pernet_init(void)
{
	return register_pernet_subsys(&espmob_net_ops);
}

void espmob_pernet_exit(void)
{
	unregister_pernet_subsys(&espmob_net_ops);
}
