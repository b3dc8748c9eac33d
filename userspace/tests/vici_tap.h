/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal TAP 13 output for the VICI unit tests. */
#ifndef VICI_TAP_H
#define VICI_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static void tap_ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap_failed++;
}

static __attribute__((unused)) void tap_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static __attribute__((unused)) void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* VICI_TAP_H */
