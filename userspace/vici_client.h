/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VICI client connection: one UNIX stream socket to charon, commands
 * with their streamed events, event registration, and events queued while
 * a command waits for its response. Every read is bounded by
 * VICI_MAX_SEGMENT and a timeout; a peer that closes or sends garbage
 * makes the call fail with a message in conn->err, never crash.
 */
#ifndef ESPMOB_VICI_CLIENT_H
#define ESPMOB_VICI_CLIENT_H

#include "vici.h"

/* Events received during a command and not yet delivered. */
#define VICI_MAX_QUEUED		64
/* Default socket, charon's compiled-in default. */
#define VICI_DEFAULT_SOCKET	"/var/run/charon.vici"

/* One received segment: the packet and, for messages, its tree. */
struct vici_rx {
	uint8_t *seg;		/* length prefix included */
	size_t seg_len;
	struct vici_packet pkt;	/* pkt.msg points into seg */
	struct vici_msg *msg;	/* NULL for packets without message */
	struct vici_rx *next;
};

struct vici_conn {
	int fd;
	int timeout_ms;		/* for responses; default 10000 */
	struct vici_rx *queue, *queue_tail;
	unsigned int queued;
	/* when set, every received segment is also written there */
	const char *record_dir;
	unsigned int recorded;
	char err[256];
};

typedef int (*vici_stream_cb)(void *data, const struct vici_rx *rx);

/* "unix:///path" or a plain path. Returns 0 or -errno, conn->err set. */
int vici_conn_open(struct vici_conn *c, const char *path);
void vici_conn_close(struct vici_conn *c);

/* Sends one finished segment. 0 or -errno. */
int vici_conn_send(struct vici_conn *c, const uint8_t *seg, size_t len);

/*
 * Reads one segment, waiting at most timeout_ms (-1: forever). Returns 0
 * with *rx (free with vici_rx_free), -ETIMEDOUT, -ECONNRESET when charon
 * closed the connection between segments, -EPIPE when it closed it inside
 * one, -EMSGSIZE/-EBADMSG for a segment we refuse, or another -errno.
 */
int vici_conn_recv(struct vici_conn *c, int timeout_ms, struct vici_rx **rx);
void vici_rx_free(struct vici_rx *rx);

/*
 * Sends command cmd with message body (NULL: empty) and reads until its
 * response. EVENT packets named stream go to cb; other events are queued
 * for vici_conn_next_event(). Returns 0 with *resp (the CMD_RESPONSE; free
 * it), -ENOENT when charon does not know the command, or -errno.
 */
int vici_conn_command(struct vici_conn *c, const uint8_t *seg, size_t len,
		      const char *stream, vici_stream_cb cb, void *data,
		      struct vici_rx **resp);

/* vici_conn_command() for a command that carries no arguments. */
int vici_conn_simple(struct vici_conn *c, const char *cmd, const char *stream,
		     vici_stream_cb cb, void *data, struct vici_rx **resp);

/* EVENT_REGISTER (reg) or EVENT_UNREGISTER; -ENOENT for unknown events. */
int vici_conn_register(struct vici_conn *c, const char *event, bool reg);

/*
 * The next event: a queued one first, else one read from the socket
 * within timeout_ms. Anything but an EVENT is a protocol error (-EPROTO).
 */
int vici_conn_next_event(struct vici_conn *c, int timeout_ms,
			 struct vici_rx **rx);

#endif /* ESPMOB_VICI_CLIENT_H */
