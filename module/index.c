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
 * changes through the key manager interface (index_km.c: the
 * notifications xfrm_user and af_key send for every state and policy they
 * add, update or delete)
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
#include "index_table.h"
#include "walk.h"

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

/* Nothing is scheduled for a namespace on its way out. */
static void ix_schedule(struct espmob_index *ix)
{
	if (!ix->gone)
		schedule_work(&ix->rebuild);
}

bool espmob_ix_pair_init(struct ix_pair *p, unsigned short family,
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

/*
 * The pairs a policy is filed under, each once: those of its tunnel
 * templates and, for a transport mode policy between two hosts, its
 * selector's. Returns how many (at most XFRM_MAX_DEPTH + 1).
 */
unsigned int espmob_ix_policy_pairs(const struct xfrm_policy *pol,
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
		if (espmob_ix_pair_init(&pairs[n], t->encap_family, &t->saddr,
					&t->id.daddr))
			n++;
	}
	full = sel->family == AF_INET ? 32 : 128;
	if (transport && sel->prefixlen_s == full && sel->prefixlen_d == full &&
	    espmob_ix_pair_init(&pairs[n], sel->family, &sel->saddr, &sel->daddr))
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

struct ix_group *espmob_ix_group_get(struct espmob_index *ix,
				     const struct ix_pair *key)
{
	return rhashtable_lookup_fast(ix->groups, key, ix_params);
}

/* The group of @key, created if need be; NULL if that fails. */
static struct ix_group *group_get_or_add(struct espmob_index *ix,
					 const struct ix_pair *key)
{
	struct ix_group *g = espmob_ix_group_get(ix, key);

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

void espmob_ix_group_put_if_empty(struct espmob_index *ix, struct ix_group *g)
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
void espmob_ix_lose(struct espmob_index *ix)
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
bool espmob_ix_file(struct espmob_index *ix, const struct ix_pair *key,
		    void *obj, bool policy, int dir)
{
	struct ix_entry *e = kmalloc(sizeof(*e), GFP_ATOMIC);
	struct ix_group *g = e ? group_get_or_add(ix, key) : NULL;

	if (!g) {
		kfree(e);
		espmob_ix_lose(ix);
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

void espmob_ix_add_state(struct espmob_index *ix, struct xfrm_state *x)
{
	struct ix_pair key;

	if (ix->groups && espmob_ix_state_indexed(x) &&
	    espmob_ix_pair_init(&key, x->props.family, &x->props.saddr, &x->id.daddr))
		espmob_ix_file(ix, &key, x, false, 0);
}

void espmob_ix_add_policy(struct espmob_index *ix, struct xfrm_policy *pol,
			  int dir)
{
	struct ix_pair keys[XFRM_MAX_DEPTH + 1];
	unsigned int n, i;

	if (!ix->groups || dir < 0 || dir >= XFRM_POLICY_MAX)
		return;
	n = espmob_ix_policy_pairs(pol, keys);
	for (i = 0; i < n; i++)
		if (!espmob_ix_file(ix, &keys[i], pol, true, dir))
			return;
}

void espmob_ix_del_state(struct espmob_index *ix, struct xfrm_state *x)
{
	struct ix_pair key;
	struct ix_group *g;
	struct ix_entry *e;

	if (!ix->groups || !espmob_ix_state_indexed(x) ||
	    !espmob_ix_pair_init(&key, x->props.family, &x->props.saddr, &x->id.daddr))
		return;
	g = espmob_ix_group_get(ix, &key);
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
	espmob_ix_group_put_if_empty(ix, g);
}

void espmob_ix_del_policy(struct espmob_index *ix, struct xfrm_policy *pol)
{
	struct ix_pair keys[XFRM_MAX_DEPTH + 1];
	unsigned int n, i;

	if (!ix->groups)
		return;
	n = espmob_ix_policy_pairs(pol, keys);
	for (i = 0; i < n; i++) {
		struct ix_group *g = espmob_ix_group_get(ix, &keys[i]);
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
		espmob_ix_group_put_if_empty(ix, g);
	}
}

/* Table changes under the lock, for the callbacks and the commits. */

void espmob_ix_locked(struct net *net,
		      void (*op)(struct espmob_index *ix, void *obj, int dir),
		      void *obj, int dir)
{
	struct espmob_index *ix = espmob_ix_of(net);

	spin_lock_bh(&ix->lock);
	op(ix, obj, dir);
	spin_unlock_bh(&ix->lock);
}

void espmob_ix_op_add_state(struct espmob_index *ix, void *x, int dir)
{
	espmob_ix_add_state(ix, x);
}

void espmob_ix_op_del_state(struct espmob_index *ix, void *x, int dir)
{
	espmob_ix_del_state(ix, x);
}

void espmob_ix_op_add_policy(struct espmob_index *ix, void *pol, int dir)
{
	espmob_ix_add_policy(ix, pol, dir);
}

void espmob_ix_op_del_policy(struct espmob_index *ix, void *pol, int dir)
{
	espmob_ix_del_policy(ix, pol);
}

void espmob_ix_op_lose(struct espmob_index *ix, void *unused, int dir)
{
	espmob_ix_lose(ix);
}

/* Building the index from the tables. */

static int build_state_cb(struct xfrm_state *x, int count, void *ptr)
{
	struct espmob_index *ix = ptr;

	if (espmob_walk_pause(&ix->budget))
		return ESPMOB_WALK_PAUSE;
	if (x->km.state == XFRM_STATE_DEAD)
		return 0;
	spin_lock(&ix->lock);	/* BHs are off in the walk */
	espmob_ix_add_state(ix, x);
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
	espmob_ix_add_policy(ix, pol, dir);
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
	struct espmob_index *ix = espmob_ix_of(net);
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
	    !espmob_ix_pair_init(&key, ep->family, &ep->local, &ep->remote))
		return NULL;
	return espmob_ix_group_get(ix, &key);
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
	struct espmob_index *ix = espmob_ix_of(net);
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
	espmob_ix_locked(net, espmob_ix_op_add_state, x, 0);
}

void espmob_index_add_policy(struct net *net, struct xfrm_policy *pol,
			     int dir)
{
	espmob_ix_locked(net, espmob_ix_op_add_policy, pol, dir);
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
	struct espmob_index *ix = espmob_ix_of(net);
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
	espmob_ix_group_put_if_empty(ix, g);
out:
	spin_unlock_bh(&ix->lock);
}

/* Namespaces and the module. */

int espmob_index_net_init(struct net *net)
{
	struct espmob_index *ix = espmob_ix_of(net);

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
	struct espmob_index *ix = espmob_ix_of(net);
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
	espmob_ix_km_register();
	WRITE_ONCE(ix_listening, true);
	return 0;
}

void espmob_index_exit(void)
{
	espmob_ix_km_unregister();
}
