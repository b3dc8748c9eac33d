/* SPDX-License-Identifier: GPL-2.0 */
/* The migrators: one per method, driven by migrate.c. */
#ifndef BENCH_MIG_H
#define BENCH_MIG_H

#include "lib.h"

struct mig {
	struct model m;
	struct nlc x;		/* NETLINK_XFRM */
	struct nlc g;		/* NETLINK_GENERIC (esp_mobility) */
	uint16_t family;	/* esp_mobility family id */
	int named;		/* esp_mobility: name the SPIs and policies */
	int spis_only;		/* ... the SPIs but not the policies */
	int rewrites_sel;	/* the method rewrites transport selectors */
	unsigned int msgs;	/* requests sent in the last migration */
	uint64_t kernel_ns;	/* time the kernel reported for it, if any */
	char **req;		/* per peer prepared request (esp_mobility) */
};

struct method {
	const char *name;
	int (*init)(struct mig *g, unsigned int npeers);
	/* untimed work before a migration (e.g. look up policy indexes) */
	int (*prepare)(struct mig *g, unsigned int i, unsigned int peer,
		       uint32_t from, uint32_t to);
	/* the timed part: move @peer's SAs and policies from @from to @to */
	int (*migrate)(struct mig *g, unsigned int i, unsigned int peer,
		       uint32_t from, uint32_t to);
	/* optional, untimed: wait for work the method left to the kernel */
	int (*settle)(struct mig *g);
};

extern const struct method method_libreswan;
extern const struct method method_strongswan;
extern const struct method method_espmob;

/* The transport-mode selectors' local address as the kernel holds it. */
static inline uint32_t sel_local(const struct mig *g, uint32_t from)
{
	return g->rewrites_sel ? from : g->m.l1;
}

#endif
