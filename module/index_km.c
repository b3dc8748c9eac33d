// SPDX-License-Identifier: GPL-2.0
/*
 * The peer index's key manager: how the index (index.c) hears of the
 * states and policies xfrm_user and af_key add, update, delete and flush,
 * of the hard expiries, and of XFRM_MSG_MIGRATE, which rewrites states and
 * templates without any of those notifications. It answers nothing: no
 * ACQUIRE, no socket policy. Documentation/design.rst, "The peer index",
 * lists every path and why none is missed.
 */
#include <net/xfrm.h>

#include "index_table.h"

static int ix_notify_state(struct xfrm_state *x, const struct km_event *c)
{
	switch (c->event) {
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_UPDSA:
		/*
		 * An update of a VALID state changes it in place (not its
		 * addresses) and notifies the request's own copy, DEAD by
		 * then: the state itself is filed already.
		 */
		if (x->km.state != XFRM_STATE_DEAD)
			espmob_ix_locked(xs_net(x), espmob_ix_op_add_state, x, 0);
		break;
	case XFRM_MSG_EXPIRE:
		if (c->data.hard)
			espmob_ix_locked(xs_net(x), espmob_ix_op_del_state, x, 0);
		break;
	case XFRM_MSG_DELSA:
		espmob_ix_locked(xs_net(x), espmob_ix_op_del_state, x, 0);
		break;
	case XFRM_MSG_FLUSHSA:
		/* the flushed protocol's entries are stale: prune them */
		espmob_ix_locked(c->net, espmob_ix_op_lose, NULL, 0);
		break;
	}
	return 0;
}

static int ix_notify_policy(struct xfrm_policy *pol, int dir,
			    const struct km_event *c)
{
	switch (c->event) {
	case XFRM_MSG_NEWPOLICY:
	case XFRM_MSG_UPDPOLICY:
		/* a policy this one replaced is dead now: a stale entry */
		if (!pol->walk.dead)
			espmob_ix_locked(xp_net(pol), espmob_ix_op_add_policy, pol, dir);
		break;
	case XFRM_MSG_POLEXPIRE:
		if (c->data.hard)
			espmob_ix_locked(xp_net(pol), espmob_ix_op_del_policy, pol, dir);
		break;
	case XFRM_MSG_DELPOLICY:
		espmob_ix_locked(xp_net(pol), espmob_ix_op_del_policy, pol, dir);
		break;
	case XFRM_MSG_FLUSHPOLICY:
		espmob_ix_locked(c->net, espmob_ix_op_lose, NULL, 0);
		break;
	}
	return 0;
}

/*
 * XFRM_MSG_MIGRATE (xfrm_migrate()) clones each state it moves to the new
 * addresses (same SPI), deletes the old one and rewrites the policy's
 * matching templates in place, and then tells the key managers only the
 * xfrm_migrate entries. The index follows from there: the old pair's
 * group names the deleted states, each clone is looked up by its new
 * (daddr, SPI) and filed, and each policy of that group whose templates
 * no longer name the old pair is filed again under the pairs it names
 * now. Whatever it cannot be sure of marks the index as not whole.
 */
#define IX_MIGRATE_SPIS	8

struct ix_moved {
	__be32 spi;
	struct xfrm_mark mark;
};

/* Is @x, dead, a state @mp moved? */
static bool moved_by(const struct xfrm_state *x, const struct xfrm_migrate *mp)
{
	return x->km.state == XFRM_STATE_DEAD && x->id.proto == mp->proto &&
	       x->props.mode == mp->mode &&
	       (!mp->reqid || x->props.reqid == mp->reqid) &&
	       x->props.family == mp->old_family &&
	       xfrm_addr_equal(&x->props.saddr, &mp->old_saddr,
			       mp->old_family) &&
	       xfrm_addr_equal(&x->id.daddr, &mp->old_daddr, mp->old_family);
}

/* Is @x the clone @mp made of a state with @old's SPI and mark? */
static bool clone_of(const struct xfrm_state *x, const struct ix_moved *old,
		     const struct xfrm_migrate *mp)
{
	return x->id.spi == old->spi && x->id.proto == mp->proto &&
	       x->props.mode == mp->mode &&
	       x->mark.v == old->mark.v && x->mark.m == old->mark.m &&
	       x->props.family == mp->new_family &&
	       xfrm_addr_equal(&x->props.saddr, &mp->new_saddr,
			       mp->new_family);
}

/* Does @g list @obj (a policy if @policy, else a state)? */
static bool group_holds(const struct ix_group *g, const void *obj,
			bool policy)
{
	const struct ix_entry *e;

	if (!g)
		return false;
	hlist_for_each_entry(e, policy ? &g->policies : &g->states, node)
		if (e->x == obj)	/* the union: either pointer */
			return true;
	return false;
}

/*
 * Files the policy of @e (in @g, the group of @key) under every pair its
 * templates name now, and drops @e if @key is no longer one of them.
 */
static void refile_policy(struct espmob_index *ix, struct ix_group *g,
			  struct ix_entry *e, const struct ix_pair *key)
{
	struct ix_pair keys[XFRM_MAX_DEPTH + 1];
	struct xfrm_policy *pol = e->pol;
	bool still = false;
	unsigned int n, i;

	n = espmob_ix_policy_pairs(pol, keys);
	for (i = 0; i < n; i++) {
		if (!memcmp(&keys[i], key, sizeof(*key)))
			still = true;
		else if (!group_holds(espmob_ix_group_get(ix, &keys[i]), pol, true) &&
			 !espmob_ix_file(ix, &keys[i], pol, true, e->dir))
			return;		/* lost: the index is rebuilt */
	}
	if (still)
		return;
	hlist_del(&e->node);
	g->n_policies--;
	ix->entries--;
	xfrm_pol_put(pol);
	kfree(e);
}

/*
 * Under the index lock: notes in @moved the SPIs of the states @mp moved
 * (false if there may be more than it holds, or one a lookup cannot
 * find), drops the dead entries of the old pair's group and files its
 * policies again where their templates changed.
 */
static bool migrate_group(struct espmob_index *ix,
			  const struct xfrm_migrate *mp,
			  struct ix_moved *moved, unsigned int *n)
{
	struct hlist_node *tmp;
	struct ix_pair key;
	struct ix_group *g;
	struct ix_entry *e;
	bool sure = true;

	*n = 0;
	if (!ix->groups)
		return true;	/* the namespace is going */
	if (!espmob_ix_pair_init(&key, mp->old_family, &mp->old_saddr, &mp->old_daddr))
		return false;
	g = espmob_ix_group_get(ix, &key);
	if (!g)
		return true;
	hlist_for_each_entry_safe(e, tmp, &g->states, node) {
		struct xfrm_state *x = e->x;

		if (x->km.state != XFRM_STATE_DEAD)
			continue;
		if (moved_by(x, mp)) {
			/* a lookup with the mark's value finds it? */
			if (*n == IX_MIGRATE_SPIS || (x->mark.v & ~x->mark.m))
				sure = false;
			else
				moved[(*n)++] = (struct ix_moved){ x->id.spi,
								   x->mark };
		}
		hlist_del(&e->node);
		g->n_states--;
		ix->entries--;
		xfrm_state_put(x);
		kfree(e);
	}
	hlist_for_each_entry_safe(e, tmp, &g->policies, node)
		if (!e->pol->walk.dead)
			refile_policy(ix, g, e, &key);
	espmob_ix_group_put_if_empty(ix, g);
	return sure;
}

/* Files @x unless it is filed already (a clone found twice). */
static void op_add_state_once(struct espmob_index *ix, void *x, int dir)
{
	struct xfrm_state *xs = x;
	struct ix_pair key;

	if (ix->groups &&
	    espmob_ix_pair_init(&key, xs->props.family, &xs->props.saddr, &xs->id.daddr) &&
	    !group_holds(espmob_ix_group_get(ix, &key), xs, false))
		espmob_ix_add_state(ix, xs);
}

static int ix_migrate(const struct xfrm_selector *sel, u8 dir, u8 type,
		      const struct xfrm_migrate *m, int num_bundles,
		      const struct xfrm_kmaddress *k, struct net *net,
		      const struct xfrm_encap_tmpl *encap)
{
	struct espmob_index *ix = espmob_ix_of(net);
	int b;

	for (b = 0; b < num_bundles; b++) {
		const struct xfrm_migrate *mp = &m[b];
		struct ix_moved moved[IX_MIGRATE_SPIS];
		unsigned int n, i;
		bool sure;

		spin_lock_bh(&ix->lock);
		sure = migrate_group(ix, mp, moved, &n);
		spin_unlock_bh(&ix->lock);

		/* no lookup under the index lock: it nests inside theirs */
		for (i = 0; sure && i < n; i++) {
			struct xfrm_state *x;

			x = xfrm_state_lookup(net, moved[i].mark.v, &mp->new_daddr,
					      moved[i].spi, mp->proto,
					      mp->new_family);
			if (!x)
				continue;	/* deleted otherwise meanwhile */
			if (clone_of(x, &moved[i], mp))
				espmob_ix_locked(net, op_add_state_once, x, 0);
			else
				sure = false;
			xfrm_state_put(x);
		}
		if (!sure)
			espmob_ix_locked(net, espmob_ix_op_lose, NULL, 0);
	}
	return -ENOPROTOOPT;	/* not a key manager that answers */
}

/*
 * km_query() calls every key manager's acquire and xfrm_user_policy()
 * every one's compile_policy, whether or not it has one: both must exist.
 * Neither changes the tables. compile_policy leaves *dir alone, so the
 * error the other key managers set is the one the caller sees.
 */
static int ix_acquire(struct xfrm_state *x, struct xfrm_tmpl *t,
		      struct xfrm_policy *xp)
{
	return -ENOPROTOOPT;
}

static struct xfrm_policy *ix_compile_policy(struct sock *sk, int opt,
					     u8 *data, int len, int *dir)
{
	return NULL;
}

static struct xfrm_mgr espmob_km = {
	.notify = ix_notify_state,
	.acquire = ix_acquire,
	.compile_policy = ix_compile_policy,
	.notify_policy = ix_notify_policy,
	.migrate = ix_migrate,
};

void espmob_ix_km_register(void)
{
	xfrm_register_km(&espmob_km);
}

/* Waits for the callbacks in progress (synchronize_rcu()). */
void espmob_ix_km_unregister(void)
{
	xfrm_unregister_km(&espmob_km);
}
