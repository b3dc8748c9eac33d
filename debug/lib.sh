# SPDX-License-Identifier: GPL-2.0
# Shared by the debug/ scripts: where the debug kernel lives.
# shellcheck shell=bash

debug_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$debug_dir/.." && pwd)
# DEBUG_KERNEL_SERIES: the Debian 12 kernel series the debug kernel is
# built from, 6.1 (default) or 6.12 (linux-source-6.12).
series=${DEBUG_KERNEL_SERIES:-6.1}
source_pkg=linux-source-$series
tarball=${DEBUG_KERNEL_TARBALL:-/usr/src/$source_pkg.tar.xz}
fragment=$debug_dir/kernel.config
cache_root=${DEBUG_KERNEL_CACHE:-/var/cache/esp_mobility/debug-kernel}

# Bump when the way the config is assembled changes (base configs, steps).
recipe="x86_64_defconfig+kvm_guest.config+fragment v1"

source_version() {
	local v
	v=$(dpkg-query -W -f='${Version}' "$source_pkg" 2>/dev/null) || v=
	if [ -z "$v" ]; then
		v=$(stat -c '%s-%Y' "$tarball")
	fi
	echo "$v"
}

# The cache key: config fragment + source version + recipe.
debug_kernel_key() {
	{
		echo "$recipe"
		source_version
		cat "$fragment"
	} | sha256sum | cut -c1-16
}

debug_kernel_dir() {
	echo "$cache_root/$(debug_kernel_key)"
}

# Path of the built tree (may not exist yet).
debug_kernel_tree() {
	echo "$(debug_kernel_dir)/linux"
}

# Installs missing Debian packages, quietly and idempotently.
apt_ensure() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "debug: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Builds esp_mobility.ko against kernel tree $1 in scratch directory $2,
# from a copy of the module sources so the repository build is untouched.
build_module_in() {
	local tree=$1 scratch=$2
	mkdir -p "$scratch"
	# Sources only (module/compat/ included), with their times: Kbuild
	# rebuilds what changed.
	rm -rf "$scratch/module/compat/probes"
	tar -C "$top" -cf - --exclude='*.o' --exclude='.*.cmd' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='*.ko' \
		Kbuild module uapi | tar -C "$scratch" -xpf -
	# the test flavour: the sweeps need its fault-injection file
	nice -n 19 make -s -C "$tree" M="$scratch" ESPMOB_FAULT_INJECTION=1 modules
	test -f "$scratch/esp_mobility.ko"
}
