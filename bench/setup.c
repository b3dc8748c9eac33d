// SPDX-License-Identifier: GPL-2.0
/*
 * setup: install the SAs and policies of peers FIRST..FIRST+COUNT-1 of the
 * bench model in the current network namespace, in batches of netlink
 * requests (no `ip` per SA). With -M, install the other side's view (the
 * peer's own SAs and policies, for the receiving namespace of a datapath
 * test).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib.h"

static void usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: setup [-t tunnel|transport] [-c CHILDREN] [-f FIRST] [-n COUNT]\n"
		"             [-l LOCAL] [-M]\n"
		"  installs COUNT peers (default 1) from FIRST (default 0), CHILDREN\n"
		"  CHILD SAs each (default 1), local address LOCAL (default %s);\n"
		"  -M installs the remote side's view instead\n", ADDR_L1);
	exit(rc);
}

int main(int argc, char **argv)
{
	int mode = XFRM_MODE_TUNNEL, children = 1, mirror = 0, opt;
	unsigned int first = 0, count = 1, i;
	const char *local = ADDR_L1;
	struct model m;
	struct batch b;
	struct nlc c;
	uint64_t t0;
	int err;

	while ((opt = getopt(argc, argv, "t:c:f:n:l:Mh")) != -1) {
		switch (opt) {
		case 't':
		case 'c':
			if (model_opt(opt, optarg, &mode, &children))
				usage(2);
			break;
		case 'f':
			first = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			local = optarg;
			break;
		case 'M':
			mirror = 1;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	model_init(&m, mode, children);
	err = nlc_open(&c, NETLINK_XFRM, 0);
	if (err) {
		fprintf(stderr, "setup: netlink: %s\n", strerror(-err));
		return 1;
	}
	batch_init(&b, &c);
	t0 = now_ns();
	for (i = first; i < first + count; i++)
		peer_install(&b, &m, i, parse_ip4(local), mirror);
	batch_flush(&b);
	if (b.errors) {
		fprintf(stderr, "setup: %u requests failed, first: %s%s%s\n",
			b.errors, strerror(-b.first_err),
			c.errmsg[0] ? ": " : "", c.errmsg);
		return 1;
	}
	printf("setup: %u peers x %d CHILD SAs (%s) in %.3f s\n", count,
	       children, mode == XFRM_MODE_TUNNEL ? "tunnel" : "transport",
	       (now_ns() - t0) / 1e9);
	batch_free(&b);
	nlc_close(&c);
	return 0;
}
