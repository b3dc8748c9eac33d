/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ESPMOB_CMD_MIGRATE messages: building a request from struct migrate_req
 * and reading back the reply's result and the notification's attributes.
 * No sockets here: the unit tests run all of it on the host.
 */
#ifndef ESPMOB_REQUEST_H
#define ESPMOB_REQUEST_H

#include <linux/netlink.h>

#include "espmob.h"

/* Holds the largest MIGRATE request (64 SPIs and 64 policies) with room. */
#define MIGRATE_MSG_MAX	8192

/* An ESPMOB_CMD_MIGRATE_NTF: the request's attributes and the result. */
struct migrate_ntf {
	struct migrate_req req;
	bool has_old;
	bool has_new;
	bool has_result;
	struct migrate_result res;
};

/*
 * Builds the ESPMOB_CMD_MIGRATE request for genetlink family id family in
 * buf of size bytes, with NLM_F_REQUEST | NLM_F_ACK. Returns NULL if it
 * does not fit.
 */
struct nlmsghdr *migrate_build(void *buf, size_t size, uint16_t family,
			       const struct migrate_req *req);

/*
 * Reads ESPMOB_A_RESULT of a MIGRATE reply. Returns 1 if it was there,
 * 0 if not, -1 if the message is malformed.
 */
int migrate_parse_result(const struct nlmsghdr *nlh,
			 struct migrate_result *res);

/*
 * Reads a MIGRATE request or notification back (what migrate_build wrote,
 * plus ESPMOB_A_RESULT). Attributes it does not know are skipped, so that
 * a newer module's notifications still print. Returns 0 or -1.
 */
int migrate_parse(const struct nlmsghdr *nlh, struct migrate_ntf *ntf);

#endif /* ESPMOB_REQUEST_H */
