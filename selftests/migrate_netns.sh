#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_netns.sh: a migration stays in its network namespace.
#
# Two copies of the same topology (T1/S1 and T2/S2) hold identical SAs and
# policies (same addresses, SPIs, keys). Migrating T1 (and S1) must:
#   - move T1's SAs;
#   - leave T2's and S2's SAD and SPD byte-for-byte identical;
#   - count in T1's module counters only (T2's stay at zero);
#   - be seen by `espmob monitor` in T1 only (when espmob monitor works).
# The test flavour's fail_step armed in T1 fails T1's next request only.
# Then deleting T1 while T2 migrates, and a migration in a netns that is
# being deleted, must not disturb T2 (the harness checks the kernel log).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
xf_require_migrate

if ! xf_topo || ! xf_tunnel 4 || ! xf_transport 6; then
	not_ok "setup of copy 1"
	tap_finish
fi
T1=$NS_T S1=$NS_S
if ! xf_topo || ! xf_tunnel 4 || ! xf_transport 6; then
	not_ok "setup of copy 2"
	tap_finish
fi
T2=$NS_T S2=$NS_S

b2=$(xf_sorted_dump "$T2"; xf_sorted_dump "$S2")
xf_monitor_start "$T2" "$XF_TMP/mon2" || not_ok "espmob monitor in T2 joins its group"
mon2=$XF_MON_PID
xf_monitor_start "$T1" "$XF_TMP/mon1" || not_ok "espmob monitor in T1 joins its group"
mon1=$XF_MON_PID

NS_T=$T1 NS_S=$S1
xf_move_t b
if xf_migrate_both "$TA4" "$S4" "$TB4" "$S4" && [ "$(xf_jget states)" = 2 ]; then
	ok "migration in copy 1 moves its SAs"
else
	not_ok "migration in copy 1 moves its SAs" "$XF_OUT $XF_ERR"
fi
a2=$(xf_sorted_dump "$T2"; xf_sorted_dump "$S2")
if xf_dumps_full && [ "$b2" = "$a2" ]; then
	ok "copy 2's identical SAs and policies are untouched"
else
	not_ok "copy 2's identical SAs and policies are untouched" ${XF_EMPTY:+"$XF_EMPTY"} \
		"$(diff <(echo "$b2") <(echo "$a2") | head -40)"
fi
s1=$("$ESPMOB" -n "$T1" -j stats 2>&1) s2=$("$ESPMOB" -n "$T2" -j stats 2>&1)
if [ "$(xf_jget migrations "$s1")" = 1 ] && [ "$(xf_jget migrations "$s2")" = 0 ] &&
	[ "$(xf_jget states_moved "$s2")" = 0 ]; then
	ok "counters: 1 migration in T1, none in T2"
else
	not_ok "counters: 1 migration in T1, none in T2" "T1 $s1" "T2 $s2"
fi
wait_for 30 test -s "$XF_TMP/mon1"
kill "$mon1" "$mon2" 2>/dev/null
wait "$mon1" "$mon2" 2>/dev/null
if [ -s "$XF_TMP/mon1" ] && [ ! -s "$XF_TMP/mon2" ]; then
	ok "the notification reaches T1's monitor only"
else
	not_ok "the notification reaches T1's monitor only" \
		"T1: $(cat "$XF_TMP/mon1")" "T2: $(cat "$XF_TMP/mon2")"
fi

# The test flavour's fault injection is per netns: armed in T1, it is
# neither seen nor consumed by a request in T2; T1's next request fails
# at the armed step (1: the reply, no listener is left) and changes
# nothing, and the one after it succeeds.
if xf_fail_step_available; then
	xf_fail_step "$T1" 1
	armed1=$(xf_fail_step_armed "$T1") armed2=$(xf_fail_step_armed "$T2")
	if [ "$armed1" = 1 ] && [ "$armed2" = 0 ]; then
		ok "fail_step armed in T1 only"
	else
		not_ok "fail_step armed in T1 only" "T1 $armed1, T2 $armed2"
	fi
	if xf_migrate "$T2" "$TA4" "$S4" "$TB4" "$S4" dry-run &&
		[ "$(xf_jget states)" = 2 ] && [ "$(xf_fail_step_armed "$T1")" = 1 ]; then
		ok "a request in T2 succeeds and leaves T1's fail_step armed"
	else
		not_ok "a request in T2 succeeds and leaves T1's fail_step armed" \
			"$XF_OUT $XF_ERR" "T1 armed: $(xf_fail_step_armed "$T1")"
	fi
	b1=$(xf_sorted_dump "$T1")
	if xf_migrate "$T1" "$TB4" "$S4" "$TA4" "$S4"; then
		not_ok "T1's request fails at step 1: ENOMEM, no memory for the reply" "$XF_OUT"
	elif [[ $XF_ERR == *"out of memory for the reply"* &&
		$XF_ERR == *"Cannot allocate memory"* ]]; then
		ok "T1's request fails at step 1: ENOMEM, no memory for the reply"
	else
		not_ok "T1's request fails at step 1: ENOMEM, no memory for the reply" "$XF_ERR"
	fi
	a1=$(xf_sorted_dump "$T1")
	if xf_dumps_full && [ "$b1" = "$a1" ] && [ "$(xf_fail_step_armed "$T1")" = 0 ]; then
		ok "the failed request changed nothing in T1 and consumed its fail_step"
	else
		not_ok "the failed request changed nothing in T1 and consumed its fail_step" \
			${XF_EMPTY:+"$XF_EMPTY"} "T1 armed: $(xf_fail_step_armed "$T1")" \
			"$(diff <(echo "$b1") <(echo "$a1") | head -20)"
	fi
	if xf_migrate "$T1" "$TB4" "$S4" "$TA4" "$S4" && [ "$(xf_jget states)" = 2 ] &&
		xf_migrate "$T1" "$TA4" "$S4" "$TB4" "$S4"; then
		ok "T1's next requests succeed"
	else
		not_ok "T1's next requests succeed" "$XF_OUT $XF_ERR"
	fi
else
	skip "fail_step is per netns" "no $XF_FAIL_STEP: not the test flavour"
fi

# migrations racing with the deletion of their netns
NS_T=$T2 NS_S=$S2
(
	for i in 1 2 3 4 5 6; do
		"$ESPMOB" -n "$T1" migrate from "$TB4" "$S4" to "$TA4" "$S4" >/dev/null 2>&1
		"$ESPMOB" -n "$T1" migrate from "$TA4" "$S4" to "$TB4" "$S4" >/dev/null 2>&1
	done
) &
racer=$!
"$IP" netns del "$T1"
wait "$racer"
xf_move_t b
if xf_migrate_both "$TA4" "$S4" "$TB4" "$S4" && [ "$(xf_jget states)" = 2 ]; then
	ok "copy 2 migrates normally after copy 1's netns went away mid-migration"
else
	not_ok "copy 2 migrates normally after copy 1's netns went away mid-migration" "$XF_OUT $XF_ERR"
fi
tap_finish
