// SPDX-License-Identifier: GPL-2.0
/*
 * espmob vici [socket PATH] [dry-run] [verbose] [record DIR] [list]
 *
 * The strongSwan bridge: follows charon over VICI and, when charon raises
 * ike-update (MOBIKE is about to move an IKE_SA to other addresses), moves
 * all of that IKE_SA's ESP SAs and their policies with one atomic MIGRATE.
 * Documentation/strongswan.rst describes how this combines with charon's
 * own update of its kernel SAs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "parse.h"
#include "print.h"
#include "vici_client.h"
#include "vici_sa.h"

static const char *const bridge_events[] = {
	"ike-update", "ike-updown", "ike-rekey", "child-updown", "child-rekey",
};

struct bridge {
	struct espmob_ctx *ctx;
	struct vici_conn conn;
	struct vici_sa_cache cache;
	bool dry_run;
	bool verbose;
	char err[256];
};

/* Wall clock as charon's log writes it (time_format %T, time_add_ms). */
static const char *wall(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	snprintf(buf, size, "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, ts.tv_nsec / 1000000);
	return buf;
}

static void show_event(struct bridge *b, const struct vici_rx *rx)
{
	char t[32];

	if (!b->verbose || b->ctx->json)
		return;
	printf("%s event %s\n", wall(t, sizeof(t)), rx->pkt.name);
	if (rx->msg)
		vici_dump(stdout, &rx->msg->root);
	fflush(stdout);
}

static int list_sa_cb(void *data, const struct vici_rx *rx)
{
	struct bridge *b = data;

	show_event(b, rx);
	if (vici_cache_event(&b->cache, "list-sa", &rx->msg->root, b->err,
			     sizeof(b->err)))
		espmob_error(b->ctx, "vici: list-sa: %s", b->err);
	return 0;
}

static int simple_command(struct bridge *b, const char *cmd,
			  const char *stream, vici_stream_cb cb,
			  struct vici_rx **resp)
{
	return vici_conn_simple(&b->conn, cmd, stream, cb, b, resp);
}

static void print_endpoints(const struct espmob_endpoints *ep)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];

	printf("%s..%s", addr_str(&ep->local, l, sizeof(l)),
	       addr_str(&ep->remote, r, sizeof(r)));
}

static void json_endpoints(struct json *j, const char *key,
			   const struct espmob_endpoints *ep)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];

	json_obj_open(j, key);
	json_str(j, "local", addr_str(&ep->local, l, sizeof(l)));
	json_str(j, "remote", addr_str(&ep->remote, r, sizeof(r)));
	json_obj_close(j);
}

/* One line (or JSON object) per ike-update: what was done. */
static void report(struct bridge *b, const struct vici_update *u,
		   const struct migrate_result *res, const char *outcome)
{
	struct json j;
	char t[32];

	if (!b->ctx->json) {
		if (b->verbose)
			printf("%s ", wall(t, sizeof(t)));
		printf("ike-update %s[%" PRIu32 "] ", u->ike_name, u->ike_id);
		print_endpoints(&u->old_ep);
		printf(" -> ");
		print_endpoints(&u->new_ep);
		if (res)
			printf(": %s %" PRIu32 " states, %" PRIu32
			       " policies in %" PRIu64 " us\n",
			       res->dry_run ? "would migrate" : "migrated",
			       res->states, res->policies,
			       res->duration_ns / 1000);
		else
			printf(": %s\n", outcome);
		fflush(stdout);
		return;
	}
	json_init(&j, stdout);
	json_obj_open(&j, NULL);
	json_str(&j, "event", "ike-update");
	json_str(&j, "ike", u->ike_name);
	json_u64(&j, "ike_id", u->ike_id);
	json_endpoints(&j, "old", &u->old_ep);
	json_endpoints(&j, "new", &u->new_ep);
	json_u64(&j, "children", u->n_children);
	if (res) {
		json_u64(&j, "states", res->states);
		json_u64(&j, "policies", res->policies);
		json_u64(&j, "duration_ns", res->duration_ns);
		json_bool(&j, "dry_run", res->dry_run);
	} else {
		json_str(&j, "outcome", outcome);
	}
	json_obj_close(&j);
	json_finish(&j);
}

/*
 * After -ENOENT: are the SAs already between the new endpoints? A dry run
 * of the way back finds them there if charon updated them before us.
 */
static bool already_moved(struct bridge *b, const struct migrate_req *req)
{
	struct migrate_req back = *req;
	struct migrate_result res;

	back.old_ep = req->new_ep;
	back.new_ep = req->old_ep;
	back.has_encap = false;
	back.flags |= ESPMOB_F_DRY_RUN;
	return espmob_migrate(b->ctx, &back, &res) == 0 && res.states > 0;
}

static void on_ike_update(struct bridge *b, const struct vici_rx *rx)
{
	struct migrate_result res;
	struct migrate_req req;
	struct vici_update u;
	int ret;

	ret = vici_update_request(&b->cache, &rx->msg->root, &u, &req, b->err,
				  sizeof(b->err));
	if (ret < 0) {
		espmob_error(b->ctx, "vici: ike-update: %s", b->err);
		return;
	}
	if (ret == 0) {
		report(b, &u, NULL, u.n_children ?
		       "addresses unchanged, nothing to migrate" :
		       "no ESP CHILD_SA known, nothing to migrate");
		return;
	}
	if (b->dry_run)
		req.flags |= ESPMOB_F_DRY_RUN;
	ret = espmob_migrate(b->ctx, &req, &res);
	/* (ENOENT without a family id is the module missing, not an SA) */
	if (ret == -ENOENT && req.n_spis && b->ctx->family_id) {
		char why[sizeof(b->ctx->errmsg)];

		/* the dry run below overwrites the kernel's message */
		snprintf(why, sizeof(why), "%s", b->ctx->errmsg);
		if (already_moved(b, &req)) {
			report(b, &u, NULL, "already at the new endpoints "
			       "(charon or an earlier migration moved them)");
			return;
		}
		/*
		 * An SPI we know of is gone: charon deleted a CHILD_SA
		 * without telling. What is left between the old endpoints
		 * belongs to this peer: move that.
		 */
		espmob_error(b->ctx, "vici: ike-update %s[%" PRIu32 "]: %s; "
			     "retrying without SPIs", u.ike_name, u.ike_id, why);
		req.n_spis = 0;
		req.has_reqid = false;
		ret = espmob_migrate(b->ctx, &req, &res);
	}
	if (ret < 0) {
		espmob_error(b->ctx, "vici: ike-update %s[%" PRIu32 "]: "
			     "migrate: %s", u.ike_name, u.ike_id,
			     b->ctx->errmsg);
		report(b, &u, NULL, "migration failed");
		return;
	}
	report(b, &u, &res, NULL);
}

static void on_event(struct bridge *b, const struct vici_rx *rx)
{
	show_event(b, rx);
	if (!rx->msg)
		return;
	if (!strcmp(rx->pkt.name, "ike-update")) {
		on_ike_update(b, rx);
		return;
	}
	if (vici_cache_event(&b->cache, rx->pkt.name, &rx->msg->root, b->err,
			     sizeof(b->err)))
		espmob_error(b->ctx, "vici: %s: %s", rx->pkt.name, b->err);
}

static int start(struct bridge *b, const char *path, const char *record)
{
	struct vici_rx *resp = NULL;
	const char *version = NULL;
	unsigned int i;
	int ret;

	ret = vici_conn_open(&b->conn, path);
	if (ret)
		return ret;
	b->conn.record_dir = record;
	ret = simple_command(b, "version", NULL, NULL, &resp);
	if (ret)
		return ret;
	version = vici_str(&resp->msg->root, "version");
	if (!b->ctx->json) {
		printf("vici: connected to %s, %s %s\n", path,
		       vici_str(&resp->msg->root, "daemon") ?: "?",
		       version ?: "?");
		fflush(stdout);
	}
	vici_rx_free(resp);

	for (i = 0; i < sizeof(bridge_events) / sizeof(bridge_events[0]); i++) {
		ret = vici_conn_register(&b->conn, bridge_events[i], true);
		if (ret)
			return ret;
	}
	/* registered first: nothing is lost between the list and events */
	ret = vici_conn_register(&b->conn, "list-sa", true);
	if (!ret)
		ret = simple_command(b, "list-sas", "list-sa", list_sa_cb,
				     &resp);
	if (ret)
		return ret;
	vici_rx_free(resp);
	ret = vici_conn_register(&b->conn, "list-sa", false);
	if (ret)
		return ret;
	if (!b->ctx->json) {
		unsigned int n = 0;

		for (i = 0; i < b->cache.n; i++)
			n += b->cache.ikes[i].n_children;
		printf("vici: following %u IKE_SAs with %u CHILD_SAs\n",
		       b->cache.n, n);
		fflush(stdout);
	}
	return 0;
}

/* "list": what the bridge knows after list-sas, then exit. */
static void print_cache(const struct bridge *b)
{
	unsigned int i, k;
	struct json j;

	if (b->ctx->json) {
		json_init(&j, stdout);
		json_arr_open(&j, NULL);
	}
	for (i = 0; i < b->cache.n; i++) {
		const struct vici_ike_sa *ike = &b->cache.ikes[i];

		if (b->ctx->json) {
			json_obj_open(&j, NULL);
			json_str(&j, "ike", ike->name);
			json_u64(&j, "ike_id", ike->uniqueid);
			json_endpoints(&j, "endpoints", &ike->ep);
			json_bool(&j, "nat", ike->nat_any);
			json_arr_open(&j, "children");
		} else {
			printf("%s[%" PRIu32 "] ", ike->name, ike->uniqueid);
			print_endpoints(&ike->ep);
			printf("%s\n", ike->nat_any ? " nat" : "");
		}
		for (k = 0; k < ike->n_children; k++) {
			const struct vici_child_sa *ch = &ike->children[k];

			if (!b->ctx->json) {
				printf("  %s{%" PRIu32 "} reqid %" PRIu32
				       " %s %s spi-in 0x%08" PRIx32
				       " spi-out 0x%08" PRIx32 "%s\n",
				       ch->name, ch->uniqueid, ch->reqid,
				       ch->esp ? "esp" : "ah",
				       ch->tunnel ? "tunnel" : "transport",
				       ch->spi_in, ch->spi_out,
				       ch->encap ? " encap" : "");
				continue;
			}
			json_obj_open(&j, NULL);
			json_str(&j, "name", ch->name);
			json_u64(&j, "reqid", ch->reqid);
			json_u64(&j, "spi_in", ch->spi_in);
			json_u64(&j, "spi_out", ch->spi_out);
			json_bool(&j, "tunnel", ch->tunnel);
			json_bool(&j, "encap", ch->encap);
			json_obj_close(&j);
		}
		if (b->ctx->json) {
			json_arr_close(&j);
			json_obj_close(&j);
		}
	}
	if (b->ctx->json) {
		json_arr_close(&j);
		json_finish(&j);
	}
	fflush(stdout);
}

int cmd_vici(struct espmob_ctx *ctx, int argc, char **argv)
{
	const char *path = VICI_DEFAULT_SOCKET, *record = NULL;
	struct bridge b = { .ctx = ctx };
	struct vici_rx *rx;
	bool list = false;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "socket") || !strcmp(argv[i], "record")) &&
		    i + 1 == argc)
			return espmob_usage(ctx, argv[0], "\"%s\" needs a %s",
					    argv[i], argv[i][0] == 's' ?
					    "PATH" : "DIR");
		if (!strcmp(argv[i], "socket"))
			path = argv[++i];
		else if (!strcmp(argv[i], "record"))
			record = argv[++i];
		else if (!strcmp(argv[i], "dry-run"))
			b.dry_run = true;
		else if (!strcmp(argv[i], "verbose"))
			b.verbose = true;
		else if (!strcmp(argv[i], "list"))
			list = true;
		else
			return espmob_usage(ctx, argv[0], "unexpected \"%s\"",
					    argv[i]);
	}

	ret = start(&b, path, record);
	if (!ret && list) {
		print_cache(&b);
		vici_conn_close(&b.conn);
		vici_cache_free(&b.cache);
		return ESPMOB_OK;
	}
	while (!ret) {
		ret = vici_conn_next_event(&b.conn, -1, &rx);
		if (ret)
			break;
		on_event(&b, rx);
		vici_rx_free(rx);
	}
	espmob_error(ctx, "vici: %s", b.conn.err[0] ? b.conn.err :
		     strerror(-ret));
	vici_conn_close(&b.conn);
	vici_cache_free(&b.cache);
	return ESPMOB_ERR;
}
