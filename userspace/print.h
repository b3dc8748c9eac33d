/* SPDX-License-Identifier: GPL-2.0 */
/* espmob's output, as text or (with -j) one JSON value per line. */
#ifndef ESPMOB_PRINT_H
#define ESPMOB_PRINT_H

#include <arpa/inet.h>

#include "espmob.h"
#include "request.h"

/* ESPMOB_CMD_GET_INFO's answer. */
struct espmob_info {
	bool no_module;		/* the family is not registered */
	bool has_abi;
	uint32_t abi;
	bool has_stats;
	uint64_t stats[ESPMOB_STATS_A_MAX + 1];	/* by ESPMOB_STATS_A_* */
};


/* "in", "out" or "fwd" for XFRM_POLICY_IN, _OUT, _FWD. */
const char *dir_name(uint8_t dir);
const char *addr_str(const struct espmob_addr *a, char *buf, size_t size);

/*
 * "espmob 0.1, module ABI 1". For a failed request (status not
 * ESPMOB_OK) the JSON object also carries print_failure()'s members.
 */
void print_version(const struct espmob_ctx *ctx,
		   const struct espmob_info *info, int status);
void print_stats(const struct espmob_ctx *ctx, const struct espmob_info *info);
void print_migrate_result(const struct espmob_ctx *ctx,
			  const struct migrate_result *res);
void print_migrate_ntf(const struct espmob_ctx *ctx,
		       const struct migrate_ntf *ntf);
/*
 * The result line of a failed request (status 1 or 2): "error: MESSAGE",
 * or with -j {"error":"MESSAGE","status":N}; MESSAGE is ctx->errmsg.
 */
void print_failure(const struct espmob_ctx *ctx, int status);

#endif /* ESPMOB_PRINT_H */
