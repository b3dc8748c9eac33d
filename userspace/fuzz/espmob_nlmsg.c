// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for what espmob reads from the module: the input is
 * the attribute part of a MIGRATE reply or notification, behind a valid
 * netlink and genetlink header. migrate_parse() and migrate_parse_result()
 * must never read out of bounds, whatever the kernel (or a fuzzer) sends;
 * a message that reads back must also build again.
 *
 * Seeds: fuzz/corpus/espmob_nlmsg (built requests and replies).
 */
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "../request.h"

#define HDRS	(MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[MIGRATE_MSG_MAX];
	struct migrate_result res;
	struct migrate_ntf ntf;
	struct nlmsghdr *nlh;
	char *buf;

	if (size > 65536)
		return 0;
	/*
	 * Sized to the message's aligned end, so that ASan sees any overrun:
	 * libmnl walks attributes up to NLMSG_ALIGN(nlmsg_len), as the
	 * netlink receive buffer always has those bytes.
	 */
	buf = calloc(1, HDRS + MNL_ALIGN(size));
	if (!buf)
		return 0;
	memcpy(buf + HDRS, data, size);
	nlh = (struct nlmsghdr *)buf;
	nlh->nlmsg_len = HDRS + size;
	nlh->nlmsg_type = 0x20;
	((struct genlmsghdr *)(buf + MNL_NLMSG_HDRLEN))->cmd =
		ESPMOB_CMD_MIGRATE_NTF;

	migrate_parse_result(nlh, &res);
	if (migrate_parse(nlh, &ntf) == 0 && ntf.has_old && ntf.has_new &&
	    !migrate_build(out, sizeof(out), 0x20, &ntf.req))
		abort();	/* what reads back must fit again */
	free(buf);
	return 0;
}
