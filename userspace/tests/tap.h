/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TAP 13 for espmob's unit tests: ok(), and is_*() that print what they
 * got and expected as diagnostics when they fail.
 */
#ifndef ESPMOB_TAP_H
#define ESPMOB_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failures;

static void tap_start(void)
{
	printf("TAP version 13\n");
}

static bool vok(bool cond, const char *fmt, va_list ap)
{
	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_count);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap_failures++;
	return cond;
}

static bool __attribute__((format(printf, 2, 3), unused))
ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	bool ret;

	va_start(ap, fmt);
	ret = vok(cond, fmt, ap);
	va_end(ap);
	return ret;
}

static bool __attribute__((format(printf, 3, 4), unused))
is_u64(uint64_t got, uint64_t want, const char *fmt, ...)
{
	va_list ap;
	bool ret;

	va_start(ap, fmt);
	ret = vok(got == want, fmt, ap);
	va_end(ap);
	if (!ret)
		printf("#   got %llu (0x%llx), want %llu (0x%llx)\n",
		       (unsigned long long)got, (unsigned long long)got,
		       (unsigned long long)want, (unsigned long long)want);
	return ret;
}

/* Passes if haystack contains needle. */
static bool __attribute__((format(printf, 3, 4), unused))
has_str(const char *haystack, const char *needle, const char *fmt, ...)
{
	va_list ap;
	bool ret;

	va_start(ap, fmt);
	ret = vok(haystack && strstr(haystack, needle), fmt, ap);
	va_end(ap);
	if (!ret)
		printf("#   \"%s\" does not contain \"%s\"\n",
		       haystack ? haystack : "(null)", needle);
	return ret;
}

/* Passes if got is exactly want. */
static bool __attribute__((format(printf, 3, 4), unused))
is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	bool ret;

	va_start(ap, fmt);
	ret = vok(got && !strcmp(got, want), fmt, ap);
	va_end(ap);
	if (!ret)
		printf("#   got  \"%s\"\n#   want \"%s\"\n",
		       got ? got : "(null)", want);
	return ret;
}

static void __attribute__((unused))
skip(const char *name, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_count, name, why);
	fflush(stdout);
}

static int tap_end(void)
{
	printf("1..%d\n", tap_count);
	if (tap_failures)
		printf("# %d of %d failed\n", tap_failures, tap_count);
	return tap_failures ? 1 : 0;
}

#endif /* ESPMOB_TAP_H */
