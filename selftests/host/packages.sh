#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages, as TAP: `make deb` (scripts/make-deb) builds them
# from the tracked files; each holds what it should (esp-mobility-dkms:
# dkms.conf with the version and the module's sources, arch all;
# espmob: /usr/sbin/espmob, its man page, libmnl0 in Depends;
# strongswan-esp-mobility: the charon plugin and its strongswan.d snippet,
# tied to the installed charon's exact version, where charon is); lintian
# reports no tag that is not overridden in debian/*.lintian-overrides;
# and the packaged sources build with dkms.conf's own MAKE command against
# the generic headers of every installed kernel its BUILD_EXCLUSIVE_KERNEL
# admits (the guest install test builds for the running kernel only), giving
# the user flavour. The guest install test (selftests/vm/install-debs) uses what this
# leaves in build/deb.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/deb
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "TAP version 13"
if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh_dkms >/dev/null; then
	echo "1..0 # SKIP no debhelper or dh-dkms (run scripts/setup-deps)"
	exit 0
fi
# the generic headers of each installed kernel (no cloud, rt)
kernels=()
for h in /usr/src/linux-headers-*-amd64; do
	case $h in *-cloud-amd64 | *-rt-amd64) continue ;; esac
	[ -f "$h/Module.symvers" ] && kernels+=("${h#/usr/src/linux-headers-}")
done
echo "1..$((5 + ${#kernels[@]}))"

t0=$(date +%s)
if "$top/scripts/make-deb" >"$log" 2>&1; then
	echo "ok 1 - make deb ($(($(date +%s) - t0)) s)"
else
	echo "not ok 1 - make deb"
	sed 's/^/# /' "$log" | tail -30
fi
sed -n 's/^build\/deb/# build\/deb/p' "$log"

dkms=$(ls "$out"/esp-mobility-dkms_*_all.deb 2>/dev/null)
ver=$(dpkg-deb -f "$dkms" Version 2>/dev/null)
files=$(dpkg-deb -c "$dkms" 2>/dev/null | awk '{ print $NF }')
conf=$(dpkg-deb --fsys-tarfile "$dkms" 2>/dev/null |
	tar -xOf - "./usr/src/esp-mobility-$ver/dkms.conf" 2>/dev/null)
if [ -n "$ver" ] && [[ $conf == *"PACKAGE_VERSION=\"$ver\""* ]] &&
	grep -qx "./usr/src/esp-mobility-$ver/Kbuild" <<<"$files" &&
	grep -qx "./usr/src/esp-mobility-$ver/module/main.c" <<<"$files" &&
	grep -qx "./usr/src/esp-mobility-$ver/uapi/linux/esp_mobility.h" <<<"$files" &&
	[[ $(dpkg-deb -f "$dkms" Depends) == *dkms* ]]; then
	echo "ok 2 - esp-mobility-dkms $ver: dkms.conf and the module's sources"
else
	echo "not ok 2 - esp-mobility-dkms: dkms.conf and the module's sources"
	echo "# ${dkms:-no package} ${ver:-no version}"
	printf '%s\n' "$conf" "$files" | sed 's/^/# /' | head -20
fi

cli=$(ls "$out"/espmob_*.deb 2>/dev/null)
files=$(dpkg-deb -c "$cli" 2>/dev/null | awk '{ print $NF }')
if grep -qx './usr/sbin/espmob' <<<"$files" &&
	grep -qx './usr/share/man/man8/espmob.8.gz' <<<"$files" &&
	[[ $(dpkg-deb -f "$cli" Depends) == *libmnl0* ]]; then
	echo "ok 3 - espmob: /usr/sbin/espmob, espmob(8), depends on libmnl0"
else
	echo "not ok 3 - espmob: /usr/sbin/espmob, espmob(8), depends on libmnl0"
	echo "# ${cli:-no package}: $(dpkg-deb -f "$cli" Depends 2>/dev/null)"
	printf '%s\n' "$files" | sed 's/^/# /' | head -20
fi

# the plugin's package: built wherever charon is installed (make-deb
# leaves it out only without strongswan-libcharon or its source)
name="strongswan-esp-mobility: the plugin, its snippet, charon's exact version"
charon=$(dpkg-query -W -f='${Version}' strongswan-libcharon 2>/dev/null)
plugin=$(ls "$out"/strongswan-esp-mobility_*.deb 2>/dev/null)
files=$(dpkg-deb -c "$plugin" 2>/dev/null | awk '{ print $NF }')
deps=$(dpkg-deb -f "$plugin" Depends 2>/dev/null)
if [ -z "$charon" ]; then
	echo "ok 4 - $name # SKIP strongswan-libcharon is not installed"
elif grep -qx './usr/lib/ipsec/plugins/libstrongswan-esp-mobility.so' <<<"$files" &&
	grep -qx './etc/strongswan.d/charon/esp-mobility.conf' <<<"$files" &&
	[[ $deps == *"strongswan-libcharon (= $charon)"* ]] &&
	[[ $deps == *"libstrongswan (= $charon)"* ]]; then
	echo "ok 4 - $name ($charon)"
else
	echo "not ok 4 - $name"
	echo "# ${plugin:-no package} for charon $charon: $deps"
	grep 'make-deb: no strongswan' "$log" | sed 's/^/# /'
	printf '%s\n' "$files" | sed 's/^/# /' | head -20
fi

if ! command -v lintian >/dev/null; then
	echo "ok 5 - lintian finds nothing # SKIP lintian not installed"
elif [ -f "$out/lintian.txt" ] && ! grep -qE '^[EWIPX]: ' "$out/lintian.txt"; then
	echo "ok 5 - lintian --pedantic finds nothing"
else
	echo "not ok 5 - lintian --pedantic finds nothing"
	grep -E '^[EWIPX]: ' "$out/lintian.txt" 2>/dev/null | sed 's/^/# /' | head -20
fi

# dkms.conf's MAKE as DKMS runs it: dkms.conf sourced with the kernel's
# headers and the DKMS tree set, in a copy of the packaged sources
tmp=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$tmp"' EXIT
[ -f "$dkms" ] && dpkg-deb -x "$dkms" "$tmp/pkg"
n=5
for k in "${kernels[@]}"; do
	n=$((n + 1))
	name="DKMS's make builds the packaged sources for $k"
	if ! [ -f "$tmp/pkg/usr/src/esp-mobility-$ver/dkms.conf" ]; then
		echo "not ok $n - $name # no package"
		continue
	fi
	(
		# shellcheck disable=SC2034 # dkms.conf's MAKE names it
		kernel_source_dir=/usr/src/linux-headers-$k
		dkms_tree=$tmp/dkms-$k
		# shellcheck source=/dev/null
		. "$tmp/pkg/usr/src/esp-mobility-$ver/dkms.conf"
		if ! [[ $k =~ $BUILD_EXCLUSIVE_KERNEL ]]; then
			echo "ok $n - $name # SKIP BUILD_EXCLUSIVE_KERNEL $BUILD_EXCLUSIVE_KERNEL"
			exit 0
		fi
		build=$dkms_tree/$PACKAGE_NAME/$PACKAGE_VERSION/build
		mkdir -p "$build"
		cp -a "$tmp/pkg/usr/src/esp-mobility-$ver/." "$build/"
		t0=$(date +%s)
		if ! eval "${MAKE[0]}" >"$tmp/make-$k.log" 2>&1; then
			echo "not ok $n - $name"
			sed 's/^/# /' "$tmp/make-$k.log" | tail -20
			exit 0
		fi
		ko=$build/$BUILT_MODULE_NAME.ko
		if [ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$k" ] &&
			! grep -qa esp_mobility_fail_step "$ko"; then
			echo "ok $n - $name: the user flavour ($(($(date +%s) - t0)) s)"
		else
			echo "not ok $n - $name: the user flavour for $k"
			modinfo "$ko" 2>&1 | sed 's/^/# /' | head -5
		fi
	)
done
