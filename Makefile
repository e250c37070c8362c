# SPDX-License-Identifier: LGPL-2.1-or-later
# vfiohook: plain GNU make.
#
#   make              library (shared + static + .pc), hook, CLI
#   make check        the same built with -Werror, ASan and UBSan into
#                     tests/build, then every test tier (build, unit, fuzz
#                     corpus replay, real kernel)
#   make demo         the main job, on screen, in two QEMU guests
#                     (tests/vm/t-demo.sh, t-demo-single.sh)
#   make bench        benchmarks, figures against a baseline in the same run
#   make soak         two domains started and destroyed SOAK_CYCLES (200)
#                     times in a test guest, the host checked after each
#   make fuzz         libFuzzer on each parser (clang), FUZZ_SECONDS each;
#                     make fuzz-merge folds what it found into the corpus
#                     (tests/fuzz/fuzz.mk; make check replays the corpus)
#   make analyse      cppcheck and clang's static analyser (tests/analyse)
#   make valgrind     the unit tier release-built under valgrind memcheck
#   make install      honours DESTDIR and PREFIX; RELOAD=yes reloads libvirtd
#   make uninstall
#   make clean

VERSION   := 0.2.0
SOVERSION := 1

PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/vfiohook
# libvirt reads hooks from /etc whatever the prefix; AppArmor lets libvirtd
# run what is below /etc/libvirt/hooks, so the hook is installed there as a
# file, never as a symlink into $(PREFIX).
HOOKDIR    ?= /etc/libvirt/hooks
DESTDIR    ?=

CC         ?= cc
AR         ?= ar
PKG_CONFIG ?= pkg-config
INSTALL    ?= install

# O: where objects go.  "." (beside the sources) for a normal build,
# tests/build for the sanitized test build that `make check` makes.
O       ?= .
VARIANT ?= release

CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wformat=2 -Wshadow -Wmissing-prototypes \
	    -Wstrict-prototypes -Wno-unused-parameter
ifeq ($(VARIANT),check)
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all
CFLAGS   := -O1 -g -fno-omit-frame-pointer $(SAN)
WARN     += -Werror
CPPFLAGS += -DVFH_TEST_BUILD
LDFLAGS  += $(SAN)
endif
CPPFLAGS += -D_GNU_SOURCE -DVFH_VERSION='"$(VERSION)"' -Ilib
ALL_CFLAGS = -std=gnu11 $(WARN) -fPIC -fvisibility=hidden $(CFLAGS)

# ---------------------------------------------------------------- deps --
# Each pkg-config module with the Debian package that provides it.
DEPS_LIB  := libpci:libpci-dev libudev:libudev-dev libkmod:libkmod-dev \
	     libsystemd:libsystemd-dev
DEPS_HOOK := inih:libinih-dev libxml-2.0:libxml2-dev
# the CLI alone reads domain XML from libvirtd; the hook never links libvirt
DEPS_CLI  := libvirt:libvirt-dev
DEPS_TEST := cmocka:libcmocka-dev

pc_mod = $(word 1,$(subst :, ,$(1)))
pc_deb = $(word 2,$(subst :, ,$(1)))
need = $(if $(shell command -v $(PKG_CONFIG)),,$(error pkg-config not found: \
	apt-get install pkg-config))$(foreach d,$(1),$(if $(shell $(PKG_CONFIG) \
	--exists $(call pc_mod,$(d)) && echo y),,$(error $(call pc_mod,$(d)) not \
	found by pkg-config: apt-get install $(call pc_deb,$(d)))))

NOT_BUILDING := $(filter clean uninstall help,$(MAKECMDGOALS))
ifeq ($(NOT_BUILDING),)
$(call need,$(DEPS_LIB) $(DEPS_HOOK) $(DEPS_CLI))
LIB_CFLAGS  := $(shell $(PKG_CONFIG) --cflags libpci libudev libkmod libsystemd)
LIB_LIBS    := $(shell $(PKG_CONFIG) --libs libpci libudev libkmod libsystemd)
HOOK_CFLAGS := $(shell $(PKG_CONFIG) --cflags inih libxml-2.0)
HOOK_LIBS   := $(shell $(PKG_CONFIG) --libs inih libxml-2.0)
# the CLI reads systemd's journal (check: when libvirtd was reloaded); it
# links libsystemd through LIB_LIBS
CLI_CFLAGS  := $(shell $(PKG_CONFIG) --cflags libvirt libsystemd)
CLI_LIBS    := $(shell $(PKG_CONFIG) --libs libvirt)
endif

# -------------------------------------------------------------- sources --
LIB_SRC := ctx.c path.c array.c abi.c pciaddr.c pcidev.c pcinames.c iommu.c wait.c bind.c \
	   rescan.c reset.c suspend.c module.c vtcon.c framebuffer.c systemd.c hostneeds.c \
	   cpulist.c cpuset.c irq.c tuning.c
LIB_SRC += hugepages.c holders.c shmfile.c
LIB_OBJ := $(addprefix $(O)/lib/,$(LIB_SRC:.c=.o))
SONAME  := libvfiohook.so.$(SOVERSION)
LIB_SO  := $(O)/lib/libvfiohook.so.$(VERSION)
LIB_A   := $(O)/lib/libvfiohook.a

# Each kind of step is one file in hooks/steps/ (and one line in the table
# of hooks/step.c): the build picks them up.
STEP_SRC   := $(patsubst hooks/%,%,$(sort $(wildcard hooks/steps/*.c)))
ENGINE_SRC := error.c config.c domxml.c nodeset.c memory.c isolation.c plan.c plan-host.c step.c $(STEP_SRC) journal.c ledger.c lock.c \
	      log.c domname.c phases.c
ENGINE_OBJ := $(addprefix $(O)/hooks/,$(ENGINE_SRC:.c=.o))
ENGINE_A   := $(O)/hooks/libengine.a
ENGINE_SO  := $(O)/hooks/vfiohook-engine.so
HOOK_BIN   := $(O)/hooks/vfiohook-qemu
TOOL_BIN   := $(O)/tools/vfiohook
# The CLI: one object per file, its commands in the table of tools/main.c.
TOOL_SRC   := main.c output.c cmd-pci.c cmd-domain.c doctor.c advice.c libvirt.c
TOOL_OBJ   := $(addprefix $(O)/tools/,$(TOOL_SRC:.c=.o))
ENGINEDIR  ?= $(LIBDIR)/vfiohook

# The hook's front loads the engine from an absolute path: the installed
# one, or for the test build the one in the build tree.
ifeq ($(VARIANT),check)
ENGINE_PATH := $(abspath $(ENGINE_SO))
else
ENGINE_PATH := $(ENGINEDIR)/vfiohook-engine.so
endif

PROGS := $(LIB_SO) $(LIB_A) $(ENGINE_SO) $(HOOK_BIN) $(TOOL_BIN)

# (demo: tests/tests.mk)
.PHONY: all check bench soak install uninstall clean help unit vm summary
.DEFAULT_GOAL := all

all: $(PROGS) $(O)/lib/libvfiohook.pc

$(O)/lib/%.o: lib/%.c lib/vfiohook.h lib/internal.h lib/array.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LIB_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB_SO): $(LIB_OBJ) lib/libvfiohook.sym
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=lib/libvfiohook.sym \
		-Wl,--no-undefined -Wl,-z,defs $(LDFLAGS) -o $@ $(LIB_OBJ) $(LIB_LIBS)
	ln -sf $(notdir $@) $(O)/lib/$(SONAME)
	ln -sf $(SONAME) $(O)/lib/libvfiohook.so

$(LIB_A): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(O)/lib/libvfiohook.pc: lib/libvfiohook.pc.in Makefile
	sed -e 's|@prefix@|$(PREFIX)|' -e 's|@libdir@|$(LIBDIR)|' \
		-e 's|@includedir@|$(INCLUDEDIR)|' -e 's|@version@|$(VERSION)|' $< > $@

$(O)/hooks/%.o: hooks/%.c hooks/engine.h lib/vfiohook.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Ihooks $(ALL_CFLAGS) $(HOOK_CFLAGS) -MMD -MP -c -o $@ $<

$(ENGINE_A): $(ENGINE_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# The hook is two pieces: a front that needs only libc (for the domains it
# does not manage it must exit at once, without loading libxml2, libkmod,
# libsystemd...) and the engine it dlopen()s for the others.  Engine and CLI
# carry the library statically: no ldconfig, no search path involved.
$(O)/hooks/front.o: CPPFLAGS += -DVFH_ENGINE_PATH='"$(ENGINE_PATH)"'
$(O)/hooks/front.o: Makefile

$(HOOK_BIN): $(O)/hooks/front.o $(O)/hooks/domname.o
	$(CC) $(LDFLAGS) -o $@ $^

$(ENGINE_SO): $(O)/hooks/engine.o $(ENGINE_A) $(LIB_A)
	$(CC) -shared -Wl,--no-undefined -Wl,-z,defs $(LDFLAGS) -o $@ $^ $(HOOK_LIBS) $(LIB_LIBS)

$(O)/tools/%.o: tools/%.c tools/cli.h hooks/engine.h lib/vfiohook.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Ihooks $(ALL_CFLAGS) $(HOOK_CFLAGS) $(CLI_CFLAGS) -MMD -MP -c -o $@ $<

$(TOOL_BIN): $(TOOL_OBJ) $(ENGINE_A) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(HOOK_LIBS) $(CLI_LIBS) $(LIB_LIBS)

-include $(LIB_OBJ:.o=.d) $(ENGINE_OBJ:.o=.d) $(O)/hooks/front.d $(O)/hooks/engine.d \
	$(TOOL_OBJ:.o=.d)

include tests/tests.mk

# ------------------------------------------------------------- install --
# Exactly the tree README's "Install" lists (tests/build-check holds both
# to it).  Never a hooks/qemu: libvirt runs an existing one (someone else's
# dispatcher) and then every file in qemu.d/, ours among them.
EXAMPLES   := $(sort $(wildcard conf/*.ini))
COMPLDIR   ?= $(PREFIX)/share/bash-completion/completions
INIDIR     := $(HOOKDIR)/vfiohook
# RELOAD=yes: reload the running libvirt daemon once the hook is in place
# (it reads the hook directory only when it starts or reloads)
RELOAD     ?= no
# where the running daemon is looked for (tests point it at a fake /proc)
PROC       ?= /proc

# The running libvirt daemon's name (libvirtd, or virtqemud for the modular
# daemons), or nothing.
daemon_sh = for p in $(PROC)/[0-9]*; do read c < $$p/comm 2>/dev/null || continue; \
	case $$c in libvirtd|virtqemud) echo $$c; break ;; esac; done

install: all
	$(INSTALL) -d -m 0755 $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(COMPLDIR) \
		$(DESTDIR)$(ENGINEDIR) $(DESTDIR)$(HOOKDIR)/qemu.d $(DESTDIR)$(INIDIR)
	$(INSTALL) -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libvfiohook.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libvfiohook.so
	$(INSTALL) -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 0644 lib/vfiohook.h $(DESTDIR)$(INCLUDEDIR)/
	$(INSTALL) -m 0644 $(O)/lib/libvfiohook.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	$(INSTALL) -m 0755 $(TOOL_BIN) $(DESTDIR)$(SBINDIR)/vfiohook
	$(INSTALL) -m 0755 $(ENGINE_SO) $(DESTDIR)$(ENGINEDIR)/
	$(INSTALL) -m 0644 lib/libvfiohook.3 $(DESTDIR)$(MANDIR)/man3/
	$(INSTALL) -m 0644 hooks/vfiohook.ini.5 $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 0644 hooks/vfiohook-hook.8 tools/vfiohook.8 $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 tools/vfiohook.bash-completion $(DESTDIR)$(COMPLDIR)/vfiohook
	$(INSTALL) -m 0644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	@# the hook last: libvirt may run it as soon as it is there, and then
	@# its engine must be in place; a file, not a symlink (AppArmor)
	$(INSTALL) -m 0755 $(HOOK_BIN) $(DESTDIR)$(HOOKDIR)/qemu.d/vfiohook
	@if [ -e $(DESTDIR)$(HOOKDIR)/qemu ]; then \
		echo "kept $(DESTDIR)$(HOOKDIR)/qemu (not ours): libvirt runs it, then qemu.d/vfiohook"; fi
	@d=$$($(daemon_sh)); \
	if [ -z "$$d" ]; then \
		echo "libvirtd is not running: it will find the hook when it starts."; \
	elif [ "$(RELOAD)" != yes ]; then \
		echo "left to do: $$d reads hooks only when it starts or reloads: systemctl reload $$d (or: make install RELOAD=yes)"; \
	elif [ -n "$(DESTDIR)" ]; then \
		echo "left to do: RELOAD=yes ignored with DESTDIR (not this system's hook directory): systemctl reload $$d"; \
	elif [ -d /run/systemd/system ]; then \
		echo "systemctl reload $$d"; systemctl reload $$d.service || \
		{ echo "left to do: the reload failed: systemctl restart $$d"; exit 1; }; \
	else \
		echo "kill -HUP $$d"; pid=$$(basename $$(dirname $$(grep -lx $$d $(PROC)/[0-9]*/comm | head -1))); \
		kill -HUP $$pid || { echo "left to do: restart $$d"; exit 1; }; \
	fi
	@echo "next: a domain's INI file in $(INIDIR)/DOMAIN.ini (examples in $(DOCDIR)/examples), then: vfiohook check DOMAIN"

# Removes what install put, nothing else: the INI files in $(INIDIR) are
# the user's and stay (with the directory); an empty qemu.d goes.
uninstall:
	rm -f $(DESTDIR)$(HOOKDIR)/qemu.d/vfiohook
	rm -f $(DESTDIR)$(LIBDIR)/libvfiohook.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
		$(DESTDIR)$(LIBDIR)/libvfiohook.so $(DESTDIR)$(LIBDIR)/libvfiohook.a \
		$(DESTDIR)$(LIBDIR)/pkgconfig/libvfiohook.pc $(DESTDIR)$(INCLUDEDIR)/vfiohook.h \
		$(DESTDIR)$(SBINDIR)/vfiohook $(DESTDIR)$(ENGINEDIR)/vfiohook-engine.so \
		$(DESTDIR)$(MANDIR)/man3/libvfiohook.3 $(DESTDIR)$(MANDIR)/man5/vfiohook.ini.5 \
		$(DESTDIR)$(MANDIR)/man8/vfiohook-hook.8 $(DESTDIR)$(MANDIR)/man8/vfiohook.8 \
		$(DESTDIR)$(COMPLDIR)/vfiohook $(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(notdir $(EXAMPLES)))
	@rmdir $(DESTDIR)$(ENGINEDIR) $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(HOOKDIR)/qemu.d 2>/dev/null || true
	@if rmdir $(DESTDIR)$(INIDIR) 2>/dev/null || [ ! -e $(DESTDIR)$(INIDIR) ]; then :; else \
		echo "kept $(DESTDIR)$(INIDIR)/ and your files in it: $$(ls $(DESTDIR)$(INIDIR) | tr '\n' ' ')"; fi

clean:
	rm -f lib/*.o lib/*.d lib/*.a lib/*.so* lib/*.pc hooks/*.o hooks/*.d hooks/*.a \
		hooks/steps/*.o hooks/steps/*.d hooks/*.so tools/*.o tools/*.d $(HOOK_BIN) $(TOOL_BIN)
	rm -rf tests/build tests/out

help:
	@sed -n '2,19p' Makefile
