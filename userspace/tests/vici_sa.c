// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the VICI bridge's SA cache and of the translation of
 * ike-update events into MIGRATE requests (vici_sa.c): synthetic event
 * sequences, then the sequence recorded from a real charon in
 * tests/data/vici/ (see README there). TAP on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../vici.h"
#include "../vici_sa.h"
#include "vici_tap.h"

/* Builds event messages: IKE section keys, optional CHILD_SA. */
struct child_def {
	const char *name, *id, *reqid, *spi_in, *spi_out, *mode, *encap;
};

static void put_child(struct vici_enc *e, const struct child_def *c)
{
	vici_enc_section_start(e, c->name);
	vici_enc_kv_str(e, "uniqueid", c->id);
	vici_enc_kv_str(e, "reqid", c->reqid);
	vici_enc_kv_str(e, "state", "INSTALLED");
	vici_enc_kv_str(e, "mode", c->mode ? c->mode : "TUNNEL");
	vici_enc_kv_str(e, "protocol", "ESP");
	if (c->encap)
		vici_enc_kv_str(e, "encap", c->encap);
	vici_enc_kv_str(e, "spi-in", c->spi_in);
	vici_enc_kv_str(e, "spi-out", c->spi_out);
	vici_enc_section_end(e);
}

static void put_ike_keys(struct vici_enc *e, const char *id,
			 const char *local, const char *remote,
			 const char *nat_any)
{
	vici_enc_kv_str(e, "uniqueid", id);
	vici_enc_kv_str(e, "version", "2");
	vici_enc_kv_str(e, "state", "ESTABLISHED");
	vici_enc_kv_str(e, "local-host", local);
	vici_enc_kv_str(e, "local-port", "4500");
	vici_enc_kv_str(e, "remote-host", remote);
	vici_enc_kv_str(e, "remote-port", "4500");
	if (nat_any)
		vici_enc_kv_str(e, "nat-any", nat_any);
}

static struct vici_msg *finish(struct vici_enc *e)
{
	struct vici_packet p;
	struct vici_msg *m = NULL;
	const uint8_t *seg;
	size_t len;

	if (vici_enc_finish(e, &seg, &len) == 0 &&
	    vici_packet_parse(seg + 4, len - 4, &p, NULL) == 0)
		vici_msg_decode(p.msg, p.msg_len, &m, NULL);
	vici_enc_free(e);
	return m;
}

/* list-sa / child-updown style: IKE section with child-sas. */
static struct vici_msg *ike_msg(const char *up, const char *id,
				const char *local, const char *remote,
				const struct child_def *children, int n)
{
	struct vici_enc e;
	int i;

	vici_enc_init(&e, VICI_EVENT, "x");
	if (up)
		vici_enc_kv_str(&e, "up", up);
	vici_enc_section_start(&e, "mob");
	put_ike_keys(&e, id, local, remote, NULL);
	if (n >= 0) {
		vici_enc_section_start(&e, "child-sas");
		for (i = 0; i < n; i++)
			put_child(&e, &children[i]);
		vici_enc_section_end(&e);
	}
	vici_enc_section_end(&e);
	return finish(&e);
}

static struct vici_msg *update_msg(const char *id, const char *old_l,
				   const char *old_r, const char *new_l,
				   const char *new_r, const char *nat_any)
{
	struct vici_enc e;

	vici_enc_init(&e, VICI_EVENT, "ike-update");
	vici_enc_kv_str(&e, "local-host", new_l);
	vici_enc_kv_str(&e, "local-port", "4500");
	vici_enc_kv_str(&e, "remote-host", new_r);
	vici_enc_kv_str(&e, "remote-port", "4500");
	vici_enc_section_start(&e, "mob");
	put_ike_keys(&e, id, old_l, old_r, nat_any);
	vici_enc_section_end(&e);
	return finish(&e);
}

static int apply(struct vici_sa_cache *c, const char *event,
		 struct vici_msg *m)
{
	char err[256] = "";
	int ret = m ? vici_cache_event(c, event, &m->root, err, sizeof(err))
		    : -2;

	if (ret)
		tap_diag("%s: %s", event, err);
	vici_msg_free(m);
	return ret;
}

/* update()'s last error message (the bridge prefixes "vici: ike-update: ") */
static char update_err[256];

static int update(struct vici_sa_cache *c, struct vici_msg *m,
		  struct vici_update *u, struct migrate_req *req)
{
	char *err = update_err;
	int ret;

	err[0] = '\0';
	ret = m ? vici_update_request(c, &m->root, u, req, err,
				      sizeof(update_err)) : -2;
	if (ret < 0)
		tap_diag("ike-update: %s", err);
	vici_msg_free(m);
	return ret;
}

static bool is_v4(const struct espmob_addr *a, const char *s)
{
	struct in_addr v;

	return a->family == AF_INET && inet_pton(AF_INET, s, &v) == 1 &&
	       v.s_addr == a->v4.s_addr;
}

static bool has_spis(const struct migrate_req *r, uint32_t a, uint32_t b)
{
	return r->n_spis == 2 &&
	       ((r->spis[0] == a && r->spis[1] == b) ||
		(r->spis[0] == b && r->spis[1] == a));
}

static void test_synthetic(void)
{
	static const struct child_def net1 = {
		"net", "1", "1", "c1000001", "c2000002", NULL, NULL };
	static const struct child_def net2 = {
		"net", "2", "1", "c3000003", "c4000004", NULL, "yes" };
	static const struct child_def two[] = {
		{ "a", "5", "5", "a0000001", "a0000002", NULL, NULL },
		{ "b", "6", "6", "b0000001", "b0000002", NULL, NULL },
	};
	struct vici_sa_cache c = { 0 };
	struct vici_update u;
	struct migrate_req req;
	struct vici_enc e;
	int ret;

	tap_ok(apply(&c, "list-sa", ike_msg(NULL, "1", "192.0.2.10",
					    "192.0.2.1", &net1, 1)) == 0 &&
	       c.n == 1 && c.ikes[0].n_children == 1 &&
	       c.ikes[0].children[0].spi_in == 0xc1000001 &&
	       c.ikes[0].children[0].tunnel && c.ikes[0].children[0].esp,
	       "list-sa fills the cache");

	ret = update(&c, update_msg("1", "192.0.2.10", "192.0.2.1",
				    "192.0.2.20", "192.0.2.1", NULL), &u, &req);
	tap_ok(ret == 1 && is_v4(&req.old_ep.local, "192.0.2.10") &&
	       is_v4(&req.old_ep.remote, "192.0.2.1") &&
	       is_v4(&req.new_ep.local, "192.0.2.20") &&
	       is_v4(&req.new_ep.remote, "192.0.2.1") &&
	       has_spis(&req, 0xc1000001, 0xc2000002) && req.has_reqid &&
	       req.reqid == 1 && !req.has_encap && u.n_children == 1 &&
	       u.ike_id == 1 && !strcmp(u.ike_name, "mob"),
	       "ike-update: old endpoints from the IKE_SA, new from the event, "
	       "SPIs and reqid from the cache");
	tap_ok(is_v4(&vici_cache_find(&c, 1)->ep.local, "192.0.2.20"),
	       "the cache follows the new endpoints");

	ret = update(&c, update_msg("1", "192.0.2.20", "192.0.2.1",
				    "192.0.2.20", "192.0.2.1", NULL), &u, &req);
	tap_ok(ret == 0, "ike-update without a change: nothing to migrate");

	ret = update(&c, update_msg("1", "192.0.2.20", "192.0.2.1",
				    "198.51.100.7", "192.0.2.1", "yes"),
		     &u, &req);
	tap_ok(ret == 1 && req.has_encap &&
	       req.encap_mode == ESPMOB_ENCAP_ESPINUDP &&
	       req.encap_sport == 4500 && req.encap_dport == 4500,
	       "ike-update behind a NAT: encap espinudp with the new ports");
	ret = update(&c, update_msg("1", "198.51.100.7", "192.0.2.1",
				    "192.0.2.30", "192.0.2.1", NULL), &u, &req);
	tap_ok(ret == 1 && req.has_encap &&
	       req.encap_mode == ESPMOB_ENCAP_NONE,
	       "leaving the NAT: encap none");

	/* child-rekey: old/new under child-sas.NAME */
	vici_enc_init(&e, VICI_EVENT, "child-rekey");
	vici_enc_section_start(&e, "mob");
	put_ike_keys(&e, "1", "192.0.2.30", "192.0.2.1", NULL);
	vici_enc_section_start(&e, "child-sas");
	vici_enc_section_start(&e, "net");
	vici_enc_section_start(&e, "old");
	put_child(&e, &net1);
	vici_enc_section_end(&e);
	vici_enc_section_start(&e, "new");
	put_child(&e, &net2);
	vici_enc_section_end(&e);
	vici_enc_section_end(&e);
	vici_enc_section_end(&e);
	vici_enc_section_end(&e);
	/* put_child opened a section named after the child inside old/new */
	tap_ok(apply(&c, "child-rekey", finish(&e)) != 0,
	       "child-rekey with nested sections under old/new refused");

	vici_enc_init(&e, VICI_EVENT, "child-rekey");
	vici_enc_section_start(&e, "mob");
	put_ike_keys(&e, "1", "192.0.2.30", "192.0.2.1", NULL);
	vici_enc_section_start(&e, "child-sas");
	vici_enc_section_start(&e, "net");
	vici_enc_section_start(&e, "old");
	vici_enc_kv_str(&e, "uniqueid", "1");
	vici_enc_kv_str(&e, "reqid", "1");
	vici_enc_section_end(&e);
	vici_enc_section_start(&e, "new");
	vici_enc_kv_str(&e, "uniqueid", "2");
	vici_enc_kv_str(&e, "reqid", "1");
	vici_enc_kv_str(&e, "protocol", "ESP");
	vici_enc_kv_str(&e, "mode", "TUNNEL");
	vici_enc_kv_str(&e, "spi-in", "c3000003");
	vici_enc_kv_str(&e, "spi-out", "c4000004");
	vici_enc_section_end(&e);
	vici_enc_section_end(&e);
	vici_enc_section_end(&e);
	vici_enc_section_end(&e);
	tap_ok(apply(&c, "child-rekey", finish(&e)) == 0 &&
	       vici_cache_find(&c, 1)->n_children == 1 &&
	       vici_cache_find(&c, 1)->children[0].uniqueid == 2,
	       "child-rekey replaces the old CHILD_SA by the new one");
	ret = update(&c, update_msg("1", "192.0.2.30", "192.0.2.1",
				    "192.0.2.40", "192.0.2.1", NULL), &u, &req);
	tap_ok(ret == 1 && has_spis(&req, 0xc3000003, 0xc4000004),
	       "after the rekey only the new SPIs are named");

	tap_ok(apply(&c, "child-updown", ike_msg(NULL, "1", "192.0.2.40",
						 "192.0.2.1", &net2, 1)) == 0 &&
	       vici_cache_find(&c, 1)->n_children == 0,
	       "child-updown down removes the CHILD_SA");
	ret = update(&c, update_msg("1", "192.0.2.40", "192.0.2.1",
				    "192.0.2.50", "192.0.2.1", NULL), &u, &req);
	tap_ok(ret == 0 && u.n_children == 0,
	       "IKE_SA without CHILD_SA: nothing to migrate");

	tap_ok(apply(&c, "child-updown", ike_msg("yes", "1", "192.0.2.50",
						 "192.0.2.1", two, 2)) == 0 &&
	       vici_cache_find(&c, 1)->n_children == 2,
	       "child-updown up adds CHILD_SAs");
	ret = update(&c, update_msg("1", "192.0.2.50", "192.0.2.1",
				    "192.0.2.60", "192.0.2.1", NULL), &u, &req);
	tap_ok(ret == 1 && req.n_spis == 4 && !req.has_reqid,
	       "two CHILD_SAs with different reqids: all SPIs, no reqid");

	/* ike-rekey hands the CHILD_SAs to the new IKE_SA */
	vici_enc_init(&e, VICI_EVENT, "ike-rekey");
	vici_enc_section_start(&e, "mob");
	vici_enc_section_start(&e, "old");
	put_ike_keys(&e, "1", "192.0.2.60", "192.0.2.1", NULL);
	vici_enc_section_end(&e);
	vici_enc_section_start(&e, "new");
	put_ike_keys(&e, "7", "192.0.2.60", "192.0.2.1", NULL);
	vici_enc_section_end(&e);
	vici_enc_section_end(&e);
	tap_ok(apply(&c, "ike-rekey", finish(&e)) == 0 &&
	       !vici_cache_find(&c, 1) && vici_cache_find(&c, 7) &&
	       vici_cache_find(&c, 7)->n_children == 2 &&
	       !strcmp(vici_cache_find(&c, 7)->name, "mob"),
	       "ike-rekey moves the CHILD_SAs to the new IKE_SA");

	tap_ok(apply(&c, "ike-updown", ike_msg(NULL, "7", "192.0.2.60",
					       "192.0.2.1", NULL, -1)) == 0 &&
	       c.n == 0, "ike-updown down forgets the IKE_SA");
	ret = update(&c, update_msg("7", "192.0.2.60", "192.0.2.1",
				    "192.0.2.70", "192.0.2.1", NULL), &u, &req);
	tap_ok(ret == 0 && u.n_children == 0,
	       "unknown IKE_SA: nothing to migrate");

	tap_ok(apply(&c, "ike-updown", ike_msg("yes", "8", "192.0.2.60",
					       "192.0.2.1", NULL, -1)) == 0 &&
	       c.n == 1 && vici_cache_find(&c, 8)->n_children == 0,
	       "ike-updown up adds the IKE_SA");
	tap_ok(apply(&c, "log", ike_msg(NULL, "9", "x", "y", NULL, -1)) == 0,
	       "unrelated events are ignored");

	/* malformed input is refused with a message, never trusted */
	tap_ok(apply(&c, "list-sa", ike_msg(NULL, "1", "192.0.2.1",
					    "not-an-address", NULL, -1)) == -1,
	       "bad address refused");
	tap_ok(apply(&c, "list-sa", ike_msg(NULL, "x1", "192.0.2.1",
					    "192.0.2.2", NULL, -1)) == -1,
	       "bad uniqueid refused");
	{
		struct child_def bad = net1;

		bad.spi_in = "c1zz";
		tap_ok(apply(&c, "list-sa", ike_msg(NULL, "1", "192.0.2.1",
						    "192.0.2.2", &bad, 1)) == -1,
		       "bad SPI refused");
		bad = net1;
		bad.spi_out = "1c1000001";
		tap_ok(apply(&c, "list-sa", ike_msg(NULL, "1", "192.0.2.1",
						    "192.0.2.2", &bad, 1)) == -1,
		       "SPI above 32 bits refused");
	}
	ret = update(&c, update_msg("8", "192.0.2.60", "192.0.2.1",
				    "2001:db8::1", "192.0.2.1", NULL), &u, &req);
	tap_ok(ret == -1 && !strcmp(update_err, "mixed address families"),
	       "ike-update with mixed families refused, in words without a second \"ike-update:\"");
	tap_ok(apply(&c, "child-updown", ike_msg("yes", "8", "192.0.2.60",
						 "192.0.2.1", NULL, -1)) == -1,
	       "child-updown without child-sas refused");
	vici_enc_init(&e, VICI_EVENT, "ike-update");
	vici_enc_kv_str(&e, "local-host", "192.0.2.1");
	tap_ok(update(&c, finish(&e), &u, &req) == -1 &&
	       !strcmp(update_err, "no IKE_SA section"),
	       "ike-update without IKE_SA section refused: \"no IKE_SA section\"");
	vici_cache_free(&c);
}

/* A recorded segment file, decoded: the event name and the tree. */
static struct vici_msg *load(const char *file, char *name)
{
	const char *dir = vici_data_dir();
	struct vici_msg *m = NULL;
	struct vici_packet p;
	char path[PATH_MAX + 256];
	uint8_t buf[65536];
	size_t len;
	uint32_t l;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (len >= 4 && vici_segment_len(buf, &l) == 0 && l == len - 4 &&
	    vici_packet_parse(buf + 4, l, &p, NULL) == 0 &&
	    vici_msg_decode(p.msg, p.msg_len, &m, NULL) == 0)
		strcpy(name, p.name);
	return m;
}

static int feed(struct vici_sa_cache *c, const char *file)
{
	char name[VICI_MAX_NAME + 1] = "";
	struct vici_msg *m = load(file, name);

	if (!m)
		tap_diag("cannot load %s", file);
	return apply(c, name, m);
}

/* The events charon 5.9.8 sent during selftests/charon_mobike.sh. */
static void test_recorded(void)
{
	struct vici_sa_cache c = { 0 };
	struct vici_update u;
	struct migrate_req req;
	char name[VICI_MAX_NAME + 1];
	int ret;

	tap_ok(feed(&c, "ike-updown-up.bin") == 0 &&
	       feed(&c, "child-updown-up.bin") == 0 && c.n == 1 &&
	       c.ikes[0].n_children == 1 &&
	       !strcmp(c.ikes[0].children[0].name, "net"),
	       "terminal: recorded ike-updown and child-updown fill the cache");
	ret = update(&c, load("ike-update-terminal-moved.bin", name), &u,
		     &req);
	tap_ok(ret == 1 && is_v4(&req.old_ep.local, "192.0.2.10") &&
	       is_v4(&req.old_ep.remote, "192.0.2.1") &&
	       is_v4(&req.new_ep.local, "192.0.2.20") &&
	       is_v4(&req.new_ep.remote, "192.0.2.1") &&
	       has_spis(&req, 0xcabab825, 0xc965bc84) && req.has_reqid &&
	       req.reqid == 1 && !req.has_encap,
	       "terminal: recorded ike-update becomes the expected MIGRATE");
	tap_ok(feed(&c, "child-updown-down.bin") == 0 &&
	       feed(&c, "ike-updown-down.bin") == 0 && c.n == 0,
	       "terminal: recorded down events empty the cache");
	vici_cache_free(&c);

	ret = update(&c, load("ike-update-ike-auth-port-float.bin", name), &u,
		     &req);
	tap_ok(ret == 0 && !strcmp(u.ike_name, "(unnamed)"),
	       "server: the port float during IKE_AUTH migrates nothing");
	tap_ok(feed(&c, "child-updown-up-server.bin") == 0,
	       "server: recorded child-updown fills the cache");
	ret = update(&c, load("ike-update-server-peer-moved.bin", name), &u,
		     &req);
	tap_ok(ret == 1 && is_v4(&req.old_ep.local, "192.0.2.1") &&
	       is_v4(&req.old_ep.remote, "192.0.2.10") &&
	       is_v4(&req.new_ep.local, "192.0.2.1") &&
	       is_v4(&req.new_ep.remote, "192.0.2.20") &&
	       has_spis(&req, 0xcabab825, 0xc965bc84),
	       "server: recorded ike-update becomes the expected MIGRATE");
	vici_cache_free(&c);

	tap_ok(feed(&c, "child-updown-up-encap.bin") == 0 && c.n == 1 &&
	       c.ikes[0].n_children == 1 && c.ikes[0].children[0].encap,
	       "terminal, ESP in UDP: recorded child-updown shows encap");
	ret = update(&c, load("ike-update-terminal-moved-encap.bin", name), &u,
		     &req);
	tap_ok(ret == 1 && u.nat_any && req.has_encap &&
	       req.encap_mode == ESPMOB_ENCAP_ESPINUDP &&
	       req.encap_sport == 4500 && req.encap_dport == 4500 &&
	       is_v4(&req.new_ep.local, "192.0.2.20"),
	       "terminal, ESP in UDP: MIGRATE keeps encap espinudp 4500 4500");
	vici_cache_free(&c);

	tap_ok(feed(&c, "list-sa-server-after-move.bin") == 0 && c.n == 1 &&
	       is_v4(&c.ikes[0].ep.remote, "192.0.2.20") &&
	       c.ikes[0].n_children == 1 &&
	       c.ikes[0].children[0].spi_in == 0xc9018f3c &&
	       c.ikes[0].children[0].spi_out == 0xc399a54d &&
	       c.ikes[0].children[0].reqid == 1 &&
	       !strcmp(c.ikes[0].children[0].name, "net"),
	       "server: recorded list-sa fills the cache");
	vici_cache_free(&c);
}

int main(void)
{
	printf("TAP version 13\n");
	test_synthetic();
	test_recorded();
	return tap_done();
}
