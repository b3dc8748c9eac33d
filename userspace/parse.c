// SPDX-License-Identifier: GPL-2.0
/*
 * espmob's command line grammar, iproute2 style: keywords followed by
 * their values, in any order after the command name. Every error names
 * the word at fault.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/xfrm.h>

#include "parse.h"

int parse_addr(const char *s, struct espmob_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

int parse_u32(const char *s, uint32_t *v)
{
	unsigned long long n;
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	/* strtoull would take blanks, signs and a second "0x" */
	if (!s[0] || strspn(s, base == 16 ? "0123456789abcdefABCDEF" :
			    "0123456789") != strlen(s))
		return -1;
	errno = 0;
	n = strtoull(s, &end, base);
	if (errno || *end || n > UINT32_MAX)
		return -1;
	*v = n;
	return 0;
}

int parse_spi(const char *s, uint32_t *spi)
{
	if (parse_u32(s, spi) < 0 || *spi == 0)
		return -1;
	return 0;
}

int parse_mark(const char *s, uint32_t *value, uint32_t *mask)
{
	const char *slash = strchr(s, '/');
	char v[16];
	size_t len;

	if (!slash) {
		*mask = UINT32_MAX;
		return parse_u32(s, value);
	}
	len = slash - s;
	if (len >= sizeof(v))
		return -1;
	memcpy(v, s, len);
	v[len] = '\0';
	if (parse_u32(v, value) < 0 || parse_u32(slash + 1, mask) < 0)
		return -1;
	return 0;
}

int parse_port(const char *s, uint16_t *port)
{
	uint32_t v;

	if (parse_u32(s, &v) < 0 || v == 0 || v > UINT16_MAX)
		return -1;
	*port = v;
	return 0;
}

int parse_dir(const char *s, uint8_t *dir)
{
	static const char *const names[] = { "in", "out", "fwd" };
	uint8_t i;

	for (i = 0; i < 3; i++) {
		if (!strcmp(s, names[i])) {
			*dir = i;
			return 0;
		}
	}
	return -1;
}

/* Walks argv and keeps the error message of the first problem. */
struct words {
	int argc;
	char **argv;
	int i;
	char *err;
	size_t errlen;
};

static int fail(struct words *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct words *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, w->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The next word, the value of keyword kw; NULL after reporting it lacks. */
static const char *value_of(struct words *w, const char *kw, const char *what)
{
	if (w->i >= w->argc) {
		fail(w, "\"%s\" needs %s", kw, what);
		return NULL;
	}
	return w->argv[w->i++];
}

/* The words that start a part of a migrate or show command. */
static bool is_keyword(const char *s)
{
	static const char *const kws[] = {
		"from", "to", "spi", "reqid", "if_id", "mark", "encap",
		"policy", "ptype", "dry-run",
	};
	size_t i;

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (!strcmp(s, kws[i]))
			return true;
	return false;
}

static bool is_addr(const char *s)
{
	struct espmob_addr a;

	return parse_addr(s, &a) == 0;
}

static int endpoints(struct words *w, const char *kw,
		     struct espmob_endpoints *ep)
{
	char *local, *remote;
	int i;

	/* "from A to B C": name the keyword that came too early */
	for (i = w->i; i < w->i + 2 && i < w->argc; i++)
		if (is_keyword(w->argv[i]))
			return fail(w, "\"%s\" needs two addresses, local and remote, before \"%s\"",
				    kw, w->argv[i]);
	if (w->i + 2 > w->argc)
		return fail(w, "\"%s\" needs two addresses, local and remote",
			    kw);
	local = w->argv[w->i++];
	remote = w->argv[w->i++];
	if (parse_addr(local, &ep->local) < 0)
		return fail(w, "%s: invalid address \"%s\"", kw, local);
	if (parse_addr(remote, &ep->remote) < 0)
		return fail(w, "%s: invalid address \"%s\"", kw, remote);
	if (ep->local.family != ep->remote.family)
		return fail(w, "%s: %s and %s are not of the same address family",
			    kw, local, remote);
	return 0;
}

static int once(struct words *w, const char *kw, bool *seen)
{
	if (*seen)
		return fail(w, "\"%s\" given twice", kw);
	*seen = true;
	return 0;
}

static int kw_spi(struct words *w, struct migrate_req *req)
{
	const char *s = value_of(w, "spi", "a value");
	uint32_t spi;
	unsigned int i;

	if (!s)
		return -1;
	if (parse_spi(s, &spi) < 0)
		return fail(w, "invalid SPI \"%s\" (1 to 0xffffffff, decimal or 0x hex)",
			    s);
	for (i = 0; i < req->n_spis; i++)
		if (req->spis[i] == spi)
			return fail(w, "SPI %s given twice", s);
	if (req->n_spis == ESPMOB_MAX_SPIS)
		return fail(w, "too many SPIs (at most %d)", ESPMOB_MAX_SPIS);
	req->spis[req->n_spis++] = spi;
	return 0;
}

/* reqid and if_id: non-zero u32 values. */
static int kw_id(struct words *w, const char *kw, bool *has, uint32_t *v)
{
	const char *s;

	if (once(w, kw, has) < 0)
		return -1;
	s = value_of(w, kw, "a value");
	if (!s)
		return -1;
	if (parse_u32(s, v) < 0 || *v == 0)
		return fail(w, "invalid %s \"%s\" (1 to 0xffffffff)", kw, s);
	return 0;
}

static int kw_mark(struct words *w, struct migrate_req *req)
{
	const char *s;

	if (once(w, "mark", &req->has_mark) < 0)
		return -1;
	s = value_of(w, "mark", "a value V[/M]");
	if (!s)
		return -1;
	if (parse_mark(s, &req->mark_value, &req->mark_mask) < 0)
		return fail(w, "invalid mark \"%s\" (V or V/M, 32-bit numbers)",
			    s);
	return 0;
}

static int kw_encap(struct words *w, struct migrate_req *req)
{
	const char *type, *sport, *dport;

	if (once(w, "encap", &req->has_encap) < 0)
		return -1;
	type = value_of(w, "encap", "\"espinudp SPORT DPORT\" or \"none\"");
	if (!type)
		return -1;
	if (!strcmp(type, "none")) {
		req->encap_mode = ESPMOB_ENCAP_NONE;
		return 0;
	}
	if (strcmp(type, "espinudp"))
		return fail(w, "unknown encap type \"%s\" (espinudp or none)",
			    type);
	req->encap_mode = ESPMOB_ENCAP_ESPINUDP;
	if (w->i + 2 > w->argc)
		return fail(w, "\"encap espinudp\" needs SPORT and DPORT");
	sport = w->argv[w->i++];
	dport = w->argv[w->i++];
	if (parse_port(sport, &req->encap_sport) < 0)
		return fail(w, "invalid encap port \"%s\" (1 to 65535)", sport);
	if (parse_port(dport, &req->encap_dport) < 0)
		return fail(w, "invalid encap port \"%s\" (1 to 65535)", dport);
	return 0;
}

static int expect(struct words *w, const char *kw, const char *ctx)
{
	if (w->i >= w->argc)
		return fail(w, "%s: missing \"%s\"", ctx, kw);
	if (strcmp(w->argv[w->i], kw))
		return fail(w, "%s: expected \"%s\", not \"%s\"", ctx, kw,
			    w->argv[w->i]);
	w->i++;
	return 0;
}

static int kw_policy(struct words *w, struct migrate_req *req)
{
	struct espmob_policy_ref ref = { 0 };
	const char *s;
	unsigned int i;

	if (expect(w, "index", "policy") < 0)
		return -1;
	s = value_of(w, "policy index", "a value");
	if (!s)
		return -1;
	if (parse_u32(s, &ref.index) < 0)
		return fail(w, "invalid policy index \"%s\"", s);
	if (expect(w, "dir", "policy") < 0)
		return -1;
	s = value_of(w, "policy dir", "in, out or fwd");
	if (!s)
		return -1;
	if (parse_dir(s, &ref.dir) < 0)
		return fail(w, "invalid policy dir \"%s\" (in, out or fwd)", s);
	/* as in ip xfrm policy: main unless "ptype sub" follows */
	if (w->i < w->argc && !strcmp(w->argv[w->i], "ptype")) {
		const char *t;

		w->i++;
		t = value_of(w, "policy ptype", "main or sub");
		if (!t)
			return -1;
		if (!strcmp(t, "sub"))
			ref.type = XFRM_POLICY_TYPE_SUB;
		else if (strcmp(t, "main"))
			return fail(w, "invalid policy ptype \"%s\" (main or sub)",
				    t);
	}
	for (i = 0; i < req->n_policies; i++)
		if (req->policies[i].index == ref.index &&
		    req->policies[i].dir == ref.dir &&
		    req->policies[i].type == ref.type)
			return fail(w, "policy index %u dir %s given twice",
				    ref.index, s);
	if (req->n_policies == ESPMOB_MAX_POLICIES)
		return fail(w, "too many policies (at most %d)",
			    ESPMOB_MAX_POLICIES);
	req->policies[req->n_policies++] = ref;
	return 0;
}

static int migrate_word(struct words *w, struct migrate_req *req,
			bool *has_from, bool *has_to)
{
	const char *kw = w->argv[w->i++];

	if (!strcmp(kw, "from"))
		return once(w, kw, has_from) ?: endpoints(w, kw, &req->old_ep);
	if (!strcmp(kw, "to"))
		return once(w, kw, has_to) ?: endpoints(w, kw, &req->new_ep);
	if (!strcmp(kw, "spi"))
		return kw_spi(w, req);
	if (!strcmp(kw, "reqid"))
		return kw_id(w, kw, &req->has_reqid, &req->reqid);
	if (!strcmp(kw, "if_id"))
		return kw_id(w, kw, &req->has_if_id, &req->if_id);
	if (!strcmp(kw, "mark"))
		return kw_mark(w, req);
	if (!strcmp(kw, "encap"))
		return kw_encap(w, req);
	if (!strcmp(kw, "policy"))
		return kw_policy(w, req);
	if (!strcmp(kw, "dry-run")) {
		req->flags |= ESPMOB_F_DRY_RUN;
		return 0;
	}
	/* an address where a keyword belongs: the keyword is missing */
	if (is_addr(kw) && !*has_from)
		return fail(w, "missing \"from\" before \"%s\"", kw);
	if (is_addr(kw) && !*has_to)
		return fail(w, "missing \"to\" before \"%s\"", kw);
	if (is_addr(kw))
		return fail(w, "unexpected address \"%s\" (\"from\" and \"to\" take two each)",
			    kw);
	return fail(w, "unknown keyword \"%s\"", kw);
}

int parse_migrate(int argc, char **argv, struct migrate_req *req,
		  char *err, size_t errlen)
{
	struct words w = { argc, argv, 1, err, errlen };
	bool has_from = false, has_to = false;

	memset(req, 0, sizeof(*req));
	err[0] = '\0';
	while (w.i < w.argc)
		if (migrate_word(&w, req, &has_from, &has_to) < 0)
			return -1;
	if (!has_from)
		return fail(&w, "missing \"from OLD_LOCAL OLD_REMOTE\"");
	if (!has_to)
		return fail(&w, "missing \"to NEW_LOCAL NEW_REMOTE\"");
	return 0;
}

int parse_show(int argc, char **argv, struct espmob_endpoints *ep,
	       char *err, size_t errlen)
{
	struct words w = { argc, argv, 1, err, errlen };

	memset(ep, 0, sizeof(*ep));
	err[0] = '\0';
	if (w.i >= w.argc)
		return fail(&w, "missing \"from LOCAL REMOTE\"");
	if (is_addr(w.argv[w.i]))
		return fail(&w, "missing \"from\" before \"%s\"",
			    w.argv[w.i]);
	if (strcmp(w.argv[w.i], "from"))
		return fail(&w, "expected \"from\", not \"%s\"", w.argv[w.i]);
	w.i++;
	if (endpoints(&w, "from", ep) < 0)
		return -1;
	if (w.i < w.argc)
		return fail(&w, "unexpected \"%s\"", w.argv[w.i]);
	return 0;
}

int batch_read_line(FILE *f, char *buf)
{
	int len = 0, ret = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			ret = BATCH_NUL;
		else if (len == BATCH_LINE_MAX)
			ret = ret ?: BATCH_TOO_LONG;
		else
			buf[len++] = c;
	}
	if (c == EOF && len == 0 && ret == 0)
		return BATCH_EOF;
	buf[len] = '\0';
	return ret ?: len;
}

int split_args(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		if (argc == max)
			return -1;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p)
			*p++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}
