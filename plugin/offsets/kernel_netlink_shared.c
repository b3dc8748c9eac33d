// SPDX-License-Identifier: GPL-2.0
/*
 * Build-time only, like kernel_netlink_ipsec.c here: where kernel-netlink's
 * netlink socket object keeps its file descriptor and protocol, which the
 * plugin's layout check compares with what the kernel says about the fd.
 */
#include <stddef.h>

#include KERNEL_NETLINK_SHARED_C

#define OFFSET(name, type, member) \
	__asm__ volatile("\n.ascii \"->" #name " %0\"" \
			 : : "i" (offsetof(type, member)))

void espmob_offsets(void);
void espmob_offsets(void)
{
	OFFSET(NETLINK_SOCKET_FD, private_netlink_socket_t, socket);
	OFFSET(NETLINK_SOCKET_PROTOCOL, private_netlink_socket_t, protocol);
}
