# SPDX-License-Identifier: LGPL-2.1-or-later
# Fuzz targets (tests/fuzz/fuzz-*.c), included by tests/tests.mk.
#
#   make fuzz         each target built with clang and libFuzzer (ASan,
#                     UBSan) into tests/build/fuzz, run FUZZ_SECONDS (60)
#                     from the committed corpus; executions and crashes
#                     per target, a crash's input under
#                     tests/build/fuzz/crashes/TARGET/
#   make fuzz-merge   the committed corpus (tests/fuzz/corpus/TARGET)
#                     minimized together with what `make fuzz` found
#                     (libFuzzer -merge=1); files named crash-* are kept
#   make check        replays the committed corpus through each target
#                     with a plain main() (tests/fuzz/replay.c): any
#                     compiler, seconds; TAP in tests/out/fuzz.tap
FUZZ_TARGETS := ini domxml journal cpulist size pciaddr
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_DIR     := $(TB)/fuzz

ifeq ($(VARIANT),fuzz)
SAN     := -fsanitize=fuzzer-no-link,address,undefined
CFLAGS  := -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all $(SAN)
LDFLAGS += -fsanitize=address,undefined
endif

FUZZ_REPLAY := $(patsubst %,$(O)/tests/fuzz/%.replay,$(FUZZ_TARGETS))
FUZZ_PROGS  := $(patsubst %,$(O)/tests/fuzz/%.fuzzer,$(FUZZ_TARGETS))

$(O)/tests/fuzz/%.o: tests/fuzz/%.c tests/fuzz/fuzz.h lib/vfiohook.h lib/internal.h hooks/engine.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Ihooks -Itests/fuzz $(ALL_CFLAGS) $(LIB_CFLAGS) $(HOOK_CFLAGS) \
		-MMD -MP -c -o $@ $<

$(O)/tests/fuzz/%.replay: $(O)/tests/fuzz/fuzz-%.o $(O)/tests/fuzz/replay.o $(ENGINE_A) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(HOOK_LIBS) $(LIB_LIBS)

$(O)/tests/fuzz/%.fuzzer: $(O)/tests/fuzz/fuzz-%.o $(ENGINE_A) $(LIB_A)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(HOOK_LIBS) $(LIB_LIBS)

-include $(O)/tests/fuzz/replay.d $(addprefix $(O)/tests/fuzz/fuzz-,$(FUZZ_TARGETS:=.d))

# the check build's test programs include the replays
test-programs: $(FUZZ_REPLAY)

.PHONY: fuzz fuzz-merge fuzz-build fuzz-programs
fuzz-programs: $(FUZZ_PROGS)

fuzz-build:
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz needs clang: apt-get install clang" >&2; exit 1; }
	$(MAKE) --no-print-directory O=$(FUZZ_DIR) VARIANT=fuzz CC=$(FUZZ_CC) fuzz-programs

fuzz: fuzz-build
	tests/fuzz/run-fuzz $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-merge: fuzz-build
	tests/fuzz/run-fuzz --merge $(FUZZ_DIR) 0 $(FUZZ_TARGETS)
