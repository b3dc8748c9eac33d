// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of request.c: a MIGRATE request built from struct migrate_req
 * is read back with mnl_attr_parse() and checked attribute by attribute
 * against uapi/linux/esp_mobility.h (types, sizes, byte order, nesting
 * flags, order of list entries); then the reader used by monitor and the
 * reply's result reader, on good and malformed messages. TAP on stdout.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "../genl.h"
#include "../parse.h"
#include "../request.h"
#include "tap.h"

#define FAMILY	0x1234

/* Up to 64 attributes of one nest level, in order. */
struct attrs {
	const struct nlattr *a[2 * ESPMOB_MAX_SPIS];
	int n;
};

static int collect_cb(const struct nlattr *attr, void *data)
{
	struct attrs *at = data;

	if (at->n < (int)(sizeof(at->a) / sizeof(at->a[0])))
		at->a[at->n++] = attr;
	return MNL_CB_OK;
}

static void top_attrs(const struct nlmsghdr *nlh, struct attrs *at)
{
	at->n = 0;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), collect_cb, at);
}

static void nested_attrs(const struct nlattr *nest, struct attrs *at)
{
	at->n = 0;
	mnl_attr_parse_nested(nest, collect_cb, at);
}

/* The attribute of type type in at, or NULL. */
static const struct nlattr *find(const struct attrs *at, uint16_t type)
{
	int i;

	for (i = 0; i < at->n; i++)
		if (mnl_attr_get_type(at->a[i]) == type)
			return at->a[i];
	return NULL;
}

static void check_u32(const struct attrs *at, uint16_t type, uint32_t want,
		      const char *name)
{
	const struct nlattr *a = find(at, type);

	if (!ok(a && mnl_attr_get_payload_len(a) == 4,
		"%s is a 4-byte attribute", name))
		return;
	is_u64(mnl_attr_get_u32(a), want, "%s value (host order)", name);
}

static bool is_nest(const struct nlattr *a)
{
	return a && (a->nla_type & NLA_F_NESTED);
}

static void check_endpoints(const struct attrs *top, uint16_t type,
			    const char *name, const struct espmob_endpoints *ep)
{
	const struct nlattr *nest = find(top, type);
	uint16_t local = ep->local.family == AF_INET ?
		ESPMOB_EP_A_LOCAL_IPV4 : ESPMOB_EP_A_LOCAL_IPV6;
	uint16_t remote = ep->local.family == AF_INET ?
		ESPMOB_EP_A_REMOTE_IPV4 : ESPMOB_EP_A_REMOTE_IPV6;
	size_t len = ep->local.family == AF_INET ? 4 : 16;
	const struct nlattr *l, *r;
	struct attrs at;

	if (!ok(is_nest(nest), "%s is a nest with NLA_F_NESTED", name))
		return;
	nested_attrs(nest, &at);
	is_u64(at.n, 2, "%s holds two attributes", name);
	l = find(&at, local);
	r = find(&at, remote);
	ok(l && mnl_attr_get_payload_len(l) == len &&
	   !memcmp(mnl_attr_get_payload(l), &ep->local.v6, len),
	   "%s local address: right type, length and bytes", name);
	ok(r && mnl_attr_get_payload_len(r) == len &&
	   !memcmp(mnl_attr_get_payload(r), &ep->remote.v6, len),
	   "%s remote address: right type, length and bytes", name);
}

static struct migrate_req parse_line(const char *line)
{
	char buf[BATCH_LINE_MAX + 1], err[256];
	char *argv[BATCH_MAX_ARGS + 1];
	struct migrate_req req;
	int argc;

	snprintf(buf, sizeof(buf), "migrate %s", line);
	argc = split_args(buf, argv, BATCH_MAX_ARGS);
	if (parse_migrate(argc, argv, &req, err, sizeof(err)))
		printf("# BUG in test: %s\n", err);
	return req;
}

static void test_full(void)
{
	static char buf[MIGRATE_MSG_MAX];
	struct migrate_req req = parse_line(
		"from 10.0.0.1 10.0.0.2 to 2001:db8::1 2001:db8::2 "
		"spi 0x1000 spi 0xc0000001 reqid 7 mark 0x10/0xf0 if_id 3 "
		"encap espinudp 4500 4501 dry-run "
		"policy index 8 dir out policy index 0x80000009 dir fwd ptype sub");
	const struct genlmsghdr *g;
	const struct nlattr *a;
	struct nlmsghdr *nlh;
	struct attrs top, at, pol;
	static const uint16_t order[] = {
		ESPMOB_A_OLD, ESPMOB_A_NEW, ESPMOB_A_SPI, ESPMOB_A_SPI,
		ESPMOB_A_REQID, ESPMOB_A_MARK, ESPMOB_A_IF_ID, ESPMOB_A_ENCAP,
		ESPMOB_A_FLAGS, ESPMOB_A_POLICY, ESPMOB_A_POLICY,
	};
	const int n_order = sizeof(order) / sizeof(order[0]);
	int i;

	nlh = migrate_build(buf, sizeof(buf), FAMILY, &req);
	if (!ok(nlh != NULL, "full request built"))
		return;
	is_u64(nlh->nlmsg_type, FAMILY, "message type is the family id");
	is_u64(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK,
	       "flags are NLM_F_REQUEST | NLM_F_ACK");
	g = mnl_nlmsg_get_payload(nlh);
	is_u64(g->cmd, ESPMOB_CMD_MIGRATE, "genl command is MIGRATE");
	is_u64(g->version, ESPMOB_GENL_VERSION, "genl version");
	ok(mnl_attr_parse(nlh, sizeof(*g), collect_cb, &(struct attrs){ 0 }) >= 0,
	   "attributes parse");

	top_attrs(nlh, &top);
	is_u64(top.n, n_order, "%d top-level attributes", n_order);
	for (i = 0; i < top.n && i < n_order; i++)
		is_u64(mnl_attr_get_type(top.a[i]), order[i],
		       "attribute %d has type %u", i, order[i]);

	check_endpoints(&top, ESPMOB_A_OLD, "OLD (IPv4)", &req.old_ep);
	check_endpoints(&top, ESPMOB_A_NEW, "NEW (IPv6)", &req.new_ep);

	/* ABI 1.0: one ESPMOB_A_SPI per SPI at the top level, no nest */
	for (i = 0; i < 2; i++) {
		a = top.a[2 + i];
		ok(!(a->nla_type & NLA_F_NESTED) &&
		   mnl_attr_get_payload_len(a) == 4,
		   "SPI %d is a plain u32", i);
		is_u64(mnl_attr_get_u32(a), i ? 0xc0000001 : 0x1000,
		       "SPI %d in host order, in the order given", i);
	}

	check_u32(&top, ESPMOB_A_REQID, 7, "REQID");
	check_u32(&top, ESPMOB_A_IF_ID, 3, "IF_ID");
	check_u32(&top, ESPMOB_A_FLAGS, ESPMOB_F_DRY_RUN, "FLAGS");

	a = find(&top, ESPMOB_A_MARK);
	ok(is_nest(a), "MARK is a nest");
	nested_attrs(a, &at);
	is_u64(at.n, 2, "MARK holds value and mask");
	check_u32(&at, ESPMOB_MARK_A_VALUE, 0x10, "MARK value");
	check_u32(&at, ESPMOB_MARK_A_MASK, 0xf0, "MARK mask");

	a = find(&top, ESPMOB_A_ENCAP);
	ok(is_nest(a), "ENCAP is a nest");
	nested_attrs(a, &at);
	is_u64(at.n, 3, "ENCAP holds mode and two ports");
	a = find(&at, ESPMOB_ENCAP_A_MODE);
	ok(a && mnl_attr_get_payload_len(a) == 1 &&
	   mnl_attr_get_u8(a) == ESPMOB_ENCAP_ESPINUDP,
	   "ENCAP mode is a u8 ESPINUDP");
	a = find(&at, ESPMOB_ENCAP_A_LOCAL_PORT);
	ok(a && mnl_attr_get_payload_len(a) == 2 && mnl_attr_get_u16(a) == 4500,
	   "ENCAP local port is u16 4500 in host order");
	a = find(&at, ESPMOB_ENCAP_A_REMOTE_PORT);
	ok(a && mnl_attr_get_payload_len(a) == 2 && mnl_attr_get_u16(a) == 4501,
	   "ENCAP remote port is u16 4501 in host order");

	for (i = 0; i < 2; i++) {
		const struct nlattr *x;

		a = top.a[top.n - 2 + i];
		ok(mnl_attr_get_type(a) == ESPMOB_A_POLICY && is_nest(a),
		   "POLICY %d is a nest at the top level", i);
		nested_attrs(a, &pol);
		is_u64(pol.n, i ? 3 : 2, "POLICY %d holds index, dir%s", i,
		       i ? " and type" : "");
		check_u32(&pol, ESPMOB_POL_A_INDEX, i ? 0x80000009 : 8,
			  "POLICY index");
		x = find(&pol, ESPMOB_POL_A_DIR);
		ok(x && mnl_attr_get_payload_len(x) == 1 &&
		   mnl_attr_get_u8(x) == (i ? 2 : 1),
		   "POLICY %d dir is a u8 (%s)", i, i ? "fwd" : "out");
		x = find(&pol, ESPMOB_POL_A_TYPE);
		ok(i ? x && mnl_attr_get_payload_len(x) == 1 &&
		       mnl_attr_get_u8(x) == 1 : !x,
		   "POLICY %d type: %s", i, i ? "a u8 1 (sub)" :
						"absent (main)");
	}
	ok(mnl_nlmsg_get_payload_tail(nlh) == (char *)nlh + nlh->nlmsg_len,
	   "nothing after the last attribute");
}

static void test_minimal(void)
{
	static char buf[MIGRATE_MSG_MAX];
	struct migrate_req req = parse_line(
		"from ::1 ::2 to 10.0.0.1 10.0.0.2 encap none");
	struct nlmsghdr *nlh;
	struct attrs top, at;
	const struct nlattr *a;

	nlh = migrate_build(buf, sizeof(buf), FAMILY, &req);
	if (!ok(nlh != NULL, "minimal request built"))
		return;
	top_attrs(nlh, &top);
	is_u64(top.n, 3, "only OLD, NEW and ENCAP");
	ok(!find(&top, ESPMOB_A_FLAGS), "no FLAGS without dry-run");
	ok(!find(&top, ESPMOB_A_SPI) && !find(&top, ESPMOB_A_POLICY),
	   "no SPI or POLICY attributes");
	check_endpoints(&top, ESPMOB_A_OLD, "OLD (IPv6)", &req.old_ep);
	a = find(&top, ESPMOB_A_ENCAP);
	nested_attrs(a, &at);
	ok(at.n == 1 && mnl_attr_get_u8(at.a[0]) == ESPMOB_ENCAP_NONE,
	   "encap none is a mode without ports");
}

static void test_limits_and_roundtrip(void)
{
	static char buf[MIGRATE_MSG_MAX];
	static char small[64];
	struct migrate_req req = parse_line("from 10.0.0.1 10.0.0.2 to 10.0.1.1 10.0.0.2 "
					    "reqid 1 mark 1 if_id 2 encap espinudp 1 65535");
	struct migrate_ntf ntf;
	struct nlmsghdr *nlh;
	unsigned int i;

	for (i = 0; i < ESPMOB_MAX_SPIS; i++)
		req.spis[req.n_spis++] = 0xffffff00 + i;
	for (i = 0; i < ESPMOB_MAX_POLICIES; i++)
		req.policies[req.n_policies++] =
			(struct espmob_policy_ref){ .index = i * 8 + 1,
						    .dir = i % 3,
						    .type = i % 2 };
	nlh = migrate_build(buf, sizeof(buf), FAMILY, &req);
	ok(nlh != NULL, "largest request fits in %d bytes", MIGRATE_MSG_MAX);
	if (nlh)
		printf("# largest request: %u bytes\n", nlh->nlmsg_len);
	ok(migrate_build(small, sizeof(small), FAMILY, &req) == NULL,
	   "a too small buffer is refused, not overrun");
	ok(migrate_build(small, 8, FAMILY, &req) == NULL,
	   "a buffer smaller than the headers is refused");
	if (!nlh)
		return;

	ok(migrate_parse(nlh, &ntf) == 0, "request reads back");
	ok(ntf.has_old && ntf.has_new && !ntf.has_result,
	   "old and new present, no result");
	ok(!memcmp(&ntf.req.old_ep, &req.old_ep, sizeof(req.old_ep)) &&
	   !memcmp(&ntf.req.new_ep, &req.new_ep, sizeof(req.new_ep)),
	   "endpoints round trip");
	ok(ntf.req.n_spis == req.n_spis &&
	   !memcmp(ntf.req.spis, req.spis, sizeof(req.spis)),
	   "64 SPIs round trip in order");
	for (i = 0; i < req.n_policies; i++)
		if (ntf.req.policies[i].index != req.policies[i].index ||
		    ntf.req.policies[i].dir != req.policies[i].dir ||
		    ntf.req.policies[i].type != req.policies[i].type)
			break;
	ok(ntf.req.n_policies == req.n_policies && i == req.n_policies,
	   "64 policies round trip in order");
	ok(ntf.req.has_reqid && ntf.req.reqid == 1 && ntf.req.has_if_id &&
	   ntf.req.if_id == 2 && ntf.req.has_mark &&
	   ntf.req.mark_value == 1 && ntf.req.mark_mask == UINT32_MAX,
	   "reqid, if_id, mark round trip");
	ok(ntf.req.has_encap && ntf.req.encap_sport == 1 &&
	   ntf.req.encap_dport == 65535, "encap ports round trip");
}

/* A reply: RESULT nest with the given pieces. */
static struct nlmsghdr *reply(char *buf, bool dry, bool bad_states)
{
	struct nlmsghdr *nlh = genl_start(buf, FAMILY, ESPMOB_CMD_MIGRATE,
					  ESPMOB_GENL_VERSION, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, ESPMOB_A_RESULT);

	if (bad_states)
		mnl_attr_put_u16(nlh, ESPMOB_RESULT_A_STATES, 3);
	else
		mnl_attr_put_u32(nlh, ESPMOB_RESULT_A_STATES, 3);
	mnl_attr_put_u32(nlh, ESPMOB_RESULT_A_POLICIES, 4);
	mnl_attr_put_u64(nlh, ESPMOB_RESULT_A_DURATION_NS, 123456789012ULL);
	if (dry)
		mnl_attr_put(nlh, ESPMOB_RESULT_A_DRY_RUN, 0, NULL);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void test_result(void)
{
	static char buf[MIGRATE_MSG_MAX];
	struct migrate_result res;
	struct migrate_ntf ntf;
	struct nlmsghdr *nlh;

	nlh = reply(buf, false, false);
	ok(migrate_parse_result(nlh, &res) == 1, "result found");
	ok(res.states == 3 && res.policies == 4 &&
	   res.duration_ns == 123456789012ULL && !res.dry_run,
	   "states, policies, duration read; not a dry run");
	nlh = reply(buf, true, false);
	ok(migrate_parse_result(nlh, &res) == 1 && res.dry_run,
	   "DRY_RUN flag read");
	ok(migrate_parse(nlh, &ntf) == 0 && ntf.has_result &&
	   ntf.res.policies == 4 && !ntf.has_old,
	   "notification reader takes the result too");
	nlh = reply(buf, false, true);
	ok(migrate_parse_result(nlh, &res) == -1,
	   "a u16 where a u32 belongs is malformed");
	nlh = genl_start(buf, FAMILY, ESPMOB_CMD_MIGRATE, 1, 0);
	ok(migrate_parse_result(nlh, &res) == 0, "no result attribute");
	mnl_attr_put_u32(nlh, ESPMOB_A_RESULT, 1);
	ok(migrate_parse_result(nlh, &res) == -1,
	   "a RESULT that is not a nest is malformed");

	nlh = genl_start(buf, FAMILY, ESPMOB_CMD_MIGRATE_NTF, 1, 0);
	{
		struct nlattr *n = mnl_attr_nest_start(nlh, ESPMOB_A_OLD);

		mnl_attr_put_u32(nlh, ESPMOB_EP_A_LOCAL_IPV4, 1);
		mnl_attr_put(nlh, ESPMOB_EP_A_REMOTE_IPV6, 16,
			     "0123456789abcdef");
		mnl_attr_nest_end(nlh, n);
	}
	ok(migrate_parse(nlh, &ntf) == -1,
	   "endpoints of two families are malformed");
	nlh = genl_start(buf, FAMILY, ESPMOB_CMD_MIGRATE_NTF, 1, 0);
	mnl_attr_put_u32(nlh, ESPMOB_A_MAX + 5, 1);
	ok(migrate_parse(nlh, &ntf) == 0,
	   "an attribute from a newer module is skipped");
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN;
	ok(migrate_parse(nlh, &ntf) == -1, "a message without genl header");
}

int main(void)
{
	tap_start();
	test_full();
	test_minimal();
	test_limits_and_roundtrip();
	test_result();
	return tap_end();
}
