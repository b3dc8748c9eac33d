#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Foundation tests: the module is loaded, its generic netlink family and
# "migrate" group resolve, espmob talks to it (version, stats as text and
# JSON), counters are per network namespace, callers without CAP_NET_ADMIN
# are refused, and the module unloads and loads again.
set -u
. "$(dirname "$0")/lib.sh"

require_root
require_cmd python3 setpriv genl
require_module

have_espmob() { [ -x "$ESPMOB" ]; }
no_espmob="espmob not built ($ESPMOB)"
stat_keys='migrations failed dry_runs states_moved policies_moved rollbacks transforms_kept retiring'

# GET_INFO over raw generic netlink, independent of espmob: prints "ok",
# or the errno name the kernel answered with.
py_get_info=$(cat <<'PY'
import errno, os, socket, struct

def attrs(buf):
    while len(buf) >= 4:
        alen, atype = struct.unpack_from("HH", buf)
        yield atype & 0x3fff, buf[4:alen]
        buf = buf[(alen + 3) & ~3:]

def request(sock, family, cmd, payload=b""):
    msg = struct.pack("BBH", cmd, 1, 0) + payload
    # NLM_F_REQUEST only: errors come back anyway, and an ACK after a
    # reply would be read as the answer to the next request.
    sock.send(struct.pack("IHHII", 16 + len(msg), family, 0x1, 1, 0) + msg)
    data = sock.recv(65536)
    mlen, mtype = struct.unpack_from("IH", data)
    if mtype == 2:                           # NLMSG_ERROR
        err = struct.unpack_from("i", data, 16)[0]
        return err, None
    return 0, data[20:mlen]

s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)    # NETLINK_GENERIC
name = b"esp_mobility\0"
name_attr = struct.pack("HH", 4 + len(name), 2) + name       # CTRL_ATTR_FAMILY_NAME
name_attr += b"\0" * (-len(name_attr) % 4)
err, body = request(s, 0x10, 3, name_attr)                   # CTRL_CMD_GETFAMILY
if err:
    print("family:" + errno.errorcode[-err])
else:
    fid = [struct.unpack("H", v[:2])[0] for t, v in attrs(body) if t == 1][0]
    err, _ = request(s, fid, 1)                               # ESPMOB_CMD_GET_INFO
    print(errno.errorcode[-err] if err < 0 else "ok")
PY
)

family_resolves() { genl ctrl get name esp_mobility >/dev/null 2>&1; }

# stats_json_is NS|"" EXPR: python EXPR over the stats dict "s" of NS
# (the current netns with ""). Returns 0 when EXPR holds, 1 when not, 2
# when the output is not JSON or lacks one of $stat_keys (an integer
# each). What it read, or what is missing, is in STATS.
stats_json_is() {
	STATS=$("$ESPMOB" ${1:+-n "$1"} -j stats 2>&1)
	STATS=$(python3 -c '
import json, sys
try:
    s = json.loads(sys.argv[1])
except ValueError:
    s = None
if not isinstance(s, dict):
    print("not a JSON object: " + sys.argv[1]); sys.exit(2)
missing = [k for k in sys.argv[2].split() if type(s.get(k)) is not int]
if missing:
    print("missing counter(s) %s in %s" % (", ".join(missing), sys.argv[1]))
    sys.exit(2)
print(sys.argv[1])
sys.exit(0 if eval(sys.argv[3]) else 1)' "$STATS" "$stat_keys" "$2")
}

# 1-3: the module and its family
check "module esp_mobility is loaded" test -d /sys/module/esp_mobility
ctrl=$(genl ctrl get name esp_mobility 2>&1)
if grep -q 'Version: 0x1' <<<"$ctrl"; then
	ok "genl family esp_mobility resolves (version 1)"
else
	not_ok "genl family esp_mobility resolves (version 1)" "$ctrl"
fi
if grep -q 'name: migrate' <<<"$ctrl"; then
	ok "multicast group migrate exists"
else
	not_ok "multicast group migrate exists" "$ctrl"
fi

# 4-6: espmob version and stats
if have_espmob; then
	out=$("$ESPMOB" version 2>&1)
	if grep -Eq '^espmob [0-9.]+, module ABI 1$' <<<"$out"; then
		ok "espmob version reports module ABI 1"
	else
		not_ok "espmob version reports module ABI 1" "$out"
	fi
	out=$("$ESPMOB" -j version 2>&1)
	if python3 -c 'import json, sys; d = json.loads(sys.argv[1]); sys.exit(0 if d["abi"] == 1 and isinstance(d["tool"], str) else 1)' "$out" 2>/dev/null; then
		ok "espmob -j version is JSON with abi 1"
	else
		not_ok "espmob -j version is JSON with abi 1" "$out"
	fi
	if stats_json_is "" True; then
		ok "espmob -j stats is JSON with every counter"
	else
		not_ok "espmob -j stats is JSON with every counter" "$STATS"
	fi
else
	skip "espmob version reports module ABI 1" "$no_espmob"
	skip "espmob -j version is JSON with abi 1" "$no_espmob"
	skip "espmob -j stats is JSON with every counter" "$no_espmob"
fi

# 7-8: counters belong to a network namespace
if have_espmob; then
	ns_new ns_a stats
	ns_new ns_b stats
	# Any migration request counts (dry run, or failed: nothing to move).
	mig=$("$ESPMOB" -n "$ns_a" migrate from 192.0.2.1 192.0.2.2 to 192.0.2.3 192.0.2.4 dry-run 2>&1)
	zero="all(s[k] == 0 for k in '$stat_keys'.split())"
	b_zero=0
	if stats_json_is "$ns_b" "$zero"; then
		ok "a fresh netns sees zeroed counters"
		b_zero=1
	else
		not_ok "a fresh netns sees zeroed counters" "$STATS"
	fi
	# ns_b was read after ns_a's request: zero there means not shared.
	stats_json_is "$ns_a" "not $zero"
	case $? in
	0)
		if [ $b_zero = 1 ]; then
			ok "a migration request counts only in its own netns"
		else
			not_ok "a migration request counts only in its own netns" \
				"ns_b: $("$ESPMOB" -n "$ns_b" -j stats 2>&1)"
		fi ;;
	1)
		# only a module without MIGRATE may leave the counters alone
		if grep -qiE 'not supported|unknown command' <<<"$mig"; then
			skip "a migration request counts only in its own netns" "no MIGRATE: $mig"
		else
			not_ok "a migration request counts only in its own netns" \
				"the request did not count: $mig" "ns_a: $STATS"
		fi ;;
	*)
		not_ok "a migration request counts only in its own netns" "ns_a: $STATS" ;;
	esac
else
	skip "a fresh netns sees zeroed counters" "$no_espmob"
	skip "a migration request counts only in its own netns" "$no_espmob"
fi

# 9-10: CAP_NET_ADMIN is required
drop=(setpriv --inh-caps=-all --bounding-set=-net_admin)
out=$("${drop[@]}" python3 -c "$py_get_info" 2>&1)
if [ "$out" = EPERM ]; then
	ok "GET_INFO without CAP_NET_ADMIN fails with EPERM"
else
	not_ok "GET_INFO without CAP_NET_ADMIN fails with EPERM" "got: $out"
fi
if have_espmob; then
	out=$("${drop[@]}" "$ESPMOB" stats 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && grep -q 'Operation not permitted' <<<"$out"; then
		ok "espmob stats without CAP_NET_ADMIN exits 1 with EPERM"
	else
		not_ok "espmob stats without CAP_NET_ADMIN exits 1 with EPERM" "exit $rc: $out"
	fi
else
	skip "espmob stats without CAP_NET_ADMIN exits 1 with EPERM" "$no_espmob"
fi
out=$(python3 -c "$py_get_info" 2>&1)
if [ "$out" = ok ]; then
	ok "GET_INFO as root succeeds"
else
	not_ok "GET_INFO as root succeeds" "got: $out"
fi

# 11-13: unload and load again
at_exit '[ -d /sys/module/esp_mobility ] || insmod "$ESPMOB_KO"'
# SAs retired by earlier migrations hold the module until the xfrm
# garbage collector frees them
wait_for 30 grep -qx 0 /sys/module/esp_mobility/refcnt
out=$(rmmod esp_mobility 2>&1)
if [ $? -eq 0 ] && wait_for 5 test ! -d /sys/module/esp_mobility && ! family_resolves; then
	ok "rmmod removes the module and its family"
else
	not_ok "rmmod removes the module and its family" "$out"
fi
out=$(insmod "$ESPMOB_KO" 2>&1)
if [ $? -eq 0 ] && family_resolves; then
	ok "insmod again registers the family"
else
	not_ok "insmod again registers the family" "$out"
fi
if have_espmob; then
	if stats_json_is "" "all(s[k] == 0 for k in '$stat_keys'.split())"; then
		ok "counters start from zero after reload"
	else
		not_ok "counters start from zero after reload" "$STATS"
	fi
else
	skip "counters start from zero after reload" "$no_espmob"
fi

tap_finish
