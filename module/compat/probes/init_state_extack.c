// SPDX-License-Identifier: GPL-2.0
/* Neither 6.1 nor 6.12, newer kernels: xfrm_init_state() reports through an extack. */
#include <net/xfrm.h>

int espmob_probe(struct xfrm_state *x, struct netlink_ext_ack *extack);

int espmob_probe(struct xfrm_state *x, struct netlink_ext_ack *extack)
{
	return xfrm_init_state(x, extack);
}
