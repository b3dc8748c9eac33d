#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_basic.sh: one tunnel-mode CHILD SA between a terminal T and a
# server S (see lib_xfrm.sh), moved by `espmob migrate` on both ends.
#
# For IPv4, IPv6 and an outer-family change IPv4 -> IPv6 (IPv4 inside):
#   - a dry run reports what it would move (2 states, 3 policies: out, in,
#     fwd) and changes nothing (the SAD/SPD dump is identical);
#   - the migration reports the same counts, dry_run false;
#   - afterwards every SA is the old one at the new addresses: the dump
#     of the states with the old addresses replaced by the new ones is
#     identical to the dump before (keys, reqid, flags, replay window and
#     ESN state, output sequence number, lifetimes, current counters,
#     stats); the policies keep their selectors, templates point to the
#     new addresses;
#   - traffic flows both ways through the migrated SAs and continues the
#     sequence numbers;
#   - migrating back works the same way;
#   - T's module counters (espmob -j stats) count 2 migrations, 1 dry
#     run, 4 states and 6 policies moved.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
xf_require_migrate

# basic_family NAME INNER_F OUTER_OLD_F OUTER_NEW_F
basic_family() {
	local name=$1 f=$2 of=$3 nf=$4
	local os=S$of ns=S$nf si=SI$f ti=TI$f bits=32
	local ot nt before after sub
	[ "$f" = 6 ] && bits=128
	xf_topo || { not_ok "$name: topology"; return; }
	ot=$(xf_taddr a "$of") nt=$(xf_taddr b "$nf")
	if ! xf_pair mode=tunnel t="$ot" s="${!os}" tsel="${!ti}/$bits" \
		ssel="${!si}/$bits" spi_ts=0x1001 spi_st=0x2001 reqid=7 esn=1 \
		replay=128; then
		not_ok "$name: SAs installed"
		return
	fi
	# some traffic, so that sequence numbers and counters are not zero
	xf_burst "$NS_S" "${!ti}" 5001 20
	xf_burst "$NS_T" "${!si}" 5002 30
	local o_st o_ts
	o_st=$(xf_oseq "$NS_S" 0x2001 "$ot") o_ts=$(xf_oseq "$NS_T" 0x1001 "${!os}")
	diag "$name: before: S->T oseq $o_st, T->S oseq $o_ts"
	if [ "${o_st:-0}" -lt 20 ] || [ "${o_ts:-0}" -lt 30 ]; then
		not_ok "$name: traffic before the migration" "oseq S->T $o_st T->S $o_ts"
	else
		ok "$name: traffic before the migration"
	fi

	# dry run: counts, nothing changes
	before=$(xf_sorted_dump "$NS_T"; xf_sorted_dump "$NS_S")
	local dry_t dry_s
	xf_migrate "$NS_T" "$ot" "${!os}" "$nt" "${!ns}" dry-run && dry_t=$XF_OUT
	xf_migrate "$NS_S" "${!os}" "$ot" "${!ns}" "$nt" dry-run && dry_s=$XF_OUT
	after=$(xf_sorted_dump "$NS_T"; xf_sorted_dump "$NS_S")
	if [ "$(xf_jget states "${dry_t:-}")" = 2 ] && [ "$(xf_jget policies "${dry_t:-}")" = 3 ] &&
		[ "$(xf_jget dry_run "${dry_t:-}")" = true ] &&
		[ "$(xf_jget states "${dry_s:-}")" = 2 ] && [ "$(xf_jget policies "${dry_s:-}")" = 3 ]; then
		ok "$name: dry run reports 2 states, 3 policies on each end"
	else
		not_ok "$name: dry run reports 2 states, 3 policies on each end" \
			"T: ${dry_t:-$XF_ERR}" "S: ${dry_s:-}"
	fi
	if xf_dumps_full && [ "$before" = "$after" ]; then
		ok "$name: dry run changes nothing"
	else
		not_ok "$name: dry run changes nothing" ${XF_EMPTY:+"$XF_EMPTY"} "$(diff <(echo "$before") <(echo "$after") | head -40)"
	fi

	# the migration itself
	local bt bs
	bt=$(xf_sorted_dump "$NS_T" full) bs=$(xf_sorted_dump "$NS_S" full)
	xf_move_t b
	if xf_migrate_both "$ot" "${!os}" "$nt" "${!ns}" &&
		[ "$(xf_jget states)" = 2 ] && [ "$(xf_jget policies)" = 3 ] &&
		[ "$(xf_jget dry_run)" = false ]; then
		ok "$name: migration of both ends reports 2 states, 3 policies"
	else
		not_ok "$name: migration of both ends reports 2 states, 3 policies" \
			"out: $XF_OUT" "err: $XF_ERR"
	fi
	sub=$(xf_subst "$ot" "$nt" "${!os}" "${!ns}")
	# the states: identical but for the addresses
	before=$(sed -n '/^---/q;p' <<<"$bt" | sed -E "$sub"; sed -n '/^---/q;p' <<<"$bs" | sed -E "$sub")
	after=$(xf_sorted_dump "$NS_T" full | sed -n '/^---/q;p'; xf_sorted_dump "$NS_S" full | sed -n '/^---/q;p')
	before=$(sort_blocks <<<"$before") after=$(sort_blocks <<<"$after")
	if xf_dumps_full && [ "$before" = "$after" ]; then
		ok "$name: SAs keep keys, flags, replay/ESN state, oseq, lifetimes, counters"
	else
		not_ok "$name: SAs keep keys, flags, replay/ESN state, oseq, lifetimes, counters" \
			${XF_EMPTY:+"$XF_EMPTY"} \
			"$(diff <(echo "$before") <(echo "$after") | head -60)"
	fi
	# the policies: same selectors, templates rewritten (counters aside)
	before=$(xf_pol_norm <<<"$bt" | sed -E "$sub"; xf_pol_norm <<<"$bs" | sed -E "$sub")
	after=$(xf_sorted_dump "$NS_T" full | xf_pol_norm; xf_sorted_dump "$NS_S" full | xf_pol_norm)
	if xf_dumps_full && [ "$before" = "$after" ]; then
		ok "$name: policies keep selectors, templates use the new addresses"
	else
		not_ok "$name: policies keep selectors, templates use the new addresses" \
			${XF_EMPTY:+"$XF_EMPTY"} \
			"$(diff <(echo "$before") <(echo "$after") | head -60)"
	fi
	if [ "$(xf_count "$NS_T" state "$ot")" = 0 ] && [ "$(xf_count "$NS_S" state "$ot")" = 0 ] &&
		[ "$(xf_count "$NS_T" state)" = 2 ] && [ "$(xf_count "$NS_S" state)" = 2 ]; then
		ok "$name: nothing left at the old address"
	else
		not_ok "$name: nothing left at the old address" "$("$IP" -n "$NS_T" xfrm state)" "$("$IP" -n "$NS_S" xfrm state)"
	fi

	# traffic continues the numbering, in both directions
	xf_burst "$NS_S" "${!ti}" 5001 10
	xf_burst "$NS_T" "${!si}" 5002 10
	local n_st n_ts p_t p_s
	n_st=$(xf_oseq "$NS_S" 0x2001 "$nt") n_ts=$(xf_oseq "$NS_T" 0x1001 "${!ns}")
	p_t=$(xf_sa_packets "$NS_T" 0x2001 "$nt") p_s=$(xf_sa_packets "$NS_S" 0x1001 "${!ns}")
	diag "$name: after: S->T oseq $n_st (T got $p_t), T->S oseq $n_ts (S got $p_s)"
	if [ "${n_st:-0}" -ge $((o_st + 10)) ] && [ "${n_ts:-0}" -ge $((o_ts + 10)) ] &&
		[ "${p_t:-0}" -ge $((o_st + 10)) ] && [ "${p_s:-0}" -ge $((o_ts + 10)) ]; then
		ok "$name: traffic flows both ways after the migration, numbering continues"
	else
		not_ok "$name: traffic flows both ways after the migration, numbering continues" \
			"S->T oseq $o_st -> $n_st, T received $p_t; T->S oseq $o_ts -> $n_ts, S received $p_s"
	fi

	# and back
	xf_move_t a
	if xf_migrate_both "$nt" "${!ns}" "$ot" "${!os}" &&
		[ "$(xf_jget states)" = 2 ]; then
		xf_burst "$NS_S" "${!ti}" 5001 5
		local b_st
		b_st=$(xf_oseq "$NS_S" 0x2001 "$ot")
		if [ "${b_st:-0}" -ge $((n_st + 5)) ] &&
			[ "$(xf_sa_packets "$NS_T" 0x2001 "$ot")" -ge $((n_st + 5)) ]; then
			ok "$name: migration back works, numbering continues"
		else
			not_ok "$name: migration back works, numbering continues" \
				"oseq $n_st -> $b_st" "$(xf_sa "$NS_T" 0x2001 "$ot")"
		fi
	else
		not_ok "$name: migration back works, numbering continues" "$XF_OUT $XF_ERR"
	fi
	local st
	st=$("$ESPMOB" -n "$NS_T" -j stats 2>&1)
	if [ "$(xf_jget migrations "$st")" = 2 ] && [ "$(xf_jget dry_runs "$st")" = 1 ] &&
		[ "$(xf_jget states_moved "$st")" = 4 ] && [ "$(xf_jget policies_moved "$st")" = 6 ] &&
		[ "$(xf_jget failed "$st")" = 0 ]; then
		ok "$name: T's counters: 2 migrations, 1 dry run, 4 states, 6 policies moved"
	else
		not_ok "$name: T's counters: 2 migrations, 1 dry run, 4 states, 6 policies moved" "$st"
	fi
	"$IP" netns del "$NS_T"
	"$IP" netns del "$NS_S"
}

# sort_blocks: "src " blocks of a dump sorted (SA order is not state).
sort_blocks() {
	awk '/^src / { if (b != "") print b; b = $0; next } { b = b "\\n" $0 }
		END { if (b != "") print b }' | sort | sed 's/\\n/\n/g'
}

# xf_pol_norm: the policies of a sorted dump, without what a replacement
# may legitimately renew (lifetime current, index).
xf_pol_norm() {
	sed -n '/^---/,$p' | awk '
		skip > 0 { skip--; next }
		/lifetime current:/ { skip = 2; next }
		{ sub(/ index [0-9]+/, ""); print }'
}

# BASIC_ONLY="4 6 46" (default) selects the cases
for c in ${BASIC_ONLY:-4 6 46}; do
	case $c in
	4) basic_family "IPv4" 4 4 4 ;;
	6) basic_family "IPv6" 6 6 6 ;;
	46) basic_family "IPv4 in IPv4 -> IPv6" 4 4 6 ;;
	esac
done
tap_finish
