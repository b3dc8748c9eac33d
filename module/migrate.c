// SPDX-License-Identifier: GPL-2.0
/*
 * One peer's migration, all or nothing. Documentation/design.rst gives the
 * argument; in short:
 *
 * Everything that can fail happens first, in the prepare phase, while no
 * table has changed: collecting the states and policies, building every
 * clone (crypto included) and every replacement policy, checking that
 * nothing already sits at the new addresses. The commit then
 *
 *   1. hashes the outbound clones in XFRM_STATE_ERROR (present, unusable:
 *      a lookup that finds one drops the packet and raises no ACQUIRE);
 *   2. inserts the policies whose selectors were rewritten (the only
 *      fallible commit step; a failure removes them and unhashes the
 *      clones);
 *   3. puts each same-selector replacement in its old policy's place
 *      (espmob_policy_swap(): O(1), cannot fail);
 *   4. per SA, retires the old state and makes the clone VALID with the
 *      old state's counters, hashing an inbound clone first
 *      (espmob_state_switch());
 *   5. removes the policies whose selectors were rewritten;
 *   6. hands the retired states to retire.c, which deletes them after an
 *      RCU grace period; the request does not wait for it.
 *
 * The whole request holds net->xfrm.xfrm_cfg_mutex, as every xfrm_user and
 * af_key request does, so no key manager changes the tables in between.
 */
#include <linux/ktime.h>
#include <linux/slab.h>
#include <net/xfrm.h>

#include "esp_mobility.h"
#include "index.h"
#include "migrate_ctx.h"

static void ctx_release(struct espmob_ctx *ctx)
{
	struct espmob_sa *sa, *sa_tmp;
	struct espmob_pol *ep, *ep_tmp;

	list_for_each_entry_safe(ep, ep_tmp, &ctx->pols, list) {
		if (ep->new && ep->inserted)
			xfrm_pol_put(ep->new);
		else if (ep->new)
			espmob_discard_policy(ep->new);
		xfrm_pol_put(ep->old);
		kfree(ep);
	}
	list_for_each_entry_safe(sa, sa_tmp, &ctx->sas, list) {
		if (sa->handover)	/* the clone did not take over */
			espmob_handover_cancel(sa->new, sa->handover);
		if (sa->new && sa->inserted)
			xfrm_state_put(sa->new);
		else if (sa->new)
			espmob_discard_state(sa->new);
		espmob_snap_free(&sa->snap);
		xfrm_state_put(sa->old);
		kfree(sa);
	}
	kvfree(ctx->retirement);	/* unless the commit started it */
	espmob_keyset_free(&ctx->old_states);
	espmob_keyset_free(&ctx->sa_kinds);
	espmob_keyset_free(&ctx->old_policies);
}

static bool sa_is_moving(struct espmob_ctx *ctx, const struct xfrm_state *x)
{
	return espmob_keyset_has(&ctx->old_states, espmob_ptr_key(x));
}

/*
 * Is the (daddr, SPI) a clone will take already used by another SA? Not
 * if that SA is one this request moves. xfrm_state_lookup() returns the
 * first match of a hash chain only: when that is the old state of an
 * earlier migration waiting for its deletion (a move straight back), what
 * is behind it cannot be seen, so the request waits for its namespace's
 * pending retirements (a normal grace period) and looks again.
 */
static int check_state_collision(struct espmob_ctx *ctx, struct espmob_sa *sa)
{
	const struct xfrm_state *n = sa->new;
	struct xfrm_state *x;
	bool clash;

	x = espmob_state_lookup(ctx->net, n->mark.v, &n->id.daddr, n->id.spi,
				n->id.proto, n->props.family);
	if (!x)
		return 0;
	clash = !sa_is_moving(ctx, x);
	xfrm_state_put(x);
	if (clash) {
		espmob_sa_error(ctx, n,
				"an SA with this SPI already exists at the new address");
		return -EEXIST;
	}
	return 0;
}

static bool pol_is_moving(struct espmob_ctx *ctx, const struct xfrm_policy *p)
{
	return espmob_keyset_has(&ctx->old_policies, espmob_ptr_key(p));
}

/* A rewritten selector must not land on another policy's selector. */
static int check_policy_collision(struct espmob_ctx *ctx, struct espmob_pol *ep)
{
	struct xfrm_policy *p = ep->new, *found;
	bool clash;
	int err;

	if (!ep->reselect)
		return 0;

	found = xfrm_policy_bysel_ctx(ctx->net, &p->mark, p->if_id, p->type,
				      ep->dir, &p->selector, NULL, 0, &err);
	if (!found)
		return 0;
	clash = !pol_is_moving(ctx, found);
	xfrm_pol_put(found);
	if (clash) {
		NL_SET_ERR_MSG(ctx->extack,
			       "a policy with the new selector already exists");
		return -EEXIST;
	}
	return 0;
}

static int prepare(struct espmob_ctx *ctx)
{
	struct espmob_sa *sa;
	struct espmob_pol *ep;
	int err;

	err = espmob_collect_states(ctx);
	if (err)
		return err;
	err = espmob_collect_policies(ctx);
	if (err)
		return err;

	list_for_each_entry(sa, &ctx->sas, list) {
		err = espmob_build_state(ctx, sa);
		if (err) {
			NL_SET_ERR_MSG(ctx->extack,
				       "cannot build an SA at the new addresses");
			return err;
		}
		err = check_state_collision(ctx, sa);
		if (err)
			return err;
	}

	list_for_each_entry(ep, &ctx->pols, list) {
		err = espmob_build_policy(ctx, ep);
		if (err) {
			NL_SET_ERR_MSG(ctx->extack,
				       "out of memory building policies");
			return err;
		}
		err = check_policy_collision(ctx, ep);
		if (err)
			return err;
	}

	if (espmob_step_fails(ctx))
		ctx->retirement = NULL;
	else
		ctx->retirement = espmob_retirement_alloc(ctx->n_sas);
	if (!ctx->retirement) {
		NL_SET_ERR_MSG(ctx->extack, "out of memory for the request");
		return -ENOMEM;
	}
	return 0;
}

static void unhash_clones(struct espmob_ctx *ctx)
{
	struct espmob_sa *sa;

	list_for_each_entry(sa, &ctx->sas, list) {
		if (!sa->inserted)
			continue;
		xfrm_state_delete(sa->new);
		/* our reference is dropped in ctx_release() */
	}
}

/* Takes the rewritten-selector policies of an interrupted commit out. */
static void remove_reselected(struct espmob_ctx *ctx)
{
	struct espmob_pol *ep;

	list_for_each_entry(ep, &ctx->pols, list)
		if (ep->inserted)
			xfrm_policy_delete(ep->new, ep->dir);
}

static int insert_reselected(struct espmob_ctx *ctx)
{
	struct espmob_pol *ep;
	int err;

	list_for_each_entry(ep, &ctx->pols, list) {
		if (!ep->reselect)
			continue;
		if (espmob_step_fails(ctx))
			err = -ENOMEM;
		else
			err = xfrm_policy_insert(ep->dir, ep->new, 1);
		if (err) {
			NL_SET_ERR_MSG(ctx->extack,
				       "cannot install a policy at the new addresses");
			return err;
		}
		ep->inserted = true;
		espmob_policy_inherit(ep->new, ep->old);
	}
	return 0;
}

/* Same selector: the replacement takes the old policy's place. */
static void swap_policies(struct espmob_ctx *ctx)
{
	struct espmob_pol *ep;

	list_for_each_entry(ep, &ctx->pols, list) {
		if (ep->reselect)
			continue;
		espmob_policy_inherit(ep->new, ep->old);
		ep->inserted = espmob_policy_swap(ep->old, ep->new);
	}
}

/*
 * No key manager hears of the module's own changes: the peer index learns
 * of them here. The old endpoints' group lets go of the states this
 * request collected and of the dead policies; the clones that took over
 * and the policies now in the tables are filed.
 */
static void update_index(struct espmob_ctx *ctx)
{
	struct espmob_sa *sa;
	struct espmob_pol *ep;

	espmob_index_forget(ctx->net, &ctx->req->old, &ctx->old_states);
	list_for_each_entry(sa, &ctx->sas, list)
		if (sa->moved)
			espmob_index_add_state(ctx->net, sa->new);
	list_for_each_entry(ep, &ctx->pols, list)
		if (ep->inserted)
			espmob_index_add_policy(ctx->net, ep->new, ep->dir);
}

static int commit(struct espmob_ctx *ctx, struct espmob_result *res)
{
	struct espmob_sa *sa;
	struct espmob_pol *ep;
	int err;

	/*
	 * Outbound clones are hashed first, so that a lookup through a
	 * switched policy finds one (ERROR: drop, no ACQUIRE). Inbound ones
	 * raise no ACQUIRE and are hashed when they take over.
	 */
	list_for_each_entry(sa, &ctx->sas, list) {
		if (!sa->outbound)
			continue;
		/* the table now owns the allocation reference; keep ours */
		xfrm_state_hold(sa->new);
		xfrm_state_insert(sa->new);
		sa->inserted = true;
	}

	err = insert_reselected(ctx);
	if (err) {
		remove_reselected(ctx);
		unhash_clones(ctx);
		return err;
	}

	/* nothing fails from here on */
	swap_policies(ctx);
	list_for_each_entry(sa, &ctx->sas, list) {
		bool keeps_transform = !!sa->handover;

		sa->moved = espmob_state_switch(sa);
		if (sa->moved) {
			res->states++;
			res->transforms_kept += keeps_transform;
			/* the old state's deletion is audited by retire.c */
			xfrm_audit_state_add(sa->new, 1, true);
		} else {
			xfrm_state_delete(sa->new);
		}
	}

	/*
	 * Audited as xfrm_user's requests are: an audited gateway keeps the
	 * trail of every policy and SA that a migration adds and deletes.
	 */
	list_for_each_entry(ep, &ctx->pols, list) {
		if (!ep->inserted)
			continue;	/* expired meanwhile: not moved */
		if (ep->reselect)
			xfrm_policy_delete(ep->old, ep->dir);
		xfrm_audit_policy_delete(ep->old, 1, true);
		xfrm_audit_policy_add(ep->new, 1, true);
		res->policies++;
	}

	/*
	 * Lookups that started before the policy switch may still be
	 * resolving the old templates under RCU; let them find the retired
	 * states (and drop) rather than nothing (and ACQUIRE): they are
	 * deleted after a grace period.
	 */
	list_for_each_entry(sa, &ctx->sas, list)
		if (sa->moved)
			espmob_retirement_add(ctx->retirement, sa->old);
	espmob_retirement_start(ctx->net, ctx->retirement);
	ctx->retirement = NULL;
	update_index(ctx);
	return 0;
}

int espmob_migrate(struct net *net, const struct espmob_req *req,
		   struct espmob_result *res, struct espmob_fault *fault,
		   struct netlink_ext_ack *extack)
{
	struct espmob_stats *stats = &espmob_pernet(net)->stats;
	struct espmob_ctx ctx = {
		.net = net,
		.req = req,
		.extack = extack,
		.sas = LIST_HEAD_INIT(ctx.sas),
		.pols = LIST_HEAD_INIT(ctx.pols),
		.fault = fault,
	};
	u64 start = ktime_get_ns();
	int err;

	memset(res, 0, sizeof(*res));

	mutex_lock(&net->xfrm.xfrm_cfg_mutex);
	err = prepare(&ctx);
	if (!err && req->dry_run) {
		res->states = ctx.n_sas;
		res->policies = ctx.n_pols;
	} else if (!err) {
		err = commit(&ctx, res);
		if (err)
			atomic64_inc(&stats->rollbacks);
	}
	ctx_release(&ctx);
	mutex_unlock(&net->xfrm.xfrm_cfg_mutex);

	res->duration_ns = ktime_get_ns() - start;

	if (err) {
		atomic64_inc(&stats->failed);
	} else if (req->dry_run) {
		atomic64_inc(&stats->dry_runs);
	} else {
		atomic64_inc(&stats->migrations);
		atomic64_add(res->states, &stats->states_moved);
		atomic64_add(res->policies, &stats->policies_moved);
		atomic64_add(res->transforms_kept, &stats->transforms_kept);
	}
	return err;
}
