#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make install` and `make uninstall` into a staging directory, as TAP:
# install puts exactly the user flavour of the module (stripped, no fault
# injection) under DESTDIR/lib/modules/KVER/updates, espmob and its man
# page under DESTDIR/PREFIX, and the uapi header under
# DESTDIR/PREFIX/include/linux and, where scripts/fetch-strongswan
# prepared the strongSwan source so that the charon plugin is built, the
# plugin and its strongswan.d snippet under charon's own directories;
# uninstall with the same variables leaves no file behind. No root needed
# (DESTDIR skips depmod).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
kver=${KVER:-$("$top/scripts/kver" 2>/dev/null)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
if [ -z "$kver" ] || [ ! -d "/usr/src/linux-headers-$kver" ]; then
	echo "1..0 # SKIP no kernel headers (run scripts/setup-deps --build)"
	exit 0
fi
echo "1..4"

dest=$tmp/root prefix=/opt/espmob
files() { (cd "$dest" 2>/dev/null && find . -type f | sort); }

make -s -C "$top" install DESTDIR="$dest" PREFIX="$prefix" KVER="$kver" \
	>"$tmp/install.log" 2>&1
rc=$?
plugin=()
if [ -n "$(ls "$top"/build/strongswan-*/config.h 2>/dev/null)" ]; then
	plugin=("./usr/lib/ipsec/plugins/libstrongswan-esp-mobility.so"
		"./etc/strongswan.d/charon/esp-mobility.conf")
fi
want=$(printf '%s\n' "./lib/modules/$kver/updates/esp_mobility.ko" \
	".$prefix/include/linux/esp_mobility.h" ".$prefix/sbin/espmob" \
	".$prefix/share/man/man8/espmob.8" "${plugin[@]}" | sort)
n=$((4 + ${#plugin[@]}))
got=$(files)
if [ $rc = 0 ] && [ "$got" = "$want" ]; then
	echo "ok 1 - make install DESTDIR PREFIX=$prefix installs the $n files"
else
	echo "not ok 1 - make install DESTDIR PREFIX=$prefix installs the $n files"
	printf '%s\n' "exit $rc" "got:" "$got" "want:" "$want" |
		sed 's/^/# /'
	sed 's/^/# /' "$tmp/install.log" | tail -20
fi

ko=$dest/lib/modules/$kver/updates/esp_mobility.ko
if [ -f "$ko" ] && ! grep -qa esp_mobility_fail_step "$ko" &&
	! readelf -S "$ko" | grep -q '\.debug_info' &&
	[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$kver" ]; then
	echo "ok 2 - the installed module: user flavour, for $kver, no debug info"
else
	echo "not ok 2 - the installed module: user flavour, for $kver, no debug info"
	[ -f "$ko" ] && modinfo "$ko" | sed 's/^/# /' | head -5
fi

if cmp -s "$top/uapi/linux/esp_mobility.h" \
	"$dest$prefix/include/linux/esp_mobility.h" &&
	[ -x "$dest$prefix/sbin/espmob" ]; then
	echo "ok 3 - the header is the uapi header, espmob is executable"
else
	echo "not ok 3 - the header is the uapi header, espmob is executable"
fi

make -s -C "$top" uninstall DESTDIR="$dest" PREFIX="$prefix" KVER="$kver" \
	>"$tmp/uninstall.log" 2>&1
rc=$?
left=$(files)
if [ $rc = 0 ] && [ -z "$left" ]; then
	echo "ok 4 - make uninstall removes every file install put there"
else
	echo "not ok 4 - make uninstall removes every file install put there"
	printf '%s\n' "exit $rc" "$left" | sed 's/^/# /'
	sed 's/^/# /' "$tmp/uninstall.log" | tail -10
fi
