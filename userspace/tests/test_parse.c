// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of parse.c: numbers, addresses, marks, ports, the migrate and
 * show grammars with every kind of malformed input, and the -batch line
 * reader and word splitter. TAP on stdout.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "../parse.h"
#include "tap.h"

static char err[256];

/* Runs parse_migrate on a command line given as one string. */
static int migrate(const char *line, struct migrate_req *req)
{
	static char buf[BATCH_LINE_MAX * 4];
	static char *argv[BATCH_MAX_ARGS * 4 + 1];
	int argc;

	snprintf(buf, sizeof(buf), "migrate %s", line);
	argc = split_args(buf, argv, BATCH_MAX_ARGS * 4);
	if (argc < 0)
		return -2;
	return parse_migrate(argc, argv, req, err, sizeof(err));
}

static const char base[] = "from 10.0.0.1 10.0.0.2 to 10.0.1.1 10.0.0.2";

/* A migrate line that must fail, with err containing want. */
/*
 * args must be refused with want in the message, or with exact set,
 * with exactly want as the message.
 */
static void refused(const char *args, const char *want, bool exact)
{
	struct migrate_req req;
	char line[8192];
	int ret;

	snprintf(line, sizeof(line), "%s", args);
	ret = migrate(line, &req);
	if (!ok(ret == -1, "migrate %.60s%s: refused", args,
		strlen(args) > 60 ? "..." : ""))
		printf("#   parse_migrate returned %d\n", ret);
	else if (exact)
		is_str(err, want, "  with exactly the expected message");
	else
		has_str(err, want, "  message names the problem");
}

static void bad(const char *args, const char *want)
{
	refused(args, want, false);
}

static void bad_exact(const char *args, const char *want)
{
	refused(args, want, true);
}

/* base followed by extra, which must fail with want in the message. */
static void bad_extra(const char *extra, const char *want)
{
	char line[8192];

	snprintf(line, sizeof(line), "%s %s", base, extra);
	bad(line, want);
}

static void test_u32(void)
{
	static const struct { const char *s; int ret; uint32_t v; } cases[] = {
		{ "0", 0, 0 }, { "1", 0, 1 }, { "010", 0, 10 },
		{ "4294967295", 0, UINT32_MAX }, { "0xffffffff", 0, UINT32_MAX },
		{ "0XaB", 0, 0xab }, { "0x0", 0, 0 },
		{ "4294967296", -1, 0 }, { "0x100000000", -1, 0 },
		{ "99999999999999999999999", -1, 0 }, { "", -1, 0 },
		{ "-1", -1, 0 }, { "+1", -1, 0 }, { " 1", -1, 0 },
		{ "1 ", -1, 0 }, { "0x", -1, 0 }, { "0x0x1", -1, 0 },
		{ "12abc", -1, 0 }, { "abc", -1, 0 }, { "1.5", -1, 0 },
		{ "0x-1", -1, 0 }, { "0b1", -1, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t v = 12345;
		int ret = parse_u32(cases[i].s, &v);

		if (cases[i].ret == 0)
			is_u64(ret == 0 ? v : ~0ULL, cases[i].v,
			       "parse_u32(\"%s\")", cases[i].s);
		else
			ok(ret == -1, "parse_u32(\"%s\") refused", cases[i].s);
	}
}

static void test_small_parsers(void)
{
	struct espmob_addr a;
	uint32_t v, m;
	uint16_t port;
	uint8_t dir;

	ok(parse_spi("0", &v) == -1, "SPI 0 refused");
	ok(parse_spi("0x0", &v) == -1, "SPI 0x0 refused");
	ok(parse_spi("0x100000000", &v) == -1, "SPI above 32 bits refused");
	ok(parse_spi("0xc0ffee", &v) == 0 && v == 0xc0ffee, "SPI 0xc0ffee");
	ok(parse_spi("256", &v) == 0 && v == 256, "SPI 256 (decimal)");

	ok(parse_mark("5", &v, &m) == 0 && v == 5 && m == UINT32_MAX,
	   "mark 5 has mask 0xffffffff");
	ok(parse_mark("0x10/0xff", &v, &m) == 0 && v == 0x10 && m == 0xff,
	   "mark 0x10/0xff");
	ok(parse_mark("0/0", &v, &m) == 0 && v == 0 && m == 0, "mark 0/0");
	ok(parse_mark("1/", &v, &m) == -1, "mark 1/ refused");
	ok(parse_mark("/1", &v, &m) == -1, "mark /1 refused");
	ok(parse_mark("1/2/3", &v, &m) == -1, "mark 1/2/3 refused");
	ok(parse_mark("x", &v, &m) == -1, "mark x refused");
	ok(parse_mark("0x1ffffffff/1", &v, &m) == -1,
	   "mark value above 32 bits refused");
	ok(parse_mark("1/0x1ffffffff", &v, &m) == -1,
	   "mark mask above 32 bits refused");
	ok(parse_mark("00000000000000000001/1", &v, &m) == -1,
	   "over-long mark value refused");

	ok(parse_port("0", &port) == -1, "port 0 refused");
	ok(parse_port("65536", &port) == -1, "port 65536 refused");
	ok(parse_port("65535", &port) == 0 && port == 65535, "port 65535");
	ok(parse_port("4500", &port) == 0 && port == 4500, "port 4500");
	ok(parse_port("0x1194", &port) == 0 && port == 4500, "port 0x1194");

	ok(parse_dir("in", &dir) == 0 && dir == 0, "dir in is 0");
	ok(parse_dir("out", &dir) == 0 && dir == 1, "dir out is 1");
	ok(parse_dir("fwd", &dir) == 0 && dir == 2, "dir fwd is 2");
	ok(parse_dir("IN", &dir) == -1, "dir IN refused");
	ok(parse_dir("", &dir) == -1, "empty dir refused");

	ok(parse_addr("192.0.2.1", &a) == 0 && a.family == AF_INET &&
	   a.v4.s_addr == htonl(0xc0000201), "IPv4 address");
	ok(parse_addr("2001:db8::1", &a) == 0 && a.family == AF_INET6 &&
	   a.v6.s6_addr[0] == 0x20 && a.v6.s6_addr[15] == 1, "IPv6 address");
	ok(parse_addr("::ffff:10.0.0.1", &a) == 0 && a.family == AF_INET6,
	   "IPv4-mapped IPv6 address is IPv6");
	ok(parse_addr("1.2.3", &a) == -1, "1.2.3 refused");
	ok(parse_addr("1.2.3.4/24", &a) == -1, "prefix refused");
	ok(parse_addr("256.1.1.1", &a) == -1, "256.1.1.1 refused");
	ok(parse_addr("fe80::1%lo", &a) == -1, "scoped address refused");
	ok(parse_addr("", &a) == -1, "empty address refused");
	ok(parse_addr("host.example", &a) == -1, "host name refused");
}

static void test_migrate_full(void)
{
	struct migrate_req r;
	int ret;

	ret = migrate("from 10.0.0.1 10.0.0.2 to 2001:db8::1 2001:db8::2 "
		      "spi 0x1000 spi 4097 reqid 7 mark 0x10/0xf0 if_id 3 "
		      "encap espinudp 4500 4501 dry-run "
		      "policy index 8 dir out policy index 9 dir fwd", &r);
	if (!ok(ret == 0, "full migrate line parses"))
		printf("#   %s\n", err);
	is_u64(r.old_ep.local.family, AF_INET, "old local is IPv4");
	is_u64(ntohl(r.old_ep.local.v4.s_addr), 0x0a000001, "old local");
	is_u64(ntohl(r.old_ep.remote.v4.s_addr), 0x0a000002, "old remote");
	is_u64(r.new_ep.local.family, AF_INET6, "new local is IPv6");
	is_u64(r.new_ep.remote.v6.s6_addr[15], 2, "new remote");
	is_u64(r.n_spis, 2, "two SPIs");
	is_u64(r.spis[0], 0x1000, "first SPI");
	is_u64(r.spis[1], 4097, "second SPI");
	ok(r.has_reqid && r.reqid == 7, "reqid 7");
	ok(r.has_mark && r.mark_value == 0x10 && r.mark_mask == 0xf0,
	   "mark 0x10/0xf0");
	ok(r.has_if_id && r.if_id == 3, "if_id 3");
	ok(r.has_encap && r.encap_mode == ESPMOB_ENCAP_ESPINUDP &&
	   r.encap_sport == 4500 && r.encap_dport == 4501,
	   "encap espinudp 4500 4501");
	is_u64(r.flags, ESPMOB_F_DRY_RUN, "dry-run flag");
	is_u64(r.n_policies, 2, "two policies");
	ok(r.policies[0].index == 8 && r.policies[0].dir == 1,
	   "policy index 8 dir out");
	ok(r.policies[1].index == 9 && r.policies[1].dir == 2,
	   "policy index 9 dir fwd");

	ret = migrate(base, &r);
	ok(ret == 0 && !r.n_spis && !r.has_reqid && !r.has_mark &&
	   !r.has_if_id && !r.has_encap && !r.flags && !r.n_policies,
	   "minimal migrate line sets nothing optional");
	ret = migrate("to 10.0.1.1 10.0.0.2 spi 1 from 10.0.0.1 10.0.0.2", &r);
	ok(ret == 0 && r.n_spis == 1 &&
	   ntohl(r.old_ep.local.v4.s_addr) == 0x0a000001,
	   "keywords in any order");
	ret = migrate("from 10.0.0.1 10.0.0.2 to 10.0.1.1 10.0.0.2 encap none",
		      &r);
	ok(ret == 0 && r.has_encap && r.encap_mode == ESPMOB_ENCAP_NONE,
	   "encap none");
}

static void test_migrate_limits(void)
{
	static char line[16384];
	struct migrate_req r;
	int i, n;

	n = snprintf(line, sizeof(line), "%s", base);
	for (i = 1; i <= ESPMOB_MAX_SPIS; i++)
		n += snprintf(line + n, sizeof(line) - n, " spi %d", i);
	ok(migrate(line, &r) == 0 && r.n_spis == ESPMOB_MAX_SPIS,
	   "%d SPIs accepted", ESPMOB_MAX_SPIS);
	snprintf(line + n, sizeof(line) - n, " spi 0xfffff");
	bad(line, "too many SPIs");

	n = snprintf(line, sizeof(line), "%s", base);
	for (i = 1; i <= ESPMOB_MAX_POLICIES; i++)
		n += snprintf(line + n, sizeof(line) - n,
			      " policy index %d dir in", i);
	ok(migrate(line, &r) == 0 && r.n_policies == ESPMOB_MAX_POLICIES,
	   "%d policies accepted", ESPMOB_MAX_POLICIES);
	snprintf(line + n, sizeof(line) - n, " policy index 999 dir out");
	bad(line, "too many policies");
}

static void test_migrate_errors(void)
{
	bad("", "missing \"from");
	bad("to 10.0.1.1 10.0.0.2", "missing \"from");
	bad("from 10.0.0.1 10.0.0.2", "missing \"to");
	bad("from 10.0.0.1", "needs two addresses");
	bad("from", "needs two addresses");
	bad("from 10.0.0.1 10.0.0.2 to 10.0.1.1", "needs two addresses");
	bad("from 10.0.0.1 bogus to 10.0.1.1 10.0.0.2", "invalid address \"bogus\"");
	bad("from 10.0.0.300 10.0.0.2 to 10.0.1.1 10.0.0.2", "invalid address");
	bad("from 10.0.0.1 ::2 to 10.0.1.1 10.0.0.2", "same address family");
	bad("from 10.0.0.1 10.0.0.2 to ::1 10.0.0.2", "same address family");
	bad_extra("from 10.0.0.1 10.0.0.2", "\"from\" given twice");
	bad_extra("to 10.0.0.1 10.0.0.2", "\"to\" given twice");
	bad_extra("bogus", "unknown keyword \"bogus\"");
	bad_extra("SPI 1", "unknown keyword \"SPI\"");
	bad_extra("spi", "\"spi\" needs a value");
	bad_extra("spi 0", "invalid SPI \"0\"");
	bad_extra("spi 0x0", "invalid SPI");
	bad_extra("spi 4294967296", "invalid SPI");
	bad_extra("spi 0x100000000", "invalid SPI");
	bad_extra("spi -1", "invalid SPI");
	bad_extra("spi 0x10 spi 16", "given twice");
	bad_extra("reqid", "needs a value");
	bad_extra("reqid 0", "invalid reqid");
	bad_extra("reqid x", "invalid reqid");
	bad_extra("reqid 1 reqid 2", "\"reqid\" given twice");
	bad_extra("if_id 0", "invalid if_id");
	bad_extra("if_id 1 if_id 1", "\"if_id\" given twice");
	bad_extra("mark", "needs a value");
	bad_extra("mark 1/", "invalid mark");
	bad_extra("mark x/1", "invalid mark");
	bad_extra("mark 1 mark 1", "\"mark\" given twice");
	bad_extra("encap", "\"encap\" needs");
	bad_extra("encap espinudp", "needs SPORT and DPORT");
	bad_extra("encap espinudp 4500", "needs SPORT and DPORT");
	bad_extra("encap espinudp 0 4500", "invalid encap port \"0\"");
	bad_extra("encap espinudp 4500 65536", "invalid encap port \"65536\"");
	bad_extra("encap espinudp 4500 x", "invalid encap port");
	bad_extra("encap espintcp 4500 4500", "unknown encap type");
	bad_extra("encap none encap none", "\"encap\" given twice");
	bad_extra("policy", "missing \"index\"");
	bad_extra("policy dir out index 1", "expected \"index\"");
	bad_extra("policy index", "needs a value");
	bad_extra("policy index x dir out", "invalid policy index");
	bad_extra("policy index 1", "missing \"dir\"");
	bad_extra("policy index 1 dir", "needs in, out or fwd");
	bad_extra("policy index 1 dir sideways", "invalid policy dir");
	bad_extra("policy index 1 dir in policy index 1 dir in",
		  "given twice");
}

/*
 * A word in the wrong place names what is missing rather than calling an
 * address an unknown keyword (issue #15).
 */
static void test_migrate_missing(void)
{
	bad_exact("from 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4",
		  "missing \"to\" before \"192.0.2.3\"");
	bad_exact("from 192.0.2.1 192.0.2.2 spi 5 2001:db8::3 2001:db8::4",
		  "missing \"to\" before \"2001:db8::3\"");
	bad_exact("192.0.2.1 192.0.2.2 to 192.0.2.3 192.0.2.4",
		  "missing \"from\" before \"192.0.2.1\"");
	bad_exact("to 192.0.2.3 192.0.2.4 192.0.2.1 192.0.2.2",
		  "missing \"from\" before \"192.0.2.1\"");
	bad_exact("from 192.0.2.1 192.0.2.2 to 192.0.2.3 192.0.2.4 192.0.2.5",
		  "unexpected address \"192.0.2.5\" (\"from\" and \"to\" take two each)");
	bad_exact("from 192.0.2.1",
		  "\"from\" needs two addresses, local and remote");
	bad_exact("from 192.0.2.1 to 192.0.2.3 192.0.2.4",
		  "\"from\" needs two addresses, local and remote, before \"to\"");
	bad_exact("from to 192.0.2.3 192.0.2.4",
		  "\"from\" needs two addresses, local and remote, before \"to\"");
	bad_exact("from 192.0.2.1 192.0.2.2 to",
		  "\"to\" needs two addresses, local and remote");
	bad_exact("from 192.0.2.1 192.0.2.2 to spi 5",
		  "\"to\" needs two addresses, local and remote, before \"spi\"");
	bad_exact("from 192.0.2.1 192.0.2.2 to 192.0.2.3 dry-run",
		  "\"to\" needs two addresses, local and remote, before \"dry-run\"");
	bad_exact("from 192.0.2.1 192.0.2.2",
		  "missing \"to NEW_LOCAL NEW_REMOTE\"");
	bad_exact("to 192.0.2.3 192.0.2.4",
		  "missing \"from OLD_LOCAL OLD_REMOTE\"");
	bad_exact("", "missing \"from OLD_LOCAL OLD_REMOTE\"");
	bad_exact("from 192.0.2.1 192.0.2.2 to 192.0.2.3 192.0.2.4 frob",
		  "unknown keyword \"frob\"");
}

static void test_show(void)
{
	static char buf[256];
	struct espmob_endpoints ep;
	char *argv[16];
	int argc;

#define SHOW(s) (snprintf(buf, sizeof(buf), "show %s", s), \
		 argc = split_args(buf, argv, 15), \
		 parse_show(argc, argv, &ep, err, sizeof(err)))
	ok(SHOW("from 10.0.0.1 10.0.0.2") == 0 &&
	   ep.local.family == AF_INET &&
	   ntohl(ep.remote.v4.s_addr) == 0x0a000002, "show from A B");
	ok(SHOW("from ::1 ::2") == 0 && ep.local.family == AF_INET6,
	   "show from IPv6 endpoints");
	ok(SHOW("") == -1, "show without from refused");
	is_str(err, "missing \"from LOCAL REMOTE\"",
	       "  says from is missing, without a second \"show:\"");
	ok(SHOW("1.1.1.1 2.2.2.2") == -1, "show A B refused");
	is_str(err, "missing \"from\" before \"1.1.1.1\"",
	       "  says from is missing before the first address");
	ok(SHOW("to 1.1.1.1 2.2.2.2") == -1, "show to ... refused");
	is_str(err, "expected \"from\", not \"to\"", "  names the word");
	ok(SHOW("from 1.1.1.1") == -1, "show with one address refused");
	is_str(err, "\"from\" needs two addresses, local and remote",
	       "  says two addresses are needed");
	ok(SHOW("from 1.1.1.1 ::1") == -1, "show with mixed families refused");
	ok(SHOW("from 1.1.1.1 2.2.2.2 spi 1") == -1,
	   "show with trailing words refused");
	has_str(err, "unexpected \"spi\"", "  names the extra word");
#undef SHOW
}

static FILE *memfile(const char *data, size_t len)
{
	FILE *f = tmpfile();

	if (f) {
		fwrite(data, 1, len, f);
		rewind(f);
	}
	return f;
}

static void test_batch_lines(void)
{
	static char line[BATCH_LINE_MAX + 1];
	size_t big = BATCH_LINE_MAX + 100;
	char *data = malloc(2 * big + 64);
	size_t n = 0;
	FILE *f;

	/* "a b\n", exactly max, max + 1, NUL line, last line without \n */
	n += sprintf(data + n, "a b\n");
	memset(data + n, 'x', BATCH_LINE_MAX);
	n += BATCH_LINE_MAX;
	data[n++] = '\n';
	memset(data + n, 'y', BATCH_LINE_MAX + 1);
	n += BATCH_LINE_MAX + 1;
	data[n++] = '\n';
	memcpy(data + n, "c\0d\n", 4);
	n += 4;
	n += sprintf(data + n, "last");

	f = memfile(data, n);
	if (!ok(f != NULL, "temporary file for batch input"))
		goto out;
	ok(batch_read_line(f, line) == 3 && !strcmp(line, "a b"),
	   "first line read without its newline");
	is_u64(batch_read_line(f, line), BATCH_LINE_MAX,
	       "a line of exactly %d bytes is accepted", BATCH_LINE_MAX);
	is_u64((uint64_t)(int64_t)batch_read_line(f, line),
	       (uint64_t)(int64_t)BATCH_TOO_LONG,
	       "a line of %d bytes is refused", BATCH_LINE_MAX + 1);
	is_u64((uint64_t)(int64_t)batch_read_line(f, line),
	       (uint64_t)(int64_t)BATCH_NUL, "a line with a NUL is refused");
	ok(batch_read_line(f, line) == 4 && !strcmp(line, "last"),
	   "reading goes on after bad lines; last line needs no newline");
	ok(batch_read_line(f, line) == BATCH_EOF, "then EOF");
	fclose(f);

	f = memfile("", 0);
	ok(f && batch_read_line(f, line) == BATCH_EOF, "empty input is EOF");
	if (f)
		fclose(f);
	f = memfile("\n", 1);
	ok(f && batch_read_line(f, line) == 0 &&
	   batch_read_line(f, line) == BATCH_EOF, "one empty line");
	if (f)
		fclose(f);

	/* a huge line does not grow anything: it is skipped */
	memset(data, 'z', 2 * big);
	f = memfile(data, 2 * big);
	ok(f && batch_read_line(f, line) == BATCH_TOO_LONG &&
	   batch_read_line(f, line) == BATCH_EOF,
	   "a %zu-byte line without newline is refused whole", 2 * big);
	if (f)
		fclose(f);
out:
	free(data);
}

static void test_split(void)
{
	char buf[128];
	char *argv[5];

	strcpy(buf, "  migrate\tfrom  a b\r");
	ok(split_args(buf, argv, 4) == 4 && !strcmp(argv[0], "migrate") &&
	   !strcmp(argv[3], "b") && argv[4] == NULL,
	   "blanks, tabs and CR separate words");
	strcpy(buf, "# a comment");
	ok(split_args(buf, argv, 4) == 0, "comment line has no words");
	strcpy(buf, "   ");
	ok(split_args(buf, argv, 4) == 0, "blank line has no words");
	strcpy(buf, "stats # trailing comment");
	ok(split_args(buf, argv, 4) == 1 && !strcmp(argv[0], "stats"),
	   "trailing comment dropped");
	strcpy(buf, "a#b c");
	ok(split_args(buf, argv, 4) == 2 && !strcmp(argv[0], "a#b"),
	   "# inside a word is part of it");
	strcpy(buf, "1 2 3 4 5");
	ok(split_args(buf, argv, 4) == -1, "more words than room refused");
}

int main(void)
{
	tap_start();
	test_u32();
	test_small_parsers();
	test_migrate_full();
	test_migrate_limits();
	test_migrate_errors();
	test_migrate_missing();
	test_show();
	test_batch_lines();
	test_split();
	return tap_end();
}
