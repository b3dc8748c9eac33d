// SPDX-License-Identifier: GPL-2.0
/*
 * Build-time only: compiled to assembly (never linked) against the
 * strongSwan source fetched by scripts/fetch-strongswan, to read where
 * kernel-netlink keeps its XFRM socket in its private object. The plugin
 * checks at run time that the field found there really is that socket.
 */
#include <stddef.h>

#include KERNEL_NETLINK_IPSEC_C

#define OFFSET(name, type, member) \
	__asm__ volatile("\n.ascii \"->" #name " %0\"" \
			 : : "i" (offsetof(type, member)))

void espmob_offsets(void);
void espmob_offsets(void)
{
	OFFSET(KNL_IPSEC_SOCKET_XFRM, private_kernel_netlink_ipsec_t,
	       socket_xfrm);
}
