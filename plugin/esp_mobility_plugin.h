/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The esp-mobility charon plugin: hands charon's MOBIKE update of the
 * kernel's SAs and policies to esp_mobility. See Documentation/strongswan.rst.
 */
#ifndef ESP_MOBILITY_PLUGIN_H_
#define ESP_MOBILITY_PLUGIN_H_

#include <plugins/plugin.h>

plugin_t *esp_mobility_plugin_create(void);

#endif /* ESP_MOBILITY_PLUGIN_H_ */
