// SPDX-License-Identifier: GPL-2.0
/*
 * 6.12: a policy caches the states it resolved (state_cache_list, linked
 * through xfrm_state.state_cache under xfrm_state_lock); whoever kills a
 * policy must empty it, or a state later unlinked writes into the freed
 * policy.
 */
#include <net/xfrm.h>

bool espmob_probe(struct xfrm_policy *pol, struct xfrm_state *x);

bool espmob_probe(struct xfrm_policy *pol, struct xfrm_state *x)
{
	return hlist_empty(&pol->state_cache_list) &&
	       hlist_unhashed(&x->state_cache);
}
