#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_rollback.sh: a migration that fails changes nothing.
#
# T holds a tunnel-mode CHILD SA and a transport-mode one (4 states, 5
# policies). With the test flavour's fail_step knob in T's netns (XF_FAIL_STEP,
# default /proc/net/esp_mobility_fail_step) set to N = 1, 2, ...,
# the Nth fallible step of the next migration fails with ENOMEM; for every
# N until a migration succeeds, the request must fail with a message and
# the full `ip -s -s xfrm state` / `policy` dump (sorted) must be
# identical before and after. The migration that finally succeeds must
# move everything; the module counts the failures. An `espmob monitor`
# listens meanwhile: steps 1 and 2 must be the reply and the notification
# (allocated before anything changes), and only the successful migration
# may be notified.
# Refusals before any work must leave everything as well: an SPI in the
# list that does not exist, an SA already present at the new address with
# a migrating SA's SPI, a policy already present with a migrating
# transport policy's new selector.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
xf_require_migrate

MAX_STEPS=${MAX_STEPS:-80}

setup() {
	xf_topo &&
	xf_tunnel 4 reqid=1 esn=1 replay=64 &&
	xf_transport 4 proto=udp spi_ts=0x1003 spi_st=0x2003 reqid=3 &&
	xf_burst "$NS_T" "$SI4" 5002 5
}

if ! setup; then
	not_ok "setup"
	tap_finish
fi

# unchanged NAME CMD...: CMD must fail with a message; T's and S's tables
# must be identical before and after.
unchanged() {
	local name=$1 before after
	shift
	before=$(xf_sorted_dump "$NS_T"; xf_sorted_dump "$NS_S")
	if "$@"; then
		not_ok "$name: refused" "succeeded: $XF_OUT"
		return 1
	fi
	after=$(xf_sorted_dump "$NS_T"; xf_sorted_dump "$NS_S")
	if xf_dumps_full && [ -n "$XF_ERR" ] && [ "$before" = "$after" ]; then
		ok "$name: refused (${XF_ERR#espmob: }), nothing changed"
	else
		not_ok "$name: refused with a message, nothing changed" "stderr: $XF_ERR" \
			${XF_EMPTY:+"$XF_EMPTY"} \
			"$(diff <(echo "$before") <(echo "$after") | head -40)"
	fi
}

# 1. refusals before any work
unchanged "listed SPI missing" \
	xf_migrate "$NS_T" "$TA4" "$S4" "$TB4" "$S4" spi 0x1001 spi 0xdead
"$IP" -n "$NS_T" xfrm state add src "$S4" dst "$TB4" proto esp spi 0x2001 \
	mode tunnel aead 'rfc4106(gcm(aes))' "$(xf_key 0x2001)" 128
unchanged "an SA with a migrating SPI exists at the new address" \
	xf_migrate "$NS_T" "$TA4" "$S4" "$TB4" "$S4"
"$IP" -n "$NS_T" xfrm state delete src "$S4" dst "$TB4" proto esp spi 0x2001
"$IP" -n "$NS_T" xfrm policy add src "$TB4/32" dst "$S4/32" proto udp dir out \
	action block
unchanged "a policy with a migrating policy's new selector exists" \
	xf_migrate "$NS_T" "$TA4" "$S4" "$TB4" "$S4"
"$IP" -n "$NS_T" xfrm policy delete src "$TB4/32" dst "$S4/32" proto udp dir out

# 2. a failure at every step
if ! xf_fail_step_available; then
	skip "rollback at every step" "no fault injection knob at $XF_FAIL_STEP"
	tap_finish
fi
# A listener makes the notification one of the steps.
mon=$XF_TMP/monitor
xf_monitor_start "$NS_T" "$mon" || not_ok "espmob monitor joins the migrate group"
st0=$("$ESPMOB" -n "$NS_T" -j stats 2>&1)
before=$(xf_sorted_dump "$NS_T")
bad=() msgs=() failures=0 n=1 done=
while [ $n -le "$MAX_STEPS" ]; do
	xf_fail_step "$NS_T" "$n"
	if xf_migrate "$NS_T" "$TA4" "$S4" "$TB4" "$S4"; then
		done=$n
		break
	fi
	failures=$((failures + 1))
	msgs+=("$XF_ERR")
	after=$(xf_sorted_dump "$NS_T")
	if ! xf_dumps_full || [ "$before" != "$after" ] || [ -z "$XF_ERR" ]; then
		bad+=("step $n: ${XF_ERR:-no message}" ${XF_EMPTY:+"$XF_EMPTY"} \
			"$(diff <(echo "$before") <(echo "$after") | head -30)")
		# start the next step from the original tables again
		break
	fi
	n=$((n + 1))
done
xf_fail_step "$NS_T" 0
diag "fault injection: $failures failing steps, success with fail_step=${done:-never}"
# the reply and the notification come first: nothing may fail after the
# commit, or a caller would be told that a migration it got did not happen
if [[ ${msgs[0]-} == *"out of memory for the reply"* &&
	${msgs[1]-} == *"out of memory for the notification"* ]]; then
	ok "steps 1 and 2 are the reply and the notification"
else
	not_ok "steps 1 and 2 are the reply and the notification" "${msgs[@]:0:2}"
fi
[ -n "$done" ] && wait_for 30 test -s "$mon"
kill "$XF_MON_PID" 2>/dev/null
wait "$XF_MON_PID" 2>/dev/null
if [ -n "$done" ] && [ "$(grep -c . "$mon")" = 1 ]; then
	ok "only the migration that succeeded is notified"
else
	not_ok "only the migration that succeeded is notified" "$(cat "$mon")"
fi
if [ "$failures" -ge 1 ]; then
	ok "fault injection fails at least one step ($failures)"
else
	not_ok "fault injection fails at least one step" "$XF_OUT $XF_ERR"
fi
if [ ${#bad[@]} = 0 ] && [ -n "$done" ]; then
	ok "a failure at each of $failures steps leaves SAD and SPD unchanged"
else
	not_ok "a failure at each step leaves SAD and SPD unchanged" "${bad[@]}"
fi
if [ -n "$done" ] && [ "$(xf_jget states)" = 4 ] && [ "$(xf_jget policies)" = 5 ] &&
	[ "$(xf_count "$NS_T" state "$TA4")" = 0 ]; then
	ok "the migration past the last step moves 4 states, 5 policies"
else
	not_ok "the migration past the last step moves 4 states, 5 policies" \
		"$XF_OUT $XF_ERR" "$("$IP" -n "$NS_T" xfrm state | grep ^src)"
fi
st1=$("$ESPMOB" -n "$NS_T" -j stats 2>&1)
f0=$(xf_jget failed "$st0") f1=$(xf_jget failed "$st1")
r1=$(xf_jget rollbacks "$st1")
diag "counters before: $st0"
diag "counters after: $st1"
if [ $((f1 - f0)) = "$failures" ] && [ "${r1:-0}" -ge 1 ]; then
	ok "the module counts $failures failed migrations and the rollbacks"
else
	not_ok "the module counts $failures failed migrations and the rollbacks" "$st0" "$st1"
fi
tap_finish
