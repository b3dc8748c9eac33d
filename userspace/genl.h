/* SPDX-License-Identifier: GPL-2.0 */
/* Netlink plumbing: sockets, requests, ACKs and extended ACKs. */
#ifndef ESPMOB_GENL_H
#define ESPMOB_GENL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "espmob.h"

/* Big enough for any single netlink message the kernel sends us. */
#define NL_BUF_SIZE	65536

/* Called for every non-control message answering a request. */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Opens a netlink socket of the given protocol with extended ACKs
 * enabled. Returns NULL with errno set.
 */
struct mnl_socket *nl_open(int protocol);

/*
 * Sends nlh (sequence number and port filled in here) and reads the
 * answer up to its ACK, NLMSG_DONE or error, calling cb for every other
 * message. Returns 0, the first negative value cb returned, or a negative
 * errno; on a kernel error ctx->errmsg describes it in the form
 * "<extack message> (<strerror>)" followed by the offending attribute's
 * offset and the cookie when the kernel gave them.
 */
int nl_talk(struct espmob_ctx *ctx, struct mnl_socket *nl,
	    struct nlmsghdr *nlh, nl_msg_cb cb, void *data);

/*
 * Reads the NLMSG_ERROR message nlh answering req (NULL if req's layout
 * is not genetlink): returns its error (0 for an ACK) and, for an error,
 * describes it in ctx->errmsg as nl_talk() says.
 */
int nl_error_ack(struct espmob_ctx *ctx, const struct nlmsghdr *nlh,
		 const struct nlmsghdr *req);

/*
 * strerror(err) for a positive errno, with what to do about it where
 * espmob knows: EPERM names the capability the module asks for.
 */
const char *nl_strerror(int err, char *buf, size_t len);

/* genl_init()'s message when the family is not registered. */
#define GENL_NO_MODULE_MSG \
	"the esp_mobility module is not loaded; load it with \"modprobe esp_mobility\""

/*
 * Opens ctx->nl and resolves the esp_mobility family id and its "migrate"
 * multicast group, once. Returns 0 or a negative errno with ctx->errmsg set;
 * -ENOENT means the module is not loaded (GENL_NO_MODULE_MSG).
 */
int genl_init(struct espmob_ctx *ctx);

/*
 * Starts a generic netlink message in buf with its genetlink header; the
 * caller appends attributes with mnl_attr_put*(). MNL_SOCKET_BUFFER_SIZE
 * bytes hold every request espmob sends.
 */
struct nlmsghdr *genl_start(void *buf, uint16_t family, uint8_t cmd,
			    uint8_t version, uint16_t flags);

#endif /* ESPMOB_GENL_H */
