# SPDX-License-Identifier: GPL-2.0
#
# lib_xfrm.sh: the migration tests' topology, SA setup, traffic, capture and
# migration helpers. Source it after lib.sh:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/lib_xfrm.sh"
#
# Topology (xf_topo): a terminal T and a server S, each in its own netns,
# joined by two veth links, "access point" A and B. S's own address (S4/S6)
# sits on its loopback and is reached through whichever link T uses; T moves
# by taking an address on the other link and dropping the old one.
#
#        netns T                                          netns S
#   inner: TI4 172.16.1.1, TI6 fd10:1::1       lo: S4 10.0.0.1, S6 fd00::1
#                                           inner: SI4 172.16.2.1, SI6 fd10:2::1
#   ta: TA4 10.0.1.2  TA6 fd00:a::2  ---- A ----  sa: 10.0.1.1  fd00:a::1
#   tb: TB4 10.0.2.2  TB6 fd00:b::2  ---- B ----  sb: 10.0.2.1  fd00:b::1
#
# Tunnel mode protects TI <-> SI (inner addresses) between T's current
# address and S4/S6; transport mode protects T's current address <-> S4/S6.
#
# Child SAs (xf_pair / xf_child) use AES-GCM keys derived from the SPI, so
# both ends and any re-installation agree. Every installation is recorded,
# so that a "naive" migration (delete and re-add, what the module replaces)
# can be run by the checker demonstrations.
#
# Environment: XF_PY (python3 with the standard library; default
# /usr/bin/python3: not a pyenv shim; run with -S, python starts slowly
# over 9p), XF_FAIL_STEP (the test flavour's per-netns fault injection
# file, module/fault.c), XF_RATE
# (stream packets/s), XF_PHASE (packets each traffic phase waits for).
#
# Timing: the guest is slow and shared, so nothing here is paced by the
# clock. A test starts a stream, waits until an SA has sent N packets,
# acts, waits for N more, and stops the stream.

XF_PY=${XF_PY:-/usr/bin/python3}
export PYTHONDONTWRITEBYTECODE=1
XF_PCAP=$SELFTESTS/pcap
XF_FAIL_STEP=${XF_FAIL_STEP:-/proc/net/esp_mobility_fail_step}
XF_RATE=${XF_RATE:-1000}
XF_PHASE=${XF_PHASE:-200}

# Addresses, see the diagram.
TA4=10.0.1.2 TB4=10.0.2.2 SA4=10.0.1.1 SB4=10.0.2.1 S4=10.0.0.1
TA6=fd00:a::2 TB6=fd00:b::2 SA6=fd00:a::1 SB6=fd00:b::1 S6=fd00::1
TI4=172.16.1.1 SI4=172.16.2.1 TI6=fd10:1::1 SI6=fd10:2::1
# another peer of S, only in S's tables (no traffic): "others untouched"
P4=10.0.1.3 P6=fd00:a::3

XF_TMP=$(mktemp -d /tmp/xf.XXXXXX)
at_exit 'rm -rf "$XF_TMP"'
_xf_pids=()

# Start CMD in the background, remember its pid for the cleanup.
xf_bg() {
	"$@" &
	_xf_pids+=($!)
}

_xf_kill_all() {
	local p
	for p in "${_xf_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${_xf_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	_xf_pids=()
}
at_exit _xf_kill_all

# xf_topo: makes NS_T and NS_S as drawn above, T attached through link A.
xf_topo() {
	ns_new NS_T term || return 1
	ns_new NS_S srv || return 1
	# T's routes to S's inner addresses follow T's link (xf_move_t), so
	# that a packet no policy covers would show on the wire; S sends to
	# T's links from its own address S4/S6, as a server would
	"$IP" -n "$NS_T" link add inner type dummy &&
	"$IP" -n "$NS_S" link add inner type dummy &&
	"$IP" link add ta netns "$NS_T" type veth peer name sa netns "$NS_S" &&
	"$IP" link add tb netns "$NS_T" type veth peer name sb netns "$NS_S" ||
		return 1
	"$IP" -n "$NS_T" -batch - <<-EOF || return 1
		link set ta up
		link set tb up
		link set inner up
		addr add $TI4/32 dev inner
		addr add $TI6/128 dev inner nodad
		addr add $TA4/24 dev ta
		addr add $TA6/64 dev ta nodad
		route add default via $SA4 dev ta
		route add default via $SA6 dev ta
		route add $SI4/32 via $SA4 dev ta src $TI4
		route add $SI6/128 via $SA6 dev ta src $TI6
	EOF
	"$IP" -n "$NS_S" -batch - <<-EOF || return 1
		link set sa up
		link set sb up
		link set inner up
		addr add $S4/32 dev lo
		addr add $S6/128 dev lo nodad
		addr add $SI4/32 dev inner
		addr add $SI6/128 dev inner nodad
		addr add $SA4/24 dev sa
		addr add $SA6/64 dev sa nodad
		addr add $SB4/24 dev sb
		addr add $SB6/64 dev sb nodad
		route add $TI4/32 dev sa src $SI4
		route add $TI6/128 dev sa src $SI6
		route replace 10.0.1.0/24 dev sa src $S4
		route replace 10.0.2.0/24 dev sb src $S4
		route replace fd00:a::/64 dev sa src $S6 metric 256
		route replace fd00:b::/64 dev sb src $S6 metric 256
	EOF
	ns_exec "$NS_T" sysctl -qw net.ipv6.conf.all.accept_dad=0 2>/dev/null
	ns_exec "$NS_S" sysctl -qw net.ipv6.conf.all.accept_dad=0 2>/dev/null
	XF_T_LINK=a
}

# xf_move_t LINK: T's address moves to link LINK (a or b), both families:
# add the new addresses, route through LINK, delete the old addresses.
xf_move_t() {
	local to=$1 from=$XF_T_LINK
	local new4 new6 gw4 gw6 old4 old6
	[ "$to" = "$from" ] && return 0
	if [ "$to" = b ]; then
		new4=$TB4 new6=$TB6 gw4=$SB4 gw6=$SB6 old4=$TA4 old6=$TA6
	else
		new4=$TA4 new6=$TA6 gw4=$SA4 gw6=$SA6 old4=$TB4 old6=$TB6
	fi
	"$IP" -n "$NS_T" -batch - <<-EOF || return 1
		addr add $new4/24 dev t$to
		addr add $new6/64 dev t$to nodad
		route replace default via $gw4 dev t$to
		route replace default via $gw6 dev t$to
		route replace $SI4/32 via $gw4 dev t$to src $TI4
		route replace $SI6/128 via $gw6 dev t$to src $TI6
		addr del $old4/24 dev t$from
		addr del $old6/64 dev t$from
	EOF
	XF_T_LINK=$to
}

# The T address on link L (a|b) of family F (4|6).
xf_taddr() { local v="T${1^^}$2"; echo "${!v}"; }

xf_key() {	# a 20-byte AES-GCM key+salt derived from the SPI
	local s
	s=$(printf '%08x' "$(($1))")
	echo "0x$s$s$s$s$s"
}

# xf_child NS key=value...: one CHILD SA pair and its policies, from NS's
# point of view. Keys:
#   mode=tunnel|transport  (tunnel)
#   local= remote=          outer addresses (transport: also the selector)
#   lsel= rsel=             selector prefixes (tunnel: required; transport:
#                           default local/32 and remote/32)
#   proto= lport= rport=    selector protocol and ports (out: sport=lport)
#   spi_out= spi_in= reqid=
#   mark=V/M if_id=N        on SAs and policies
#   encap=LPORT:RPORT       ESP in UDP (out SA sport=LPORT dport=RPORT)
#   esn=1 replay=N          (replay window 32 by default)
#   fwd=0|1                 fwd policy (default: 1 in tunnel mode)
#   pri=N                   policy priority
#   ptype=sub               policy type
#   sel=0                   no selector on tunnel-mode SAs (default: set)
#   policies=0              SAs only
#   tmpladdr=0              templates without addresses (transport)
# The arguments are recorded for xf_naive_migrate.
xf_child() {
	local ns=$1
	shift
	printf '%s\n' "$*" >>"$XF_TMP/children.$ns"
	_xf_child_cmds add "$@" | "$IP" -n "$ns" -batch -
}

# xf_child_del NS key=value...: the inverse of xf_child (same arguments).
xf_child_del() {
	local ns=$1
	shift
	_xf_child_cmds del "$@" | "$IP" -n "$ns" -force -batch - 2>/dev/null
	return 0
}

# Prints the ip -batch commands of one child: OP is add, del, delsa, delpol.
_xf_child_cmds() {
	local op=$1 kv
	shift
	local mode=tunnel local= remote= lsel= rsel= proto= lport= rport= \
		spi_out= spi_in= reqid=1 mark= if_id= encap= esn=0 replay=32 \
		fwd= pri= ptype= sel=1 policies=1 tmpladdr=1
	for kv in "$@"; do
		case "${kv%%=*}" in
		mode | local | remote | lsel | rsel | proto | lport | rport | \
		spi_out | spi_in | reqid | mark | if_id | encap | esn | replay | \
		fwd | pri | ptype | sel | policies | tmpladdr)
			printf -v "${kv%%=*}" '%s' "${kv#*=}" ;;
		*) echo "xf_child: unknown key $kv" >&2; return 1 ;;
		esac
	done
	local bits=32
	[[ $local == *:* ]] && bits=128
	if [ "$mode" = transport ]; then
		lsel=${lsel:-$local/$bits} rsel=${rsel:-$remote/$bits}
		fwd=${fwd:-0}
	fi
	fwd=${fwd:-1}
	local m= i= sel_o sel_i p_o= p_i= sa_o sa_i
	if [[ $mark == */* ]]; then
		m="mark ${mark%/*} mask ${mark#*/}"
	elif [ -n "$mark" ]; then
		m="mark $mark mask 0xffffffff"
	fi
	[ -n "$if_id" ] && i="if_id $if_id"
	if [ -n "$proto" ]; then
		p_o="proto $proto" p_i="proto $proto"
		[ -n "$lport" ] && p_o+=" sport $lport" && p_i+=" dport $lport"
		[ -n "$rport" ] && p_o+=" dport $rport" && p_i+=" sport $rport"
	fi
	sel_o="src $lsel dst $rsel $p_o"
	sel_i="src $rsel dst $lsel $p_i"
	local ptp=${ptype:+ptype $ptype}
	if [ "$op" = add ]; then
		local common="proto esp reqid $reqid mode $mode replay-window $replay"
		local e_o= e_i= flags= s_o= s_i=
		[ "$esn" = 1 ] && flags="flag esn"
		[ "$mode" = tunnel ] && flags+=" flag af-unspec"
		if [ -n "$encap" ]; then
			e_o="encap espinudp ${encap%:*} ${encap#*:} 0.0.0.0"
			e_i="encap espinudp ${encap#*:} ${encap%:*} 0.0.0.0"
		fi
		if [ "$sel" = 1 ]; then
			s_o="sel $sel_o" s_i="sel $sel_i"
		fi
		echo "xfrm state add src $local dst $remote spi $spi_out $common $flags" \
			"aead rfc4106(gcm(aes)) $(xf_key "$spi_out") 128 $e_o $m $i $s_o"
		echo "xfrm state add src $remote dst $local spi $spi_in $common $flags" \
			"aead rfc4106(gcm(aes)) $(xf_key "$spi_in") 128 $e_i $m $i $s_i"
		[ "$policies" = 1 ] || return 0
		local tmpl_o="tmpl src $local dst $remote proto esp reqid $reqid mode $mode"
		local tmpl_i="tmpl src $remote dst $local proto esp reqid $reqid mode $mode"
		if [ "$tmpladdr" = 0 ]; then
			tmpl_o="tmpl proto esp reqid $reqid mode $mode" tmpl_i=$tmpl_o
		fi
		local pr=${pri:+priority $pri}
		echo "xfrm policy add $sel_o dir out $pr $ptp $m $i $tmpl_o"
		echo "xfrm policy add $sel_i dir in $pr $ptp $m $i $tmpl_i"
		[ "$fwd" = 1 ] &&
			echo "xfrm policy add $sel_i dir fwd $pr $ptp $m $i $tmpl_i"
		return 0
	fi
	if [ "$op" != delpol ]; then
		echo "xfrm state delete src $local dst $remote proto esp spi $spi_out $m"
		echo "xfrm state delete src $remote dst $local proto esp spi $spi_in $m"
	fi
	if [ "$op" != delsa ] && [ "$policies" = 1 ]; then
		echo "xfrm policy delete $sel_o dir out $ptp $m $i"
		echo "xfrm policy delete $sel_i dir in $ptp $m $i"
		[ "$fwd" = 1 ] && echo "xfrm policy delete $sel_i dir fwd $ptp $m $i"
	fi
	return 0
}

# xf_pair key=value...: a child SA between T and S, installed on both.
#   mode= t= s= (outer addresses: T's and S's)  tsel= ssel= (tunnel)
#   proto= tport= sport=  spi_ts= spi_st= (T->S and S->T SPIs)
#   and reqid= mark= if_id= esn= replay= fwd= pri= sel= as xf_child;
#   encap=TPORT:SPORT.
xf_pair() {
	local kv tc=() sc=() t= s= tsel= ssel= tport= sport= spi_ts= spi_st= \
		encap=
	for kv in "$@"; do
		case "${kv%%=*}" in
		t | s | tsel | ssel | tport | sport | spi_ts | spi_st | encap)
			printf -v "${kv%%=*}" '%s' "${kv#*=}" ;;
		*) tc+=("$kv"); sc+=("$kv") ;;
		esac
	done
	tc+=("local=$t" "remote=$s" "spi_out=$spi_ts" "spi_in=$spi_st")
	sc+=("local=$s" "remote=$t" "spi_out=$spi_st" "spi_in=$spi_ts")
	[ -n "$tsel" ] && tc+=("lsel=$tsel") && sc+=("rsel=$tsel")
	[ -n "$ssel" ] && tc+=("rsel=$ssel") && sc+=("lsel=$ssel")
	[ -n "$tport" ] && tc+=("lport=$tport") && sc+=("rport=$tport")
	[ -n "$sport" ] && tc+=("rport=$sport") && sc+=("lport=$sport")
	if [ -n "$encap" ]; then
		tc+=("encap=$encap")
		sc+=("encap=${encap#*:}:${encap%:*}")
	fi
	xf_child "$NS_T" "${tc[@]}" && xf_child "$NS_S" "${sc[@]}"
}

# xf_tunnel4 / xf_tunnel6 / xf_transport4 / xf_transport6 [key=value...]:
# the usual pair with T on its current link (SPIs 0x1001/0x2001, reqid 1
# unless given).
xf_tunnel() {
	local f=$1
	shift
	local ti=TI$f si=SI$f sv=S$f bits=32
	[ "$f" = 6 ] && bits=128
	xf_pair mode=tunnel t="$(xf_taddr "$XF_T_LINK" "$f")" s="${!sv}" \
		tsel="${!ti}/$bits" ssel="${!si}/$bits" spi_ts=0x1001 \
		spi_st=0x2001 reqid=1 "$@"
}
xf_transport() {
	local f=$1
	shift
	local sv=S$f
	xf_pair mode=transport t="$(xf_taddr "$XF_T_LINK" "$f")" s="${!sv}" \
		spi_ts=0x1001 spi_st=0x2001 reqid=1 "$@"
}

# xf_block F: lowest-precedence "block" policies for the test streams'
# UDP between T and S (either direction, any T address), so that a packet
# no protecting policy covers is dropped, not sent in clear: what a
# transport-mode deployment needs while addresses change.
xf_block() {
	local f=$1 s any
	if [ "$f" = 6 ]; then s=$S6/128 any=::/0; else s=$S4/32 any=0.0.0.0/0; fi
	"$IP" -n "$NS_S" -batch - <<-EOF
		xfrm policy add src $s dst $any proto udp dir out priority 1000 action block
		xfrm policy add src $any dst $s proto udp dir in priority 1000 action block
	EOF
	"$IP" -n "$NS_T" -batch - <<-EOF
		xfrm policy add src $any dst $s proto udp dir out priority 1000 action block
		xfrm policy add src $s dst $any proto udp dir in priority 1000 action block
	EOF
}

# xf_naive_migrate NS OLD_L OLD_R NEW_L NEW_R [sa|pol|both]: what a key
# manager without the module does: delete the recorded children of NS
# between the old addresses and add them again at the new ones (fresh
# sequence numbers and replay window). The checks must catch it.
xf_naive_migrate() {
	local ns=$1 ol=$2 or=$3 nl=$4 nr=$5 line kv args new
	local f=$XF_TMP/children.$ns
	[ -f "$f" ] || return 1
	cp "$f" "$f.old"
	: >"$f"
	while read -r line; do
		# shellcheck disable=SC2206
		args=($line)
		if [[ " $line " != *" local=$ol "* ]] ||
			[[ " $line " != *" remote=$or "* ]]; then
			printf '%s\n' "$line" >>"$f"
			continue
		fi
		xf_child_del "$ns" "${args[@]}"
		new=()
		for kv in "${args[@]}"; do
			case "$kv" in
			local=$ol) kv=local=$nl ;;
			remote=$or) kv=remote=$nr ;;
			lsel=$ol/*) kv=lsel=$nl/${kv##*/} ;;
			rsel=$or/*) kv=rsel=$nr/${kv##*/} ;;
			esac
			new+=("$kv")
		done
		xf_child "$ns" "${new[@]}" || return 1
	done <"$f.old"
}

# xf_migrate NS OLD_L OLD_R NEW_L NEW_R [espmob options...]: espmob -j
# migrate in NS. Output in $XF_OUT (stdout) and $XF_ERR (stderr). After a
# migration the old states stay in the tables (ERROR) until an RCU grace
# period has passed; unless XF_SETTLE=0, it waits for that, so that the
# caller's dumps show the tables as the migration left them.
xf_migrate() {
	local ns=$1 ol=$2 or=$3 nl=$4 nr=$5 rc
	shift 5
	"$ESPMOB" -n "$ns" -j migrate from "$ol" "$or" to "$nl" "$nr" "$@" \
		>"$XF_TMP/mig.out" 2>"$XF_TMP/mig.err"
	rc=$?
	XF_OUT=$(cat "$XF_TMP/mig.out")
	XF_ERR=$(cat "$XF_TMP/mig.err")
	if [ $rc = 0 ] && [ "${XF_SETTLE:-1}" = 1 ] && [[ " $* " != *" dry-run "* ]] &&
		! wait_for 30 xf_retired "$ns"; then
		XF_ERR+="${XF_ERR:+ }(old states still not deleted after 30 s)"
		return 1
	fi
	return $rc
}

# xf_retired NS: no migration of NS has old states waiting for deletion
xf_retired() {
	[ "$(xf_jget retiring "$("$ESPMOB" -n "$1" -j stats 2>/dev/null)")" = 0 ]
}

# xf_migrate_both OLD_T OLD_S NEW_T NEW_S [espmob options]: T, then S,
# each with its own local/remote view. XF_MIGRATOR=naive uses
# xf_naive_migrate instead (the checker demonstrations).
xf_migrate_both() {
	local ot=$1 os=$2 nt=$3 ns=$4
	shift 4
	if [ "${XF_MIGRATOR:-espmob}" = naive ]; then
		xf_naive_migrate "$NS_T" "$ot" "$os" "$nt" "$ns" &&
			xf_naive_migrate "$NS_S" "$os" "$ot" "$ns" "$nt"
		return
	fi
	xf_migrate "$NS_T" "$ot" "$os" "$nt" "$ns" "$@" || return 1
	xf_migrate "$NS_S" "$os" "$ot" "$ns" "$nt" "$@"
}

# xf_jget KEY [JSON]: a number or true/false from a flat JSON object
# (default: the last xf_migrate output).
xf_jget() {
	local j=${2-$XF_OUT}
	sed -nE 's/.*"'"$1"'": *([-0-9a-z.]+).*/\1/p' <<<"$j" | head -n 1
}

# xf_load_vars FILE PREFIX: NAME=VALUE lines of FILE into PREFIXNAME.
xf_load_vars() {
	local k v
	while IFS='=' read -r k v; do
		[[ $k =~ ^[a-z_]+$ ]] || continue
		v=${v#\'} v=${v%\'}
		printf -v "$2$k" '%s' "$v"
	done <"$1"
}

# xf_have_migrate: the module answers MIGRATE (a dry run on an empty
# netns is refused for having nothing to move or succeeds with 0; an
# unknown command means the module predates MIGRATE).
xf_have_migrate() {
	local ns out
	[ -x "$ESPMOB" ] || return 1
	[ -d /sys/module/esp_mobility ] || return 1
	ns_new ns probe || return 1
	out=$("$ESPMOB" -n "$ns" migrate from 192.0.2.1 192.0.2.2 to 192.0.2.3 \
		192.0.2.4 dry-run 2>&1)
	"$IP" netns del "$ns"
	! grep -qiE 'not supported|unknown command|usage' <<<"$out"
}

# xf_require_migrate: skip_all unless MIGRATE works.
xf_require_migrate() {
	xf_have_migrate || skip_all "the module does not implement MIGRATE yet"
}

# xf_dump NS [norm]: the SAD and SPD of NS, with all details. "norm"
# drops what traffic changes (lifetime counters, use times, replay
# state, stats), for comparisons while packets flow.
xf_dump() {
	local ns=$1 mode=${2:-full}
	{
		"$IP" -n "$ns" -s -s xfrm state
		echo '--- policies'
		"$IP" -n "$ns" -s -s xfrm policy
	} | if [ "$mode" = norm ]; then
		awk '
			skip > 0 { skip--; next }
			/lifetime current:/ { skip = 2; next }
			/^\tstats:/ { skip = 1; next }
			/anti-replay esn context:/ { skip = 3; next }
			/anti-replay context:/ { next }
			/replay-window .* seq 0x/ { sub(/ seq 0x[0-9a-f]+/, "") }
			{ print }'
	else
		cat
	fi
}

# xf_sa_field NS SPI DADDR REGEX: the first line of SA (DADDR, SPI) matching
# REGEX (ip -s -s xfrm state output).
xf_sa() {
	"$IP" -n "$1" -s -s xfrm state get dst "$3" proto esp spi "$2" 2>/dev/null
}

# xf_oseq NS SPI DADDR: the SA's output sequence number (decimal).
xf_oseq() {
	local l
	l=$(xf_sa "$@" | grep -Eo 'oseq(-hi)? 0x[0-9a-f]+' | tr '\n' ' ')
	# "oseq 0x5" or "oseq-hi 0x0 oseq 0x5"
	local hi=0 lo
	lo=$(grep -Eo 'oseq 0x[0-9a-f]+' <<<"$l" | awk '{print $2}')
	[[ $l == *oseq-hi* ]] && hi=$(grep -Eo 'oseq-hi 0x[0-9a-f]+' <<<"$l" | awk '{print $2}')
	[ -n "$lo" ] || return 1
	echo $(((hi << 32) + lo))
}

# xf_burst NS DST PORT N: N small UDP datagrams carrying the stream marker
# from NS to DST (bash's /dev/udp: no python start-up), source chosen by
# the kernel. Errors (no route, blocked) are ignored.
xf_burst() {
	"$IP" netns exec "$1" bash -c 'for ((i = 0; i < $3; i++)); do
		echo "ESPMOBSTREAM $i" >"/dev/udp/$1/$2"; done' _ "$2" "$3" "$4" \
		2>/dev/null
	return 0
}

# xf_sorted_dump NS [norm] [SED]: xf_dump with SAs and policies each
# sorted (table order is not part of the state), optionally rewritten by
# the sed program SED first. A dump whose SAD or SPD is empty (or that
# failed: no such netns) is noted for xf_dumps_full: the tests compare
# tables that hold both, and two empty dumps compare equal while proving
# nothing.
xf_sorted_dump() {
	local d
	d=$(xf_dump "$1" "${2:-full}")
	_xf_note_empty "$1" "$d"
	sed -E "${3:-}" <<<"$d" | awk '
		/^---/ { if (b != "") print sec "\t" b; b = ""; sec++; print sec "\t---"; next }
		/^src / { if (b != "") print sec "\t" b; b = $0; next }
		{ b = b "\\n" $0 }
		END { if (b != "") print sec "\t" b }' sec=0 |
		sort | cut -f 2- | sed 's/\\n/\n/g'
}

# _xf_note_empty NS DUMP: adds "NS: empty SAD|SPD" to $XF_TMP/empty_dumps
# for each table of the xf_dump output DUMP that has no entry.
_xf_note_empty() {
	grep -q '^src ' < <(sed '/^--- policies$/q' <<<"$2") ||
		echo "$1: empty SAD" >>"$XF_TMP/empty_dumps"
	grep -q '^src ' < <(sed -n '/^--- policies$/,$p' <<<"$2") ||
		echo "$1: empty SPD" >>"$XF_TMP/empty_dumps"
}

# xf_dumps_full: true when no xf_sorted_dump since the last call met an
# empty SAD or SPD; otherwise sets XF_EMPTY to a description of those
# and fails. Forgets them either way. Every before/after comparison of
# dumps must call it (first, so that its notes never carry over), e.g.
#	if xf_dumps_full && [ "$before" = "$after" ]; then ok ...
#	else not_ok ... ${XF_EMPTY:+"$XF_EMPTY"} "$(diff ...)"
xf_dumps_full() {
	local f=$XF_TMP/empty_dumps
	XF_EMPTY=
	[ -s "$f" ] || return 0
	# shellcheck disable=SC2034 # for the caller
	XF_EMPTY="empty table dump: $(paste -sd ',' "$f")"
	: >"$f"
	return 1
}

# xf_subst OLD NEW...: a sed -E program replacing whole addresses.
xf_subst() {
	local prog= o n
	while [ $# -ge 2 ]; do
		o=${1//./\\.} n=$2
		prog+="s/(^|[^0-9a-f:.])$o([^0-9a-f:.]|\$)/\\1$n\\2/g;"
		shift 2
	done
	echo "$prog"
}

# xf_sa_packets NS SPI DADDR: packets the SA processed (0 if none).
xf_sa_packets() {
	xf_sa "$@" | awk '/lifetime current:/ { getline; sub(/.*bytes\), /, ""); print $1 + 0; f = 1 } END { if (!f) print 0 }'
}

# xf_count NS state|policy [REGEX]: number of SAs/policies (whose first
# lines match REGEX).
xf_count() {
	local ns=$1 what=$2 re=${3:-.}
	"$IP" -n "$ns" xfrm "$what" | grep -E '^src ' | grep -cE -- "$re"
}

# xf_stat NS NAME: a /proc/net/xfrm_stat counter of NS.
xf_stat() {
	ns_exec "$1" awk -v n="$2" '$1 == n { print $2 }' /proc/net/xfrm_stat
}

# xf_drops NS: the non-zero XFRM error counters and IP/UDP drop counters
# of NS on one line ("XfrmOutPolBlock=12 UdpRcvbufErrors=3"): where a
# stream's lost packets went.
xf_drops() {
	ns_exec "$1" awk '
		function drop(k) { return k ~ /(Errors|NoRoutes|Discards)$/ }
		FILENAME ~ /xfrm_stat$/ && $2 != 0 { out = out " " $1 "=" $2 }
		FILENAME ~ /snmp6$/ && $1 ~ /^(Ip6|Udp6)/ && drop($1) && $2 != 0 { out = out " " $1 "=" $2 }
		FILENAME ~ /snmp$/ && ($1 == "Ip:" || $1 == "Udp:") {
			p = substr($1, 1, length($1) - 1)
			if ($2 ~ /^[A-Za-z]/) { for (i = 2; i <= NF; i++) k[p, i] = $i; next }
			for (i = 2; i <= NF; i++)
				if (drop(k[p, i]) && $i != 0)
					out = out " " p k[p, i] "=" $i
		}
		END { sub(/^ /, "", out); print (out == "" ? "none" : out) }
	' /proc/net/xfrm_stat /proc/net/snmp /proc/net/snmp6
}

# ---- traffic ---------------------------------------------------------

# xf_encap_sockets NS PORT...: UDP_ENCAP_ESPINUDP sockets held open in NS
# (the kernel decapsulates ESP in UDP only on such a socket's port).
xf_encap_sockets() {
	local ns=$1 ready=$XF_TMP/encap.$1.$RANDOM
	shift
	xf_bg "$IP" netns exec "$ns" "$XF_PY" -S "$XF_PCAP/udpencap.py" --ready "$ready" "$@"
	wait_for 90 test -s "$ready"
}

# xf_capture_start NAME NS IFACE [FILTER]: tcpdump to $XF_TMP/NAME.pcap,
# returns once it listens. Sets XF_CAP_PID_<NAME>.
xf_capture_start() {
	local name=$1 ns=$2 dev=$3
	shift 3
	local err=$XF_TMP/$name.tcpdump
	"$IP" netns exec "$ns" tcpdump -Z root -U --immediate-mode -n -B 8192 -s 512 -i "$dev" \
		-w "$XF_TMP/$name.pcap" "$@" 2>"$err" &
	_xf_pids+=($!)
	printf -v "XF_CAP_PID_$name" '%s' $!
	wait_for 90 grep -q "listening on" "$err"
}

# xf_capture_stop NAME: stops tcpdump, leaving a complete pcap.
xf_capture_stop() {
	local v="XF_CAP_PID_$1"
	kill -INT "${!v}" 2>/dev/null
	wait "${!v}" 2>/dev/null
	return 0
}

# xf_espcheck [espcheck options] PCAP...: runs the analyser; its JSON in
# $XF_CHK, its figures in CHK_packets, CHK_esp_packets,
# CHK_duplicate_count, CHK_reorders, CHK_cleartext, CHK_violations (words)
# and CHK_summary. Returns its status.
xf_espcheck() {
	local rc
	CHK_packets=0 CHK_esp_packets=0 CHK_duplicate_count=0 CHK_reorders=0
	CHK_cleartext=0 CHK_violations=error CHK_summary=
	rm -f "$XF_TMP/chk.vars"
	XF_CHK=$("$XF_PY" -S "$XF_PCAP/espcheck.py" --vars "$XF_TMP/chk.vars" \
		"$@" 2>&1)
	rc=$?
	[ -f "$XF_TMP/chk.vars" ] && xf_load_vars "$XF_TMP/chk.vars" CHK_
	return $rc
}

# xf_recv_start NAME NS BIND PORT [IDLE]: a stream receiver, ready when
# this returns; result JSON in $XF_TMP/NAME.recv.json at its end.
xf_recv_start() {
	local name=$1 ns=$2 bind=$3 port=$4 idle=${5:-60}
	rm -f "$XF_TMP/$name.ready" "$XF_TMP/$name.recv.json"
	"$IP" netns exec "$ns" "$XF_PY" -S "$XF_PCAP/stream.py" recv --bind "$bind" \
		--port "$port" --ready "$XF_TMP/$name.ready" --idle "$idle" \
		--timeout 300 --json "$XF_TMP/$name.recv.json" >/dev/null &
	_xf_pids+=($!)
	printf -v "XF_RECV_PID_$name" '%s' $!
	wait_for 90 test -s "$XF_TMP/$name.ready"
}

# xf_send_start NAME NS SRC DST PORT [RATE [stream.py options]]: starts a
# sender (SRC "" lets the kernel choose); it runs until xf_send_stop, at
# most XF_SEND_MAX seconds. XF_SEND_PID_<NAME>.
XF_SEND_MAX=${XF_SEND_MAX:-120}
xf_send_start() {
	local name=$1 ns=$2 src=$3 dst=$4 port=$5 rate=${6:-$XF_RATE}
	shift 5
	[ $# -gt 0 ] && shift
	"$IP" netns exec "$ns" "$XF_PY" -S "$XF_PCAP/stream.py" send \
		${src:+--src "$src"} --dst "$dst" --port "$port" --rate "$rate" \
		--count $((rate * XF_SEND_MAX)) --duration "$XF_SEND_MAX" \
		--json "$XF_TMP/$name.send.json" "$@" >/dev/null &
	_xf_pids+=($!)
	printf -v "XF_SEND_PID_$name" '%s' $!
}

# xf_send_stop NAME: stop a sender (SIGTERM) and wait for it.
# xf_send_wait NAME: wait for its end. Its figures: SEND_sent,
# SEND_send_errors.
xf_send_stop() {
	local v="XF_SEND_PID_$1"
	kill -TERM "${!v}" 2>/dev/null
	xf_send_wait "$1"
}
xf_send_wait() {
	local v="XF_SEND_PID_$1"
	wait "${!v}" 2>/dev/null
	SEND_sent=0 SEND_send_errors=0 SEND_seconds=0
	[ -f "$XF_TMP/$1.send.json.vars" ] &&
		xf_load_vars "$XF_TMP/$1.send.json.vars" SEND_
	return 0
}

# xf_now_ns: CLOCK_REALTIME in ns, without a fork (the unit of the
# receivers' lost runs).
xf_now_ns() {
	local t=$EPOCHREALTIME
	echo "${t%.*}${t#*.}000"
}

# xf_lost_outside NAME: "N (runs)": how many datagrams receiver NAME
# lost outside the windows in $XF_TMP/windows ("START END" per line, from
# xf_now_ns), and where ("FIRST-LAST@MS" after the first window's start).
xf_lost_outside() {
	local v
	v=$("$XF_PY" -S "$XF_PCAP/stream.py" windows --recv "$XF_TMP/$1.recv.json" \
		--windows "$XF_TMP/windows") || { echo "999999 (no receiver result)"; return; }
	echo "$(sed -n 's/^lost_outside=//p' <<<"$v") ($(sed -n 's/^outside=//p' <<<"$v"))"
}

# xf_recv_wait NAME / xf_recv_stop NAME: wait for the end of a receiver,
# or end it now; its figures then in RECV_received, RECV_unique,
# RECV_duplicates, RECV_lost, RECV_longest_gap_pkts, RECV_longest_gap_ms.
xf_recv_wait() {
	local v="XF_RECV_PID_$1"
	wait "${!v}" 2>/dev/null
	RECV_received=0 RECV_unique=0 RECV_duplicates=0 RECV_lost=0
	RECV_longest_gap_pkts=0 RECV_longest_gap_ms=0 RECV_max_seq=-1
	[ -f "$XF_TMP/$1.recv.json.vars" ] &&
		xf_load_vars "$XF_TMP/$1.recv.json.vars" RECV_
	XF_RECV="received $RECV_received unique $RECV_unique dup $RECV_duplicates lost $RECV_lost longest gap $RECV_longest_gap_pkts pkts/${RECV_longest_gap_ms} ms"
	return 0
}
xf_recv_stop() {
	local v="XF_RECV_PID_$1"
	kill -TERM "${!v}" 2>/dev/null
	xf_recv_wait "$1"
}

# xf_wait_oseq NS SPI DADDR N [SECS]: the SA's output sequence number
# reached N.
xf_wait_oseq() {
	local ns=$1 spi=$2 dst=$3 n=$4 secs=${5:-60}
	_xf_oseq_ge() { local o; o=$(xf_oseq "$ns" "$spi" "$dst") && [ "$o" -ge "$n" ]; }
	wait_for "$secs" _xf_oseq_ge
}

# xf_wait_more NS SPI DADDR N [SECS]: the SA sends N more packets.
xf_wait_more() {
	local o
	o=$(xf_oseq "$1" "$2" "$3") || o=0
	xf_wait_oseq "$1" "$2" "$3" $((o + $4)) "${5:-60}"
}

# xf_wait_stable NS SPI DADDR: the SA's packet counter stopped moving.
xf_wait_stable() {
	local prev=-1 cur
	_xf_stable() {
		cur=$(xf_sa_packets "$1" "$2" "$3")
		[ "$cur" = "$prev" ] && return 0
		prev=$cur
		return 1
	}
	wait_for "${4:-30}" _xf_stable "$1" "$2" "$3"
}

# xf_acquire_start NS: `ip xfrm monitor acquire` in NS, output to
# $XF_TMP/acquire.NS; returns once its netlink socket has joined the group.
xf_acquire_start() {
	local ns=$1 pid
	"$IP" -n "$ns" xfrm monitor acquire >"$XF_TMP/acquire.$ns" 2>&1 &
	pid=$!
	_xf_pids+=($pid)
	# /proc/net/netlink: protocol 6 (XFRM) socket with group bit 0
	# (XFRMNLGRP_ACQUIRE) set, in NS.
	wait_for 90 _xf_acq_listening "$ns"
}
_xf_acq_listening() {
	ns_exec "$1" awk '$2 == 6 && $4 ~ /[13579bdf]$/ { f = 1 } END { exit !f }' \
		/proc/net/netlink
}

# xf_monitor_start NS FILE: `espmob monitor` in NS, output to FILE, its
# pid in XF_MON_PID; returns once its socket has joined the family's
# "migrate" group (a notification sent before that would be missed).
xf_monitor_start() {
	local ns=$1 grp
	"$ESPMOB" -n "$ns" monitor >"$2" 2>&1 &
	XF_MON_PID=$!
	_xf_pids+=($XF_MON_PID)
	grp=$(genl ctrl get name esp_mobility |
		sed -nE 's/.*ID-(0x[0-9a-f]+) +name: migrate.*/\1/p')
	[ -n "$grp" ] || return 1
	wait_for 60 _xf_mon_joined "$ns" "$XF_MON_PID" $((grp))
}
# /proc/net/netlink: a generic netlink socket (protocol 16) whose port id
# is the pid (autobind) and whose group bitmap, of which the file shows the
# first 32 bits, has the group's bit.
_xf_mon_joined() {
	local groups
	groups=$(ns_exec "$1" awk -v p="$2" '$2 == 16 && $3 == p { print $4 }' \
		/proc/net/netlink)
	[ -n "$groups" ] || return 1
	[ "$3" -gt 32 ] && return 0
	(((0x$groups >> ($3 - 1)) & 1))
}

# xf_acquires NS: number of ACQUIRE messages seen so far.
xf_acquires() {
	grep -c '^acquire' "$XF_TMP/acquire.$1" 2>/dev/null
}

# xf_mac NS DEV: a link's MAC address.
xf_mac() {
	"$IP" -n "$1" link show "$2" | awk '/link\/ether/ { print $2 }'
}

# xf_fail_step_available: the loaded module is the test flavour, with its
# fault-injection file (/proc/net is the calling process's netns; every
# netns has one).
xf_fail_step_available() { [ -w "$XF_FAIL_STEP" ]; }

# xf_fail_step NS N: the next request in NS fails its Nth fallible step
# (0: none). Another netns's requests neither see nor consume it.
xf_fail_step() {
	# shellcheck disable=SC2016
	"$IP" netns exec "$1" sh -c 'echo "$1" >"$2"' sh "$2" "$XF_FAIL_STEP"
}

# xf_fail_step_armed NS: what is armed in NS (0: nothing)
xf_fail_step_armed() {
	"$IP" netns exec "$1" cat "$XF_FAIL_STEP"
}
