/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Walking a whole xfrm table in bounded sections. xfrm_state_walk() and
 * xfrm_policy_walk() hold the table lock with bottom halves disabled while
 * they call the callback. A callback that first asks espmob_walk_pause()
 * returns ESPMOB_WALK_PAUSE once a section's budget is spent; the kernel's
 * walker then parks its cursor in front of that entry (as between two
 * parts of a netlink dump), espmob_walk_in_chunks() drops the lock, may
 * reschedule and resumes. No walk keeps a CPU's softirqs off for longer
 * than one section however large the table is.
 */
#ifndef _ESPMOB_WALK_H
#define _ESPMOB_WALK_H

#include <linux/errno.h>
#include <linux/sched.h>

/* Table entries a walk examines in one locked section. */
#define ESPMOB_WALK_CHUNK	128

/* What a walk callback returns to pause the walk before this entry. */
#define ESPMOB_WALK_PAUSE	1

/* Called first by each walk callback: is this section's budget spent? */
static inline bool espmob_walk_pause(unsigned int *budget)
{
	if (!*budget)
		return true;
	(*budget)--;
	return false;
}

/*
 * Runs @walk_once (one call of a kernel table walk) section by section
 * until it has seen the whole table: 0, or the callback's error.
 */
static inline int espmob_walk_in_chunks(unsigned int *budget,
					int (*walk_once)(void *arg, void *walk),
					void *arg, void *walk)
{
	int err;

	do {
		*budget = ESPMOB_WALK_CHUNK;
		err = walk_once(arg, walk);
		if (err == ESPMOB_WALK_PAUSE)
			cond_resched();
	} while (err == ESPMOB_WALK_PAUSE);
	return err == -ENOENT ? 0 : err;	/* -ENOENT: the table was empty */
}

#endif /* _ESPMOB_WALK_H */
