/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MIGRATE request as the core sees it, once netlink.c has parsed and
 * checked the attributes.
 */
#ifndef _ESPMOB_MIGRATE_H
#define _ESPMOB_MIGRATE_H

#include <net/xfrm.h>

#include <uapi/linux/esp_mobility.h>

#include "fault.h"

/* This host's address and the peer's, of one family. */
struct espmob_endpoints {
	xfrm_address_t local;
	xfrm_address_t remote;
	unsigned short family;
};

enum espmob_encap_change {
	ESPMOB_ENCAP_KEEP,
	ESPMOB_ENCAP_SET,
	ESPMOB_ENCAP_REMOVE,
};

struct espmob_pol_ref {
	u32 index;
	u8 dir;
	u8 type;	/* XFRM_POLICY_TYPE_MAIN or _SUB */
	const struct nlattr *attr;	/* for extack */
};

struct espmob_req {
	struct espmob_endpoints old;
	struct espmob_endpoints new;

	u32 spis[ESPMOB_MAX_SPIS];
	const struct nlattr *spi_attrs[ESPMOB_MAX_SPIS];
	unsigned int n_spis;

	struct espmob_pol_ref pols[ESPMOB_MAX_POLICIES];
	unsigned int n_pols;

	bool has_reqid, has_mark, has_if_id;
	u32 reqid;
	struct xfrm_mark mark;
	u32 if_id;

	enum espmob_encap_change encap;
	__be16 encap_lport, encap_rport;

	bool dry_run;
};

struct espmob_result {
	u32 states;
	u32 policies;
	u32 transforms_kept;	/* states moved with their crypto transform */
	u64 duration_ns;
};

int espmob_migrate(struct net *net, const struct espmob_req *req,
		   struct espmob_result *res, struct espmob_fault *fault,
		   struct netlink_ext_ack *extack);

#endif /* _ESPMOB_MIGRATE_H */
