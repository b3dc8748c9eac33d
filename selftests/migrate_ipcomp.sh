#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_ipcomp.sh: a peer whose policies also apply IPComp or AH is
# refused, with a message, and nothing changes.
#
# The module moves ESP states only. strongSwan's compress=yes installs an
# IPComp tunnel template in front of an ESP transport template, with the
# IPComp SAs next to the ESP ones: moving the ESP SAs and rewriting the
# templates would leave the policies pointing at IPComp SAs still at the
# old addresses, so every packet would raise an ACQUIRE and be dropped
# while the reply said success. The same holds for an AH transport
# template next to an ESP one. Each layout is refused -- by endpoints, by
# SPI and with the policy named -- with EOPNOTSUPP and the module's
# message; T's SAD and SPD stay identical and the module counts failures,
# no migration.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
xf_require_migrate

MSG='a policy of this peer also applies AH or IPComp, which cannot be migrated'
esp() {	# SRC DST SPI: an ESP transport SA of reqid 7
	echo "xfrm state add src $1 dst $2 proto esp spi $3 reqid 7 mode transport aead rfc4106(gcm(aes)) $(xf_key "$3") 128"
}

# refused NAME [espmob migrate options]: T's request is refused with MSG
# (and WHERE, espmob's description of the attribute the kernel points at)
refused() {
	local name=$1 before after
	shift
	before=$(xf_sorted_dump "$NS_T")
	if xf_migrate "$NS_T" "$TA4" "$S4" "$TB4" "$S4" "$@"; then
		not_ok "$name: refused" "it succeeded: $XF_OUT"
		return
	fi
	after=$(xf_sorted_dump "$NS_T")
	if [ "$XF_ERR" != "espmob: migrate: $MSG (Operation not supported)${WHERE:-}" ]; then
		not_ok "$name: refused with the module's message" "got: $XF_ERR"
	elif ! xf_dumps_full || [ "$before" != "$after" ]; then
		not_ok "$name: refused, tables unchanged" ${XF_EMPTY:+"$XF_EMPTY"} \
			"$(diff <(echo "$before") <(echo "$after") | head -20)"
	else
		ok "$name: refused (EOPNOTSUPP, the module's message), tables unchanged"
	fi
}

# 1. IPComp tunnel + ESP transport (strongSwan's compress=yes)
if ! xf_topo || ! "$IP" -n "$NS_T" -batch - <<-EOF; then
	$(esp "$TA4" "$S4" 0x3001)
	$(esp "$S4" "$TA4" 0x3002)
	xfrm state add src $TA4 dst $S4 proto comp spi 0x4001 reqid 7 mode tunnel comp deflate
	xfrm state add src $S4 dst $TA4 proto comp spi 0x4002 reqid 7 mode tunnel comp deflate
	xfrm policy add src $TI4/32 dst $SI4/32 dir out tmpl src $TA4 dst $S4 proto comp reqid 7 mode tunnel tmpl proto esp reqid 7 mode transport
	xfrm policy add src $SI4/32 dst $TI4/32 dir in tmpl src $S4 dst $TA4 proto comp reqid 7 mode tunnel level use tmpl proto esp reqid 7 mode transport
	EOF
	not_ok "IPComp: setup"
	tap_finish
fi
refused "IPComp, by endpoints"
refused "IPComp, by SPI" spi 0x3001 spi 0x3002
index=$("$IP" -s -n "$NS_T" xfrm policy get src "$TI4/32" dst "$SI4/32" dir out |
	sed -nE 's/.* index ([0-9]+).*/\1/p')
if [ -n "$index" ]; then
	# the message points at the policy named in the request
	WHERE=", bad attribute at offset 68: policy {index = $index ($(printf '0x%x' "$index")), dir = 1}" \
		refused "IPComp, policy named" spi 0x3001 policy index "$index" dir out
else
	not_ok "IPComp, policy named: refused" "no index for the out policy"
fi

# 2. AH transport + ESP transport, selector the host pair
if ! xf_topo || ! "$IP" -n "$NS_T" -batch - <<-EOF; then
	$(esp "$TA4" "$S4" 0x3001)
	$(esp "$S4" "$TA4" 0x3002)
	xfrm state add src $TA4 dst $S4 proto ah spi 0x5001 reqid 7 mode transport auth sha256 $(xf_key 0x5001)
	xfrm state add src $S4 dst $TA4 proto ah spi 0x5002 reqid 7 mode transport auth sha256 $(xf_key 0x5002)
	xfrm policy add src $TA4/32 dst $S4/32 dir out tmpl proto ah reqid 7 mode transport tmpl proto esp reqid 7 mode transport
	xfrm policy add src $S4/32 dst $TA4/32 dir in tmpl proto ah reqid 7 mode transport tmpl proto esp reqid 7 mode transport
	EOF
	# a kernel built without AH (the debug lane's) has no AH type at all
	if "$IP" -n "${NS_T:-none}" xfrm state add src "$TA4" dst "$S4" proto ah \
		spi 0x5003 mode transport auth sha256 "$(xf_key 0x5003)" 2>&1 |
		grep -q 'Requested type not found'; then
		skip "AH + ESP transport, by endpoints" "this kernel has no AH"
		skip "the module counts the refusal as a failure, no migration" "this kernel has no AH"
		tap_finish
	fi
	not_ok "AH: setup"
	tap_finish
fi
refused "AH + ESP transport, by endpoints"

stats=$("$ESPMOB" -n "$NS_T" -j stats)
if [ "$(xf_jget migrations "$stats")" = 0 ] && [ "$(xf_jget failed "$stats")" = 1 ]; then
	ok "the module counts the refusal as a failure, no migration"
else
	not_ok "the module counts the refusal as a failure, no migration" "$stats"
fi

tap_finish
