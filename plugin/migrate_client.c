// SPDX-License-Identifier: GPL-2.0
/*
 * ESPMOB_CMD_MIGRATE from inside charon (see migrate_client.h): espmob's
 * espmob_migrate() on a context of the plugin's own, one caller at a time.
 * This file sees espmob's headers only, none of strongSwan's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include <pthread.h>

#include "migrate_client.h"

struct migrate_client_t {
	pthread_mutex_t lock;
	/* espmob's netlink context: socket, family id, last error */
	struct espmob_ctx ctx;
};

migrate_client_t *migrate_client_create(void)
{
	migrate_client_t *this = calloc(1, sizeof(*this));

	if (this)
		pthread_mutex_init(&this->lock, NULL);
	return this;
}

/*
 * The module may have been unloaded and loaded again since the family id
 * was resolved: after any failure, resolve it again next time.
 */
static void forget_socket(migrate_client_t *this)
{
	if (this->ctx.nl) {
		mnl_socket_close(this->ctx.nl);
		this->ctx.nl = NULL;
	}
}

int migrate_client_send(migrate_client_t *this, const struct migrate_req *req,
			struct migrate_result *res, char *msg, size_t len)
{
	int err;

	pthread_mutex_lock(&this->lock);
	this->ctx.errmsg[0] = '\0';
	err = espmob_migrate(&this->ctx, req, res);
	if (err)
		forget_socket(this);
	snprintf(msg, len, "%s", this->ctx.errmsg[0] ? this->ctx.errmsg :
		 strerror(-err));
	pthread_mutex_unlock(&this->lock);
	return err;
}

void migrate_client_destroy(migrate_client_t *this)
{
	if (!this)
		return;
	forget_socket(this);
	pthread_mutex_destroy(&this->lock);
	free(this);
}
