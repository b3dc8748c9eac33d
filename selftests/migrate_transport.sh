#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_transport.sh: transport mode, where the endpoints are also the
# traffic selectors.
#
# T and S share three transport-mode CHILD SAs (IPv4, then IPv6):
#   c1: any protocol between T and S (carries the test traffic)
#   c2: UDP T:6000 <-> S:7000
#   c3: TCP from T's whole subnet (a /24 or /64 selector, not full length;
#       its templates carry no addresses)
# After `espmob migrate` on both ends:
#   - the reply counts 6 states and 4 policies (in and out of c1 and c2;
#     c3's policies refer to no endpoint);
#   - policy selectors and SA selectors that were exactly the old
#     addresses (/32, /128) now carry the new ones, protocol and ports
#     kept; everything else is identical to before (keys, reqid,
#     replay state, counters...), compared on the full dump;
#   - c3's subnet selector is left as it was;
#   - traffic from and to T's new address flows both ways through c1:
#     packet counters grow, XfrmInStateMismatch / XfrmInTmplMismatch /
#     XfrmInNoStates do not;
#   - an outer family change (IPv4 -> IPv6) is refused for transport mode,
#     and changes nothing.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
xf_require_migrate

errs() {	# inbound error counters of NS, summed
	local n=0 c
	for c in XfrmInStateMismatch XfrmInTmplMismatch XfrmInNoStates XfrmInNoPols; do
		n=$((n + $(xf_stat "$1" $c)))
	done
	echo $n
}

transport_family() {
	local name=$1 f=$2 sv=S$2 ot nt sub bits=32 net
	[ "$f" = 6 ] && bits=128
	xf_topo || { not_ok "$name: topology"; return; }
	ot=$(xf_taddr a "$f") nt=$(xf_taddr b "$f")
	if [ "$f" = 6 ]; then net=fd00:a::/64; else net=10.0.1.0/24; fi
	if ! xf_transport "$f" reqid=1 ||
		! xf_transport "$f" reqid=2 proto=udp tport=6000 sport=7000 \
			spi_ts=0x1002 spi_st=0x2002 ||
		! xf_transport "$f" reqid=3 proto=tcp tsel="$net" tmpladdr=0 \
			spi_ts=0x1003 spi_st=0x2003; then
		not_ok "$name: SAs installed"
		return
	fi
	xf_burst "$NS_T" "${!sv}" 5002 10
	xf_burst "$NS_S" "$ot" 5001 10
	local bt bs e_t e_s
	bt=$(xf_sorted_dump "$NS_T") bs=$(xf_sorted_dump "$NS_S")
	e_t=$(errs "$NS_T") e_s=$(errs "$NS_S")

	xf_move_t b
	if xf_migrate_both "$ot" "${!sv}" "$nt" "${!sv}" &&
		[ "$(xf_jget states)" = 6 ] && [ "$(xf_jget policies)" = 4 ]; then
		ok "$name: migration of both ends reports 6 states, 4 policies"
	else
		not_ok "$name: migration of both ends reports 6 states, 4 policies" "$XF_OUT $XF_ERR"
	fi
	# everything is as before with T's address replaced, except c3's
	# subnet selector, which the replacement does not touch anyway, and
	# policy lifetimes/indexes a replacement renews
	sub=$(xf_subst "$ot" "$nt")
	local before after
	before=$(norm <<<"$bt" | sed -E "$sub"; norm <<<"$bs" | sed -E "$sub")
	after=$(xf_sorted_dump "$NS_T" | norm; xf_sorted_dump "$NS_S" | norm)
	if xf_dumps_full && [ "$before" = "$after" ]; then
		ok "$name: selectors of SAs and policies follow T's address, all else kept"
	else
		not_ok "$name: selectors of SAs and policies follow T's address, all else kept" \
			${XF_EMPTY:+"$XF_EMPTY"} \
			"$(diff <(echo "$before") <(echo "$after") | head -60)"
	fi
	if "$IP" -n "$NS_T" xfrm policy | grep -q "^src $net dst ${!sv}/$bits proto tcp"; then
		ok "$name: a subnet selector is left alone"
	else
		not_ok "$name: a subnet selector is left alone" "$("$IP" -n "$NS_T" xfrm policy)"
	fi
	if "$IP" -n "$NS_T" xfrm policy | grep -q "^src $nt/$bits dst ${!sv}/$bits proto udp sport 6000 dport 7000" &&
		"$IP" -n "$NS_T" xfrm state | grep -q "sel src $nt/$bits dst ${!sv}/$bits proto udp sport 6000 dport 7000"; then
		ok "$name: protocol and ports kept in rewritten selectors"
	else
		not_ok "$name: protocol and ports kept in rewritten selectors" \
			"$("$IP" -n "$NS_T" xfrm policy)" "$("$IP" -n "$NS_T" xfrm state)"
	fi

	local p_t p_s o_t o_s
	o_t=$(xf_sa_packets "$NS_T" 0x2001 "$nt") o_s=$(xf_sa_packets "$NS_S" 0x1001 "${!sv}")
	xf_burst "$NS_T" "${!sv}" 5002 10
	xf_burst "$NS_S" "$nt" 5001 10
	p_t=$(xf_sa_packets "$NS_T" 0x2001 "$nt") p_s=$(xf_sa_packets "$NS_S" 0x1001 "${!sv}")
	if [ $((p_t - o_t)) -ge 10 ] && [ $((p_s - o_s)) -ge 10 ] &&
		[ "$(errs "$NS_T")" = "$e_t" ] && [ "$(errs "$NS_S")" = "$e_s" ]; then
		ok "$name: traffic at the new address flows both ways, no inbound errors"
	else
		not_ok "$name: traffic at the new address flows both ways, no inbound errors" \
			"T got $o_t -> $p_t, S got $o_s -> $p_s; errors T $e_t -> $(errs "$NS_T"), S $e_s -> $(errs "$NS_S")" \
			"$(ns_exec "$NS_T" grep -v ' 0$' /proc/net/xfrm_stat)"
	fi

	if [ "$f" = 4 ]; then
		local b a
		b=$(xf_sorted_dump "$NS_T")
		if xf_migrate "$NS_T" "$nt" "$S4" "$TB6" "$S6"; then
			not_ok "$name: an outer family change is refused in transport mode" "$XF_OUT"
		else
			a=$(xf_sorted_dump "$NS_T")
			if xf_dumps_full && [ "$a" = "$b" ] && [ -n "$XF_ERR" ]; then
				ok "$name: an outer family change is refused in transport mode (${XF_ERR#espmob: })"
			else
				not_ok "$name: an outer family change is refused in transport mode" "$XF_ERR" \
					${XF_EMPTY:+"$XF_EMPTY"} \
					"$(diff <(echo "$b") <(echo "$a") | head -30)"
			fi
		fi
	fi
	"$IP" netns del "$NS_T"
	"$IP" netns del "$NS_S"
}

# norm: a sorted dump without what traffic and policy replacement renew
norm() {
	awk '
		skip > 0 { skip--; next }
		/lifetime current:/ { skip = 2; next }
		{ sub(/ index [0-9]+/, ""); print }'
}

transport_family IPv4 4
transport_family IPv6 6
tap_finish
