/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the fixture builder (fixture.c, fx-*.c) and the fake kernel
 * (fakekernel.c, fk-*.c): the parsed spec, the kernel model the tree
 * renders, the file helpers that never leave the fixture's directory, and
 * the two tables that hand each subsystem its part.
 *
 * Adding a subsystem (say hugepages) touches no existing subsystem:
 *  1. fx-hugepages.c: the builder.  Its spec kinds and keys, described at
 *     the top of the file; an add() for each spec line, a build() for what
 *     needs all of them, a render() that writes its part of the tree.
 *     State lives in fx_state(fx, "hugepages", sizeof(struct ...)), so
 *     struct fx below stays as it is.
 *  2. fk-hugepages.c: the fake kernel.  A write handler for the paths it
 *     owns, and a restore() if a file must show the model's state after a
 *     write rather than the bytes written.
 *  3. Their declarations in the "subsystems" part at the end of this file.
 *  4. One line per spec kind in fx_kinds[] (fixture.c), in build order
 *     (its file named in the list above the table), and one line per
 *     owned path prefix in fk_paths[] (fakekernel.c).  Prefixes must not
 *     overlap: test-dispatch checks it.
 *  5. A fixture that uses it (fixtures/NAME.fx) and tests for its rules. */
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
#define FX_MAX_STATE 16

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
	char nodes[128];		/* its device nodes: "snd/controlC0,dri/card0" */
	int physfn;			/* a VF: its PF's index, else -1 */
	int numvfs;			/* a PF: VFs enabled; -1: no SR-IOV */
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
	int pid;		/* its process (a "proc" line), gone while stopped */
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
	char last_failed_step[32];	/* "freeze", "suspend" */
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

	/* fx_state(): what subsystems keep outside this struct */
	struct {
		const char *key;
		void *data;
	} priv[FX_MAX_STATE];
};

/* Fails the running test (cmocka) with a message. */
void fx_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A subsystem's own state, found by key (its name, a string literal: it is
 * kept, not copied): zeroed on first use, freed with the fixture by
 * free(), so flat (no pointers to own). */
void *fx_state(struct fx *fx, const char *key, size_t size);

/* ---- the spec (fx-spec.c) */
const char *fx_ent_get(const struct fx_ent *e, const char *key);
const struct fx_ent *fx_find_ent(const struct fx *fx, const char *kind,
				 const char *name);
/* key as a number (strtoul base 0), def when absent; fails on junk */
unsigned long fx_num(const struct fx_ent *e, const char *key, unsigned long def);
/* into a FX_NAME buffer; fails when too long, naming e's line */
void fx_copy_name(char *dst, const char *src, const struct fx_ent *e);
void fx_load_spec(struct fx *fx, const char *name, int depth);
void fx_spec_text(struct fx *fx, char *text, const char *file, int depth);
void fx_ents_free(struct fx *fx);

/* One spec kind, or a build step of its own (kind NULL).  fx_kinds[] is
 * in build order: add() for each line of the kind in spec order, then
 * build(); once every row is built, render() of each row, in order. */
struct fx_kind {
	const char *kind;
	bool named;			/* "kind name key=..." vs "kind key=..." */
	const char *keys;		/* " a b c ": the keys it accepts */
	void (*add)(struct fx *fx, const struct fx_ent *e);
	void (*build)(struct fx *fx);
	void (*render)(struct fx *fx);
};
extern const struct fx_kind fx_kinds[];
extern const size_t fx_nkinds;
const struct fx_kind *fx_kind_find(const char *kind);

/* ---- file helpers (fx-tree.c); every rel is checked (relative, no ".."
 * component) and any failure fails the test. */
void fx_abs(const struct fx *fx, char *buf, size_t len, const char *rel);
void fx_mkdirs(struct fx *fx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fx_parent_dirs(struct fx *fx, const char *rel);
void fx_putf(struct fx *fx, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void fx_putb(struct fx *fx, const char *rel, const void *data, size_t len);
void fx_remove(struct fx *fx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fx_rmtree(struct fx *fx, const char *rel);
/* A buffer of the ring fx_read() hands out (valid for the next 7 calls) */
char *fx_ring(struct fx *fx);
/* rm -r abs, refusing any path outside limit */
void fx_rmtree_abs(const char *abs, const char *limit);

/* ---- the fake kernel's core (fakekernel.c) */
/* A path the fake kernel owns: every write whose resolved path (relative
 * to the fixture root) starts with prefix goes to write(), which returns
 * 0 or -errno as the kernel's store function would.  restore(), when
 * there, makes the file show the model after the write and says whether
 * it did; otherwise a write-only attribute is emptied and any other file
 * keeps the bytes written. */
struct fk_path {
	const char *prefix;
	const char *owner;		/* the subsystem: its file is fk-OWNER.c */
	int (*write)(struct fx *fx, const char *path, const char *val);
	bool (*restore)(struct fx *fx, const char *path);
};
extern const struct fk_path fk_paths[];
extern const size_t fk_npaths;
/* The entry owning path, NULL when none does (the write gets -EACCES). */
const struct fk_path *fk_path_owner(const char *path);
size_t fk_log_add(struct fx *fx, const char *path, const char *val);
/* sysfs_streq(): equal but for one trailing newline on either side */
bool fk_streq_nl(const char *a, const char *b);
/* kstrtoul(): a whole number, one trailing newline allowed */
int fk_kstrtoul(const char *s, unsigned long *v);
extern const struct vfh_test_ops fk_ops;

/* ---- subsystems: their builders (fx-*.c) and kernel parts (fk-*.c) */

/* PCI devices, drivers and IOMMU groups: fx-pci.c, fk-pci.c */
void fx_iommu_build(struct fx *fx);
void fx_iommu_render(struct fx *fx);
void fx_pcidriver_add(struct fx *fx, const struct fx_ent *e);
void fx_pci_add(struct fx *fx, const struct fx_ent *e);
void fx_pci_build(struct fx *fx);
void fx_pci_render(struct fx *fx);
struct fk_driver *fx_add_driver(struct fx *fx, const char *name, bool platform,
				const struct fx_ent *e);
void fx_render_pci(struct fx *fx, struct fk_pci *d);
void fx_render_override(struct fx *fx, const struct fk_pci *d);
void fx_render_pci_attrs(struct fx *fx, const struct fk_pci *d);
void fx_render_driver_dir(struct fx *fx, const struct fk_driver *drv);
struct fk_pci *fk_pci_find(struct fx *fx, const char *addr);
struct fk_driver *fk_driver_find(struct fx *fx, const char *name, bool platform);
/* Binds d to drv (links both ways) or unbinds it (drv NULL). */
void fk_pci_set_driver(struct fx *fx, struct fk_pci *d, const char *drv);
/* The driver core's matching: override, else the id table. */
bool fk_pci_match(const struct fk_pci *d, const char *drv);
/* device_initial_probe(): first registered driver that matches and probes. */
void fk_pci_autoprobe(struct fx *fx, struct fk_pci *d);
/* "sys/bus/BUS/drivers/NAME/ATTR": the driver, ATTR in *attr */
struct fk_driver *fk_driver_of_attr(struct fx *fx, const char *path, bool platform,
				    const char **attr);
int fk_pci_bus_write(struct fx *fx, const char *path, const char *val);
bool fk_pci_bus_restore(struct fx *fx, const char *path);
int fk_pci_dev_write(struct fx *fx, const char *path, const char *val);
bool fk_pci_dev_restore(struct fx *fx, const char *path);

/* Modules: fx-module.c, fk-module.c */
void fx_module_add(struct fx *fx, const struct fx_ent *e);
void fx_module_build(struct fx *fx);
void fx_module_render(struct fx *fx);
void fx_render_module(struct fx *fx, const struct fk_module *m);
struct fk_module *fk_module_find(struct fx *fx, const char *name);
int fk_module_op(void *data, const char *name, bool load);

/* Platform devices and framebuffers: fx-fb.c, fk-fb.c */
void fx_platform_add(struct fx *fx, const struct fx_ent *e);
void fx_platform_render(struct fx *fx);
void fx_render_platform(struct fx *fx, const struct fk_platform *p);
/* The framebuffers the model holds now, and fbcon's hold on their modules,
 * taken as the starting state (the spec's refcnt includes that hold). */
void fk_fb_init(struct fx *fx);
/* After every kernel action: fbcon follows the framebuffers, the modules'
 * refcnt follows fbcon. */
void fk_fb_sync(struct fx *fx);
int fk_platform_write(struct fx *fx, const char *path, const char *val);

/* Virtual consoles: fx-vt.c, fk-vt.c */
void fx_vtcon_add(struct fx *fx, const struct fx_ent *e);
void fx_vtcon_build(struct fx *fx);
void fx_vtcon_render(struct fx *fx);
void fx_render_vtcon(struct fx *fx, const struct fk_vtcon *c);
bool fk_vt_is_fbcon(const struct fk_vtcon *c);
/* do_bind_con_driver(): c takes the VTs from whoever holds them */
void fk_vt_take(struct fx *fx, struct fk_vtcon *c);
/* do_unbind_con_driver(): the VTs go to the first other driver */
void fk_vt_give_up(struct fx *fx, struct fk_vtcon *c);
void fk_vt_render_all(struct fx *fx);
int fk_vt_write(struct fx *fx, const char *path, const char *val);
bool fk_vt_restore(struct fx *fx, const char *path);

/* Suspend (sys/power) and RTC wake alarms: fx-power.c, fk-power.c */
void fx_power_add(struct fx *fx, const struct fx_ent *e);
void fx_rtc_add(struct fx *fx, const struct fx_ent *e);
void fx_rtc_render(struct fx *fx);
void fx_render_power(struct fx *fx);
void fx_render_rtc(struct fx *fx, const struct fk_rtc *r);
int fk_power_write(struct fx *fx, const char *path, const char *val);
bool fk_power_restore(struct fx *fx, const char *path);
int fk_rtc_write(struct fx *fx, const char *path, const char *val);
bool fk_rtc_restore(struct fx *fx, const char *path);

/* systemd units: fx-systemd.c, fk-systemd.c */
void fx_unit_add(struct fx *fx, const struct fx_ent *e);
int fk_unit_op(void *data, const char *unit, const char *verb);
int fk_unit_prop(void *data, const char *unit, const char *prop, bool set, bool runtime,
		 uint8_t *val, size_t *len);

/* What host-needs reads (mounts, routes, swaps, disks, NICs, virtio):
 * fx-host.c, fk-host.c */
void fx_block_render(struct fx *fx);
void fx_net_render(struct fx *fx);
void fx_virtio_render(struct fx *fx);
void fx_mount_render(struct fx *fx);
void fx_route_render(struct fx *fx);
void fx_route6_render(struct fx *fx);
void fx_swap_render(struct fx *fx);
void fx_dev_render(struct fx *fx);
/* A PCI device's disks, NICs and virtio devices come and go with it. */
void fx_render_pci_children(struct fx *fx, const struct fk_pci *d);
/* Virtual devices (bridges, dm) link to the ones above: rendered last,
 * and again when those come back. */
void fx_render_virtual(struct fx *fx);
/* Class links into removed devices go with them. */
void fk_host_sweep(struct fx *fx);

/* CPUs, cpufreq governors, workqueue masks, sched_rt_runtime_us: fx-cpu.c,
 * fk-cpu.c.  The model's CPU sets are uint64_t: at most 64 CPUs. */
struct fk_cpus {
	bool exists;			/* a cpus line */
	uint64_t online, present, possible, isolated, nocpufreq;
	uint64_t wq, writeback;		/* workqueue cpumasks */
	char governors[256];		/* scaling_available_governors */
	char governor[64][32];		/* per CPU */
	long rt_runtime, rt_period;
};
struct fk_cpus *fk_cpus(struct fx *fx);
void fx_cpus_add(struct fx *fx, const struct fx_ent *e);
void fx_render_cpus(struct fx *fx);
unsigned int fk_nr_cpu_ids(struct fx *fx);
/* The kernel's spellings, written apart from the library's: "0-3,8" and
 * "f,ffffffff" (one trailing newline allowed); -EINVAL. */
int fk_cpulist_parse(const char *s, uint64_t *m);
void fk_cpulist_format(uint64_t m, char *buf, size_t len);
int fk_cpumask_parse(const char *s, uint64_t *m);
void fk_cpumask_format(uint64_t m, unsigned int nbits, char *buf, size_t len);
int fk_cpu_write(struct fx *fx, const char *path, const char *val);
bool fk_cpu_restore(struct fx *fx, const char *path);
int fk_wq_write(struct fx *fx, const char *path, const char *val);
bool fk_wq_restore(struct fx *fx, const char *path);
int fk_sysctl_write(struct fx *fx, const char *path, const char *val);
bool fk_sysctl_restore(struct fx *fx, const char *path);

/* cgroup v2 below sys/fs/cgroup: fx-cgroup.c, fk-cgroup.c */
#define FK_MAX_CGROUP 32
struct fk_cgroup {
	char path[FX_REL];		/* "" the root, "system.slice" */
	int parent;			/* index, -1 for the root */
	unsigned int controllers;	/* the root's offer (bits of the names) */
	unsigned int subtree;		/* cgroup.subtree_control */
	uint64_t cpus;			/* cpuset.cpus, 0 unset */
	bool tasks;			/* populated: has processes */
};
struct fk_cgroups {
	struct fk_cgroup node[FK_MAX_CGROUP];
	size_t n;
	bool mounted;			/* a root line */
};
struct fk_cgroups *fk_cgroups(struct fx *fx);
void fx_cgroup_add(struct fx *fx, const struct fx_ent *e);
void fx_render_cgroups(struct fx *fx);
struct fk_cgroup *fk_cg_find(struct fx *fx, const char *path);
int fk_cg_ctrl_index(const char *name);
int fk_cg_ctrl_bits(const char *list, unsigned int *bits);
unsigned int fk_cg_controllers(struct fx *fx, const struct fk_cgroup *c);
uint64_t fk_cg_effective(struct fx *fx, const struct fk_cgroup *c);
int fk_cgroup_write(struct fx *fx, const char *path, const char *val);
bool fk_cgroup_restore(struct fx *fx, const char *path);
/* systemd's part of AllowedCPUs=: cpuset enabled on the way down to
 * path, its cpuset.cpus set.  -ENOENT without that cgroup. */
int fk_cgroup_set_cpus(struct fx *fx, const char *path, uint64_t cpus);

/* Interrupts below proc/irq: fx-irq.c, fk-irq.c */
#define FK_MAX_IRQ 32
struct fk_irq {
	unsigned int num;
	char name[FX_NAME];
	uint64_t affinity, effective;
	bool has_effective, managed, percpu;
	bool gone;			/* freed with its device: not rendered */
	char chip[40];			/* its irqchip in proc/interrupts ("" the default) */
};
struct fk_irqs {
	struct fk_irq irq[FK_MAX_IRQ];
	size_t n;
	uint64_t default_aff;
	bool interrupts;		/* an interrupts line: proc/interrupts rendered */
	bool remap;			/* its default irqchips are the IR- ones */
};
struct fk_irqs *fk_irqs(struct fx *fx);
void fx_irq_add(struct fx *fx, const struct fx_ent *e);
void fx_interrupts_add(struct fx *fx, const struct fx_ent *e);
void fx_irq_build(struct fx *fx);
void fx_render_irqs(struct fx *fx);
int fk_irq_write(struct fx *fx, const char *path, const char *val);
bool fk_irq_restore(struct fx *fx, const char *path);
/* NUMA nodes and hugepage pools: fx-hugepages.c, fk-hugepages.c (their
 * model in fk-hugepages.h) */
void fx_node_add(struct fx *fx, const struct fx_ent *e);
void fx_hugepages_add(struct fx *fx, const struct fx_ent *e);
void fx_hugetlb_add(struct fx *fx, const struct fx_ent *e);
void fx_hugepages_build(struct fx *fx);
void fx_hugepages_render(struct fx *fx);
int fk_hugepages_write(struct fx *fx, const char *path, const char *val);
bool fk_hugepages_restore(struct fx *fx, const char *path);

/* Plain files and the processes holding them (/dev/shm, /proc/PID/fd and
 * maps): fx-proc.c; nothing written through the seam, no fk part */
void fx_file_render(struct fx *fx);
void fx_proc_render(struct fx *fx);

#endif
