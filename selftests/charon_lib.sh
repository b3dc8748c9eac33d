# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# charon_lib.sh: real strongSwan charon instances (Debian's 5.9.8), one per
# network namespace, for tests with a real IKE peer. Source lib.sh first:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/charon_lib.sh"
#
# Every instance gets its own directory $CHARON_DIR/NAME holding its
# strongswan.conf (charon and swanctl find it through STRONGSWAN_CONF),
# swanctl.conf, VICI socket and log. charon runs in its own mount namespace
# with a tmpfs on /run (/var/run is a link to it), so that each instance has
# its own pid file. Nothing under /etc is touched.
#
#	charon_require              skip_all unless charon and swanctl exist
#	charon_start NAME NS IFACE  starts charon NAME in NS, advertising only
#	                            IFACE's addresses (charon.interfaces_use);
#	                            stops it at exit
#	charon_wait NAME            waits until NAME's VICI socket is there
#	charon_mobike_conf NAME LOCAL_ADDRS REMOTE_ADDRS LOCAL_TS REMOTE_TS
#	                   LOCAL_ID REMOTE_ID [KEY=VALUE]...
#	                            writes NAME's swanctl.conf: connection "mob"
#	                            (IKEv2, PSK, MOBIKE) with tunnel CHILD_SA
#	                            "net"; KEY=VALUE lines go into the
#	                            connection (e.g. encap=yes); each line
#	                            "NAME LOCAL_TS REMOTE_TS [KEY=VALUE]..." of
#	                            $CHARON_MORE_CHILDREN adds a CHILD_SA
#	                            like "net" (e.g. ipcomp=yes)
#	charon_swanctl NAME ARGS... swanctl against NAME's socket and config
#	charon_sock NAME / charon_log NAME    the socket / log file path
#	charon_child_installed NAME  true once NAME has an INSTALLED CHILD_SA
#	charon_stop NAME             stops NAME
#	charon_stream_start T S T_IN S_IN PORT OUT
#	                            captures both egresses (veth t0 in T, s0
#	                            in S) to OUT/t0.pcap and OUT/s0.pcap and
#	                            sends 14 s of UDP at 100 packets/s from
#	                            S_IN in S to T_IN:PORT in T (stream.py,
#	                            results in OUT/send.json, OUT/recv.json)
#	charon_stream_wait          waits for the stream's end, stops captures
#
# CHARON_PLUGIN=PATH (a libstrongswan-esp-mobility.so) makes the instances
# started while it is set load that plugin, named before kernel-netlink in
# charon.load. Stock charon only loads plugins from /usr/lib/ipsec/plugins:
# such an instance's mount namespace gets a copy of that directory with the
# plugin added, bind-mounted over it.
#
# CHARON_DIR defaults to a fresh directory under ${TMPDIR:-/tmp}; the logs
# go to CHARON_LOG_DIR/NAME.log if that is set (e.g. a results directory:
# not every file system takes UNIX sockets, so the rest stays in
# CHARON_DIR).

CHARON=${CHARON:-/usr/lib/ipsec/charon}
SWANCTL=${SWANCTL:-/usr/sbin/swanctl}
CHARON_DIR=${CHARON_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/charon.XXXXXX")}
declare -A _charon_ns _charon_pid

charon_require() {
	[ -x "$CHARON" ] || skip_all "strongSwan charon not installed ($CHARON)"
	[ -x "$SWANCTL" ] || skip_all "swanctl not installed ($SWANCTL)"
}

# The kernel loads and self-tests ESP's crypto on the first SA that uses
# it; under TCG that takes long enough (28 s seen) for charon's IKE_AUTH to
# time out. Install one SA with charon's algorithms first, in a scratch
# namespace.
_charon_warm=
charon_warmup() {
	local ns
	[ -n "$_charon_warm" ] && return 0
	_charon_warm=1
	ns_new ns warm || return 1
	"$IP" -n "$ns" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp \
		spi 0x100 reqid 1 mode tunnel \
		auth-trunc 'hmac(sha256)' "0x$(printf '%064d' 1)" 128 \
		enc 'cbc(aes)' "0x$(printf '%032d' 2)" ||
		diag "charon_warmup: could not add an ESP SA"
	"$IP" netns del "$ns"
}

charon_sock() { echo "$CHARON_DIR/$1/charon.vici"; }
charon_log() { echo "${CHARON_LOG_DIR:-$CHARON_DIR}/$1.log"; }

# strongswan.conf of one instance. The plugin list is explicit (with kdf,
# which 5.9.8 needs for its PRF+ as soon as `load` is given); there is no
# ECP or curve25519 provider among Debian's default plugins, so IKE uses
# MODP groups from gmp.
_charon_write_conf() {
	local name=$1 iface=$2 d=$CHARON_DIR/$1 knl=kernel-netlink
	[ -n "${CHARON_PLUGIN:-}" ] && knl="esp-mobility kernel-netlink"
	cat >"$d/strongswan.conf" <<EOF
charon {
	threads = 6
	load = random nonce aes sha1 sha2 hmac kdf gmp pem pubkey x509 $knl socket-default vici updown
	interfaces_use = $iface
	install_routes = no
	retransmit_tries = 3
	retransmit_timeout = 2
	plugins {
		vici {
			socket = unix://$d/charon.vici
		}
	}
	filelog {
		main {
			path = $(charon_log "$name")
			time_format = %T
			time_add_ms = yes
			flush_line = yes
			ike_name = yes
			default = 1
			knl = 2
			ike = 2
			chd = 2
			cfg = 1
			net = 1
			enc = 0
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
}
swanctl {
	load = random nonce aes sha1 sha2 hmac kdf gmp pem pubkey x509
}
EOF
}

# The plugin directory of an instance that loads CHARON_PLUGIN.
_charon_plugindir() {
	local d=$1
	rm -rf "$d/plugins"
	mkdir -p "$d/plugins" &&
	cp -a /usr/lib/ipsec/plugins/. "$d/plugins/" &&
	cp "$CHARON_PLUGIN" "$d/plugins/libstrongswan-esp-mobility.so"
}

charon_start() {
	local name=$1 ns=$2 iface=$3 d=$CHARON_DIR/$1 pid bind=
	charon_warmup
	mkdir -p "$d"
	if [ -n "${CHARON_PLUGIN:-}" ]; then
		_charon_plugindir "$d" || diag "charon_start: no plugin directory"
		bind="mount --bind $d/plugins /usr/lib/ipsec/plugins && "
	fi
	[ -f "$d/swanctl.conf" ] || : >"$d/swanctl.conf"
	_charon_write_conf "$name" "$iface"
	_charon_ns[$name]=$ns
	rm -f "$d/charon.vici"
	# shellcheck disable=SC2016 # $0 is for the inner sh
	STRONGSWAN_CONF=$d/strongswan.conf "$IP" netns exec "$ns" \
		unshare -m --propagation private sh -c \
		"mount -t tmpfs -o mode=755 charon-run /run && $bind"'exec "$0"' \
		"$CHARON" >"$d/charon.out" 2>&1 &
	pid=$!
	_charon_pid[$name]=$pid
	at_exit charon_stop "$name"
}

charon_wait() {
	local name=$1 d=$CHARON_DIR/$1
	if ! wait_for 90 test -S "$d/charon.vici"; then
		diag "charon $name did not open its VICI socket:"
		diag "$(tail -20 "$d/charon.out" "$(charon_log "$name")" 2>&1)"
		return 1
	fi
}

# charon_pair_start TERM_NS SRV_NS: the terminal's and the server's charon
# (configs t0 and s0), reported as one TAP check; the script ends if
# either does not come up.
charon_pair_start() {
	charon_start term "$1" t0
	charon_start srv "$2" s0
	if charon_wait term && charon_wait srv; then
		ok "two charons running, one per netns"
	else
		not_ok "two charons running, one per netns"
		tap_finish
	fi
}

charon_stop() {
	local name=$1 pid=${_charon_pid[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait_for 10 _charon_gone "$pid" || kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	_charon_pid[$name]=
	return 0
}

_charon_gone() { ! kill -0 "$1" 2>/dev/null; }

charon_swanctl() {
	local name=$1 d=$CHARON_DIR/$1
	shift
	STRONGSWAN_CONF=$d/strongswan.conf "$IP" netns exec \
		"${_charon_ns[$name]}" "$SWANCTL" "$@" \
		--uri "unix://$d/charon.vici"
}

# A tunnel CHILD_SA section: NAME LOCAL_TS REMOTE_TS [KEY=VALUE]...
_charon_child() {
	local name=$1 lts=$2 rts=$3 kv
	shift 3
	echo "			$name {"
	echo "				local_ts = $lts"
	echo "				remote_ts = $rts"
	echo "				mode = tunnel"
	echo "				esp_proposals = aes128-sha256"
	echo "				start_action = none"
	for kv in "$@"; do
		echo "				${kv%%=*} = ${kv#*=}"
	done
	echo "			}"
}

charon_mobike_conf() {
	local name=$1 laddrs=$2 raddrs=$3 lts=$4 rts=$5 lid=$6 rid=$7 kv
	local d=$CHARON_DIR/$1
	shift 7
	mkdir -p "$d"
	{
		echo "connections {"
		echo "	mob {"
		echo "		version = 2"
		echo "		local_addrs = $laddrs"
		echo "		remote_addrs = $raddrs"
		echo "		proposals = aes128-sha256-modp2048"
		echo "		mobike = yes"
		echo "		dpd_delay = 0"
		for kv in "$@"; do
			echo "		${kv%%=*} = ${kv#*=}"
		done
		echo "		local {"
		echo "			auth = psk"
		echo "			id = $lid"
		echo "		}"
		echo "		remote {"
		echo "			auth = psk"
		echo "			id = $rid"
		echo "		}"
		echo "		children {"
		_charon_child net "$lts" "$rts"
		while read -r -a kv; do
			[ ${#kv[@]} -ge 3 ] && _charon_child "${kv[@]}"
		done <<<"${CHARON_MORE_CHILDREN:-}"
		echo "		}"
		echo "	}"
		echo "}"
		echo "secrets {"
		echo "	ike-mob {"
		echo "		id-a = $lid"
		echo "		id-b = $rid"
		echo "		secret = \"espmob-selftest-psk-0123456789\""
		echo "	}"
		echo "}"
	} >"$d/swanctl.conf"
}

charon_load() {
	local d=$CHARON_DIR/$1
	mkdir -p "$d/x509" "$d/x509ca" "$d/private"
	charon_swanctl "$1" --load-all --noprompt --file "$d/swanctl.conf" \
		>"$d/load.log" 2>&1 || {
		diag "swanctl --load-all for $1 failed:" "$(cat "$d/load.log")"
		return 1
	}
}

charon_child_installed() {
	charon_swanctl "$1" --list-sas 2>/dev/null | grep -q 'INSTALLED, TUNNEL'
}

# `ip netns exec` execs its command, so $! is the process itself.
charon_stream_start() {
	local t=$1 s=$2 t_in=$3 s_in=$4 port=$5 out=$6
	local pcap=$SELFTESTS/pcap
	"$IP" netns exec "$s" tcpdump -i s0 -Q out -w "$out/s0.pcap" -U -s 160 ip \
		>/dev/null 2>&1 &
	_charon_cap=($!)
	"$IP" netns exec "$t" tcpdump -i t0 -Q out -w "$out/t0.pcap" -U -s 160 ip \
		>/dev/null 2>&1 &
	_charon_cap+=($!)
	at_exit "kill ${_charon_cap[*]} 2>/dev/null"
	"$IP" netns exec "$t" python3 "$pcap/stream.py" recv --bind "$t_in" \
		--port "$port" --idle 4 --timeout 120 --json "$out/recv.json" \
		>/dev/null 2>&1 &
	_charon_recv=$!
	"$IP" netns exec "$s" python3 "$pcap/stream.py" send --src "$s_in" \
		--dst "$t_in" --port "$port" --rate 100 --duration 14 \
		--json "$out/send.json" >/dev/null 2>&1 &
	_charon_send=$!
}

charon_stream_wait() {
	wait "$_charon_send"
	wait "$_charon_recv"
	kill "${_charon_cap[@]}" 2>/dev/null
	wait "${_charon_cap[@]}" 2>/dev/null
	return 0
}
