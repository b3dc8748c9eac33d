// SPDX-License-Identifier: GPL-2.0
/*
 * The peer index: in each network namespace, every ESP state and every
 * policy, filed under the unordered pair of addresses by which a MIGRATE
 * request can select it -- a state under (source, destination), a policy
 * under each tunnel template's endpoints and, for a transport mode policy
 * between two hosts, under its selector's. A request that does not name
 * its peer's SPIs or policies reads one group instead of walking the
 * tables: O(the peer's entries), whatever the number of other peers.
 *
 * Entries hold a reference on their state or policy, so a stale entry
 * (its object deleted or replaced without our hearing of it) points at a
 * DEAD object, never at freed memory. The request checks every entry it
 * gets as it checked every entry of a walk: a stale one is skipped.
 *
 * What must never happen is an entry missing. The index learns of the
 * changes through the key manager interface (the notifications xfrm_user
 * and af_key send for every state and policy they add, update or delete)
 * and from the module's own commits; XFRM_MSG_MIGRATE, which rewrites
 * states and templates behind the notifications, is followed from the
 * key manager's migrate callback. A change it cannot record (an atomic
 * allocation failed, an XFRM_MSG_MIGRATE it cannot be sure of, a flush
 * that left entries to prune) marks the index as not whole:
 * the next request rebuilds it by walking the tables, in sections, under
 * xfrm_cfg_mutex, which every path that adds a state or policy holds.
 *
 * One spinlock per namespace (BH-safe: expiry timers notify in softirq
 * context) protects the table and the groups; nothing else is taken under
 * it but the xfrm reference puts and rhashtable's own locks. Requests
 * copy a group out under it, taking references, and work on the copy.
 */
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/xfrm.h>

#include "esp_mobility.h"
#include "index.h"
#include "walk.h"

/* An unordered address pair of one family; the table's key. */
struct ix_pair {
	xfrm_address_t lo;
	xfrm_address_t hi;
	u32 family;
};

struct ix_group {
	struct rhash_head node;
	struct ix_pair key;
	struct hlist_head states;	/* struct ix_entry */
	struct hlist_head policies;
	unsigned int n_states;
	unsigned int n_policies;
	struct rcu_head rcu;
};

struct ix_entry {
	struct hlist_node node;
	union {
		struct xfrm_state *x;		/* held */
		struct xfrm_policy *pol;	/* held */
	};
	int dir;
};

static const struct rhashtable_params ix_params = {
	.key_len = sizeof(struct ix_pair),
	.key_offset = offsetof(struct ix_group, key),
	.head_offset = offsetof(struct ix_group, node),
	.automatic_shrinking = true,
};

/* Namespaces created once the key manager listens start whole. */
static bool ix_listening;

/* For the tests: has a change gone unrecorded and the index been rebuilt? */
static atomic_long_t ix_rebuilds = ATOMIC_LONG_INIT(0);

static int rebuilds_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&ix_rebuilds));
}

static const struct kernel_param_ops rebuilds_ops = {
	.get = rebuilds_get,
};
module_param_cb(index_rebuilds, &rebuilds_ops, NULL, 0444);
MODULE_PARM_DESC(index_rebuilds,
		 "peer index builds so far, all namespaces (read-only)");

static struct espmob_index *ix_of(const struct net *net)
{
	return &espmob_pernet(net)->index;
}

/* Nothing is scheduled for a namespace on its way out. */
static void ix_schedule(struct espmob_index *ix)
{
	if (!ix->gone)
		schedule_work(&ix->rebuild);
}

static bool pair_init(struct ix_pair *p, unsigned short family,
		      const xfrm_address_t *a, const xfrm_address_t *b)
{
	size_t len;

	if (family == AF_INET)
		len = sizeof(a->a4);
	else if (family == AF_INET6)
		len = sizeof(a->a6);
	else
		return false;

	/* the key is compared as bytes: no garbage past the address */
	memset(p, 0, sizeof(*p));
	p->family = family;
	if (memcmp(a, b, len) > 0)
		swap(a, b);
	memcpy(&p->lo, a, len);
	memcpy(&p->hi, b, len);
	return true;
}

static bool state_indexed(const struct xfrm_state *x)
{
	return x->id.proto == IPPROTO_ESP;
}

/*
 * The pairs a policy is filed under, each once: those of its tunnel
 * templates and, for a transport mode policy between two hosts, its
 * selector's. Returns how many (at most XFRM_MAX_DEPTH + 1).
 */
static unsigned int policy_pairs(const struct xfrm_policy *pol,
				 struct ix_pair *pairs)
{
	const struct xfrm_selector *sel = &pol->selector;
	unsigned int n = 0, i, j, full;
	bool transport = pol->xfrm_nr > 0;

	for (i = 0; i < pol->xfrm_nr; i++) {
		const struct xfrm_tmpl *t = &pol->xfrm_vec[i];

		if (t->mode == XFRM_MODE_TRANSPORT)
			continue;
		transport = false;
		if (pair_init(&pairs[n], t->encap_family, &t->saddr,
			      &t->id.daddr))
			n++;
	}
	full = sel->family == AF_INET ? 32 : 128;
	if (transport && sel->prefixlen_s == full && sel->prefixlen_d == full &&
	    pair_init(&pairs[n], sel->family, &sel->saddr, &sel->daddr))
		n++;

	/* drop repeats, so that a group lists a policy once */
	for (i = 1; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (!memcmp(&pairs[i], &pairs[j], sizeof(pairs[i]))) {
				pairs[i--] = pairs[--n];
				break;
			}
		}
	}
	return n;
}

static struct ix_group *group_get(struct espmob_index *ix,
				  const struct ix_pair *key)
{
	return rhashtable_lookup_fast(ix->groups, key, ix_params);
}

/* The group of @key, created if need be; NULL if that fails. */
static struct ix_group *group_get_or_add(struct espmob_index *ix,
					 const struct ix_pair *key)
{
	struct ix_group *g = group_get(ix, key);

	if (g)
		return g;
	g = kzalloc(sizeof(*g), GFP_ATOMIC);
	if (!g)
		return NULL;
	g->key = *key;
	if (rhashtable_insert_fast(ix->groups, &g->node, ix_params)) {
		kfree(g);
		return NULL;
	}
	return g;
}

static void group_put_if_empty(struct espmob_index *ix, struct ix_group *g)
{
	if (g->n_states || g->n_policies)
		return;
	rhashtable_remove_fast(ix->groups, &g->node, ix_params);
	kfree_rcu(g, rcu);
}

/*
 * Something the index could not record: it is not whole until rebuilt.
 * The next request that needs it rebuilds it; so does a worker, so that
 * the stale entries do not keep their objects for long.
 */
static void ix_lose(struct espmob_index *ix)
{
	ix->lost++;
	ix_schedule(ix);
}

/*
 * A request rebuilds only an index that missed a change; the worker also
 * one that holds twice as many entries as after its last build (plus a
 * margin), to drop what stale entries keep: amortised O(1) per change.
 */
static bool ix_overgrown(const struct espmob_index *ix)
{
	return ix->entries > 2 * ix->entries_at_build + 1024;
}

/* Files @obj (a state, or a policy with @dir) under @key, with a reference. */
static bool ix_file(struct espmob_index *ix, const struct ix_pair *key,
		    void *obj, bool policy, int dir)
{
	struct ix_entry *e = kmalloc(sizeof(*e), GFP_ATOMIC);
	struct ix_group *g = e ? group_get_or_add(ix, key) : NULL;

	if (!g) {
		kfree(e);
		ix_lose(ix);
		return false;
	}
	if (policy) {
		e->pol = obj;
		xfrm_pol_hold(e->pol);
		hlist_add_head(&e->node, &g->policies);
		g->n_policies++;
	} else {
		e->x = obj;
		xfrm_state_hold(e->x);
		hlist_add_head(&e->node, &g->states);
		g->n_states++;
	}
	e->dir = dir;
	ix->entries++;
	if (ix_overgrown(ix))
		ix_schedule(ix);
	return true;
}

static void ix_add_state(struct espmob_index *ix, struct xfrm_state *x)
{
	struct ix_pair key;

	if (ix->groups && state_indexed(x) &&
	    pair_init(&key, x->props.family, &x->props.saddr, &x->id.daddr))
		ix_file(ix, &key, x, false, 0);
}

static void ix_add_policy(struct espmob_index *ix, struct xfrm_policy *pol,
			  int dir)
{
	struct ix_pair keys[XFRM_MAX_DEPTH + 1];
	unsigned int n, i;

	if (!ix->groups || dir < 0 || dir >= XFRM_POLICY_MAX)
		return;
	n = policy_pairs(pol, keys);
	for (i = 0; i < n; i++)
		if (!ix_file(ix, &keys[i], pol, true, dir))
			return;
}

static void ix_del_state(struct espmob_index *ix, struct xfrm_state *x)
{
	struct ix_pair key;
	struct ix_group *g;
	struct ix_entry *e;

	if (!ix->groups || !state_indexed(x) ||
	    !pair_init(&key, x->props.family, &x->props.saddr, &x->id.daddr))
		return;
	g = group_get(ix, &key);
	if (!g)
		return;
	hlist_for_each_entry(e, &g->states, node) {
		if (e->x != x)
			continue;
		hlist_del(&e->node);
		g->n_states--;
		ix->entries--;
		xfrm_state_put(x);
		kfree(e);
		break;
	}
	group_put_if_empty(ix, g);
}

static void ix_del_policy(struct espmob_index *ix, struct xfrm_policy *pol)
{
	struct ix_pair keys[XFRM_MAX_DEPTH + 1];
	unsigned int n, i;

	if (!ix->groups)
		return;
	n = policy_pairs(pol, keys);
	for (i = 0; i < n; i++) {
		struct ix_group *g = group_get(ix, &keys[i]);
		struct ix_entry *e;

		if (!g)
			continue;
		hlist_for_each_entry(e, &g->policies, node) {
			if (e->pol != pol)
				continue;
			hlist_del(&e->node);
			g->n_policies--;
			ix->entries--;
			xfrm_pol_put(pol);
			kfree(e);
			break;
		}
		group_put_if_empty(ix, g);
	}
}

/* Key manager callbacks: how the index hears of xfrm_user's and af_key's changes. */

static void ix_locked(struct net *net,
		      void (*op)(struct espmob_index *ix, void *obj, int dir),
		      void *obj, int dir)
{
	struct espmob_index *ix = ix_of(net);

	spin_lock_bh(&ix->lock);
	op(ix, obj, dir);
	spin_unlock_bh(&ix->lock);
}

static void op_add_state(struct espmob_index *ix, void *x, int dir)
{
	ix_add_state(ix, x);
}

static void op_del_state(struct espmob_index *ix, void *x, int dir)
{
	ix_del_state(ix, x);
}

static void op_add_policy(struct espmob_index *ix, void *pol, int dir)
{
	ix_add_policy(ix, pol, dir);
}

static void op_del_policy(struct espmob_index *ix, void *pol, int dir)
{
	ix_del_policy(ix, pol);
}

static void op_lose(struct espmob_index *ix, void *unused, int dir)
{
	ix_lose(ix);
}

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
			ix_locked(xs_net(x), op_add_state, x, 0);
		break;
	case XFRM_MSG_EXPIRE:
		if (c->data.hard)
			ix_locked(xs_net(x), op_del_state, x, 0);
		break;
	case XFRM_MSG_DELSA:
		ix_locked(xs_net(x), op_del_state, x, 0);
		break;
	case XFRM_MSG_FLUSHSA:
		/* the flushed protocol's entries are stale: prune them */
		ix_locked(c->net, op_lose, NULL, 0);
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
			ix_locked(xp_net(pol), op_add_policy, pol, dir);
		break;
	case XFRM_MSG_POLEXPIRE:
		if (c->data.hard)
			ix_locked(xp_net(pol), op_del_policy, pol, dir);
		break;
	case XFRM_MSG_DELPOLICY:
		ix_locked(xp_net(pol), op_del_policy, pol, dir);
		break;
	case XFRM_MSG_FLUSHPOLICY:
		ix_locked(c->net, op_lose, NULL, 0);
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

	n = policy_pairs(pol, keys);
	for (i = 0; i < n; i++) {
		if (!memcmp(&keys[i], key, sizeof(*key)))
			still = true;
		else if (!group_holds(group_get(ix, &keys[i]), pol, true) &&
			 !ix_file(ix, &keys[i], pol, true, e->dir))
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
	if (!pair_init(&key, mp->old_family, &mp->old_saddr, &mp->old_daddr))
		return false;
	g = group_get(ix, &key);
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
	group_put_if_empty(ix, g);
	return sure;
}

/* Files @x unless it is filed already (a clone found twice). */
static void op_add_state_once(struct espmob_index *ix, void *x, int dir)
{
	struct xfrm_state *xs = x;
	struct ix_pair key;

	if (ix->groups &&
	    pair_init(&key, xs->props.family, &xs->props.saddr, &xs->id.daddr) &&
	    !group_holds(group_get(ix, &key), xs, false))
		ix_add_state(ix, xs);
}

static int ix_migrate(const struct xfrm_selector *sel, u8 dir, u8 type,
		      const struct xfrm_migrate *m, int num_bundles,
		      const struct xfrm_kmaddress *k, struct net *net,
		      const struct xfrm_encap_tmpl *encap)
{
	struct espmob_index *ix = ix_of(net);
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
				ix_locked(net, op_add_state_once, x, 0);
			else
				sure = false;
			xfrm_state_put(x);
		}
		if (!sure)
			ix_locked(net, op_lose, NULL, 0);
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

/* Building the index from the tables. */

static int build_state_cb(struct xfrm_state *x, int count, void *ptr)
{
	struct espmob_index *ix = ptr;

	if (espmob_walk_pause(&ix->budget))
		return ESPMOB_WALK_PAUSE;
	if (x->km.state == XFRM_STATE_DEAD)
		return 0;
	spin_lock(&ix->lock);	/* BHs are off in the walk */
	ix_add_state(ix, x);
	spin_unlock(&ix->lock);
	return 0;
}

static int build_policy_cb(struct xfrm_policy *pol, int dir, int count,
			   void *ptr)
{
	struct espmob_index *ix = ptr;

	if (espmob_walk_pause(&ix->budget))
		return ESPMOB_WALK_PAUSE;
	if (pol->walk.dead)
		return 0;
	spin_lock(&ix->lock);
	ix_add_policy(ix, pol, dir);
	spin_unlock(&ix->lock);
	return 0;
}

static int build_states_once(void *arg, void *walk)
{
	struct espmob_index *ix = arg;

	return xfrm_state_walk(ix->net, walk, build_state_cb, ix);
}

static int build_policies_once(void *arg, void *walk)
{
	struct espmob_index *ix = arg;

	return xfrm_policy_walk(ix->net, walk, build_policy_cb, ix);
}

static void free_group(void *ptr, void *arg)
{
	struct ix_group *g = ptr;
	struct hlist_node *tmp;
	struct ix_entry *e;

	hlist_for_each_entry_safe(e, tmp, &g->states, node) {
		xfrm_state_put(e->x);
		kfree(e);
	}
	hlist_for_each_entry_safe(e, tmp, &g->policies, node) {
		xfrm_pol_put(e->pol);
		kfree(e);
	}
	kfree(g);
}

/* Frees a table no longer reachable from the index. May sleep. */
static void table_free(struct rhashtable *t)
{
	if (!t)
		return;
	rhashtable_free_and_destroy(t, free_group, NULL);
	kfree(t);
}

static struct rhashtable *table_alloc(void)
{
	struct rhashtable *t = kmalloc(sizeof(*t), GFP_KERNEL);

	if (t && rhashtable_init(t, &ix_params)) {
		kfree(t);
		t = NULL;
	}
	return t;
}

/*
 * Under xfrm_cfg_mutex: a fresh table, filled by walking the state and
 * policy tables in sections. No path that adds a state or policy the
 * index files runs meanwhile (they all hold the mutex); deletions and
 * expiries do, and find either no entry yet (the walk does not see the
 * deleted object) or the entry the walk made. The index is whole when
 * nothing was lost during the build.
 */
static void ix_build(struct espmob_index *ix)
{
	struct xfrm_policy_walk pwalk;
	struct xfrm_state_walk swalk;
	struct rhashtable *fresh = table_alloc(), *old;
	u32 lost;
	int err;

	if (!fresh)
		return;
	spin_lock_bh(&ix->lock);
	if (ix->gone) {
		spin_unlock_bh(&ix->lock);
		table_free(fresh);
		return;
	}
	old = ix->groups;
	ix->groups = fresh;
	ix->entries = 0;
	ix->built = false;
	lost = ix->lost;
	spin_unlock_bh(&ix->lock);
	table_free(old);

	xfrm_state_walk_init(&swalk, 0, NULL);	/* every protocol: see walk.h */
	err = espmob_walk_in_chunks(&ix->budget, build_states_once, ix,
				    &swalk);
	xfrm_state_walk_done(&swalk, ix->net);

	xfrm_policy_walk_init(&pwalk, XFRM_POLICY_TYPE_ANY);
	if (!err)
		err = espmob_walk_in_chunks(&ix->budget, build_policies_once,
					    ix, &pwalk);
	xfrm_policy_walk_done(&pwalk, ix->net);

	atomic_long_inc(&ix_rebuilds);
	spin_lock_bh(&ix->lock);
	ix->entries_at_build = ix->entries;
	ix->lost_at_build = lost;
	ix->built = !err && ix->lost == lost;
	spin_unlock_bh(&ix->lock);
}

static bool ix_whole(const struct espmob_index *ix)
{
	return ix->groups && ix->built && ix->lost == ix->lost_at_build;
}

bool espmob_index_whole(struct net *net)
{
	struct espmob_index *ix = ix_of(net);
	bool whole;

	lockdep_assert_held(&net->xfrm.xfrm_cfg_mutex);
	spin_lock_bh(&ix->lock);
	whole = ix_whole(ix);
	spin_unlock_bh(&ix->lock);
	if (whole)
		return true;

	ix_build(ix);
	spin_lock_bh(&ix->lock);
	whole = ix_whole(ix);
	spin_unlock_bh(&ix->lock);
	return whole;
}

static void ix_rebuild_work(struct work_struct *work)
{
	struct espmob_index *ix = container_of(work, struct espmob_index,
					       rebuild);
	struct net *net = ix->net;
	bool wanted;

	mutex_lock(&net->xfrm.xfrm_cfg_mutex);
	spin_lock_bh(&ix->lock);
	wanted = !ix->gone && (!ix_whole(ix) || ix_overgrown(ix));
	spin_unlock_bh(&ix->lock);
	if (wanted)
		ix_build(ix);
	mutex_unlock(&net->xfrm.xfrm_cfg_mutex);
}

/* Copying a group out for a request. */

static struct ix_group *group_of(struct espmob_index *ix,
				 const struct espmob_endpoints *ep)
{
	struct ix_pair key;

	if (!ix->groups ||
	    !pair_init(&key, ep->family, &ep->local, &ep->remote))
		return NULL;
	return group_get(ix, &key);
}

/* Fills @refs (room for @room) from @list; false if it does not fit. */
static bool group_fill(struct hlist_head *list, unsigned int want,
		       bool policies, struct espmob_ix_ref *refs,
		       unsigned int room, unsigned int *n)
{
	struct ix_entry *e;

	*n = 0;
	if (want > room)
		return false;
	hlist_for_each_entry(e, list, node) {
		if (policies ? e->pol->walk.dead :
			       e->x->km.state == XFRM_STATE_DEAD)
			continue;
		if (policies)
			xfrm_pol_hold(e->pol);
		else
			xfrm_state_hold(e->x);
		refs[*n].x = e->x;	/* the union: either pointer */
		refs[(*n)++].dir = e->dir;
	}
	return true;
}

/*
 * Sizes the copy with the lock dropped (kvmalloc may sleep) and fills it
 * with the lock held; if the group grew meanwhile, again. Only expiries
 * and deletions run under xfrm_cfg_mutex, so it normally does not.
 */
static int group_copy(struct net *net, const struct espmob_endpoints *ep,
		      bool policies, struct espmob_ix_ref **out,
		      unsigned int *n)
{
	struct espmob_index *ix = ix_of(net);
	struct espmob_ix_ref *refs = NULL;
	unsigned int room = 0;

	for (;;) {
		static struct hlist_head none;
		struct hlist_head *list = &none;
		unsigned int want = 0;
		struct ix_group *g;
		bool done;

		spin_lock_bh(&ix->lock);
		g = group_of(ix, ep);
		if (g) {
			list = policies ? &g->policies : &g->states;
			want = policies ? g->n_policies : g->n_states;
		}
		done = group_fill(list, want, policies, refs, room, n);
		spin_unlock_bh(&ix->lock);
		if (done) {
			*out = refs;
			return 0;
		}
		kvfree(refs);
		refs = kvmalloc_array(want, sizeof(*refs), GFP_KERNEL);
		if (!refs)
			return -ENOMEM;
		room = want;
	}
}

int espmob_index_states(struct net *net, const struct espmob_endpoints *ep,
			struct espmob_ix_ref **states, unsigned int *n)
{
	return group_copy(net, ep, false, states, n);
}

int espmob_index_policies(struct net *net, const struct espmob_endpoints *ep,
			  struct espmob_ix_ref **pols, unsigned int *n)
{
	return group_copy(net, ep, true, pols, n);
}

/* A migration's commit: what it added, and what it retired. */

void espmob_index_add_state(struct net *net, struct xfrm_state *x)
{
	ix_locked(net, op_add_state, x, 0);
}

void espmob_index_add_policy(struct net *net, struct xfrm_policy *pol,
			     int dir)
{
	ix_locked(net, op_add_policy, pol, dir);
}

/*
 * Drops from @ep's group the states the migration collected (retired, or
 * no longer VALID) and every policy that is dead (the migration's old
 * ones among them): O(the group), where one deletion at a time would be
 * O(the group) each.
 */
void espmob_index_forget(struct net *net, const struct espmob_endpoints *ep,
			 const struct espmob_keyset *moved_states)
{
	struct espmob_index *ix = ix_of(net);
	struct hlist_node *tmp;
	struct ix_group *g;
	struct ix_entry *e;

	spin_lock_bh(&ix->lock);
	g = group_of(ix, ep);
	if (!g)
		goto out;
	hlist_for_each_entry_safe(e, tmp, &g->states, node) {
		if (!espmob_keyset_has(moved_states, espmob_ptr_key(e->x)) &&
		    e->x->km.state != XFRM_STATE_DEAD)
			continue;
		hlist_del(&e->node);
		g->n_states--;
		ix->entries--;
		xfrm_state_put(e->x);
		kfree(e);
	}
	hlist_for_each_entry_safe(e, tmp, &g->policies, node) {
		if (!e->pol->walk.dead)
			continue;
		hlist_del(&e->node);
		g->n_policies--;
		ix->entries--;
		xfrm_pol_put(e->pol);
		kfree(e);
	}
	group_put_if_empty(ix, g);
out:
	spin_unlock_bh(&ix->lock);
}

/* Namespaces and the module. */

int espmob_index_net_init(struct net *net)
{
	struct espmob_index *ix = ix_of(net);

	ix->groups = table_alloc();
	if (!ix->groups)
		return -ENOMEM;
	spin_lock_init(&ix->lock);
	ix->net = net;
	INIT_WORK(&ix->rebuild, ix_rebuild_work);
	/* a new namespace's tables are empty: nothing to have missed */
	ix->built = READ_ONCE(ix_listening);
	return 0;
}

/*
 * Before xfrm's own exit flushes the tables: the index's references go
 * first. The structure itself lives as long as the namespace's generic
 * data, so a late expiry notification still finds its lock.
 */
void espmob_index_net_exit(struct net *net)
{
	struct espmob_index *ix = ix_of(net);
	struct rhashtable *t;

	spin_lock_bh(&ix->lock);
	ix->gone = true;	/* nothing scheduled from now on */
	spin_unlock_bh(&ix->lock);
	cancel_work_sync(&ix->rebuild);

	spin_lock_bh(&ix->lock);
	t = ix->groups;
	ix->groups = NULL;	/* notifications now find nothing to do */
	spin_unlock_bh(&ix->lock);
	table_free(t);
}

int espmob_index_init(void)
{
	xfrm_register_km(&espmob_km);
	WRITE_ONCE(ix_listening, true);
	return 0;
}

void espmob_index_exit(void)
{
	/* waits for the callbacks in progress (synchronize_rcu()) */
	xfrm_unregister_km(&espmob_km);
}
