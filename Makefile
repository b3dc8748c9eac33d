# SPDX-License-Identifier: GPL-2.0
#
# make            build esp_mobility.ko, espmob and the selftests
# make check      install what is missing, build, run every test in a guest
# make demo       the moving-terminal demonstration in a guest
# make bench      benchmarks against XFRM_MSG_MIGRATE and delete/re-add
# make checkpatch / sparse    kernel style and static checks
# make check-debug / check-rt  debug-kernel and PREEMPT_RT lanes (debug/)

# The running kernel when its headers are installed (scripts/kver).
KVER ?= $(shell scripts/kver 2>/dev/null)
KDIR ?= /usr/src/linux-headers-$(KVER)
KSRC ?= $(CURDIR)/build/linux-source
# `make` builds the test flavour of the module (fault injection, Kbuild);
# the user flavour, without it, is what install, DKMS and the packages use.
ESPMOB_FAULT_INJECTION ?= 1
USER_MODULE_DIR := $(CURDIR)/build/module-user
MODULE_SOURCES = Kbuild $(wildcard module/*.[ch] module/*/*.[ch] uapi/linux/*.h) \
	module/compat/probe module/compat/Kbuild.include \
	$(wildcard module/compat/probes/*.c)

export KVER KDIR KSRC

.PHONY: all module module-user userspace selftests clean check demo bench \
	deps checkpatch sparse install

all: module userspace selftests

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

sparse: kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 W=1 ESPMOB_FAULT_INJECTION=1 modules

checkpatch:
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

bench: deps
	$(MAKE) all
	bench/run

install: userspace
	$(MAKE) -C userspace install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(USER_MODULE_DIR)
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
