/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer index (index.c): every ESP state and every policy of a network
 * namespace, filed under the unordered address pair a MIGRATE request
 * names, so that a request finds its peer's entries without walking the
 * tables. Documentation/design.rst, "The peer index", argues why what it
 * returns is complete and why a stale entry is harmless.
 */
#ifndef _ESPMOB_INDEX_H
#define _ESPMOB_INDEX_H

#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/xfrm.h>

#include "keyset.h"
#include "migrate.h"

struct rhashtable;

/* One per network namespace, in its generic data (esp_mobility.h). */
struct espmob_index {
	spinlock_t lock;		/* everything below */
	struct rhashtable *groups;	/* NULL once the namespace goes */
	unsigned int entries;
	unsigned int entries_at_build;	/* after the last build */
	u32 lost;			/* changes the index missed */
	u32 lost_at_build;		/* ... when the last build began */
	bool built;			/* the last build saw everything */
	bool gone;			/* the namespace is going */
	unsigned int budget;		/* the build's walk section */
	struct net *net;
	struct work_struct rebuild;
};

/* A state, or a policy with its direction, that the index holds. */
struct espmob_ix_ref {
	union {
		struct xfrm_state *x;		/* held */
		struct xfrm_policy *pol;	/* held */
	};
	int dir;
};

int espmob_index_init(void);
void espmob_index_exit(void);
int espmob_index_net_init(struct net *net);
void espmob_index_net_exit(struct net *net);

/*
 * Under xfrm_cfg_mutex: true when the index holds every state and policy
 * of @net, after rebuilding it if a change went unrecorded; false if it
 * cannot be trusted this time (the caller walks the tables).
 */
bool espmob_index_whole(struct net *net);

/*
 * Every ESP state (every policy) filed under @ep's pair, each with a
 * reference, in a kvmalloc'ed array the caller frees after putting them.
 * What they are is for the caller to check: an entry may be stale.
 */
int espmob_index_states(struct net *net, const struct espmob_endpoints *ep,
			struct espmob_ix_ref **states, unsigned int *n);
int espmob_index_policies(struct net *net, const struct espmob_endpoints *ep,
			  struct espmob_ix_ref **pols, unsigned int *n);

/* A migration's own changes, recorded at the end of its commit. */
void espmob_index_add_state(struct net *net, struct xfrm_state *x);
void espmob_index_add_policy(struct net *net, struct xfrm_policy *pol,
			     int dir);
void espmob_index_forget(struct net *net, const struct espmob_endpoints *ep,
			 const struct espmob_keyset *moved_states);

#endif /* _ESPMOB_INDEX_H */
