// SPDX-License-Identifier: GPL-2.0
/*
 * espmob_migrate(): one MIGRATE request and its reply, for espmob's
 * commands and for other code that links espmob's netlink files (the
 * esp-mobility charon plugin builds this file, request.c and genl.c in).
 */
#include <errno.h>
#include <string.h>

#include "genl.h"
#include "request.h"

struct reply {
	struct migrate_result *res;
	bool got_result;
};

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply *r = data;
	int ret = migrate_parse_result(nlh, r->res);

	if (ret < 0)
		return -EPROTO;
	r->got_result |= ret > 0;
	return 0;
}

int espmob_migrate(struct espmob_ctx *ctx, const struct migrate_req *req,
		   struct migrate_result *res)
{
	struct reply r = { .res = res };
	char buf[MIGRATE_MSG_MAX];
	struct nlmsghdr *nlh;
	int err;

	memset(res, 0, sizeof(*res));
	err = genl_init(ctx);
	if (err)
		return err;
	nlh = migrate_build(buf, sizeof(buf), ctx->family_id, req);
	if (!nlh) {
		snprintf(ctx->errmsg, sizeof(ctx->errmsg),
			 "request does not fit in %d bytes", MIGRATE_MSG_MAX);
		return -EMSGSIZE;
	}
	err = nl_talk(ctx, ctx->nl, nlh, reply_cb, &r);
	if (!err && !r.got_result) {
		/*
		 * The module allocates the reply before it migrates, so this
		 * is a reply our socket could not take: the ack says the
		 * migration happened, but we cannot report what moved.
		 */
		snprintf(ctx->errmsg, sizeof(ctx->errmsg),
			 "acknowledged, but the reply with the result was lost (%s)",
			 strerror(EPROTO));
		return -EPROTO;
	}
	if (err == -EPROTO && !ctx->errmsg[0])
		snprintf(ctx->errmsg, sizeof(ctx->errmsg),
			 "malformed or missing result in the reply (%s)",
			 strerror(EPROTO));
	return err;
}
