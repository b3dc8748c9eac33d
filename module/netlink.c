// SPDX-License-Identifier: GPL-2.0
/*
 * The "esp_mobility" generic netlink family: request parsing, replies and
 * the "migrate" multicast group.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include <uapi/linux/esp_mobility.h>

#include "esp_mobility.h"
#include "migrate.h"

/*
 * The policies below are ABI 1.0 as Documentation/netlink/specs/
 * esp_mobility.yaml describes it; scripts/ynl-check compares them with the
 * spec. Every command has its own: what is not a request attribute of that
 * command is refused with a message, not ignored.
 */
static const struct nla_policy espmob_ep_policy[ESPMOB_EP_A_MAX + 1] = {
	[ESPMOB_EP_A_LOCAL_IPV4] = { .type = NLA_BE32 },
	[ESPMOB_EP_A_LOCAL_IPV6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[ESPMOB_EP_A_REMOTE_IPV4] = { .type = NLA_BE32 },
	[ESPMOB_EP_A_REMOTE_IPV6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy espmob_mark_policy[ESPMOB_MARK_A_MAX + 1] = {
	[ESPMOB_MARK_A_VALUE] = { .type = NLA_U32 },
	[ESPMOB_MARK_A_MASK] = { .type = NLA_U32 },
};

static const struct nla_policy espmob_encap_policy[ESPMOB_ENCAP_A_MAX + 1] = {
	[ESPMOB_ENCAP_A_MODE] = NLA_POLICY_MAX(NLA_U8, ESPMOB_ENCAP_MAX),
	[ESPMOB_ENCAP_A_LOCAL_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[ESPMOB_ENCAP_A_REMOTE_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

static const struct nla_policy espmob_pol_policy[ESPMOB_POL_A_MAX + 1] = {
	[ESPMOB_POL_A_INDEX] = { .type = NLA_U32 },
	[ESPMOB_POL_A_DIR] = NLA_POLICY_MAX(NLA_U8, XFRM_POLICY_FWD),
	[ESPMOB_POL_A_TYPE] = NLA_POLICY_MAX(NLA_U8, XFRM_POLICY_TYPE_SUB),
};

#define ESPMOB_REPLY_ONLY {					\
	.type = NLA_REJECT,						\
	.reject_message = "a reply attribute, not part of a request",	\
}

static const struct nla_policy espmob_get_info_policy[ESPMOB_A_MAX + 1] = {
	[ESPMOB_A_ABI_VERSION ... ESPMOB_A_MAX] = {
		.type = NLA_REJECT,
		.reject_message = "GET_INFO takes no attributes",
	},
};

static const struct nla_policy espmob_migrate_policy[ESPMOB_A_MAX + 1] = {
	[ESPMOB_A_ABI_VERSION] = ESPMOB_REPLY_ONLY,
	[ESPMOB_A_STATS] = ESPMOB_REPLY_ONLY,
	[ESPMOB_A_OLD] = NLA_POLICY_NESTED(espmob_ep_policy),
	[ESPMOB_A_NEW] = NLA_POLICY_NESTED(espmob_ep_policy),
	[ESPMOB_A_SPI] = NLA_POLICY_MIN(NLA_U32, 1),
	[ESPMOB_A_REQID] = NLA_POLICY_MIN(NLA_U32, 1),
	[ESPMOB_A_MARK] = NLA_POLICY_NESTED(espmob_mark_policy),
	[ESPMOB_A_IF_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[ESPMOB_A_ENCAP] = NLA_POLICY_NESTED(espmob_encap_policy),
	[ESPMOB_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, ESPMOB_F_MASK),
	[ESPMOB_A_POLICY] = NLA_POLICY_NESTED(espmob_pol_policy),
	[ESPMOB_A_RESULT] = ESPMOB_REPLY_ONLY,
};

static struct genl_family espmob_family;

enum espmob_mcgrp_ids {
	ESPMOB_MCGRP_ID_MIGRATE,
};

/*
 * A notification carries a peer's old and new addresses: a road warrior's
 * location trail. Generic netlink lets any socket join a group unless the
 * group says otherwise (the ops' GENL_*_PERM flags mean nothing here), so
 * the group asks for CAP_NET_ADMIN in the netns's user namespace, the
 * same as the commands.
 */
static const struct genl_multicast_group espmob_mcgrps[] = {
	[ESPMOB_MCGRP_ID_MIGRATE] = {
		.name = ESPMOB_MCGRP_MIGRATE,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

static int espmob_put_stats(struct sk_buff *skb, const struct espmob_net *en)
{
	const struct espmob_stats *s = &en->stats;
	u64 retiring = atomic_read(&en->retiring);
	struct nlattr *nest;

	nest = nla_nest_start(skb, ESPMOB_A_STATS);
	if (!nest)
		return -EMSGSIZE;

	if (nla_put_u64_64bit(skb, ESPMOB_STATS_A_MIGRATIONS,
			      atomic64_read(&s->migrations), ESPMOB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, ESPMOB_STATS_A_FAILED,
			      atomic64_read(&s->failed), ESPMOB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, ESPMOB_STATS_A_DRY_RUNS,
			      atomic64_read(&s->dry_runs), ESPMOB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, ESPMOB_STATS_A_STATES_MOVED,
			      atomic64_read(&s->states_moved),
			      ESPMOB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, ESPMOB_STATS_A_POLICIES_MOVED,
			      atomic64_read(&s->policies_moved),
			      ESPMOB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, ESPMOB_STATS_A_ROLLBACKS,
			      atomic64_read(&s->rollbacks), ESPMOB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, ESPMOB_STATS_A_TRANSFORMS_KEPT,
			      atomic64_read(&s->transforms_kept),
			      ESPMOB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, ESPMOB_STATS_A_RETIRING, retiring,
			      ESPMOB_STATS_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}

	nla_nest_end(skb, nest);
	return 0;
}

static int espmob_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct espmob_net *en = espmob_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &espmob_family, 0,
				ESPMOB_CMD_GET_INFO);
	if (!hdr)
		goto nla_failure;

	if (nla_put_u32(msg, ESPMOB_A_ABI_VERSION, ESPMOB_ABI_VERSION) ||
	    espmob_put_stats(msg, en))
		goto nla_failure;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static bool addr_unusable(const xfrm_address_t *a, unsigned short family)
{
	if (family == AF_INET)
		return ipv4_is_zeronet(a->a4) || ipv4_is_multicast(a->a4) ||
		       ipv4_is_lbcast(a->a4);
	return ipv6_addr_any(&a->in6) || ipv6_addr_is_multicast(&a->in6);
}

static void nla_get_addr(xfrm_address_t *a, const struct nlattr *nla)
{
	memset(a, 0, sizeof(*a));
	memcpy(a, nla_data(nla), nla_len(nla));
}

static int parse_endpoints(struct nlattr *nest, struct espmob_endpoints *ep,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[ESPMOB_EP_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, ESPMOB_EP_A_MAX, nest, espmob_ep_policy,
			       extack);
	if (err)
		return err;

	if (tb[ESPMOB_EP_A_LOCAL_IPV4] && tb[ESPMOB_EP_A_REMOTE_IPV4] &&
	    !tb[ESPMOB_EP_A_LOCAL_IPV6] && !tb[ESPMOB_EP_A_REMOTE_IPV6]) {
		ep->family = AF_INET;
		nla_get_addr(&ep->local, tb[ESPMOB_EP_A_LOCAL_IPV4]);
		nla_get_addr(&ep->remote, tb[ESPMOB_EP_A_REMOTE_IPV4]);
	} else if (tb[ESPMOB_EP_A_LOCAL_IPV6] && tb[ESPMOB_EP_A_REMOTE_IPV6] &&
		   !tb[ESPMOB_EP_A_LOCAL_IPV4] && !tb[ESPMOB_EP_A_REMOTE_IPV4]) {
		ep->family = AF_INET6;
		nla_get_addr(&ep->local, tb[ESPMOB_EP_A_LOCAL_IPV6]);
		nla_get_addr(&ep->remote, tb[ESPMOB_EP_A_REMOTE_IPV6]);
	} else {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "endpoints need one local and one remote address of one family");
		return -EINVAL;
	}

	if (addr_unusable(&ep->local, ep->family) ||
	    addr_unusable(&ep->remote, ep->family)) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "endpoint addresses must be unicast and specified");
		return -EINVAL;
	}
	if (xfrm_addr_equal(&ep->local, &ep->remote, ep->family)) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "local and remote address are the same");
		return -EINVAL;
	}
	return 0;
}

static bool endpoints_equal(const struct espmob_endpoints *a,
			    const struct espmob_endpoints *b)
{
	return a->family == b->family &&
	       xfrm_addr_equal(&a->local, &b->local, a->family) &&
	       xfrm_addr_equal(&a->remote, &b->remote, a->family);
}

static int parse_spi(struct nlattr *nla, struct espmob_req *req,
		     struct netlink_ext_ack *extack)
{
	u32 spi = nla_get_u32(nla);
	unsigned int i;

	if (req->n_spis == ESPMOB_MAX_SPIS) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "too many SPIs");
		return -E2BIG;
	}
	for (i = 0; i < req->n_spis; i++) {
		if (req->spis[i] == spi) {
			NL_SET_ERR_MSG_ATTR(extack, nla, "SPI listed twice");
			return -EINVAL;
		}
	}
	req->spi_attrs[req->n_spis] = nla;
	req->spis[req->n_spis++] = spi;
	return 0;
}

static int parse_policy(struct nlattr *nla, struct espmob_req *req,
			struct netlink_ext_ack *extack)
{
	struct espmob_pol_ref *ref = &req->pols[req->n_pols];
	struct nlattr *tb[ESPMOB_POL_A_MAX + 1];
	unsigned int i;
	int err;

	if (req->n_pols == ESPMOB_MAX_POLICIES) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "too many policies");
		return -E2BIG;
	}
	err = nla_parse_nested(tb, ESPMOB_POL_A_MAX, nla, espmob_pol_policy,
			       extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nla, tb, ESPMOB_POL_A_INDEX) ||
	    NL_REQ_ATTR_CHECK(extack, nla, tb, ESPMOB_POL_A_DIR)) {
		NL_SET_ERR_MSG(extack, "a policy needs an index and a direction");
		return -EINVAL;
	}
	ref->index = nla_get_u32(tb[ESPMOB_POL_A_INDEX]);
	ref->dir = nla_get_u8(tb[ESPMOB_POL_A_DIR]);
	ref->type = tb[ESPMOB_POL_A_TYPE] ? nla_get_u8(tb[ESPMOB_POL_A_TYPE]) :
					    XFRM_POLICY_TYPE_MAIN;
	ref->attr = nla;

	for (i = 0; i < req->n_pols; i++) {
		if (req->pols[i].index == ref->index &&
		    req->pols[i].dir == ref->dir &&
		    req->pols[i].type == ref->type) {
			NL_SET_ERR_MSG_ATTR(extack, nla, "policy listed twice");
			return -EINVAL;
		}
	}
	req->n_pols++;
	return 0;
}

/*
 * ESPMOB_A_SPI and ESPMOB_A_POLICY may repeat; info->attrs holds only the
 * last of each, so walk the message. Policy validation has already
 * checked every occurrence.
 */
static int parse_repeated(struct genl_info *info, struct espmob_req *req)
{
	struct nlattr *nla;
	int rem, err = 0;

	nla_for_each_attr(nla, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		switch (nla_type(nla)) {
		case ESPMOB_A_SPI:
			err = parse_spi(nla, req, info->extack);
			break;
		case ESPMOB_A_POLICY:
			err = parse_policy(nla, req, info->extack);
			break;
		}
		if (err)
			return err;
	}
	return 0;
}

static int parse_mark(struct nlattr *nest, struct espmob_req *req,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[ESPMOB_MARK_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, ESPMOB_MARK_A_MAX, nest, espmob_mark_policy,
			       extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, ESPMOB_MARK_A_VALUE)) {
		NL_SET_ERR_MSG(extack, "a mark needs a value");
		return -EINVAL;
	}
	req->has_mark = true;
	req->mark.v = nla_get_u32(tb[ESPMOB_MARK_A_VALUE]);
	req->mark.m = tb[ESPMOB_MARK_A_MASK] ?
		      nla_get_u32(tb[ESPMOB_MARK_A_MASK]) : 0xffffffff;
	return 0;
}

static int parse_encap(struct nlattr *nest, struct espmob_req *req,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[ESPMOB_ENCAP_A_MAX + 1];
	bool ports;
	int err;

	err = nla_parse_nested(tb, ESPMOB_ENCAP_A_MAX, nest,
			       espmob_encap_policy, extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, ESPMOB_ENCAP_A_MODE)) {
		NL_SET_ERR_MSG(extack, "encapsulation needs a mode");
		return -EINVAL;
	}

	ports = tb[ESPMOB_ENCAP_A_LOCAL_PORT] || tb[ESPMOB_ENCAP_A_REMOTE_PORT];
	if (nla_get_u8(tb[ESPMOB_ENCAP_A_MODE]) == ESPMOB_ENCAP_NONE) {
		if (ports) {
			NL_SET_ERR_MSG_ATTR(extack, nest,
					    "ports given for removed encapsulation");
			return -EINVAL;
		}
		req->encap = ESPMOB_ENCAP_REMOVE;
		return 0;
	}

	if (!tb[ESPMOB_ENCAP_A_LOCAL_PORT] || !tb[ESPMOB_ENCAP_A_REMOTE_PORT]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "espinudp needs a local and a remote port");
		return -EINVAL;
	}
	req->encap = ESPMOB_ENCAP_SET;
	req->encap_lport = htons(nla_get_u16(tb[ESPMOB_ENCAP_A_LOCAL_PORT]));
	req->encap_rport = htons(nla_get_u16(tb[ESPMOB_ENCAP_A_REMOTE_PORT]));
	return 0;
}

static int parse_migrate(struct genl_info *info, struct espmob_req *req)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, ESPMOB_A_OLD)) {
		NL_SET_ERR_MSG(extack, "the old endpoints are missing");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, ESPMOB_A_NEW)) {
		NL_SET_ERR_MSG(extack, "the new endpoints are missing");
		return -EINVAL;
	}

	err = parse_endpoints(attrs[ESPMOB_A_OLD], &req->old, extack);
	if (err)
		return err;
	err = parse_endpoints(attrs[ESPMOB_A_NEW], &req->new, extack);
	if (err)
		return err;
	if (endpoints_equal(&req->old, &req->new)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[ESPMOB_A_NEW],
				    "new endpoints equal the old ones");
		return -EINVAL;
	}

	err = parse_repeated(info, req);
	if (err)
		return err;
	if (attrs[ESPMOB_A_MARK]) {
		err = parse_mark(attrs[ESPMOB_A_MARK], req, extack);
		if (err)
			return err;
	}
	if (attrs[ESPMOB_A_ENCAP]) {
		err = parse_encap(attrs[ESPMOB_A_ENCAP], req, extack);
		if (err)
			return err;
	}
	if (attrs[ESPMOB_A_REQID]) {
		req->has_reqid = true;
		req->reqid = nla_get_u32(attrs[ESPMOB_A_REQID]);
	}
	if (attrs[ESPMOB_A_IF_ID]) {
		req->has_if_id = true;
		req->if_id = nla_get_u32(attrs[ESPMOB_A_IF_ID]);
	}
	if (attrs[ESPMOB_A_FLAGS])
		req->dry_run = nla_get_u32(attrs[ESPMOB_A_FLAGS]) &
			       ESPMOB_F_DRY_RUN;
	return 0;
}

static int put_endpoints(struct sk_buff *skb, int type,
			 const struct espmob_endpoints *ep)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	int err;

	if (!nest)
		return -EMSGSIZE;
	if (ep->family == AF_INET)
		err = nla_put_in_addr(skb, ESPMOB_EP_A_LOCAL_IPV4,
				      ep->local.a4) ||
		      nla_put_in_addr(skb, ESPMOB_EP_A_REMOTE_IPV4,
				      ep->remote.a4);
	else
		err = nla_put_in6_addr(skb, ESPMOB_EP_A_LOCAL_IPV6,
				       &ep->local.in6) ||
		      nla_put_in6_addr(skb, ESPMOB_EP_A_REMOTE_IPV6,
				       &ep->remote.in6);
	if (err) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_result(struct sk_buff *skb, const struct espmob_result *res,
		      bool dry_run)
{
	struct nlattr *nest = nla_nest_start(skb, ESPMOB_A_RESULT);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, ESPMOB_RESULT_A_STATES, res->states) ||
	    nla_put_u32(skb, ESPMOB_RESULT_A_POLICIES, res->policies) ||
	    nla_put_u64_64bit(skb, ESPMOB_RESULT_A_DURATION_NS,
			      res->duration_ns, ESPMOB_RESULT_A_PAD) ||
	    (dry_run && nla_put_flag(skb, ESPMOB_RESULT_A_DRY_RUN))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* A request refused before espmob_migrate(), which counts its own. */
static void count_failure(struct net *net)
{
	atomic64_inc(&espmob_pernet(net)->stats.failed);
}

/* Attribute bytes of an ESPMOB_A_RESULT nest, dry-run flag included. */
static size_t result_size(void)
{
	return nla_total_size(0) +			/* the nest */
	       2 * nla_total_size(sizeof(u32)) +	/* states, policies */
	       nla_total_size_64bit(sizeof(u64)) +	/* duration */
	       nla_total_size(0);			/* dry run */
}

/* Attribute bytes of an ESPMOB_A_OLD or ESPMOB_A_NEW nest, IPv6 at most. */
static size_t endpoints_size(void)
{
	return nla_total_size(0) + 2 * nla_total_size(sizeof(struct in6_addr));
}

/* genlmsg_new() for @size attribute bytes, one fallible step of @fault */
static struct sk_buff *new_msg(struct espmob_fault *fault, size_t size)
{
	return espmob_fault(fault) ? NULL : genlmsg_new(size, GFP_KERNEL);
}

static int fill_notification(struct sk_buff *msg, void *hdr,
			     const struct espmob_req *req,
			     const struct espmob_result *res)
{
	if (!hdr ||
	    put_endpoints(msg, ESPMOB_A_OLD, &req->old) ||
	    put_endpoints(msg, ESPMOB_A_NEW, &req->new) ||
	    put_result(msg, res, false))
		return -EMSGSIZE;
	genlmsg_end(msg, hdr);
	return 0;
}

/*
 * A committed migration cannot be undone, and its caller must hear that it
 * happened. So the reply, and the notification for the netns's "migrate"
 * listeners, are allocated before it: an allocation failure fails the
 * request while nothing has changed yet, and nothing after the commit can
 * fail (the messages are sized for their largest contents). A reply that
 * cannot be delivered (the caller's receive buffer is full) does not turn
 * the migration into an error either: the ack still reports it.
 */
static int espmob_nl_migrate(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct net *net = genl_info_net(info);
	struct sk_buff *reply, *ntf = NULL;
	void *reply_hdr, *ntf_hdr = NULL;
	struct espmob_fault fault;
	struct espmob_result res;
	struct espmob_req *req;
	int err;

	/* two arrays of references make the request too large for the stack */
	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req) {
		NL_SET_ERR_MSG(extack, "out of memory for the request");
		count_failure(net);
		return -ENOMEM;
	}

	err = parse_migrate(info, req);
	if (err) {
		count_failure(net);
		goto out;
	}

	espmob_fault_arm(net, &fault);
	err = -ENOMEM;
	reply = new_msg(&fault, result_size());
	if (!reply) {
		NL_SET_ERR_MSG(extack, "out of memory for the reply");
		count_failure(net);
		goto out;
	}
	reply_hdr = genlmsg_put_reply(reply, info, &espmob_family, 0,
				      ESPMOB_CMD_MIGRATE);

	if (!req->dry_run &&
	    genl_has_listeners(&espmob_family, net, ESPMOB_MCGRP_ID_MIGRATE)) {
		ntf = new_msg(&fault, 2 * endpoints_size() + result_size());
		if (!ntf) {
			NL_SET_ERR_MSG(extack,
				       "out of memory for the notification");
			count_failure(net);
			goto out_free;
		}
		ntf_hdr = genlmsg_put(ntf, 0, 0, &espmob_family, 0,
				      ESPMOB_CMD_MIGRATE_NTF);
	}

	err = espmob_migrate(net, req, &res, &fault, extack);
	if (err)
		goto out_free;	/* espmob_migrate counted the failure */

	if (ntf) {
		if (WARN_ON_ONCE(fill_notification(ntf, ntf_hdr, req, &res)))
			nlmsg_free(ntf);
		else
			genlmsg_multicast_netns(&espmob_family, net, ntf, 0,
						ESPMOB_MCGRP_ID_MIGRATE,
						GFP_KERNEL);
	}
	if (WARN_ON_ONCE(!reply_hdr ||
			 put_result(reply, &res, req->dry_run))) {
		nlmsg_free(reply);
	} else {
		genlmsg_end(reply, reply_hdr);
		genlmsg_reply(reply, info);
	}
	kfree(req);
	return 0;

out_free:
	nlmsg_free(ntf);
	nlmsg_free(reply);
out:
	kfree(req);
	return err;
}

static const struct genl_ops espmob_ops[] = {
	{
		.cmd = ESPMOB_CMD_GET_INFO,
		.doit = espmob_nl_get_info,
		.policy = espmob_get_info_policy,
		.maxattr = ARRAY_SIZE(espmob_get_info_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = ESPMOB_CMD_MIGRATE,
		.doit = espmob_nl_migrate,
		.policy = espmob_migrate_policy,
		.maxattr = ARRAY_SIZE(espmob_migrate_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family espmob_family __ro_after_init = {
	.name = ESPMOB_GENL_NAME,
	.version = ESPMOB_GENL_VERSION,
	.netnsok = true,
	/*
	 * MIGRATE serialises on the namespace's xfrm_cfg_mutex and GET_INFO
	 * reads atomics: no need for genl_mutex, which would make namespaces
	 * wait for each other.
	 */
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = espmob_ops,
	.n_ops = ARRAY_SIZE(espmob_ops),
	/* every command is validated strictly: no legacy leniency */
	.resv_start_op = ESPMOB_CMD_MIGRATE_NTF + 1,
	.mcgrps = espmob_mcgrps,
	.n_mcgrps = ARRAY_SIZE(espmob_mcgrps),
};

int __init espmob_nl_init(void)
{
	return genl_register_family(&espmob_family);
}

void espmob_nl_exit(void)
{
	genl_unregister_family(&espmob_family);
}
