// SPDX-License-Identifier: GPL-2.0
/*
 * esp-mobility's kernel_ipsec_t (see kernel_wrapper.h).
 */
#include <dlfcn.h>

#include <daemon.h>

#include "binary_check.h"
#include "kernel_wrapper.h"
#include "move.h"
#include "xfrm_gate.h"

#define KERNEL_NETLINK_SO PLUGINDIR "/libstrongswan-kernel-netlink.so"

typedef struct private_wrapper_t private_wrapper_t;

struct private_wrapper_t {
	kernel_ipsec_t public;
	/* kernel-netlink's kernel_ipsec_t */
	kernel_ipsec_t *knl;
	xfrm_gate_t *gate;
	mover_t *mover;
};

METHOD(kernel_ipsec_t, get_features, kernel_feature_t,
	private_wrapper_t *this)
{
	return this->knl->get_features(this->knl);
}

METHOD(kernel_ipsec_t, get_spi, status_t,
	private_wrapper_t *this, host_t *src, host_t *dst, uint8_t protocol,
	uint32_t *spi)
{
	return this->knl->get_spi(this->knl, src, dst, protocol, spi);
}

METHOD(kernel_ipsec_t, get_cpi, status_t,
	private_wrapper_t *this, host_t *src, host_t *dst, uint16_t *cpi)
{
	return this->knl->get_cpi(this->knl, src, dst, cpi);
}

METHOD(kernel_ipsec_t, add_sa, status_t,
	private_wrapper_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_add_sa_t *data)
{
	return this->knl->add_sa(this->knl, id, data);
}

METHOD(kernel_ipsec_t, update_sa, status_t,
	private_wrapper_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_update_sa_t *data)
{
	if (this->mover->claims(this->mover, id->spi))
	{
		if (!data->new_reqid && !data->cpi &&
			this->mover->moved_to(this->mover, id->spi, data->new_src,
								  data->new_dst, data->new_encap))
		{
			DBG2(DBG_KNL, "esp-mobility: SAD entry with SPI %.8x already "
				 "at %H..%H", ntohl(id->spi), data->new_src, data->new_dst);
			return SUCCESS;
		}
		/* not what was moved: cannot happen with charon 5.9.8's update() */
		DBG1(DBG_KNL, "esp-mobility: charon updates SPI %.8x to %H..%H "
			 "(reqid %u), not where it was moved", ntohl(id->spi),
			 data->new_src, data->new_dst, data->new_reqid);
	}
	return this->knl->update_sa(this->knl, id, data);
}

METHOD(kernel_ipsec_t, query_sa, status_t,
	private_wrapper_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_query_sa_t *data, uint64_t *bytes, uint64_t *packets,
	time_t *time)
{
	return this->knl->query_sa(this->knl, id, data, bytes, packets, time);
}

METHOD(kernel_ipsec_t, del_sa, status_t,
	private_wrapper_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_del_sa_t *data)
{
	return this->knl->del_sa(this->knl, id, data);
}

METHOD(kernel_ipsec_t, flush_sas, status_t,
	private_wrapper_t *this)
{
	return this->knl->flush_sas(this->knl);
}

/* The policy call of a CHILD_SA in charon's update(), after its MIGRATE. */
static bool claimed_policy(private_wrapper_t *this,
						   kernel_ipsec_manage_policy_t *data)
{
	return data->sa && data->sa->esp.use &&
		   this->mover->claims(this->mover, data->sa->esp.spi);
}

METHOD(kernel_ipsec_t, add_policy, status_t,
	private_wrapper_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_manage_policy_t *data)
{
	status_t status;

	if (!claimed_policy(this, data))
	{
		return this->knl->add_policy(this->knl, id, data);
	}
	/* kernel-netlink updates its cache; its messages stay here */
	xfrm_gate_hold(TRUE);
	status = this->knl->add_policy(this->knl, id, data);
	xfrm_gate_hold(FALSE);
	return status;
}

METHOD(kernel_ipsec_t, query_policy, status_t,
	private_wrapper_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_query_policy_t *data, time_t *use_time)
{
	return this->knl->query_policy(this->knl, id, data, use_time);
}

METHOD(kernel_ipsec_t, del_policy, status_t,
	private_wrapper_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_manage_policy_t *data)
{
	status_t status;

	if (!claimed_policy(this, data))
	{
		return this->knl->del_policy(this->knl, id, data);
	}
	xfrm_gate_hold(TRUE);
	status = this->knl->del_policy(this->knl, id, data);
	xfrm_gate_hold(FALSE);
	return status;
}

METHOD(kernel_ipsec_t, flush_policies, status_t,
	private_wrapper_t *this)
{
	return this->knl->flush_policies(this->knl);
}

METHOD(kernel_ipsec_t, bypass_socket, bool,
	private_wrapper_t *this, int fd, int family)
{
	return this->knl->bypass_socket(this->knl, fd, family);
}

METHOD(kernel_ipsec_t, enable_udp_decap, bool,
	private_wrapper_t *this, int fd, int family, uint16_t port)
{
	return this->knl->enable_udp_decap(this->knl, fd, family, port);
}

METHOD(kernel_ipsec_t, destroy, void,
	private_wrapper_t *this)
{
	charon->bus->remove_listener(charon->bus, &this->mover->listener);
	DBG1(DBG_KNL, "esp-mobility: %u policy messages of charon's updates "
		 "kept from the kernel", xfrm_gate_held(this->gate));
	xfrm_gate_remove(this->gate);
	this->knl->destroy(this->knl);
	this->mover->destroy(this->mover);
	free(this);
}

/* kernel-netlink's constructor, from the instance the loader mapped. */
static kernel_ipsec_constructor_t knl_constructor(void)
{
	kernel_ipsec_constructor_t create = NULL;
	void *so;

	so = dlopen(KERNEL_NETLINK_SO, RTLD_LAZY | RTLD_NOLOAD);
	if (so)
	{
		create = dlsym(so, "kernel_netlink_ipsec_create");
		/* mapped by the plugin loader with RTLD_NODELETE: stays */
		dlclose(so);
	}
	return create;
}

kernel_ipsec_t *esp_mobility_ipsec_create(void)
{
	kernel_ipsec_constructor_t create;
	private_wrapper_t *this;
	kernel_ipsec_t *knl;
	xfrm_gate_t *gate;
	char why[512];

	create = knl_constructor();
	if (!create)
	{
		DBG1(DBG_KNL, "esp-mobility: kernel-netlink is not loaded, leaving "
			 "the kernel interface to others");
		return NULL;
	}
	if (!binary_check(why, sizeof(why)))
	{
		DBG1(DBG_KNL, "esp-mobility: %s; leaving the kernel interface to "
			 "kernel-netlink (rebuild the plugin)", why);
		return NULL;
	}
	knl = create();
	if (!knl)
	{
		return NULL;
	}
	gate = xfrm_gate_install(knl);
	if (!gate)
	{
		DBG1(DBG_KNL, "esp-mobility: layout check failed; leaving the kernel "
			 "interface to kernel-netlink");
		knl->destroy(knl);
		return NULL;
	}
	INIT(this,
		.public = {
			.get_features = _get_features,
			.get_spi = _get_spi,
			.get_cpi = _get_cpi,
			.add_sa = _add_sa,
			.update_sa = _update_sa,
			.query_sa = _query_sa,
			.del_sa = _del_sa,
			.flush_sas = _flush_sas,
			.add_policy = _add_policy,
			.query_policy = _query_policy,
			.del_policy = _del_policy,
			.flush_policies = _flush_policies,
			.bypass_socket = _bypass_socket,
			.enable_udp_decap = _enable_udp_decap,
			.destroy = _destroy,
		},
		.knl = knl,
		.gate = gate,
		.mover = mover_create(),
	);
	charon->bus->add_listener(charon->bus, &this->mover->listener);
	DBG1(DBG_KNL, "esp-mobility: wrapping kernel-netlink; MOBIKE updates go "
		 "to esp_mobility with one MIGRATE per IKE_SA");
	return &this->public;
}
