// SPDX-License-Identifier: GPL-2.0
/*
 * espmob monitor: one line per committed migration, from the family's
 * "migrate" multicast group, until interrupted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "genl.h"
#include "print.h"
#include "request.h"

static int event(struct espmob_ctx *ctx, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct migrate_ntf ntf;

	if (nlh->nlmsg_type != ctx->family_id ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*g) ||
	    g->cmd != ESPMOB_CMD_MIGRATE_NTF)
		return 0;
	if (migrate_parse(nlh, &ntf) < 0) {
		/* keep listening: one bad event should not end a monitor */
		fprintf(stderr, "espmob: monitor: malformed notification\n");
		return 0;
	}
	print_migrate_ntf(ctx, &ntf);
	return 0;
}

static int listen_loop(struct espmob_ctx *ctx, char *buf)
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(ctx->nl, buf, NL_BUF_SIZE);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* we were too slow; say so and go on */
				fprintf(stderr, "espmob: monitor: events lost (%s)\n",
					strerror(errno));
				continue;
			}
			return -errno;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			event(ctx, nlh);
	}
}

int cmd_monitor(struct espmob_ctx *ctx, int argc, char **argv)
{
	char *buf, why[128];
	int group, err;

	if (argc > 1)
		return espmob_no_args(ctx, argv);
	err = genl_init(ctx);
	if (err) {
		espmob_error(ctx, "monitor: %s", ctx->errmsg);
		return ESPMOB_ERR;
	}
	if (!ctx->mcgrp_migrate) {
		espmob_error(ctx, "monitor: the module has no \"%s\" group",
			     ESPMOB_MCGRP_MIGRATE);
		return ESPMOB_ERR;
	}
	group = ctx->mcgrp_migrate;
	if (mnl_socket_setsockopt(ctx->nl, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0) {
		espmob_error(ctx, "monitor: joining group \"%s\": %s",
			     ESPMOB_MCGRP_MIGRATE,
			     nl_strerror(errno, why, sizeof(why)));
		return ESPMOB_ERR;
	}
	buf = malloc(NL_BUF_SIZE);
	if (!buf) {
		espmob_error(ctx, "monitor: %s", strerror(ENOMEM));
		return ESPMOB_ERR;
	}
	err = listen_loop(ctx, buf);
	free(buf);
	espmob_error(ctx, "monitor: receive: %s", strerror(-err));
	return ESPMOB_ERR;
}
