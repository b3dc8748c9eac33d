#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_index.sh: the peer index (module/index.c) that requests naming
# endpoints only, or SPIs but no policies, read instead of walking the
# tables. Whatever changes the tables -- `ip xfrm` adding, updating,
# deleting and flushing states and policies, lifetimes running out,
# XFRM_MSG_MIGRATE, another namespace, the module's own migrations --
# a request must find exactly the peer's states and policies.
#
# T holds S's CHILD SA c1 (reqid 1, SPIs 0x1001/0x2001, out/in/fwd
# policies between TI and SI) and three other peers at 10.0.1.3-5 with
# the same reqid, from TI to 172.16.3.1-3. count() runs a dry run of each kind of
# request (endpoints only, the two SPIs, SPIs and the three policies by
# index) from TA4/S4 and compares the states and policies each reports:
#   1. after setup: 2 and 3 (the other peers, same reqid, not counted);
#   2. after UPDSA and UPDPOLICY of all of c1 (policies replaced by new
#      objects): 2 and 3;
#   3. the out policy updated to a template towards another peer: 2 and
#      2 (endpoints, SPIs); back: 2 and 3;
#   4. the inbound SA deleted: 1 and 3; the fwd policy deleted: 2 and 2;
#   5. a second CHILD SA (reqid 2) whose states and policies have a hard
#      lifetime of 6 s: 4 and 6, then, once the kernel expired them, 2
#      and 3;
#   6. `ip xfrm state flush proto comp` and `policy flush ptype sub`
#      (entries of other kinds flushed): 2 and 3, and the module counts
#      an index rebuild;
#   7. full flush: the endpoints request fails with ENOENT and "no ESP SA
#      between the old endpoints matches the request"; reinstalled: 2, 3;
#   8. a namespace X holding c1 with the same addresses and SPIs plus a
#      reqid 5 child: X counts 4 and 6, T still 2 and 3; X deleted, T
#      still 2 and 3;
#   9. real migrations of both ends, endpoints only (A -> B), SPIs only
#      (B -> A), named (A -> B): each reports 2 and 3, leaves nothing at
#      the old address, leaves the other peers' entries identical, and a
#      burst each way is decrypted on the new SAs; no index rebuild
#      happened since 7 (the clones and new policies were found through
#      the index the commits updated);
#  10. XFRM_MSG_MIGRATE of c1 on T from B back to A (out, in, fwd): the
#      three kinds of request from A find 2 and 3, the endpoints one
#      from B ENOENT, and the index followed without a rebuild (the
#      module's migrate callback filed the clones and the rewritten
#      policies); then an endpoints-only migration of T from A to B
#      leaves T's two SAs at B.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
xf_require_migrate

REBUILDS=/sys/module/esp_mobility/parameters/index_rebuilds
[ -r "$REBUILDS" ] || skip_all "esp_mobility has no peer index (no $REBUILDS)"
rebuilds() { cat "$REBUILDS"; }
rebuilt_since() { [ "$(rebuilds)" -gt "$1" ]; }

PEERS="10.0.1.3 10.0.1.4 10.0.1.5"

# C1: c1's xf_child arguments as seen from T at TA4
C1=(mode=tunnel local="$TA4" remote="$S4" lsel="$TI4/32" rsel="$SI4/32"
	spi_out=0x1001 spi_in=0x2001 reqid=1)

# others: the other peers of T (SPIs 0x3NNN/0x4NNN), at TA4
others() {
	local p k=0
	for p in $PEERS; do
		k=$((k + 1))
		xf_child "$NS_T" mode=tunnel local="$TA4" remote="$p" \
			lsel="$TI4/32" rsel="172.16.3.$k/32" spi_out=$((0x3000 + k)) \
			spi_in=$((0x4000 + k)) reqid=1 || return 1
	done
}

# pol_index NS SRC DST DIR: the index of T's policy SRC -> DST, DIR
pol_index() {
	"$IP" -s -n "$1" xfrm policy get src "$2" dst "$3" dir "$4" 2>/dev/null |
		sed -nE 's/.* index ([0-9]+) .*/\1/p'
}

# named_args NS: spi and policy arguments naming c1 on NS
named_args() {
	local o i f
	o=$(pol_index "$1" "$TI4/32" "$SI4/32" out)
	i=$(pol_index "$1" "$SI4/32" "$TI4/32" in)
	f=$(pol_index "$1" "$SI4/32" "$TI4/32" fwd)
	echo "spi 0x1001 spi 0x2001 policy index ${o:-0} dir out" \
		"policy index ${i:-0} dir in policy index ${f:-0} dir fwd"
}

# count NAME STATES POLICIES [NS [LOCAL]]: dry runs of the three kinds
# from LOCAL (TA4)/S4 in NS (T); the named one only when c1's three
# policies exist (POLICIES 3). One TAP line for all three.
count() {
	local name=$1 s=${2:-2} p=${3:-3} ns=${4:-$NS_T} l=${5:-$TA4} kind got=() bad=()
	local -a args
	for kind in endpoints spis named; do
		case $kind in
		endpoints) args=() ;;
		spis) args=(spi 0x1001 spi 0x2001) ;;
		named)
			[ "$p" = 3 ] || continue
			read -ra args <<<"$(named_args "$ns")" ;;
		esac
		local want_s=$s
		# an SPI request names both: one deleted, it is refused
		if [ "$kind" != endpoints ] && [ "$s" != 2 ]; then
			continue
		fi
		if xf_migrate "$ns" "$l" "$S4" "$TB4" "$S4" "${args[@]}" dry-run; then
			got+=("$kind $(xf_jget states)/$(xf_jget policies)")
			[ "$(xf_jget states)/$(xf_jget policies)" = "$want_s/$p" ] ||
				bad+=("$kind: $XF_OUT")
		else
			bad+=("$kind: $XF_ERR")
		fi
	done
	if [ ${#bad[@]} = 0 ]; then
		ok "$name: $s states, $p policies (${got[*]})"
	else
		not_ok "$name: $s states, $p policies" "${bad[@]}"
	fi
}

# refused NAME [NS [LOCAL NEW_LOCAL]]: the endpoints request finds nothing
refused() {
	local name=$1 ns=${2:-$NS_T} l=${3:-$TA4} nl=${4:-$TB4}
	if ! xf_migrate "$ns" "$l" "$S4" "$nl" "$S4" dry-run &&
		[[ $XF_ERR == *"no ESP SA between the old endpoints matches the request (No such file or directory)"* ]]; then
		ok "$name: nothing found (ENOENT)"
	else
		not_ok "$name: nothing found (ENOENT)" "out: $XF_OUT" "err: $XF_ERR"
	fi
}

# c1_sas NS LOCAL: how many of NS's SAs are between LOCAL and S4
c1_sas() {
	xf_count "$1" state "^src ($2 dst $S4|$S4 dst $2)( |\$)"
}

# others_dump NS: every SA and policy block naming another peer
others_dump() {
	xf_sorted_dump "$1" | awk '/^(src |---)/ { if (b != "") print b; b = $0; next }
		{ b = b " | " $0 } END { if (b != "") print b }' |
		grep -E '10\.0\.1\.[345]' | sed -E 's/ (index|use) [^ ]*//g' | sort
}

if ! xf_topo || ! xf_tunnel 4 || ! others; then
	not_ok "setup"
	tap_finish
fi

# 1
count "after setup"

# 2: ip xfrm state/policy update of every entry of c1
_xf_child_cmds add "${C1[@]}" |
	sed -E 's/^xfrm (state|policy) add /xfrm \1 update /' |
	"$IP" -n "$NS_T" -batch - || diag "update failed"
count "after UPDSA and UPDPOLICY"

# 3: the out policy's template towards another peer, and back
"$IP" -n "$NS_T" xfrm policy update src "$TI4/32" dst "$SI4/32" dir out \
	tmpl src "$TA4" dst 10.0.1.3 proto esp reqid 1 mode tunnel
count "out policy updated to another peer's template" 2 2
"$IP" -n "$NS_T" xfrm policy update src "$TI4/32" dst "$SI4/32" dir out \
	tmpl src "$TA4" dst "$S4" proto esp reqid 1 mode tunnel
count "out policy updated back" 2 3

# 4: deletions
"$IP" -n "$NS_T" xfrm state delete src "$S4" dst "$TA4" proto esp spi 0x2001
count "inbound SA deleted" 1 3
"$IP" -n "$NS_T" -batch - <<<"$(_xf_child_cmds add "${C1[@]}" |
	grep "state add src $S4 ")"
"$IP" -n "$NS_T" xfrm policy delete src "$SI4/32" dst "$TI4/32" dir fwd
count "fwd policy deleted" 2 2
"$IP" -n "$NS_T" xfrm policy add src "$SI4/32" dst "$TI4/32" dir fwd \
	tmpl src "$S4" dst "$TA4" proto esp reqid 1 mode tunnel
count "fwd policy back" 2 3

# 5: a second CHILD SA whose lifetimes run out
_xf_child_cmds add mode=tunnel local="$TA4" remote="$S4" lsel="$TI4/32" \
	rsel="$SI4/32" proto=udp lport=6000 rport=7000 spi_out=0x1002 \
	spi_in=0x2002 reqid=2 |
	sed -E '/^xfrm state/s/$/ limit time-hard 6/; s/ tmpl / limit time-hard 6 tmpl /' |
	"$IP" -n "$NS_T" -batch - || diag "reqid 2 child not installed"
gone2() {
	! "$IP" -n "$NS_T" xfrm state | grep -q "spi 0x00001002" &&
		! "$IP" -n "$NS_T" xfrm policy | grep -q "reqid 2"
}
xf_migrate "$NS_T" "$TA4" "$S4" "$TB4" "$S4" dry-run
before=$(xf_jget states)/$(xf_jget policies)
if ! wait_for 40 gone2; then
	not_ok "reqid 2 child expired" "$("$IP" -n "$NS_T" xfrm state | grep -c spi)"
elif [ "$before" = 4/6 ]; then
	ok "reqid 2 child counted (4 states, 6 policies), then expired"
else
	not_ok "reqid 2 child counted (4 states, 6 policies), then expired" \
		"before expiry: $before"
fi
count "after the expiry"

# 6: flushes of other kinds of entries
r=$(rebuilds)
"$IP" -n "$NS_T" xfrm state add src "$TA4" dst "$S4" proto comp spi 0x77 \
	comp deflate 2>/dev/null || diag "no IPComp state (no ipcomp module?)"
"$IP" -n "$NS_T" xfrm policy add src 192.0.2.1/32 dst 192.0.2.2/32 dir out \
	ptype sub tmpl src "$TA4" dst "$S4" proto esp reqid 1 mode tunnel
"$IP" -n "$NS_T" xfrm state flush proto comp
"$IP" -n "$NS_T" xfrm policy flush ptype sub
count "after flushing IPComp states and sub policies"
if wait_for 10 rebuilt_since "$r"; then
	ok "a flush makes the index rebuild"
else
	not_ok "a flush makes the index rebuild" "index_rebuilds $r -> $(rebuilds)"
fi

# 7: everything flushed, then installed again
"$IP" -n "$NS_T" xfrm state flush
"$IP" -n "$NS_T" xfrm policy flush
refused "after a full flush"
rm -f "$XF_TMP/children.$NS_T"
if xf_child "$NS_T" "${C1[@]}" && others; then
	count "installed again"
else
	not_ok "installed again" "setup failed"
fi

# 8: another namespace with the same addresses and SPIs
ns_new NS_X other || not_ok "namespace X"
if ! xf_child "$NS_X" "${C1[@]}" ||
	! xf_child "$NS_X" mode=tunnel local="$TA4" remote="$S4" lsel="$TI4/32" \
		rsel="$SI4/32" proto=tcp spi_out=0x1005 spi_in=0x2005 reqid=5; then
	diag "X not set up"
fi
count "namespace X" 4 6 "$NS_X"
count "T beside X"
"$IP" netns del "$NS_X"
count "T after X is deleted"

# 9: real migrations of both ends, one of each kind
r=$(rebuilds)
others_before=$(others_dump "$NS_T")
# move KIND FROM_LINK TO_LINK
move() {
	local kind=$1 from=$2 to=$3 ot nt args=()
	ot=$(xf_taddr "$from" 4) nt=$(xf_taddr "$to" 4)
	case $kind in
	spis) args=(spi 0x1001 spi 0x2001) ;;
	named) read -ra args <<<"$(named_args "$NS_T")" ;;
	esac
	xf_move_t "$to"
	if ! xf_migrate "$NS_T" "$ot" "$S4" "$nt" "$S4" "${args[@]}" ||
		[ "$(xf_jget states)/$(xf_jget policies)" != 2/3 ]; then
		not_ok "$kind: T from $ot to $nt: 2 states, 3 policies" "$XF_OUT $XF_ERR"
		return
	fi
	if ! xf_migrate "$NS_S" "$S4" "$ot" "$S4" "$nt" ||
		[ "$(xf_jget states)/$(xf_jget policies)" != 2/3 ]; then
		not_ok "$kind: S from $ot to $nt: 2 states, 3 policies" "$XF_OUT $XF_ERR"
		return
	fi
	ok "$kind: both ends from $ot to $nt: 2 states, 3 policies each"
	if [ "$(c1_sas "$NS_T" "$ot")" = 0 ] &&
		[ "$(c1_sas "$NS_T" "$nt")" = 2 ] &&
		[ "$(others_dump "$NS_T")" = "$others_before" ]; then
		ok "$kind: T's SAs at $nt, none at $ot, other peers untouched"
	else
		not_ok "$kind: T's SAs at $nt, none at $ot, other peers untouched" \
			"$("$IP" -n "$NS_T" xfrm state | grep '^src')" \
			"$(diff <(echo "$others_before") <(others_dump "$NS_T") | head -20)"
	fi
	local pt ps
	pt=$(xf_sa_packets "$NS_T" 0x2001 "$nt") ps=$(xf_sa_packets "$NS_S" 0x1001 "$S4")
	xf_burst "$NS_S" "$TI4" 5001 5
	xf_burst "$NS_T" "$SI4" 5002 5
	if [ "$(xf_sa_packets "$NS_T" 0x2001 "$nt")" -ge $((pt + 5)) ] &&
		[ "$(xf_sa_packets "$NS_S" 0x1001 "$S4")" -ge $((ps + 5)) ]; then
		ok "$kind: traffic decrypted both ways on the moved SAs"
	else
		not_ok "$kind: traffic decrypted both ways on the moved SAs" \
			"T got $pt -> $(xf_sa_packets "$NS_T" 0x2001 "$nt")," \
			"S got $ps -> $(xf_sa_packets "$NS_S" 0x1001 "$S4")"
	fi
}
move endpoints a b
move spis b a
move named a b
if [ "$(rebuilds)" = "$r" ]; then
	ok "no index rebuild during the migrations ($r)"
else
	not_ok "no index rebuild during the migrations" "index_rebuilds $r -> $(rebuilds)"
fi

# 10: XFRM_MSG_MIGRATE moves c1 on T from B back to A
r=$(rebuilds)
mig_ok=1
for d in "out $TI4 $SI4 $TB4 $S4 $TA4 $S4" "in $SI4 $TI4 $S4 $TB4 $S4 $TA4" \
	"fwd $SI4 $TI4 $S4 $TB4 $S4 $TA4"; do
	# shellcheck disable=SC2086
	out=$("$IP" netns exec "$NS_T" "$XF_PY" -S "$XF_PCAP/xfrm_migrate.py" $d 1 2>&1) ||
		{ mig_ok=0; diag "XFRM_MSG_MIGRATE $d: $out"; }
done
if [ $mig_ok = 1 ] && [ "$(c1_sas "$NS_T" "$TA4")" = 2 ]; then
	ok "XFRM_MSG_MIGRATE moved c1 on T to $TA4"
else
	not_ok "XFRM_MSG_MIGRATE moved c1 on T to $TA4" "$("$IP" -n "$NS_T" xfrm state | grep '^src')"
fi
count "after XFRM_MSG_MIGRATE, from $TA4" 2 3
refused "after XFRM_MSG_MIGRATE, from $TB4" "$NS_T" "$TB4" "$TA4"
if [ "$(rebuilds)" = "$r" ]; then
	ok "the index followed XFRM_MSG_MIGRATE without a rebuild"
else
	not_ok "the index followed XFRM_MSG_MIGRATE without a rebuild" \
		"index_rebuilds $r -> $(rebuilds)"
fi
if xf_migrate "$NS_T" "$TA4" "$S4" "$TB4" "$S4" &&
	[ "$(xf_jget states)/$(xf_jget policies)" = 2/3 ] &&
	[ "$(c1_sas "$NS_T" "$TA4")" = 0 ] &&
	[ "$(c1_sas "$NS_T" "$TB4")" = 2 ]; then
	ok "then an endpoints-only migration moves both SAs to $TB4"
else
	not_ok "then an endpoints-only migration moves both SAs to $TB4" "$XF_OUT $XF_ERR"
fi

tap_finish
