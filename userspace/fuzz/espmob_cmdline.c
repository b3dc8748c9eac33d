// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for espmob's command line and -batch parsing: the input
 * is a batch file. Every line goes through the batch reader and the word
 * splitter, then the migrate and show grammars. Besides "no crash, no
 * leak, no UB" it checks that a line parse_migrate accepts survives
 * migrate_build() and reads back unchanged with migrate_parse(), and that
 * parsing is deterministic.
 *
 * Seeds: fuzz/corpus/espmob_cmdline, dictionary fuzz/espmob_cmdline.dict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../parse.h"
#include "../request.h"

#define FAMILY	0x20

static char line[BATCH_LINE_MAX + 1];
static char *argv_[BATCH_MAX_ARGS + 1];
static char msg[MIGRATE_MSG_MAX];

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "property failed: %s\n", what);
		abort();
	}
}

static void roundtrip(const struct migrate_req *req)
{
	struct migrate_ntf ntf;
	struct nlmsghdr *nlh = migrate_build(msg, sizeof(msg), FAMILY, req);
	unsigned int i;

	check(nlh != NULL, "an accepted request fits in MIGRATE_MSG_MAX");
	check(migrate_parse(nlh, &ntf) == 0, "a built request reads back");
	check(!memcmp(&ntf.req.old_ep, &req->old_ep, sizeof(req->old_ep)) &&
	      !memcmp(&ntf.req.new_ep, &req->new_ep, sizeof(req->new_ep)),
	      "endpoints round trip");
	check(ntf.req.n_spis == req->n_spis &&
	      !memcmp(ntf.req.spis, req->spis,
		      req->n_spis * sizeof(req->spis[0])),
	      "SPIs round trip");
	check(ntf.req.n_policies == req->n_policies, "policy count round trips");
	for (i = 0; i < req->n_policies; i++)
		check(ntf.req.policies[i].index == req->policies[i].index &&
		      ntf.req.policies[i].dir == req->policies[i].dir,
		      "policies round trip");
	check(ntf.req.flags == req->flags &&
	      ntf.req.has_reqid == req->has_reqid &&
	      ntf.req.reqid == req->reqid &&
	      ntf.req.has_if_id == req->has_if_id &&
	      ntf.req.if_id == req->if_id &&
	      ntf.req.has_mark == req->has_mark &&
	      ntf.req.mark_value == req->mark_value &&
	      ntf.req.mark_mask == req->mark_mask &&
	      ntf.req.has_encap == req->has_encap &&
	      ntf.req.encap_mode == req->encap_mode &&
	      ntf.req.encap_sport == req->encap_sport &&
	      ntf.req.encap_dport == req->encap_dport,
	      "scalars round trip");
}

static void one_line(int argc)
{
	static struct migrate_req req, again;
	struct espmob_endpoints ep;
	char err[256], err2[256];
	int ret;

	ret = parse_migrate(argc, argv_, &req, err, sizeof(err));
	check(ret == 0 || (ret == -1 && err[0]), "a refusal has a message");
	check(parse_migrate(argc, argv_, &again, err2, sizeof(err2)) == ret &&
	      !strcmp(err, err2), "parsing is deterministic");
	if (ret == 0)
		roundtrip(&req);
	ret = parse_show(argc, argv_, &ep, err, sizeof(err));
	check(ret == 0 || (ret == -1 && err[0]), "show: a refusal has a message");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f;
	int len;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	while ((len = batch_read_line(f, line)) != BATCH_EOF) {
		int argc;

		check(len >= BATCH_NUL && len <= BATCH_LINE_MAX,
		      "line length in range");
		if (len < 0)
			continue;
		check(strlen(line) == (size_t)len, "line holds no NUL");
		argc = split_args(line, argv_, BATCH_MAX_ARGS);
		check(argc >= 0, "a line never holds more words than BATCH_MAX_ARGS");
		if (argc > 0)
			one_line(argc);
	}
	fclose(f);
	return 0;
}
