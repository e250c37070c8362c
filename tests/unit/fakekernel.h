/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fake kernel behind a fixture: it plays the kernel's part inside the
 * library's write (struct vfh_test_ops), synchronously, keeps an ordered
 * log of every write, and fails on request.  Its rules, and the kernel code
 * they were taken from, are at the top of each subsystem's fk-*.c (the
 * list is at the top of fakekernel.c). */
#ifndef VFH_TEST_FAKEKERNEL_H
#define VFH_TEST_FAKEKERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fx;

/* One write, in the order the library made them.  path is relative to the
 * fixture root exactly as the library named it
 * ("sys/bus/pci/devices/0000:01:00.0/driver_override").  Module and unit
 * operations are logged too, as "@modprobe", "@rmmod", "@start", "@stop"
 * with the name as val. */
struct fk_write {
	char *path;
	char *val;
	int result;		/* what the write returned */
};

size_t fk_nwrites(const struct fx *fx);
const struct fk_write *fk_write_at(const struct fx *fx, size_t i);
void fk_log_clear(struct fx *fx);
/* Index of the first write of val to path at or after `from`, -1 if none.
 * val NULL matches any value. */
int fk_log_find(const struct fx *fx, size_t from, const char *path, const char *val);
/* How many writes went to path. */
size_t fk_log_count(const struct fx *fx, const char *path);
/* The log as text, one "path = value" per line, for failure messages. */
const char *fk_log_dump(struct fx *fx);

/* ---- faults */
/* The nth write (1-based, counted from now; 0: every write) to path
 * fails with err; the kernel state does not change. */
void fk_fail_write(struct fx *fx, const char *path, unsigned int nth, int err);
/* The nth write to path is accepted (returns success) and does nothing. */
void fk_ignore_write(struct fx *fx, const char *path, unsigned int nth);
/* The driver's probe fails with err (a negative errno): drivers_probe
 * leaves the device unbound and succeeds, drivers/NAME/bind returns err. */
void fk_refuse_probe(struct fx *fx, const char *driver, int err);
/* Loading (load=true) or unloading module fails with err. */
void fk_fail_module(struct fx *fx, const char *module, bool load, int err);
/* The next n writes of "mem" to power/state return success but the host
 * does not sleep (suspend_stats/success does not move). */
void fk_suspend_uncounted(struct fx *fx, unsigned int n);
/* The next n suspends fail with err, naming dev in last_failed_dev and
 * "suspend" in last_failed_step; dev "": a task would not freeze ("freeze"). */
void fk_suspend_fail(struct fx *fx, unsigned int n, int err, const char *dev);
/* A rescan does not bring addr back. */
void fk_rescan_keep_gone(struct fx *fx, const char *addr);
/* vtconN's bind file accepts writes and ignores them. */
void fk_vtcon_decline(struct fx *fx, int index);
/* The slot a console driver leaves stays taken (its deferred removal has
 * not run yet): fbcon registering again gets the next free vtconN. */
void fk_vtcon_slot_lingers(struct fx *fx);
/* Starting / stopping unit fails with err. */
void fk_fail_unit(struct fx *fx, const char *unit, const char *verb, int err);

/* ---- what the kernel went through */
/* Suspends that happened, and the mem_sleep mode each one used. */
unsigned int fk_suspends(const struct fx *fx);
const char *fk_suspend_mode(const struct fx *fx, unsigned int i);
/* Suspends entered with no wake alarm armed (a real host would not wake). */
unsigned int fk_suspends_without_alarm(const struct fx *fx);
/* Resets through ADDR/reset. */
unsigned int fk_resets(struct fx *fx, const char *addr);
int fk_unit_active(const struct fx *fx, const char *unit);	/* 1, 0, -1 unknown */
/* A unit's AllowedCPUs in the fake systemd, as a bitmap (0: not set). */
uint64_t fk_unit_allowed_cpus(struct fx *fx, const char *unit);
bool fk_module_live(struct fx *fx, const char *module);

#endif
