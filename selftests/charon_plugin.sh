#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftest-timeout: 1200
#
# charon_plugin.sh: two real charons (Debian's 5.9.8) with the esp-mobility
# plugin, MOBIKE in tunnel mode, a UDP stream from the server to the
# terminal, and the terminal's address moved. Checks that each move is one
# ESPMOB_CMD_MIGRATE per side and nothing of charon's own update reaches
# the kernel (`ip xfrm monitor` stays silent: no SA or policy message, no
# ACQUIRE), the wire (no (SPI, seq) twice, no cleartext), and that
# kernel-netlink's policy cache stayed right: a CHILD_SA rekey, a second
# move, a move back, a CHILD_SA delete and an IKE_SA delete all work and
# leave exactly the kernel state they should. Last, with the module
# unloaded, the plugin falls back to charon's own update and says so.
#
#   netns T (terminal)                               netns S (server)
#   lo 10.1.0.1  t0 192.0.2.10 -> .20 -> .30 -> .10 ==veth== s0 192.0.2.1  lo 10.2.0.1
#                   (PLUGIN_MOVE6: .30 is 2001:db8:1::30)         2001:db8:1::1
#
# Environment: CHARON_LOG_DIR keeps charon's logs (default: vm-run's VM_OUT);
# MOBIKE_ENCAP=yes makes both charons encapsulate ESP in UDP;
# PLUGIN_CHILDREN=N gives the IKE_SA N tunnel CHILD_SAs (net, net2, ...,
# between 10.1.0.K and 10.2.0.K), all moved by one MIGRATE per side;
# PLUGIN_IPCOMP=yes adds an IPComp CHILD_SA (comp, 10.1.0.100 - 10.2.0.100),
# which the module refuses: the plugin leaves it to charon's own update,
# so the xfrm monitors may only show messages about that one;
# PLUGIN_MODE=stock runs the same script with charon alone: the plugin's
# properties are then printed, not checked, and when both runs' figures
# are in the same results directory the second run prints them side by
# side (SA updates charon logged, xfrm monitor messages, ACQUIREs, stream
# loss, duplicates and cleartext on the wire, per move).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/charon_lib.sh"

require_root
require_module
require_cmd python3 tcpdump ping
charon_require
MODE=${PLUGIN_MODE:-plugin}	# or stock: the same run with charon alone
if [ "$MODE" = plugin ]; then
	export CHARON_PLUGIN=${CHARON_PLUGIN:-$TOP/build/plugin/libstrongswan-esp-mobility.so}
	[ -f "$CHARON_PLUGIN" ] || skip_all "plugin not built ($CHARON_PLUGIN)"
else
	unset CHARON_PLUGIN
fi
[ -x "$ESPMOB" ] || skip_all "espmob not built ($ESPMOB)"

OUT=${VM_OUT:-$CHARON_DIR}/charon_plugin${PLUGIN_TAG:+-$PLUGIN_TAG}-$MODE
mkdir -p "$OUT"

# The plugin's own properties: checks with the plugin; with charon alone
# (PLUGIN_MODE=stock) the same observations are printed, not counted.
prop() {	# NAME STATUS [WHY]...
	local name=$1 st=$2
	shift 2
	if [ "$MODE" = stock ]; then
		diag "charon alone: $name: $([ "$st" = 0 ] && echo yes || echo no)"
	elif [ "$st" = 0 ]; then
		ok "$name"
	else
		not_ok "$name" "$@"
	fi
}
# figure TAG KEY VALUE: one number of this run, for the side-by-side table
figure() { echo "$1 $2 $3" >>"$OUT/figures"; }
: >"$OUT/figures"
export CHARON_LOG_DIR=${CHARON_LOG_DIR:-$OUT}
PCAP=$SELFTESTS/pcap
T_OLD=192.0.2.10 S_ADDR=192.0.2.1 S_ADDR6=2001:db8:1::1
# the second move's address: IPv6 with PLUGIN_MOVE6=yes (tunnel mode
# across families: the server advertises its IPv6 address over MOBIKE)
MOVE2=192.0.2.30
[ "${PLUGIN_MOVE6:-no}" = yes ] && MOVE2=2001:db8:1::30
T_IN=10.1.0.1 S_IN=10.2.0.1 PORT=5001
T_ADDR=$T_OLD	# the terminal's current address
NCHILD=${PLUGIN_CHILDREN:-1}
IPCOMP=${PLUGIN_IPCOMP:-no}
CHILDREN=(net) T_NETS=("$T_IN") S_NETS=("$S_IN")
for ((k = 2; k <= NCHILD; k++)); do
	CHILDREN+=("net$k") T_NETS+=("10.1.0.$k") S_NETS+=("10.2.0.$k")
done
if [ "$IPCOMP" = yes ]; then
	CHILDREN+=(comp) T_NETS+=(10.1.0.100) S_NETS+=(10.2.0.100)
fi
NALL=${#CHILDREN[@]}	# ESP SAs: 2 per CHILD_SA, policies: 3 per CHILD_SA
diag "CHILD_SAs: ${CHILDREN[*]}; ESP in UDP: ${MOBIKE_ENCAP:-no}"

ns_new T term
ns_new S srv
ns_exec "$T" sysctl -qw net.ipv4.conf.default.promote_secondaries=1
topology() {
	local k
	"$IP" link add t0 netns "$T" type veth peer name s0 netns "$S" &&
	"$IP" -n "$T" addr add "$T_OLD/24" dev t0 &&
	"$IP" -n "$T" link set t0 up &&
	"$IP" -n "$S" addr add "$S_ADDR/24" dev s0 &&
	"$IP" -n "$S" addr add "$S_ADDR6/64" dev s0 nodad &&
	"$IP" -n "$S" link set s0 up || return 1
	for k in "${!CHILDREN[@]}"; do
		"$IP" -n "$T" addr add "${T_NETS[k]}/32" dev lo &&
		"$IP" -n "$S" addr add "${S_NETS[k]}/32" dev lo &&
		"$IP" -n "$S" route add "${T_NETS[k]}/32" dev s0 src "${S_NETS[k]}" ||
			return 1
	done
	inner_routes
}
# The terminal's routes into the tunnels. The kernel drops them with the
# last IPv4 address of t0 (the move to IPv6): set again after each move.
inner_routes() {
	local k
	for k in "${!CHILDREN[@]}"; do
		"$IP" -n "$T" route replace "${S_NETS[k]}/32" dev t0 \
			src "${T_NETS[k]}" || return 1
	done
}
check "veth pair and addresses" topology

# swanctl.conf: "net" plus the other CHILD_SAs, each side its own view
more_children() {	# SIDE: t or s
	local k
	for ((k = 1; k < NALL; k++)); do
		if [ "$1" = t ]; then
			echo "${CHILDREN[k]} ${T_NETS[k]}/32 ${S_NETS[k]}/32 \
				$([ "${CHILDREN[k]}" = comp ] && echo ipcomp=yes)"
		else
			echo "${CHILDREN[k]} ${S_NETS[k]}/32 ${T_NETS[k]}/32 \
				$([ "${CHILDREN[k]}" = comp ] && echo ipcomp=yes)"
		fi
	done
}
extra=()
[ "${MOBIKE_ENCAP:-no}" = yes ] && extra=(encap=yes)
CHARON_MORE_CHILDREN=$(more_children t) \
	charon_mobike_conf term %any "$S_ADDR" "$T_IN/32" "$S_IN/32" \
	terminal server "${extra[@]}"
CHARON_MORE_CHILDREN=$(more_children s) \
	charon_mobike_conf srv "$S_ADDR" %any "$S_IN/32" "$T_IN/32" \
	server terminal "${extra[@]}"
charon_pair_start "$T" "$S"
TLOG=$(charon_log term) SLOG=$(charon_log srv)
wraps() { grep -q "esp-mobility: wrapping kernel-netlink" "$1"; }
wait_for 10 eval 'wraps "$TLOG" && wraps "$SLOG"'
prop "both charons took the plugin as their kernel-ipsec" $? \
	"$(grep -h "esp-mobility\|kernel-ipsec" "$TLOG" "$SLOG")"
check "connections and PSK loaded (term)" charon_load term
check "connections and PSK loaded (srv)" charon_load srv

# --- helpers ---------------------------------------------------------------

migrations() {
	ns_exec "$1" "$ESPMOB" -j stats |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["migrations"])'
}
count_in() { grep -c -- "$2" "$1"; }
# ping through every CHILD_SA, both ways
pings() {
	local k
	for k in "${!CHILDREN[@]}"; do
		ns_exec "$T" ping -q -c 2 -i 0.3 -w 15 -I "${T_NETS[k]}" \
			"${S_NETS[k]}" >/dev/null &&
		ns_exec "$S" ping -q -c 2 -i 0.3 -w 15 -I "${S_NETS[k]}" \
			"${T_NETS[k]}" >/dev/null ||
			{ echo "no ping through ${CHILDREN[k]}"; ping_diag; return 1; } >&2
	done
}
# where a failed ping went: routes, non-zero XFRM error counters
ping_diag() {
	local ns
	for ns in "$T" "$S"; do
		echo "${ns%%-*}: $("$IP" -n "$ns" route | tr '\n' ';')"
		echo "${ns%%-*}: $(ns_exec "$ns" awk '$2 != 0' /proc/net/xfrm_stat | tr -s ' \n' ' ')"
	done
}
# initiate every CHILD_SA (the first one brings up the IKE_SA)
initiate_all() {
	local c
	for c in "${CHILDREN[@]}"; do
		charon_swanctl term --initiate --child "$c" --ike mob || return 1
	done
	wait_for 30 eval '[ "$(charon_swanctl srv --list-sas 2>/dev/null |
		grep -c "INSTALLED, TUNNEL")" -eq $NALL ]'
}
# No migration of NS still has old states waiting for deletion.
retired() {
	[ -d /sys/module/esp_mobility ] || return 0
	[ "$(ns_exec "$1" "$ESPMOB" -j stats |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["retiring"])')" = 0 ]
}
# NS holds $3 ESP SAs and $4 policies (socket policies aside), every SA
# and policy template between the terminal's address $2 and the server's.
tables() {
	local ns=$1 addr=$2 nsa=$3 npol=$4 s p pair srv=$S_ADDR
	[[ $addr == *:* ]] && srv=$S_ADDR6
	wait_for 30 retired "$ns"
	s=$("$IP" -n "$ns" xfrm state)
	p=$("$IP" -n "$ns" xfrm policy)
	[ "$(grep -c 'proto esp' <<<"$s")" -eq "$nsa" ] &&
	[ "$(grep -cE '^\s+dir (in|out|fwd)' <<<"$p")" -eq "$npol" ] || {
		echo "want $nsa ESP SAs, $npol policies:"; echo "$s"; echo "$p"
		return 1; } >&2
	while read -r pair; do
		case $pair in
		"src $addr dst $srv" | "src $srv dst $addr") ;;
		*) { echo "unexpected $pair:"; echo "$s"; echo "$p"; } >&2
		   return 1 ;;
		esac
	done < <(grep -oE 'src [0-9a-f.:]+ dst [0-9a-f.:]+' <<<"$s$p" |
		grep -vE 'src (0\.0\.0\.0|::) ')
}
empty_tables() {
	[ -z "$("$IP" -n "$1" xfrm state)" ] &&
	! "$IP" -n "$1" xfrm policy | grep -qE '^\s+dir (in|out|fwd)'
}
sees() { charon_swanctl "$1" --list-sas 2>/dev/null | grep -q "$2"; }

# xfrm monitors in both namespaces, for one phase: every XFRM message
# but the kernel's replay and timer events (aevent)
monitor_start() {
	"$IP" -n "$T" xfrm monitor acquire expire SA policy report \
		>"$OUT/mon-$1-term" 2>&1 &
	mon_t=$!
	"$IP" -n "$S" xfrm monitor acquire expire SA policy report \
		>"$OUT/mon-$1-srv" 2>&1 &
	mon_s=$!
	at_exit "kill $mon_t $mon_s 2>/dev/null"
	sleep 0.5	# the monitors subscribe before anything happens
}
# The messages of a monitor file that are not about the IPComp CHILD_SA
# (which charon updates itself): one message per block, a block starting
# at an unindented line.
monitor_foreign() {
	local f=$1 ns=$T reqid=none
	[ "$2" = srv ] && ns=$S
	if [ "$IPCOMP" = yes ]; then
		reqid=$("$IP" -n "$ns" xfrm state | awk '$2 == "comp" { print $6; exit }')
	fi
	python3 - "$f" "$IPCOMP" "${reqid:-none}" <<'PY'
import re, sys
path, ipcomp, reqid = sys.argv[1:]
blocks, cur = [], []
for line in open(path):
    if line.strip() and not line[0].isspace() and cur:
        blocks.append(cur)
        cur = []
    if line.strip():
        cur.append(line)
if cur:
    blocks.append(cur)
for b in blocks:
    text = "".join(b)
    if ipcomp == "yes" and ("10.1.0.100" in text or "10.2.0.100" in text or
                            re.search(r"reqid %s( |$)" % reqid, text, re.M)):
        continue
    sys.stdout.write(text)
PY
}
monitor_stop() {
	kill "$mon_t" "$mon_s" 2>/dev/null
	wait "$mon_t" "$mon_s" 2>/dev/null
}

plen() { if [[ $1 == *:* ]]; then echo 64; else echo 24; fi; }

# move_to ADDR: the terminal takes ADDR and drops its current address;
# waits until both charons have updated their CHILD_SA (the plugin's or
# charon's own update) and see the new address.
move_to() {
	local new=$1 t_upd s_upd
	t_upd=$(count_in "$TLOG" "UPDATING => INSTALLED")
	s_upd=$(count_in "$SLOG" "UPDATING => INSTALLED")
	# shellcheck disable=SC2046 # no DAD wait for an IPv6 address
	ns_exec "$T" "$IP" addr add "$new/$(plen "$new")" dev t0 \
		$([[ $new == *:* ]] && echo nodad)
	ns_exec "$T" "$IP" addr del "$T_ADDR/$(plen "$T_ADDR")" dev t0
	inner_routes
	T_ADDR=$new
	wait_for 60 eval '[ "$(count_in "$TLOG" "UPDATING => INSTALLED")" -ge $((t_upd + NALL)) ]' &&
	wait_for 60 eval '[ "$(count_in "$SLOG" "UPDATING => INSTALLED")" -ge $((s_upd + NALL)) ]' &&
	wait_for 30 sees term "$new" && wait_for 30 sees srv "$new"
}

# One move: name, new address, then the checks.
plugin_move() {
	local tag=$1 new=$2 tm=0 sm=0 tmoved smoved tsad ssad side f n st
	[ "$MODE" = plugin ] && tm=$(migrations "$T") sm=$(migrations "$S")
	tmoved=$(count_in "$TLOG" "esp-mobility: moved")
	smoved=$(count_in "$SLOG" "esp-mobility: moved")
	tsad=$(count_in "$TLOG" "updating SAD entry")
	ssad=$(count_in "$SLOG" "updating SAD entry")
	monitor_start "$tag"
	if move_to "$new"; then
		ok "$tag: both charons follow the terminal to $new"
	else
		not_ok "$tag: both charons follow the terminal to $new" \
			"$(tail -30 "$TLOG")" "$(tail -30 "$SLOG")"
	fi
	monitor_stop
	[ "$(count_in "$TLOG" "esp-mobility: moved")" -eq $((tmoved + 1)) ] &&
	[ "$(count_in "$SLOG" "esp-mobility: moved")" -eq $((smoved + 1)) ]
	prop "$tag: the plugin moved the CHILD_SAs on each side" $? \
		"$(grep esp-mobility "$TLOG" "$SLOG" | tail)"
	if [ "$MODE" = plugin ]; then
		diag "$(grep "esp-mobility: moved" "$TLOG" | tail -1)"
		diag "$(grep "esp-mobility: moved" "$SLOG" | tail -1)"
		[ "$(migrations "$T")" -eq $((tm + 1)) ] &&
		[ "$(migrations "$S")" -eq $((sm + 1)) ]
		prop "$tag: espmob stats: one migration per side" $? \
			"term $tm -> $(migrations "$T"), srv $sm -> $(migrations "$S")"
	fi
	n=$(($(count_in "$TLOG" "updating SAD entry") - tsad +
	     $(count_in "$SLOG" "updating SAD entry") - ssad))
	figure "$tag" charon_sad_updates "$n"
	for side in term srv; do
		f=$OUT/mon-$tag-$side
		monitor_foreign "$f" "$side" >"$f.foreign"
		n=$(grep -c '^[^[:space:]]' "$f.foreign")
		figure "$tag" "monitor_msgs_$side" "$n"
		figure "$tag" "acquires_$side" "$(grep -c '^acquire' "$f")"
		[ "$n" -eq 0 ] && ! grep -q '^acquire' "$f"
		prop "$tag: xfrm monitor: no SA or policy message from charon, no ACQUIRE ($side)" \
			$? "$(head -40 "$f.foreign")"
	done
	check "$tag: SAs and policies at $new only (term)" \
		tables "$T" "$new" $((2 * NALL)) $((3 * NALL))
	check "$tag: SAs and policies at $new only (srv)" \
		tables "$S" "$new" $((2 * NALL)) $((3 * NALL))
	check "$tag: pings through every CHILD_SA both ways" pings
}

# --- establish, stream, first move -------------------------------------------

if initiate_all >"$OUT/initiate.log" 2>&1; then
	ok "IKE_SA and $NALL CHILD_SA(s) established (PSK, MOBIKE, tunnel)"
else
	not_ok "IKE_SA and $NALL CHILD_SA(s) established (PSK, MOBIKE, tunnel)" \
		"$(tail -20 "$OUT/initiate.log")"
	tap_finish
fi
check "tables before the move" tables "$T" "$T_OLD" $((2 * NALL)) $((3 * NALL))

# the stream, and both sides' egress on the wire
charon_stream_start "$T" "$S" "$T_IN" "$S_IN" $PORT "$OUT"
inbound_used() {
	"$IP" -s -n "$T" xfrm state | grep -qE '(^|[^0-9])[1-9][0-9]*\(packets\)'
}
check "the stream flows through the tunnel" wait_for 60 inbound_used

plugin_move move1 192.0.2.20
charon_stream_wait

read -r sent < <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$OUT/send.json" 2>/dev/null)
read -r got max lost < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["unique"], r["max_seq"], r["lost"])' "$OUT/recv.json" 2>/dev/null)
diag "stream: sent ${sent:-?}, received ${got:-?}, highest ${max:-?}, lost ${lost:-?}"
if [ -n "${sent:-}" ] && [ -n "${max:-}" ] && [ "$max" -ge $((sent - 5)) ]; then
	ok "move1: the stream reaches the terminal after the move"
else
	not_ok "move1: the stream reaches the terminal after the move"
fi
figure move1 stream_sent "${sent:-?}"
figure move1 stream_lost "${lost:-?}"
for side in s0 t0; do
	min=100; [ $side = t0 ] && min=0
	python3 "$PCAP/espcheck.py" --allow-reorder --min-esp $min \
		--port $PORT "$OUT/$side.pcap" >"$OUT/espcheck-$side.json" 2>&1
	prop "move1: wire ($side egress): no duplicate (SPI, seq), no cleartext" \
		$? "$(cat "$OUT/espcheck-$side.json")"
	read -r dups clear < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["duplicate_count"], r["cleartext"])' "$OUT/espcheck-$side.json" 2>/dev/null)
	figure move1 "wire_duplicates_$side" "${dups:-?}"
	figure move1 "wire_cleartext_$side" "${clear:-?}"
done
if [ "$IPCOMP" = yes ]; then
	diag "charon's own updates (the IPComp CHILD_SA):"
	diag "$(grep -h "updating SAD entry" "$TLOG" "$SLOG")"
else
	! grep -q "updating SAD entry" "$TLOG" "$SLOG"
	prop "move1: charon updated no SAD entry itself" $? \
		"$(grep "updating SAD entry" "$TLOG" "$SLOG")"
fi

# --- after the move: rekey, second move, move back ---------------------------

spis_before=$("$IP" -n "$T" xfrm state | awk '$1 == "proto" { print $4 }' | sort)
if charon_swanctl term --rekey --child net >"$OUT/rekey.log" 2>&1 &&
   wait_for 60 eval '[ "$("$IP" -n "$T" xfrm state | awk '"'"'$1 == "proto" { print $4 }'"'"' | sort)" != "$spis_before" ] &&
	tables "$T" "$T_ADDR" $((2 * NALL)) $((3 * NALL)) 2>/dev/null &&
	tables "$S" "$T_ADDR" $((2 * NALL)) $((3 * NALL)) 2>/dev/null'; then
	ok "CHILD_SA rekey after the move: new SAs, old ones gone, 3 policies"
else
	not_ok "CHILD_SA rekey after the move: new SAs, old ones gone, 3 policies" \
		"$(tables "$T" "$T_ADDR" $((2 * NALL)) $((3 * NALL)) 2>&1)" "$(tail -20 "$TLOG")"
fi
check "pings after the rekey" pings

plugin_move move2 "$MOVE2"
plugin_move back "$T_OLD"

# --- CHILD_SA delete, again, IKE_SA delete ------------------------------------

# net's SAs and policies go, the others stay
net_gone() {
	tables "$1" "$T_ADDR" $((2 * NALL - 2)) $((3 * NALL - 3)) 2>/dev/null &&
	! "$IP" -n "$1" xfrm policy | grep -q "$T_IN/32"
}
if charon_swanctl term --terminate --child net >"$OUT/term-child.log" 2>&1 &&
   wait_for 30 net_gone "$T" && wait_for 30 net_gone "$S"; then
	ok "CHILD_SA delete leaves none of its SAs and policies on either side"
else
	not_ok "CHILD_SA delete leaves none of its SAs and policies on either side" \
		"$("$IP" -n "$T" xfrm policy)" "$("$IP" -n "$S" xfrm policy)" \
		"$(grep -i "policy" "$TLOG" | tail -10)"
fi
if charon_swanctl term --initiate --child net --ike mob >>"$OUT/initiate.log" 2>&1 &&
   wait_for 30 tables "$S" "$T_ADDR" $((2 * NALL)) $((3 * NALL)) 2>/dev/null &&
   pings 2>/dev/null; then
	ok "a new CHILD_SA in the moved IKE_SA works"
else
	not_ok "a new CHILD_SA in the moved IKE_SA works"
fi
plugin_move move3 192.0.2.20
if charon_swanctl term --terminate --ike mob >"$OUT/term-ike.log" 2>&1 &&
   wait_for 30 empty_tables "$T" && wait_for 30 empty_tables "$S"; then
	ok "swanctl --terminate leaves no SA and no policy on either side"
else
	not_ok "swanctl --terminate leaves no SA and no policy on either side" \
		"$("$IP" -n "$T" xfrm state; "$IP" -n "$T" xfrm policy)" \
		"$("$IP" -n "$S" xfrm state; "$IP" -n "$S" xfrm policy)"
fi

# --- fallback: the module unloaded -------------------------------------------

fallback() {
	if initiate_all >>"$OUT/initiate.log" 2>&1; then
		ok "fallback: IKE_SA established again"
	else
		not_ok "fallback: IKE_SA established again"
	fi
	# a moved SA's replaced one holds the module until its last packet is done
	if out=$(wait_for 30 rmmod esp_mobility 2>&1); then
		at_exit "[ -d /sys/module/esp_mobility ] || insmod '$ESPMOB_KO'"
		ok "fallback: module unloaded"
		tupd=$(count_in "$TLOG" "updating SAD entry")
		supd=$(count_in "$SLOG" "updating SAD entry")
		if move_to 192.0.2.30 && pings 2>/dev/null; then
			ok "fallback: charon's own update moves the tunnel"
		else
			not_ok "fallback: charon's own update moves the tunnel" "$(tail -30 "$TLOG")"
		fi
		if [ "$(count_in "$TLOG" "updating SAD entry")" -gt "$tupd" ] &&
		   [ "$(count_in "$SLOG" "updating SAD entry")" -gt "$supd" ] &&
		   grep -q "esp-mobility: MIGRATE .* failed: .*said once" "$TLOG" &&
		   grep -q "esp-mobility: MIGRATE .* failed: .*said once" "$SLOG"; then
			ok "fallback: charon updated the SAs itself, the plugin said why"
			diag "$(grep "esp-mobility: MIGRATE" "$TLOG" | tail -1)"
		else
			not_ok "fallback: charon updated the SAs itself, the plugin said why" \
				"$(grep "esp-mobility\|updating SAD" "$TLOG" | tail)"
		fi
		check "fallback: SAs and policies at the new address (term)" \
			tables "$T" 192.0.2.30 $((2 * NALL)) $((3 * NALL))
		check "fallback: SAs and policies at the new address (srv)" \
			tables "$S" 192.0.2.30 $((2 * NALL)) $((3 * NALL))
		if out=$(insmod "$ESPMOB_KO" 2>&1); then
			ok "module loaded again"
		else
			not_ok "module loaded again" "$out"
		fi
		plugin_move reloaded 192.0.2.20
	else
		not_ok "fallback: module unloaded" "$out"
	fi
	if charon_swanctl term --terminate --ike mob >>"$OUT/term-ike.log" 2>&1 &&
	   wait_for 30 empty_tables "$T" && wait_for 30 empty_tables "$S"; then
		ok "terminate after the fallback leaves empty tables"
	else
		not_ok "terminate after the fallback leaves empty tables"
	fi
}
[ "$MODE" = plugin ] && fallback

# --- both runs side by side ---------------------------------------------------

other=${OUT%-"$MODE"}-stock
[ "$MODE" = stock ] && other=${OUT%-"$MODE"}-plugin
if [ -s "$other/figures" ]; then
	diag "figures (charon alone | with the plugin):"
	if [ "$MODE" = stock ]; then a=$OUT/figures b=$other/figures
	else a=$other/figures b=$OUT/figures; fi
	while read -r line; do diag "$line"; done < <(awk '
		NR == FNR { v[$1 " " $2] = $3; next }
		{ printf "%-8s %-24s %6s | %s\n", $1, $2, v[$1 " " $2], $3 }' "$a" "$b")
else
	diag "figures ($MODE): $(tr '\n' ';' <"$OUT/figures")"
fi
tap_finish
