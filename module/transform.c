// SPDX-License-Identifier: GPL-2.0
/*
 * Handing an SA's ESP transform to its clone instead of building a new one.
 *
 * xfrm_init_state() allocates and keys a fresh AEAD transform for every
 * clone (for rfc4106(gcm(aes)): four nested tfms, the AES key schedule and
 * the GHASH table): most of the cost of moving an SA. The key does not
 * change with the addresses, and an AEAD transform may be used by any
 * number of requests at once (the datapath already shares one between all
 * CPUs), so a clone at the same outer family and with the same kind of
 * encapsulation -- the same header and trailer lengths -- can use its
 * predecessor's transform (x->data) as it is.
 *
 * The difficulty is ownership. ESP's destructor frees x->data when the
 * last reference to the state goes, and the retired state can still have
 * packets in flight (in async crypto, or queued behind a bundle) after the
 * clone took over. So:
 *
 *  - the clone owns the transform: it keeps ESP's type (with a module
 *    reference of its own) and ESP's destructor frees x->data when the
 *    clone goes;
 *  - when the old state retires (espmob_state_switch(), under its x->lock,
 *    in the same section that makes it ERROR), its type becomes a "ghost"
 *    of ESP's: the same operations but a destructor that, instead of
 *    freeing x->data, drops a reference the old state holds on its clone.
 *    The clone, and with it the transform, therefore outlives the last
 *    packet of the old state. When the clone retires in turn, those
 *    references move to its own clone (espmob_handover_commit()), so that
 *    every retired state holds the current owner directly.
 *
 * A clone that never takes over (rollback, or its old SA expired meanwhile)
 * was never VALID, so nothing used its x->data: the pointer is cleared
 * before its last reference goes and the old state keeps the transform.
 *
 * The ghost type's owner is this module, so esp_mobility cannot be
 * unloaded while a retired state with a ghost type exists; the xfrm
 * garbage collector frees them shortly after their last packet.
 */
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/xfrm.h>

#include "migrate_ctx.h"

/* ESP for IPv4 and IPv6; more slots cover a reloaded esp4/esp6. */
#define ESPMOB_GHOSTS 4

struct espmob_ghost {
	const struct xfrm_type *real;
	struct xfrm_type type;
	unsigned int users;		/* under espmob_ghost_lock */
};

struct espmob_handover {
	struct hlist_node by_old;	/* in espmob_by_old */
	struct hlist_node by_heir;	/* in espmob_by_heir */
	const struct xfrm_state *old;	/* the retired state (not held) */
	struct xfrm_state *heir;	/* held until old is destroyed */
	struct espmob_ghost *ghost;
};

/*
 * The hand-overs whose retired state is not destroyed yet, found by the
 * retired state (its destructor) and by the heir (when the heir retires
 * in turn): O(1) either way however many retired states wait for their
 * last packet.
 */
static DEFINE_SPINLOCK(espmob_ghost_lock);
static struct espmob_ghost espmob_ghosts[ESPMOB_GHOSTS];
static DEFINE_HASHTABLE(espmob_by_old, 8);
static DEFINE_HASHTABLE(espmob_by_heir, 8);

static void ghost_put(struct espmob_ghost *g)
{
	spin_lock_bh(&espmob_ghost_lock);
	g->users--;
	spin_unlock_bh(&espmob_ghost_lock);
}

static struct espmob_handover *heir_take(const struct xfrm_state *old)
{
	struct espmob_handover *h;

	spin_lock_bh(&espmob_ghost_lock);
	hash_for_each_possible(espmob_by_old, h, by_old, (unsigned long)old) {
		if (h->old == old) {
			hash_del(&h->by_old);
			hash_del(&h->by_heir);
			spin_unlock_bh(&espmob_ghost_lock);
			return h;
		}
	}
	spin_unlock_bh(&espmob_ghost_lock);
	return NULL;
}

/*
 * The retired state's destructor (from the xfrm garbage collector, after
 * its last reference and an RCU grace period): its packets are done, so
 * its heir, which owns the transform, may go when its own time comes.
 * xfrm_put_type() then drops the module reference the ghost type holds.
 */
static void ghost_destroy(struct xfrm_state *x)
{
	struct espmob_handover *h = heir_take(x);

	if (WARN_ON_ONCE(!h))
		return;
	ghost_put(h->ghost);
	xfrm_state_put(h->heir);
	kfree(h);
}

static struct espmob_ghost *ghost_get(const struct xfrm_type *real)
{
	struct espmob_ghost *g, *free = NULL;
	struct xfrm_type ghost;
	int i;

	spin_lock_bh(&espmob_ghost_lock);
	for (i = 0; i < ESPMOB_GHOSTS; i++) {
		g = &espmob_ghosts[i];
		if (g->real == real && g->users)
			goto found;
		if (!g->users && !free)
			free = g;
	}
	g = free;
	if (!g)
		goto out;
	/*
	 * An unused slot is rebuilt from the live type: esp4 may have been
	 * reloaded since the slot was last used. The state that released the
	 * slot last may still be in xfrm_put_type(), reading type.owner to
	 * drop the module reference the ghost holds: the slot is built aside
	 * and copied in with its owner already this module, so that field
	 * never holds anything else, not even for a moment.
	 */
	ghost = *real;
	ghost.owner = THIS_MODULE;
	ghost.destructor = ghost_destroy;
	g->real = real;
	memcpy(&g->type, &ghost, sizeof(ghost));
found:
	g->users++;
out:
	spin_unlock_bh(&espmob_ghost_lock);
	return g;
}

static int encap_kind(const struct xfrm_state *x)
{
	return x->encap ? x->encap->encap_type : 0;
}

/*
 * Prepare: if the clone @x of @sa->old can use the old state's transform,
 * set it up to do so (types, modes, header and trailer lengths, replay
 * mode) and return 0; -EAGAIN if it cannot and needs xfrm_init_state();
 * another error if an allocation failed.
 */
int espmob_adopt_transform(struct espmob_ctx *ctx, struct espmob_sa *sa,
			   struct xfrm_state *x)
{
	struct xfrm_state *old = sa->old;
	struct espmob_handover *h;
	int err;

	if (old->id.proto != IPPROTO_ESP || !old->type || !old->data ||
	    old->props.family != x->props.family ||
	    encap_kind(old) != encap_kind(x) ||
	    encap_kind(x) == TCP_ENCAP_ESPINTCP)
		return -EAGAIN;

	if (espmob_step_fails(ctx))
		return -ENOMEM;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	if (!try_module_get(THIS_MODULE)) {	/* for the ghost type */
		kfree(h);
		return -ENODEV;
	}
	h->ghost = ghost_get(old->type);
	if (!h->ghost) {
		module_put(THIS_MODULE);
		kfree(h);
		return -EAGAIN;
	}

	/* old holds references on these modules, so they cannot be going */
	__module_get(old->type->owner);
	x->type = old->type;
	if (old->type_offload) {
		__module_get(old->type_offload->owner);
		x->type_offload = old->type_offload;
	}
	x->inner_mode = old->inner_mode;
	x->inner_mode_iaf = old->inner_mode_iaf;
	x->outer_mode = old->outer_mode;
	x->props.header_len = old->props.header_len;
	x->props.trailer_len = old->props.trailer_len;
	x->data = old->data;
	err = xfrm_init_replay(x, NULL);
	if (err) {
		/* x->type is released with x; the transform is not x's */
		espmob_handover_cancel(x, h);
		return err;
	}
	sa->handover = h;
	return 0;
}

/*
 * The clone never took over: it gives the transform back before its last
 * reference goes (it was never VALID, so nothing used x->data through it)
 * and the references taken for the ghost are dropped.
 */
void espmob_handover_cancel(struct xfrm_state *heir, struct espmob_handover *h)
{
	if (heir)
		WRITE_ONCE(heir->data, NULL);
	ghost_put(h->ghost);
	module_put(THIS_MODULE);
	kfree(h);
}

/*
 * Under @old->lock, in the section that retires it: from now on the last
 * reference to @old releases its heir instead of the transform. Readers
 * that already loaded old->type call the same operations either way.
 */
void espmob_handover_retire(struct xfrm_state *old, struct espmob_handover *h)
{
	WRITE_ONCE(old->type, &h->ghost->type);
}

/*
 * After the retiring section: record the heir for the ghost destructor.
 * @old's reference on ESP's module now belongs to the heir's type (which
 * took its own in espmob_adopt_transform()), and the ghost type carries
 * the module reference taken for it then.
 *
 * States retired earlier that still wait for their last packet hold @old
 * as the owner of the transform they share; they now hold @heir instead,
 * so that @old can go as soon as its own packets are done, rather than a
 * chain of retired states each waiting for the one before it.
 */
void espmob_handover_commit(struct xfrm_state *old, struct xfrm_state *heir,
			    const struct xfrm_type *real,
			    struct espmob_handover *h)
{
	struct espmob_handover *prev;
	struct hlist_node *tmp;
	unsigned int released = 0;

	xfrm_state_hold(heir);
	h->old = old;
	h->heir = heir;
	spin_lock_bh(&espmob_ghost_lock);
	hash_for_each_possible_safe(espmob_by_heir, prev, tmp, by_heir,
				    (unsigned long)old) {
		if (prev->heir != old)
			continue;
		xfrm_state_hold(heir);
		prev->heir = heir;
		hash_del(&prev->by_heir);
		hash_add(espmob_by_heir, &prev->by_heir, (unsigned long)heir);
		released++;
	}
	hash_add(espmob_by_old, &h->by_old, (unsigned long)old);
	hash_add(espmob_by_heir, &h->by_heir, (unsigned long)heir);
	spin_unlock_bh(&espmob_ghost_lock);
	/* we hold old (the caller's reference): none of these is the last */
	while (released--)
		xfrm_state_put(old);
	module_put(real->owner);
}
