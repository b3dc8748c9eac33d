/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * esp_mobility: atomic migration of a moving IPsec peer's XFRM states and
 * policies to new addresses, over the generic netlink family "esp_mobility".
 *
 * Documentation/uapi.rst describes every command and attribute.
 */
#ifndef _UAPI_LINUX_ESP_MOBILITY_H
#define _UAPI_LINUX_ESP_MOBILITY_H

#include <linux/types.h>

#define ESPMOB_GENL_NAME	"esp_mobility"
#define ESPMOB_GENL_VERSION	1

/*
 * ABI 1.0, described by Documentation/netlink/specs/esp_mobility.yaml (the
 * spec this header is checked against). Never bumped: the ABI is only
 * extended, and a client learns what a module accepts from the family's
 * policy dump (CTRL_CMD_GETPOLICY).
 *
 * Byte order: every integer attribute is in host order (SPIs, reqids,
 * marks, ports, counters); addresses are byte strings in network order.
 */
#define ESPMOB_ABI_VERSION	1

/* Most ESPMOB_A_SPI and ESPMOB_A_POLICY attributes in one request. */
#define ESPMOB_MAX_SPIS		64
#define ESPMOB_MAX_POLICIES	64

/*
 * Errors: every rejected request carries an extack message; one that is
 * about a single SA also carries that SA's SPI as the extack cookie
 * (NLMSGERR_ATTR_COOKIE): 4 bytes, host order, like ESPMOB_A_SPI.
 */

enum espmob_encap_mode {
	ESPMOB_ENCAP_NONE,	/* remove UDP encapsulation */
	ESPMOB_ENCAP_ESPINUDP,	/* set or change RFC 3948 encapsulation */

	/* private: */
	__ESPMOB_ENCAP_MAX,
	ESPMOB_ENCAP_MAX = (__ESPMOB_ENCAP_MAX - 1)
};

enum espmob_flags {
	/* Validate and count; change nothing. */
	ESPMOB_F_DRY_RUN = 1,

	/* private: */
	ESPMOB_F_MASK = 1,
};

enum espmob_attr {
	ESPMOB_A_ABI_VERSION = 1,	/* u32 (GET_INFO reply) */
	ESPMOB_A_STATS,		/* nest: enum espmob_stats_attr (GET_INFO reply) */
	ESPMOB_A_OLD,		/* nest: enum espmob_ep_attr, required */
	ESPMOB_A_NEW,		/* nest: enum espmob_ep_attr, required */
	ESPMOB_A_SPI,		/* u32, non-zero; repeated, once per SPI */
	ESPMOB_A_REQID,		/* u32, non-zero */
	ESPMOB_A_MARK,		/* nest: enum espmob_mark_attr */
	ESPMOB_A_IF_ID,		/* u32, non-zero */
	ESPMOB_A_ENCAP,		/* nest: enum espmob_encap_attr */
	ESPMOB_A_FLAGS,		/* u32: enum espmob_flags */
	ESPMOB_A_POLICY,	/* nest: enum espmob_pol_attr; repeated */
	ESPMOB_A_RESULT,	/* nest: enum espmob_result_attr (reply, ntf) */

	__ESPMOB_A_MAX,
	ESPMOB_A_MAX = (__ESPMOB_A_MAX - 1)
};

/*
 * One endpoint pair. Exactly one LOCAL and one REMOTE address, both of
 * the same family. "Local" is this host's address, "remote" the peer's:
 * outbound SAs go LOCAL -> REMOTE, inbound SAs REMOTE -> LOCAL.
 */
enum espmob_ep_attr {
	ESPMOB_EP_A_LOCAL_IPV4 = 1,	/* 4 bytes, network order */
	ESPMOB_EP_A_LOCAL_IPV6,		/* 16 bytes, network order */
	ESPMOB_EP_A_REMOTE_IPV4,	/* 4 bytes, network order */
	ESPMOB_EP_A_REMOTE_IPV6,	/* 16 bytes, network order */

	__ESPMOB_EP_A_MAX,
	ESPMOB_EP_A_MAX = (__ESPMOB_EP_A_MAX - 1)
};

/* Selects states and policies whose mark is exactly VALUE/MASK. */
enum espmob_mark_attr {
	ESPMOB_MARK_A_VALUE = 1,	/* u32, required */
	ESPMOB_MARK_A_MASK,		/* u32, default 0xffffffff */

	__ESPMOB_MARK_A_MAX,
	ESPMOB_MARK_A_MAX = (__ESPMOB_MARK_A_MAX - 1)
};

/* Absent ESPMOB_A_ENCAP keeps each SA's encapsulation as it is. */
enum espmob_encap_attr {
	ESPMOB_ENCAP_A_MODE = 1,	/* u8: enum espmob_encap_mode */
	ESPMOB_ENCAP_A_LOCAL_PORT,	/* u16, non-zero; ESPINUDP only */
	ESPMOB_ENCAP_A_REMOTE_PORT,	/* u16, non-zero; ESPINUDP only */

	__ESPMOB_ENCAP_A_MAX,
	ESPMOB_ENCAP_A_MAX = (__ESPMOB_ENCAP_A_MAX - 1)
};

/*
 * A policy named by the caller, as XFRM reports it. Naming policies
 * replaces the search of the policy table; every named policy must exist
 * and refer to the old endpoints.
 */
enum espmob_pol_attr {
	ESPMOB_POL_A_INDEX = 1,		/* u32, required */
	ESPMOB_POL_A_DIR,		/* u8: XFRM_POLICY_IN, _OUT, _FWD */
	ESPMOB_POL_A_TYPE,		/* u8: XFRM_POLICY_TYPE_MAIN (default)
					 * or XFRM_POLICY_TYPE_SUB
					 */

	__ESPMOB_POL_A_MAX,
	ESPMOB_POL_A_MAX = (__ESPMOB_POL_A_MAX - 1)
};

enum espmob_result_attr {
	ESPMOB_RESULT_A_PAD = 1,
	ESPMOB_RESULT_A_STATES,		/* u32: states moved (or to move) */
	ESPMOB_RESULT_A_POLICIES,	/* u32: policies moved (or to move) */
	ESPMOB_RESULT_A_DURATION_NS,	/* u64: request time in the kernel */
	ESPMOB_RESULT_A_DRY_RUN,	/* flag: nothing was changed */

	__ESPMOB_RESULT_A_MAX,
	ESPMOB_RESULT_A_MAX = (__ESPMOB_RESULT_A_MAX - 1)
};

/* Per network namespace counters, since the module was loaded. */
enum espmob_stats_attr {
	ESPMOB_STATS_A_PAD = 1,
	ESPMOB_STATS_A_MIGRATIONS,	/* u64: committed migrations */
	ESPMOB_STATS_A_FAILED,		/* u64: refused or rolled back */
	ESPMOB_STATS_A_DRY_RUNS,	/* u64 */
	ESPMOB_STATS_A_STATES_MOVED,	/* u64 */
	ESPMOB_STATS_A_POLICIES_MOVED,	/* u64 */
	ESPMOB_STATS_A_ROLLBACKS,	/* u64: failures after work began */
	ESPMOB_STATS_A_TRANSFORMS_KEPT,	/* u64: SAs moved with their own
					 * crypto transform (no new one built)
					 */
	ESPMOB_STATS_A_RETIRING,	/* u64, a gauge: migrations whose old
					 * states are still in the tables,
					 * waiting for a grace period
					 */

	__ESPMOB_STATS_A_MAX,
	ESPMOB_STATS_A_MAX = (__ESPMOB_STATS_A_MAX - 1)
};

enum espmob_cmd {
	/* do: reply ESPMOB_A_ABI_VERSION and ESPMOB_A_STATS; no attributes */
	ESPMOB_CMD_GET_INFO = 1,
	/* do: move one peer's states and policies; reply ESPMOB_A_RESULT */
	ESPMOB_CMD_MIGRATE,
	/* notification on the "migrate" group after each committed migration */
	ESPMOB_CMD_MIGRATE_NTF,

	__ESPMOB_CMD_MAX,
	ESPMOB_CMD_MAX = (__ESPMOB_CMD_MAX - 1)
};

#define ESPMOB_MCGRP_MIGRATE	"migrate"

#endif /* _UAPI_LINUX_ESP_MOBILITY_H */
