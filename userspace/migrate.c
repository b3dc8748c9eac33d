// SPDX-License-Identifier: GPL-2.0
/* espmob migrate (the request itself: migrate_send.c). */
#include "espmob.h"
#include "parse.h"
#include "print.h"

int cmd_migrate(struct espmob_ctx *ctx, int argc, char **argv)
{
	struct migrate_result res;
	struct migrate_req req;
	char err[256];

	if (parse_migrate(argc, argv, &req, err, sizeof(err)) < 0)
		return espmob_usage(ctx, argv[0], "%s", err);
	if (espmob_migrate(ctx, &req, &res) < 0) {
		espmob_error(ctx, "%s: %s", argv[0], ctx->errmsg);
		return ESPMOB_ERR;
	}
	print_migrate_result(ctx, &res);
	return ESPMOB_OK;
}
