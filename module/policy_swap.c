// SPDX-License-Identifier: GPL-2.0
/*
 * Replacing a policy by one with the same selector, in place.
 *
 * xfrm_policy_insert() can replace a policy, but for a policy outside the
 * exact hash (any selector prefix shorter than the hash thresholds, the
 * usual case for a tunnel between subnets) it walks and renumbers the
 * whole per-direction inexact list: a migration would then cost O(all
 * policies of the host), which a gateway with 10 000 peers feels. A
 * replacement with an identical selector, priority, type, mark and if_id
 * belongs exactly where the old policy is, so the new one takes the old
 * one's place in every list it is on, under xfrm_policy_lock, with the
 * RCU list primitives the lookups are written against:
 *
 *   bydst               hash chain or inexact-bin chain (RCU readers)
 *   bydst_inexact_list  per-direction inexact list (RCU readers; 6.1 only,
 *                       6.12 orders inexact policies by pos, copied here)
 *   byidx               index hash (read under xfrm_policy_lock only)
 *   walk.all            dump and flush list (under xfrm_policy_lock)
 *
 * A lookup running concurrently sees either the old policy or the new one,
 * never neither and never both; hlist_replace_rcu() publishes the new node
 * after its fields are set. The old policy is then killed the way the
 * kernel kills a replaced policy: marked dead and its genid bumped, which
 * invalidates every bundle built from it (xfrm_bundle_ok()), its timers
 * stopped, its cache of resolved states emptied (6.12), and the table's
 * reference dropped. Its held packets, if any, move to the new policy.
 */
#include <linux/rculist.h>
#include <net/xfrm.h>

#include "migrate_ctx.h"

/* Moves packets held for a larval bundle (xfrm_larval_drop=0) to @new. */
static void move_hold_queue(struct xfrm_policy *old, struct xfrm_policy *new)
{
	struct sk_buff_head held;

	if (skb_queue_empty_lockless(&old->polq.hold_queue))
		return;

	__skb_queue_head_init(&held);
	spin_lock_bh(&old->polq.hold_queue.lock);
	skb_queue_splice_init(&old->polq.hold_queue, &held);
	if (timer_delete(&old->polq.hold_timer))
		xfrm_pol_put(old);
	spin_unlock_bh(&old->polq.hold_queue.lock);

	if (skb_queue_empty(&held))
		return;

	spin_lock_bh(&new->polq.hold_queue.lock);
	skb_queue_splice(&held, &new->polq.hold_queue);
	/*
	 * The queue timer re-resolves the packets at once, then backs off by
	 * doubling its timeout, which must not start at 0: HZ/10 is where
	 * xfrm_policy.c starts it (XFRM_QUEUE_TMO_MIN, private there).
	 */
	new->polq.timeout = HZ / 10;
	if (!mod_timer(&new->polq.hold_timer, jiffies))
		xfrm_pol_hold(new);
	spin_unlock_bh(&new->polq.hold_queue.lock);
}

static void kill_replaced(struct xfrm_policy *old)
{
	write_lock_bh(&old->lock);
	old->walk.dead = 1;
	write_unlock_bh(&old->lock);
	atomic_inc(&old->genid);

	if (timer_delete(&old->polq.hold_timer))
		xfrm_pol_put(old);
	skb_queue_purge(&old->polq.hold_queue);
	if (timer_delete(&old->timer))
		xfrm_pol_put(old);
	espmob_policy_flush_state_cache(old);
	xfrm_pol_put(old);	/* the table's reference */
}

/*
 * Puts @new where @old is. The caller holds xfrm_cfg_mutex; @new is a
 * copy of @old (same selector, priority, type, mark, if_id and index) that
 * was never linked. Returns false, changing nothing, if @old has left the
 * tables meanwhile (its hard lifetime ran out): a policy that expired is
 * not brought back.
 */
bool espmob_policy_swap(struct xfrm_policy *old, struct xfrm_policy *new)
{
	struct net *net = xp_net(old);

	new->mark.v &= new->mark.m;
	new->index = old->index;

	spin_lock_bh(&net->xfrm.xfrm_policy_lock);
	if (list_empty(&old->walk.all) || hlist_unhashed(&old->bydst)) {
		spin_unlock_bh(&net->xfrm.xfrm_policy_lock);
		return false;
	}
	new->pos = old->pos;

	xfrm_pol_hold(new);	/* the table's reference */
	list_add(&new->walk.all, &old->walk.all);
	list_del_init(&old->walk.all);
	hlist_replace_rcu(&old->bydst, &new->bydst);
	espmob_policy_replace_inexact(old, new);
	hlist_replace_rcu(&old->byidx, &new->byidx);

	if (!mod_timer(&new->timer, jiffies + HZ))
		xfrm_pol_hold(new);
	spin_unlock_bh(&net->xfrm.xfrm_policy_lock);

	move_hold_queue(old, new);
	kill_replaced(old);
	return true;
}
