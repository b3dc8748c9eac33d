// SPDX-License-Identifier: GPL-2.0
/*
 * 6.1: inexact policies are also on a per-direction list
 * (net->xfrm.policy_inexact[dir]) through xfrm_policy.bydst_inexact_list,
 * which a policy swap must replace too. 6.12 keeps the inexact order by
 * xfrm_policy.pos alone.
 */
#include <net/xfrm.h>

bool espmob_probe(struct xfrm_policy *pol);

bool espmob_probe(struct xfrm_policy *pol)
{
	return hlist_unhashed(&pol->bydst_inexact_list);
}
