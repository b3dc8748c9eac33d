/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ESPMOB_CMD_MIGRATE from inside charon. The request is encoded by the
 * project's shared encoder (userspace/request.c, migrate_build()) and sent
 * by espmob_migrate() (userspace/migrate_send.c, genl.c), all compiled
 * into the plugin, so the plugin speaks exactly the ABI of uapi/ here.
 */
#ifndef MIGRATE_CLIENT_H_
#define MIGRATE_CLIENT_H_

#include <stddef.h>

#include "espmob.h"

typedef struct migrate_client_t migrate_client_t;

migrate_client_t *migrate_client_create(void);

/**
 * Sends req and waits for the answer. Returns 0, or a negative errno with
 * the module's message (or why it could not be asked) in msg.
 * Thread-safe: one request at a time.
 */
int migrate_client_send(migrate_client_t *this, const struct migrate_req *req,
						struct migrate_result *res, char *msg, size_t len);

void migrate_client_destroy(migrate_client_t *this);

#endif /* MIGRATE_CLIENT_H_ */
