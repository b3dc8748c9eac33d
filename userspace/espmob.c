// SPDX-License-Identifier: GPL-2.0
/*
 * espmob: command line tool of the esp_mobility module.
 *
 *   espmob [-j] [-n NETNS] [-force] [-batch FILE|-] [-h] COMMAND ...
 *
 * This file holds the global options, the command table and the -batch
 * loop; each command lives in its own file. main() is in main.c, so that
 * the unit tests link everything else.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "parse.h"
#include "print.h"

struct command {
	const char *name;
	int (*run)(struct espmob_ctx *ctx, int argc, char **argv);
	const char *syntax;
};

static const struct command commands[] = {
	{ "version", cmd_version, "version" },
	{ "stats", cmd_stats, "stats" },
	{ "migrate", cmd_migrate,
	  "migrate from OLD_LOCAL OLD_REMOTE to NEW_LOCAL NEW_REMOTE [spi SPI]...\n"
	  "               [reqid N] [mark V[/M]] [if_id N]\n"
	  "               [encap espinudp SPORT DPORT | encap none] [dry-run]\n"
	  "               [policy index IDX dir in|out|fwd [ptype main|sub]]..." },
	{ "show", cmd_show, "show from LOCAL REMOTE" },
	{ "monitor", cmd_monitor, "monitor" },
	{ "vici", cmd_vici,
	  "vici [socket PATH] [dry-run] [verbose] [record DIR] [list]" },
};

#define N_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const char global_syntax[] =
	"espmob [-j] [-n NETNS] [-force] [-batch FILE|-] [-h] COMMAND ...";

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s\n", global_syntax);
	fprintf(f, "Options:\n"
		"  -j, -json         JSON output, one value per line\n"
		"  -n, -netns NETNS  run in network namespace NETNS (ip netns)\n"
		"  -batch FILE|-     read commands from FILE or stdin, one a line\n"
		"  -force            in batch mode, go on after a failed command\n"
		"  -h, -help         this help\n"
		"Commands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %s\n", commands[i].syntax);
}

static void vreport(struct espmob_ctx *ctx, const char *fmt, va_list ap)
{
	char msg[sizeof(ctx->errmsg)];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	memcpy(ctx->errmsg, msg, sizeof(msg));
	fflush(stdout);
	if (ctx->line)
		fprintf(stderr, "espmob: line %lu: %s\n", ctx->line, msg);
	else
		fprintf(stderr, "espmob: %s\n", msg);
}

void espmob_error(struct espmob_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(ctx, fmt, ap);
	va_end(ap);
}

int espmob_usage(struct espmob_ctx *ctx, const char *cmd, const char *fmt, ...)
{
	const struct command *c = find_command(cmd);
	char msg[sizeof(ctx->errmsg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	espmob_error(ctx, "%s: %s", cmd, msg);
	if (c)
		fprintf(stderr, "Usage: espmob %s\n", c->syntax);
	return ESPMOB_USAGE;
}

int espmob_no_args(struct espmob_ctx *ctx, char **argv)
{
	return espmob_usage(ctx, argv[0], "unexpected \"%s\"", argv[1]);
}

/*
 * A failure's result line on stdout, for whoever reads stdout as answers:
 * in batch mode every request answers with one line, and with -j (batch
 * or not) a failure is a JSON object {"error":..., "status":N}, the way a
 * script reading "ip -j" gets a value to parse. The message itself has
 * gone to stderr already.
 */
static void report_failure(struct espmob_ctx *ctx, int status)
{
	if ((ctx->line || ctx->json) && !ctx->failure_printed)
		print_failure(ctx, status);
}

/* Runs one command line or batch line; returns ESPMOB_*. */
static int run_command(struct espmob_ctx *ctx, int argc, char **argv)
{
	const struct command *c = find_command(argv[0]);
	int status;

	ctx->failure_printed = false;
	if (c) {
		status = c->run(ctx, argc, argv);
	} else {
		espmob_error(ctx, "unknown command \"%s\", try \"espmob -h\"",
			     argv[0]);
		status = ESPMOB_USAGE;
	}
	if (status != ESPMOB_OK)
		report_failure(ctx, status);
	return status;
}

/* Runs one batch line; returns ESPMOB_*, or -1 at the end of the input. */
static int run_line(struct espmob_ctx *ctx, FILE *f, char *line, char **argv)
{
	int len, argc;

	len = batch_read_line(f, line);
	if (len == BATCH_EOF)
		return -1;
	ctx->line++;
	ctx->failure_printed = false;
	if (len == BATCH_TOO_LONG) {
		espmob_error(ctx, "line longer than %d bytes", BATCH_LINE_MAX);
	} else if (len == BATCH_NUL) {
		espmob_error(ctx, "NUL byte in line");
	} else {
		argc = split_args(line, argv, BATCH_MAX_ARGS);
		if (argc == 0)
			return ESPMOB_OK;
		if (argc > 0)
			return run_command(ctx, argc, argv);
		espmob_error(ctx, "too many words");
	}
	report_failure(ctx, ESPMOB_USAGE);
	return ESPMOB_USAGE;
}

static int run_batch(struct espmob_ctx *ctx, const char *path)
{
	char **argv = calloc(BATCH_MAX_ARGS + 1, sizeof(*argv));
	char *line = malloc(BATCH_LINE_MAX + 1);
	int status, result = ESPMOB_OK;
	FILE *f;

	if (!argv || !line) {
		espmob_error(ctx, "%s", strerror(ENOMEM));
		result = ESPMOB_ERR;
		goto out;
	}
	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		espmob_error(ctx, "cannot open batch file %s: %s", path,
			     strerror(errno));
		result = ESPMOB_ERR;
		goto out;
	}
	while ((status = run_line(ctx, f, line, argv)) >= 0) {
		if (status == ESPMOB_OK)
			continue;
		if (!ctx->force) {
			result = status;
			break;
		}
		result = ESPMOB_ERR;
	}
	if (f != stdin)
		fclose(f);
out:
	free(line);
	free(argv);
	if (!ctx->line && result != ESPMOB_OK)
		report_failure(ctx, result);	/* before any request */
	return result;
}

/* "-j" and "--json" alike; returns the option name without dashes. */
static const char *option_name(const char *arg)
{
	if (arg[0] != '-' || !arg[1])
		return NULL;
	arg++;
	if (arg[0] == '-')
		arg++;
	return arg;
}

/* A failure before any command ran: message, usage, JSON object. */
static int global_failure(struct espmob_ctx *ctx, bool show_usage,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int global_failure(struct espmob_ctx *ctx, bool show_usage,
			  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(ctx, fmt, ap);
	va_end(ap);
	if (show_usage)
		usage(stderr);
	report_failure(ctx, ESPMOB_USAGE);
	return ESPMOB_USAGE;
}

int espmob_main(int argc, char **argv)
{
	struct espmob_ctx ctx = { 0 };
	const char *batch = NULL;
	const char *opt;
	int status;

	argc--;
	argv++;
	for (; argc > 0 && (opt = option_name(argv[0])); argc--, argv++) {
		if (!strcmp(opt, "j") || !strcmp(opt, "json")) {
			ctx.json = true;
		} else if (!strcmp(opt, "force")) {
			ctx.force = true;
		} else if (!strcmp(opt, "h") || !strcmp(opt, "help")) {
			usage(stdout);
			return ESPMOB_OK;
		} else if (!strcmp(opt, "n") || !strcmp(opt, "netns") ||
			   !strcmp(opt, "batch")) {
			if (argc < 2)
				return global_failure(&ctx, false,
						      "option \"%s\" needs an argument",
						      argv[0]);
			if (opt[0] == 'n')
				ctx.netns = argv[1];
			else
				batch = argv[1];
			argc--;
			argv++;
		} else {
			return global_failure(&ctx, true,
					      "unknown option \"%s\"", argv[0]);
		}
	}

	if (batch && argc != 0)
		return global_failure(&ctx, true, "-batch takes no command");
	if (!batch && argc == 0)
		return global_failure(&ctx, true, "missing command");
	if (ctx.netns && espmob_enter_netns(&ctx, ctx.netns) < 0) {
		report_failure(&ctx, ESPMOB_ERR);
		return ESPMOB_ERR;
	}

	status = batch ? run_batch(&ctx, batch) : run_command(&ctx, argc, argv);
	if (ctx.nl)
		mnl_socket_close(ctx.nl);
	if (fflush(stdout) == EOF && status == ESPMOB_OK)
		status = ESPMOB_ERR;
	return status;
}
