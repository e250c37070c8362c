/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fabricated /sys, /proc, /dev trees for the unit tests.
 *
 * fx_new("guest") reads tests/unit/fixtures/guest.fx and builds it in a
 * fresh mkdtemp() directory shaped like the real thing: device directories
 * under sys/devices/pci0000:00/..., relative symlinks whose targets exist
 * (bus/pci/devices/ADDR, ADDR/driver, ADDR/iommu_group, the iommu group's
 * devices/ADDR, drivers/NAME/ADDR), attribute files holding what the kernel
 * would show.  fx_attach() points a context at it and installs the fake
 * kernel (fakekernel.h) that answers the library's writes.  fx_free()
 * removes the directory.
 *
 * Every failure here fails the running cmocka test: a test never goes on
 * with half a fixture, and nothing is ever written outside the fixture's
 * directory (fx_check_prefix() refuses a prefix resolving to "/").
 *
 * The spec format is described at the top of fixture.c, each kind's keys
 * at the top of the fx-*.c that builds it. */
#ifndef VFH_TEST_FIXTURE_H
#define VFH_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "vfiohook.h"

struct fx;

/* Builds fixtures/NAME.fx in a new directory made by mkdtemp() below
 * $TMPDIR, else /dev/shm, else /tmp.  Free with fx_free(). */
struct fx *fx_new(const char *name);
/* The same with more spec lines applied after the file's (a line for a
 * kind and name already defined adds to or replaces its keys). */
struct fx *fx_new_with(const char *name, const char *extra);
/* Removes the tree and frees fx.  NULL is fine. */
void fx_free(struct fx *fx);
/* Points every root of ctx below the fixture and installs the fake kernel. */
void fx_attach(struct fx *fx, struct vfh_ctx *ctx);
/* The fixture's directory (absolute, resolved). */
const char *fx_root(const struct fx *fx);
/* 0 when path names a directory that is not "/" once resolved, -EPERM
 * when it resolves to "/", -errno when it cannot be resolved. */
int fx_check_prefix(const char *path);
/* Where fixtures/ is: $VFH_FIXTURES, else found above the test program. */
const char *fx_dir(void);

/* Reading the tree for assertions, independently of the library.  Paths
 * are relative to the fixture root ("sys/bus/pci/drivers_probe").  Strings
 * returned live in a small ring inside fx: valid for the next 7 calls. */
const char *fx_read(struct fx *fx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));	/* exact content, NULL if absent */
const char *fx_readlink(struct fx *fx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));	/* link target, NULL if not a link */
bool fx_exists(struct fx *fx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));	/* lstat() */
/* Last component of bus/pci/devices/ADDR/driver, "" unbound, NULL when the
 * device is not there.  Fails the test if the link and the driver's own
 * ADDR link disagree. */
const char *fx_driver(struct fx *fx, const char *addr);
/* Writes a file directly (no kernel behind it): to shape a test's tree. */
void fx_write(struct fx *fx, const char *rel, const char *content);
/* A relative symlink at linkrel pointing at targetrel (both relative to
 * the root), as sysfs makes them (through the common ancestor).  Replaces
 * what was there. */
void fx_symlink(struct fx *fx, const char *linkrel, const char *targetrel);
/* Removes a file, link or directory tree directly. */
void fx_delete(struct fx *fx, const char *rel);
/* Checks the whole tree is coherent: every symlink resolves inside the
 * fixture, each PCI device's driver / group / bus links agree with each
 * other.  Fails the test otherwise. */
void fx_check(struct fx *fx);
/* The same, returning the problem (NULL: none) instead of failing. */
const char *fx_check_msg(struct fx *fx);

#endif
