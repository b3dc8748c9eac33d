#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_transform.sh: a clone that keeps its SA's crypto transform
# (module/transform.c) encrypts and decrypts as the old SA did, a clone
# that cannot keep it builds its own, and nothing is freed too early or
# kept too long.
#
# One tunnel-mode CHILD SA (AES-GCM) between T and S:
#   - 10 migrations back and forth between T's two links: after each,
#     datagrams both ways are decrypted by the peer (its inbound SA counts
#     them), both modules count 2 kept transforms per migration, and no
#     AES-GCM transform was allocated (/proc/crypto's count is the one
#     with the 4 SAs installed, at once, not after a garbage collection);
#   - a failure at each fallible step of a migration (fail_step) leaves the
#     old SA working: the discarded clone must not take the transform with
#     it (the old SA keeps encrypting and decrypting afterwards);
#   - an outer family change (IPv4 -> IPv6 endpoints) builds new
#     transforms (no transform kept) and traffic flows, and back;
#   - after the SAs are flushed, the module is no longer in use (every
#     retired SA released its heir) and the number of rfc4106(gcm(aes))
#     transforms in /proc/crypto is 4 fewer than with the SAs installed.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
xf_require_migrate

MOVES=${MOVES:-10}
MAX_STEPS=${MAX_STEPS:-40}
BURST=20

# gcm_tfms: live rfc4106(gcm(aes)) transforms (the refcnt of every
# implementation of that algorithm in /proc/crypto)
gcm_tfms() {
	awk '/^name/ { n = ($3 == "rfc4106(gcm(aes))") }
		n && /^refcnt/ { s += $3 } END { print s + 0 }' /proc/crypto
}
mod_refs() { cat /sys/module/esp_mobility/refcnt; }

# flows TADDR SADDR: BURST datagrams each way; true when S's inbound SA
# and T's inbound SA both decrypted all of them
flows() {
	local t=$1 s=$2 in_s in_t
	in_s=$(xf_sa_packets "$NS_S" 0x1001 "$s")
	in_t=$(xf_sa_packets "$NS_T" 0x2001 "$t")
	xf_burst "$NS_T" "$SI4" 5001 $BURST
	xf_burst "$NS_S" "$TI4" 5002 $BURST
	wait_for 5 eval '[ "$(xf_sa_packets "$NS_S" 0x1001 "$s")" -ge $((in_s + BURST)) ] &&
		[ "$(xf_sa_packets "$NS_T" 0x2001 "$t")" -ge $((in_t + BURST)) ]'
}

kept() { xf_jget transforms_kept "$("$ESPMOB" -n "$1" -j stats)"; }

if ! xf_topo || ! xf_tunnel 4 reqid=1 esn=1 replay=64; then
	not_ok "setup"
	tap_finish
fi
# the 4 SAs' transforms (and the algorithm instance's own reference)
tfm_live=$(gcm_tfms)
if flows "$TA4" "$S4"; then
	ok "traffic before the migrations"
else
	not_ok "traffic before the migrations"
fi

# 1. back and forth, keeping the transforms
cur=$TA4 bad=()
for ((i = 1; i <= MOVES; i++)); do
	if [ "$XF_T_LINK" = a ]; then link=b new=$TB4; else link=a new=$TA4; fi
	if ! xf_move_t "$link" || ! xf_migrate_both "$cur" "$S4" "$new" "$S4"; then
		bad+=("move $i: $XF_ERR")
		break
	fi
	cur=$new
	flows "$cur" "$S4" || bad+=("move $i: traffic to $cur not decrypted")
done
if [ ${#bad[@]} = 0 ]; then
	ok "$MOVES migrations: traffic decrypts both ways after each"
else
	not_ok "$MOVES migrations: traffic decrypts both ways after each" "${bad[@]}"
fi
kt=$(kept "$NS_T") ks=$(kept "$NS_S")
if [ "$kt" = $((2 * MOVES)) ] && [ "$ks" = $((2 * MOVES)) ]; then
	ok "every migration kept both SAs' transforms (T $kt, S $ks)"
else
	not_ok "every migration kept both SAs' transforms" "T $kt S $ks, want $((2 * MOVES))"
fi
if [ "$(gcm_tfms)" = "$tfm_live" ]; then
	ok "no AES-GCM transform allocated by the migrations ($tfm_live live)"
else
	not_ok "no AES-GCM transform allocated by the migrations" "$tfm_live before, $(gcm_tfms) now"
fi

# 2. a failure at each step: the old SA keeps its transform
if xf_fail_step_available; then
	[ "$XF_T_LINK" = a ] && other=$TB4 || other=$TA4
	bad=() n=1 done=
	while [ $n -le "$MAX_STEPS" ]; do
		xf_fail_step "$NS_T" "$n"
		if xf_migrate "$NS_T" "$cur" "$S4" "$other" "$S4"; then
			done=$n
			xf_migrate "$NS_T" "$other" "$S4" "$cur" "$S4" ||
				bad+=("cannot migrate back: $XF_ERR")
			break
		fi
		flows "$cur" "$S4" || bad+=("step $n: traffic not decrypted after the rollback")
		n=$((n + 1))
	done
	xf_fail_step "$NS_T" 0
	if [ -n "$done" ] && [ ${#bad[@]} = 0 ] && flows "$cur" "$S4"; then
		ok "a failure at each of $((done - 1)) steps leaves the old SA encrypting and decrypting"
	else
		not_ok "a failure at each step leaves the old SA encrypting and decrypting" \
			"success at step ${done:-never}" "${bad[@]}"
	fi
else
	skip "a failure at each step leaves the old SA working" "no $XF_FAIL_STEP"
fi

# 3. an outer family change needs new transforms
k0=$(kept "$NS_T")
[ "$XF_T_LINK" = a ] && t6=$TA6 || t6=$TB6
# family_move NAME OLD_T OLD_S NEW_T NEW_S: migrate both ends; traffic
# must decrypt and T must not count a kept transform
family_move() {
	local name=$1
	shift
	if xf_migrate_both "$@" && flows "$3" "$4" &&
		[ "$(kept "$NS_T")" = "$k0" ]; then
		ok "$name endpoints: new transforms, traffic decrypts"
	else
		not_ok "$name endpoints: new transforms, traffic decrypts" \
			"$XF_ERR kept $k0 -> $(kept "$NS_T")"
	fi
}
family_move "IPv4 -> IPv6" "$cur" "$S4" "$t6" "$S6"
family_move "IPv6 -> IPv4" "$t6" "$S6" "$cur" "$S4"

# 4. nothing kept after the SAs are gone
"$IP" -n "$NS_T" xfrm state flush
"$IP" -n "$NS_S" xfrm state flush
if wait_for 30 eval '[ "$(mod_refs)" = 0 ]'; then
	ok "after a flush no retired SA holds the module"
else
	not_ok "after a flush no retired SA holds the module" "refcnt $(mod_refs)"
fi
if wait_for 30 eval '[ "$(gcm_tfms)" = $((tfm_live - 4)) ]'; then
	ok "after a flush the 4 SAs' AES-GCM transforms are freed"
else
	not_ok "after a flush the 4 SAs' AES-GCM transforms are freed" \
		"$tfm_live with the SAs, now $(gcm_tfms)"
fi
tap_finish
