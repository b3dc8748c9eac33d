// SPDX-License-Identifier: GPL-2.0
/*
 * esp_mobility: moves every XFRM state and policy of one IPsec peer from an
 * old address pair to a new one in a single, all-or-nothing request.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include <uapi/linux/esp_mobility.h>

#include "esp_mobility.h"
#include "fault.h"

static int __init espmob_init(void)
{
	int err;

	err = espmob_retire_init();
	if (err)
		return err;

	err = espmob_pernet_init();
	if (err)
		goto err_retire;

	err = espmob_fault_init();
	if (err)
		goto err_pernet;

	err = espmob_index_init();
	if (err)
		goto err_fault;

	err = espmob_nl_init();
	if (err)
		goto err_index;

	pr_info("esp_mobility: ABI %u loaded\n", ESPMOB_ABI_VERSION);
	return 0;

err_index:
	espmob_index_exit();
err_fault:
	espmob_fault_exit();
err_pernet:
	espmob_pernet_exit();
err_retire:
	espmob_retire_exit();
	return err;
}

/*
 * No request runs once the family is gone, and no notification reaches
 * the index once the key manager is unregistered; unregistering the
 * pernet operations waits for every namespace's pending retirements and
 * drops what each index holds.
 */
static void __exit espmob_exit(void)
{
	espmob_nl_exit();
	espmob_index_exit();
	espmob_fault_exit();
	espmob_pernet_exit();
	espmob_retire_exit();
}

module_init(espmob_init);
module_exit(espmob_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Atomic migration of IPsec SAs and policies for MOBIKE");
MODULE_ALIAS_GENL_FAMILY(ESPMOB_GENL_NAME);
