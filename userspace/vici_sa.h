/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the VICI bridge knows about charon's SAs, and how an ike-update
 * event becomes one MIGRATE request.
 *
 * charon raises ike-update while the IKE_SA is checked out by the thread
 * doing the MOBIKE update, and list-sas blocks until that thread is done,
 * i.e. until charon has updated its kernel SAs itself. So the bridge keeps
 * its own copy of every IKE_SA's CHILD_SAs, filled by list-sas at start and
 * kept current by ike-updown, ike-rekey, child-updown and child-rekey
 * events, and answers ike-update from that copy at once.
 */
#ifndef ESPMOB_VICI_SA_H
#define ESPMOB_VICI_SA_H

#include "espmob.h"
#include "vici.h"

#define VICI_MAX_CHILDREN	32
#define VICI_NAME_MAX		64

struct vici_child_sa {
	uint32_t uniqueid;
	uint32_t reqid;
	uint32_t spi_in, spi_out;	/* 0 when not known */
	bool esp;			/* protocol ESP (AH is not migrated) */
	bool tunnel;			/* mode TUNNEL, else TRANSPORT/BEET */
	bool encap;			/* UDP encapsulated */
	char name[VICI_NAME_MAX];
	char state[16];
};

struct vici_ike_sa {
	uint32_t uniqueid;
	char name[VICI_NAME_MAX];
	struct espmob_endpoints ep;
	uint16_t local_port, remote_port;
	bool nat_any;
	unsigned int n_children;
	struct vici_child_sa children[VICI_MAX_CHILDREN];
};

struct vici_sa_cache {
	struct vici_ike_sa *ikes;
	unsigned int n, cap;
};

/*
 * Reads an IKE_SA section (list-sa, ike-updown, child-updown, ike-update
 * all use the same keys) into *ike, with its child-sas section if present.
 * Returns 0 or -1 with a message in err.
 */
int vici_parse_ike(const struct vici_node *sec, struct vici_ike_sa *ike,
		   char *err, size_t errlen);

struct vici_ike_sa *vici_cache_find(struct vici_sa_cache *c, uint32_t id);
void vici_cache_free(struct vici_sa_cache *c);

/*
 * Applies a list-sa, ike-updown, ike-rekey, child-updown or child-rekey
 * event to the cache; other events are ignored. Returns 0, or -1 with err.
 */
int vici_cache_event(struct vici_sa_cache *c, const char *event,
		     const struct vici_node *root, char *err, size_t errlen);

/* What an ike-update means, once vici_update_request() has read it. */
struct vici_update {
	uint32_t ike_id;
	char ike_name[VICI_NAME_MAX];
	struct espmob_endpoints old_ep, new_ep;
	uint16_t new_local_port, new_remote_port;
	bool nat_any;
	unsigned int n_children;	/* CHILD_SAs found in the cache */
};

/*
 * Turns an ike-update event into a MIGRATE request from the cache: the
 * old endpoints are the IKE_SA's (charon reports them before it updates
 * them), the new ones the event's top-level hosts; the SPIs are the
 * inbound and outbound SPIs of every ESP CHILD_SA of that IKE_SA; the
 * reqid is set when all of them share one; encap espinudp with the new
 * ports when charon sees a NAT (nat-any) or a CHILD_SA is encapsulated
 * and a port is 4500, encap none when a CHILD_SA was encapsulated and no
 * NAT is left. Afterwards the cache holds the new endpoints.
 * Returns 1 when there is something to migrate, 0 when not (addresses
 * unchanged, also when only a port changed, which MIGRATE does not take;
 * unknown IKE_SA or no CHILD_SA: u says which), -1 with err.
 */
int vici_update_request(struct vici_sa_cache *c, const struct vici_node *root,
			struct vici_update *u, struct migrate_req *req,
			char *err, size_t errlen);

#endif /* ESPMOB_VICI_SA_H */
