# SPDX-License-Identifier: GPL-2.0
#
# make            build esp_mobility.ko, espmob, the selftests and, when
#                 scripts/fetch-strongswan has prepared the strongSwan
#                 source (make deps does), the charon plugin
# make check      install what is missing, build, run every test in a guest
# make demo       the moving-terminal demonstration in a guest
# make bench      benchmarks against XFRM_MSG_MIGRATE and delete/re-add
# make checkpatch / sparse    kernel style and static checks
# make install / uninstall   the user flavour of the module, espmob, its
#                 man page, the uapi header (DESTDIR, PREFIX) and, when
#                 it is built, the charon plugin and its strongswan.d snippet
# make deb        Debian packages in build/deb (esp-mobility-dkms, espmob,
#                 strongswan-esp-mobility where charon is installed)
# make check-debug / check-rt  debug-kernel and PREEMPT_RT lanes (debug/)

# The running kernel when its headers are installed (scripts/kver).
KVER ?= $(shell scripts/kver 2>/dev/null)
KDIR ?= /usr/src/linux-headers-$(KVER)
KSRC ?= $(CURDIR)/build/linux-source
# `make` builds the test flavour of the module (fault injection, Kbuild);
# the user flavour, without it, is what install, DKMS and the packages use.
ESPMOB_FAULT_INJECTION ?= 1
USER_MODULE_DIR := $(CURDIR)/build/module-user
# what building the module needs (DKMS's source tree): Kbuild, module/
# and uapi/ without build products
MODULE_SOURCES = Kbuild $(shell find module uapi -type f ! -name '*.o' \
	! -name '.*' ! -name '*.mod' ! -name '*.mod.c' ! -name '*.ko' | sort)

PREFIX ?= /usr/local
# modules_install puts the module in $(MODULE_DIR)/updates
MODULE_DIR = $(DESTDIR)/lib/modules/$(KVER)
MODULE_SOURCE_DIR ?= $(DESTDIR)/usr/src/esp-mobility

export KVER KDIR KSRC

.PHONY: all module module-user userspace selftests plugin clean check demo \
	bench deps checkpatch sparse install uninstall deb install-module-source

all: module userspace selftests plugin

deps:
	scripts/setup-deps

module: kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 \
		ESPMOB_FAULT_INJECTION=$(ESPMOB_FAULT_INJECTION) modules

# The user flavour in build/module-user, from a copy of the sources: on
# 6.1 an external module's objects live beside its sources, so the two
# flavours cannot share one tree.
module-user: kdir
	mkdir -p $(USER_MODULE_DIR)
	cp -p --parents $(MODULE_SOURCES) $(USER_MODULE_DIR)/
	$(MAKE) -C $(KDIR) M=$(USER_MODULE_DIR) W=1 modules

# Says which headers are missing (scripts/kver names the package) rather
# than letting make fail on an empty kernel release.
.PHONY: kdir
kdir:
	@test -n "$(KVER)" || { scripts/kver >/dev/null; exit 1; }
	@test -d "$(KDIR)" || { echo "no $(KDIR): install linux-headers-$(KVER)" >&2; exit 1; }

userspace:
	$(MAKE) -C userspace

selftests: userspace
	$(MAKE) -C selftests
	$(MAKE) -C bench

# The esp-mobility charon plugin needs the strongSwan source of the
# installed charon (scripts/fetch-strongswan, run by make deps).
plugin:
	@if [ -n "$$(ls build/strongswan-*/config.h 2>/dev/null)" ]; then \
		$(MAKE) -C plugin; \
	else \
		echo "plugin: no strongSwan source in build/ (scripts/fetch-strongswan), not built"; \
	fi

sparse: kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 W=1 ESPMOB_FAULT_INJECTION=1 modules

# checkpatch.pl comes from linux-source-6.1, extracted on first use
$(CURDIR)/build/linux-source/scripts/checkpatch.pl:
	scripts/setup-deps --source

checkpatch: $(KSRC)/scripts/checkpatch.pl
	perl $(KSRC)/scripts/checkpatch.pl --no-tree --strict --terse \
		--ignore SPDX_LICENSE_TAG -f module/*.c module/*.h module/compat/probes/*.c \
		uapi/linux/*.h

check: deps
	$(MAKE) all
	selftests/vm/check

demo: deps
	$(MAKE) all
	demo/run

.PHONY: check-debug check-rt
check-debug: deps ; debug/check-debug
check-rt: deps ; debug/check-rt

# make bench KVER=... boots that kernel with the module built for it;
# BENCH_RESULTS=DIR writes the results there instead of bench/results
bench: deps
	$(MAKE) all
	bench/run $(if $(BENCH_RESULTS),--results $(BENCH_RESULTS))

# What `make install` installs, one target each; `make uninstall` runs
# the uninstall-* twin of each. A new part (the strongSwan plugin) adds
# its name here and its install-NAME and uninstall-NAME rules.
INSTALL_PARTS := module espmob header plugin

install: $(INSTALL_PARTS:%=install-%)
uninstall: $(INSTALL_PARTS:%=uninstall-%)

# The kernel's own install (INSTALL_MOD_DIR=updates: found before the
# kernel's modules), without debug info as Debian's own modules. Debian's
# headers enable CONFIG_MODULE_SIG_ALL but carry no signing key: unset it
# rather than print a sign-file error. Without System.map (not in the
# headers) modules_install skips depmod and says so: it runs here, except
# in a staged install (DESTDIR), left to whoever installs the tree.
install-module: module-user
	$(MAKE) -C $(KDIR) M=$(USER_MODULE_DIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates INSTALL_MOD_STRIP=1 \
		CONFIG_MODULE_SIG_ALL= modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

# modules_install compresses the module when the kernel's are (6.12)
uninstall-module:
	rm -f $(foreach z,.ko .ko.xz .ko.zst .ko.gz,$(MODULE_DIR)/updates/esp_mobility$(z))
	-rmdir --ignore-fail-on-non-empty $(MODULE_DIR)/updates
	$(if $(DESTDIR),,depmod -a $(KVER))

install-espmob: userspace
	$(MAKE) -C userspace install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

uninstall-espmob:
	rm -f $(DESTDIR)$(PREFIX)/sbin/espmob \
		$(DESTDIR)$(PREFIX)/share/man/man8/espmob.8

install-header:
	install -D -m 0644 uapi/linux/esp_mobility.h \
		$(DESTDIR)$(PREFIX)/include/linux/esp_mobility.h

uninstall-header:
	rm -f $(DESTDIR)$(PREFIX)/include/linux/esp_mobility.h

# The module's sources as DKMS wants them (debian/rules puts them in
# /usr/src/esp-mobility-VERSION; dh_dkms adds dkms.conf).
install-module-source:
	install -d $(MODULE_SOURCE_DIR)
	cp --parents -p $(MODULE_SOURCES) $(MODULE_SOURCE_DIR)/

deb:
	scripts/make-deb

# The charon plugin and its strongswan.d snippet: built for the charon
# installed here, so only where scripts/fetch-strongswan prepared its
# source; otherwise install says so and leaves it out.
.PHONY: install-plugin uninstall-plugin
install-plugin: plugin
	@if [ -n "$$(ls build/strongswan-*/config.h 2>/dev/null)" ]; then \
		$(MAKE) -C plugin install DESTDIR=$(DESTDIR); \
	else \
		echo "install-plugin: plugin not built (scripts/fetch-strongswan), not installed"; \
	fi
uninstall-plugin:
	$(MAKE) -C plugin uninstall DESTDIR=$(DESTDIR)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(USER_MODULE_DIR) build/deb build/deb-work
	$(MAKE) -C userspace clean
	$(MAKE) -C plugin clean
	$(MAKE) -C selftests clean
