// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of genl.c's reading of error ACKs: the kernel's extack
 * message, the SPI cookie, the offending attribute named from its offset
 * in the request we sent, a missing attribute, capped and uncapped ACKs,
 * truncated and hostile ones. The ACKs are made here, as the kernel would
 * make them for a request built by request.c. TAP on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "../genl.h"
#include "../parse.h"
#include "../request.h"
#include "tap.h"

#define FAMILY	0x1234

static char req_buf[MIGRATE_MSG_MAX];
static struct nlmsghdr *req;

static void build_request(void)
{
	char line[] = "migrate from 10.0.0.1 10.0.0.2 to 10.0.1.1 10.0.0.2 "
		      "spi 0x1000 spi 0x2000 encap espinudp 4500 4501 "
		      "policy index 8 dir out";
	char *argv[32], err[256];
	struct migrate_req r;
	int argc = split_args(line, argv, 31);

	parse_migrate(argc, argv, &r, err, sizeof(err));
	req = migrate_build(req_buf, sizeof(req_buf), FAMILY, &r);
}

/* Byte offset of an attribute of the request, as the kernel reports it. */
static uint32_t offset_of(const struct nlattr *at)
{
	return (const char *)at - (const char *)req;
}

/* The n-th top-level attribute of this type (they may repeat). */
static const struct nlattr *top_nth(uint16_t type, int n)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == type && n-- == 0)
			return a;
	return NULL;
}

static const struct nlattr *top(uint16_t type)
{
	return top_nth(type, 0);
}

static const struct nlattr *child(const struct nlattr *nest, int n)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
		if (n-- == 0)
			return a;
	return NULL;
}

struct ack_opts {
	int error;
	const char *msg;
	bool has_offset;
	uint32_t offset;
	const void *cookie;
	size_t cookie_len;
	bool has_miss;
	uint32_t miss_type;
	bool uncapped;		/* echo the request, as without CAP_ACK */
};

static struct nlmsghdr *make_ack(char *buf, const struct ack_opts *o)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = o->error;
	e->msg = *req;
	if (o->uncapped) {
		void *p = mnl_nlmsg_put_extra_header(nlh, req->nlmsg_len -
						     sizeof(*req));

		memcpy(p, req + 1, req->nlmsg_len - sizeof(*req));
	} else {
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	}
	if (o->msg || o->has_offset || o->cookie || o->has_miss)
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	if (o->msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, o->msg);
	if (o->has_offset)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, o->offset);
	if (o->cookie)
		mnl_attr_put(nlh, NLMSGERR_ATTR_COOKIE, o->cookie_len,
			     o->cookie);
	if (o->has_miss)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, o->miss_type);
	return nlh;
}

static int ack(struct espmob_ctx *ctx, const struct ack_opts *o)
{
	static char buf[2 * MIGRATE_MSG_MAX];

	memset(ctx, 0, sizeof(*ctx));
	ctx->family_id = FAMILY;
	return nl_error_ack(ctx, make_ack(buf, o), req);
}

static void test_acks(void)
{
	uint32_t spi = 0x2000;	/* the cookie is host order, like ESPMOB_A_SPI */
	struct espmob_ctx ctx;
	int ret;

	ret = ack(&ctx, &(struct ack_opts){ .error = 0 });
	ok(ret == 0 && !ctx.errmsg[0], "a plain ACK is success");

	ret = ack(&ctx, &(struct ack_opts){ .error = -ENOENT });
	is_u64(-ret, ENOENT, "error without extack returns the errno");
	has_str(ctx.errmsg, "No such file or directory", "  described by strerror");

	ret = ack(&ctx, &(struct ack_opts){
		.error = -ENOENT,
		.msg = "no ESP SA with this SPI between the old endpoints",
		.has_offset = true, .offset = offset_of(top_nth(ESPMOB_A_SPI, 1)),
		.cookie = &spi, .cookie_len = 4 });
	is_u64(-ret, ENOENT, "error with message, offset, cookie");
	has_str(ctx.errmsg,
		"no ESP SA with this SPI between the old endpoints (No such file or directory)",
		"  message first, strerror in parentheses");
	has_str(ctx.errmsg, ", spi 0x00002000",
		"  the cookie shown as an SPI");
	has_str(ctx.errmsg, "spi = 8192 (0x2000)",
		"  the offset names the second SPI and its value");

	ret = ack(&ctx, &(struct ack_opts){
		.error = -EINVAL, .msg = "bad", .uncapped = true,
		.has_offset = true,
		.offset = offset_of(child(top(ESPMOB_A_ENCAP), 2)) });
	has_str(ctx.errmsg, "bad (Invalid argument)",
		"uncapped ACK: the TLVs after the echoed request are found");
	has_str(ctx.errmsg, "encap/remote_port = 4501",
		"  the offset names the encap remote port");

	ret = ack(&ctx, &(struct ack_opts){
		.error = -EINVAL, .msg = "new endpoints equal the old ones",
		.has_offset = true, .offset = offset_of(top(ESPMOB_A_NEW)) });
	has_str(ctx.errmsg, "offset 40: new {local_ipv4 = 10.0.1.1, remote_ipv4 = 10.0.0.2}",
		"a nest is shown with its members, addresses as addresses");

	ret = ack(&ctx, &(struct ack_opts){
		.error = -ENOENT, .msg = "no policy",
		.has_offset = true,
		.offset = offset_of(top(ESPMOB_A_POLICY)) });
	has_str(ctx.errmsg, "policy {index = 8 (0x8), dir = 1}",
		"a policy reference is shown with index and dir");

	ret = ack(&ctx, &(struct ack_opts){
		.error = -EINVAL, .msg = "Missing attribute",
		.has_miss = true, .miss_type = ESPMOB_A_OLD });
	has_str(ctx.errmsg, ", missing attribute old", "a missing attribute is named");

	ret = ack(&ctx, &(struct ack_opts){
		.error = -EINVAL, .has_offset = true, .offset = 3 });
	ok(ret == -EINVAL && !strstr(ctx.errmsg, "offset 3:"),
	   "an offset inside the headers is shown without a name");
	ret = ack(&ctx, &(struct ack_opts){
		.error = -EINVAL, .has_offset = true, .offset = 1u << 30 });
	ok(ret == -EINVAL && strstr(ctx.errmsg, "offset 1073741824") &&
	   !strstr(ctx.errmsg, "offset 1073741824:"),
	   "an offset past the request is shown without a name");

	ret = ack(&ctx, &(struct ack_opts){
		.error = -EEXIST, .cookie = "\x01\x02\x03", .cookie_len = 3 });
	has_str(ctx.errmsg, ", cookie 010203", "other cookies are shown in hex");
}

/* A refusal for want of CAP_NET_ADMIN says what espmob needs. */
static void test_eperm(void)
{
	struct espmob_ctx ctx;
	char why[128];
	int ret;

	ret = ack(&ctx, &(struct ack_opts){ .error = -EPERM });
	is_u64(-ret, EPERM, "EPERM without extack returns EPERM");
	is_str(ctx.errmsg,
	       "Operation not permitted: espmob needs CAP_NET_ADMIN in the network namespace",
	       "  and names the capability");
	ack(&ctx, &(struct ack_opts){ .error = -EPERM, .msg = "refused" });
	is_str(ctx.errmsg,
	       "refused (Operation not permitted: espmob needs CAP_NET_ADMIN in the network namespace)",
	       "EPERM with a message: the capability in the parentheses");
	is_str(nl_strerror(EINVAL, why, sizeof(why)), "Invalid argument",
	       "other errors are plain strerror");
}

static void test_truncated(void)
{
	struct espmob_ctx ctx = { 0 };
	char buf[64] = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	ok(nl_error_ack(&ctx, nlh, req) == -EBADMSG,
	   "a truncated error message is refused");

	/* an uncapped ACK claiming a longer echoed request than it holds */
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + sizeof(struct nlmsgerr);
	nlh->nlmsg_flags = NLM_F_ACK_TLVS;
	((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->error = -EINVAL;
	((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->msg.nlmsg_len = 4000;
	ok(nl_error_ack(&ctx, nlh, req) == -EINVAL,
	   "an echoed request longer than the ACK is not read");
	((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->msg.nlmsg_len = 0;
	ok(nl_error_ack(&ctx, nlh, req) == -EINVAL,
	   "an echoed request shorter than its header is not read");
}

int main(void)
{
	tap_start();
	build_request();
	if (!ok(req != NULL, "request built"))
		return tap_end();
	test_acks();
	test_eperm();
	test_truncated();
	return tap_end();
}
