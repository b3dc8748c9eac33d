# SPDX-License-Identifier: GPL-2.0
#
# make            build esp_mobility.ko, espmob and the selftests
# make check      install what is missing, build, run every test in a guest
# make demo       the moving-terminal demonstration in a guest
# make bench      benchmarks against XFRM_MSG_MIGRATE and delete/re-add
# make checkpatch / sparse    kernel style and static checks
# make check-debug / check-rt  debug-kernel and PREEMPT_RT lanes (debug/)

KVER ?= $(shell scripts/kver 2>/dev/null)
KDIR ?= /usr/src/linux-headers-$(KVER)
KSRC ?= $(CURDIR)/build/linux-source

export KVER KDIR KSRC

.PHONY: all module userspace selftests clean check demo bench deps \
	checkpatch sparse install

all: module userspace selftests

deps:
	scripts/setup-deps

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

userspace:
	$(MAKE) -C userspace

selftests: userspace
	$(MAKE) -C selftests
	$(MAKE) -C bench

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 W=1 modules

checkpatch:
	perl $(KSRC)/scripts/checkpatch.pl --no-tree --strict --terse \
		--ignore SPDX_LICENSE_TAG -f module/*.c module/*.h uapi/linux/*.h

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
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
