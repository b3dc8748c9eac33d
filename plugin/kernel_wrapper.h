/* SPDX-License-Identifier: GPL-2.0 */
/*
 * esp-mobility's kernel_ipsec_t: kernel-netlink's own, wrapped. Every call
 * goes to kernel-netlink, except charon's kernel calls for CHILD_SAs the
 * mover has already moved with ESPMOB_CMD_MIGRATE (see move.h): their
 * update_sa() is answered here, and their policy calls run through
 * kernel-netlink (which updates its policy cache) with the XFRM gate
 * holding back the netlink messages (see xfrm_gate.h).
 */
#ifndef KERNEL_WRAPPER_H_
#define KERNEL_WRAPPER_H_

#include <kernel/kernel_ipsec.h>

/**
 * The kernel_ipsec_constructor_t of the plugin's kernel-ipsec feature.
 * Returns NULL (and kernel-netlink then takes the role as usual) if
 * kernel-netlink is not loaded or the strongSwan binaries are not those
 * the plugin was built and checked for.
 */
kernel_ipsec_t *esp_mobility_ipsec_create(void);

#endif /* KERNEL_WRAPPER_H_ */
