// SPDX-License-Identifier: GPL-2.0
/*
 * Building the replacement of a state or a policy at the new addresses, and
 * moving an SA's live counters into its replacement. xfrm_state_clone() is
 * static in 6.1, so the copy is spelled out here; it keeps everything but
 * the addresses (and the encapsulation, when the request changes it).
 */
#include <linux/slab.h>
#include <net/xfrm.h>

#include "migrate_ctx.h"

static void rewrite_addr(xfrm_address_t *a, const struct espmob_req *req)
{
	unsigned short family = req->old.family;

	if (xfrm_addr_equal(a, &req->old.local, family))
		*a = req->new.local;
	else if (xfrm_addr_equal(a, &req->old.remote, family))
		*a = req->new.remote;
}

/* A transport mode selector naming the old host pair names the new one. */
static void rewrite_selector(struct xfrm_selector *sel,
			     const struct espmob_req *req)
{
	unsigned int full = espmob_full_prefix(req->old.family);

	if (sel->family != req->old.family)
		return;
	if (sel->prefixlen_s == full)
		rewrite_addr(&sel->saddr, req);
	if (sel->prefixlen_d == full)
		rewrite_addr(&sel->daddr, req);
}

static int copy_algs(struct xfrm_state *x, const struct xfrm_state *orig)
{
	if (orig->aalg) {
		x->aalg = xfrm_algo_auth_clone(orig->aalg);
		if (!x->aalg)
			return -ENOMEM;
	}
	if (orig->ealg) {
		x->ealg = xfrm_algo_clone(orig->ealg);
		if (!x->ealg)
			return -ENOMEM;
	}
	if (orig->calg) {
		x->calg = xfrm_algo_clone(orig->calg);
		if (!x->calg)
			return -ENOMEM;
	}
	if (orig->aead) {
		x->aead = xfrm_algo_aead_clone(orig->aead);
		if (!x->aead)
			return -ENOMEM;
	}
	x->geniv = orig->geniv;
	return 0;
}

static int copy_encap(struct xfrm_state *x, const struct xfrm_state *orig,
		      const struct espmob_req *req, bool outbound)
{
	if (req->encap == ESPMOB_ENCAP_REMOVE ||
	    (req->encap == ESPMOB_ENCAP_KEEP && !orig->encap))
		return 0;

	if (orig->encap)
		x->encap = kmemdup(orig->encap, sizeof(*x->encap), GFP_KERNEL);
	else
		x->encap = kzalloc(sizeof(*x->encap), GFP_KERNEL);
	if (!x->encap)
		return -ENOMEM;

	if (req->encap == ESPMOB_ENCAP_SET) {
		/* the ports as they appear on the wire for this direction */
		x->encap->encap_type = UDP_ENCAP_ESPINUDP;
		x->encap->encap_sport = outbound ? req->encap_lport :
						   req->encap_rport;
		x->encap->encap_dport = outbound ? req->encap_rport :
						   req->encap_lport;
	}
	return 0;
}

static int snap_alloc(struct espmob_snap *snap, const struct xfrm_state *orig)
{
	unsigned int len;

	if (!orig->replay_esn)
		return 0;

	/* the bitmap size of an SA never changes under xfrm_cfg_mutex */
	len = xfrm_replay_state_esn_len(orig->replay_esn);
	snap->replay_esn = kzalloc(len, GFP_KERNEL);
	snap->preplay_esn = kzalloc(len, GFP_KERNEL);
	if (!snap->replay_esn || !snap->preplay_esn)
		return -ENOMEM;
	return 0;
}

void espmob_snap_free(struct espmob_snap *snap)
{
	kfree(snap->replay_esn);
	kfree(snap->preplay_esn);
	snap->replay_esn = NULL;
	snap->preplay_esn = NULL;
}

/* A state that was never inserted must be DEAD before its last put. */
void espmob_discard_state(struct xfrm_state *x)
{
	x->km.state = XFRM_STATE_DEAD;
	xfrm_state_put(x);
}

static struct xfrm_state *copy_state(struct espmob_ctx *ctx,
				     const struct espmob_sa *sa)
{
	const struct espmob_req *req = ctx->req;
	struct xfrm_state *orig = sa->old;
	struct xfrm_state *x;

	x = xfrm_state_alloc(ctx->net);
	if (!x)
		return NULL;

	x->id = orig->id;
	x->sel = orig->sel;
	x->mark = orig->mark;
	x->if_id = orig->if_id;
	x->tfcpad = orig->tfcpad;
	x->props = orig->props;
	x->lft = orig->lft;
	x->replay_maxage = orig->replay_maxage;
	x->replay_maxdiff = orig->replay_maxdiff;
	x->mapping_maxage = orig->mapping_maxage;
	espmob_state_copy_binding(x, orig);

	if (orig->coaddr)
		x->coaddr = kmemdup(orig->coaddr, sizeof(*x->coaddr),
				    GFP_KERNEL);
	if (copy_algs(x, orig) ||
	    copy_encap(x, orig, req, sa->outbound) ||
	    (orig->coaddr && !x->coaddr) ||
	    (orig->replay_esn && xfrm_replay_clone(x, orig))) {
		espmob_discard_state(x);
		return NULL;
	}

	x->props.family = req->new.family;
	if (sa->outbound) {
		x->props.saddr = req->new.local;
		x->id.daddr = req->new.remote;
	} else {
		x->props.saddr = req->new.remote;
		x->id.daddr = req->new.local;
	}
	if (x->props.mode == XFRM_MODE_TRANSPORT)
		rewrite_selector(&x->sel, req);

	return x;
}

/*
 * Builds @sa->new: a complete state at the new addresses, with its crypto
 * transforms (its own, or the old state's: transform.c), left in
 * XFRM_STATE_ERROR. Lookups that find an
 * ERROR state neither use it nor ask the key manager for a new one, so the
 * clone can be hashed before it takes over.
 */
int espmob_build_state(struct espmob_ctx *ctx, struct espmob_sa *sa)
{
	struct xfrm_state *x;
	int err;

	if (espmob_step_fails(ctx))
		return -ENOMEM;
	if (snap_alloc(&sa->snap, sa->old))
		return -ENOMEM;

	if (espmob_step_fails(ctx))
		return -ENOMEM;
	x = copy_state(ctx, sa);
	if (!x)
		return -ENOMEM;

	err = espmob_adopt_transform(ctx, sa, x);
	if (err == -EAGAIN) {
		if (espmob_step_fails(ctx))
			err = -ENOMEM;
		else	/* may sleep: allocates the AEAD/cipher transforms */
			err = espmob_init_state(x);
	}
	if (err) {
		espmob_discard_state(x);
		return err;
	}

	x->km.state = XFRM_STATE_ERROR;
	sa->new = x;
	return 0;
}

/* A policy that was never inserted must be dead before its last put. */
void espmob_discard_policy(struct xfrm_policy *pol)
{
	pol->walk.dead = 1;
	xfrm_pol_put(pol);
}

static struct xfrm_policy *copy_policy(struct net *net,
				       const struct xfrm_policy *orig)
{
	struct xfrm_policy *pol;

	pol = xfrm_policy_alloc(net, GFP_KERNEL);
	if (!pol)
		return NULL;

	pol->priority = orig->priority;
	pol->index = orig->index;
	pol->if_id = orig->if_id;
	pol->mark = orig->mark;
	pol->selector = orig->selector;
	pol->lft = orig->lft;
	pol->type = orig->type;
	pol->action = orig->action;
	pol->flags = orig->flags;
	pol->family = orig->family;
	pol->xfrm_nr = orig->xfrm_nr;
	memcpy(pol->xfrm_vec, orig->xfrm_vec,
	       sizeof(pol->xfrm_vec[0]) * orig->xfrm_nr);
	return pol;
}

static void rewrite_templates(struct xfrm_policy *pol,
			      const struct espmob_req *req)
{
	unsigned short family = req->old.family;
	int i;

	for (i = 0; i < pol->xfrm_nr; i++) {
		struct xfrm_tmpl *t = &pol->xfrm_vec[i];

		if (t->encap_family != family)
			continue;
		if (xfrm_addr_equal(&t->saddr, &req->old.local, family) &&
		    xfrm_addr_equal(&t->id.daddr, &req->old.remote, family)) {
			t->saddr = req->new.local;
			t->id.daddr = req->new.remote;
		} else if (xfrm_addr_equal(&t->saddr, &req->old.remote, family) &&
			   xfrm_addr_equal(&t->id.daddr, &req->old.local,
					   family)) {
			t->saddr = req->new.remote;
			t->id.daddr = req->new.local;
		} else {
			continue;
		}
		t->encap_family = req->new.family;
	}
}

/*
 * Builds the policy that replaces @ep->old: a copy with the templates (and,
 * for a rewritten selector, the selector) at the new addresses.
 */
int espmob_build_policy(struct espmob_ctx *ctx, struct espmob_pol *ep)
{
	const struct espmob_req *req = ctx->req;

	if (espmob_step_fails(ctx))
		return -ENOMEM;
	ep->new = copy_policy(ctx->net, ep->old);
	if (!ep->new)
		return -ENOMEM;

	rewrite_templates(ep->new, req);
	if (ep->reselect) {
		rewrite_selector(&ep->new->selector, req);
		ep->new->index = 0;	/* the old one still holds its index */
	}
	return 0;
}

/* Keeps the lifetime schedule of a policy across its replacement. */
void espmob_policy_inherit(struct xfrm_policy *new, struct xfrm_policy *old)
{
	struct xfrm_lifetime_cur curlft;

	read_lock_bh(&old->lock);
	curlft = old->curlft;
	read_unlock_bh(&old->lock);

	write_lock_bh(&new->lock);
	new->curlft = curlft;
	write_unlock_bh(&new->lock);
}

static void snap_take(struct espmob_snap *s, struct xfrm_state *x)
{
	s->replay = x->replay;
	s->preplay = x->preplay;
	if (x->replay_esn) {
		memcpy(s->replay_esn, x->replay_esn,
		       xfrm_replay_state_esn_len(x->replay_esn));
		memcpy(s->preplay_esn, x->preplay_esn,
		       xfrm_replay_state_esn_len(x->preplay_esn));
	}
	s->curlft = x->curlft;
	s->stats = x->stats;
	s->lastused = x->lastused;
	s->saved_tmo = x->saved_tmo;
	s->xflags = x->xflags;
	s->dying = x->km.dying;
	espmob_keepalive_take(&s->keepalive, x);
}

static void snap_give(const struct espmob_snap *s, struct xfrm_state *x)
{
	x->replay = s->replay;
	x->preplay = s->preplay;
	if (x->replay_esn) {
		memcpy(x->replay_esn, s->replay_esn,
		       xfrm_replay_state_esn_len(s->replay_esn));
		memcpy(x->preplay_esn, s->preplay_esn,
		       xfrm_replay_state_esn_len(s->preplay_esn));
	}
	x->curlft = s->curlft;
	x->stats = s->stats;
	x->lastused = s->lastused;
	x->saved_tmo = s->saved_tmo;
	x->xflags = s->xflags;
	x->km.dying = s->dying;
	espmob_keepalive_give(&s->keepalive, x);
}

/*
 * Called on a retiring inbound state, in the section that snapshots its
 * window: makes every later recheck of its window fail. 6.1's
 * xfrm_input() checks the window under x->lock, releases the lock to
 * decrypt and, without looking at the state again, rechecks and advances
 * the window under it afterwards. A packet between check and advance when
 * the snapshot is taken would advance the retired window only, and the
 * clone, which never saw its number, would accept it a second time. With
 * the window closed that packet fails its recheck and is dropped: each
 * (SPI, sequence number) is accepted by one of the two states at most.
 *
 * Legacy and bitmap windows: the top at the largest number and every bit
 * set, so each number is too old or already seen. ESN: in addition the
 * high half moves by 2^31, so that the high bits xfrm_input() derived at
 * the first check never match the ones it derives again.
 */
static void close_replay_window(struct xfrm_state *x)
{
	struct xfrm_replay_state_esn *esn = x->replay_esn;

	x->replay.seq = U32_MAX;
	x->replay.bitmap = U32_MAX;
	if (esn) {
		esn->seq = U32_MAX;
		esn->seq_hi += 1U << 31;
		memset(esn->bmp, 0xff, esn->bmp_len * sizeof(esn->bmp[0]));
	}
}

/*
 * Hands the SA over from sa->old to sa->new. The datapath allocates output
 * sequence numbers and advances the replay window only under x->lock and
 * only while x is VALID, so taking the snapshot and retiring the old SA in
 * one x->lock section means no number is handed out after the snapshot.
 *
 * The clone's lock is held around that section (the old state's nests
 * inside it; nothing else ever holds two states' locks): a packet that
 * finds the clone meanwhile waits on its lock and then sees it VALID with
 * the old SA's counters, instead of finding it in ERROR and being dropped.
 * An inbound clone is hashed only here, under that lock (commit() hashes
 * the outbound ones early): where the local address does not change, it
 * shares (daddr, SPI) with the old SA and, first in the hash chain, would
 * otherwise catch the old SA's packets while the request is still in
 * progress, or is rolled back.
 *
 * The old SA stays hashed in ERROR (a tombstone) so that lookups at the
 * old addresses drop instead of raising an ACQUIRE.
 *
 * Returns false if the old SA died (expired or deleted) meanwhile; the
 * clone is then left in ERROR for the caller to delete.
 */
bool espmob_state_switch(struct espmob_sa *sa)
{
	struct xfrm_state *old = sa->old, *new = sa->new;
	const struct xfrm_type *real = old->type;
	bool live;

	spin_lock_bh(&new->lock);
	if (!sa->inserted) {
		/* the table's reference; ours is dropped in ctx_release() */
		xfrm_state_hold(new);
		xfrm_state_insert(new);
		sa->inserted = true;
	}

	spin_lock_nested(&old->lock, SINGLE_DEPTH_NESTING);
	live = old->km.state == XFRM_STATE_VALID;
	if (live) {
		snap_take(&sa->snap, old);
		old->km.state = XFRM_STATE_ERROR;
		espmob_state_uncache(old);
		if (!sa->outbound)
			close_replay_window(old);
		if (sa->handover)
			espmob_handover_retire(old, sa->handover);
	}
	spin_unlock(&old->lock);

	if (live) {
		snap_give(&sa->snap, new);
		new->km.state = XFRM_STATE_VALID;
	}
	spin_unlock_bh(&new->lock);
	if (!live)
		return false;	/* the caller cancels the hand-over */

	/* we hold old: its ghost destructor cannot run before this */
	if (sa->handover) {
		espmob_handover_commit(old, new, real, sa->handover);
		sa->handover = NULL;
	}
	return true;
}
