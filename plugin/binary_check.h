/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The strongSwan binaries the plugin was built for: their GNU build ids,
 * recorded at build time (build/plugin/build_ids.h), compared at run time
 * with those of the libraries charon has loaded.
 */
#ifndef BINARY_CHECK_H_
#define BINARY_CHECK_H_

#include <stdbool.h>
#include <stddef.h>

/**
 * Answers whether every library the plugin depends on is the build it was
 * compiled for; if not, describes the first difference in why.
 */
bool binary_check(char *why, size_t len);

#endif /* BINARY_CHECK_H_ */
