// SPDX-License-Identifier: GPL-2.0
/*
 * espmob show from LOCAL REMOTE: what a migration between these endpoints
 * would move, read from XFRM itself (NETLINK_XFRM dumps), so that it can
 * be compared with what the module reports:
 *  - SAs whose outer (src, dst) is (LOCAL, REMOTE) or (REMOTE, LOCAL);
 *  - policies with a tunnel (or BEET) template carrying those endpoints,
 *    and transport mode policies whose selector is exactly the two hosts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/udp.h>
#include <linux/xfrm.h>

#include "genl.h"
#include "json.h"
#include "parse.h"
#include "print.h"

/* What is printed of one SA or policy, gathered before printing. */
struct item {
	bool is_policy;
	uint32_t spi;		/* SA */
	uint8_t proto;		/* SA */
	uint32_t index;		/* policy */
	uint8_t dir;		/* XFRM_POLICY_* */
	uint8_t ptype;		/* policy: XFRM_POLICY_TYPE_MAIN or _SUB */
	uint8_t mode;		/* XFRM_MODE_* */
	bool has_reqid;
	uint32_t reqid;
	struct espmob_addr src, dst;
	uint8_t plen_s, plen_d;	/* policy selector prefixes */
	bool has_encap;
	uint16_t encap_type, encap_sport, encap_dport;
	bool has_mark;
	struct xfrm_mark mark;
	bool has_if_id;
	uint32_t if_id;
};

struct show {
	struct espmob_ctx *ctx;
	const struct espmob_endpoints *ep;
	FILE *out;		/* the whole answer, printed only on success */
	struct json j;
	unsigned int states, policies;
};

static bool addr_equal(uint16_t family, const xfrm_address_t *x,
		       const struct espmob_addr *a)
{
	if (family != a->family)
		return false;
	if (family == AF_INET)
		return x->a4 == a->v4.s_addr;
	return !memcmp(&x->in6, &a->v6, sizeof(a->v6));
}

static void to_addr(uint16_t family, const xfrm_address_t *x,
		    struct espmob_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	if (family == AF_INET)
		a->v4.s_addr = x->a4;
	else
		memcpy(&a->v6, &x->in6, sizeof(a->v6));
}

/* 1 if (src, dst) is (local, remote), 2 if (remote, local), else 0. */
static int endpoints_match(const struct espmob_endpoints *ep, uint16_t family,
			   const xfrm_address_t *src, const xfrm_address_t *dst)
{
	if (addr_equal(family, src, &ep->local) &&
	    addr_equal(family, dst, &ep->remote))
		return 1;
	if (addr_equal(family, src, &ep->remote) &&
	    addr_equal(family, dst, &ep->local))
		return 2;
	return 0;
}

static const char *mode_name(uint8_t mode)
{
	switch (mode) {
	case XFRM_MODE_TRANSPORT:
		return "transport";
	case XFRM_MODE_TUNNEL:
		return "tunnel";
	case XFRM_MODE_BEET:
		return "beet";
	default:
		return "other";
	}
}

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	case IPPROTO_COMP:
		return "comp";
	default:
		return "other";
	}
}

static void print_item_text(FILE *f, const struct item *it)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	if (it->is_policy)
		/* "policy index N dir D [ptype sub]" as migrate takes it */
		fprintf(f, "policy index %" PRIu32 " dir %s%s mode %s src %s/%u dst %s/%u",
		       it->index, dir_name(it->dir),
		       it->ptype == XFRM_POLICY_TYPE_SUB ? " ptype sub" : "",
		       mode_name(it->mode),
		       addr_str(&it->src, s, sizeof(s)), it->plen_s,
		       addr_str(&it->dst, d, sizeof(d)), it->plen_d);
	else
		fprintf(f, "sa spi 0x%08" PRIx32 " proto %s mode %s dir %s src %s dst %s",
		       it->spi, proto_name(it->proto), mode_name(it->mode),
		       dir_name(it->dir), addr_str(&it->src, s, sizeof(s)),
		       addr_str(&it->dst, d, sizeof(d)));
	if (it->has_reqid)
		fprintf(f, " reqid %" PRIu32, it->reqid);
	if (it->has_encap)
		fprintf(f, " encap %s %u %u",
		       it->encap_type == UDP_ENCAP_ESPINUDP ? "espinudp" : "other",
		       it->encap_sport, it->encap_dport);
	if (it->has_mark)
		fprintf(f, " mark 0x%" PRIx32 "/0x%" PRIx32, it->mark.v, it->mark.m);
	if (it->has_if_id)
		fprintf(f, " if_id %" PRIu32, it->if_id);
	fputc('\n', f);
}

static void print_item_json(struct json *j, const struct item *it)
{
	char buf[INET6_ADDRSTRLEN];

	json_obj_open(j, NULL);
	if (it->is_policy) {
		json_u64(j, "index", it->index);
	} else {
		json_u64(j, "spi", it->spi);
		json_str(j, "proto", proto_name(it->proto));
	}
	json_str(j, "dir", dir_name(it->dir));
	if (it->is_policy)
		json_str(j, "ptype", it->ptype == XFRM_POLICY_TYPE_SUB ?
			 "sub" : "main");
	json_str(j, "mode", mode_name(it->mode));
	json_str(j, "src", addr_str(&it->src, buf, sizeof(buf)));
	json_str(j, "dst", addr_str(&it->dst, buf, sizeof(buf)));
	if (it->is_policy) {
		json_u64(j, "src_prefixlen", it->plen_s);
		json_u64(j, "dst_prefixlen", it->plen_d);
	}
	if (it->has_reqid)
		json_u64(j, "reqid", it->reqid);
	if (it->has_encap) {
		json_obj_open(j, "encap");
		json_str(j, "type", it->encap_type == UDP_ENCAP_ESPINUDP ?
			 "espinudp" : "other");
		json_u64(j, "sport", it->encap_sport);
		json_u64(j, "dport", it->encap_dport);
		json_obj_close(j);
	}
	if (it->has_mark) {
		json_obj_open(j, "mark");
		json_u64(j, "value", it->mark.v);
		json_u64(j, "mask", it->mark.m);
		json_obj_close(j);
	}
	if (it->has_if_id)
		json_u64(j, "if_id", it->if_id);
	json_obj_close(j);
}

static void emit(struct show *sh, const struct item *it)
{
	if (sh->ctx->json)
		print_item_json(&sh->j, it);
	else
		print_item_text(sh->out, it);
	if (it->is_policy)
		sh->policies++;
	else
		sh->states++;
}

/* The attributes SAs and policies share: mark and interface id. */
static void common_attrs(const struct nlattr *a, struct item *it)
{
	switch (mnl_attr_get_type(a)) {
	case XFRMA_MARK:
		if (mnl_attr_get_payload_len(a) >= sizeof(it->mark)) {
			memcpy(&it->mark, mnl_attr_get_payload(a),
			       sizeof(it->mark));
			it->has_mark = true;
		}
		break;
	case XFRMA_IF_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			it->if_id = mnl_attr_get_u32(a);
			it->has_if_id = true;
		}
		break;
	}
}

static int sa_cb(const struct nlmsghdr *nlh, void *data)
{
	struct xfrm_usersa_info copy, *sa = &copy;
	struct show *sh = data;
	const struct nlattr *a;
	struct item it = { 0 };
	int m;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*sa))
		return 0;
	/* netlink aligns to 4 bytes, the struct has u64s */
	memcpy(sa, mnl_nlmsg_get_payload(nlh), sizeof(*sa));
	m = endpoints_match(sh->ep, sa->family, &sa->saddr, &sa->id.daddr);
	if (!m)
		return 0;
	it.spi = ntohl(sa->id.spi);
	it.proto = sa->id.proto;
	it.mode = sa->mode;
	it.dir = m == 1 ? XFRM_POLICY_OUT : XFRM_POLICY_IN;
	it.has_reqid = sa->reqid != 0;
	it.reqid = sa->reqid;
	to_addr(sa->family, &sa->saddr, &it.src);
	to_addr(sa->family, &sa->id.daddr, &it.dst);
	mnl_attr_for_each(a, nlh, sizeof(*sa)) {
		struct xfrm_encap_tmpl e;

		common_attrs(a, &it);
		if (mnl_attr_get_type(a) != XFRMA_ENCAP ||
		    mnl_attr_get_payload_len(a) < sizeof(e))
			continue;
		memcpy(&e, mnl_attr_get_payload(a), sizeof(e));
		it.has_encap = true;
		it.encap_type = e.encap_type;
		it.encap_sport = ntohs(e.encap_sport);
		it.encap_dport = ntohs(e.encap_dport);
	}
	emit(sh, &it);
	return 0;
}

static bool full_prefix(uint16_t family, uint8_t plen)
{
	return plen == (family == AF_INET ? 32 : 128);
}

/* Does template t make the policy move with the endpoints? */
static bool tmpl_matches(const struct show *sh,
			 const struct xfrm_userpolicy_info *p,
			 const struct xfrm_user_tmpl *t)
{
	if (t->mode == XFRM_MODE_TUNNEL || t->mode == XFRM_MODE_BEET)
		return endpoints_match(sh->ep, t->family, &t->saddr,
				       &t->id.daddr);
	if (t->mode != XFRM_MODE_TRANSPORT)
		return false;
	return full_prefix(p->sel.family, p->sel.prefixlen_s) &&
	       full_prefix(p->sel.family, p->sel.prefixlen_d) &&
	       endpoints_match(sh->ep, p->sel.family, &p->sel.saddr,
			       &p->sel.daddr);
}

static int policy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct xfrm_userpolicy_info copy, *p = &copy;
	struct show *sh = data;
	const struct nlattr *a;
	struct item it = { .is_policy = true };
	bool match = false;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*p))
		return 0;
	memcpy(p, mnl_nlmsg_get_payload(nlh), sizeof(*p));
	mnl_attr_for_each(a, nlh, sizeof(*p)) {
		const char *t = mnl_attr_get_payload(a);
		size_t n = mnl_attr_get_payload_len(a) /
			   sizeof(struct xfrm_user_tmpl);

		common_attrs(a, &it);
		if (mnl_attr_get_type(a) == XFRMA_POLICY_TYPE &&
		    mnl_attr_get_payload_len(a) >= sizeof(struct xfrm_userpolicy_type))
			it.ptype = ((const struct xfrm_userpolicy_type *)
				    mnl_attr_get_payload(a))->type;
		if (mnl_attr_get_type(a) != XFRMA_TMPL)
			continue;
		for (; n > 0 && !match; n--, t += sizeof(struct xfrm_user_tmpl)) {
			struct xfrm_user_tmpl tmpl;

			memcpy(&tmpl, t, sizeof(tmpl));
			if (!tmpl_matches(sh, p, &tmpl))
				continue;
			match = true;
			it.mode = tmpl.mode;
			it.has_reqid = tmpl.reqid != 0;
			it.reqid = tmpl.reqid;
		}
	}
	if (!match)
		return 0;
	it.index = p->index;
	it.dir = p->dir;
	to_addr(p->sel.family, &p->sel.saddr, &it.src);
	to_addr(p->sel.family, &p->sel.daddr, &it.dst);
	it.plen_s = p->sel.prefixlen_s;
	it.plen_d = p->sel.prefixlen_d;
	emit(sh, &it);
	return 0;
}

static int dump(struct show *sh, struct mnl_socket *nl, uint16_t type,
		nl_msg_cb cb)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	return nl_talk(sh->ctx, nl, nlh, cb, sh);
}

/*
 * Copies what show gathered in mem to stdout; false if it could not.
 * open_memstream() updates *buf and *len at each fflush().
 */
static bool flush_answer(FILE *mem, char *const *buf, const size_t *len)
{
	if (fflush(mem) == EOF || ferror(mem))
		return false;
	return fwrite(*buf, 1, *len, stdout) == *len && fflush(stdout) != EOF;
}

int cmd_show(struct espmob_ctx *ctx, int argc, char **argv)
{
	struct espmob_endpoints ep;
	struct show sh = { .ctx = ctx, .ep = &ep };
	struct mnl_socket *nl;
	char err[256], *buf = NULL;
	size_t len = 0;
	int ret;

	if (parse_show(argc, argv, &ep, err, sizeof(err)) < 0)
		return espmob_usage(ctx, argv[0], "%s", err);
	nl = nl_open(NETLINK_XFRM);
	if (!nl) {
		espmob_error(ctx, "show: XFRM netlink socket: %s",
			     strerror(errno));
		return ESPMOB_ERR;
	}
	/*
	 * Gathered first and printed whole on success, so that a failure
	 * (EPERM on the first dump, say) prints no half answer before its
	 * error line or object.
	 */
	sh.out = open_memstream(&buf, &len);
	if (!sh.out) {
		mnl_socket_close(nl);
		espmob_error(ctx, "show: %s", strerror(errno));
		return ESPMOB_ERR;
	}
	json_init(&sh.j, sh.out);
	if (ctx->json) {
		json_obj_open(&sh.j, NULL);
		json_arr_open(&sh.j, "states");
	}
	ret = dump(&sh, nl, XFRM_MSG_GETSA, sa_cb);
	if (ctx->json) {
		json_arr_close(&sh.j);
		json_arr_open(&sh.j, "policies");
	}
	if (!ret)
		ret = dump(&sh, nl, XFRM_MSG_GETPOLICY, policy_cb);
	if (ctx->json) {
		json_arr_close(&sh.j);
		json_obj_close(&sh.j);
		json_finish(&sh.j);
	}
	mnl_socket_close(nl);
	if (ret) {
		espmob_error(ctx, "show: %s", ctx->errmsg);
	} else if (!flush_answer(sh.out, &buf, &len)) {
		ret = -EIO;
		espmob_error(ctx, "show: writing the answer: %s",
			     strerror(errno ?: EIO));
	}
	fclose(sh.out);
	free(buf);
	return ret ? ESPMOB_ERR : ESPMOB_OK;
}
