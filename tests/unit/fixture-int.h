/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the fixture builder (fixture.c) and the fake kernel
 * (fakekernel.c): the parsed spec, the kernel model the tree renders, and
 * the file helpers that never leave the fixture's directory. */
#ifndef VFH_TEST_FIXTURE_INT_H
#define VFH_TEST_FIXTURE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "fixture.h"
#include "fakekernel.h"

#define FX_NAME 64
#define FX_REL 512		/* a path relative to the fixture root */
#define FX_MAX_PCI 64
#define FX_MAX_DRV 48
#define FX_MAX_MOD 48
#define FX_MAX_VTCON 8
#define FX_MAX_PLAT 16
#define FX_MAX_RTC 4
#define FX_MAX_UNIT 16
#define FX_MAX_FAULT 32
#define FX_MAX_SLEEP 64

/* One spec line after merging: "kind name key=value ...". */
struct fx_kv {
	char *key, *val;
};
struct fx_ent {
	char kind[16];
	char name[160];
	struct fx_kv *kv;
	size_t nkv;
	int line;		/* where it was (last) defined, for messages */
	char file[FX_NAME];
};

struct fk_pci {
	char addr[VFH_PCI_ADDR_MAX];
	struct vfh_pci_addr a;
	int parent;			/* index into fx->pci, -1 on a root bus */
	char dir[FX_REL];		/* "sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0" */
	uint16_t vendor, device, svendor, sdevice;
	uint32_t class;
	int hdr;			/* header type byte, -1: no config file */
	int group;			/* -1: no IOMMU group */
	char reset[FX_NAME];		/* reset_method, "" none (no reset file) */
	int boot_vga;
	char native[FX_NAME];		/* what its id table matches, "" nothing */
	bool fb;			/* registers a framebuffer while on native */
	/* kernel state */
	bool present;
	char driver[FX_NAME];
	char override[FX_NAME];		/* "" = (null) */
	unsigned int resets;
	bool keep_gone;			/* fault: a rescan does not find it */
};

struct fk_driver {
	char name[FX_NAME];
	bool platform;			/* bus/platform, else bus/pci */
	int module;			/* index into fx->mod, -1 built in */
	bool registered;
	int refuse;			/* fault: its probe returns this -errno */
};

enum fk_mod_state { MOD_ABSENT, MOD_LIVE, MOD_BUILTIN };

struct fk_module {
	char name[FX_NAME];
	enum fk_mod_state state;
	int refcnt;
	char holders[256];		/* "a,b" */
	int fail_load, fail_unload;	/* faults: -errno */
	int fbref;			/* of refcnt: fbcon's hold on its fbs */
};

struct fk_vtcon {
	int index;
	char name[96];
	bool bound;			/* holds the VTs */
	bool gone;			/* unregistered (fbcon without a framebuffer) */
	bool decline;			/* fault: the console layer ignores writes */
};

struct fk_platform {
	char name[FX_NAME];
	char native[FX_NAME];
	char driver[FX_NAME];		/* "" unbound */
	bool fb;			/* registers a framebuffer while bound */
};

struct fk_rtc {
	int index;
	char dir[FX_REL];
	bool armed;
	unsigned long alarm;
};

struct fk_unit {
	char name[160];
	bool active;
	int fail_start, fail_stop;
};

struct fk_fault {
	char path[FX_REL];		/* as logged */
	unsigned int nth;		/* 1-based; 0: every write */
	unsigned int seen;
	int err;			/* returned; 0 with ignore */
	bool ignore;			/* accepted without effect */
};

struct fx {
	char root[FX_REL];		/* realpath of the mkdtemp() dir */
	char name[FX_NAME];
	struct fx_ent *ents;
	size_t nents;

	bool iommu;
	struct fk_pci pci[FX_MAX_PCI];
	size_t npci;
	struct fk_driver drv[FX_MAX_DRV];
	size_t ndrv;
	struct fk_module mod[FX_MAX_MOD];
	size_t nmod;
	struct fk_vtcon vtcon[FX_MAX_VTCON];
	size_t nvtcon;
	int nfb;			/* framebuffers registered */
	bool vt_lingers;		/* fault: a left slot stays a zombie */
	unsigned int vt_zombie;		/* bit N: vtconN cannot be reused */
	struct fk_platform plat[FX_MAX_PLAT];
	size_t nplat;
	struct fk_rtc rtc[FX_MAX_RTC];
	size_t nrtc;
	struct fk_unit unit[FX_MAX_UNIT];
	size_t nunit;

	/* /sys/power */
	bool has_mem_sleep;
	char offered[4][16];
	int noffered;
	int mem_sleep;			/* index into offered, -1 none selected */
	char state[64];
	unsigned long success, fail;
	char last_failed_dev[64];
	unsigned int uncounted;		/* fault: suspends that do not count */
	int suspend_err;		/* fault: the next suspends fail so */
	unsigned int suspend_err_n;
	char suspend_err_dev[64];
	char slept[FX_MAX_SLEEP][16];	/* mode of every suspend, in order */
	unsigned int nslept;
	unsigned int slept_without_alarm;

	/* what the library wrote, in order */
	struct fk_write *log;
	size_t nlog, caplog;
	struct fk_fault faults[FX_MAX_FAULT];
	size_t nfaults;
	char *dump;			/* fk_log_dump() */
	bool autoprobe;			/* bus/pci/drivers_autoprobe */

	/* fx_read() and friends hand out these */
	char ring[8][4096];
	unsigned int ringpos;
};

/* Fails the running test (cmocka) with a message. */
void fx_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the spec */
const char *fx_ent_get(const struct fx_ent *e, const char *key);
const struct fx_ent *fx_find_ent(const struct fx *fx, const char *kind,
				 const char *name);

/* ---- file helpers; every rel is checked (relative, no ".." component) and
 * any failure fails the test. */
void fx_abs(const struct fx *fx, char *buf, size_t len, const char *rel);
void fx_mkdirs(struct fx *fx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fx_putf(struct fx *fx, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void fx_putb(struct fx *fx, const char *rel, const void *data, size_t len);
void fx_remove(struct fx *fx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fx_rmtree(struct fx *fx, const char *rel);

/* ---- rendering the model (fixture.c); the fake kernel calls these after
 * changing the state they show */
void fx_render_pci(struct fx *fx, struct fk_pci *d);
void fx_render_pci_children(struct fx *fx, const struct fk_pci *d);
void fx_render_virtual(struct fx *fx);
void fx_render_override(struct fx *fx, const struct fk_pci *d);
void fx_render_pci_attrs(struct fx *fx, const struct fk_pci *d);
void fx_render_driver_dir(struct fx *fx, const struct fk_driver *drv);
void fx_render_module(struct fx *fx, const struct fk_module *m);
void fx_render_vtcon(struct fx *fx, const struct fk_vtcon *c);
void fx_render_platform(struct fx *fx, const struct fk_platform *p);
void fx_render_power(struct fx *fx);
void fx_render_rtc(struct fx *fx, const struct fk_rtc *r);

/* ---- the fake kernel's model (fakekernel.c) */
struct fk_pci *fk_pci_find(struct fx *fx, const char *addr);
struct fk_driver *fk_driver_find(struct fx *fx, const char *name, bool platform);
struct fk_module *fk_module_find(struct fx *fx, const char *name);
/* Binds d to drv (links both ways) or unbinds it (drv NULL). */
void fk_pci_set_driver(struct fx *fx, struct fk_pci *d, const char *drv);
/* The driver core's matching: override, else the id table. */
bool fk_pci_match(const struct fk_pci *d, const char *drv);
/* device_initial_probe(): first registered driver that matches and probes. */
void fk_pci_autoprobe(struct fx *fx, struct fk_pci *d);
/* The framebuffers the model holds now, and fbcon's hold on their modules,
 * taken as the starting state (the spec's refcnt includes that hold). */
void fk_fb_init(struct fx *fx);
extern const struct vfh_test_ops fk_ops;

#endif
