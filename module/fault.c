// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for tests: writing N to the fail_step parameter makes the
 * Nth fallible step of the next MIGRATE request fail with -ENOMEM, so that
 * every rollback path can be exercised. The steps are the request's own
 * allocations (its reply and notification, netlink.c) and the migration's
 * (collect.c, clone.c, transform.c, migrate.c). The next request that gets
 * past parsing consumes the setting whether or not it reaches step N. 0,
 * the default, disables it.
 */
#include <linux/atomic.h>
#include <linux/moduleparam.h>

#include "migrate.h"

static int fail_step;
module_param(fail_step, int, 0600);
MODULE_PARM_DESC(fail_step,
		 "fail the Nth fallible step of the next migration (testing)");

void espmob_fault_arm(struct espmob_fault *f)
{
	f->armed = xchg(&fail_step, 0);
	f->step = 0;
}

bool espmob_fault(struct espmob_fault *f)
{
	++f->step;
	return f->armed > 0 && f->step == (unsigned int)f->armed;
}
