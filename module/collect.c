// SPDX-License-Identifier: GPL-2.0
/*
 * Finding what a migration moves: the ESP states between the old endpoints
 * and the policies that lead to them. Collection only takes references.
 *
 * A request that names its SPIs finds each state with one lookup, one that
 * names its policies each policy with one. Otherwise the peer index
 * (index.c) gives the states and policies filed under the old endpoints:
 * O(the peer), not O(the tables). Every candidate is checked here as a
 * walk's entry would be, so a stale one is skipped. Only when the index
 * cannot be made whole (an allocation failed while rebuilding it) are the
 * tables walked, in sections (walk.h): the callbacks allocate atomically,
 * never sleep, and cost O(1) each (keyset.h).
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/xfrm.h>

#include "index.h"
#include "migrate_ctx.h"
#include "walk.h"

enum espmob_dir { ESPMOB_NONE, ESPMOB_OUT, ESPMOB_IN };

static bool addr_eq(const xfrm_address_t *a, const xfrm_address_t *b,
		    unsigned short family)
{
	return xfrm_addr_equal(a, b, family);
}

/* Orientation of a (source, destination) pair against the old endpoints. */
static enum espmob_dir pair_dir(const struct espmob_endpoints *ep,
				const xfrm_address_t *src,
				const xfrm_address_t *dst)
{
	if (addr_eq(src, &ep->local, ep->family) &&
	    addr_eq(dst, &ep->remote, ep->family))
		return ESPMOB_OUT;
	if (addr_eq(src, &ep->remote, ep->family) &&
	    addr_eq(dst, &ep->local, ep->family))
		return ESPMOB_IN;
	return ESPMOB_NONE;
}

static bool mark_selected(const struct espmob_req *req,
			  const struct xfrm_mark *mark)
{
	return !req->has_mark ||
	       (mark->v == req->mark.v && mark->m == req->mark.m);
}

static enum espmob_dir state_selected(const struct espmob_req *req,
				      const struct xfrm_state *x)
{
	if (x->id.proto != IPPROTO_ESP ||
	    x->props.family != req->old.family ||
	    x->km.state != XFRM_STATE_VALID)
		return ESPMOB_NONE;
	if (req->has_reqid && x->props.reqid != req->reqid)
		return ESPMOB_NONE;
	if (req->has_if_id && x->if_id != req->if_id)
		return ESPMOB_NONE;
	if (!mark_selected(req, &x->mark))
		return ESPMOB_NONE;

	return pair_dir(&req->old, &x->props.saddr, &x->id.daddr);
}

static struct espmob_sa *sa_add(struct espmob_ctx *ctx, struct xfrm_state *x,
				enum espmob_dir dir, gfp_t gfp)
{
	struct espmob_sa *sa;

	if (espmob_step_fails(ctx))
		return NULL;

	sa = kzalloc(sizeof(*sa), gfp);
	if (!sa)
		return NULL;

	xfrm_state_hold(x);
	sa->old = x;
	sa->outbound = dir == ESPMOB_OUT;
	list_add_tail(&sa->list, &ctx->sas);
	ctx->n_sas++;
	return sa;
}

static bool sa_listed(struct espmob_ctx *ctx, const struct xfrm_state *x)
{
	struct espmob_sa *sa;

	list_for_each_entry(sa, &ctx->sas, list)
		if (sa->old == x)
			return true;
	return false;
}

/* Looks up @spi at @daddr and adds the SA if the request selects it. */
static int collect_spi_at(struct espmob_ctx *ctx, u32 spi,
			  const xfrm_address_t *daddr, bool *found)
{
	const struct espmob_req *req = ctx->req;
	struct xfrm_state *x;
	enum espmob_dir dir;
	int err = 0;

	x = espmob_state_lookup(ctx->net, req->has_mark ? req->mark.v : 0,
				daddr, htonl(spi), IPPROTO_ESP, req->old.family);
	if (!x)
		return 0;

	dir = state_selected(req, x);
	if (dir != ESPMOB_NONE && !sa_listed(ctx, x)) {
		*found = true;
		if (!sa_add(ctx, x, dir, GFP_KERNEL))
			err = -ENOMEM;
	}
	xfrm_state_put(x);
	return err;
}

static int collect_by_spi(struct espmob_ctx *ctx)
{
	const struct espmob_req *req = ctx->req;
	unsigned int i;
	int err;

	for (i = 0; i < req->n_spis; i++) {
		bool found = false;

		/* an SPI names the outbound SA, the inbound one, or both */
		err = collect_spi_at(ctx, req->spis[i], &req->old.remote,
				     &found);
		if (!err)
			err = collect_spi_at(ctx, req->spis[i],
					     &req->old.local, &found);
		if (err) {
			NL_SET_ERR_MSG(ctx->extack,
				       "out of memory collecting SAs");
			return err;
		}
		if (!found) {
			NL_SET_ERR_MSG_ATTR(ctx->extack, req->spi_attrs[i],
					    "no ESP SA with this SPI between the old endpoints");
			return -ENOENT;
		}
	}
	return 0;
}

static int collect_state_cb(struct xfrm_state *x, int count, void *ptr)
{
	struct espmob_ctx *ctx = ptr;
	enum espmob_dir dir;

	if (espmob_walk_pause(&ctx->walk_budget))
		return ESPMOB_WALK_PAUSE;
	dir = state_selected(ctx->req, x);
	if (dir == ESPMOB_NONE)
		return 0;
	return sa_add(ctx, x, dir, GFP_ATOMIC) ? 0 : -ENOMEM;
}

static int state_walk_once(void *arg, void *walk)
{
	struct espmob_ctx *ctx = arg;

	return xfrm_state_walk(ctx->net, walk, collect_state_cb, ctx);
}

static int collect_by_walk(struct espmob_ctx *ctx)
{
	struct xfrm_state_walk walk;
	int err;

	/*
	 * Every protocol, so that each entry the walk passes counts against
	 * the chunk: the callback keeps the ESP states.
	 */
	xfrm_state_walk_init(&walk, 0, NULL);
	err = espmob_walk_in_chunks(&ctx->walk_budget, state_walk_once, ctx,
				    &walk);
	xfrm_state_walk_done(&walk, ctx->net);
	if (err)
		NL_SET_ERR_MSG(ctx->extack, "out of memory collecting SAs");
	return err;
}

/* The states the peer index files under the old endpoints. */
static int collect_by_index(struct espmob_ctx *ctx)
{
	struct espmob_ix_ref *xs = NULL;
	unsigned int n = 0, i;
	int err = -ENOMEM;

	if (!espmob_step_fails(ctx))
		err = espmob_index_states(ctx->net, &ctx->req->old, &xs, &n);
	for (i = 0; i < n; i++) {
		enum espmob_dir dir = state_selected(ctx->req, xs[i].x);

		if (!err && dir != ESPMOB_NONE &&
		    !sa_add(ctx, xs[i].x, dir, GFP_KERNEL))
			err = -ENOMEM;
		xfrm_state_put(xs[i].x);
	}
	kvfree(xs);
	if (err)
		NL_SET_ERR_MSG(ctx->extack, "out of memory collecting SAs");
	return err;
}

/* What this module can rebuild faithfully. */
static int check_state(struct espmob_ctx *ctx, const struct xfrm_state *x)
{
	const struct espmob_req *req = ctx->req;

	if (x->xso.dev) {
		espmob_sa_error(ctx, x,
				"hardware-offloaded SAs cannot be migrated");
		return -EOPNOTSUPP;
	}
	if (x->security) {
		espmob_sa_error(ctx, x,
				"SAs with a security context cannot be migrated");
		return -EOPNOTSUPP;
	}
	if (x->props.mode != XFRM_MODE_TUNNEL &&
	    x->props.mode != XFRM_MODE_TRANSPORT) {
		espmob_sa_error(ctx, x,
				"only tunnel and transport mode SAs can be migrated");
		return -EOPNOTSUPP;
	}
	if (x->props.mode == XFRM_MODE_TRANSPORT &&
	    req->old.family != req->new.family) {
		espmob_sa_error(ctx, x,
				"transport mode SAs cannot change address family");
		return -EAFNOSUPPORT;
	}
	return 0;
}

/* Indexes the collected SAs for the policy walk and the collision checks. */
static int index_states(struct espmob_ctx *ctx)
{
	struct espmob_sa *sa;

	if (espmob_step_fails(ctx) ||
	    espmob_keyset_init(&ctx->old_states, ctx->n_sas) ||
	    espmob_keyset_init(&ctx->sa_kinds, ctx->n_sas)) {
		NL_SET_ERR_MSG(ctx->extack, "out of memory collecting SAs");
		return -ENOMEM;
	}
	list_for_each_entry(sa, &ctx->sas, list) {
		const struct xfrm_state *x = sa->old;

		espmob_keyset_add(&ctx->old_states, espmob_ptr_key(x));
		espmob_keyset_add(&ctx->sa_kinds,
				  espmob_sa_kind(x->props.mode, x->props.reqid));
		if (x->props.mode < XFRM_MODE_MAX)
			ctx->n_sas_in_mode[x->props.mode]++;
	}
	return 0;
}

int espmob_collect_states(struct espmob_ctx *ctx)
{
	struct espmob_sa *sa;
	int err;

	if (ctx->req->n_spis)
		err = collect_by_spi(ctx);
	else if (espmob_index_whole(ctx->net))
		err = collect_by_index(ctx);
	else
		err = collect_by_walk(ctx);
	if (err)
		return err;

	if (!ctx->n_sas) {
		NL_SET_ERR_MSG(ctx->extack,
			       "no ESP SA between the old endpoints matches the request");
		return -ENOENT;
	}

	list_for_each_entry(sa, &ctx->sas, list) {
		err = check_state(ctx, sa->old);
		if (err)
			return err;
	}
	return index_states(ctx);
}

/*
 * Does template @t resolve to one of the SAs this request moves? Every
 * collected SA is ESP, so that is the SA's mode and, unless the template
 * takes any reqid, its reqid.
 */
static bool tmpl_uses_moved_sa(struct espmob_ctx *ctx,
			       const struct xfrm_tmpl *t)
{
	if (t->id.proto != IPPROTO_ESP || t->mode >= XFRM_MODE_MAX)
		return false;
	if (!t->reqid)
		return ctx->n_sas_in_mode[t->mode] > 0;
	return espmob_keyset_has(&ctx->sa_kinds,
				 espmob_sa_kind(t->mode, t->reqid));
}

static bool sel_is_old_pair(const struct espmob_endpoints *ep,
			    const struct xfrm_selector *sel)
{
	unsigned int full = espmob_full_prefix(ep->family);

	return sel->family == ep->family &&
	       sel->prefixlen_s == full && sel->prefixlen_d == full &&
	       pair_dir(ep, &sel->saddr, &sel->daddr) != ESPMOB_NONE;
}

/*
 * A policy moves when it leads to a moved SA and either one of its tunnel
 * templates carries the old endpoints (the templates are rewritten) or it is
 * a transport mode policy whose selector is the old host pair (the selector
 * is rewritten). Returns false for policies this request leaves alone.
 */
static bool policy_selected(struct espmob_ctx *ctx, struct xfrm_policy *pol,
			    int dir, bool *reselect, bool *other_proto)
{
	const struct espmob_req *req = ctx->req;
	bool uses_sa = false, tunnel_hit = false, transport = true;
	int i;

	*other_proto = false;

	if (dir >= XFRM_POLICY_MAX || pol->walk.dead)
		return false;
	if (req->has_if_id && pol->if_id != req->if_id)
		return false;
	if (!mark_selected(req, &pol->mark))
		return false;

	for (i = 0; i < pol->xfrm_nr; i++) {
		const struct xfrm_tmpl *t = &pol->xfrm_vec[i];

		bool names_old_pair = false;

		if (t->mode != XFRM_MODE_TRANSPORT) {
			transport = false;
			names_old_pair = t->encap_family == req->old.family &&
					 pair_dir(&req->old, &t->saddr,
						  &t->id.daddr) != ESPMOB_NONE;
			tunnel_hit |= names_old_pair;
		}
		/* an AH or IPComp layer between the same hosts */
		if (t->id.proto != IPPROTO_ESP &&
		    (names_old_pair || t->mode == XFRM_MODE_TRANSPORT))
			*other_proto = true;
		if (tmpl_uses_moved_sa(ctx, t))
			uses_sa = true;
	}
	if (!uses_sa)
		return false;

	*reselect = transport && pol->xfrm_nr > 0 &&
		    sel_is_old_pair(&req->old, &pol->selector);
	return tunnel_hit || *reselect;
}

/*
 * Only ESP states are collected and moved. A policy that moves and also
 * applies AH or IPComp between the same hosts (strongSwan's compress=yes:
 * an IPComp tunnel template in front of an ESP transport one, with the
 * IPComp SA and its IPIP state) would be left pointing at AH or IPComp
 * SAs that stayed at the old addresses: every packet would then raise an
 * ACQUIRE and be dropped. Such a request is refused, changing nothing.
 */
#define ESPMOB_OTHER_PROTO_MSG \
	"a policy of this peer also applies AH or IPComp, which cannot be migrated"

static int refuse_other_proto(struct espmob_ctx *ctx, const struct nlattr *attr)
{
	if (attr)
		NL_SET_ERR_MSG_ATTR(ctx->extack, attr, ESPMOB_OTHER_PROTO_MSG);
	else
		NL_SET_ERR_MSG(ctx->extack, ESPMOB_OTHER_PROTO_MSG);
	return -EOPNOTSUPP;
}

static int pol_add(struct espmob_ctx *ctx, struct xfrm_policy *pol, int dir,
		   bool reselect, gfp_t gfp)
{
	struct espmob_pol *ep;

	if (espmob_step_fails(ctx))
		return -ENOMEM;

	ep = kzalloc(sizeof(*ep), gfp);
	if (!ep)
		return -ENOMEM;

	xfrm_pol_hold(pol);
	ep->old = pol;
	ep->dir = dir;
	ep->reselect = reselect;
	list_add_tail(&ep->list, &ctx->pols);
	ctx->n_pols++;
	return 0;
}

static int collect_policy_cb(struct xfrm_policy *pol, int dir, int count,
			     void *ptr)
{
	struct espmob_ctx *ctx = ptr;
	bool reselect, other_proto;

	if (espmob_walk_pause(&ctx->walk_budget))
		return ESPMOB_WALK_PAUSE;
	if (!policy_selected(ctx, pol, dir, &reselect, &other_proto))
		return 0;
	if (other_proto)
		return refuse_other_proto(ctx, NULL);
	return pol_add(ctx, pol, dir, reselect, GFP_ATOMIC);
}

static int policy_walk_once(void *arg, void *walk)
{
	struct espmob_ctx *ctx = arg;

	return xfrm_policy_walk(ctx->net, walk, collect_policy_cb, ctx);
}

static int collect_policies_by_walk(struct espmob_ctx *ctx)
{
	struct xfrm_policy_walk walk;
	int err;

	xfrm_policy_walk_init(&walk, XFRM_POLICY_TYPE_ANY);
	err = espmob_walk_in_chunks(&ctx->walk_budget, policy_walk_once, ctx,
				    &walk);
	xfrm_policy_walk_done(&walk, ctx->net);
	if (err == -EOPNOTSUPP)
		return err;	/* refuse_other_proto() said why */
	if (err)
		NL_SET_ERR_MSG(ctx->extack,
			       "out of memory collecting policies");
	return err;
}

/* The policies the peer index files under the old endpoints. */
static int collect_policies_by_index(struct espmob_ctx *ctx)
{
	struct espmob_ix_ref *ps = NULL;
	unsigned int n = 0, i;
	int err = -ENOMEM;

	if (!espmob_step_fails(ctx))
		err = espmob_index_policies(ctx->net, &ctx->req->old, &ps, &n);
	if (err)
		NL_SET_ERR_MSG(ctx->extack, "out of memory collecting policies");
	for (i = 0; i < n; i++) {
		bool reselect, other_proto;

		if (!err && policy_selected(ctx, ps[i].pol, ps[i].dir,
					    &reselect, &other_proto)) {
			if (other_proto)
				err = refuse_other_proto(ctx, NULL);
			else if (pol_add(ctx, ps[i].pol, ps[i].dir, reselect,
					 GFP_KERNEL))
				err = -ENOMEM;
			if (err == -ENOMEM)
				NL_SET_ERR_MSG(ctx->extack,
					       "out of memory collecting policies");
		}
		xfrm_pol_put(ps[i].pol);
	}
	kvfree(ps);
	return err;
}

static int collect_policies_by_ref(struct espmob_ctx *ctx)
{
	static const struct xfrm_mark no_mark;
	const struct espmob_req *req = ctx->req;
	unsigned int i;

	for (i = 0; i < req->n_pols; i++) {
		const struct espmob_pol_ref *ref = &req->pols[i];
		struct xfrm_policy *pol;
		bool reselect, other_proto;
		int err = 0;

		pol = xfrm_policy_byid(ctx->net,
				       req->has_mark ? &req->mark : &no_mark,
				       req->has_if_id ? req->if_id : 0,
				       ref->type, ref->dir,
				       ref->index, 0, &err);
		if (!pol) {
			NL_SET_ERR_MSG_ATTR(ctx->extack, ref->attr,
					    "no policy with this index and direction");
			return -ENOENT;
		}
		if (!policy_selected(ctx, pol, ref->dir, &reselect,
				     &other_proto)) {
			NL_SET_ERR_MSG_ATTR(ctx->extack, ref->attr,
					    "policy does not lead to a migrated SA at the old endpoints");
			err = -EINVAL;
		} else if (other_proto) {
			err = refuse_other_proto(ctx, ref->attr);
		} else {
			err = pol_add(ctx, pol, ref->dir, reselect, GFP_KERNEL);
			if (err)
				NL_SET_ERR_MSG(ctx->extack,
					       "out of memory collecting policies");
		}
		xfrm_pol_put(pol);
		if (err)
			return err;
	}
	return 0;
}

int espmob_collect_policies(struct espmob_ctx *ctx)
{
	struct espmob_pol *ep;

	int err;

	if (ctx->req->n_pols)
		err = collect_policies_by_ref(ctx);
	else if (espmob_index_whole(ctx->net))
		err = collect_policies_by_index(ctx);
	else
		err = collect_policies_by_walk(ctx);
	if (err)
		return err;

	list_for_each_entry(ep, &ctx->pols, list) {
		if (ep->old->security) {
			NL_SET_ERR_MSG(ctx->extack,
				       "policies with a security context cannot be migrated");
			return -EOPNOTSUPP;
		}
		if (espmob_policy_offloaded(ep->old)) {
			NL_SET_ERR_MSG_MOD(ctx->extack,
					   "hardware-offloaded policies cannot be migrated");
			return -EOPNOTSUPP;
		}
	}

	if (espmob_step_fails(ctx) ||
	    espmob_keyset_init(&ctx->old_policies, ctx->n_pols)) {
		NL_SET_ERR_MSG(ctx->extack,
			       "out of memory collecting policies");
		return -ENOMEM;
	}
	list_for_each_entry(ep, &ctx->pols, list)
		espmob_keyset_add(&ctx->old_policies, espmob_ptr_key(ep->old));
	return 0;
}
