# SPDX-License-Identifier: LGPL-2.1-or-later
# Test tiers, included by the top Makefile.
#
#   build: install/uninstall, pkg-config, exports, dependency messages
#   unit:  cmocka programs against fabricated sysfs trees (tests/unit)
#   vm:    the real kernel and a real libvirtd in a QEMU guest (tests/vm)
#
# Both write TAP into tests/out/; tests/summary counts them and prints the
# closing "N passed, N failed" line.

TB := tests/build

UNIT_SUPPORT_SRC := $(filter-out tests/unit/test-%.c,$(wildcard tests/unit/*.c))
UNIT_SUPPORT_OBJ := $(patsubst tests/unit/%.c,$(O)/tests/unit/%.o,$(UNIT_SUPPORT_SRC))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(wildcard tests/unit/test-*.c))

ifeq ($(NOT_BUILDING),)
ifneq ($(filter check unit vm,$(MAKECMDGOALS))$(filter check,$(VARIANT)),)
$(call need,$(DEPS_TEST))
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka)
TEST_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka)
endif
endif

$(O)/tests/unit/%.o: tests/unit/%.c $(wildcard tests/unit/*.h) lib/vfiohook.h lib/internal.h hooks/engine.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Ihooks -Itests/unit $(ALL_CFLAGS) $(LIB_CFLAGS) $(HOOK_CFLAGS) \
		$(TEST_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/tests/unit/test-%: $(O)/tests/unit/test-%.o $(UNIT_SUPPORT_OBJ) $(ENGINE_A) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(HOOK_LIBS) $(LIB_LIBS)

# small programs the real-kernel tier runs inside the guest
VM_PROGS := $(O)/tests/vm/vfio-group-status $(O)/tests/vm/etc-state

$(O)/tests/vm/%: tests/vm/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

# vfiohook 0.1.0, built from git, for the upgrade test (t-hook-upgrade.sh):
# a domain started by its hook is released by this tree's.  Its engine is
# loaded from the build tree, as the test build's is.
V010_REV := 950cac7
V010     := $(TB)/v0.1.0
VM_PROGS += $(V010)/hooks/vfiohook-qemu

# Outside a git checkout with its history there is no 0.1.0 to build: the
# upgrade test then fails on its own, saying so; the rest runs.
$(V010)/hooks/vfiohook-qemu:
	rm -rf $(V010) && mkdir -p $(V010)
	@if ! command -v git >/dev/null || ! git cat-file -e $(V010_REV) 2>/dev/null; then \
		echo "vfiohook 0.1.0 ($(V010_REV)) not built: needs git and this tree's history" \
			| tee $(V010)/NOT-BUILT >&2; exit 0; fi; \
	git archive $(V010_REV) | tar -x -C $(V010) && \
	$(MAKE) -C $(V010) --no-print-directory -s O=. VARIANT=release \
		ENGINEDIR=$(abspath $(V010))/hooks all

test-programs: all $(UNIT_TESTS) $(VM_PROGS)

# ---- proof (issue 10): fuzz targets and their corpus replay
include tests/fuzz/fuzz.mk
include tests/analyse/analyse.mk
# ---- end proof

-include $(UNIT_TESTS:=.d) $(UNIT_SUPPORT_OBJ:.o=.d)

.PHONY: test-programs check-build demo

# The release build (optimised, as installed) must stand -Werror too: built
# apart in $(TB)/release, where the real-kernel tier also finds the hook
# exactly as users install it.  The sanitized test build is $(TB).
check-build:
	$(MAKE) --no-print-directory O=$(TB)/release WARN='$(WARN) -Werror' all
	$(MAKE) --no-print-directory O=$(TB) VARIANT=check test-programs

unit: check-build
	tests/unit/run $(TB) tests/out/unit.tap

vm: check-build
	tests/vm/run $(TB) tests/out/vm.tap

# The soak (tests/vm/t-soak.sh) for SOAK_CYCLES cycles: make check runs
# it for 2.  About 30 s a cycle under TCG; bounded at 60 s a cycle.
SOAK_CYCLES ?= 200
.PHONY: soak
soak: check-build
	VFH_SOAK_CYCLES=$(SOAK_CYCLES) VFH_VM_TIMEOUT=$$(( 300 + 60 * $(SOAK_CYCLES) )) \
		tests/vm/run $(TB) tests/out/soak.tap t-soak.sh

# The demo (tests/vm/t-demo.sh, also a test of the vm tier): the release
# build, installed by `make install` inside the guest, streamed as it goes.
demo:
	$(MAKE) --no-print-directory O=$(TB)/release WARN='$(WARN) -Werror' all
	tests/vm/demo $(TB)

# Every tier runs even when one fails; the summary decides.
check: check-build
	@rm -rf tests/out; mkdir -p tests/out
	-tests/timed tests/out/build.tap tests/build-check tests/out/build.tap
	-tests/timed tests/out/unit.tap tests/unit/run $(TB) tests/out/unit.tap
	-tests/timed tests/out/fuzz.tap tests/fuzz/run $(TB) tests/out/fuzz.tap
	-tests/timed tests/out/vm.tap tests/vm/run $(TB) tests/out/vm.tap
	@tests/summary tests/out/build.tap tests/out/unit.tap tests/out/fuzz.tap tests/out/vm.tap

# ---------------------------------------------------------------- bench --
# Figures with their baselines from the same run (tests/bench/hookbench.c).
BENCH_DIR := $(TB)/bench
BENCH_ROUNDS ?= 1000

# The guest benchmarks (tests/bench/guestbench): hugepages on a fragmented
# NUMA node, and what the hook adds to virsh start/destroy.  The hook is
# built as users install it (release, -O2), its engine loaded from the
# build tree: the sanitized test build would measure ASan.
BENCH_VM := $(BENCH_DIR)/vm
BENCH_HUGE_PAGES ?= 0
BENCH_HUGE_ROUNDS ?= 3
BENCH_VIRSH_ROUNDS ?= 5

.PHONY: bench bench-guest bench-guest-programs
bench-guest-programs: all
	$(MAKE) --no-print-directory O=$(BENCH_VM) VARIANT=release \
		ENGINEDIR=$(abspath $(BENCH_VM))/hooks all
	$(CC) $(CPPFLAGS) -O2 -o $(BENCH_VM)/hugebench tests/bench/hugebench.c \
		$(BENCH_VM)/lib/libvfiohook.a $(LIB_LIBS)
	$(CC) -O2 -DREAL_HOOK='"$(abspath $(BENCH_VM))/hooks/vfiohook-qemu"' \
		-o $(BENCH_VM)/rsswrap tests/bench/rsswrap.c

BENCH_GUEST = tests/bench/guestbench $(BENCH_VM) $(BENCH_HUGE_PAGES) \
	$(BENCH_HUGE_ROUNDS) $(BENCH_VIRSH_ROUNDS)

bench-guest: bench-guest-programs
	$(BENCH_GUEST)

bench: all bench-guest-programs
	@mkdir -p $(BENCH_DIR)
	$(CC) -O2 -o $(BENCH_DIR)/hookbench tests/bench/hookbench.c
	$(CC) -O2 -o $(BENCH_DIR)/floor tests/bench/floor.c
	$(CC) $(CPPFLAGS) -DVFH_ENGINE_PATH='"/nonexistent"' -Ihooks -O2 \
		-o $(BENCH_DIR)/one-binary hooks/front.c hooks/domname.c \
		-Wl,--no-as-needed $(HOOK_LIBS) $(LIB_LIBS)
	$(BENCH_DIR)/hookbench $(BENCH_ROUNDS) $(BENCH_DIR)/floor $(HOOK_BIN) \
		$(BENCH_DIR)/one-binary tests/bench/dispatcher.sh
	$(BENCH_GUEST)

# test objects are intermediate files to make: keep them, so a second
# `make check` does not rebuild every test program
.SECONDARY:
