// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for tests: writing N to the fail_step parameter makes the
 * Nth fallible step of the next migration fail with -ENOMEM, so that every
 * rollback path can be exercised. The next migration consumes the setting
 * whether or not it reaches step N. 0, the default, disables it.
 */
#include <linux/atomic.h>
#include <linux/moduleparam.h>

#include "migrate.h"

static int fail_step;
module_param(fail_step, int, 0600);
MODULE_PARM_DESC(fail_step,
		 "fail the Nth fallible step of the next migration (testing)");

int espmob_fault_arm(void)
{
	return xchg(&fail_step, 0);
}

bool espmob_fault(int *armed, unsigned int *step)
{
	++*step;
	return *armed > 0 && *step == (unsigned int)*armed;
}
