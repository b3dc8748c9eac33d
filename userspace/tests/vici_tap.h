/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal TAP 13 output for the VICI unit tests. */
#ifndef VICI_TAP_H
#define VICI_TAP_H

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

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

/*
 * The recorded messages: $VICI_DATA, else tests/data/vici from userspace/
 * (make test), else found from the executable's place in build/.
 */
static __attribute__((unused)) const char *vici_data_dir(void)
{
	static char buf[PATH_MAX];
	const char *env = getenv("VICI_DATA");
	struct stat st;
	ssize_t n;
	char *slash;

	if (env)
		return env;
	if (stat("tests/data/vici", &st) == 0)
		return "tests/data/vici";
	if (stat("userspace/tests/data/vici", &st) == 0)
		return "userspace/tests/data/vici";
	/* build/userspace/tests/NAME -> userspace/tests/data/vici */
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 64);
	if (n > 0) {
		buf[n] = '\0';
		slash = strrchr(buf, '/');
		if (slash) {
			strcpy(slash, "/../../../userspace/tests/data/vici");
			if (stat(buf, &st) == 0)
				return buf;
		}
	}
	return "tests/data/vici";
}

#endif /* VICI_TAP_H */
