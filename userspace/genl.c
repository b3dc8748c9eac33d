// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink plumbing shared by every command: opening sockets with extended
 * ACKs, one request/answer exchange, turning an error ACK into a message a
 * person can act on, and resolving the esp_mobility genetlink family.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "genl.h"

struct mnl_socket *nl_open(int protocol)
{
	struct mnl_socket *nl;
	int one = 1;

	nl = mnl_socket_open(protocol);
	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	/* Best effort: old kernels lack them and still answer. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return nl;
}

static void appendf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strnlen(buf, size);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* What an error ACK or NLMSG_DONE carried besides the error number. */
struct nl_extack {
	const char *msg;
	const struct nlattr *cookie;
	bool has_offset;
	uint32_t offset;
	bool has_miss_type;
	uint32_t miss_type;
};

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_extack *ext = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			ext->msg = mnl_attr_get_str(attr);
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			ext->has_offset = true;
			ext->offset = mnl_attr_get_u32(attr);
		}
		break;
	case NLMSGERR_ATTR_COOKIE:
		ext->cookie = attr;
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			ext->has_miss_type = true;
			ext->miss_type = mnl_attr_get_u32(attr);
		}
		break;
	}
	return MNL_CB_OK;
}

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PICK(names, t)	((t) < ARRAY_SIZE(names) ? (names)[t] : NULL)

/* The name of an esp_mobility attribute by its path of types, or NULL. */
static const char *attr_name(const uint16_t *path, int depth)
{
	static const char *const top[] = {
		NULL, "abi_version", "stats", "old", "new", "spi", "reqid",
		"mark", "if_id", "encap", "flags", "policy", "result",
	};
	static const char *const ep[] = {
		NULL, "local_ipv4", "local_ipv6", "remote_ipv4", "remote_ipv6",
	};
	static const char *const mark[] = { NULL, "value", "mask" };
	static const char *const encap[] = {
		NULL, "mode", "local_port", "remote_port",
	};
	static const char *const pol[] = { NULL, "index", "dir", "type" };
	uint16_t t = path[depth - 1];

	if (depth == 1)
		return PICK(top, t);
	switch (path[0]) {
	case ESPMOB_A_OLD:
	case ESPMOB_A_NEW:
		return depth == 2 ? PICK(ep, t) : NULL;
	case ESPMOB_A_MARK:
		return depth == 2 ? PICK(mark, t) : NULL;
	case ESPMOB_A_ENCAP:
		return depth == 2 ? PICK(encap, t) : NULL;
	case ESPMOB_A_POLICY:
		return depth == 2 ? PICK(pol, t) : NULL;
	}
	return NULL;
}

static bool is_endpoint(const uint16_t *path, int depth)
{
	return depth == 2 &&
	       (path[0] == ESPMOB_A_OLD || path[0] == ESPMOB_A_NEW);
}

/*
 * The value of a small leaf attribute, for people to spot the bad one;
 * addr says it is an endpoint address.
 */
static void append_value(char *buf, size_t size, const struct nlattr *a,
			 bool addr)
{
	const void *p = mnl_attr_get_payload(a);
	uint16_t len = mnl_attr_get_payload_len(a);
	char str[INET6_ADDRSTRLEN];

	if (addr && (len == 4 || len == 16) &&
	    inet_ntop(len == 4 ? AF_INET : AF_INET6, p, str, sizeof(str))) {
		appendf(buf, size, " = %s", str);
		return;
	}
	switch (len) {
	case 1:
		appendf(buf, size, " = %u", *(const uint8_t *)p);
		break;
	case 2:
		appendf(buf, size, " = %u", *(const uint16_t *)p);
		break;
	case 4:
		appendf(buf, size, " = %u (0x%x)", *(const uint32_t *)p,
			*(const uint32_t *)p);
		break;
	}
}

/* The leaves of a small nest the kernel pointed at: "{index = 8, dir = 1}". */
static void append_members(char *buf, size_t size, const struct nlattr *nest,
			   bool named, uint16_t *path, int depth)
{
	const struct nlattr *a;
	const char *name;
	bool first = true;

	if (depth >= 8)
		return;
	mnl_attr_for_each_nested(a, nest)
		if (a->nla_type & NLA_F_NESTED)
			return;
	mnl_attr_for_each_nested(a, nest) {
		path[depth] = mnl_attr_get_type(a);
		name = named ? attr_name(path, depth + 1) : NULL;
		if (name)
			appendf(buf, size, "%s%s", first ? " {" : ", ", name);
		else
			appendf(buf, size, "%s%u", first ? " {" : ", ",
				path[depth]);
		append_value(buf, size, a, named && is_endpoint(path, depth + 1));
		first = false;
	}
	if (!first)
		appendf(buf, size, "}");
}

/*
 * Describes the attribute at byte offset off of a genetlink request:
 * "spi = 39321 (0x9999)" for an esp_mobility request (named), the
 * path of attribute types ("5/1") for others.
 */
static void describe_offset(const struct nlmsghdr *req, uint32_t off,
			    bool named, char *buf, size_t size)
{
	size_t hdr = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr));
	const char *base = (const char *)req;
	const char *end = base + req->nlmsg_len;
	const char *p = base + hdr;
	uint16_t path[8];
	int depth = 0;

	buf[0] = '\0';
	if (off < hdr || off >= req->nlmsg_len)
		return;
	while (p + sizeof(struct nlattr) <= end && depth < 8) {
		const struct nlattr *a = (const struct nlattr *)p;
		const char *next, *name;

		if (a->nla_len < sizeof(*a) || p + a->nla_len > end)
			return;
		next = p + MNL_ALIGN(a->nla_len);
		if (base + off >= next) {
			p = next;
			continue;
		}
		path[depth++] = mnl_attr_get_type(a);
		name = named ? attr_name(path, depth) : NULL;
		if (name)
			appendf(buf, size, "%s%s", depth > 1 ? "/" : "", name);
		else
			appendf(buf, size, "%s%u", depth > 1 ? "/" : "",
				path[depth - 1]);
		if (!(a->nla_type & NLA_F_NESTED)) {
			append_value(buf, size, a,
				     named && is_endpoint(path, depth));
			return;
		}
		if (base + off == p) {
			append_members(buf, size, a, named, path, depth);
			return;
		}
		/* descend into the nest holding the offset */
		end = p + a->nla_len;
		p += MNL_ATTR_HDRLEN;
	}
}

const char *nl_strerror(int err, char *buf, size_t len)
{
	if (err == EPERM)
		snprintf(buf, len, "%s: espmob needs CAP_NET_ADMIN in the network namespace",
			 strerror(err));
	else
		snprintf(buf, len, "%s", strerror(err));
	return buf;
}

int nl_error_ack(struct espmob_ctx *ctx, const struct nlmsghdr *nlh,
		 const struct nlmsghdr *req)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct nl_extack ext = { 0 };
	char where[192], why[128];
	int err;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		snprintf(ctx->errmsg, sizeof(ctx->errmsg),
			 "truncated netlink error message");
		return -EBADMSG;
	}
	err = e->error;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		unsigned int off = sizeof(*e);

		bool sane = true;

		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			/* the echoed request comes first */
			sane = e->msg.nlmsg_len >= sizeof(e->msg) &&
			       e->msg.nlmsg_len <= nlh->nlmsg_len;
			off += MNL_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg);
		}
		if (sane && mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			mnl_attr_parse(nlh, off, extack_attr_cb, &ext);
	}
	if (err == 0) {
		if (ext.msg && *ext.msg)
			fprintf(stderr, "espmob: warning: %s\n", ext.msg);
		return 0;
	}
	if (err > 0)	/* never sent by the kernel; keep errno semantics */
		err = -err;

	nl_strerror(-err, why, sizeof(why));
	if (ext.msg && *ext.msg)
		snprintf(ctx->errmsg, sizeof(ctx->errmsg), "%s (%s)", ext.msg,
			 why);
	else
		snprintf(ctx->errmsg, sizeof(ctx->errmsg), "%s", why);

	if (ext.cookie) {
		const uint8_t *c = mnl_attr_get_payload(ext.cookie);
		uint16_t len = mnl_attr_get_payload_len(ext.cookie);
		uint32_t spi;

		if (len == sizeof(spi)) {
			memcpy(&spi, c, sizeof(spi));
			appendf(ctx->errmsg, sizeof(ctx->errmsg),
				", spi 0x%08x", spi);	/* host order */
		} else {
			appendf(ctx->errmsg, sizeof(ctx->errmsg), ", cookie ");
			for (uint16_t i = 0; i < len; i++)
				appendf(ctx->errmsg, sizeof(ctx->errmsg),
					"%02x", c[i]);
		}
	}
	if (ext.has_offset) {
		where[0] = '\0';
		if (req)
			describe_offset(req, ext.offset,
					req->nlmsg_type == ctx->family_id,
					where, sizeof(where));
		appendf(ctx->errmsg, sizeof(ctx->errmsg),
			", bad attribute at offset %u%s%s", ext.offset,
			where[0] ? ": " : "", where);
	}
	if (ext.has_miss_type) {
		uint16_t t = ext.miss_type;
		const char *name = req && req->nlmsg_type == ctx->family_id ?
				   attr_name(&t, 1) : NULL;

		if (name)
			appendf(ctx->errmsg, sizeof(ctx->errmsg),
				", missing attribute %s", name);
		else
			appendf(ctx->errmsg, sizeof(ctx->errmsg),
				", missing attribute type %u", ext.miss_type);
	}
	return err;
}

int nl_talk(struct espmob_ctx *ctx, struct mnl_socket *nl,
	    struct nlmsghdr *nlh, nl_msg_cb cb, void *data)
{
	uint32_t portid = mnl_socket_get_portid(nl);
	uint32_t seq = ++ctx->seq;
	char *buf, why[128];
	int ret;

	ctx->errmsg[0] = '\0';
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		snprintf(ctx->errmsg, sizeof(ctx->errmsg), "send: %s",
			 nl_strerror(-ret, why, sizeof(why)));
		return ret;
	}

	buf = malloc(NL_BUF_SIZE);
	if (!buf) {
		snprintf(ctx->errmsg, sizeof(ctx->errmsg), "%s",
			 strerror(ENOMEM));
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, NL_BUF_SIZE);
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int len = n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			snprintf(ctx->errmsg, sizeof(ctx->errmsg),
				 "receive: %s",
				 nl_strerror(-ret, why, sizeof(why)));
			goto out;
		}
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			/* leftovers of an earlier request, notifications */
			if (m->nlmsg_seq != seq ||
			    (m->nlmsg_pid && m->nlmsg_pid != portid))
				continue;
			switch (m->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_ERROR:
				/* only genetlink requests have a known layout */
				ret = nl_error_ack(ctx, m,
						   nl == ctx->nl ? nlh : NULL);
				goto out;
			case NLMSG_DONE:
				/* a dump's end; it carries an error code */
				ret = 0;
				if (mnl_nlmsg_get_payload_len(m) >= sizeof(int)) {
					memcpy(&ret, mnl_nlmsg_get_payload(m),
					       sizeof(ret));
					if (ret > 0)
						ret = -ret;
				}
				if (ret)
					snprintf(ctx->errmsg,
						 sizeof(ctx->errmsg), "%s",
						 nl_strerror(-ret, why,
							     sizeof(why)));
				goto out;
			case NLMSG_OVERRUN:
				ret = -ENOBUFS;
				snprintf(ctx->errmsg, sizeof(ctx->errmsg),
					 "netlink overrun");
				goto out;
			}
			if (!cb)
				continue;
			ret = cb(m, data);
			if (ret < 0)
				goto out;
		}
		/* a plain request without NLM_F_ACK ends with its answer */
		if (!(nlh->nlmsg_flags & (NLM_F_ACK | NLM_F_DUMP))) {
			ret = 0;
			goto out;
		}
	}
out:
	free(buf);
	return ret;
}

struct nlmsghdr *genl_start(void *buf, uint16_t family, uint8_t cmd,
			    uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

struct family_info {
	bool has_id;
	uint16_t id;
	bool has_group;
	uint32_t group;
};

static int mcgrp_cb(const struct nlattr *grp, void *data)
{
	struct family_info *fi = data;
	const struct nlattr *a;
	const char *name = NULL;
	bool has_id = false;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, grp) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
				id = mnl_attr_get_u32(a);
				has_id = true;
			}
			break;
		}
	}
	if (name && has_id && !strcmp(name, ESPMOB_MCGRP_MIGRATE)) {
		fi->has_group = true;
		fi->group = id;
	}
	return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_info *fi = data;
	const struct nlattr *grp;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0) {
			fi->id = mnl_attr_get_u16(attr);
			fi->has_id = true;
		}
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		mnl_attr_for_each_nested(grp, attr)
			mcgrp_cb(grp, fi);
		break;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
	return 0;
}

int genl_init(struct espmob_ctx *ctx)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct family_info fi = { 0 };
	struct nlmsghdr *nlh;
	int err;

	if (ctx->nl)
		return 0;
	ctx->nl = nl_open(NETLINK_GENERIC);
	if (!ctx->nl) {
		err = -errno;
		snprintf(ctx->errmsg, sizeof(ctx->errmsg),
			 "generic netlink socket: %s", strerror(errno));
		return err;
	}

	nlh = genl_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ESPMOB_GENL_NAME);
	err = nl_talk(ctx, ctx->nl, nlh, family_cb, &fi);
	if (err == -ENOENT) {
		/*
		 * The controller's "No such file or directory" would send
		 * people looking for a file: say what is missing and what to
		 * do about it instead.
		 */
		snprintf(ctx->errmsg, sizeof(ctx->errmsg), "%s",
			 GENL_NO_MODULE_MSG);
	} else if (!err && !fi.has_id) {
		err = -EPROTO;
		snprintf(ctx->errmsg, sizeof(ctx->errmsg),
			 "family \"%s\" has no id", ESPMOB_GENL_NAME);
	}
	if (err) {
		mnl_socket_close(ctx->nl);
		ctx->nl = NULL;
		return err;
	}
	ctx->family_id = fi.id;
	ctx->mcgrp_migrate = fi.has_group ? fi.group : 0;
	return 0;
}
