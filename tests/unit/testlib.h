/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every unit test program shares: cmocka, a fresh fixture and context
 * per test, and assertions on the fake kernel's write log. */
#ifndef VFH_TEST_TESTLIB_H
#define VFH_TEST_TESTLIB_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "fixture.h"
#include "fakekernel.h"

/* *state of every test made by t_setup() */
struct t {
	struct fx *fx;
	struct vfh_ctx *ctx;
	char log[16384];	/* what the library logged, one line each */
	size_t loglen;
};

/* A fresh fixture, a context attached to it (wait bound 50 ms, logging
 * everything into t->log).  Fails the test on any error. */
int t_setup(void **state, const char *fixture, const char *extra);
/* Checks the tree is still coherent (fx_check), then frees everything. */
int t_teardown(void **state);

/* One setup per fixture file */
int t_guest(void **state);
int t_efifb(void **state);
int t_noiommu(void **state);
int t_s2idle(void **state);
int t_nvmeroot(void **state);
int t_routenic(void **state);
int t_bridge(void **state);
int t_rt(void **state);

/* A CPU set from a kernel list ("" is empty); fails the test on garbage. */
struct vfh_cpuset t_cpus(const char *list);
/* The set as a kernel list; two alternating static buffers. */
const char *t_cpulist(const struct vfh_cpuset *s);

#define T(fn) cmocka_unit_test_setup_teardown(fn, t_guest, t_teardown)
#define T_ON(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, t_teardown)

/* Line-buffered stdout, so TAP lines printed before a sanitizer abort are
 * not lost.  Call first in main(). */
void t_init(void);

/* Parses an address the test trusts; fails the test if it is not one. */
struct vfh_pci_addr t_addr(const char *s);
/* vfh_pci_info_read() that must succeed (the test fails otherwise). */
struct vfh_pci_info t_info(struct t *t, const char *addr);
/* File descriptors this process holds: to catch leaks. */
int t_open_fds(void);

/* The write log must be exactly these writes, in this order. */
struct t_w {
	const char *path;
	const char *val;
};
void t_assert_writes(struct fx *fx, const struct t_w *want, size_t n, const char *file,
		     int line);
#define assert_writes(fx, ...) do {                                           \
		static const struct t_w want_[] = { __VA_ARGS__ };              \
		t_assert_writes(fx, want_, sizeof(want_) / sizeof(want_[0]),    \
				__FILE__, __LINE__);                            \
	} while (0)
#define assert_no_writes(fx) t_assert_writes(fx, NULL, 0, __FILE__, __LINE__)

/* hay contains needle */
void t_assert_contains(const char *hay, const char *needle, const char *file, int line);
#define assert_contains(hay, needle) t_assert_contains(hay, needle, __FILE__, __LINE__)

/* The driver the tree shows for addr ("" unbound). */
#define assert_driver(fx, addr, want) do {                                     \
		const char *got_ = fx_driver(fx, addr);                         \
		assert_non_null(got_);                                          \
		assert_string_equal(got_, want);                                \
	} while (0)

#define DEV(addr, attr) "sys/bus/pci/devices/" addr "/" attr
#define DRV(name, attr) "sys/bus/pci/drivers/" name "/" attr

#endif
