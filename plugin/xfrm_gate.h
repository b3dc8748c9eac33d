/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The XFRM gate: esp-mobility's stand-in for kernel-netlink's private XFRM
 * netlink socket. Every message passes through unchanged, except policy
 * messages (NEWPOLICY, UPDPOLICY, DELPOLICY) that the calling thread has
 * asked to hold back with xfrm_gate_hold(): those are answered "done"
 * without reaching the kernel, so that kernel-netlink updates its policy
 * cache exactly as on its own path while esp_mobility has already moved
 * the kernel's policies.
 */
#ifndef XFRM_GATE_H_
#define XFRM_GATE_H_

#include <library.h>

typedef struct xfrm_gate_t xfrm_gate_t;

/**
 * Puts the gate in place in kernel-netlink's kernel_ipsec_t object knl,
 * after checking that the private field it replaces is kernel-netlink's
 * XFRM socket (see xfrm_gate.c). Returns NULL, with the reason logged,
 * if it is not.
 */
xfrm_gate_t *xfrm_gate_install(void *knl);

/**
 * Puts kernel-netlink's own socket back and frees the gate; call before
 * kernel-netlink's object is destroyed.
 */
void xfrm_gate_remove(xfrm_gate_t *gate);

/**
 * While hold is TRUE, the calling thread's policy messages are held back.
 */
void xfrm_gate_hold(bool hold);

/**
 * Policy messages held back since the gate was installed (for the log).
 */
u_int xfrm_gate_held(xfrm_gate_t *gate);

#endif /* XFRM_GATE_H_ */
