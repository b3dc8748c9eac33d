// SPDX-License-Identifier: GPL-2.0
/* Not in 6.1, in 6.12: a policy can be offloaded to a device (xfrm_policy.xdo). */
#include <net/xfrm.h>

bool espmob_probe(const struct xfrm_policy *pol);

bool espmob_probe(const struct xfrm_policy *pol)
{
	return pol->xdo.type != XFRM_DEV_OFFLOAD_UNSPECIFIED;
}
