/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fixed-size set of non-zero 64-bit keys: what one request looks up
 * over and over while it walks the tables (is this state one we move?
 * does this template lead to one of them?), in O(1) instead of a walk of
 * its own lists. Built once the request knows how many keys it holds;
 * lookups take no lock and never allocate, so the walk callbacks that run
 * under the xfrm table spinlocks may use it.
 */
#ifndef _ESPMOB_KEYSET_H
#define _ESPMOB_KEYSET_H

#include <linux/types.h>

struct espmob_keyset {
	u64 *slots;		/* open addressing; 0 marks a free slot */
	unsigned int mask;	/* slots - 1; at least twice the keys */
};

int espmob_keyset_init(struct espmob_keyset *set, unsigned int keys);
void espmob_keyset_free(struct espmob_keyset *set);
void espmob_keyset_add(struct espmob_keyset *set, u64 key);
bool espmob_keyset_has(const struct espmob_keyset *set, u64 key);

static inline u64 espmob_ptr_key(const void *p)
{
	return (u64)(uintptr_t)p;
}

#endif /* _ESPMOB_KEYSET_H */
