#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_audit.sh: a migration leaves the audit trail xfrm_user's own
# requests leave. With auditing on (as auditd would switch it on; the
# test reads the records from the audit read-log group and restores the
# setting afterwards), moving T's tunnel CHILD SA (2 SAs, 3 policies)
# from link A to link B records an SAD-add for each SA at the new
# addresses, an SAD-delete for each old one (once its grace period has
# passed), and an SPD-delete and SPD-add for each policy, all with res=1.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
xf_require_migrate

audit() { "$XF_PY" -S "$XF_PCAP/audit_log.py" "$@"; }
was=$(audit status 2>&1)
[[ $was =~ ^[01]$ ]] || skip_all "no audit netlink here: $was"

LOG=$XF_TMP/audit
"$XF_PY" -S "$XF_PCAP/audit_log.py" listen "$LOG" "$LOG.ready" &
listener=$!
at_exit 'kill $listener 2>/dev/null; wait $listener 2>/dev/null'
if ! wait_for 30 test -e "$LOG.ready"; then
	not_ok "audit listener ready"
	tap_finish
fi

if ! xf_topo || ! xf_tunnel 4; then
	not_ok "setup"
	tap_finish
fi
# the setup's own records (xfrm_user's: 4 SAs and 6 policies on both
# ends) come through kauditd asynchronously: count from after them
setup_logged() {
	[ "$(grep -c 'op=SAD-add' "$LOG")" -ge 4 ] && [ "$(grep -c 'op=SPD-add' "$LOG")" -ge 6 ]
}
wait_for 30 setup_logged || diag "the setup's records did not all arrive: $(grep -c . "$LOG")"
n0=$(wc -l <"$LOG")
xf_move_t b
if ! xf_migrate "$NS_T" "$TA4" "$S4" "$TB4" "$S4"; then
	not_ok "T migrates" "$XF_ERR"
	tap_finish
fi

# records OP REGEX: the migration's records of OP matching REGEX
records() { tail -n +$((n0 + 1)) "$LOG" | grep -E "op=$1 .*${2-}.* res=1" | grep -c .; }
sad_add="src=$TB4 dst=$S4 spi=4097\(0x1001\)|src=$S4 dst=$TB4 spi=8193\(0x2001\)"
sad_del="src=$TA4 dst=$S4 spi=4097\(0x1001\)|src=$S4 dst=$TA4 spi=8193\(0x2001\)"
all_there() {
	[ "$(records SAD-add "$sad_add")" = 2 ] && [ "$(records SAD-delete "$sad_del")" = 2 ] &&
		[ "$(records SPD-add)" = 3 ] && [ "$(records SPD-delete)" = 3 ]
}
wait_for 30 all_there
got="SAD-add $(records SAD-add "$sad_add"), SAD-delete $(records SAD-delete "$sad_del"), SPD-add $(records SPD-add), SPD-delete $(records SPD-delete)"
if all_there; then
	ok "audit: 2 SAD-add at the new addresses, 2 SAD-delete at the old, 3 SPD-delete and 3 SPD-add"
else
	not_ok "audit: 2 SAD-add at the new addresses, 2 SAD-delete at the old, 3 SPD-delete and 3 SPD-add" \
		"got $got" "$(tail -n +$((n0 + 1)) "$LOG" | head -20)"
fi
if [ "$(tail -n +$((n0 + 1)) "$LOG" | grep -c 'res=0')" = 0 ]; then
	ok "audit: no failed (res=0) record"
else
	not_ok "audit: no failed (res=0) record" "$(grep 'res=0' "$LOG" | head -5)"
fi

kill "$listener"
wait "$listener" 2>/dev/null
if [ "$(audit status)" = "$was" ]; then
	ok "auditing is back to how it was ($was)"
else
	not_ok "auditing is back to how it was ($was)" "now $(audit status)"
fi
tap_finish
