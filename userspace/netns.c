// SPDX-License-Identifier: GPL-2.0
/* espmob -n NETNS: run in a network namespace made by "ip netns add". */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "espmob.h"

#define NETNS_RUN_DIR	"/run/netns"

int espmob_enter_netns(struct espmob_ctx *ctx, const char *name)
{
	char path[PATH_MAX];
	int fd, err;

	/* a name, not a path: "ip netns" never makes others */
	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, "..")) {
		espmob_error(ctx, "invalid network namespace name \"%s\"",
			     name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		espmob_error(ctx, "cannot open network namespace \"%s\": %s",
			     name, strerror(errno));
		return -1;
	}
	err = setns(fd, CLONE_NEWNET);
	if (err < 0)
		espmob_error(ctx, "cannot enter network namespace \"%s\": %s%s",
			     name, strerror(errno), errno == EPERM ?
			     ": espmob -n needs CAP_SYS_ADMIN" : "");
	close(fd);
	return err < 0 ? -1 : 0;
}
