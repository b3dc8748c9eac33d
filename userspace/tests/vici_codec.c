// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the VICI codec (vici.c): the protocol's own encoding
 * example, round trips, every kind of malformed input, encoder misuse,
 * random garbage and mutations, and messages recorded from a real charon
 * (tests/data/vici/, see README there). TAP on stdout; run under ASan and
 * UBSan by `make -C userspace test`.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../vici.h"
#include "vici_tap.h"

/* The example of strongSwan's protocol description, byte for byte. */
static const uint8_t readme_msg[] = {
	3, 4, 'k', 'e', 'y', '1', 0, 6, 'v', 'a', 'l', 'u', 'e', '1',
	1, 8, 's', 'e', 'c', 't', 'i', 'o', 'n', '1',
	1, 11, 's', 'u', 'b', '-', 's', 'e', 'c', 't', 'i', 'o', 'n',
	3, 4, 'k', 'e', 'y', '2', 0, 6, 'v', 'a', 'l', 'u', 'e', '2',
	2,
	4, 5, 'l', 'i', 's', 't', '1',
	5, 0, 5, 'i', 't', 'e', 'm', '1',
	5, 0, 5, 'i', 't', 'e', 'm', '2',
	6,
	2,
};

static const char readme_dump[] =
	"key1 = value1\n"
	"section1 {\n"
	"  sub-section {\n"
	"    key2 = value2\n"
	"  }\n"
	"  list1 [\n"
	"    item1\n"
	"    item2\n"
	"  ]\n"
	"}\n";

/* vici_dump() into a malloc'ed string. */
static char *dump_str(const struct vici_node *n)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	vici_dump(f, n);
	fclose(f);
	return s;
}

static int decode(const uint8_t *p, size_t len, struct vici_error *err)
{
	struct vici_msg *m = NULL;
	int ret = vici_msg_decode(p, len, &m, err);

	if (ret == 0 && !m)
		return -999;
	vici_msg_free(m);
	return ret;
}

static void test_readme_example(void)
{
	struct vici_msg *m;
	struct vici_error err = { 0 };
	struct vici_enc e;
	const uint8_t *seg;
	size_t len;
	char *s;
	int ret;

	ret = vici_msg_decode(readme_msg, sizeof(readme_msg), &m, &err);
	tap_ok(ret == 0, "README example decodes (%d %s)", ret,
	       err.msg ? err.msg : "");
	if (ret)
		return;
	s = dump_str(&m->root);
	tap_ok(s && strcmp(s, readme_dump) == 0, "README example tree");
	free(s);
	tap_ok(vici_str(&m->root, "key1") &&
	       !strcmp(vici_str(&m->root, "key1"), "value1"), "root key");
	tap_ok(vici_str(vici_path(&m->root, "section1", "sub-section", NULL),
			"key2") != NULL, "vici_path into nested section");
	tap_ok(vici_path(&m->root, "section1", "list1", NULL) == NULL,
	       "vici_path refuses a list");
	tap_ok(vici_str(&m->root, "section1") == NULL,
	       "vici_str refuses a section");
	tap_ok(vici_child(&m->root, "nope") == NULL, "missing key");
	vici_msg_free(m);

	/* the encoder produces exactly the same bytes */
	vici_enc_init(&e, VICI_CMD_REQUEST, "x");
	vici_enc_kv_str(&e, "key1", "value1");
	vici_enc_section_start(&e, "section1");
	vici_enc_section_start(&e, "sub-section");
	vici_enc_kv_str(&e, "key2", "value2");
	vici_enc_section_end(&e);
	vici_enc_list_start(&e, "list1");
	vici_enc_list_item(&e, "item1", 5);
	vici_enc_list_item(&e, "item2", 5);
	vici_enc_list_end(&e);
	vici_enc_section_end(&e);
	ret = vici_enc_finish(&e, &seg, &len);
	tap_ok(ret == 0 && len == 4 + 3 + sizeof(readme_msg) &&
	       seg[0] == 0 && seg[1] == 0 && seg[2] == 0 &&
	       seg[3] == 3 + sizeof(readme_msg) &&
	       seg[4] == VICI_CMD_REQUEST && seg[5] == 1 && seg[6] == 'x' &&
	       memcmp(seg + 7, readme_msg, sizeof(readme_msg)) == 0,
	       "encoder reproduces the README bytes with the packet header");
	vici_enc_free(&e);
}

static void test_packets(void)
{
	static const uint8_t event[] = { 7, 3, 'a', 'b', 'c', 3, 1, 'k', 0, 0 };
	static const uint8_t confirm[] = { 5 };
	static const uint8_t confirm_junk[] = { 5, 1 };
	static const uint8_t bad_type[] = { 8 };
	static const uint8_t short_name[] = { 0, 5, 'a' };
	static const uint8_t no_name[] = { 3 };
	static const uint8_t nul_name[] = { 3, 2, 'a', 0 };
	static const uint8_t hdr_ok[] = { 0, 8, 0, 0 };
	static const uint8_t hdr_big[] = { 0, 8, 0, 1 };
	static const uint8_t hdr_zero[] = { 0, 0, 0, 0 };
	static const uint8_t hdr_huge[] = { 0xff, 0xff, 0xff, 0xff };
	struct vici_packet p;
	struct vici_error err;
	uint32_t l;

	tap_ok(vici_packet_parse(event, sizeof(event), &p, &err) == 0 &&
	       p.type == VICI_EVENT && !strcmp(p.name, "abc") &&
	       p.msg_len == 5 && p.msg == event + 5, "named packet");
	tap_ok(vici_packet_parse(confirm, sizeof(confirm), &p, &err) == 0 &&
	       p.type == VICI_EVENT_CONFIRM && p.name[0] == 0 &&
	       p.msg_len == 0, "unnamed packet without message");
	tap_ok(vici_packet_parse(confirm_junk, sizeof(confirm_junk), &p,
				 &err) == -EBADMSG,
	       "bytes after a packet that has no message refused");
	tap_ok(vici_packet_parse(bad_type, 1, &p, &err) == -EBADMSG,
	       "unknown packet type refused");
	tap_ok(vici_packet_parse(short_name, sizeof(short_name), &p,
				 &err) == -EBADMSG && err.offset == 2,
	       "truncated packet name refused at offset 2");
	tap_ok(vici_packet_parse(no_name, 1, &p, &err) == -EBADMSG,
	       "missing packet name length refused");
	tap_ok(vici_packet_parse(nul_name, sizeof(nul_name), &p,
				 &err) == -EBADMSG, "NUL in packet name refused");
	tap_ok(vici_packet_parse(event, 0, &p, &err) == -EBADMSG,
	       "empty segment refused");
	tap_ok(vici_segment_len(hdr_ok, &l) == 0 && l == VICI_MAX_SEGMENT,
	       "segment of exactly 512 KiB accepted");
	tap_ok(vici_segment_len(hdr_big, &l) == -EMSGSIZE,
	       "segment of 512 KiB + 1 refused");
	tap_ok(vici_segment_len(hdr_huge, &l) == -EMSGSIZE,
	       "segment of 4 GiB refused");
	tap_ok(vici_segment_len(hdr_zero, &l) == -EBADMSG,
	       "zero-length segment refused");
	tap_ok(!strcmp(vici_packet_type_name(VICI_EVENT), "EVENT") &&
	       !strcmp(vici_packet_type_name(200), "unknown"),
	       "packet type names");
}

static void test_truncation(void)
{
	size_t i, bad = 0;
	uint8_t wrapped[sizeof(readme_msg) + 4];

	/* one section around everything: any proper prefix is incomplete */
	wrapped[0] = 1;
	wrapped[1] = 1;
	wrapped[2] = 'w';
	memcpy(wrapped + 3, readme_msg, sizeof(readme_msg));
	wrapped[sizeof(wrapped) - 1] = 2;
	for (i = 1; i < sizeof(wrapped); i++) {
		uint8_t *copy = malloc(i);	/* exact size: ASan sees overreads */

		memcpy(copy, wrapped, i);
		if (decode(copy, i, NULL) != -EBADMSG)
			bad++;
		free(copy);
	}
	tap_ok(bad == 0, "all %zu proper prefixes refused", sizeof(wrapped) - 1);
	tap_ok(decode(wrapped, sizeof(wrapped), NULL) == 0,
	       "the whole message decodes");
	tap_ok(decode(wrapped, 0, NULL) == 0, "the empty message is valid");
}

struct bad_case {
	const char *what;
	const uint8_t *msg;
	size_t len;
	int ret;
	size_t offset;
};

#define BAD(w, r, o, ...) { w, (const uint8_t[]){ __VA_ARGS__ }, \
	sizeof((const uint8_t[]){ __VA_ARGS__ }), r, o }

static void test_malformed(void)
{
	const struct bad_case cases[] = {
		BAD("section end at the root", -EBADMSG, 0, 2),
		BAD("list item outside a list", -EBADMSG, 0, 5, 0, 0),
		BAD("list end outside a list", -EBADMSG, 0, 6),
		BAD("unclosed section", -EBADMSG, 3, 1, 1, 's'),
		BAD("unclosed list", -EBADMSG, 3, 4, 1, 'l'),
		BAD("key/value in a list", -EBADMSG, 3, 4, 1, 'l', 3, 1, 'k',
		    0, 0, 6),
		BAD("section in a list", -EBADMSG, 3, 4, 1, 'l', 1, 1, 's', 2,
		    6),
		BAD("nested list", -EBADMSG, 3, 4, 1, 'l', 4, 1, 'm', 6, 6),
		BAD("section end in a list", -EBADMSG, 6, 1, 1, 's', 4, 1, 'l',
		    2),
		BAD("element type 0", -EBADMSG, 0, 0),
		BAD("element type 7", -EBADMSG, 0, 7, 0),
		BAD("element type 255", -EBADMSG, 0, 255),
		BAD("name longer than the rest", -EBADMSG, 2, 3, 200, 'a'),
		BAD("missing name length", -EBADMSG, 1, 1),
		BAD("NUL in a key name", -EBADMSG, 2, 3, 2, 'a', 0, 0, 0),
		BAD("value length cut", -EBADMSG, 3, 3, 1, 'k', 0),
		BAD("value longer than the rest", -EBADMSG, 5, 3, 1, 'k', 0,
		    9, 'x'),
		BAD("list item value cut", -EBADMSG, 6, 4, 1, 'l', 5, 0xff,
		    0xff, 1, 2),
		BAD("extra section end", -EBADMSG, 4, 1, 1, 's', 2, 2),
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		struct vici_error err = { 0 };
		int ret = decode(c->msg, c->len, &err);

		tap_ok(ret == c->ret && err.msg && err.offset == c->offset,
		       "%s refused (%d at %zu: %s)", c->what, ret, err.offset,
		       err.msg ? err.msg : "no message");
	}
}

static void test_limits(void)
{
	size_t n = VICI_MAX_DEPTH + 1, i, len;
	uint8_t *buf;
	struct vici_error err;
	struct vici_reader r;
	struct vici_element el;
	int ret;

	/* VICI_MAX_DEPTH nested sections are fine, one more is not */
	buf = malloc(4 * n);
	for (i = 0; i < n; i++) {
		buf[3 * i] = 1;
		buf[3 * i + 1] = 1;
		buf[3 * i + 2] = 'a' + i % 26;
	}
	memset(buf + 3 * n, 2, n);
	ret = decode(buf + 3, 3 * (n - 1) + (n - 1), &err);
	tap_ok(ret == 0, "%d nested sections accepted", VICI_MAX_DEPTH);
	ret = decode(buf, 4 * n, &err);
	tap_ok(ret == -E2BIG && err.offset == 3 * (n - 1),
	       "%zu nested sections refused (%s)", n, err.msg);
	free(buf);

	/* too many elements: empty list items of 3 bytes each */
	n = VICI_MAX_ELEMENTS + 1;
	len = 3 + 3 * n + 1;
	buf = calloc(1, len);
	buf[0] = 4;
	buf[1] = 1;
	buf[2] = 'l';
	for (i = 0; i < n; i++)
		buf[3 + 3 * i] = 5;
	buf[len - 1] = 6;
	ret = decode(buf, len, &err);
	tap_ok(ret == -E2BIG, "%zu elements refused (%s)", n + 1, err.msg);
	/* just below the limit: list start + items + end */
	buf[3 + 3 * (VICI_MAX_ELEMENTS - 2)] = 6;
	ret = decode(buf, 3 + 3 * (VICI_MAX_ELEMENTS - 2) + 1, &err);
	tap_ok(ret == 0, "%d elements accepted", VICI_MAX_ELEMENTS);
	free(buf);

	ret = decode(readme_msg, VICI_MAX_SEGMENT + 1, &err);
	tap_ok(ret == -EMSGSIZE, "message above 512 KiB refused unread");

	/* the reader's error is sticky */
	vici_reader_init(&r, (const uint8_t[]){ 2, 3, 1, 'k', 0, 0 }, 6);
	ret = vici_reader_next(&r, &el);
	tap_ok(ret == -EBADMSG && vici_reader_next(&r, &el) == -EBADMSG,
	       "reader error is sticky");
}

static void test_values(void)
{
	static const uint8_t msg[] = {
		3, 1, 'b', 0, 3, 'a', 0, 'b',		/* NUL inside */
		3, 1, 'e', 0, 0,			/* empty value */
		3, 0, 0, 1, 'x',			/* empty name */
		3, 1, 'h', 0, 2, 0xff, '\\',		/* needs escaping */
	};
	struct vici_msg *m;
	const struct vici_node *b;
	char *s;

	tap_ok(vici_msg_decode(msg, sizeof(msg), &m, NULL) == 0,
	       "binary values decode");
	if (!m)
		return;
	b = vici_child(&m->root, "b");
	tap_ok(b && b->value_len == 3 && !memcmp(b->value, "a\0b", 3) &&
	       vici_str(&m->root, "b") == NULL,
	       "value with a NUL kept whole, refused as text");
	tap_ok(vici_str(&m->root, "e") && !*vici_str(&m->root, "e"),
	       "empty value");
	tap_ok(vici_str(&m->root, "") && !strcmp(vici_str(&m->root, ""), "x"),
	       "empty key name");
	s = dump_str(&m->root);
	tap_ok(s && !strcmp(s, "b = a\\x00b\ne = \n = x\nh = \\xff\\x5c\n"),
	       "dump escapes bytes");
	free(s);
	vici_msg_free(m);
}

static int enc_result(void (*build)(struct vici_enc *), uint8_t type,
		      const char *name)
{
	struct vici_enc e;
	const uint8_t *seg;
	size_t len;
	int ret;

	vici_enc_init(&e, type, name);
	if (build)
		build(&e);
	ret = vici_enc_finish(&e, &seg, &len);
	vici_enc_free(&e);
	return ret;
}

static void b_end_at_root(struct vici_enc *e) { vici_enc_section_end(e); }
static void b_open(struct vici_enc *e) { vici_enc_section_start(e, "s"); }
static void b_open_list(struct vici_enc *e) { vici_enc_list_start(e, "l"); }
static void b_kv(struct vici_enc *e) { vici_enc_kv_str(e, "k", "v"); }
static void b_item_outside(struct vici_enc *e) { vici_enc_list_item(e, "", 0); }

static void b_kv_in_list(struct vici_enc *e)
{
	vici_enc_list_start(e, "l");
	vici_enc_kv_str(e, "k", "v");
	vici_enc_list_end(e);
}

static void b_long_name(struct vici_enc *e)
{
	char name[VICI_MAX_NAME + 2];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	vici_enc_kv_str(e, name, "v");
}

static void b_max_name(struct vici_enc *e)
{
	char name[VICI_MAX_NAME + 1];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	vici_enc_kv_str(e, name, "v");
}

static void b_long_value(struct vici_enc *e)
{
	static char v[VICI_MAX_VALUE + 1];

	vici_enc_kv(e, "k", v, sizeof(v));
}

static void b_too_big(struct vici_enc *e)
{
	static char v[VICI_MAX_VALUE];
	int i;

	for (i = 0; i < 9; i++)
		vici_enc_kv(e, "k", v, sizeof(v));
}

static void b_deep(struct vici_enc *e)
{
	int i;

	for (i = 0; i <= VICI_MAX_DEPTH; i++)
		vici_enc_section_start(e, "s");
}

static void test_encoder(void)
{
	struct vici_enc e;
	const uint8_t *seg;
	size_t len;
	struct vici_packet p;
	struct vici_msg *m;
	char *s;

	tap_ok(enc_result(b_kv, VICI_EVENT, "ev") == 0, "encoder: plain event");
	tap_ok(enc_result(NULL, VICI_EVENT_CONFIRM, NULL) == 0,
	       "encoder: confirm without message");
	tap_ok(enc_result(b_kv, VICI_EVENT_CONFIRM, NULL) == -EINVAL,
	       "encoder: element on a type without message refused");
	tap_ok(enc_result(NULL, VICI_EVENT, NULL) == -EINVAL,
	       "encoder: named type without name refused");
	tap_ok(enc_result(NULL, VICI_CMD_RESPONSE, "n") == -EINVAL,
	       "encoder: unnamed type with name refused");
	tap_ok(enc_result(NULL, 9, NULL) == -EINVAL,
	       "encoder: unknown type refused");
	tap_ok(enc_result(b_end_at_root, VICI_CMD_REQUEST, "c") == -EINVAL,
	       "encoder: section end at the root refused");
	tap_ok(enc_result(b_open, VICI_CMD_REQUEST, "c") == -EINVAL,
	       "encoder: unclosed section refused");
	tap_ok(enc_result(b_open_list, VICI_CMD_REQUEST, "c") == -EINVAL,
	       "encoder: unclosed list refused");
	tap_ok(enc_result(b_kv_in_list, VICI_CMD_REQUEST, "c") == -EINVAL,
	       "encoder: key/value in a list refused");
	tap_ok(enc_result(b_item_outside, VICI_CMD_REQUEST, "c") == -EINVAL,
	       "encoder: list item outside a list refused");
	tap_ok(enc_result(b_long_name, VICI_CMD_REQUEST, "c") == -EINVAL,
	       "encoder: 256-byte name refused");
	tap_ok(enc_result(b_max_name, VICI_CMD_REQUEST, "c") == 0,
	       "encoder: 255-byte name accepted");
	tap_ok(enc_result(b_long_value, VICI_CMD_REQUEST, "c") == -EINVAL,
	       "encoder: 65536-byte value refused");
	tap_ok(enc_result(b_too_big, VICI_CMD_REQUEST, "c") == -EMSGSIZE,
	       "encoder: segment above 512 KiB refused");
	tap_ok(enc_result(b_deep, VICI_CMD_REQUEST, "c") == -EINVAL,
	       "encoder: nesting above the decoder's limit refused");

	/* round trip through packet parsing and decoding */
	vici_enc_init(&e, VICI_CMD_REQUEST, "list-sas");
	vici_enc_kv_str(&e, "ike-id", "42");
	vici_enc_kv_str(&e, "noblock", "yes");
	vici_enc_section_start(&e, "s");
	vici_enc_list_start(&e, "empty");
	vici_enc_list_end(&e);
	vici_enc_section_end(&e);
	if (vici_enc_finish(&e, &seg, &len) == 0 &&
	    vici_packet_parse(seg + 4, len - 4, &p, NULL) == 0 &&
	    vici_msg_decode(p.msg, p.msg_len, &m, NULL) == 0) {
		s = dump_str(&m->root);
		tap_ok(!strcmp(p.name, "list-sas") && s &&
		       !strcmp(s, "ike-id = 42\nnoblock = yes\ns {\n"
			       "  empty [\n  ]\n}\n"),
		       "encode, parse, decode round trip");
		free(s);
		vici_msg_free(m);
	} else {
		tap_ok(0, "encode, parse, decode round trip");
	}
	vici_enc_free(&e);
}

/* xorshift: reproducible garbage without libc's rand() state */
static uint32_t rng_state = 0x12345678;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void fuzz_one(const uint8_t *p, size_t len, unsigned long *ok)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct vici_packet pkt;

	memcpy(copy, p, len);
	if (decode(copy, len, NULL) == 0)
		(*ok)++;
	vici_packet_parse(copy, len, &pkt, NULL);
	free(copy);
}

static void test_garbage(void)
{
	unsigned long ok = 0, i;
	uint8_t buf[512];
	size_t j, len;

	for (i = 0; i < 20000; i++) {
		len = rng() % sizeof(buf);
		for (j = 0; j < len; j++) {
			/* favour element types so that parsing gets going */
			uint32_t r = rng();

			buf[j] = r & 0x100 ? (uint8_t)(r % 8) : (uint8_t)r;
		}
		fuzz_one(buf, len, &ok);
	}
	tap_ok(1, "20000 random messages handled (%lu decoded)", ok);

	ok = 0;
	for (i = 0; i < 20000; i++) {
		memcpy(buf, readme_msg, sizeof(readme_msg));
		for (j = 0; j < 1 + rng() % 4; j++)
			buf[rng() % sizeof(readme_msg)] = (uint8_t)rng();
		fuzz_one(buf, sizeof(readme_msg), &ok);
	}
	tap_ok(1, "20000 mutations of the README message handled "
	       "(%lu decoded)", ok);
}

/* ---- recorded messages ---- */

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return NULL;
	}
	buf = malloc(size ? size : 1);
	if (buf && fread(buf, 1, size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = size;
	return buf;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every NAME.bin holds one segment as charon sent it (length prefix
 * included); NAME.txt the expected vici_dump() of its message, after a
 * first line "TYPE NAME".
 */
static void test_recorded(void)
{
	const char *dir = vici_data_dir();
	char *names[256], path[PATH_MAX + 256];
	size_t n = 0, i, checked = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		printf("ok %d - recorded messages # SKIP %s: %s\n", ++tap_n, dir,
		       strerror(errno));
		return;
	}
	while ((de = readdir(d)) && n < 256) {
		size_t l = strlen(de->d_name);

		if (l > 4 && !strcmp(de->d_name + l - 4, ".bin"))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_name);

	for (i = 0; i < n; i++) {
		uint8_t *seg, *txt;
		size_t seg_len, txt_len;
		struct vici_packet p;
		struct vici_msg *m = NULL;
		struct vici_error err = { 0 };
		uint32_t l = 0;
		char *s = NULL, *want = NULL;
		int ok;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		seg = read_file(path, &seg_len);
		strcpy(path + strlen(path) - 4, ".txt");
		txt = read_file(path, &txt_len);
		ok = seg && txt && seg_len >= 4 &&
		     vici_segment_len(seg, &l) == 0 && l == seg_len - 4 &&
		     vici_packet_parse(seg + 4, l, &p, &err) == 0 &&
		     vici_msg_decode(p.msg, p.msg_len, &m, &err) == 0;
		if (ok) {
			char *body = dump_str(&m->root);

			if (body && asprintf(&s, "%s %s\n%s",
					     vici_packet_type_name(p.type),
					     p.name, body) < 0)
				s = NULL;
			free(body);
			want = strndup((char *)txt, txt_len);
			ok = s && want && !strcmp(s, want);
			if (!ok && s)
				tap_diag("got:\n%s", s);
		}
		tap_ok(ok, "recorded %s decodes as expected%s%s", names[i],
		       err.msg ? ": " : "", err.msg ? err.msg : "");
		checked += ok;
		/* re-encode: the tree survives a round trip byte for byte */
		free(s);
		free(want);
		vici_msg_free(m);
		free(seg);
		free(txt);
		free(names[i]);
	}
	tap_ok(n > 0, "found %zu recorded messages, %zu as expected", n,
	       checked);
}

/*
 * vici_codec --dump SEGMENT.bin: prints what the recorded-message test
 * expects in SEGMENT.txt (review it before committing it).
 */
static int dump_file(const char *path)
{
	struct vici_error err = { 0 };
	struct vici_msg *m = NULL;
	struct vici_packet p;
	uint8_t *seg;
	size_t len;
	uint32_t l;

	seg = read_file(path, &len);
	if (!seg || len < 4 || vici_segment_len(seg, &l) || l != len - 4 ||
	    vici_packet_parse(seg + 4, l, &p, &err) ||
	    vici_msg_decode(p.msg, p.msg_len, &m, &err)) {
		fprintf(stderr, "%s: not a valid segment: %s at %zu\n", path,
			err.msg ? err.msg : "bad length", err.offset);
		free(seg);
		return 1;
	}
	printf("%s %s\n", vici_packet_type_name(p.type), p.name);
	vici_dump(stdout, &m->root);
	vici_msg_free(m);
	free(seg);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--dump"))
		return dump_file(argv[2]);
	printf("TAP version 13\n");
	test_readme_example();
	test_packets();
	test_truncation();
	test_malformed();
	test_limits();
	test_values();
	test_encoder();
	test_garbage();
	test_recorded();
	return tap_done();
}
