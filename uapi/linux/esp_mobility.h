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
#define ESPMOB_MCGRP_MIGRATE	"migrate"

/* Bumped on every incompatible change of this header. */
#define ESPMOB_ABI_VERSION	1

/* Upper bound on ESPMOB_A_SPIS and ESPMOB_A_POLICIES entries. */
#define ESPMOB_MAX_SPIS		64
#define ESPMOB_MAX_POLICIES	64

/*
 * Errors: every rejected request carries an extack message; one that is
 * about a single SA also carries that SA's SPI, big endian, as the extack
 * cookie (NLMSGERR_ATTR_COOKIE).
 */

enum espmob_cmd {
	ESPMOB_CMD_UNSPEC,
	/* do: reply carries ESPMOB_A_ABI_VERSION and ESPMOB_A_STATS */
	ESPMOB_CMD_GET_INFO,
	/* do: move one peer's states and policies; reply ESPMOB_A_RESULT */
	ESPMOB_CMD_MIGRATE,
	/* notification on the "migrate" group after each committed migration */
	ESPMOB_CMD_MIGRATE_NTF,

	__ESPMOB_CMD_MAX,
};

#define ESPMOB_CMD_MAX (__ESPMOB_CMD_MAX - 1)

enum espmob_attr {
	ESPMOB_A_UNSPEC,
	ESPMOB_A_ABI_VERSION,	/* u32 */
	ESPMOB_A_STATS,		/* nest: enum espmob_stats_attr */
	ESPMOB_A_OLD,		/* nest: enum espmob_ep_attr, required */
	ESPMOB_A_NEW,		/* nest: enum espmob_ep_attr, required */
	ESPMOB_A_SPIS,		/* nest: ESPMOB_SPI_A_SPI (u32, host order) xN */
	ESPMOB_A_REQID,		/* u32, non-zero */
	ESPMOB_A_MARK,		/* nest: enum espmob_mark_attr */
	ESPMOB_A_IF_ID,		/* u32, non-zero */
	ESPMOB_A_ENCAP,		/* nest: enum espmob_encap_attr */
	ESPMOB_A_FLAGS,		/* u32: enum espmob_flags */
	ESPMOB_A_POLICIES,	/* nest: ESPMOB_POLS_A_POLICY (nest) xN */
	ESPMOB_A_RESULT,	/* nest: enum espmob_result_attr */

	__ESPMOB_A_MAX,
};

#define ESPMOB_A_MAX (__ESPMOB_A_MAX - 1)

/*
 * One endpoint pair. Exactly one LOCAL and one REMOTE address, both of
 * the same family. "Local" is this host's address, "remote" the peer's:
 * outbound SAs go LOCAL -> REMOTE, inbound SAs REMOTE -> LOCAL.
 */
enum espmob_ep_attr {
	ESPMOB_EP_A_UNSPEC,
	ESPMOB_EP_A_LOCAL_IPV4,		/* 4 bytes, network order */
	ESPMOB_EP_A_LOCAL_IPV6,		/* 16 bytes */
	ESPMOB_EP_A_REMOTE_IPV4,	/* 4 bytes, network order */
	ESPMOB_EP_A_REMOTE_IPV6,	/* 16 bytes */

	__ESPMOB_EP_A_MAX,
};

#define ESPMOB_EP_A_MAX (__ESPMOB_EP_A_MAX - 1)

enum espmob_spi_attr {
	ESPMOB_SPI_A_UNSPEC,
	ESPMOB_SPI_A_SPI,		/* u32, host byte order, non-zero */

	__ESPMOB_SPI_A_MAX,
};

#define ESPMOB_SPI_A_MAX (__ESPMOB_SPI_A_MAX - 1)

/* Selects states and policies whose (mark.v & mark.m) equals (V & M). */
enum espmob_mark_attr {
	ESPMOB_MARK_A_UNSPEC,
	ESPMOB_MARK_A_VALUE,		/* u32 */
	ESPMOB_MARK_A_MASK,		/* u32, default 0xffffffff */

	__ESPMOB_MARK_A_MAX,
};

#define ESPMOB_MARK_A_MAX (__ESPMOB_MARK_A_MAX - 1)

enum espmob_encap_mode {
	ESPMOB_ENCAP_NONE,	/* remove UDP encapsulation */
	ESPMOB_ENCAP_ESPINUDP,	/* set or change RFC 3948 encapsulation */

	__ESPMOB_ENCAP_MAX,
};

/* Absent ESPMOB_A_ENCAP keeps each SA's encapsulation as it is. */
enum espmob_encap_attr {
	ESPMOB_ENCAP_A_UNSPEC,
	ESPMOB_ENCAP_A_MODE,		/* u8: enum espmob_encap_mode */
	ESPMOB_ENCAP_A_LOCAL_PORT,	/* u16, host order; ESPINUDP only */
	ESPMOB_ENCAP_A_REMOTE_PORT,	/* u16, host order; ESPINUDP only */

	__ESPMOB_ENCAP_A_MAX,
};

#define ESPMOB_ENCAP_A_MAX (__ESPMOB_ENCAP_A_MAX - 1)

enum espmob_flags {
	/* Validate and count; change nothing. */
	ESPMOB_F_DRY_RUN	= 1U << 0,
};

#define ESPMOB_F_ALL		(ESPMOB_F_DRY_RUN)

enum espmob_pols_attr {
	ESPMOB_POLS_A_UNSPEC,
	ESPMOB_POLS_A_POLICY,		/* nest: enum espmob_pol_attr */

	__ESPMOB_POLS_A_MAX,
};

#define ESPMOB_POLS_A_MAX (__ESPMOB_POLS_A_MAX - 1)

/*
 * A policy named by the caller: its index and direction (XFRM_POLICY_IN,
 * _OUT, _FWD) as XFRM reports them. Naming policies replaces the walk of
 * the policy table; every named policy must exist and refer to the old
 * endpoints.
 */
enum espmob_pol_attr {
	ESPMOB_POL_A_UNSPEC,
	ESPMOB_POL_A_INDEX,		/* u32 */
	ESPMOB_POL_A_DIR,		/* u8: 0 in, 1 out, 2 fwd */

	__ESPMOB_POL_A_MAX,
};

#define ESPMOB_POL_A_MAX (__ESPMOB_POL_A_MAX - 1)

enum espmob_result_attr {
	ESPMOB_RESULT_A_UNSPEC,
	ESPMOB_RESULT_A_STATES,		/* u32: states moved (or to move) */
	ESPMOB_RESULT_A_POLICIES,	/* u32: policies moved (or to move) */
	ESPMOB_RESULT_A_DURATION_NS,	/* u64: request time in the kernel */
	ESPMOB_RESULT_A_DRY_RUN,	/* flag: nothing was changed */
	ESPMOB_RESULT_A_PAD,

	__ESPMOB_RESULT_A_MAX,
};

#define ESPMOB_RESULT_A_MAX (__ESPMOB_RESULT_A_MAX - 1)

/* Per network namespace counters, since the module was loaded. */
enum espmob_stats_attr {
	ESPMOB_STATS_A_UNSPEC,
	ESPMOB_STATS_A_MIGRATIONS,	/* u64: committed migrations */
	ESPMOB_STATS_A_FAILED,		/* u64: refused or rolled back */
	ESPMOB_STATS_A_DRY_RUNS,	/* u64 */
	ESPMOB_STATS_A_STATES_MOVED,	/* u64 */
	ESPMOB_STATS_A_POLICIES_MOVED,	/* u64 */
	ESPMOB_STATS_A_ROLLBACKS,	/* u64: failures after work began */
	ESPMOB_STATS_A_PAD,
	ESPMOB_STATS_A_TRANSFORMS_KEPT,	/* u64: SAs moved with their own
					 * crypto transform (no new one built)
					 */
	ESPMOB_STATS_A_RETIRING,	/* u64, a gauge: migrations whose old
					 * states are still in the tables,
					 * waiting for a grace period
					 */

	__ESPMOB_STATS_A_MAX,
};

#define ESPMOB_STATS_A_MAX (__ESPMOB_STATS_A_MAX - 1)

#endif /* _UAPI_LINUX_ESP_MOBILITY_H */
