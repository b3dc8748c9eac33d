// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for tests, in the test flavour only (fault.h). Writing N
 * to /proc/net/esp_mobility_fail_step makes the Nth fallible step of the
 * next MIGRATE request in that network namespace fail with -ENOMEM, so that
 * every rollback path can be exercised. The steps are the request's own
 * allocations (its reply and notification, netlink.c) and the migration's
 * (collect.c, clone.c, transform.c, migrate.c). The next request of the
 * namespace that gets past parsing consumes the setting whether or not it
 * reaches step N; requests in other namespaces neither see nor consume it.
 * 0, the default, disables it. Reading the file shows what is armed.
 */
#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/netns/generic.h>

#include "fault.h"

#define FAIL_STEP_FILE "esp_mobility_fail_step"

struct espmob_fault_net {
	atomic_t fail_step;
};

static unsigned int espmob_fault_net_id __read_mostly;

static struct espmob_fault_net *fault_net(const struct net *net)
{
	return net_generic(net, espmob_fault_net_id);
}

void espmob_fault_arm(struct net *net, struct espmob_fault *f)
{
	f->armed = atomic_xchg(&fault_net(net)->fail_step, 0);
	f->step = 0;
}

bool espmob_fault(struct espmob_fault *f)
{
	++f->step;
	return f->armed > 0 && f->step == (unsigned int)f->armed;
}

static int fail_step_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);

	seq_printf(seq, "%d\n", atomic_read(&fault_net(net)->fail_step));
	return 0;
}

static int fail_step_write(struct file *file, char *buf, size_t size)
{
	struct net *net = seq_file_single_net(file->private_data);
	int step, err;

	err = kstrtoint(strim(buf), 0, &step);
	if (err)
		return err;
	if (step < 0)
		return -EINVAL;
	atomic_set(&fault_net(net)->fail_step, step);
	return 0;
}

static int __net_init espmob_fault_net_init(struct net *net)
{
	if (!proc_create_net_single_write(FAIL_STEP_FILE, 0600, net->proc_net,
					  fail_step_show, fail_step_write,
					  NULL))
		return -ENOMEM;
	return 0;
}

static void __net_exit espmob_fault_net_exit(struct net *net)
{
	remove_proc_entry(FAIL_STEP_FILE, net->proc_net);
}

static struct pernet_operations espmob_fault_net_ops = {
	.id = &espmob_fault_net_id,
	.size = sizeof(struct espmob_fault_net),
	.init = espmob_fault_net_init,
	.exit = espmob_fault_net_exit,
};

int espmob_fault_init(void)
{
	return register_pernet_subsys(&espmob_fault_net_ops);
}

void espmob_fault_exit(void)
{
	unregister_pernet_subsys(&espmob_fault_net_ops);
}
