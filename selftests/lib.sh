# SPDX-License-Identifier: GPL-2.0
#
# lib.sh: shell helpers shared by the esp_mobility selftests. Source it from
# a bash test (`set -u` friendly):
#
#	. "$(dirname "$0")/lib.sh"
#
# It installs an EXIT trap that deletes the netns made with ns_new, runs the
# commands queued with at_exit (last queued runs first) and, if the test
# did not call tap_finish, reports the missing plan. Do not install your
# own EXIT trap: queue cleanup with at_exit.
#
# TAP 13 (one line per test, on stdout):
#	tap_plan N            optional, prints "1..N" first; otherwise
#	                      tap_finish prints the plan at the end
#	ok NAME               "ok N - NAME"
#	not_ok NAME [WHY]...  "not ok N - NAME" and each WHY as a "# " line
#	skip NAME WHY         "ok N - NAME # SKIP WHY"
#	check NAME CMD...     runs CMD (output hidden, shown on failure):
#	                      ok or not_ok by its exit status
#	diag MSG              "# MSG" (a comment; kept out of the counts)
#	skip_all WHY          "1..0 # SKIP WHY", exit 4 (kselftest's skip)
#	tap_finish            prints the plan if not yet printed; exits 1 if
#	                      any test failed, else 0
#
# Environment and preconditions:
#	require_cmd CMD...    skip_all unless every CMD is on PATH
#	require_root          skip_all unless running as root
#	require_module        skip_all unless esp_mobility is loaded
#	SELFTESTS             this directory; TOP the repository
#	ESPMOB                the espmob CLI (default $TOP/userspace/espmob)
#	ESPMOB_KO             the module file (default: vm-run's VM_MODULE,
#	                      else $TOP/esp_mobility.ko)
#
# Network namespaces and waiting:
#	ns_new VAR [TAG]      creates netns "espmob-TAG-<pid>-<n>" with lo up,
#	                      stores its name in VAR, deletes it at exit
#	ns_exec NS CMD...     runs CMD in NS
#	wait_for SECS CMD...  polls CMD every 0.1 s until it succeeds (0) or
#	                      SECS (whole seconds) elapse (1)
#	at_exit CMD...        queue CMD (eval'd) for the EXIT trap

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$SELFTESTS/.." && pwd)
ESPMOB=${ESPMOB:-$TOP/userspace/espmob}
ESPMOB_KO=${ESPMOB_KO:-${VM_MODULE:-$TOP/esp_mobility.ko}}
IP=/usr/sbin/ip		# never a busybox applet: it lacks netns and xfrm

_tap_n=0
_tap_fail=0
_tap_planned=
_tap_done=
_lib_ns=()
_lib_exit=()
_lib_ns_seq=0

echo "TAP version 13"

tap_plan() {
	_tap_planned=$1
	echo "1..$1"
}

ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1"
}

not_ok() {
	local name=$1 line
	shift
	_tap_n=$((_tap_n + 1))
	_tap_fail=$((_tap_fail + 1))
	echo "not ok $_tap_n - $name"
	for line in "$@"; do
		[ -z "$line" ] || printf '%s\n' "$line" | sed 's/^/# /'
	done
}

skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}

diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name" "command failed ($?): $*" "$out"
	fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	_tap_done=1
	exit 4
}

tap_finish() {
	[ -n "$_tap_planned" ] || echo "1..$_tap_n"
	if [ -n "$_tap_planned" ] && [ "$_tap_planned" != "$_tap_n" ]; then
		diag "planned $_tap_planned tests, ran $_tap_n"
		_tap_fail=$((_tap_fail + 1))
	fi
	_tap_done=1
	[ "$_tap_fail" -eq 0 ]
	exit $?
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "missing command: $c"
	done
}

require_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root"
}

require_module() {
	[ -d /sys/module/esp_mobility ] || skip_all "esp_mobility is not loaded"
}

ns_new() {
	local var=$1 tag=${2:-t} name
	_lib_ns_seq=$((_lib_ns_seq + 1))
	name=espmob-$tag-$$-$_lib_ns_seq
	"$IP" netns add "$name" || return 1
	_lib_ns+=("$name")
	"$IP" -n "$name" link set lo up
	printf -v "$var" '%s' "$name"
}

ns_exec() {
	local ns=$1
	shift
	"$IP" netns exec "$ns" "$@"
}

wait_for() {
	local secs=$1 end
	shift
	end=$(($(date +%s%N) + secs * 1000000000))
	until "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

at_exit() {
	_lib_exit+=("$*")
}

_lib_cleanup() {
	local rc=$? i
	for ((i = ${#_lib_exit[@]} - 1; i >= 0; i--)); do
		eval "${_lib_exit[i]}" || true
	done
	for i in "${_lib_ns[@]}"; do
		"$IP" netns del "$i" 2>/dev/null
	done
	if [ -z "$_tap_done" ]; then
		echo "not ok $((_tap_n + 1)) - test exited early (status $rc)"
		echo "1..$((_tap_n + 1))"
		rc=1
	fi
	exit "$rc"
}
trap _lib_cleanup EXIT
# Killed (a run_tests timeout, ^C): clean up too, and say so.
trap 'exit 143' TERM
trap 'exit 130' INT
