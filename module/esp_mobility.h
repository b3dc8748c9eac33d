/* SPDX-License-Identifier: GPL-2.0 */
/*
 * esp_mobility internal interfaces.
 */
#ifndef _ESP_MOBILITY_H
#define _ESP_MOBILITY_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <net/net_namespace.h>

#include "index.h"

/* Per network namespace counters; each is an atomic64_t, read locklessly. */
struct espmob_stats {
	atomic64_t migrations;
	atomic64_t failed;
	atomic64_t dry_runs;
	atomic64_t states_moved;
	atomic64_t policies_moved;
	atomic64_t rollbacks;
	atomic64_t transforms_kept;
};

struct espmob_net {
	struct espmob_stats stats;
	/* migrations whose retired states are not deleted yet (retire.c) */
	atomic_t retiring;
	spinlock_t retirements_lock;	/* protects retirements */
	struct list_head retirements;
	/* every state and policy by address pair (index.c) */
	struct espmob_index index;
};

struct espmob_net *espmob_pernet(const struct net *net);

int espmob_pernet_init(void);
void espmob_pernet_exit(void);

int espmob_retire_init(void);
void espmob_retire_exit(void);

int espmob_nl_init(void);
void espmob_nl_exit(void);

#endif /* _ESP_MOBILITY_H */
