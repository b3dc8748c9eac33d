// SPDX-License-Identifier: GPL-2.0
/*
 * Deleting the states a migration retired, one RCU grace period after it
 * committed, without making the request wait for that grace period.
 *
 * A retired state stays hashed in XFRM_STATE_ERROR after its clone took
 * over, so that an RCU reader which resolved a policy's old template
 * before the switch finds it and drops the packet, rather than finding
 * nothing and raising an ACQUIRE. Waiting for the grace period in the
 * request (synchronize_rcu_expedited(), as the module used to) made every
 * request, however small, send IPIs to every CPU; a caller in a loop
 * could keep all of them busy. Instead the request hands the retired
 * states to an rcu_work: queue_rcu_work() runs it in process context
 * after a normal grace period, and the request returns at once.
 *
 * Until then the retired states are still in the tables (a dump shows
 * them, in the ERROR state). Each network namespace keeps its pending
 * retirements on a list, so that a lookup that lands on one of them can
 * tell (espmob_state_lookup()), and counts them for GET_INFO's RETIRING
 * gauge. A dying namespace waits for its own before xfrm tears its tables
 * down.
 */
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>
#include <net/xfrm.h>

#include "esp_mobility.h"
#include "migrate_ctx.h"

struct espmob_retirement {
	struct rcu_work rwork;
	struct list_head node;		/* in en->retirements once started */
	struct espmob_net *en;
	unsigned int n;
	unsigned int max;
	struct xfrm_state *states[];	/* held */
};

static struct workqueue_struct *espmob_retire_wq;

/* Prepare: room for @states states, so that the commit cannot fail. */
struct espmob_retirement *espmob_retirement_alloc(unsigned int states)
{
	struct espmob_retirement *r;

	r = kvzalloc(struct_size(r, states, states), GFP_KERNEL);
	if (r)
		r->max = states;
	return r;
}

void espmob_retirement_add(struct espmob_retirement *r, struct xfrm_state *x)
{
	if (WARN_ON_ONCE(r->n == r->max))
		return;
	xfrm_state_hold(x);
	r->states[r->n++] = x;
}

static void retire_work(struct work_struct *work)
{
	struct espmob_retirement *r;
	struct espmob_net *en;
	unsigned int i;

	r = container_of(to_rcu_work(work), struct espmob_retirement, rwork);
	en = r->en;
	for (i = 0; i < r->n; i++) {
		/* -ESRCH if a key manager or a flush deleted it meanwhile */
		if (!xfrm_state_delete(r->states[i]))
			xfrm_audit_state_delete(r->states[i], 1, false);
		cond_resched();
	}
	/* after the deletions: see espmob_retirement_holds() */
	spin_lock_bh(&en->retirements_lock);
	list_del(&r->node);
	spin_unlock_bh(&en->retirements_lock);
	for (i = 0; i < r->n; i++)
		xfrm_state_put(r->states[i]);
	kvfree(r);
	/* a waiter may free en (its netns) once the count reaches zero */
	if (atomic_dec_and_test(&en->retiring))
		wake_up_var(&en->retiring);
}

/*
 * After the commit: deletes @r's states after a grace period, and frees
 * @r (also when it holds none).
 */
void espmob_retirement_start(struct net *net, struct espmob_retirement *r)
{
	struct espmob_net *en = espmob_pernet(net);

	if (!r->n) {
		kvfree(r);
		return;
	}
	r->en = en;
	atomic_inc(&en->retiring);
	spin_lock_bh(&en->retirements_lock);
	list_add_tail(&r->node, &en->retirements);
	spin_unlock_bh(&en->retirements_lock);
	INIT_RCU_WORK(&r->rwork, retire_work);
	queue_rcu_work(espmob_retire_wq, &r->rwork);
}

/*
 * Is @x (held by the caller) a state an earlier migration of @net retired,
 * waiting for its deletion or just deleted? The work deletes its states
 * (DEAD) before it takes its retirement off the list, so a state missing
 * from the list is DEAD by then. O(pending retired states): asked only
 * for a state that is in a clone's way and not VALID.
 */
bool espmob_retirement_holds(struct net *net, const struct xfrm_state *x)
{
	struct espmob_net *en = espmob_pernet(net);
	struct espmob_retirement *r;
	bool found = false;
	unsigned int i;

	spin_lock_bh(&en->retirements_lock);
	list_for_each_entry(r, &en->retirements, node) {
		for (i = 0; i < r->n && !found; i++)
			found = r->states[i] == x;
		if (found)
			break;
	}
	spin_unlock_bh(&en->retirements_lock);
	return found || READ_ONCE(x->km.state) == XFRM_STATE_DEAD;
}

/*
 * xfrm_state_lookup() that sees past the old states of earlier migrations.
 * A retired state and its clone can share (daddr, SPI, proto) -- the SA's
 * destination did not move -- and the lookup returns the first one in the
 * hash chain: normally the clone, inserted later, but a hash resize
 * reverses the chains. When the first match is a retired state still
 * waiting, wait for the namespace's retirements and look again. Under
 * xfrm_cfg_mutex, so no new retirement starts meanwhile.
 */
struct xfrm_state *espmob_state_lookup(struct net *net, u32 mark,
				       const xfrm_address_t *daddr, __be32 spi,
				       u8 proto, unsigned short family)
{
	struct xfrm_state *x;

	x = xfrm_state_lookup(net, mark, daddr, spi, proto, family);
	if (!x || x->km.state == XFRM_STATE_VALID ||
	    !espmob_retirement_holds(net, x))
		return x;
	xfrm_state_put(x);
	espmob_retirement_wait(net);
	return xfrm_state_lookup(net, mark, daddr, spi, proto, family);
}

/* Sleeps until every retirement started in @net has deleted its states. */
void espmob_retirement_wait(struct net *net)
{
	struct espmob_net *en = espmob_pernet(net);

	wait_var_event(&en->retiring, !atomic_read(&en->retiring));
}

int espmob_retire_init(void)
{
	espmob_retire_wq = alloc_workqueue("esp_mobility_retire", 0, 0);
	return espmob_retire_wq ? 0 : -ENOMEM;
}

/* After every namespace waited for its own: nothing is queued any more. */
void espmob_retire_exit(void)
{
	destroy_workqueue(espmob_retire_wq);
}
