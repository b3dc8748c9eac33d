/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What one migration collects and builds before it commits. Everything here
 * is private to the request and lives under net->xfrm.xfrm_cfg_mutex.
 */
#ifndef _ESPMOB_MIGRATE_CTX_H
#define _ESPMOB_MIGRATE_CTX_H

#include <linux/list.h>
#include <net/xfrm.h>

#include "compat.h"
#include "keyset.h"
#include "migrate.h"

/* Replay, lifetime and statistics state moved from an old SA to its clone. */
struct espmob_snap {
	struct xfrm_replay_state replay;
	struct xfrm_replay_state preplay;
	struct xfrm_replay_state_esn *replay_esn;	/* NULL without ESN */
	struct xfrm_replay_state_esn *preplay_esn;
	struct xfrm_lifetime_cur curlft;
	struct xfrm_stats stats;
	time64_t lastused;
	long saved_tmo;
	u32 xflags;
	u8 dying;
	struct espmob_keepalive keepalive;
};

struct espmob_sa {
	struct list_head list;
	struct xfrm_state *old;		/* held */
	struct xfrm_state *new;		/* our reference, never VALID before commit */
	struct espmob_snap snap;
	struct espmob_handover *handover; /* new uses old's transform */
	bool outbound;
	bool inserted;
	bool moved;
};

struct espmob_pol {
	struct list_head list;
	struct xfrm_policy *old;	/* held */
	struct xfrm_policy *new;	/* our reference */
	int dir;
	bool reselect;			/* new selector: insert, then delete old */
	bool inserted;			/* new is in the tables */
};

struct espmob_ctx {
	struct net *net;
	const struct espmob_req *req;
	struct netlink_ext_ack *extack;

	struct list_head sas;
	struct list_head pols;
	unsigned int n_sas;
	unsigned int n_pols;

	/*
	 * Indexes over the two lists, built once each list is complete, so
	 * that the policy walk and the collision checks cost O(1) per entry
	 * they examine rather than a walk of the lists.
	 */
	struct espmob_keyset old_states;	/* espmob_ptr_key(sa->old) */
	struct espmob_keyset sa_kinds;		/* espmob_sa_kind(mode, reqid) */
	unsigned int n_sas_in_mode[XFRM_MODE_MAX];
	struct espmob_keyset old_policies;	/* espmob_ptr_key(ep->old) */

	/* entries a table walk may still visit before it pauses */
	unsigned int walk_budget;

	/* the moved SAs' old states, deleted after a grace period */
	struct espmob_retirement *retirement;

	/* fault injection, counted across the whole request */
	struct espmob_fault *fault;
};

static inline bool espmob_step_fails(struct espmob_ctx *ctx)
{
	return espmob_fault(ctx->fault);
}

/*
 * Rejects the request because of one SA: the message says why, the extack
 * cookie carries the SA's SPI (host order, like ESPMOB_A_SPI) so the
 * caller knows which.
 */
static inline void espmob_sa_error(struct espmob_ctx *ctx,
				   const struct xfrm_state *x, const char *msg)
{
	struct netlink_ext_ack *extack = ctx->extack;
	u32 spi = ntohl(x->id.spi);

	if (!extack)
		return;
	extack->_msg = msg;
	BUILD_BUG_ON(sizeof(spi) > NETLINK_MAX_COOKIE_LEN);
	memcpy(extack->cookie, &spi, sizeof(spi));
	extack->cookie_len = sizeof(spi);
}

/* The key of an ESP SA's (mode, reqid) in espmob_ctx.sa_kinds. */
static inline u64 espmob_sa_kind(u8 mode, u32 reqid)
{
	return BIT_ULL(63) | (u64)mode << 32 | reqid;
}

/* collect.c */
int espmob_collect_states(struct espmob_ctx *ctx);
int espmob_collect_policies(struct espmob_ctx *ctx);

/* clone.c */
int espmob_build_state(struct espmob_ctx *ctx, struct espmob_sa *sa);
int espmob_build_policy(struct espmob_ctx *ctx, struct espmob_pol *ep);
void espmob_discard_state(struct xfrm_state *x);
void espmob_discard_policy(struct xfrm_policy *pol);
void espmob_snap_free(struct espmob_snap *snap);
bool espmob_state_switch(struct espmob_sa *sa);
void espmob_policy_inherit(struct xfrm_policy *new, struct xfrm_policy *old);

/* transform.c */
struct espmob_handover;
int espmob_adopt_transform(struct espmob_ctx *ctx, struct espmob_sa *sa,
			   struct xfrm_state *x);
void espmob_handover_cancel(struct xfrm_state *heir,
			    struct espmob_handover *h);
void espmob_handover_retire(struct xfrm_state *old,
			    struct espmob_handover *h);
void espmob_handover_commit(struct xfrm_state *old, struct xfrm_state *heir,
			    const struct xfrm_type *real,
			    struct espmob_handover *h);

/* retire.c */
struct espmob_retirement *espmob_retirement_alloc(unsigned int states);
void espmob_retirement_add(struct espmob_retirement *r, struct xfrm_state *x);
void espmob_retirement_start(struct net *net, struct espmob_retirement *r);
void espmob_retirement_wait(struct net *net);
bool espmob_retirement_holds(struct net *net, const struct xfrm_state *x);
struct xfrm_state *espmob_state_lookup(struct net *net, u32 mark,
				       const xfrm_address_t *daddr, __be32 spi,
				       u8 proto, unsigned short family);

/* policy_swap.c */
bool espmob_policy_swap(struct xfrm_policy *old, struct xfrm_policy *new);

/* address helpers shared by collect.c and clone.c */
static inline unsigned int espmob_full_prefix(unsigned short family)
{
	return family == AF_INET ? 32 : 128;
}

#endif /* _ESPMOB_MIGRATE_CTX_H */
