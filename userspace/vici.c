// SPDX-License-Identifier: GPL-2.0
/*
 * VICI wire codec: segment framing, packet headers, a checking pull parser
 * for message elements, a tree decoder on top of it and an encoder. Written
 * from the protocol description in strongSwan's vici README; see vici.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vici.h"

bool vici_packet_named(uint8_t type)
{
	return type == VICI_CMD_REQUEST || type == VICI_EVENT_REGISTER ||
	       type == VICI_EVENT_UNREGISTER || type == VICI_EVENT;
}

bool vici_packet_has_message(uint8_t type)
{
	return type == VICI_CMD_REQUEST || type == VICI_CMD_RESPONSE ||
	       type == VICI_EVENT;
}

const char *vici_packet_type_name(uint8_t type)
{
	static const char *const names[] = {
		[VICI_CMD_REQUEST] = "CMD_REQUEST",
		[VICI_CMD_RESPONSE] = "CMD_RESPONSE",
		[VICI_CMD_UNKNOWN] = "CMD_UNKNOWN",
		[VICI_EVENT_REGISTER] = "EVENT_REGISTER",
		[VICI_EVENT_UNREGISTER] = "EVENT_UNREGISTER",
		[VICI_EVENT_CONFIRM] = "EVENT_CONFIRM",
		[VICI_EVENT_UNKNOWN] = "EVENT_UNKNOWN",
		[VICI_EVENT] = "EVENT",
	};

	if (type < sizeof(names) / sizeof(names[0]))
		return names[type];
	return "unknown";
}

static int set_error(struct vici_error *err, int code, const char *msg,
		     size_t offset)
{
	if (err) {
		err->msg = msg;
		err->offset = offset;
	}
	return code;
}

int vici_segment_len(const uint8_t hdr[4], uint32_t *len)
{
	uint32_t l = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
		     (uint32_t)hdr[2] << 8 | hdr[3];

	*len = l;
	if (l == 0)
		return -EBADMSG;
	if (l > VICI_MAX_SEGMENT)
		return -EMSGSIZE;
	return 0;
}

int vici_packet_parse(const uint8_t *seg, size_t len, struct vici_packet *p,
		      struct vici_error *err)
{
	size_t pos = 1;

	memset(p, 0, sizeof(*p));
	if (len > VICI_MAX_SEGMENT)
		return set_error(err, -EMSGSIZE, "segment too long", 0);
	if (len < 1)
		return set_error(err, -EBADMSG, "empty segment", 0);
	p->type = seg[0];
	if (p->type > VICI_EVENT)
		return set_error(err, -EBADMSG, "unknown packet type", 0);
	if (vici_packet_named(p->type)) {
		size_t nlen;

		if (len < 2)
			return set_error(err, -EBADMSG,
					 "packet name length missing", 1);
		nlen = seg[1];
		pos = 2;
		if (nlen > len - pos)
			return set_error(err, -EBADMSG,
					 "packet name truncated", pos);
		if (memchr(seg + pos, '\0', nlen))
			return set_error(err, -EBADMSG,
					 "NUL byte in packet name", pos);
		memcpy(p->name, seg + pos, nlen);
		p->name[nlen] = '\0';
		pos += nlen;
	}
	if (!vici_packet_has_message(p->type) && pos != len)
		return set_error(err, -EBADMSG,
				 "trailing bytes after packet header", pos);
	p->msg = seg + pos;
	p->msg_len = len - pos;
	return 0;
}

/* ---- pull parser ---- */

void vici_reader_init(struct vici_reader *r, const uint8_t *msg, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->buf = msg;
	r->len = len;
}

static int reader_fail(struct vici_reader *r, int code, const char *msg,
		       size_t offset)
{
	r->error = code;
	r->err.msg = msg;
	r->err.offset = offset;
	return code;
}

static int read_name(struct vici_reader *r, struct vici_element *e)
{
	size_t nlen;

	if (r->pos >= r->len)
		return reader_fail(r, -EBADMSG, "element name length missing",
				   r->pos);
	nlen = r->buf[r->pos++];
	if (nlen > r->len - r->pos)
		return reader_fail(r, -EBADMSG, "element name truncated",
				   r->pos);
	if (memchr(r->buf + r->pos, '\0', nlen))
		return reader_fail(r, -EBADMSG, "NUL byte in element name",
				   r->pos);
	e->name = r->buf + r->pos;
	e->name_len = nlen;
	r->pos += nlen;
	return 0;
}

static int read_value(struct vici_reader *r, struct vici_element *e)
{
	size_t vlen;

	if (r->len - r->pos < 2)
		return reader_fail(r, -EBADMSG, "value length truncated",
				   r->pos);
	vlen = (size_t)r->buf[r->pos] << 8 | r->buf[r->pos + 1];
	r->pos += 2;
	if (vlen > r->len - r->pos)
		return reader_fail(r, -EBADMSG, "value truncated", r->pos);
	e->value = r->buf + r->pos;
	e->value_len = vlen;
	r->pos += vlen;
	return 0;
}

int vici_reader_next(struct vici_reader *r, struct vici_element *e)
{
	size_t start = r->pos;
	int ret;

	if (r->error)
		return r->error;
	memset(e, 0, sizeof(*e));
	if (r->pos >= r->len) {
		if (r->in_list)
			return reader_fail(r, -EBADMSG,
					   "message ends inside a list", r->pos);
		if (r->depth)
			return reader_fail(r, -EBADMSG,
					   "message ends inside a section",
					   r->pos);
		return 0;
	}
	if (r->count >= VICI_MAX_ELEMENTS)
		return reader_fail(r, -E2BIG, "too many elements", start);

	e->offset = start;
	e->type = r->buf[r->pos++];
	switch (e->type) {
	case VICI_SECTION_START:
	case VICI_KEY_VALUE:
	case VICI_LIST_START:
		if (r->in_list)
			return reader_fail(r, -EBADMSG,
					   "only list items may appear in a list",
					   start);
		ret = read_name(r, e);
		if (ret)
			return ret;
		if (e->type == VICI_KEY_VALUE) {
			ret = read_value(r, e);
			if (ret)
				return ret;
		} else if (e->type == VICI_LIST_START) {
			r->in_list = true;
		} else {
			if (r->depth >= VICI_MAX_DEPTH)
				return reader_fail(r, -E2BIG,
						   "sections nested too deeply",
						   start);
			r->depth++;
		}
		break;
	case VICI_SECTION_END:
		if (r->in_list)
			return reader_fail(r, -EBADMSG,
					   "section end inside a list", start);
		if (!r->depth)
			return reader_fail(r, -EBADMSG,
					   "section end without a section",
					   start);
		r->depth--;
		break;
	case VICI_LIST_ITEM:
		if (!r->in_list)
			return reader_fail(r, -EBADMSG,
					   "list item outside a list", start);
		ret = read_value(r, e);
		if (ret)
			return ret;
		break;
	case VICI_LIST_END:
		if (!r->in_list)
			return reader_fail(r, -EBADMSG,
					   "list end outside a list", start);
		r->in_list = false;
		break;
	default:
		return reader_fail(r, -EBADMSG, "unknown element type", start);
	}
	r->count++;
	return 1;
}

/* ---- tree decoder ---- */

/* Elements that become a node: all but the two end markers. */
static bool element_makes_node(uint8_t type)
{
	return type != VICI_SECTION_END && type != VICI_LIST_END;
}

/* Copies len bytes to *pool as a NUL-terminated string; advances *pool. */
static const char *pool_copy(char **pool, const uint8_t *src, size_t len)
{
	char *dst = *pool;

	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
	*pool += len + 1;
	return dst;
}

int vici_msg_decode(const uint8_t *msg, size_t len, struct vici_msg **out,
		    struct vici_error *err)
{
	struct vici_reader r;
	struct vici_element e;
	struct vici_node *nodes, *cur, *last_child[VICI_MAX_DEPTH + 2];
	size_t n_nodes = 0, n_bytes = 0, size, i = 0;
	unsigned int level = 0;
	struct vici_msg *m;
	char *pool;
	int ret;

	*out = NULL;
	if (len > VICI_MAX_SEGMENT)
		return set_error(err, -EMSGSIZE, "message too long", 0);

	/* Pass 1: check everything and size the allocation. */
	vici_reader_init(&r, msg, len);
	while ((ret = vici_reader_next(&r, &e)) > 0) {
		if (!element_makes_node(e.type))
			continue;
		n_nodes++;
		n_bytes += e.name_len + 1;
		if (e.value)
			n_bytes += e.value_len + 1;
	}
	if (ret < 0) {
		if (err)
			*err = r.err;
		return ret;
	}

	/* Both counts are bounded by VICI_MAX_ELEMENTS and the input size. */
	size = sizeof(*m) + n_nodes * sizeof(struct vici_node) + n_bytes;
	m = calloc(1, size);
	if (!m)
		return set_error(err, -ENOMEM, "out of memory", 0);
	m->size = size;
	m->root.type = VICI_NODE_SECTION;
	m->root.name = "";
	nodes = (struct vici_node *)(m + 1);
	pool = (char *)(nodes + n_nodes);

	/* Pass 2: the input is known to be well formed. */
	cur = &m->root;
	last_child[0] = NULL;
	vici_reader_init(&r, msg, len);
	while (vici_reader_next(&r, &e) > 0) {
		struct vici_node *n;

		if (e.type == VICI_SECTION_END || e.type == VICI_LIST_END) {
			cur = cur->parent;
			level--;
			continue;
		}
		n = &nodes[i++];
		n->parent = cur;
		n->name = pool_copy(&pool, e.name, e.name_len);
		if (e.value) {
			n->value = pool_copy(&pool, e.value, e.value_len);
			n->value_len = e.value_len;
		}
		if (last_child[level])
			last_child[level]->next = n;
		else
			cur->first = n;
		last_child[level] = n;

		switch (e.type) {
		case VICI_SECTION_START:
		case VICI_LIST_START:
			n->type = e.type == VICI_SECTION_START ?
				  VICI_NODE_SECTION : VICI_NODE_LIST;
			cur = n;
			last_child[++level] = NULL;
			break;
		case VICI_KEY_VALUE:
			n->type = VICI_NODE_KV;
			break;
		default:
			n->type = VICI_NODE_ITEM;
			break;
		}
	}
	*out = m;
	return 0;
}

void vici_msg_free(struct vici_msg *m)
{
	free(m);
}

const struct vici_node *vici_child(const struct vici_node *n, const char *name)
{
	const struct vici_node *c;

	if (!n)
		return NULL;
	for (c = n->first; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const char *vici_str(const struct vici_node *n, const char *name)
{
	const struct vici_node *c = vici_child(n, name);

	if (!c || c->type != VICI_NODE_KV || strlen(c->value) != c->value_len)
		return NULL;
	return c->value;
}

const struct vici_node *vici_path(const struct vici_node *n, ...)
{
	const char *name;
	va_list ap;

	va_start(ap, n);
	while (n && (name = va_arg(ap, const char *)))
		n = vici_child(n, name);
	va_end(ap);
	if (n && n->type != VICI_NODE_SECTION)
		return NULL;
	return n;
}

static void dump_bytes(FILE *f, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

static void dump_node(FILE *f, const struct vici_node *n, unsigned int depth)
{
	const struct vici_node *c;

	fprintf(f, "%*s", (int)(2 * depth), "");
	dump_bytes(f, n->name, strlen(n->name));
	switch (n->type) {
	case VICI_NODE_KV:
		fputs(" = ", f);
		dump_bytes(f, n->value, n->value_len);
		fputc('\n', f);
		return;
	case VICI_NODE_ITEM:
		/* items have no name: only the value */
		dump_bytes(f, n->value, n->value_len);
		fputc('\n', f);
		return;
	case VICI_NODE_LIST:
		fputs(" [\n", f);
		break;
	case VICI_NODE_SECTION:
		fputs(" {\n", f);
		break;
	}
	for (c = n->first; c; c = c->next)
		dump_node(f, c, depth + 1);
	fprintf(f, "%*s%c\n", (int)(2 * depth), "",
		n->type == VICI_NODE_LIST ? ']' : '}');
}

void vici_dump(FILE *f, const struct vici_node *n)
{
	const struct vici_node *c;

	if (n->parent) {
		dump_node(f, n, 0);
		return;
	}
	/* the root: its children at depth 0, no braces */
	for (c = n->first; c; c = c->next)
		dump_node(f, c, 0);
}

/* ---- encoder ---- */

static void enc_fail(struct vici_enc *e, int code)
{
	if (!e->err)
		e->err = code;
}

static bool enc_reserve(struct vici_enc *e, size_t more)
{
	size_t cap;
	uint8_t *buf;

	if (e->err)
		return false;
	/* 4 bytes of length prefix come on top of the segment itself */
	if (more > VICI_MAX_SEGMENT + 4 - e->len) {
		enc_fail(e, -EMSGSIZE);
		return false;
	}
	if (e->len + more <= e->cap)
		return true;
	cap = e->cap ? e->cap : 256;
	while (cap < e->len + more)
		cap *= 2;
	buf = realloc(e->buf, cap);
	if (!buf) {
		enc_fail(e, -ENOMEM);
		return false;
	}
	e->buf = buf;
	e->cap = cap;
	return true;
}

static void enc_put(struct vici_enc *e, const void *p, size_t len)
{
	if (!enc_reserve(e, len))
		return;
	if (len)
		memcpy(e->buf + e->len, p, len);
	e->len += len;
}

static void enc_u8(struct vici_enc *e, uint8_t v)
{
	enc_put(e, &v, 1);
}

static void enc_name(struct vici_enc *e, const char *name)
{
	size_t len;

	if (!name) {
		enc_fail(e, -EINVAL);
		return;
	}
	len = strlen(name);
	if (len > VICI_MAX_NAME) {
		enc_fail(e, -EINVAL);
		return;
	}
	enc_u8(e, (uint8_t)len);
	enc_put(e, name, len);
}

static void enc_value(struct vici_enc *e, const void *value, size_t len)
{
	uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	if (len > VICI_MAX_VALUE || (len && !value)) {
		enc_fail(e, -EINVAL);
		return;
	}
	enc_put(e, hdr, 2);
	enc_put(e, value, len);
}

void vici_enc_init(struct vici_enc *e, uint8_t type, const char *name)
{
	static const uint8_t zero[4];

	memset(e, 0, sizeof(*e));
	if (type > VICI_EVENT || vici_packet_named(type) != !!name) {
		enc_fail(e, -EINVAL);
		return;
	}
	e->has_message = vici_packet_has_message(type);
	enc_put(e, zero, 4);
	enc_u8(e, type);
	if (name)
		enc_name(e, name);
}

/* May an element of this type come next? */
static bool enc_allowed(struct vici_enc *e, uint8_t type)
{
	bool ok;

	if (e->err)
		return false;
	switch (type) {
	case VICI_LIST_ITEM:
	case VICI_LIST_END:
		ok = e->in_list;
		break;
	case VICI_SECTION_END:
		ok = !e->in_list && e->depth > 0;
		break;
	case VICI_SECTION_START:
		ok = !e->in_list && e->depth < VICI_MAX_DEPTH;
		break;
	default:
		ok = !e->in_list;
		break;
	}
	if (!e->has_message || !ok) {
		enc_fail(e, -EINVAL);
		return false;
	}
	return true;
}

void vici_enc_section_start(struct vici_enc *e, const char *name)
{
	if (!enc_allowed(e, VICI_SECTION_START))
		return;
	enc_u8(e, VICI_SECTION_START);
	enc_name(e, name);
	e->depth++;
}

void vici_enc_section_end(struct vici_enc *e)
{
	if (!enc_allowed(e, VICI_SECTION_END))
		return;
	enc_u8(e, VICI_SECTION_END);
	e->depth--;
}

void vici_enc_kv(struct vici_enc *e, const char *name, const void *value,
		 size_t len)
{
	if (!enc_allowed(e, VICI_KEY_VALUE))
		return;
	enc_u8(e, VICI_KEY_VALUE);
	enc_name(e, name);
	enc_value(e, value, len);
}

void vici_enc_kv_str(struct vici_enc *e, const char *name, const char *value)
{
	vici_enc_kv(e, name, value, value ? strlen(value) : 0);
}

void vici_enc_list_start(struct vici_enc *e, const char *name)
{
	if (!enc_allowed(e, VICI_LIST_START))
		return;
	enc_u8(e, VICI_LIST_START);
	enc_name(e, name);
	e->in_list = true;
}

void vici_enc_list_item(struct vici_enc *e, const void *value, size_t len)
{
	if (!enc_allowed(e, VICI_LIST_ITEM))
		return;
	enc_u8(e, VICI_LIST_ITEM);
	enc_value(e, value, len);
}

void vici_enc_list_end(struct vici_enc *e)
{
	if (!enc_allowed(e, VICI_LIST_END))
		return;
	enc_u8(e, VICI_LIST_END);
	e->in_list = false;
}

void vici_enc_tree(struct vici_enc *e, const struct vici_node *section)
{
	const struct vici_node *c, *i;

	for (c = section->first; c && !e->err; c = c->next) {
		switch (c->type) {
		case VICI_NODE_SECTION:
			vici_enc_section_start(e, c->name);
			vici_enc_tree(e, c);
			vici_enc_section_end(e);
			break;
		case VICI_NODE_KV:
			vici_enc_kv(e, c->name, c->value, c->value_len);
			break;
		case VICI_NODE_LIST:
			vici_enc_list_start(e, c->name);
			for (i = c->first; i; i = i->next)
				vici_enc_list_item(e, i->value, i->value_len);
			vici_enc_list_end(e);
			break;
		case VICI_NODE_ITEM:
			/* only inside lists, handled above */
			break;
		}
	}
}

int vici_enc_finish(struct vici_enc *e, const uint8_t **seg, size_t *len)
{
	uint32_t l;

	if (!e->err && (e->depth || e->in_list))
		enc_fail(e, -EINVAL);
	if (e->err)
		return e->err;
	l = (uint32_t)(e->len - 4);
	e->buf[0] = (uint8_t)(l >> 24);
	e->buf[1] = (uint8_t)(l >> 16);
	e->buf[2] = (uint8_t)(l >> 8);
	e->buf[3] = (uint8_t)l;
	*seg = e->buf;
	*len = e->len;
	return 0;
}

void vici_enc_free(struct vici_enc *e)
{
	free(e->buf);
	memset(e, 0, sizeof(*e));
}
