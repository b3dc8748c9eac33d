/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer index's table (index.c), shared with the key manager that keeps
 * it current (index_km.c). Every function here but espmob_ix_of() and
 * espmob_ix_locked() expects the namespace's index lock held.
 */
#ifndef _ESPMOB_INDEX_TABLE_H
#define _ESPMOB_INDEX_TABLE_H

#include <linux/rhashtable-types.h>
#include <net/xfrm.h>

#include "esp_mobility.h"

/* An unordered address pair of one family; the table's key. */
struct ix_pair {
	xfrm_address_t lo;
	xfrm_address_t hi;
	u32 family;
};

struct ix_group {
	struct rhash_head node;
	struct ix_pair key;
	struct hlist_head states;	/* struct ix_entry */
	struct hlist_head policies;
	unsigned int n_states;
	unsigned int n_policies;
	struct rcu_head rcu;
};

struct ix_entry {
	struct hlist_node node;
	union {
		struct xfrm_state *x;		/* held */
		struct xfrm_policy *pol;	/* held */
	};
	int dir;
};

static inline struct espmob_index *espmob_ix_of(const struct net *net)
{
	return &espmob_pernet(net)->index;
}

/* The index files ESP states only: the only ones a request moves. */
static inline bool espmob_ix_state_indexed(const struct xfrm_state *x)
{
	return x->id.proto == IPPROTO_ESP;
}

bool espmob_ix_pair_init(struct ix_pair *p, unsigned short family,
			 const xfrm_address_t *a, const xfrm_address_t *b);
unsigned int espmob_ix_policy_pairs(const struct xfrm_policy *pol,
				    struct ix_pair *pairs);
struct ix_group *espmob_ix_group_get(struct espmob_index *ix,
				     const struct ix_pair *key);
void espmob_ix_group_put_if_empty(struct espmob_index *ix,
				  struct ix_group *g);
void espmob_ix_lose(struct espmob_index *ix);
bool espmob_ix_file(struct espmob_index *ix, const struct ix_pair *key,
		    void *obj, bool policy, int dir);
void espmob_ix_add_state(struct espmob_index *ix, struct xfrm_state *x);
void espmob_ix_add_policy(struct espmob_index *ix, struct xfrm_policy *pol,
			  int dir);
void espmob_ix_del_state(struct espmob_index *ix, struct xfrm_state *x);
void espmob_ix_del_policy(struct espmob_index *ix, struct xfrm_policy *pol);

/* Runs @op(ix, obj, dir) under @net's index lock. */
void espmob_ix_locked(struct net *net,
		      void (*op)(struct espmob_index *ix, void *obj, int dir),
		      void *obj, int dir);
void espmob_ix_op_add_state(struct espmob_index *ix, void *x, int dir);
void espmob_ix_op_del_state(struct espmob_index *ix, void *x, int dir);
void espmob_ix_op_add_policy(struct espmob_index *ix, void *pol, int dir);
void espmob_ix_op_del_policy(struct espmob_index *ix, void *pol, int dir);
void espmob_ix_op_lose(struct espmob_index *ix, void *unused, int dir);

/* index_km.c: the key manager that hears of xfrm_user's and af_key's changes */
void espmob_ix_km_register(void);
void espmob_ix_km_unregister(void);

#endif /* _ESPMOB_INDEX_TABLE_H */
