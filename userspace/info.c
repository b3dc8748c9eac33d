// SPDX-License-Identifier: GPL-2.0
/* espmob version and espmob stats: ESPMOB_CMD_GET_INFO. */
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "genl.h"
#include "print.h"

static int stats_attr_cb(const struct nlattr *attr, void *data)
{
	struct espmob_info *info = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > ESPMOB_STATS_A_MAX || type == ESPMOB_STATS_A_PAD)
		return MNL_CB_OK;	/* newer module: ignore */
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
		return MNL_CB_ERROR;
	info->stats[type] = mnl_attr_get_u64(attr);
	return MNL_CB_OK;
}

static int info_attr_cb(const struct nlattr *attr, void *data)
{
	struct espmob_info *info = data;

	switch (mnl_attr_get_type(attr)) {
	case ESPMOB_A_ABI_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		info->abi = mnl_attr_get_u32(attr);
		info->has_abi = true;
		break;
	case ESPMOB_A_STATS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    mnl_attr_parse_nested(attr, stats_attr_cb, info) < 0)
			return MNL_CB_ERROR;
		info->has_stats = true;
		break;
	}
	return MNL_CB_OK;
}

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), info_attr_cb,
			   data) < 0)
		return -EPROTO;
	return 0;
}

/* Returns 0 or a negative errno with ctx->errmsg set. */
static int get_info(struct espmob_ctx *ctx, struct espmob_info *info)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int err;

	memset(info, 0, sizeof(*info));
	err = genl_init(ctx);
	if (err) {
		info->no_module = err == -ENOENT;
		return err;
	}
	nlh = genl_start(buf, ctx->family_id, ESPMOB_CMD_GET_INFO,
			 ESPMOB_GENL_VERSION, NLM_F_ACK);
	err = nl_talk(ctx, ctx->nl, nlh, info_cb, info);
	if (err == -EPROTO && !ctx->errmsg[0])
		snprintf(ctx->errmsg, sizeof(ctx->errmsg),
			 "malformed GET_INFO reply");
	return err;
}

int cmd_version(struct espmob_ctx *ctx, int argc, char **argv)
{
	struct espmob_info info;
	int err;

	if (argc > 1)
		return espmob_no_args(ctx, argv);
	err = get_info(ctx, &info);
	if (err)
		espmob_error(ctx, "version: %s", ctx->errmsg);
	/*
	 * The tool's own version is worth printing either way, but a batch
	 * request answers with one line: a failed one with its error line,
	 * or with -j one object that is both the version and the error.
	 */
	if (!err || ctx->json || !ctx->line)
		print_version(ctx, &info, err ? ESPMOB_ERR : ESPMOB_OK);
	if (err) {
		ctx->failure_printed = ctx->json;
		return ESPMOB_ERR;
	}
	if (info.has_abi && info.abi != ESPMOB_ABI_VERSION)
		fprintf(stderr, "espmob: warning: built for module ABI %d\n",
			ESPMOB_ABI_VERSION);
	return ESPMOB_OK;
}

int cmd_stats(struct espmob_ctx *ctx, int argc, char **argv)
{
	struct espmob_info info;
	int err;

	if (argc > 1)
		return espmob_no_args(ctx, argv);
	err = get_info(ctx, &info);
	if (!err && !info.has_stats) {
		err = -EPROTO;
		snprintf(ctx->errmsg, sizeof(ctx->errmsg),
			 "the module sent no counters");
	}
	if (err) {
		espmob_error(ctx, "stats: %s", ctx->errmsg);
		return ESPMOB_ERR;
	}
	print_stats(ctx, &info);
	return ESPMOB_OK;
}
