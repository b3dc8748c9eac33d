/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mover: a bus listener that, when charon raises ike_update for an
 * IKE_SA whose addresses change, moves all its eligible CHILD_SAs with one
 * ESPMOB_CMD_MIGRATE, and then remembers, for the calling thread only,
 * which SAs charon is about to update, so that the kernel wrapper keeps
 * charon's own kernel messages for them away from the kernel.
 */
#ifndef MOVE_H_
#define MOVE_H_

#include <bus/listeners/listener.h>

typedef struct mover_t mover_t;

struct mover_t {
	listener_t listener;

	/**
	 * Answers whether the calling thread is inside charon's update of a
	 * CHILD_SA that the mover has already moved, and spi (network order)
	 * is one of its SAs.
	 */
	bool (*claims)(mover_t *this, uint32_t spi);

	/**
	 * Answers whether new_src, new_dst and encap are where the claimed SA
	 * with this spi was moved to.
	 */
	bool (*moved_to)(mover_t *this, uint32_t spi, host_t *new_src,
					 host_t *new_dst, bool encap);

	void (*destroy)(mover_t *this);
};

mover_t *mover_create(void);

#endif /* MOVE_H_ */
