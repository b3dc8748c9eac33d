// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the VICI client connection (vici_client.c) against a
 * scripted peer on a socketpair: events, commands with streamed and
 * interleaved events, registration, and a peer that closes between or
 * inside segments, announces oversized or empty segments, sends malformed
 * messages, unexpected packets, too many events, or nothing at all.
 * TAP on stdout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../vici_client.h"
#include "vici_tap.h"

struct peer {
	struct vici_conn c;
	int fd;			/* the scripted charon's end */
};

static void peer_open(struct peer *p)
{
	int sv[2];

	memset(p, 0, sizeof(*p));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		perror("socketpair");
		exit(1);
	}
	p->c.fd = sv[0];
	p->c.timeout_ms = 2000;
	p->fd = sv[1];
}

static void peer_close(struct peer *p)
{
	vici_conn_close(&p->c);
	if (p->fd >= 0)
		close(p->fd);
}

static void peer_hangup(struct peer *p)
{
	close(p->fd);
	p->fd = -1;
}

static void peer_write(struct peer *p, const void *buf, size_t len)
{
	if (write(p->fd, buf, len) != (ssize_t)len) {
		perror("write");
		exit(1);
	}
}

/* An EVENT (or other packet) with one key/value, as charon would send. */
static void peer_packet(struct peer *p, uint8_t type, const char *name,
			const char *key, const char *value)
{
	struct vici_enc e;
	const uint8_t *seg;
	size_t len;

	vici_enc_init(&e, type, name);
	if (key)
		vici_enc_kv_str(&e, key, value);
	if (vici_enc_finish(&e, &seg, &len) == 0)
		peer_write(p, seg, len);
	vici_enc_free(&e);
}

static int recv_one(struct peer *p, int timeout_ms)
{
	struct vici_rx *rx = NULL;
	int ret = vici_conn_recv(&p->c, timeout_ms, &rx);

	vici_rx_free(rx);
	return ret;
}

static void test_framing_errors(void)
{
	static const uint8_t half_prefix[] = { 0, 0 };
	static const uint8_t cut[] = { 0, 0, 0, 100, 7, 3, 'a', 'b', 'c' };
	static const uint8_t huge[] = { 0, 9, 0, 0 };
	static const uint8_t empty[] = { 0, 0, 0, 0 };
	static const uint8_t bad_msg[] = { 0, 0, 0, 5, 7, 1, 'e', 5, 0 };
	static const uint8_t bad_type[] = { 0, 0, 0, 1, 42 };
	struct peer p;
	int ret;

	peer_open(&p);
	peer_packet(&p, VICI_EVENT, "ike-update", "local-host", "192.0.2.20");
	peer_hangup(&p);
	ret = recv_one(&p, 1000);
	tap_ok(ret == 0, "a whole event is received");
	ret = recv_one(&p, 1000);
	tap_ok(ret == -ECONNRESET &&
	       !strcmp(p.c.err, "charon closed the connection"),
	       "close between segments: %s", p.c.err);
	peer_close(&p);

	peer_open(&p);
	peer_write(&p, half_prefix, sizeof(half_prefix));
	peer_hangup(&p);
	ret = recv_one(&p, 1000);
	tap_ok(ret == -EPIPE && strstr(p.c.err, "length prefix"),
	       "close inside the length prefix: %s", p.c.err);
	peer_close(&p);

	peer_open(&p);
	peer_write(&p, cut, sizeof(cut));
	peer_hangup(&p);
	ret = recv_one(&p, 1000);
	tap_ok(ret == -EPIPE && strstr(p.c.err, "(5 of 100 bytes)"),
	       "close inside a segment: %s", p.c.err);
	peer_close(&p);

	peer_open(&p);
	peer_write(&p, cut, sizeof(cut));
	ret = recv_one(&p, 200);
	tap_ok(ret == -ETIMEDOUT && strstr(p.c.err, "cut short"),
	       "a peer that stops inside a segment times out: %s", p.c.err);
	peer_close(&p);

	peer_open(&p);
	ret = recv_one(&p, 100);
	tap_ok(ret == -ETIMEDOUT, "a silent peer times out: %s", p.c.err);
	peer_close(&p);

	peer_open(&p);
	peer_write(&p, huge, sizeof(huge));
	ret = recv_one(&p, 1000);
	tap_ok(ret == -EMSGSIZE && strstr(p.c.err, "589824"),
	       "oversized segment refused before reading it: %s", p.c.err);
	peer_close(&p);

	peer_open(&p);
	peer_write(&p, empty, sizeof(empty));
	ret = recv_one(&p, 1000);
	tap_ok(ret == -EBADMSG, "empty segment refused: %s", p.c.err);
	peer_close(&p);

	peer_open(&p);
	peer_write(&p, bad_msg, sizeof(bad_msg));
	ret = recv_one(&p, 1000);
	tap_ok(ret == -EBADMSG && strstr(p.c.err, "malformed EVENT packet") &&
	       strstr(p.c.err, "list item outside a list"),
	       "malformed message refused: %s", p.c.err);
	peer_close(&p);

	peer_open(&p);
	peer_write(&p, bad_type, sizeof(bad_type));
	ret = recv_one(&p, 1000);
	tap_ok(ret == -EBADMSG && strstr(p.c.err, "unknown packet type"),
	       "unknown packet type refused: %s", p.c.err);
	peer_close(&p);
}

struct stream_count {
	int n;
	char last[32];
};

static int count_cb(void *data, const struct vici_rx *rx)
{
	struct stream_count *s = data;
	const char *v = vici_str(&rx->msg->root, "n");

	s->n++;
	snprintf(s->last, sizeof(s->last), "%s", v ? v : "");
	return 0;
}

static int request(struct peer *p, const char *cmd, const char *stream,
		   struct stream_count *sc, struct vici_rx **resp)
{
	return vici_conn_simple(&p->c, cmd, stream, count_cb, sc, resp);
}

static void test_commands(void)
{
	struct stream_count sc = { 0 };
	struct vici_rx *resp = NULL, *ev = NULL;
	struct peer p;
	uint8_t req[64];
	ssize_t n;
	int ret, i;

	/* list-sas: streamed list-sa events, an ike-update in between */
	peer_open(&p);
	peer_packet(&p, VICI_EVENT, "list-sa", "n", "1");
	peer_packet(&p, VICI_EVENT, "ike-update", "n", "u");
	peer_packet(&p, VICI_EVENT, "list-sa", "n", "2");
	peer_packet(&p, VICI_CMD_RESPONSE, NULL, "done", "yes");
	ret = request(&p, "list-sas", "list-sa", &sc, &resp);
	tap_ok(ret == 0 && resp && sc.n == 2 && !strcmp(sc.last, "2") &&
	       vici_str(&resp->msg->root, "done"),
	       "command: streamed events to the callback, then the response");
	vici_rx_free(resp);
	n = read(p.fd, req, sizeof(req));
	tap_ok(n == 4 + 2 + 8 && req[3] == 10 && req[4] == VICI_CMD_REQUEST &&
	       req[5] == 8 && !memcmp(req + 6, "list-sas", 8),
	       "the request on the wire");
	ret = vici_conn_next_event(&p.c, 100, &ev);
	tap_ok(ret == 0 && ev && !strcmp(ev->pkt.name, "ike-update") &&
	       !strcmp(vici_str(&ev->msg->root, "n"), "u"),
	       "the event raised during the command is delivered afterwards");
	vici_rx_free(ev);
	ret = vici_conn_next_event(&p.c, 100, &ev);
	tap_ok(ret == -ETIMEDOUT && !ev, "and only once");
	peer_close(&p);

	peer_open(&p);
	peer_packet(&p, VICI_CMD_UNKNOWN, NULL, NULL, NULL);
	ret = request(&p, "no-such-command", NULL, NULL, &resp);
	tap_ok(ret == -ENOENT && !resp, "unknown command: %s", p.c.err);
	peer_close(&p);

	peer_open(&p);
	peer_packet(&p, VICI_EVENT_CONFIRM, NULL, NULL, NULL);
	peer_packet(&p, VICI_EVENT_UNKNOWN, NULL, NULL, NULL);
	tap_ok(vici_conn_register(&p.c, "ike-update", true) == 0,
	       "event registration confirmed");
	ret = vici_conn_register(&p.c, "no-such-event", true);
	tap_ok(ret == -ENOENT && strstr(p.c.err, "no-such-event"),
	       "unknown event refused: %s", p.c.err);
	peer_close(&p);

	peer_open(&p);
	peer_packet(&p, VICI_EVENT_CONFIRM, NULL, NULL, NULL);
	ret = request(&p, "version", NULL, NULL, &resp);
	tap_ok(ret == -EPROTO, "a confirm instead of a response: %s",
	       p.c.err);
	peer_close(&p);

	peer_open(&p);
	peer_packet(&p, VICI_CMD_RESPONSE, NULL, NULL, NULL);
	ret = vici_conn_next_event(&p.c, 1000, &ev);
	tap_ok(ret == -EPROTO && !ev, "a response without command: %s",
	       p.c.err);
	peer_close(&p);

	peer_open(&p);
	peer_packet(&p, VICI_EVENT, "list-sa", "n", "1");
	peer_hangup(&p);
	ret = request(&p, "list-sas", "list-sa", &sc, &resp);
	tap_ok(ret == -ECONNRESET || ret == -EPIPE,
	       "charon gone during a command: %s", p.c.err);
	peer_close(&p);

	peer_open(&p);
	for (i = 0; i <= VICI_MAX_QUEUED; i++)
		peer_packet(&p, VICI_EVENT, "ike-updown", "n", "x");
	peer_packet(&p, VICI_CMD_RESPONSE, NULL, NULL, NULL);
	ret = request(&p, "version", NULL, NULL, &resp);
	tap_ok(ret == -ENOBUFS, "too many events during a command: %s",
	       p.c.err);
	peer_close(&p);
}

static void test_open(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct vici_conn c;
	char path[64];
	int l, ret;

	ret = vici_conn_open(&c, "/nonexistent/charon.vici");
	tap_ok(ret == -ENOENT && strstr(c.err, "/nonexistent/charon.vici"),
	       "no socket: %s", c.err);
	ret = vici_conn_open(&c, "unix:///nonexistent/x");
	tap_ok(ret == -ENOENT && strstr(c.err, "connecting to /nonexistent/x"),
	       "unix:// URIs accepted");
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	{
		char longp[200];

		memset(longp, 'x', sizeof(longp) - 1);
		longp[sizeof(longp) - 1] = '\0';
		tap_ok(vici_conn_open(&c, longp) == -ENAMETOOLONG,
		       "too long a path refused");
	}

	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/vici-test-%d",
		 (int)getpid());
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(sun.sun_path);
	if (l >= 0 && bind(l, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    listen(l, 1) == 0) {
		ret = vici_conn_open(&c, sun.sun_path);
		tap_ok(ret == 0 && c.fd >= 0, "connects to a listening socket");
		vici_conn_close(&c);
		tap_ok(c.fd == -1 && vici_conn_send(&c, (const uint8_t *)path, 1) == -ENOTCONN,
		       "closed connection refuses to send");
	} else {
		tap_ok(0, "listening socket for the test");
	}
	if (l >= 0)
		close(l);
	unlink(sun.sun_path);
}

int main(void)
{
	printf("TAP version 13\n");
	test_framing_errors();
	test_commands();
	test_open();
	return tap_done();
}
