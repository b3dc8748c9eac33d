// SPDX-License-Identifier: GPL-2.0
/*
 * VICI client connection: socket I/O with deadlines, commands with their
 * streamed events, event (un)registration and a bounded event queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "vici_client.h"

static int conn_error(struct vici_conn *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int conn_error(struct vici_conn *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return code;
}

int vici_conn_open(struct vici_conn *c, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = 10000;
	if (!strncmp(path, "unix://", 7))
		path += 7;
	if (strlen(path) >= sizeof(sun.sun_path))
		return conn_error(c, -ENAMETOOLONG, "socket path too long: %s",
				  path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return conn_error(c, -errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int err = errno;

		close(fd);
		return conn_error(c, -err, "connecting to %s: %s", path,
				  strerror(err));
	}
	c->fd = fd;
	return 0;
}

void vici_rx_free(struct vici_rx *rx)
{
	if (!rx)
		return;
	vici_msg_free(rx->msg);
	free(rx->seg);
	free(rx);
}

void vici_conn_close(struct vici_conn *c)
{
	struct vici_rx *rx;

	while ((rx = c->queue)) {
		c->queue = rx->next;
		vici_rx_free(rx);
	}
	c->queue_tail = NULL;
	c->queued = 0;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int vici_conn_send(struct vici_conn *c, const uint8_t *seg, size_t len)
{
	size_t done = 0;

	if (c->fd < 0)
		return conn_error(c, -ENOTCONN, "not connected");
	while (done < len) {
		ssize_t n = send(c->fd, seg + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return conn_error(c, -errno, "sending to charon: %s",
					  strerror(errno));
		done += n;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Reads exactly len bytes before the deadline (-1: none). *got counts the
 * bytes read, so that the caller can tell a clean close from a cut one.
 */
static int read_full(struct vici_conn *c, uint8_t *buf, size_t len,
		     long long deadline, size_t *got)
{
	*got = 0;
	while (*got < len) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int wait = -1, r;
		ssize_t n;

		if (deadline >= 0) {
			long long left = deadline - now_ms();

			wait = left > 0 ? (int)left : 0;
		}
		r = poll(&pfd, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = read(c->fd, buf + *got, len - *got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		*got += n;
	}
	return 0;
}

static void record(struct vici_conn *c, const struct vici_rx *rx)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%03u-%s%s%s.bin", c->record_dir,
		 c->recorded++, vici_packet_type_name(rx->pkt.type),
		 rx->pkt.name[0] ? "-" : "", rx->pkt.name);
	f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(rx->seg, 1, rx->seg_len, f);
	fclose(f);
}

int vici_conn_recv(struct vici_conn *c, int timeout_ms, struct vici_rx **out)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	uint8_t hdr[4];
	struct vici_error verr = { 0 };
	struct vici_rx *rx;
	uint32_t len;
	size_t got;
	int ret;

	*out = NULL;
	if (c->fd < 0)
		return conn_error(c, -ENOTCONN, "not connected");
	ret = read_full(c, hdr, 4, deadline, &got);
	if (ret == -EPIPE && got == 0)
		return conn_error(c, -ECONNRESET,
				  "charon closed the connection");
	if (ret == -EPIPE)
		return conn_error(c, -EPIPE,
				  "connection closed inside a length prefix");
	if (ret == -ETIMEDOUT)
		return conn_error(c, ret, "no answer from charon within %d ms",
				  timeout_ms);
	if (ret)
		return conn_error(c, ret, "reading from charon: %s",
				  strerror(-ret));
	ret = vici_segment_len(hdr, &len);
	if (ret == -EMSGSIZE)
		return conn_error(c, ret,
				  "refusing a segment of %u bytes (limit %u)",
				  len, VICI_MAX_SEGMENT);
	if (ret)
		return conn_error(c, ret, "empty segment");

	rx = calloc(1, sizeof(*rx));
	if (!rx || !(rx->seg = malloc(4 + (size_t)len))) {
		free(rx);
		return conn_error(c, -ENOMEM, "out of memory");
	}
	memcpy(rx->seg, hdr, 4);
	rx->seg_len = 4 + (size_t)len;
	ret = read_full(c, rx->seg + 4, len, deadline, &got);
	if (ret) {
		vici_rx_free(rx);
		if (ret == -EPIPE)
			return conn_error(c, ret,
					  "connection closed inside a segment "
					  "(%zu of %u bytes)", got, len);
		if (ret == -ETIMEDOUT)
			return conn_error(c, ret,
					  "segment cut short: %zu of %u bytes "
					  "within %d ms", got, len, timeout_ms);
		return conn_error(c, ret, "reading from charon: %s",
				  strerror(-ret));
	}
	ret = vici_packet_parse(rx->seg + 4, len, &rx->pkt, &verr);
	if (!ret && vici_packet_has_message(rx->pkt.type))
		ret = vici_msg_decode(rx->pkt.msg, rx->pkt.msg_len, &rx->msg,
				      &verr);
	if (c->record_dir)
		record(c, rx);
	if (ret) {
		uint8_t type = rx->seg[4];

		vici_rx_free(rx);
		return conn_error(c, ret, "malformed %s packet: %s at byte %zu",
				  vici_packet_type_name(type),
				  verr.msg ? verr.msg : "?", verr.offset);
	}
	*out = rx;
	return 0;
}

static int enqueue(struct vici_conn *c, struct vici_rx *rx)
{
	if (c->queued >= VICI_MAX_QUEUED) {
		vici_rx_free(rx);
		return conn_error(c, -ENOBUFS,
				  "more than %d events while waiting for a "
				  "response", VICI_MAX_QUEUED);
	}
	rx->next = NULL;
	if (c->queue_tail)
		c->queue_tail->next = rx;
	else
		c->queue = rx;
	c->queue_tail = rx;
	c->queued++;
	return 0;
}

/*
 * Reads until a packet of one of the two wanted types; EVENT packets on
 * the way go to cb when named stream, else to the queue.
 */
static int wait_for(struct vici_conn *c, uint8_t want1, uint8_t want2,
		    const char *stream, vici_stream_cb cb, void *data,
		    struct vici_rx **out)
{
	struct vici_rx *rx;
	int ret;

	for (;;) {
		ret = vici_conn_recv(c, c->timeout_ms, &rx);
		if (ret)
			return ret;
		if (rx->pkt.type == want1 || rx->pkt.type == want2) {
			*out = rx;
			return 0;
		}
		if (rx->pkt.type != VICI_EVENT) {
			uint8_t type = rx->pkt.type;

			vici_rx_free(rx);
			return conn_error(c, -EPROTO, "unexpected %s packet",
					  vici_packet_type_name(type));
		}
		if (stream && cb && !strcmp(rx->pkt.name, stream)) {
			ret = cb(data, rx);
			vici_rx_free(rx);
			if (ret)
				return ret;
			continue;
		}
		ret = enqueue(c, rx);
		if (ret)
			return ret;
	}
}

int vici_conn_command(struct vici_conn *c, const uint8_t *seg, size_t len,
		      const char *stream, vici_stream_cb cb, void *data,
		      struct vici_rx **resp)
{
	struct vici_rx *rx;
	int ret;

	*resp = NULL;
	ret = vici_conn_send(c, seg, len);
	if (ret)
		return ret;
	ret = wait_for(c, VICI_CMD_RESPONSE, VICI_CMD_UNKNOWN, stream, cb,
		       data, &rx);
	if (ret)
		return ret;
	if (rx->pkt.type == VICI_CMD_UNKNOWN) {
		vici_rx_free(rx);
		return conn_error(c, -ENOENT, "charon does not know the command");
	}
	*resp = rx;
	return 0;
}

int vici_conn_register(struct vici_conn *c, const char *event, bool reg)
{
	struct vici_enc e;
	struct vici_rx *rx;
	const uint8_t *seg;
	size_t len;
	int ret;

	vici_enc_init(&e, reg ? VICI_EVENT_REGISTER : VICI_EVENT_UNREGISTER,
		      event);
	ret = vici_enc_finish(&e, &seg, &len);
	if (!ret)
		ret = vici_conn_send(c, seg, len);
	else
		conn_error(c, ret, "cannot encode event name %s", event);
	vici_enc_free(&e);
	if (ret)
		return ret;
	ret = wait_for(c, VICI_EVENT_CONFIRM, VICI_EVENT_UNKNOWN, NULL, NULL,
		       NULL, &rx);
	if (ret)
		return ret;
	if (rx->pkt.type == VICI_EVENT_UNKNOWN)
		ret = conn_error(c, -ENOENT, "charon has no event %s", event);
	vici_rx_free(rx);
	return ret;
}

int vici_conn_next_event(struct vici_conn *c, int timeout_ms,
			 struct vici_rx **out)
{
	struct vici_rx *rx;
	int ret;

	*out = NULL;
	if (c->queue) {
		rx = c->queue;
		c->queue = rx->next;
		if (!c->queue)
			c->queue_tail = NULL;
		c->queued--;
		rx->next = NULL;
		*out = rx;
		return 0;
	}
	ret = vici_conn_recv(c, timeout_ms, &rx);
	if (ret)
		return ret;
	if (rx->pkt.type != VICI_EVENT) {
		uint8_t type = rx->pkt.type;

		vici_rx_free(rx);
		return conn_error(c, -EPROTO, "unexpected %s packet",
				  vici_packet_type_name(type));
	}
	*out = rx;
	return 0;
}

int vici_conn_simple(struct vici_conn *c, const char *cmd, const char *stream,
		     vici_stream_cb cb, void *data, struct vici_rx **resp)
{
	struct vici_enc e;
	const uint8_t *seg;
	size_t len;
	int ret;

	vici_enc_init(&e, VICI_CMD_REQUEST, cmd);
	ret = vici_enc_finish(&e, &seg, &len);
	if (!ret)
		ret = vici_conn_command(c, seg, len, stream, cb, data, resp);
	vici_enc_free(&e);
	return ret;
}
