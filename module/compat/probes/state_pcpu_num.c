// SPDX-License-Identifier: GPL-2.0
/*
 * Not in 6.1, in Debian's 6.12: an SA may be bound to one CPU
 * (xfrm_state.pcpu_num, UINT_MAX when it is not).
 */
#include <net/xfrm.h>

u32 espmob_probe(const struct xfrm_state *x);

u32 espmob_probe(const struct xfrm_state *x)
{
	return x->pcpu_num;
}
