/* SPDX-License-Identifier: GPL-2.0 */
/*
 * espmob: the command line tool of esp_mobility. This header is the
 * interface between espmob's files and other code linked into espmob (the
 * strongSwan VICI bridge calls espmob_migrate()).
 */
#ifndef ESPMOB_H
#define ESPMOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#include <linux/esp_mobility.h>

#define ESPMOB_TOOL_VERSION	"0.1"

/* Exit statuses of espmob and return values of the cmd_* functions. */
enum {
	ESPMOB_OK = 0,
	ESPMOB_ERR = 1,		/* kernel or runtime error */
	ESPMOB_USAGE = 2,	/* bad command line */
};

struct mnl_socket;

struct espmob_ctx {
	/* options */
	bool json;
	bool force;
	const char *netns;

	/* the generic netlink socket, opened on first use */
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	uint16_t family_id;
	uint32_t mcgrp_migrate;

	/* batch mode: the line being run (0 outside batch mode) */
	unsigned long line;

	/*
	 * The running command printed its failure's result line itself
	 * (version's JSON object), so the dispatcher must not add one.
	 */
	bool failure_printed;

	/* the last error, without "espmob: " or a line prefix */
	char errmsg[512];
};

/* An IPv4 or IPv6 address; family is AF_INET or AF_INET6. */
struct espmob_addr {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

struct espmob_endpoints {
	struct espmob_addr local;
	struct espmob_addr remote;
};

struct espmob_policy_ref {
	uint32_t index;
	uint8_t dir;		/* 0 in, 1 out, 2 fwd (XFRM_POLICY_*) */
	uint8_t type;		/* XFRM_POLICY_TYPE_MAIN (0) or _SUB (1) */
};

/* Everything an ESPMOB_CMD_MIGRATE request can say. */
struct migrate_req {
	struct espmob_endpoints old_ep;
	struct espmob_endpoints new_ep;

	uint32_t spis[ESPMOB_MAX_SPIS];
	unsigned int n_spis;

	bool has_reqid;
	uint32_t reqid;

	bool has_mark;
	uint32_t mark_value;
	uint32_t mark_mask;

	bool has_if_id;
	uint32_t if_id;

	bool has_encap;
	uint8_t encap_mode;	/* enum espmob_encap_mode */
	uint16_t encap_sport;	/* local UDP port, ESPINUDP only */
	uint16_t encap_dport;	/* remote UDP port, ESPINUDP only */

	uint32_t flags;		/* enum espmob_flags */

	struct espmob_policy_ref policies[ESPMOB_MAX_POLICIES];
	unsigned int n_policies;
};

/* ESPMOB_A_RESULT of a MIGRATE reply. */
struct migrate_result {
	uint32_t states;
	uint32_t policies;
	uint64_t duration_ns;
	bool dry_run;
};

/*
 * Sends one MIGRATE request and waits for its reply. Returns 0, or a
 * negative errno with the kernel's extended ACK message in ctx->errmsg
 * (nothing is printed). Opens ctx's socket if needed.
 */
int espmob_migrate(struct espmob_ctx *ctx, const struct migrate_req *req,
		   struct migrate_result *res);

/* Prints "espmob: [line N: ]..." to stderr and keeps it in ctx->errmsg. */
void espmob_error(struct espmob_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Reports a usage error of command cmd ("espmob: cmd: <problem>" and the
 * command's syntax on stderr); returns ESPMOB_USAGE.
 */
int espmob_usage(struct espmob_ctx *ctx, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The usage error of a command that takes no arguments but got some. */
int espmob_no_args(struct espmob_ctx *ctx, char **argv);

/* Subcommands: argv[0] is the command name; they return ESPMOB_*. */
int cmd_version(struct espmob_ctx *ctx, int argc, char **argv);
int cmd_stats(struct espmob_ctx *ctx, int argc, char **argv);
int cmd_migrate(struct espmob_ctx *ctx, int argc, char **argv);
int cmd_show(struct espmob_ctx *ctx, int argc, char **argv);
int cmd_monitor(struct espmob_ctx *ctx, int argc, char **argv);
/* The strongSwan VICI bridge, in vici_bridge.c. */
int cmd_vici(struct espmob_ctx *ctx, int argc, char **argv);

/* espmob.c: the whole tool, called by main(). */
int espmob_main(int argc, char **argv);

/* netns.c: enter /run/netns/NAME; 0 or -1 with the error reported. */
int espmob_enter_netns(struct espmob_ctx *ctx, const char *name);

#endif /* ESPMOB_H */
