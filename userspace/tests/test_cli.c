// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of espmob's command line as a whole (espmob_main() in a child
 * process, stdout and stderr captured): exit statuses, usage messages, and
 * -batch semantics (comments, stop at the first error or go on with
 * -force, one result line per request, over-long lines). Only paths that
 * fail before talking to the kernel are used, so no module is needed;
 * and "show", on XFRM policies made with ip(8) in a network namespace of
 * our own (the host has XFRM but no ESP, so no SAs), when we are root.
 */
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../espmob.h"
#include "tap.h"

struct run {
	int status;
	char out[16384];
	char err[16384];
};

static void slurp(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* When set, run() drops to uid/gid 65534 (no capabilities) first. */
static bool as_nobody;

static void become_nobody(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		exit(99);
}

/* Runs espmob with argv (NULL-terminated) and input on stdin. */
static void run(struct run *r, const char *input, const char **argv)
{
	FILE *in = tmpfile(), *out = tmpfile(), *err = tmpfile();
	int argc = 0, st;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (!in || !out || !err)
		return;
	fputs(input ? input : "", in);
	rewind(in);
	while (argv[argc])
		argc++;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fileno(in), 0);
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		if (as_nobody)
			become_nobody();
		exit(espmob_main(argc, (char **)argv));
	}
	fclose(in);
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
		r->status = WEXITSTATUS(st);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#define RUN(r, input, ...) run(r, input, (const char *[]){ "espmob", __VA_ARGS__, NULL })

/*
 * True if no line of s repeats a "word: " prefix ("espmob: show: show:"),
 * the mark of two layers each adding the command name.
 */
static bool no_doubled_prefix(const char *s)
{
	const char *line, *p, *q, *next;
	size_t n;

	for (line = s; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		for (p = line; (q = strstr(p, ": ")) && q < next; p = q + 2) {
			n = q - p;
			if (n && !strncmp(q + 2, p, n) &&
			    !strncmp(q + 2 + n, ": ", 2))
				return false;
		}
	}
	return true;
}

/* Exact stdout, stderr and exit status of one run. */
static void expect_run(const struct run *r, int status, const char *out,
		       const char *err, const char *name)
{
	is_u64(r->status, status, "%s: exit %d", name, status);
	is_str(r->out, out, "  stdout exactly");
	is_str(r->err, err, "  stderr exactly");
	ok(no_doubled_prefix(r->err), "  no doubled prefix on stderr");
}

static void test_usage(void)
{
	static struct run r;

	run(&r, NULL, (const char *[]){ "espmob", NULL });
	is_u64(r.status, 2, "no command: exit 2");
	has_str(r.err, "Usage: espmob", "  usage on stderr");

	RUN(&r, NULL, "-h");
	is_u64(r.status, 0, "-h: exit 0");
	has_str(r.out, "migrate from OLD_LOCAL OLD_REMOTE to NEW_LOCAL NEW_REMOTE",
		"  -h shows the migrate syntax on stdout");

	RUN(&r, NULL, "-x", "stats");
	is_u64(r.status, 2, "unknown option: exit 2");
	has_str(r.err, "unknown option \"-x\"", "  names the option");

	RUN(&r, NULL, "frob");
	is_u64(r.status, 2, "unknown command: exit 2");
	has_str(r.err, "unknown command \"frob\"", "  names the command");

	RUN(&r, NULL, "migrate", "from", "10.0.0.1", "10.0.0.2", "to",
	    "10.0.1.1", "10.0.0.2", "spi", "0");
	is_u64(r.status, 2, "migrate spi 0: exit 2");
	has_str(r.err, "espmob: migrate: invalid SPI \"0\"",
		"  the error names the SPI");
	has_str(r.err, "Usage: espmob migrate from OLD_LOCAL",
		"  followed by the migrate syntax");
	is_u64(strlen(r.out), 0, "  nothing on stdout");

	RUN(&r, NULL, "show", "from", "10.0.0.1");
	is_u64(r.status, 2, "show with one address: exit 2");
	has_str(r.err, "Usage: espmob show from LOCAL REMOTE",
		"  shows the show syntax");

	RUN(&r, NULL, "version", "extra");
	is_u64(r.status, 2, "version with an argument: exit 2");
	RUN(&r, NULL, "stats", "extra");
	is_u64(r.status, 2, "stats with an argument: exit 2");
	RUN(&r, NULL, "monitor", "extra");
	is_u64(r.status, 2, "monitor with an argument: exit 2");

	RUN(&r, NULL, "-n");
	is_u64(r.status, 2, "-n without a name: exit 2");
	RUN(&r, NULL, "-n", "../etc", "stats");
	is_u64(r.status, 1, "-n with a path: exit 1");
	has_str(r.err, "invalid network namespace name", "  says why");
	RUN(&r, NULL, "-batch", "/nonexistent/espmob-batch");
	is_u64(r.status, 1, "-batch of a missing file: exit 1");
	RUN(&r, NULL, "-batch", "-", "stats");
	is_u64(r.status, 2, "-batch with a command too: exit 2");
}

static const char batch_input[] =
	"# a comment\n"
	"\n"
	"   # an indented comment\n"
	"migrate bogus\n"
	"migrate from 10.0.0.1\n";

static void test_batch(void)
{
	static struct run r;
	static char big[8192];

	RUN(&r, batch_input, "-batch", "-");
	is_u64(r.status, 2, "batch stops at a usage error with its status");
	has_str(r.err, "espmob: line 4: migrate: ",
		"  the error carries the line number");
	ok(!strstr(r.err, "line 5"), "  line 5 is not run");
	is_u64(count_lines(r.out), 1, "  one result line on stdout");
	has_str(r.out, "error: migrate: ", "  the result line tells the error");

	RUN(&r, batch_input, "-force", "-batch", "-");
	is_u64(r.status, 1, "batch -force: exit 1 after failures");
	has_str(r.err, "espmob: line 5: migrate: \"from\" needs two addresses",
		"  line 5 is run too");
	is_u64(count_lines(r.out), 2,
	       "  one result line per request, none for comments");

	RUN(&r, batch_input, "-j", "-force", "-batch", "-");
	has_str(r.out, "{\"error\":\"migrate: unknown keyword \\\"bogus\\\"\",\"status\":2}\n",
		"-j: failures are JSON objects with escaped strings");

	memset(big, 'a', 5000);
	strcpy(big + 5000, "\nmigrate x\n");
	RUN(&r, big, "-force", "-batch", "-");
	has_str(r.err, "espmob: line 1: line longer than 4096 bytes",
		"an over-long line is an error");
	has_str(r.err, "espmob: line 2: migrate: ",
		"  and the next line is read as a line of its own");
	is_u64(r.status, 1, "  exit 1 with -force");
	RUN(&r, big, "-batch", "-");
	is_u64(r.status, 2, "  exit 2 without -force");
	ok(!strstr(r.err, "line 2"), "  and nothing after it runs");

	RUN(&r, "", "-batch", "-");
	is_u64(r.status, 0, "empty batch: exit 0");
	is_u64(strlen(r.out) + strlen(r.err), 0, "  and silence");
}

static const char *const policies[] = {
	/* listed for 10.0.0.1 10.0.0.2: */
	"src 192.168.1.0/24 dst 192.168.2.0/24 dir out tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel reqid 5",
	"src 192.168.2.0/24 dst 192.168.1.0/24 dir in tmpl src 10.0.0.2 dst 10.0.0.1 proto esp mode tunnel reqid 5 mark 7 mask 0xff if_id 9",
	"src 10.0.0.1/32 dst 10.0.0.2/32 dir out tmpl proto esp mode transport reqid 6",
	/* not listed: */
	"src 10.0.0.0/24 dst 10.0.0.2/32 dir out tmpl proto esp mode transport reqid 7",
	"src 192.168.1.0/24 dst 192.168.3.0/24 dir out tmpl src 10.0.0.1 dst 10.0.0.9 proto esp mode tunnel reqid 8",
	"src 192.168.1.0/24 dst 192.168.2.0/24 dir fwd tmpl src 2001:db8::1 dst 2001:db8::2 proto esp mode tunnel reqid 9",
	"src 10.0.0.1/32 dst 10.0.0.2/32 dir in action block",
};

static void test_show_policies(void)
{
	static struct run r;
	char cmd[512];
	size_t i;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		skip("show lists the policies a migration moves",
		     "needs root to make a network namespace");
		return;
	}
	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		snprintf(cmd, sizeof(cmd), "ip xfrm policy add %s >/dev/null 2>&1",
			 policies[i]);
		if (system(cmd) != 0) {
			skip("show lists the policies a migration moves",
			     "ip xfrm policy add failed (no ip(8) or XFRM?)");
			return;
		}
	}
	RUN(&r, NULL, "show", "from", "10.0.0.1", "10.0.0.2");
	if (!is_u64(r.status, 0, "show: exit 0"))
		printf("#   stderr: %s\n", r.err);
	is_u64(count_lines(r.out), 3, "  three of seven policies listed");
	has_str(r.out, "dir out mode tunnel src 192.168.1.0/24 dst 192.168.2.0/24 reqid 5\n",
		"  the outbound tunnel policy");
	has_str(r.out, "dir in mode tunnel src 192.168.2.0/24 dst 192.168.1.0/24 reqid 5 mark 0x7/0xff if_id 9\n",
		"  the inbound tunnel policy, with mark and if_id");
	has_str(r.out, "dir out mode transport src 10.0.0.1/32 dst 10.0.0.2/32 reqid 6\n",
		"  the transport policy between the two hosts");
	ok(!strstr(r.out, "reqid 7") && !strstr(r.out, "reqid 8"),
	   "  not a subnet's transport policy, nor another peer's tunnel");
	ok(!strstr(r.out, "dir in mode transport"),
	   "  not a policy without templates");

	RUN(&r, NULL, "show", "from", "10.0.0.2", "10.0.0.1");
	is_u64(count_lines(r.out), 3, "show from the other end lists the same");
	RUN(&r, NULL, "show", "from", "2001:db8::1", "2001:db8::2");
	ok(r.status == 0 && count_lines(r.out) == 1 &&
	   strstr(r.out, "dir fwd mode tunnel"), "IPv6 endpoints: the fwd policy");
	RUN(&r, NULL, "show", "from", "10.9.9.9", "10.0.0.2");
	ok(r.status == 0 && !r.out[0], "unknown endpoints: nothing");

	RUN(&r, NULL, "-j", "show", "from", "10.0.0.1", "10.0.0.2");
	is_u64(count_lines(r.out), 1, "-j show: one line");
	has_str(r.out, "{\"states\":[],\"policies\":[{", "  an object of two arrays");
	has_str(r.out, "\"mark\":{\"value\":7,\"mask\":255},\"if_id\":9}",
		"  with mark and if_id");
	has_str(r.out, "{\"index\":", "  policies carry their index");
	has_str(r.out, "\"dir\":\"out\",\"ptype\":\"main\",",
		"  and their type");

	/* a sub policy is named as migrate names it: "ptype sub" */
	if (system("ip xfrm policy add src 10.0.0.2/32 dst 10.0.0.1/32 dir in "
		   "ptype sub tmpl proto esp mode transport reqid 6 "
		   ">/dev/null 2>&1") != 0) {
		skip("show names a sub policy's type",
		     "ip xfrm policy add ptype sub failed (no XFRM_SUB_POLICY?)");
		return;
	}
	RUN(&r, NULL, "show", "from", "10.0.0.1", "10.0.0.2");
	ok(r.status == 0 && count_lines(r.out) == 4,
	   "show: the sub policy listed too");
	ok(strstr(r.out, "dir in ptype sub mode transport src 10.0.0.2/32 dst 10.0.0.1/32 reqid 6\n") &&
	   !strstr(r.out, "ptype main"),
	   "  as \"dir in ptype sub\"; main policies without a type");
	RUN(&r, NULL, "-j", "show", "from", "10.0.0.1", "10.0.0.2");
	has_str(r.out, "\"dir\":\"in\",\"ptype\":\"sub\",\"mode\":\"transport\"",
		"-j show: \"ptype\":\"sub\"");
}

#define NO_MODULE \
	"the esp_mobility module is not loaded; load it with \\\"modprobe esp_mobility\\\""
#define NO_MODULE_TEXT \
	"the esp_mobility module is not loaded; load it with \"modprobe esp_mobility\""

/*
 * Without the module (the host cannot load it): every command that needs
 * it says what to do, once, without a misleading strerror; -j adds the
 * error object on stdout; a batch request answers with exactly one line.
 */
static void test_no_module(void)
{
	static struct run r;

	if (access("/sys/module/esp_mobility", F_OK) == 0) {
		skip("messages without the module", "the module is loaded");
		return;
	}
	RUN(&r, NULL, "stats");
	expect_run(&r, 1, "", "espmob: stats: " NO_MODULE_TEXT "\n",
		   "stats without the module");
	RUN(&r, NULL, "-j", "stats");
	expect_run(&r, 1, "{\"error\":\"stats: " NO_MODULE "\",\"status\":1}\n",
		   "espmob: stats: " NO_MODULE_TEXT "\n",
		   "-j stats without the module: the error object on stdout");
	RUN(&r, NULL, "monitor");
	expect_run(&r, 1, "", "espmob: monitor: " NO_MODULE_TEXT "\n",
		   "monitor without the module");
	RUN(&r, NULL, "migrate", "from", "192.0.2.1", "192.0.2.2", "to",
	    "192.0.2.3", "192.0.2.2");
	expect_run(&r, 1, "", "espmob: migrate: " NO_MODULE_TEXT "\n",
		   "migrate without the module");
	RUN(&r, NULL, "version");
	expect_run(&r, 1, "espmob " ESPMOB_TOOL_VERSION ", module not loaded\n",
		   "espmob: version: " NO_MODULE_TEXT "\n",
		   "version without the module: the tool's version still");
	RUN(&r, NULL, "-j", "version");
	expect_run(&r, 1, "{\"tool\":\"" ESPMOB_TOOL_VERSION "\",\"abi\":null,"
		   "\"error\":\"version: " NO_MODULE "\",\"status\":1}\n",
		   "espmob: version: " NO_MODULE_TEXT "\n",
		   "-j version without the module: one object, version and error");

	RUN(&r, "version\n", "-batch", "-");
	expect_run(&r, 1, "error: version: " NO_MODULE_TEXT "\n",
		   "espmob: line 1: version: " NO_MODULE_TEXT "\n",
		   "batch version without the module: one line");
	RUN(&r, "version\nstats\n", "-j", "-force", "-batch", "-");
	expect_run(&r, 1, "{\"tool\":\"" ESPMOB_TOOL_VERSION "\",\"abi\":null,"
		   "\"error\":\"version: " NO_MODULE "\",\"status\":1}\n"
		   "{\"error\":\"stats: " NO_MODULE "\",\"status\":1}\n",
		   "espmob: line 1: version: " NO_MODULE_TEXT "\n"
		   "espmob: line 2: stats: " NO_MODULE_TEXT "\n",
		   "-j batch version, stats without the module: one object each");
}

#define SHOW_USAGE	"Usage: espmob show from LOCAL REMOTE\n"

/* -j: a failing single command prints batch's error object on stdout. */
static void test_json_failures(void)
{
	static struct run r;

	RUN(&r, NULL, "show");
	expect_run(&r, 2, "",
		   "espmob: show: missing \"from LOCAL REMOTE\"\n" SHOW_USAGE,
		   "show without from: one \"show:\"");
	RUN(&r, NULL, "-j", "show");
	expect_run(&r, 2,
		   "{\"error\":\"show: missing \\\"from LOCAL REMOTE\\\"\",\"status\":2}\n",
		   "espmob: show: missing \"from LOCAL REMOTE\"\n" SHOW_USAGE,
		   "-j show without from: the error object on stdout");
	RUN(&r, NULL, "show", "192.0.2.1", "192.0.2.2");
	expect_run(&r, 2, "",
		   "espmob: show: missing \"from\" before \"192.0.2.1\"\n"
		   SHOW_USAGE, "show A B: from is missing");
	RUN(&r, NULL, "-j", "migrate", "from", "192.0.2.1", "192.0.2.2",
	    "192.0.2.3", "192.0.2.4");
	is_u64(r.status, 2, "-j migrate without to: exit 2");
	is_str(r.out, "{\"error\":\"migrate: missing \\\"to\\\" before \\\"192.0.2.3\\\"\",\"status\":2}\n",
	       "  the error object says to is missing");
	has_str(r.err, "espmob: migrate: missing \"to\" before \"192.0.2.3\"\n"
		"Usage: espmob migrate from", "  the message and the syntax on stderr");
	RUN(&r, NULL, "-j", "frob");
	expect_run(&r, 2,
		   "{\"error\":\"unknown command \\\"frob\\\", try \\\"espmob -h\\\"\",\"status\":2}\n",
		   "espmob: unknown command \"frob\", try \"espmob -h\"\n",
		   "-j with an unknown command");
	RUN(&r, NULL, "-j", "-n", "../x", "stats");
	expect_run(&r, 1,
		   "{\"error\":\"invalid network namespace name \\\"../x\\\"\",\"status\":1}\n",
		   "espmob: invalid network namespace name \"../x\"\n",
		   "-j -n with a bad name");
	RUN(&r, NULL, "-j", "-batch", "/nonexistent/espmob-batch");
	expect_run(&r, 1,
		   "{\"error\":\"cannot open batch file /nonexistent/espmob-batch: No such file or directory\",\"status\":1}\n",
		   "espmob: cannot open batch file /nonexistent/espmob-batch: No such file or directory\n",
		   "-j -batch of a missing file");
	RUN(&r, NULL, "-j", "-n");
	expect_run(&r, 2,
		   "{\"error\":\"option \\\"-n\\\" needs an argument\",\"status\":2}\n",
		   "espmob: option \"-n\" needs an argument\n",
		   "-j -n without a name");
	RUN(&r, NULL, "-j");
	is_u64(r.status, 2, "-j alone: exit 2");
	is_str(r.out, "{\"error\":\"missing command\",\"status\":2}\n",
	       "  the error object on stdout");
	has_str(r.err, "espmob: missing command\nUsage: espmob [-j]",
		"  the message and the usage on stderr");
	RUN(&r, NULL, "vici", "socket");
	is_u64(r.status, 2, "vici socket without a path: exit 2");
	has_str(r.err, "espmob: vici: \"socket\" needs a PATH\n",
		"  says what socket lacks");
}

#define EPERM_HINT \
	"Operation not permitted: espmob needs CAP_NET_ADMIN in the network namespace"

/*
 * Without CAP_NET_ADMIN, XFRM refuses show's dumps: the message names the
 * capability, and -j prints the error object alone, no half answer. -n
 * into a namespace needs CAP_SYS_ADMIN, and says so.
 */
static void test_unprivileged(void)
{
	static struct run r;
	char ns[64], cmd[256];

	if (geteuid() != 0) {
		skip("messages without CAP_NET_ADMIN", "needs root to drop it");
		return;
	}
	as_nobody = true;
	RUN(&r, NULL, "show", "from", "192.0.2.1", "192.0.2.2");
	expect_run(&r, 1, "", "espmob: show: " EPERM_HINT "\n",
		   "show as uid 65534: names CAP_NET_ADMIN");
	RUN(&r, NULL, "-j", "show", "from", "192.0.2.1", "192.0.2.2");
	expect_run(&r, 1, "{\"error\":\"show: " EPERM_HINT "\",\"status\":1}\n",
		   "espmob: show: " EPERM_HINT "\n",
		   "-j show as uid 65534: only the error object");
	RUN(&r, "show from 192.0.2.1 192.0.2.2\n", "-batch", "-");
	expect_run(&r, 1, "error: show: " EPERM_HINT "\n",
		   "espmob: line 1: show: " EPERM_HINT "\n",
		   "batch show as uid 65534: one error line");
	as_nobody = false;

	snprintf(ns, sizeof(ns), "espmob-cli-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "ip netns add %s >/dev/null 2>&1", ns);
	if (system(cmd) != 0) {
		skip("-n as uid 65534 names CAP_SYS_ADMIN", "ip netns add failed");
		return;
	}
	as_nobody = true;
	RUN(&r, NULL, "-n", ns, "stats");
	as_nobody = false;
	snprintf(cmd, sizeof(cmd), "ip netns del %s", ns);
	if (system(cmd) != 0)
		printf("# could not delete netns %s\n", ns);
	snprintf(cmd, sizeof(cmd),
		 "espmob: cannot enter network namespace \"%s\": Operation not permitted: espmob -n needs CAP_SYS_ADMIN\n",
		 ns);
	expect_run(&r, 1, "", cmd, "-n as uid 65534 names CAP_SYS_ADMIN");
}

int main(void)
{
	tap_start();
	test_usage();
	test_batch();
	test_no_module();
	test_json_failures();
	test_unprivileged();
	test_show_policies();
	return tap_end();
}
