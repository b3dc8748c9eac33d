/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection, a test hook: only the test flavour of the module
 * (built with ESPMOB_FAULT_INJECTION=1, see Kbuild) has it. What users
 * install is built without it, and there every step below succeeds.
 */
#ifndef _ESPMOB_FAULT_H
#define _ESPMOB_FAULT_H

#include <linux/types.h>
#include <net/net_namespace.h>

#ifdef ESPMOB_FAULT_INJECTION

/* The fallible steps of one request, and which one fails */
struct espmob_fault {
	int armed;		/* fail step number armed (0: none) */
	unsigned int step;	/* steps taken so far */
};

void espmob_fault_arm(struct net *net, struct espmob_fault *f);
bool espmob_fault(struct espmob_fault *f);
int espmob_fault_init(void);
void espmob_fault_exit(void);

#else /* !ESPMOB_FAULT_INJECTION */

struct espmob_fault {
};

static inline void espmob_fault_arm(struct net *net, struct espmob_fault *f)
{
}

static inline bool espmob_fault(struct espmob_fault *f)
{
	return false;
}

static inline int espmob_fault_init(void)
{
	return 0;
}

static inline void espmob_fault_exit(void)
{
}

#endif /* ESPMOB_FAULT_INJECTION */

#endif /* _ESPMOB_FAULT_H */
