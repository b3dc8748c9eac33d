/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing of espmob's command line words and -batch lines. Nothing here
 * prints or exits: errors come back as a message in a caller's buffer, so
 * the unit tests and the fuzzer can drive every path.
 */
#ifndef ESPMOB_PARSE_H
#define ESPMOB_PARSE_H

#include <stdio.h>

#include "espmob.h"

/* Longest -batch line, without its newline. */
#define BATCH_LINE_MAX	4096
/* Words are separated by blanks, so a line holds at most this many. */
#define BATCH_MAX_ARGS	(BATCH_LINE_MAX / 2 + 1)

/* 0 on success, -1 if s is not what was asked for. */
int parse_addr(const char *s, struct espmob_addr *a);
int parse_u32(const char *s, uint32_t *v);	/* decimal or 0x hex */
int parse_spi(const char *s, uint32_t *spi);	/* parse_u32, non-zero */
int parse_mark(const char *s, uint32_t *value, uint32_t *mask);	/* V[/M] */
int parse_port(const char *s, uint16_t *port);	/* 1..65535 */
int parse_dir(const char *s, uint8_t *dir);	/* in|out|fwd */

/*
 * Fills req from "migrate from ... to ... [...]" (argv[0] is "migrate").
 * Returns 0, or -1 with a one-line message in err.
 */
int parse_migrate(int argc, char **argv, struct migrate_req *req,
		  char *err, size_t errlen);

/* "show from LOCAL REMOTE" (argv[0] is "show"). */
int parse_show(int argc, char **argv, struct espmob_endpoints *ep,
	       char *err, size_t errlen);

enum {
	BATCH_EOF = -1,		/* no more lines */
	BATCH_TOO_LONG = -2,	/* longer than BATCH_LINE_MAX: skipped */
	BATCH_NUL = -3,		/* held a NUL byte: skipped */
};

/*
 * Reads one line (without its newline) into buf of BATCH_LINE_MAX + 1
 * bytes. Returns its length or a BATCH_* code; a bad line is read to its
 * end so that the next call starts on the next line.
 */
int batch_read_line(FILE *f, char *buf);

/*
 * Splits line in place into blank-separated words; a word starting with
 * '#' starts a comment that runs to the end of the line. Returns the
 * number of words (0 for a blank or comment line) or -1 if there are more
 * than max. argv needs max + 1 slots: argv[argc] is set to NULL.
 */
int split_args(char *line, char **argv, int max);

#endif /* ESPMOB_PARSE_H */
