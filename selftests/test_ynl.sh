#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_ynl.sh: the family's YNL spec against the running module. The
# kernel's own YNL Python library (pcap/ynl_client.py), given nothing but
# Documentation/netlink/specs/esp_mobility.yaml, reads GET_INFO, sends a
# dry run and a real MIGRATE by name, decodes the reply and the "migrate"
# notification (addresses shown as addresses), and gets a refusal with its
# message; then the policies the module reports through nlctrl's
# getpolicy, per command, equal what the spec says, attribute by attribute.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
xf_require_migrate
YNL_CLIENT=$XF_PCAP/ynl_client.py
if [ ! -d "$SELFTESTS/../build/ynl/tools/net/ynl/lib" ]; then
	skip_all "build/ynl missing (scripts/setup-ynl)"
fi

ynl() { "$IP" netns exec "$NS_T" /usr/bin/python3 "$YNL_CLIENT" "$@"; }
# jq-less JSON reading: jget JSON PYTHON-EXPRESSION-ON-o
jget() { /usr/bin/python3 -c 'import json,sys; o=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }

# expect NAME GOT WANT: ok when equal, else the client's whole output
expect() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "got:  $2" "want: $3" "client output: $out"
	fi
}

if ! xf_topo || ! xf_tunnel 4; then
	not_ok "setup"
	tap_finish
fi

out=$(ynl info 2>&1)
expect "get-info: abi-version 1 and the counters, by name" \
	"$(jget "$out" "o['abi-version'], sorted(o['stats'])")" \
	"(1, ['dry-runs', 'failed', 'migrations', 'policies-moved', 'retiring', 'rollbacks', 'states-moved', 'transforms-kept'])"

ep() {	# OLD_LOCAL OLD_REMOTE NEW_LOCAL NEW_REMOTE
	printf '"old": {"local-ipv4": "%s", "remote-ipv4": "%s"}, "new": {"local-ipv4": "%s", "remote-ipv4": "%s"}' "$@"
}

out=$(ynl migrate "{$(ep "$TA4" "$S4" "$TB4" "$S4"), \"flags\": [\"dry-run\"]}" 2>&1)
expect "dry run by endpoints: 2 states, 3 policies, the dry-run flag, no notification" \
	"$(jget "$out" "o['reply']['result']['states'], o['reply']['result']['policies'], 'dry-run' in o['reply']['result'], o['ntf']")" \
	"(2, 3, True, [])"

out=$(ynl migrate "{$(ep "$TA4" "$S4" "$TB4" "$S4"), \"spi\": [4097, 8193]}" 2>&1)
expect "migrate two SPIs (repeated attribute): 2 states moved" \
	"$(jget "$out" "o['reply']['result']['states']")" 2
expect "the notification decodes: old and new local address as text" \
	"$(jget "$out" "[(n['name'], n['msg']['old']['local-ipv4'], n['msg']['new']['local-ipv4'], n['msg']['result']['states']) for n in o['ntf']]")" \
	"[('migrate-ntf', '$TA4', '$TB4', 2)]"
check "the SAs are at the new address" \
	[ "$(xf_sa "$NS_T" 0x1001 "$S4" | head -1 | awk '{print $2}')" = "$TB4" ]

out=$(ynl migrate "{$(ep "$TA4" "$S4" "$TB4" "$S4"), \"spi\": [4097]}" 2>&1)
expect "a refusal: ENOENT with the module's message" \
	"$(jget "$out" "o['errno'], o['msg']")" \
	"(2, 'no ESP SA with this SPI between the old endpoints')"

out=$(ynl policy 2>&1)
expect "getpolicy: get-info takes no attribute, migrate its 9 request attributes" \
	"$(jget "$out" "len([a for a in o['got']['get-info'].values() if a[0]]), len([a for a in o['got']['migrate'].values() if a[0]])")" \
	"(0, 9)"
expect "getpolicy: the running module's per-command policies equal the spec" \
	"$(jget "$out" "[(op, a, o['got'][op][a], o['want'][op][a]) for op in o['want'] for a in o['want'][op] if o['got'][op].get(a) != o['want'][op][a]]")" \
	"[]"

tap_finish
