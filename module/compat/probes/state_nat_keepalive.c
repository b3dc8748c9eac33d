// SPDX-License-Identifier: GPL-2.0
/*
 * Not in 6.1, in 6.12: the kernel sends NAT keepalives for an outbound
 * UDP-encapsulated SA (nat_keepalive_interval, next one due at
 * nat_keepalive_expiration, written under x->lock by the keepalive work).
 */
#include <net/xfrm.h>

time64_t espmob_probe(const struct xfrm_state *x);

time64_t espmob_probe(const struct xfrm_state *x)
{
	return x->nat_keepalive_interval + x->nat_keepalive_expiration;
}
