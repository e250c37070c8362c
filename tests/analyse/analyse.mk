# SPDX-License-Identifier: LGPL-2.1-or-later
# Analysers, included by tests/tests.mk.  None is part of `make check`
# (its build tier builds the tree with clang -Werror, see tests/build-check);
# each fails on any finding.
#
#   make analyse      cppcheck (tests/analyse/cppcheck.supp) on the release
#                     and the test configuration, then clang's static
#                     analyser (scan-build) over the release build
#   make valgrind     the unit tier with the library, engine, hook and CLI
#                     built as released (-O2, no sanitizer; the test seams
#                     in) and every test program and every hook/CLI it
#                     runs under valgrind memcheck; TAP in
#                     tests/out/valgrind.tap, reports in $(TB)/memcheck/vg
.PHONY: analyse analyse-cppcheck analyse-clang valgrind unit-programs

CPPCHECK ?= cppcheck
CPPCHECK_FLAGS := -q --std=c11 --enable=warning,style,portability,performance \
	--inline-suppr --suppressions-list=tests/analyse/cppcheck.supp --error-exitcode=1 \
	-D_GNU_SOURCE -DVFH_ENGINE_PATH='"/"' -Ilib -Ihooks

analyse: analyse-cppcheck analyse-clang

analyse-cppcheck:
	$(CPPCHECK) $(CPPCHECK_FLAGS) lib hooks tools tests/fuzz
	$(CPPCHECK) $(CPPCHECK_FLAGS) -DVFH_TEST_BUILD lib hooks tools

# scan-build puts its compiler in CC: the sub-make must not be given one
analyse-clang:
	rm -rf $(TB)/analyse
	scan-build --status-bugs --use-cc=clang -o $(TB)/analyse/report \
		$(MAKE) --no-print-directory -s O=$(TB)/analyse all

# no -Werror: the test programs' fixture code is not written for -O2's
# truncation warnings; the product's -O2 -Werror build is check-build's
ifeq ($(VARIANT),memcheck)
CFLAGS   := -O2 -g
CPPFLAGS += -DVFH_TEST_BUILD
ifeq ($(NOT_BUILDING),)
$(call need,$(DEPS_TEST))
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka)
TEST_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka)
endif
endif

unit-programs: all $(UNIT_TESTS)

VG_DIR := $(TB)/memcheck
valgrind:
	@command -v valgrind >/dev/null || { echo "make valgrind needs valgrind: apt-get install valgrind" >&2; exit 1; }
	$(MAKE) --no-print-directory O=$(VG_DIR) VARIANT=memcheck \
		ENGINEDIR=$(abspath $(VG_DIR))/hooks unit-programs
	@mkdir -p tests/out
	tests/analyse/valgrind-run $(VG_DIR) tests/out/valgrind.tap
	@tests/summary tests/out/valgrind.tap
