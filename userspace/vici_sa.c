// SPDX-License-Identifier: GPL-2.0
/*
 * The VICI bridge's copy of charon's IKE_SAs and CHILD_SAs, and the
 * translation of ike-update events into MIGRATE requests. See vici_sa.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "vici_sa.h"

static int sa_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int sa_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Strict unsigned numbers: all digits, no sign, no overflow. */
static int parse_num(const char *s, int base, uint32_t *v)
{
	unsigned long long n = 0;
	const char *p;

	if (!s || !*s)
		return -1;
	for (p = s; *p; p++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -1;
		n = n * base + d;
		if (n > UINT32_MAX)
			return -1;
	}
	*v = (uint32_t)n;
	return 0;
}

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, VICI_NAME_MAX, "%s", src);
}

static bool yes(const struct vici_node *n, const char *key)
{
	const char *v = vici_str(n, key);

	return v && !strcmp(v, "yes");
}

static int parse_port16(const char *s, uint16_t *port)
{
	uint32_t v;

	if (parse_num(s, 10, &v) || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int parse_child(const struct vici_node *sec, struct vici_child_sa *ch,
		       char *err, size_t errlen)
{
	const char *id = vici_str(sec, "uniqueid");
	const char *reqid = vici_str(sec, "reqid");
	const char *spi_in = vici_str(sec, "spi-in");
	const char *spi_out = vici_str(sec, "spi-out");
	const char *mode = vici_str(sec, "mode");
	const char *proto = vici_str(sec, "protocol");
	const char *state = vici_str(sec, "state");

	memset(ch, 0, sizeof(*ch));
	/* sections are named NAME-UNIQUEID, the "name" key has the name */
	copy_name(ch->name, vici_str(sec, "name") ?: sec->name);
	if (parse_num(id, 10, &ch->uniqueid))
		return sa_error(err, errlen, "CHILD_SA %s: bad uniqueid",
				sec->name);
	if (reqid && parse_num(reqid, 10, &ch->reqid))
		return sa_error(err, errlen, "CHILD_SA %s: bad reqid",
				sec->name);
	if (spi_in && parse_num(spi_in, 16, &ch->spi_in))
		return sa_error(err, errlen, "CHILD_SA %s: bad spi-in",
				sec->name);
	if (spi_out && parse_num(spi_out, 16, &ch->spi_out))
		return sa_error(err, errlen, "CHILD_SA %s: bad spi-out",
				sec->name);
	ch->esp = proto && !strcmp(proto, "ESP");
	ch->tunnel = mode && !strcmp(mode, "TUNNEL");
	ch->encap = yes(sec, "encap");
	snprintf(ch->state, sizeof(ch->state), "%s", state ? state : "");
	return 0;
}

static int parse_host(const struct vici_node *sec, const char *key,
		      struct espmob_addr *a, char *err, size_t errlen)
{
	const char *s = vici_str(sec, key);

	if (!s || parse_addr(s, a))
		return sa_error(err, errlen, "IKE_SA %s: bad or missing %s",
				sec->name, key);
	return 0;
}

/* The IKE_SA's own keys, without its child-sas section. */
static int parse_ike_keys(const struct vici_node *sec, struct vici_ike_sa *ike,
			  char *err, size_t errlen)
{
	const char *lport = vici_str(sec, "local-port");
	const char *rport = vici_str(sec, "remote-port");

	memset(ike, 0, sizeof(*ike));
	copy_name(ike->name, sec->name);
	if (sec->type != VICI_NODE_SECTION)
		return sa_error(err, errlen, "%s is not a section", sec->name);
	if (parse_num(vici_str(sec, "uniqueid"), 10, &ike->uniqueid))
		return sa_error(err, errlen, "IKE_SA %s: bad uniqueid",
				sec->name);
	if (parse_host(sec, "local-host", &ike->ep.local, err, errlen) ||
	    parse_host(sec, "remote-host", &ike->ep.remote, err, errlen))
		return -1;
	if ((lport && parse_port16(lport, &ike->local_port)) ||
	    (rport && parse_port16(rport, &ike->remote_port)))
		return sa_error(err, errlen, "IKE_SA %s: bad port", sec->name);
	ike->nat_any = yes(sec, "nat-any");
	return 0;
}

int vici_parse_ike(const struct vici_node *sec, struct vici_ike_sa *ike,
		   char *err, size_t errlen)
{
	const struct vici_node *children, *c;

	if (parse_ike_keys(sec, ike, err, errlen))
		return -1;
	children = vici_path(sec, "child-sas", NULL);
	for (c = children ? children->first : NULL; c; c = c->next) {
		if (c->type != VICI_NODE_SECTION)
			continue;
		if (ike->n_children == VICI_MAX_CHILDREN)
			return sa_error(err, errlen,
					"IKE_SA %s: more than %d CHILD_SAs",
					sec->name, VICI_MAX_CHILDREN);
		if (parse_child(c, &ike->children[ike->n_children], err,
				errlen))
			return -1;
		ike->n_children++;
	}
	return 0;
}

struct vici_ike_sa *vici_cache_find(struct vici_sa_cache *c, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (c->ikes[i].uniqueid == id)
			return &c->ikes[i];
	return NULL;
}

static void cache_del(struct vici_sa_cache *c, uint32_t id)
{
	struct vici_ike_sa *ike = vici_cache_find(c, id);

	if (!ike)
		return;
	*ike = c->ikes[--c->n];
}

/* Inserts or replaces; keep_children keeps the cached CHILD_SAs. */
static int cache_put(struct vici_sa_cache *c, const struct vici_ike_sa *ike,
		     bool keep_children, char *err, size_t errlen)
{
	struct vici_ike_sa *old = vici_cache_find(c, ike->uniqueid);

	if (old) {
		unsigned int n = old->n_children;

		if (keep_children) {
			struct vici_child_sa kids[VICI_MAX_CHILDREN];

			memcpy(kids, old->children, n * sizeof(kids[0]));
			*old = *ike;
			memcpy(old->children, kids, n * sizeof(kids[0]));
			old->n_children = n;
		} else {
			*old = *ike;
		}
		return 0;
	}
	if (c->n == c->cap) {
		unsigned int cap = c->cap ? 2 * c->cap : 8;
		struct vici_ike_sa *p;

		if (cap > 65536)
			return sa_error(err, errlen, "too many IKE_SAs");
		p = realloc(c->ikes, cap * sizeof(*p));
		if (!p)
			return sa_error(err, errlen, "out of memory");
		c->ikes = p;
		c->cap = cap;
	}
	c->ikes[c->n] = *ike;
	if (keep_children)
		c->ikes[c->n].n_children = 0;
	c->n++;
	return 0;
}

void vici_cache_free(struct vici_sa_cache *c)
{
	free(c->ikes);
	memset(c, 0, sizeof(*c));
}

static void child_del(struct vici_ike_sa *ike, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < ike->n_children; i++) {
		if (ike->children[i].uniqueid == id) {
			ike->children[i] = ike->children[--ike->n_children];
			return;
		}
	}
}

static int child_put(struct vici_ike_sa *ike, const struct vici_child_sa *ch,
		     char *err, size_t errlen)
{
	child_del(ike, ch->uniqueid);
	if (ike->n_children == VICI_MAX_CHILDREN)
		return sa_error(err, errlen, "IKE_SA %s: more than %d CHILD_SAs",
				ike->name, VICI_MAX_CHILDREN);
	ike->children[ike->n_children++] = *ch;
	return 0;
}

/* The first section among root's children: the IKE_SA of most events. */
static const struct vici_node *first_section(const struct vici_node *root)
{
	const struct vici_node *n;

	for (n = root->first; n; n = n->next)
		if (n->type == VICI_NODE_SECTION)
			return n;
	return NULL;
}

/* ike-rekey: NAME { old { ... } new { ... } }; CHILD_SAs move along. */
static int ike_rekey(struct vici_sa_cache *c, const struct vici_node *sec,
		     char *err, size_t errlen)
{
	const struct vici_node *o = vici_path(sec, "old", NULL);
	const struct vici_node *n = vici_path(sec, "new", NULL);
	struct vici_ike_sa old_ike, new_ike, *cached;

	if (!o || !n || parse_ike_keys(o, &old_ike, err, errlen) ||
	    parse_ike_keys(n, &new_ike, err, errlen))
		return o && n ? -1 :
			sa_error(err, errlen, "no old and new sections");
	copy_name(new_ike.name, sec->name);
	cached = vici_cache_find(c, old_ike.uniqueid);
	if (cached) {
		new_ike.n_children = cached->n_children;
		memcpy(new_ike.children, cached->children,
		       cached->n_children * sizeof(cached->children[0]));
	}
	cache_del(c, old_ike.uniqueid);
	return cache_put(c, &new_ike, false, err, errlen);
}

/* child-updown and child-rekey: IKE { ... child-sas { NAME {...} } } */
static int child_event(struct vici_sa_cache *c, const struct vici_node *sec,
		       bool rekey, bool up, char *err, size_t errlen)
{
	const struct vici_node *kids = vici_path(sec, "child-sas", NULL), *k;
	struct vici_ike_sa ike, *cached;
	struct vici_child_sa ch;

	if (parse_ike_keys(sec, &ike, err, errlen))
		return -1;
	if (!kids)
		return sa_error(err, errlen, "no child-sas section");
	ike.n_children = 0;
	if (cache_put(c, &ike, true, err, errlen))
		return -1;
	cached = vici_cache_find(c, ike.uniqueid);
	for (k = kids->first; k; k = k->next) {
		const struct vici_node *o, *n;

		if (k->type != VICI_NODE_SECTION)
			continue;
		if (!rekey) {
			if (parse_child(k, &ch, err, errlen))
				return -1;
			if (up) {
				if (child_put(cached, &ch, err, errlen))
					return -1;
			} else {
				child_del(cached, ch.uniqueid);
			}
			continue;
		}
		o = vici_path(k, "old", NULL);
		n = vici_path(k, "new", NULL);
		if (!o || !n)
			return sa_error(err, errlen,
					"child-rekey without old/new");
		/*
		 * charon raises no child-updown for the CHILD_SA it deletes
		 * after a rekey, so the old one goes now: a migration must not
		 * name an SPI that may be gone (it would be refused whole).
		 */
		if (parse_child(o, &ch, err, errlen))
			return -1;
		child_del(cached, ch.uniqueid);
		if (parse_child(n, &ch, err, errlen))
			return -1;
		copy_name(ch.name, k->name);
		if (child_put(cached, &ch, err, errlen))
			return -1;
	}
	return 0;
}

int vici_cache_event(struct vici_sa_cache *c, const char *event,
		     const struct vici_node *root, char *err, size_t errlen)
{
	const struct vici_node *sec = first_section(root), *n;
	struct vici_ike_sa ike;
	bool up = yes(root, "up");

	if (!strcmp(event, "list-sa")) {
		for (n = root->first; n; n = n->next) {
			if (n->type != VICI_NODE_SECTION)
				continue;
			if (vici_parse_ike(n, &ike, err, errlen) ||
			    cache_put(c, &ike, false, err, errlen))
				return -1;
		}
		return 0;
	}
	if (strcmp(event, "ike-updown") && strcmp(event, "ike-rekey") &&
	    strcmp(event, "child-updown") && strcmp(event, "child-rekey"))
		return 0;
	if (!sec)
		return sa_error(err, errlen, "no IKE_SA section");
	if (!strcmp(event, "ike-updown")) {
		if (parse_ike_keys(sec, &ike, err, errlen))
			return -1;
		if (!up) {
			cache_del(c, ike.uniqueid);
			return 0;
		}
		return cache_put(c, &ike, true, err, errlen);
	}
	if (!strcmp(event, "ike-rekey"))
		return ike_rekey(c, sec, err, errlen);
	return child_event(c, sec, !strcmp(event, "child-rekey"), up, err,
			   errlen);
}

static bool addr_equal(const struct espmob_addr *a, const struct espmob_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	return !memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

static void add_spi(struct migrate_req *req, uint32_t spi)
{
	unsigned int i;

	if (!spi)
		return;
	for (i = 0; i < req->n_spis; i++)
		if (req->spis[i] == spi)
			return;
	if (req->n_spis < ESPMOB_MAX_SPIS)
		req->spis[req->n_spis++] = spi;
}

int vici_update_request(struct vici_sa_cache *c, const struct vici_node *root,
			struct vici_update *u, struct migrate_req *req,
			char *err, size_t errlen)
{
	const struct vici_node *sec = first_section(root);
	const char *lport = vici_str(root, "local-port");
	const char *rport = vici_str(root, "remote-port");
	struct vici_ike_sa ike, *cached;
	bool old_encap = false, one_reqid = true;
	uint32_t reqid = 0;
	unsigned int i;

	memset(u, 0, sizeof(*u));
	memset(req, 0, sizeof(*req));
	if (!sec)
		return sa_error(err, errlen, "no IKE_SA section");
	if (parse_ike_keys(sec, &ike, err, errlen))
		return -1;
	u->ike_id = ike.uniqueid;
	copy_name(u->ike_name, sec->name);
	u->old_ep = ike.ep;
	u->nat_any = ike.nat_any;
	if (parse_host(root, "local-host", &u->new_ep.local, err, errlen) ||
	    parse_host(root, "remote-host", &u->new_ep.remote, err, errlen))
		return -1;
	if ((lport && parse_port16(lport, &u->new_local_port)) ||
	    (rport && parse_port16(rport, &u->new_remote_port)))
		return sa_error(err, errlen, "bad port");
	if (u->old_ep.local.family != u->old_ep.remote.family ||
	    u->new_ep.local.family != u->new_ep.remote.family)
		return sa_error(err, errlen, "mixed address families");

	cached = vici_cache_find(c, ike.uniqueid);
	if (!cached)
		return 0;
	for (i = 0; i < cached->n_children; i++) {
		const struct vici_child_sa *ch = &cached->children[i];

		if (!ch->esp || (!ch->spi_in && !ch->spi_out))
			continue;
		add_spi(req, ch->spi_in);
		add_spi(req, ch->spi_out);
		if (u->n_children && ch->reqid != reqid)
			one_reqid = false;
		reqid = ch->reqid;
		old_encap |= ch->encap;
		u->n_children++;
	}
	/* the cache follows charon: new endpoints from now on */
	cached->ep = u->new_ep;
	cached->local_port = u->new_local_port;
	cached->remote_port = u->new_remote_port;
	cached->nat_any = u->nat_any;
	for (i = 0; i < cached->n_children; i++)
		cached->children[i].encap = u->nat_any;

	if (!u->n_children)
		return 0;
	/* a port-only change (NAT mapping) is not an address migration */
	if (addr_equal(&u->old_ep.local, &u->new_ep.local) &&
	    addr_equal(&u->old_ep.remote, &u->new_ep.remote))
		return 0;

	req->old_ep = u->old_ep;
	req->new_ep = u->new_ep;
	if (one_reqid && reqid) {
		req->has_reqid = true;
		req->reqid = reqid;
	}
	if (u->nat_any && u->new_local_port && u->new_remote_port) {
		req->has_encap = true;
		req->encap_mode = ESPMOB_ENCAP_ESPINUDP;
		req->encap_sport = u->new_local_port;
		req->encap_dport = u->new_remote_port;
	} else if (old_encap && !u->nat_any) {
		req->has_encap = true;
		req->encap_mode = ESPMOB_ENCAP_NONE;
	}
	return 1;
}
