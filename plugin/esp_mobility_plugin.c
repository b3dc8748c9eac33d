// SPDX-License-Identifier: GPL-2.0
/*
 * The esp-mobility plugin object: one feature, the kernel-ipsec role.
 * charon keeps the first kernel-ipsec constructor that succeeds, so the
 * plugin must load before kernel-netlink: its strongswan.d snippet sets
 * charon.plugins.esp-mobility.load = 2, above kernel-netlink's `load = yes`
 * (priority 1); with an explicit charon.load list, name esp-mobility
 * before kernel-netlink.
 */
#include <daemon.h>

#include "esp_mobility_plugin.h"
#include "kernel_wrapper.h"

METHOD(plugin_t, get_name, char *,
	plugin_t *this)
{
	return "esp-mobility";
}

METHOD(plugin_t, get_features, int,
	plugin_t *this, plugin_feature_t *features[])
{
	static plugin_feature_t f[] = {
		PLUGIN_CALLBACK(kernel_ipsec_register, esp_mobility_ipsec_create),
			PLUGIN_PROVIDE(CUSTOM, "kernel-ipsec"),
	};

	*features = f;
	return countof(f);
}

METHOD(plugin_t, destroy, void,
	plugin_t *this)
{
	free(this);
}

plugin_t *esp_mobility_plugin_create(void)
{
	plugin_t *this;

	INIT(this,
		.get_name = _get_name,
		.get_features = _get_features,
		.destroy = _destroy,
	);
	return this;
}
