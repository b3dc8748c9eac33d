// SPDX-License-Identifier: GPL-2.0
/*
 * The ESPMOB_CMD_MIGRATE message, exactly as uapi/linux/esp_mobility.h
 * describes it: building it from struct migrate_req, and reading a MIGRATE
 * message (our own request in the tests, a notification in monitor) or a
 * reply's result back.
 */
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "genl.h"
#include "request.h"

/* All mnl_attr_put*_check() calls of one message share its buffer size. */
struct msg {
	struct nlmsghdr *nlh;
	size_t size;
};

static bool put_addr(struct msg *m, uint16_t v4_type, uint16_t v6_type,
		     const struct espmob_addr *a)
{
	if (a->family == AF_INET)
		return mnl_attr_put_check(m->nlh, m->size, v4_type,
					  sizeof(a->v4), &a->v4);
	return mnl_attr_put_check(m->nlh, m->size, v6_type, sizeof(a->v6),
				  &a->v6);
}

static bool put_endpoints(struct msg *m, uint16_t type,
			  const struct espmob_endpoints *ep)
{
	struct nlattr *nest = mnl_attr_nest_start_check(m->nlh, m->size, type);

	if (!nest ||
	    !put_addr(m, ESPMOB_EP_A_LOCAL_IPV4, ESPMOB_EP_A_LOCAL_IPV6,
		      &ep->local) ||
	    !put_addr(m, ESPMOB_EP_A_REMOTE_IPV4, ESPMOB_EP_A_REMOTE_IPV6,
		      &ep->remote))
		return false;
	mnl_attr_nest_end(m->nlh, nest);
	return true;
}

/* ESPMOB_A_SPI repeats, once per SPI (ABI 1.0: no list nest). */
static bool put_spis(struct msg *m, const struct migrate_req *req)
{
	unsigned int i;

	for (i = 0; i < req->n_spis; i++)
		if (!mnl_attr_put_u32_check(m->nlh, m->size, ESPMOB_A_SPI,
					    req->spis[i]))
			return false;
	return true;
}

static bool put_mark(struct msg *m, const struct migrate_req *req)
{
	struct nlattr *nest;

	if (!req->has_mark)
		return true;
	nest = mnl_attr_nest_start_check(m->nlh, m->size, ESPMOB_A_MARK);
	if (!nest ||
	    !mnl_attr_put_u32_check(m->nlh, m->size, ESPMOB_MARK_A_VALUE,
				    req->mark_value) ||
	    !mnl_attr_put_u32_check(m->nlh, m->size, ESPMOB_MARK_A_MASK,
				    req->mark_mask))
		return false;
	mnl_attr_nest_end(m->nlh, nest);
	return true;
}

static bool put_encap(struct msg *m, const struct migrate_req *req)
{
	struct nlattr *nest;

	if (!req->has_encap)
		return true;
	nest = mnl_attr_nest_start_check(m->nlh, m->size, ESPMOB_A_ENCAP);
	if (!nest ||
	    !mnl_attr_put_u8_check(m->nlh, m->size, ESPMOB_ENCAP_A_MODE,
				   req->encap_mode))
		return false;
	if (req->encap_mode == ESPMOB_ENCAP_ESPINUDP &&
	    (!mnl_attr_put_u16_check(m->nlh, m->size,
				     ESPMOB_ENCAP_A_LOCAL_PORT,
				     req->encap_sport) ||
	     !mnl_attr_put_u16_check(m->nlh, m->size,
				     ESPMOB_ENCAP_A_REMOTE_PORT,
				     req->encap_dport)))
		return false;
	mnl_attr_nest_end(m->nlh, nest);
	return true;
}

/* ESPMOB_A_POLICY repeats, once per policy; the type only when not main. */
static bool put_policies(struct msg *m, const struct migrate_req *req)
{
	unsigned int i;

	for (i = 0; i < req->n_policies; i++) {
		const struct espmob_policy_ref *ref = &req->policies[i];
		struct nlattr *pol;

		pol = mnl_attr_nest_start_check(m->nlh, m->size,
						ESPMOB_A_POLICY);
		if (!pol ||
		    !mnl_attr_put_u32_check(m->nlh, m->size,
					    ESPMOB_POL_A_INDEX, ref->index) ||
		    !mnl_attr_put_u8_check(m->nlh, m->size, ESPMOB_POL_A_DIR,
					   ref->dir) ||
		    (ref->type &&
		     !mnl_attr_put_u8_check(m->nlh, m->size,
					    ESPMOB_POL_A_TYPE, ref->type)))
			return false;
		mnl_attr_nest_end(m->nlh, pol);
	}
	return true;
}

static bool put_optional_u32(struct msg *m, uint16_t type, bool has,
			     uint32_t v)
{
	return !has || mnl_attr_put_u32_check(m->nlh, m->size, type, v);
}

struct nlmsghdr *migrate_build(void *buf, size_t size, uint16_t family,
			       const struct migrate_req *req)
{
	struct msg m = { .size = size };

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))
		return NULL;
	memset(buf, 0, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)));
	m.nlh = genl_start(buf, family, ESPMOB_CMD_MIGRATE, ESPMOB_GENL_VERSION,
			   NLM_F_ACK);
	if (!put_endpoints(&m, ESPMOB_A_OLD, &req->old_ep) ||
	    !put_endpoints(&m, ESPMOB_A_NEW, &req->new_ep) ||
	    !put_spis(&m, req) ||
	    !put_optional_u32(&m, ESPMOB_A_REQID, req->has_reqid,
			      req->reqid) ||
	    !put_mark(&m, req) ||
	    !put_optional_u32(&m, ESPMOB_A_IF_ID, req->has_if_id,
			      req->if_id) ||
	    !put_encap(&m, req) ||
	    !put_optional_u32(&m, ESPMOB_A_FLAGS, req->flags != 0,
			      req->flags) ||
	    !put_policies(&m, req))
		return NULL;
	return m.nlh;
}

/* mnl_attr_parse*() callback filling a table of attributes by type. */
struct table {
	const struct nlattr **tb;
	uint16_t max;
};

static int table_cb(const struct nlattr *attr, void *data)
{
	struct table *t = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= t->max)
		t->tb[type] = attr;
	return MNL_CB_OK;
}

/* A nest whose payload is exactly a sequence of well-formed attributes. */
static bool nest_ok(const struct nlattr *nest)
{
	const char *end = (const char *)mnl_attr_get_payload(nest) +
			  mnl_attr_get_payload_len(nest);
	const struct nlattr *a;

	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
		return false;
	/* the walk stops at the first attribute that overruns the nest */
	mnl_attr_for_each_nested(a, nest)
		if ((const char *)a + MNL_ALIGN(a->nla_len) >= end)
			return true;
	return mnl_attr_get_payload_len(nest) == 0;
}

static int parse_nested(const struct nlattr *nest, const struct nlattr **tb,
			uint16_t max)
{
	struct table t = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (!nest_ok(nest))
		return -1;
	return mnl_attr_parse_nested(nest, table_cb, &t) < 0 ? -1 : 0;
}

static bool is_u32(const struct nlattr *a)
{
	return mnl_attr_validate(a, MNL_TYPE_U32) == 0;
}

static int get_addr(const struct nlattr *v4, const struct nlattr *v6,
		    struct espmob_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!!v4 == !!v6)
		return -1;
	if (v4) {
		if (mnl_attr_get_payload_len(v4) != sizeof(a->v4))
			return -1;
		a->family = AF_INET;
		memcpy(&a->v4, mnl_attr_get_payload(v4), sizeof(a->v4));
	} else {
		if (mnl_attr_get_payload_len(v6) != sizeof(a->v6))
			return -1;
		a->family = AF_INET6;
		memcpy(&a->v6, mnl_attr_get_payload(v6), sizeof(a->v6));
	}
	return 0;
}

static int get_endpoints(const struct nlattr *nest, struct espmob_endpoints *ep)
{
	const struct nlattr *tb[ESPMOB_EP_A_MAX + 1];

	if (parse_nested(nest, tb, ESPMOB_EP_A_MAX) < 0 ||
	    get_addr(tb[ESPMOB_EP_A_LOCAL_IPV4], tb[ESPMOB_EP_A_LOCAL_IPV6],
		     &ep->local) < 0 ||
	    get_addr(tb[ESPMOB_EP_A_REMOTE_IPV4], tb[ESPMOB_EP_A_REMOTE_IPV6],
		     &ep->remote) < 0 ||
	    ep->local.family != ep->remote.family)
		return -1;
	return 0;
}

static int get_spi(const struct nlattr *a, struct migrate_req *req)
{
	if (!is_u32(a) || req->n_spis == ESPMOB_MAX_SPIS)
		return -1;
	req->spis[req->n_spis++] = mnl_attr_get_u32(a);
	return 0;
}

static int get_mark(const struct nlattr *nest, struct migrate_req *req)
{
	const struct nlattr *tb[ESPMOB_MARK_A_MAX + 1];

	if (parse_nested(nest, tb, ESPMOB_MARK_A_MAX) < 0 ||
	    !tb[ESPMOB_MARK_A_VALUE] || !is_u32(tb[ESPMOB_MARK_A_VALUE]) ||
	    (tb[ESPMOB_MARK_A_MASK] && !is_u32(tb[ESPMOB_MARK_A_MASK])))
		return -1;
	req->has_mark = true;
	req->mark_value = mnl_attr_get_u32(tb[ESPMOB_MARK_A_VALUE]);
	req->mark_mask = tb[ESPMOB_MARK_A_MASK] ?
			 mnl_attr_get_u32(tb[ESPMOB_MARK_A_MASK]) : UINT32_MAX;
	return 0;
}

static int get_encap(const struct nlattr *nest, struct migrate_req *req)
{
	const struct nlattr *tb[ESPMOB_ENCAP_A_MAX + 1];
	const struct nlattr *sport, *dport;

	if (parse_nested(nest, tb, ESPMOB_ENCAP_A_MAX) < 0 ||
	    !tb[ESPMOB_ENCAP_A_MODE] ||
	    mnl_attr_validate(tb[ESPMOB_ENCAP_A_MODE], MNL_TYPE_U8) < 0)
		return -1;
	req->has_encap = true;
	req->encap_mode = mnl_attr_get_u8(tb[ESPMOB_ENCAP_A_MODE]);
	sport = tb[ESPMOB_ENCAP_A_LOCAL_PORT];
	dport = tb[ESPMOB_ENCAP_A_REMOTE_PORT];
	if ((sport && mnl_attr_validate(sport, MNL_TYPE_U16) < 0) ||
	    (dport && mnl_attr_validate(dport, MNL_TYPE_U16) < 0))
		return -1;
	req->encap_sport = sport ? mnl_attr_get_u16(sport) : 0;
	req->encap_dport = dport ? mnl_attr_get_u16(dport) : 0;
	return 0;
}

static int get_policy(const struct nlattr *nest, struct migrate_req *req)
{
	const struct nlattr *tb[ESPMOB_POL_A_MAX + 1];
	struct espmob_policy_ref *ref;

	if (req->n_policies == ESPMOB_MAX_POLICIES ||
	    parse_nested(nest, tb, ESPMOB_POL_A_MAX) < 0 ||
	    !tb[ESPMOB_POL_A_INDEX] || !is_u32(tb[ESPMOB_POL_A_INDEX]) ||
	    !tb[ESPMOB_POL_A_DIR] ||
	    mnl_attr_validate(tb[ESPMOB_POL_A_DIR], MNL_TYPE_U8) < 0 ||
	    (tb[ESPMOB_POL_A_TYPE] &&
	     mnl_attr_validate(tb[ESPMOB_POL_A_TYPE], MNL_TYPE_U8) < 0))
		return -1;
	ref = &req->policies[req->n_policies++];
	ref->index = mnl_attr_get_u32(tb[ESPMOB_POL_A_INDEX]);
	ref->dir = mnl_attr_get_u8(tb[ESPMOB_POL_A_DIR]);
	ref->type = tb[ESPMOB_POL_A_TYPE] ?
		    mnl_attr_get_u8(tb[ESPMOB_POL_A_TYPE]) : 0;
	return 0;
}

/* The repeated attributes, which the table keeps only the last of. */
static int get_repeated(const struct nlmsghdr *nlh, struct migrate_req *req)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case ESPMOB_A_SPI:
			if (get_spi(a, req) < 0)
				return -1;
			break;
		case ESPMOB_A_POLICY:
			if (get_policy(a, req) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

static int get_result(const struct nlattr *nest, struct migrate_result *res)
{
	const struct nlattr *tb[ESPMOB_RESULT_A_MAX + 1];
	const struct nlattr *d;

	memset(res, 0, sizeof(*res));
	if (parse_nested(nest, tb, ESPMOB_RESULT_A_MAX) < 0)
		return -1;
	if (tb[ESPMOB_RESULT_A_STATES]) {
		if (!is_u32(tb[ESPMOB_RESULT_A_STATES]))
			return -1;
		res->states = mnl_attr_get_u32(tb[ESPMOB_RESULT_A_STATES]);
	}
	if (tb[ESPMOB_RESULT_A_POLICIES]) {
		if (!is_u32(tb[ESPMOB_RESULT_A_POLICIES]))
			return -1;
		res->policies = mnl_attr_get_u32(tb[ESPMOB_RESULT_A_POLICIES]);
	}
	d = tb[ESPMOB_RESULT_A_DURATION_NS];
	if (d) {
		if (mnl_attr_validate(d, MNL_TYPE_U64) < 0)
			return -1;
		res->duration_ns = mnl_attr_get_u64(d);
	}
	res->dry_run = tb[ESPMOB_RESULT_A_DRY_RUN] != NULL;
	return 0;
}

static int parse_top(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	struct table t = { tb, ESPMOB_A_MAX };

	memset(tb, 0, (ESPMOB_A_MAX + 1) * sizeof(*tb));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct genlmsghdr)))
		return -1;
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), table_cb,
			      &t) < 0 ? -1 : 0;
}

int migrate_parse_result(const struct nlmsghdr *nlh,
			 struct migrate_result *res)
{
	const struct nlattr *tb[ESPMOB_A_MAX + 1];

	if (parse_top(nlh, tb) < 0)
		return -1;
	if (!tb[ESPMOB_A_RESULT])
		return 0;
	return get_result(tb[ESPMOB_A_RESULT], res) < 0 ? -1 : 1;
}

static int get_u32(const struct nlattr *a, bool *has, uint32_t *v)
{
	if (!a)
		return 0;
	if (!is_u32(a))
		return -1;
	*has = true;
	*v = mnl_attr_get_u32(a);
	return 0;
}

int migrate_parse(const struct nlmsghdr *nlh, struct migrate_ntf *ntf)
{
	const struct nlattr *tb[ESPMOB_A_MAX + 1];
	struct migrate_req *req = &ntf->req;
	bool has_flags = false;

	memset(ntf, 0, sizeof(*ntf));
	if (parse_top(nlh, tb) < 0)
		return -1;
	ntf->has_old = tb[ESPMOB_A_OLD] != NULL;
	ntf->has_new = tb[ESPMOB_A_NEW] != NULL;
	ntf->has_result = tb[ESPMOB_A_RESULT] != NULL;
	if ((ntf->has_old && get_endpoints(tb[ESPMOB_A_OLD], &req->old_ep)) ||
	    (ntf->has_new && get_endpoints(tb[ESPMOB_A_NEW], &req->new_ep)) ||
	    get_repeated(nlh, req) ||
	    get_u32(tb[ESPMOB_A_REQID], &req->has_reqid, &req->reqid) ||
	    (tb[ESPMOB_A_MARK] && get_mark(tb[ESPMOB_A_MARK], req)) ||
	    get_u32(tb[ESPMOB_A_IF_ID], &req->has_if_id, &req->if_id) ||
	    (tb[ESPMOB_A_ENCAP] && get_encap(tb[ESPMOB_A_ENCAP], req)) ||
	    get_u32(tb[ESPMOB_A_FLAGS], &has_flags, &req->flags) ||
	    (ntf->has_result && get_result(tb[ESPMOB_A_RESULT], &ntf->res)))
		return -1;
	return 0;
}
