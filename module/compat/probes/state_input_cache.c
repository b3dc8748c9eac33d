// SPDX-License-Identifier: GPL-2.0
/*
 * 6.12: xfrm_input() looks inbound states up in a per-CPU cache first
 * (xfrm_input_state_lookup(), xfrm_state.state_cache_input), which finds
 * a cached state before the hash chains do.
 */
#include <net/xfrm.h>

bool espmob_probe(struct xfrm_state *x);

bool espmob_probe(struct xfrm_state *x)
{
	return hlist_unhashed(&x->state_cache_input);
}
