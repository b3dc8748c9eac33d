#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# charon_bridge.sh: `espmob vici` against a scripted charon
# (selftests/charon/fake_vici.py), with the SAs and policies a terminal's
# charon would have installed (ip xfrm), so that the bridge's own path is
# checked deterministically: ike-update -> one MIGRATE with the CHILD_SA's
# SPIs and reqid; UDP encapsulation added when charon reports a NAT and
# removed when it no longer does; another peer's SAs untouched; and a
# charon that sends a malformed message, hangs up inside a segment or
# announces an oversized one ends the bridge with a message, status 1.
# (charon_mobike.sh runs the real charon, where charon races the bridge.)
set -u
. "$(dirname "$0")/lib.sh"

require_root
require_module
require_cmd python3
[ -x "$ESPMOB" ] || skip_all "espmob not built ($ESPMOB)"

L1=192.0.2.10 L2=192.0.2.20 L3=192.0.2.30 L4=192.0.2.40 R=192.0.2.1
OTHER=192.0.2.99 SPI_IN=0xc0000001 SPI_OUT=0xc0000002 REQID=7
DIR=$(mktemp -d /tmp/charon_bridge.XXXXXX)
at_exit "rm -rf $DIR"
SOCK=$DIR/charon.vici

ns_new N vici
KEYS="auth-trunc hmac(sha256) 0x$(printf '%064d' 7) 128 enc cbc(aes) 0x$(printf '%032d' 9)"
sa() {	# SRC DST SPI REQID
	# shellcheck disable=SC2086
	"$IP" -n "$N" xfrm state add src "$1" dst "$2" proto esp spi "$3" \
		reqid "$4" mode tunnel $KEYS
}
pol() {	# DIR SRC_NET DST_NET TSRC TDST REQID
	"$IP" -n "$N" xfrm policy add src "$2" dst "$3" dir "$1" \
		tmpl src "$4" dst "$5" proto esp reqid "$6" mode tunnel
}
check "the terminal's SAs and policies, and another peer's" sh -e -c "
	$(declare -f sa pol); IP=$IP N=$N KEYS='$KEYS'
	sa $L1 $R $SPI_OUT $REQID; sa $R $L1 $SPI_IN $REQID
	pol out 10.1.0.1/32 10.2.0.1/32 $L1 $R $REQID
	pol in 10.2.0.1/32 10.1.0.1/32 $R $L1 $REQID
	pol fwd 10.2.0.1/32 10.1.0.1/32 $R $L1 $REQID
	sa $OTHER $R 0xd0000002 9; sa $R $OTHER 0xd0000001 9
	pol out 10.9.0.1/32 10.2.0.1/32 $OTHER $R 9"

mkfifo "$DIR/ctl"
python3 -S "$SELFTESTS/charon/fake_vici.py" "$SOCK" $SPI_IN $SPI_OUT $REQID \
	$L1 $R <"$DIR/ctl" >"$DIR/fake.log" 2>&1 &
fake=$!
exec 9>"$DIR/ctl"
at_exit "exec 9>&-; kill $fake 2>/dev/null"
wait_for 30 grep -q listening "$DIR/fake.log" ||
	not_ok "fake charon listening" "$(cat "$DIR/fake.log")"

bridge_pid=
bridge() {	# LOG
	ns_exec "$N" "$ESPMOB" vici socket "$SOCK" >"$1" 2>&1 &
	bridge_pid=$!
	at_exit "kill $bridge_pid 2>/dev/null"
	wait_for 30 grep -q following "$1"
}
ctl() { echo "$*" >&9; }
states() { "$IP" -n "$N" xfrm state; }
policies() { "$IP" -n "$N" xfrm policy; }
# both SAs of the pair between LOCAL and R, and no longer at OLD
pair_at() {	# LOCAL OLD
	local s
	s=$(states)
	grep -q "src $1 dst $R" <<<"$s" && grep -q "src $R dst $1" <<<"$s" &&
		! grep -q "$2 " <<<"$s"
}

if bridge "$DIR/bridge1.log" &&
   grep -q "following 1 IKE_SAs with 1 CHILD_SAs" "$DIR/bridge1.log"; then
	ok "the bridge lists charon's IKE_SA and CHILD_SA"
else
	not_ok "the bridge lists charon's IKE_SA and CHILD_SA" \
		"$(cat "$DIR/bridge1.log")"
fi

ctl update $L2 $R no
if wait_for 30 grep -q "ike-update mob\[1\] $L1..$R -> $L2..$R: migrated 2 states, 3 policies" \
	"$DIR/bridge1.log"; then
	ok "ike-update: one MIGRATE, 2 states and 3 policies"
else
	not_ok "ike-update: one MIGRATE, 2 states and 3 policies" \
		"$(cat "$DIR/bridge1.log")"
fi
check "SAs at the new address" pair_at $L2 $L1
check "policy templates at the new address" sh -c \
	"! $IP -n $N xfrm policy | grep -q 'src $L1 dst\|dst $L1'"
check "the other peer's SAs untouched" sh -c \
	"$IP -n $N xfrm state | grep -q 'src $OTHER dst $R' &&
	 $IP -n $N xfrm policy | grep -q 'tmpl src $OTHER'"

ctl update $L3 $R yes
if wait_for 30 grep -q "$L2..$R -> $L3..$R: migrated 2 states" "$DIR/bridge1.log" &&
   [ "$(states | grep -c 'encap type espinudp sport 4500 dport 4500')" -eq 2 ]; then
	ok "behind a NAT: encap espinudp 4500 4500 on both SAs"
else
	not_ok "behind a NAT: encap espinudp 4500 4500 on both SAs" \
		"$(tail -3 "$DIR/bridge1.log")" "$(states)"
fi
ctl update $L4 $R no
if wait_for 30 grep -q "$L3..$R -> $L4..$R: migrated 2 states" "$DIR/bridge1.log" &&
   pair_at $L4 $L3 && ! states | grep -q "encap type espinudp sport 4500"; then
	ok "out of the NAT: encapsulation removed"
else
	not_ok "out of the NAT: encapsulation removed" \
		"$(tail -3 "$DIR/bridge1.log")" "$(states)"
fi
ctl update $L4 $R no
if wait_for 30 grep -q "$L4..$R -> $L4..$R: addresses unchanged" "$DIR/bridge1.log"; then
	ok "ike-update without address change: nothing sent"
else
	not_ok "ike-update without address change: nothing sent" \
		"$(tail -3 "$DIR/bridge1.log")"
fi

# A charon gone bad: the bridge ends, status 1, with a message.
bad_peer() {	# WHAT MESSAGE LOG
	local rc
	ctl "$1"
	if wait_for 30 _gone "$bridge_pid"; then
		wait "$bridge_pid"
		rc=$?
	else
		rc=timeout
	fi
	if [ "$rc" = 1 ] && grep -q "$2" "$3"; then
		ok "$1: bridge exits 1 ($(grep -o "$2.*" "$3" | head -1))"
	else
		not_ok "$1: bridge exits 1 with \"$2\"" "status $rc" "$(tail -3 "$3")"
	fi
}
_gone() { ! kill -0 "$1" 2>/dev/null; }
bad_peer garbage "malformed EVENT packet" "$DIR/bridge1.log"
bridge "$DIR/bridge2.log"
bad_peer cut "connection closed inside a segment" "$DIR/bridge2.log"
bridge "$DIR/bridge3.log"
bad_peer huge "refusing a segment of 1048576 bytes" "$DIR/bridge3.log"

stats=$(ns_exec "$N" "$ESPMOB" -j stats)
diag "module: $stats"
check "three migrations committed" grep -q '"migrations":3' <<<"$stats"
ctl quit
tap_finish
