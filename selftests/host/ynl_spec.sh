#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The family against its YNL spec (scripts/ynl-check), then the checker
# against broken copies of the spec, the uapi header and netlink.c: each
# breakage must make exactly the check about it fail, with the reason.
# TAP.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
if [ ! -f build/ynl/Documentation/netlink/genetlink-legacy.yaml ]; then
	echo "1..1"
	echo "not ok 1 - build/ynl is missing (scripts/setup-ynl extracts it)"
	exit 1
fi

n=0
fail=0
tap() {	# ok|not_ok TEXT
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}

out=$tmp/out
if scripts/ynl-check >"$out" 2>&1; then
	tap ok "the family matches its spec ($(grep -c '^ok' "$out") checks)"
else
	tap not_ok "the family matches its spec"
	sed 's/^/# /' "$out"
fi

# broken COPY, SED-EXPRESSION, CHECK THAT MUST FAIL, TEXT IN ITS DETAIL
mutant() {
	local what=$1 expr=$2 check=$3 detail=$4 desc=$5
	local spec=Documentation/netlink/specs/esp_mobility.yaml
	local nl=module/netlink.c args=()

	mkdir -p "$tmp/uapi/linux"
	cp "$spec" "$tmp/spec.yaml"
	cp uapi/linux/esp_mobility.h "$tmp/uapi/linux/"
	cp "$nl" "$tmp/netlink.c"
	case $what in
	spec) sed -i "$expr" "$tmp/spec.yaml" ;;
	uapi) sed -i "$expr" "$tmp/uapi/linux/esp_mobility.h" ;;
	netlink) sed -i "$expr" "$tmp/netlink.c" ;;
	esac
	args=(--spec "$tmp/spec.yaml" --uapi "$tmp/uapi"
	      --netlink-c "$tmp/netlink.c")
	scripts/ynl-check "${args[@]}" >"$out" 2>&1
	local rc=$?
	local failed
	failed=$(grep '^not ok' "$out" | sed 's/^not ok [0-9]* - //')
	if [ $rc -ne 0 ] && grep -qF -- "$check" <<<"$failed" &&
	   grep -qF -- "$detail" "$out"; then
		tap ok "$desc: \"$check\" fails"
	else
		tap not_ok "$desc: \"$check\" fails (status $rc)"
		sed 's/^/# /' "$out" | grep -v '^# ok' | head -20
	fi
}

mutant netlink 's/\[ESPMOB_A_SPI\] = NLA_POLICY_MIN(NLA_U32, 1)/[ESPMOB_A_SPI] = { .type = NLA_U32 }/' \
	"op migrate: policy espmob_migrate_policy matches its request" \
	"ESPMOB_A_SPI: C ('NLA_U32', ())" "SPI without its min check"
mutant netlink 's/\[ESPMOB_EP_A_LOCAL_IPV4\] = { .type = NLA_BE32 }/[ESPMOB_EP_A_LOCAL_IPV4] = { .type = NLA_U32 }/' \
	"policy espmob_ep_policy matches set endpoints" \
	"ESPMOB_EP_A_LOCAL_IPV4: C ('NLA_U32'" "IPv4 address not big endian"
mutant netlink '/\.policy = espmob_get_info_policy/s/get_info/migrate/' \
	"op get-info: policy espmob_migrate_policy matches its request" \
	"is not a request attribute of get-info" "GET_INFO sharing MIGRATE's policy"
mutant netlink '0,/GENL_UNS_ADMIN_PERM,/s//GENL_ADMIN_PERM,/' \
	"op get-info permission is GENL_UNS_ADMIN_PERM" \
	"C: GENL_ADMIN_PERM" "GET_INFO with another permission"
mutant netlink '/\.flags = GENL_MCAST_CAP_NET_ADMIN,/d' \
	"multicast groups and their permission" \
	"('ESPMOB_MCGRP_MIGRATE', '')" "the group open to everyone"
mutant netlink '/\[ESPMOB_A_RESULT\] = ESPMOB_REPLY_ONLY,/d' \
	"op migrate: policy espmob_migrate_policy matches its request" \
	"ESPMOB_A_RESULT is not a request attribute of migrate but C has ('absent'" \
	"a reply attribute accepted in a request"
mutant uapi 's/ESPMOB_A_SPI,\t/ESPMOB_A_REQID_SWAP,\t/; s/ESPMOB_A_REQID,\t/ESPMOB_A_SPI,\t/; s/ESPMOB_A_REQID_SWAP,\t/ESPMOB_A_REQID,\t/' \
	"uapi values equal the spec" "ESPMOB_A_SPI = 6, spec says 5" \
	"two attributes swapped in the header"
mutant uapi 's/^\tESPMOB_A_RESULT,/\tESPMOB_A_RESULT,\n\tESPMOB_A_EXTRA,/' \
	"uapi header defines nothing the spec lacks" "extra: ESPMOB_A_EXTRA" \
	"an attribute only the header has"
mutant spec 's/^kernel-policy: per-op/kernel-policy: per-command/' \
	"spec is valid against genetlink-legacy.yaml" "per-command" \
	"a spec the schema refuses"
mutant spec '/name: mode/,/max: 1/s/max: 1/max: 2/' \
	"policy espmob_encap_policy matches set encap" \
	"ESPMOB_ENCAP_A_MODE: C ('NLA_U8', (('max', 1),)), spec ('NLA_U8', (('max', 2),))" \
	"the spec allowing another encap mode"

echo "1..$n"
exit $fail
