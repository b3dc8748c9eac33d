#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The harness checks itself: selftests/summarize on synthetic TAP (a
# crashed or truncated test must count as a failure) and the exit codes
# and TAP that selftests/lib.sh produces. Runs on the host, no root needed.
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
t() {	# NAME CMD...: ok if CMD succeeds
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$tmp/out" 2>&1; then
		echo "ok $n - $name"
	else
		failed=1
		echo "not ok $n - $name"
		sed 's/^/# /' "$tmp/out"
	fi
}

# summarize DIR, expecting LAST as its last line and STATUS as its exit.
sums() {	# LAST STATUS FILE=CONTENT...
	local want=$1 status=$2 d got rc
	shift 2
	d=$(mktemp -d "$tmp/s.XXXX")
	for f in "$@"; do
		printf '%b' "${f#*=}" >"$d/${f%%=*}.tap"
	done
	got=$("$here/summarize" "$d" 2>&1)
	rc=$?
	[ "$(tail -n 1 <<<"$got")" = "$want" ] && [ $rc -eq "$status" ] ||
		{ echo "got (exit $rc):"; echo "$got"; return 1; }
}

# A throw-away test using lib.sh: BODY is bash run after sourcing it.
libtest() {	# BODY: prints the test's TAP, then "exit N"
	printf '%s\n' ". '$here/lib.sh'" "$1" >"$tmp/lt.sh"
	bash "$tmp/lt.sh"
	echo "exit $?"
}

echo "TAP version 13"
echo "1..14"

t "summarize: passes and skips" \
	sums "3 passed, 0 failed, 1 skipped" 0 \
	"a=TAP version 13\nok 1 - x\nok 2 - y # SKIP why\n1..2\n" \
	"b=ok 1\nok 2 - z # TODO later\n1..2\n"
t "summarize: a not ok fails" \
	sums "1 passed, 1 failed" 1 "a=ok 1 - x\nnot ok 2 - y\n1..2\n"
t "summarize: a missing plan fails (crashed test)" \
	sums "1 passed, 1 failed" 1 "a=TAP version 13\nok 1 - x\n"
t "summarize: a short run fails (plan 1..3, ran 1)" \
	sums "1 passed, 1 failed" 1 "a=1..3\nok 1 - x\n"
t "summarize: Bail out! fails" \
	sums "1 passed, 1 failed" 1 "a=ok 1 - x\nBail out! no module\n1..1\n"
t "summarize: an empty directory fails" sums "0 passed, 1 failed" 1
t "summarize: skipped suite (1..0) counts as skipped" \
	sums "0 passed, 0 failed, 1 skipped" 0 "a=1..0 # SKIP no tcpdump\n"
t "summarize: indented and comment lines are not results" \
	sums "1 passed, 0 failed" 0 "a=    not ok 1 - nested\n# not ok\nok 1 - x\n1..1\n"

t "lib.sh: ok/not_ok/skip numbered, plan at the end, exit 1" bash -c '
	out=$1
	diff <(printf "%s\n" "TAP version 13" "ok 1 - a" "not ok 2 - b" "# why" \
		"ok 3 - c # SKIP later" "1..3" "exit 1") <(printf "%s\n" "$out")' _ \
	"$(libtest 'ok a; not_ok b why; skip c later; tap_finish')"
t "lib.sh: all passed exits 0" bash -c '[ "$(tail -n 1 <<<"$1")" = "exit 0" ]' _ \
	"$(libtest 'ok a; check b true; tap_finish')"
t "lib.sh: dying before tap_finish adds a not ok and fails" bash -c '
	grep -q "^not ok 2 - test exited early" <<<"$1" &&
	grep -q "^1..2$" <<<"$1" && [ "$(tail -n 1 <<<"$1")" = "exit 1" ]' _ \
	"$(libtest 'ok a; exit 0')"
t "lib.sh: skip_all prints 1..0 and exits 4" bash -c '
	grep -q "^1..0 # SKIP missing command: no-such-command-here" <<<"$1" &&
	[ "$(tail -n 1 <<<"$1")" = "exit 4" ]' _ \
	"$(libtest 'require_cmd no-such-command-here || true; ok never')"
t "lib.sh: at_exit runs last-queued first" bash -c '
	[ "$(grep "^# [12]$" <<<"$1" | tr -d "\n")" = "# 2# 1" ]' _ \
	"$(libtest 'at_exit "diag 1"; at_exit "diag 2"; tap_finish')"
t "lib.sh: wait_for polls until true, times out when false" bash -c '
	grep -q "^ok 1 - w$" <<<"$1" && grep -q "^not ok 2 - f$" <<<"$1"' _ \
	"$(libtest 'f=$(mktemp); (sleep 0.3; echo x >"$f") &
		if wait_for 5 test -s "$f"; then ok w; else not_ok w; fi
		if wait_for 1 false; then ok f; else not_ok f; fi
		rm -f "$f"; tap_finish')"

exit $failed
