/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the tests of the hook's engine and of the built programs share:
 * INI and domain XML from strings, a snapshot of the host state a release
 * must give back, files in a fixture's etc and run trees, and running a
 * built program with its output captured. */
#ifndef VFH_TEST_HOOKTEST_H
#define VFH_TEST_HOOKTEST_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "fixture.h"

/* The path eng_config_parse() is given by t_config() */
#define T_INI "/etc/libvirt/hooks/vfiohook/vm.ini"

/* Parses INI text (eng_config_parse on a memory stream named T_INI); fails the
 * test with the parser's line when it is refused.  eng_config_free() it. */
void t_config(struct hook_config *cfg, const char *text);
/* The same, expecting a refusal: returns eng_config_parse()'s result and its
 * one line in err. */
int t_config_err(const char *text, char *err, size_t errlen);
/* Parses a domain XML; fails the test when it is refused. */
void t_domxml(struct domain_xml *dom, const char *xml);

/* A domain XML with these PCI hostdevs ("0000:01:00.0", NULL-terminated). */
const char *t_xml_with(const char *const *addrs);

/* What a release must give back, read from the tree alone (never through
 * the library): every PCI device's driver and override, every vtconsole,
 * module, platform device, unit, the sleep mode and the RTC alarm.  One
 * line each, sorted.  The string lives until the next call. */
const char *t_snapshot(struct fx *fx);

/* DOMAIN's INI in the fixture's etc tree (mode 0644, directories 0755). */
void t_ini(struct fx *fx, const char *domain, const char *text);
/* mkdir -p below the fixture root */
void t_mkdirs(struct fx *fx, const char *rel);
/* Absolute path of a fixture-relative path; a static buffer per call slot
 * (4 slots). */
const char *t_abs(struct fx *fx, const char *rel);

/* A built program beside the test programs: BUILD/rel, found from
 * /proc/self/exe (BUILD/tests/unit/test-x). */
const char *t_build_path(const char *rel);

struct t_proc {
	int status;		/* exit code, or 128 + signal */
	char *out, *err;	/* everything written, NUL-terminated */
	size_t in_written;	/* bytes of stdin the child took */
	int in_errno;		/* the error that stopped the writer, 0 none */
	bool timed_out;
};
/* Runs argv[0] with argv and an environment of the sanitizer options plus
 * env (NULL-terminated "K=V", may be NULL), feeding in (inlen bytes) on
 * stdin and closing it, reading stdout and stderr, for at most timeout_ms.
 * Fails the test if it cannot start. */
void t_spawn(const char *const *argv, const char *const *env, const char *in, size_t inlen,
	     int timeout_ms, struct t_proc *p);
void t_proc_free(struct t_proc *p);

/* A copy of s with every `from` replaced by `to`; free() it. */
char *t_subst(const char *s, const char *from, const char *to);
/* Contents of tests/unit/golden/NAME (beside fixtures/); free() it. */
char *t_golden(const char *name);
/* Fails with both texts when they differ. */
void t_assert_text(const char *got, const char *want, const char *what, const char *file,
		   int line);
#define assert_text(got, want, what) t_assert_text(got, want, what, __FILE__, __LINE__)

#endif
