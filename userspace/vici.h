/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The strongSwan VICI wire format: framing, packets, message elements.
 *
 * A transport segment is a 32-bit big-endian length followed by that many
 * bytes (at most VICI_MAX_SEGMENT). Its first byte is the packet type;
 * named packet types continue with a 1-byte name length and the name; the
 * rest is the message: a flat sequence of elements
 *
 *   SECTION_START name | SECTION_END | KEY_VALUE name value |
 *   LIST_START name | LIST_ITEM value | LIST_END
 *
 * where a name is a 1-byte length and that many bytes and a value is a
 * 16-bit big-endian length and that many bytes.
 *
 * Nothing here allocates more than the input justifies: the decoder checks
 * every length against the bytes that remain, limits nesting and element
 * counts, and builds its tree in a single allocation.
 */
#ifndef ESPMOB_VICI_H
#define ESPMOB_VICI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* charon refuses segments above 512 KiB; so do we. */
#define VICI_MAX_SEGMENT	(512u * 1024u)
/* Sections nested deeper than this are refused (charon's own use: < 8). */
#define VICI_MAX_DEPTH		32
/* Elements in one message; a 512 KiB message of sane elements has fewer. */
#define VICI_MAX_ELEMENTS	65536
#define VICI_MAX_NAME		255
#define VICI_MAX_VALUE		65535

enum vici_packet_type {
	VICI_CMD_REQUEST = 0,
	VICI_CMD_RESPONSE = 1,
	VICI_CMD_UNKNOWN = 2,
	VICI_EVENT_REGISTER = 3,
	VICI_EVENT_UNREGISTER = 4,
	VICI_EVENT_CONFIRM = 5,
	VICI_EVENT_UNKNOWN = 6,
	VICI_EVENT = 7,
};

enum vici_element_type {
	VICI_SECTION_START = 1,
	VICI_SECTION_END = 2,
	VICI_KEY_VALUE = 3,
	VICI_LIST_START = 4,
	VICI_LIST_ITEM = 5,
	VICI_LIST_END = 6,
};

/* True for the packet types that carry a name after the type byte. */
bool vici_packet_named(uint8_t type);
/* True for the packet types that may carry a message. */
bool vici_packet_has_message(uint8_t type);
const char *vici_packet_type_name(uint8_t type);

/* Why decoding failed: a fixed text and where in the input. */
struct vici_error {
	const char *msg;
	size_t offset;
};

/*
 * One packet (a segment without its length prefix). name is NUL-terminated
 * ("" for unnamed types); msg points into the segment.
 */
struct vici_packet {
	uint8_t type;
	char name[VICI_MAX_NAME + 1];
	const uint8_t *msg;
	size_t msg_len;
};

/*
 * Reads the 4-byte length prefix. Returns 0 and the length, or -EMSGSIZE
 * when it exceeds VICI_MAX_SEGMENT, or -EBADMSG for an empty segment.
 */
int vici_segment_len(const uint8_t hdr[4], uint32_t *len);

/*
 * Splits a segment into type, name and message. Returns 0 or -EBADMSG
 * (unknown type, truncated name, a name with a NUL byte, or a message on a
 * type that has none) or -EMSGSIZE, with err filled when not NULL.
 */
int vici_packet_parse(const uint8_t *seg, size_t len, struct vici_packet *p,
		      struct vici_error *err);

/* ---- pull parser: one element at a time, structure checked ---- */

struct vici_element {
	uint8_t type;		/* enum vici_element_type */
	const uint8_t *name;	/* not NUL-terminated; NULL if none */
	size_t name_len;
	const uint8_t *value;	/* KEY_VALUE, LIST_ITEM; else NULL */
	size_t value_len;
	size_t offset;		/* of the element in the message */
};

struct vici_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	unsigned int depth;	/* open sections */
	bool in_list;
	unsigned long count;	/* elements returned so far */
	int error;		/* sticky: 0 or the first error */
	struct vici_error err;
};

void vici_reader_init(struct vici_reader *r, const uint8_t *msg, size_t len);
/*
 * Returns 1 with the next element, 0 at a well-formed end of the message,
 * or -EBADMSG / -E2BIG (too deep or too many elements) with r->err set.
 * After an error every further call returns the same error.
 */
int vici_reader_next(struct vici_reader *r, struct vici_element *e);

/* ---- decoded tree ---- */

enum vici_node_type {
	VICI_NODE_SECTION,	/* also the root */
	VICI_NODE_KV,
	VICI_NODE_LIST,
	VICI_NODE_ITEM,
};

struct vici_node {
	enum vici_node_type type;
	const char *name;	/* NUL-terminated; "" for the root and items */
	const char *value;	/* KV, ITEM: NUL-terminated copy; else NULL */
	size_t value_len;	/* the value may hold NUL bytes itself */
	struct vici_node *parent;
	struct vici_node *first; /* children of a section or items of a list */
	struct vici_node *next;
};

/* A message decoded in one allocation; free with vici_msg_free(). */
struct vici_msg {
	struct vici_node root;
	size_t size;		/* bytes allocated, for tests */
};

/*
 * Decodes a message body. Returns 0 with *out set, or -EBADMSG, -E2BIG,
 * -ENOMEM with err filled (when not NULL) and *out NULL.
 */
int vici_msg_decode(const uint8_t *msg, size_t len, struct vici_msg **out,
		    struct vici_error *err);
void vici_msg_free(struct vici_msg *m);

/* The first child of a section (or item of a list) named name, or NULL. */
const struct vici_node *vici_child(const struct vici_node *n, const char *name);
/*
 * The value of key name in section n when it is a text value (no NUL byte
 * inside), else NULL.
 */
const char *vici_str(const struct vici_node *n, const char *name);
/* Follows a NULL-terminated chain of section names from n. */
const struct vici_node *vici_path(const struct vici_node *n, ...)
	__attribute__((sentinel));

/*
 * Writes the tree in a stable text form, one element per line, indented
 * by depth: `name = value`, `name {`, `}`, `name [`, `item`, `]`. Bytes
 * outside printable ASCII are written as \xHH.
 */
void vici_dump(FILE *f, const struct vici_node *n);

/* ---- encoder ---- */

/*
 * Builds one segment (length prefix included) in a growing buffer. Errors
 * are sticky: the first one is returned by vici_enc_finish(), and calls
 * after it do nothing.
 */
struct vici_enc {
	uint8_t *buf;
	size_t len;
	size_t cap;
	int err;
	unsigned int depth;
	bool in_list;
	bool has_message;
};

/* Starts a packet of the given type; name is required for named types. */
void vici_enc_init(struct vici_enc *e, uint8_t type, const char *name);
void vici_enc_section_start(struct vici_enc *e, const char *name);
void vici_enc_section_end(struct vici_enc *e);
void vici_enc_kv(struct vici_enc *e, const char *name, const void *value,
		 size_t len);
void vici_enc_kv_str(struct vici_enc *e, const char *name, const char *value);
void vici_enc_list_start(struct vici_enc *e, const char *name);
void vici_enc_list_item(struct vici_enc *e, const void *value, size_t len);
void vici_enc_list_end(struct vici_enc *e);
/*
 * Checks the message is complete and fills in the length prefix. Returns 0
 * with the segment in *seg / *len (owned by e), or -EINVAL (misuse: bad
 * nesting, name or value too long, message on a type without one),
 * -EMSGSIZE (above VICI_MAX_SEGMENT) or -ENOMEM.
 */
int vici_enc_finish(struct vici_enc *e, const uint8_t **seg, size_t *len);
/*
 * Appends the elements of a decoded section's (or the root's) children.
 * Since every message has a single encoding, re-encoding a decoded message
 * reproduces its bytes.
 */
void vici_enc_tree(struct vici_enc *e, const struct vici_node *section);
void vici_enc_free(struct vici_enc *e);

#endif /* ESPMOB_VICI_H */
