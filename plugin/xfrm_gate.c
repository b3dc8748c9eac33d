// SPDX-License-Identifier: GPL-2.0
/*
 * The XFRM gate (see xfrm_gate.h) and the one check of strongSwan's private
 * layout the plugin depends on.
 *
 * kernel-netlink keeps its XFRM socket in a private field of its
 * kernel_ipsec_t object (private_kernel_netlink_ipsec_t.socket_xfrm). The
 * field's offset comes from the matching strongSwan source at build time
 * (offsets/, generated into build/plugin/offsets.h). At run time the field
 * is only replaced if what it points to proves to be that socket:
 *  - its three methods are exactly those of a netlink_socket_t that
 *    kernel-netlink's exported netlink_socket_create() builds for us;
 *  - the file descriptor at the socket's private fd offset is, as the
 *    kernel reports it, an AF_NETLINK socket of protocol NETLINK_XFRM, and
 *    the private protocol field says NETLINK_XFRM too.
 * Anything else and the gate is not installed: the plugin then stays out
 * of the way and charon updates its SAs itself.
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>

#include <daemon.h>

#include "kernel_netlink_shared.h"
#include "offsets.h"
#include "xfrm_gate.h"

/* PLUGINDIR: strongSwan's configured plugin directory, from the Makefile */
#define KERNEL_NETLINK_SO PLUGINDIR "/libstrongswan-kernel-netlink.so"

struct xfrm_gate_t {
	/* what kernel-netlink calls instead of its socket */
	netlink_socket_t public;
	/* kernel-netlink's own socket */
	netlink_socket_t *real;
	/* where kernel-netlink keeps it */
	netlink_socket_t **slot;
	/* policy messages held back */
	refcount_t held;
};

/* Set by xfrm_gate_hold() for the calling thread only. */
static __thread bool hold_policies;

void xfrm_gate_hold(bool hold)
{
	hold_policies = hold;
}

static bool is_policy_change(struct nlmsghdr *msg)
{
	switch (msg->nlmsg_type) {
	case XFRM_MSG_NEWPOLICY:
	case XFRM_MSG_UPDPOLICY:
	case XFRM_MSG_DELPOLICY:
		return TRUE;
	default:
		return FALSE;
	}
}

METHOD(netlink_socket_t, gate_send, status_t,
	xfrm_gate_t *this, struct nlmsghdr *in, struct nlmsghdr **out,
	size_t *out_len)
{
	/* kernel-netlink only queries with send(); never held back */
	return this->real->send(this->real, in, out, out_len);
}

METHOD(netlink_socket_t, gate_send_ack, status_t,
	xfrm_gate_t *this, struct nlmsghdr *in)
{
	if (hold_policies && is_policy_change(in))
	{
		ref_get(&this->held);
		return SUCCESS;
	}
	return this->real->send_ack(this->real, in);
}

METHOD(netlink_socket_t, gate_destroy, void,
	xfrm_gate_t *this)
{
	/* only reached if kernel-netlink is destroyed with the gate in place */
	this->real->destroy(this->real);
	free(this);
}

/* Answers whether sock is a kernel-netlink XFRM netlink_socket_t. */
static bool is_knl_xfrm_socket(netlink_socket_t *sock)
{
	netlink_socket_t *(*create)(int, enum_name_t *, bool);
	netlink_socket_t *probe;
	int domain = 0, protocol = 0, fd;
	socklen_t len = sizeof(int);
	void *so;
	bool same;

	so = dlopen(KERNEL_NETLINK_SO, RTLD_LAZY | RTLD_NOLOAD);
	if (!so)
	{
		DBG1(DBG_KNL, "esp-mobility: kernel-netlink is not loaded");
		return FALSE;
	}
	create = dlsym(so, "netlink_socket_create");
	probe = create ? create(NETLINK_XFRM, NULL, FALSE) : NULL;
	dlclose(so);
	if (!probe)
	{
		DBG1(DBG_KNL, "esp-mobility: no netlink_socket_create() to compare "
			 "kernel-netlink's socket with");
		return FALSE;
	}
	same = sock && sock->send == probe->send &&
		   sock->send_ack == probe->send_ack &&
		   sock->destroy == probe->destroy;
	probe->destroy(probe);
	if (!same)
	{
		DBG1(DBG_KNL, "esp-mobility: kernel-netlink's private field at offset "
			 "%d is not its netlink socket", KNL_IPSEC_SOCKET_XFRM);
		return FALSE;
	}
	fd = *(int *)((char *)sock + NETLINK_SOCKET_FD);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) ||
		getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) ||
		domain != AF_NETLINK || protocol != NETLINK_XFRM ||
		*(int *)((char *)sock + NETLINK_SOCKET_PROTOCOL) != NETLINK_XFRM)
	{
		DBG1(DBG_KNL, "esp-mobility: kernel-netlink's socket does not hold "
			 "an XFRM netlink socket where this build expects it");
		return FALSE;
	}
	return TRUE;
}

xfrm_gate_t *xfrm_gate_install(void *knl)
{
	netlink_socket_t **slot;
	xfrm_gate_t *this;

	slot = (netlink_socket_t **)((char *)knl + KNL_IPSEC_SOCKET_XFRM);
	if (!is_knl_xfrm_socket(*slot))
	{
		return NULL;
	}
	INIT(this,
		.public = {
			.send = _gate_send,
			.send_ack = _gate_send_ack,
			.destroy = _gate_destroy,
		},
		.real = *slot,
		.slot = slot,
	);
	/* no other thread uses kernel-netlink's object before we return it */
	*slot = &this->public;
	return this;
}

void xfrm_gate_remove(xfrm_gate_t *this)
{
	*this->slot = this->real;
	free(this);
}

u_int xfrm_gate_held(xfrm_gate_t *this)
{
	return this->held;
}
