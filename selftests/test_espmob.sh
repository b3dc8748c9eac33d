#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_espmob.sh: what espmob says against the loaded module, exactly.
# The host's unit tests (userspace/tests/test_cli.c) cover what needs no
# module; this is the part that needs the kernel to answer.
#   - Without CAP_NET_ADMIN every command is refused (EPERM) and says which
#     capability it needs, exit 1: version, stats, migrate and show in the
#     message of the refused request, monitor when it joins its group.
#   - With -j each failure also prints one JSON object on stdout carrying
#     the same message as stderr; version's object is also the version.
#   - As root, version prints one line, and a batch one line (one object
#     with -j) per request, also for a request the kernel refuses; the
#     refused requests count as failed, the ones without CAP_NET_ADMIN not.
set -u
. "$(dirname "$0")/lib.sh"

require_root
require_cmd python3 setpriv
require_module
[ -x "$ESPMOB" ] || skip_all "no espmob at $ESPMOB"

ns_new ns cli || { not_ok "setup: a netns"; tap_finish; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/espmob-cli.XXXXXX") || exit 1
at_exit rm -rf "$tmp"

no_net_admin=(setpriv --inh-caps=-all --bounding-set=-net_admin)
tool=$(sed -n 's/^#define ESPMOB_TOOL_VERSION[[:space:]]*"\(.*\)"/\1/p' \
	"$TOP/userspace/espmob.h")
abi=$(sed -n 's/^#define ESPMOB_ABI_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
	"$TOP/uapi/linux/esp_mobility.h")
hint="Operation not permitted: espmob needs CAP_NET_ADMIN in the network namespace"
migrate=(migrate from 192.0.2.1 192.0.2.2 to 192.0.2.3 192.0.2.2)

# run WHO ARGS...: espmob in ns as root or without CAP_NET_ADMIN (WHO =
# root|nocap); sets rc, and $tmp/out, $tmp/err
run() {
	local who=$1
	shift
	if [ "$who" = nocap ]; then
		"$IP" netns exec "$ns" "${no_net_admin[@]}" "$ESPMOB" "$@" \
			>"$tmp/out" 2>"$tmp/err" </dev/null
	else
		"$IP" netns exec "$ns" "$ESPMOB" "$@" \
			>"$tmp/out" 2>"$tmp/err" </dev/null
	fi
	rc=$?
}

# expect NAME RC OUT ERR: the last run's status, stdout and stderr exactly
expect() {
	local name=$1 want_rc=$2 want_out=$3 want_err=$4 out err
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
	if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ] &&
		[ "$err" = "$want_err" ]; then
		ok "$name"
	else
		not_ok "$name" "exit $rc, want $want_rc" \
			"stdout: $out" "want:   $want_out" \
			"stderr: $err" "want:   $want_err"
	fi
}

# expect_json_error NAME: the last run failed (exit 1) with one message on
# stderr, and stdout is one line, one object whose "error" is that message
# (without "espmob: ") and "status" 1
expect_json_error() {
	local name=$1 err diag=
	err=$(cat "$tmp/err")
	if [ "$rc" = 1 ] && [[ $err == "espmob: "* ]] &&
		diag=$(python3 - "${err#espmob: }" "$tmp/out" 2>&1 <<'EOF'
import json, sys
msg, path = sys.argv[1], sys.argv[2]
lines = open(path).read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert o == {"error": msg, "status": 1}, o
EOF
		); then
		ok "$name"
	else
		not_ok "$name" "exit $rc" "stdout: $(cat "$tmp/out")" \
			"stderr: $err" "$diag"
	fi
}

# 1-5: every command without CAP_NET_ADMIN names it
run nocap version
expect "version without CAP_NET_ADMIN: names the capability, exit 1" 1 \
	"espmob $tool, module ABI unknown" "espmob: version: $hint"
run nocap stats
expect "stats without CAP_NET_ADMIN: names the capability, exit 1" 1 \
	"" "espmob: stats: $hint"
run nocap "${migrate[@]}"
expect "migrate without CAP_NET_ADMIN: names the capability, exit 1" 1 \
	"" "espmob: migrate: $hint"
run nocap show from 192.0.2.1 192.0.2.2
expect "show without CAP_NET_ADMIN: names the capability, exit 1" 1 \
	"" "espmob: show: $hint"
run nocap monitor
expect "monitor without CAP_NET_ADMIN: names the capability, exit 1" 1 \
	"" "espmob: monitor: joining group \"migrate\": $hint"

# 6-9: -j adds the error object on stdout
for cmd in stats migrate show monitor; do
	case $cmd in
	migrate) args=("${migrate[@]}") ;;
	show) args=(show from 192.0.2.1 192.0.2.2) ;;
	*) args=("$cmd") ;;
	esac
	run nocap -j "${args[@]}"
	if [[ $(cat "$tmp/err") == *"$hint" ]]; then
		expect_json_error "-j $cmd without CAP_NET_ADMIN: the error object on stdout"
	else
		not_ok "-j $cmd without CAP_NET_ADMIN: names the capability" \
			"stderr: $(cat "$tmp/err")"
	fi
done

# 10: -j version: one object, the version and the error
run nocap -j version
expect "-j version without CAP_NET_ADMIN: one object, version and error" 1 \
	"{\"tool\":\"$tool\",\"abi\":null,\"error\":\"version: $hint\",\"status\":1}" \
	"espmob: version: $hint"

# 11: as root, version prints one line with the module's ABI
run root version
expect "version with the module: one line with its ABI, exit 0" 0 \
	"espmob $tool, module ABI $abi" ""

# 12-13: a batch answers each request with one line, also a refused one
# (new endpoints equal to the old: refused, and counted as failed; the
# requests refused for want of CAP_NET_ADMIN above did not count)
printf 'version\n%s\nstats\n' \
	"migrate from 192.0.2.1 192.0.2.2 to 192.0.2.1 192.0.2.2" >"$tmp/batch"
run root -force -batch "$tmp/batch"
mapfile -t lines <"$tmp/out"
if [ "$rc" = 1 ] && [ "${#lines[@]}" = 3 ] &&
	[ "${lines[0]}" = "espmob $tool, module ABI $abi" ] &&
	[[ ${lines[1]} == "error: migrate: "* ]] &&
	[[ ${lines[2]} == "migrations 0 failed 1 "* ]] &&
	[ "$(cat "$tmp/err")" = "espmob: line 2: ${lines[1]#error: }" ]; then
	ok "batch: one line per request, the refused one an error line"
else
	not_ok "batch: one line per request, the refused one an error line" \
		"exit $rc" "stdout: $(cat "$tmp/out")" "stderr: $(cat "$tmp/err")"
fi
run root -j -force -batch "$tmp/batch"
if [ "$rc" = 1 ] && diag=$(python3 - "$tmp/out" "$tmp/err" "$abi" "$tool" 2>&1 <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
err = open(sys.argv[2]).read().splitlines()
assert len(lines) == 3, lines
v, m, s = (json.loads(l) for l in lines)
assert v == {"tool": sys.argv[4], "abi": int(sys.argv[3])}, v
assert m["status"] == 1 and err == ["espmob: line 2: " + m["error"]], (m, err)
assert s["migrations"] == 0 and s["failed"] == 2, s
EOF
); then
	ok "-j batch: one object per request, the refused one an error object"
else
	not_ok "-j batch: one object per request, the refused one an error object" \
		"exit $rc" "stdout: $(cat "$tmp/out")" "stderr: $(cat "$tmp/err")" \
		"${diag:-}"
fi

# 14: -j with a request the kernel refuses: the object carries its message
run root -j migrate from 192.0.2.1 192.0.2.2 to 192.0.2.1 192.0.2.2
if [[ $(cat "$tmp/err") == "espmob: migrate: "*"(Invalid argument)"* ]]; then
	expect_json_error "-j migrate refused by the kernel: the error object on stdout"
else
	not_ok "-j migrate refused by the kernel: EINVAL" "stderr: $(cat "$tmp/err")"
fi

tap_finish
