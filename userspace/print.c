// SPDX-License-Identifier: GPL-2.0
/*
 * Everything espmob writes to stdout. Text output is one line per result
 * so that scripts (and a daemon reading a -batch pipe) can take it line by
 * line; -j prints one JSON value per line with the same information.
 */
#include <inttypes.h>
#include <stdio.h>

#include "json.h"
#include "print.h"

static const char *const stats_names[ESPMOB_STATS_A_MAX + 1] = {
	[ESPMOB_STATS_A_MIGRATIONS] = "migrations",
	[ESPMOB_STATS_A_FAILED] = "failed",
	[ESPMOB_STATS_A_DRY_RUNS] = "dry_runs",
	[ESPMOB_STATS_A_STATES_MOVED] = "states_moved",
	[ESPMOB_STATS_A_POLICIES_MOVED] = "policies_moved",
	[ESPMOB_STATS_A_ROLLBACKS] = "rollbacks",
	[ESPMOB_STATS_A_TRANSFORMS_KEPT] = "transforms_kept",
	[ESPMOB_STATS_A_RETIRING] = "retiring",
};

static const char *const dir_names[] = { "in", "out", "fwd" };

const char *addr_str(const struct espmob_addr *a, char *buf, size_t size)
{
	if (!inet_ntop(a->family, &a->v6, buf, size))
		snprintf(buf, size, "?");
	return buf;
}

static void finish_line(void)
{
	putchar('\n');
	fflush(stdout);
}

static void json_failure(struct json *j, const struct espmob_ctx *ctx,
			 int status)
{
	json_str(j, "error", ctx->errmsg);
	json_u64(j, "status", status);
}

void print_version(const struct espmob_ctx *ctx,
		   const struct espmob_info *info, int status)
{
	struct json j;

	if (!ctx->json) {
		if (info->has_abi)
			printf("espmob %s, module ABI %" PRIu32,
			       ESPMOB_TOOL_VERSION, info->abi);
		else
			printf("espmob %s, module %s", ESPMOB_TOOL_VERSION,
			       info->no_module ? "not loaded" : "ABI unknown");
		finish_line();
		return;
	}
	json_init(&j, stdout);
	json_obj_open(&j, NULL);
	json_str(&j, "tool", ESPMOB_TOOL_VERSION);
	if (info->has_abi)
		json_u64(&j, "abi", info->abi);
	else
		json_null(&j, "abi");
	if (status != ESPMOB_OK)
		json_failure(&j, ctx, status);
	json_obj_close(&j);
	json_finish(&j);
}

void print_stats(const struct espmob_ctx *ctx, const struct espmob_info *info)
{
	const char *sep = "";
	struct json j;
	int i;

	json_init(&j, stdout);
	if (ctx->json)
		json_obj_open(&j, NULL);
	for (i = 0; i <= ESPMOB_STATS_A_MAX; i++) {
		if (!stats_names[i])
			continue;
		if (ctx->json)
			json_u64(&j, stats_names[i], info->stats[i]);
		else
			printf("%s%s %" PRIu64, sep, stats_names[i],
			       info->stats[i]);
		sep = " ";
	}
	if (ctx->json) {
		json_obj_close(&j);
		json_finish(&j);
	} else {
		finish_line();
	}
}

/* Microseconds, rounded, for people; JSON keeps nanoseconds. */
static uint64_t ns_to_us(uint64_t ns)
{
	return (ns + 500) / 1000;
}

static void json_result(struct json *j, const struct migrate_result *res)
{
	json_u64(j, "states", res->states);
	json_u64(j, "policies", res->policies);
	json_u64(j, "duration_ns", res->duration_ns);
	json_bool(j, "dry_run", res->dry_run);
}

void print_migrate_result(const struct espmob_ctx *ctx,
			  const struct migrate_result *res)
{
	struct json j;

	if (!ctx->json) {
		printf("%s %" PRIu32 " states, %" PRIu32 " policies in %" PRIu64
		       " us", res->dry_run ? "would migrate" : "migrated",
		       res->states, res->policies, ns_to_us(res->duration_ns));
		finish_line();
		return;
	}
	json_init(&j, stdout);
	json_obj_open(&j, NULL);
	json_result(&j, res);
	json_obj_close(&j);
	json_finish(&j);
}

static void text_endpoints(const struct espmob_endpoints *ep)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];

	printf("%s %s", addr_str(&ep->local, l, sizeof(l)),
	       addr_str(&ep->remote, r, sizeof(r)));
}

static void json_endpoints(struct json *j, const char *key,
			   const struct espmob_endpoints *ep)
{
	char buf[INET6_ADDRSTRLEN];

	json_obj_open(j, key);
	json_str(j, "local", addr_str(&ep->local, buf, sizeof(buf)));
	json_str(j, "remote", addr_str(&ep->remote, buf, sizeof(buf)));
	json_obj_close(j);
}

const char *dir_name(uint8_t dir)
{
	return dir < 3 ? dir_names[dir] : "?";
}

static void text_ntf(const struct migrate_ntf *n)
{
	const struct migrate_req *r = &n->req;
	unsigned int i;

	printf("migrate");
	if (n->has_old) {
		printf(" from ");
		text_endpoints(&r->old_ep);
	}
	if (n->has_new) {
		printf(" to ");
		text_endpoints(&r->new_ep);
	}
	for (i = 0; i < r->n_spis; i++)
		printf(" spi 0x%08" PRIx32, r->spis[i]);
	if (r->has_reqid)
		printf(" reqid %" PRIu32, r->reqid);
	if (r->has_mark)
		printf(" mark 0x%" PRIx32 "/0x%" PRIx32, r->mark_value,
		       r->mark_mask);
	if (r->has_if_id)
		printf(" if_id %" PRIu32, r->if_id);
	if (r->has_encap && r->encap_mode == ESPMOB_ENCAP_ESPINUDP)
		printf(" encap espinudp %u %u", r->encap_sport, r->encap_dport);
	else if (r->has_encap)
		printf(" encap none");
	for (i = 0; i < r->n_policies; i++) {
		printf(" policy index %" PRIu32 " dir %s",
		       r->policies[i].index, dir_name(r->policies[i].dir));
		if (r->policies[i].type)
			printf(" ptype sub");
	}
	if (n->has_result)
		printf(": %" PRIu32 " states, %" PRIu32 " policies in %" PRIu64
		       " us", n->res.states, n->res.policies,
		       ns_to_us(n->res.duration_ns));
	finish_line();
}

void print_migrate_ntf(const struct espmob_ctx *ctx,
		       const struct migrate_ntf *n)
{
	const struct migrate_req *r = &n->req;
	struct json j;
	unsigned int i;

	if (!ctx->json) {
		text_ntf(n);
		return;
	}
	json_init(&j, stdout);
	json_obj_open(&j, NULL);
	json_str(&j, "event", "migrate");
	if (n->has_old)
		json_endpoints(&j, "old", &r->old_ep);
	if (n->has_new)
		json_endpoints(&j, "new", &r->new_ep);
	if (r->n_spis) {
		json_arr_open(&j, "spis");
		for (i = 0; i < r->n_spis; i++)
			json_u64(&j, NULL, r->spis[i]);
		json_arr_close(&j);
	}
	if (r->has_reqid)
		json_u64(&j, "reqid", r->reqid);
	if (r->has_mark) {
		json_obj_open(&j, "mark");
		json_u64(&j, "value", r->mark_value);
		json_u64(&j, "mask", r->mark_mask);
		json_obj_close(&j);
	}
	if (r->has_if_id)
		json_u64(&j, "if_id", r->if_id);
	if (r->has_encap) {
		json_obj_open(&j, "encap");
		json_str(&j, "type", r->encap_mode == ESPMOB_ENCAP_ESPINUDP ?
			 "espinudp" : "none");
		if (r->encap_mode == ESPMOB_ENCAP_ESPINUDP) {
			json_u64(&j, "sport", r->encap_sport);
			json_u64(&j, "dport", r->encap_dport);
		}
		json_obj_close(&j);
	}
	if (r->n_policies) {
		json_arr_open(&j, "policy_refs");
		for (i = 0; i < r->n_policies; i++) {
			json_obj_open(&j, NULL);
			json_u64(&j, "index", r->policies[i].index);
			json_str(&j, "dir", dir_name(r->policies[i].dir));
			json_str(&j, "ptype", r->policies[i].type ? "sub" : "main");
			json_obj_close(&j);
		}
		json_arr_close(&j);
	}
	if (n->has_result)
		json_result(&j, &n->res);
	json_obj_close(&j);
	json_finish(&j);
}

void print_failure(const struct espmob_ctx *ctx, int status)
{
	struct json j;

	if (!ctx->json) {
		printf("error: %s", ctx->errmsg);
		finish_line();
		return;
	}
	json_init(&j, stdout);
	json_obj_open(&j, NULL);
	json_failure(&j, ctx, status);
	json_obj_close(&j);
	json_finish(&j);
}
