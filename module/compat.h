/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel differences esp_mobility depends on, behind helpers named
 * for what they do, so that the rest of the module reads the same on
 * every kernel. Which kernel has what is not decided by version numbers
 * but probed at build time: one small compile test per difference
 * (module/compat/probes/, one file each) gives one ESPMOB_HAVE_ macro in
 * generated/compat.h. Documentation/design.rst ("Kernel differences")
 * says what each structure is relied on for on 6.1 and on 6.12.
 */
#ifndef _ESPMOB_COMPAT_H
#define _ESPMOB_COMPAT_H

#include <net/xfrm.h>

#include "generated/compat.h"

/*
 * Probes that only make sense together: a kernel where one is found
 * without the other is one this module was not written for.
 */
#if defined(ESPMOB_HAVE_POLICY_INEXACT_LIST) && \
	defined(ESPMOB_HAVE_POLICY_STATE_CACHE)
#error "esp_mobility: both the 6.1 inexact list and the 6.12 state cache: unknown kernel"
#endif

/*
 * Policy swap (policy_swap.c), under xfrm_policy_lock: the new policy
 * takes the old one's place on the per-direction inexact list, where the
 * kernel has one (6.1). 6.12 orders inexact policies by pos alone, which
 * the swap copies.
 */
static inline void espmob_policy_replace_inexact(struct xfrm_policy *old,
						 struct xfrm_policy *new)
{
#ifdef ESPMOB_HAVE_POLICY_INEXACT_LIST
	if (!hlist_unhashed(&old->bydst_inexact_list))
		hlist_replace_rcu(&old->bydst_inexact_list,
				  &new->bydst_inexact_list);
#endif
}

/*
 * Killing a policy (policy_swap.c): empty the policy's cache of resolved
 * states, as xfrm_policy_kill() does, under xfrm_state_lock. Each cached
 * state's node points into the policy; left there, the state's eventual
 * unlink (__xfrm_state_delete()) would write into the freed policy.
 * hlist_del_init_rcu() leaves ->next intact for a lookup walking the list.
 */
static inline void espmob_policy_flush_state_cache(struct xfrm_policy *pol)
{
#ifdef ESPMOB_HAVE_POLICY_STATE_CACHE
	struct net *net = xp_net(pol);
	struct hlist_node *tmp;
	struct xfrm_state *x;

	spin_lock_bh(&net->xfrm.xfrm_state_lock);
	hlist_for_each_entry_safe(x, tmp, &pol->state_cache_list, state_cache)
		hlist_del_init_rcu(&x->state_cache);
	spin_unlock_bh(&net->xfrm.xfrm_state_lock);
#endif
}

/*
 * Retiring a state (clone.c), under its x->lock with BHs disabled, after
 * it left VALID: take it out of the caches lookups consult before the
 * hash chains, as __xfrm_state_delete() does. Otherwise, on 6.12,
 * xfrm_input() keeps finding the retired state in its per-CPU cache
 * instead of the clone that shares its (daddr, SPI) and drops every
 * packet until the retired state is deleted. The caches only take VALID
 * states (the input cache checks that under xfrm_state_lock), so once
 * this section is done the state does not come back into one.
 * x->lock -> xfrm_state_lock is the kernel's order.
 */
static inline void espmob_state_uncache(struct xfrm_state *x)
{
#if defined(ESPMOB_HAVE_POLICY_STATE_CACHE) || \
	defined(ESPMOB_HAVE_STATE_INPUT_CACHE)
	struct net *net = xs_net(x);

	spin_lock(&net->xfrm.xfrm_state_lock);
#ifdef ESPMOB_HAVE_POLICY_STATE_CACHE
	if (!hlist_unhashed(&x->state_cache))
		hlist_del_init_rcu(&x->state_cache);
#endif
#ifdef ESPMOB_HAVE_STATE_INPUT_CACHE
	if (!hlist_unhashed(&x->state_cache_input))
		hlist_del_init_rcu(&x->state_cache_input);
#endif
	spin_unlock(&net->xfrm.xfrm_state_lock);
#endif
}

/* Is @pol offloaded to a device (6.12)? Such policies are not moved. */
static inline bool espmob_policy_offloaded(const struct xfrm_policy *pol)
{
#ifdef ESPMOB_HAVE_POLICY_OFFLOAD
	return pol->xdo.type != XFRM_DEV_OFFLOAD_UNSPECIFIED;
#else
	return false;
#endif
}

/*
 * Building a clone (clone.c): the SA properties 6.12 added that a moved SA
 * keeps, the direction it is bound to and the CPU it belongs to.
 */
static inline void espmob_state_copy_binding(struct xfrm_state *x,
					     const struct xfrm_state *orig)
{
#ifdef ESPMOB_HAVE_STATE_DIR
	x->dir = orig->dir;
#endif
#ifdef ESPMOB_HAVE_STATE_PCPU_NUM
	x->pcpu_num = orig->pcpu_num;
#endif
}

/*
 * NAT keepalives (6.12): the interval and the time the next one is due,
 * read and written under x->lock (the keepalive work writes the latter
 * there). Moved with the other live state in the hand-over, so that the
 * clone sends none before it takes over and the retired state none after.
 */
struct espmob_keepalive {
	u32 interval;
	time64_t due;
};

static inline void espmob_keepalive_take(struct espmob_keepalive *ka,
					 struct xfrm_state *x)
{
#ifdef ESPMOB_HAVE_STATE_NAT_KEEPALIVE
	ka->interval = x->nat_keepalive_interval;
	ka->due = x->nat_keepalive_expiration;
	x->nat_keepalive_interval = 0;
#endif
}

/* A clone that lost its UDP encapsulation sends no keepalive. */
static inline void espmob_keepalive_give(const struct espmob_keepalive *ka,
					 struct xfrm_state *x)
{
#ifdef ESPMOB_HAVE_STATE_NAT_KEEPALIVE
	if (!x->encap || x->encap->encap_type != UDP_ENCAP_ESPINUDP)
		return;
	x->nat_keepalive_interval = ka->interval;
	x->nat_keepalive_expiration = ka->due;
#endif
}

/* xfrm_init_state() without the extack (6.1, 6.12) or with it. */
static inline int espmob_init_state(struct xfrm_state *x)
{
#ifdef ESPMOB_HAVE_INIT_STATE_EXTACK
	return xfrm_init_state(x, NULL);
#else
	return xfrm_init_state(x);
#endif
}

#endif /* _ESPMOB_COMPAT_H */
