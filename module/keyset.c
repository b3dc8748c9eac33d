// SPDX-License-Identifier: GPL-2.0
/*
 * The keyset of keyset.h: linear probing in a power-of-two table kept at
 * most half full, so a lookup inspects a couple of slots on average. The
 * set never grows: espmob_keyset_init() is told how many keys will come.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "keyset.h"

int espmob_keyset_init(struct espmob_keyset *set, unsigned int keys)
{
	unsigned long n = roundup_pow_of_two(max(2UL * keys, 8UL));

	set->slots = kvcalloc(n, sizeof(*set->slots), GFP_KERNEL);
	if (!set->slots)
		return -ENOMEM;
	set->mask = n - 1;
	return 0;
}

void espmob_keyset_free(struct espmob_keyset *set)
{
	kvfree(set->slots);
	set->slots = NULL;
}

static unsigned int first_slot(const struct espmob_keyset *set, u64 key)
{
	return hash_64(key, 32) & set->mask;
}

/* The caller adds at most the number of keys the set was sized for. */
void espmob_keyset_add(struct espmob_keyset *set, u64 key)
{
	unsigned int i = first_slot(set, key);

	while (set->slots[i] && set->slots[i] != key)
		i = (i + 1) & set->mask;
	set->slots[i] = key;
}

bool espmob_keyset_has(const struct espmob_keyset *set, u64 key)
{
	unsigned int i = first_slot(set, key);

	if (!set->slots)
		return false;
	while (set->slots[i]) {
		if (set->slots[i] == key)
			return true;
		i = (i + 1) & set->mask;
	}
	return false;
}
