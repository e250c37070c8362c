/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvfiohook: PCI and VFIO primitives for handing host devices to a VM and
 * taking them back.
 *
 * Conventions
 *  - Every function that can fail returns 0 (or a documented positive value)
 *    on success and a negative errno on failure.  Nothing in the library
 *    exits, aborts or prints.  Every call on a context that can fail clears
 *    its error line on entry; every failure (bad arguments included) logs
 *    what went wrong through the context's log function and leaves it as one
 *    line in vfh_ctx_errmsg().  After a call that succeeded the line is "".
 *    Calls that cannot fail (getters, vfh_ctx_set_log_fn/_priority,
 *    vfh_ctx_ref/unref) leave the line alone.  A call that fails and undoes
 *    its work keeps the first failure's line.
 *  - Every kernel path is resolved against the context's roots, so the same
 *    code runs on the live system and on a captured or fabricated tree.
 *  - A context is not thread-safe: use one per thread.
 *  - Ownership is stated on each function returning memory.
 *
 * Structs that can grow (ABI)
 *  - Public structs are only ever extended at the end; no field is ever
 *    removed, reordered or resized.  struct vfh_pci_addr is the exception:
 *    it is fixed for good.
 *  - Every function that fills or reads one of them is exported as NAME_sz
 *    and takes the caller's sizeof (for arrays, the caller's element
 *    stride); the macro NAME passes sizeof(struct ...) as the program was
 *    compiled, so calls are written as before.  This is the kernel's rule
 *    for extensible structs (openat2(2), copy_struct_from_user()):
 *  - Filled (output) structs: the library writes min(its size, caller's
 *    size) bytes and zeroes the rest of the caller's struct; it never writes
 *    past the caller's size.  Arrays it returns are laid out at the caller's
 *    stride.
 *  - Read (input) structs: fields a smaller (older) caller does not have
 *    take their defaults; a larger (newer) caller's struct is accepted only
 *    when every byte past what this library knows is zero, else -E2BIG.
 *  - A size or stride of 0 is -EINVAL.
 */
#ifndef VFIOHOOK_H
#define VFIOHOOK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ ctx -- */

struct vfh_ctx;

/* The trees the library reads and writes.  Defaults are the live system. */
enum vfh_root {
	VFH_ROOT_SYS,		/* /sys */
	VFH_ROOT_PROC,		/* /proc */
	VFH_ROOT_DEV,		/* /dev */
	VFH_ROOT_RUN,		/* /run */
	VFH_ROOT_CGROUP,	/* /sys/fs/cgroup */
	VFH_ROOT_ETC,		/* /etc */
	VFH_ROOT__COUNT
};

typedef void (*vfh_log_fn)(void *data, int priority, const char *file,
			   int line, const char *fn, const char *format,
			   va_list args);

/* New context with refcount 1 and the live system's roots.  The log
 * priority starts at LOG_ERR, or at $VFIOHOOK_LOG (a syslog level name or
 * number) when set and the process is not setuid.  Returns NULL on ENOMEM.
 * Release with vfh_ctx_unref(). */
struct vfh_ctx *vfh_ctx_new(void);
struct vfh_ctx *vfh_ctx_ref(struct vfh_ctx *ctx);
/* Drops one reference; frees the context at zero.  Returns NULL. */
struct vfh_ctx *vfh_ctx_unref(struct vfh_ctx *ctx);

/* Sets one root.  path must be absolute; it is copied.  -EINVAL,
 * -ENAMETOOLONG, -ENOMEM. */
int vfh_ctx_set_root(struct vfh_ctx *ctx, enum vfh_root root, const char *path);
/* Sets every root below one prefix: PREFIX/sys, PREFIX/proc, PREFIX/dev,
 * PREFIX/run, PREFIX/sys/fs/cgroup, PREFIX/etc.  "/" restores the live
 * system.  -EINVAL, -ENOMEM. */
int vfh_ctx_set_prefix(struct vfh_ctx *ctx, const char *prefix);
/* The root's path; valid until the root is changed or ctx is freed. */
const char *vfh_ctx_get_root(const struct vfh_ctx *ctx, enum vfh_root root);
/* True when every root is the live system's. */
bool vfh_ctx_is_live(const struct vfh_ctx *ctx);

/* Builds ROOT + "/" + printf(fmt) into buf.  -ENAMETOOLONG, -EINVAL (with
 * the error line set: the context's error line is not covered by const). */
int vfh_ctx_path(const struct vfh_ctx *ctx, enum vfh_root root, char *buf,
		 size_t len, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Log function (NULL: silent, the default) and the priority threshold
 * (syslog levels: messages with priority <= threshold are passed on). */
void vfh_ctx_set_log_fn(struct vfh_ctx *ctx, vfh_log_fn fn, void *data);
void vfh_ctx_set_log_priority(struct vfh_ctx *ctx, int priority);
int vfh_ctx_get_log_priority(const struct vfh_ctx *ctx);

/* Bound, in milliseconds, of every wait for a kernel event (a driver link
 * changing, a device reappearing).  Default 10000.  0 is refused. */
int vfh_ctx_set_wait_ms(struct vfh_ctx *ctx, unsigned int ms);
unsigned int vfh_ctx_get_wait_ms(const struct vfh_ctx *ctx);

/* Bound, in milliseconds, of every write that calls into a driver (unbind,
 * bind, probe, remove, rescan, reset), which blocks for as long as the
 * driver does (one stuck in remove: for ever).  Such a write is made by a
 * child process; when it has not returned within the bound the call fails
 * with -ETIME and an error line naming the file, and the write is left in
 * flight: it may still take effect when the driver returns.  Default
 * VFH_WRITE_MS_DEFAULT.  0 is refused. */
#define VFH_WRITE_MS_DEFAULT 10000
int vfh_ctx_set_write_ms(struct vfh_ctx *ctx, unsigned int ms);
unsigned int vfh_ctx_get_write_ms(const struct vfh_ctx *ctx);
/* The process of the last write on ctx that did not return within the
 * write bound (it may have returned since), 0 when there was none. */
pid_t vfh_ctx_stuck_writer(const struct vfh_ctx *ctx);

/* One line describing the last failure of a call on ctx, "" if none.
 * Valid until the next call on ctx; do not free. */
const char *vfh_ctx_errmsg(const struct vfh_ctx *ctx);
void vfh_ctx_clear_error(struct vfh_ctx *ctx);

/* -------------------------------------------------------------- address -- */

struct vfh_pci_addr {
	uint32_t domain;	/* 0..0xffffffff (VMD domains exceed 0xffff) */
	uint8_t bus;
	uint8_t slot;		/* 0..31 */
	uint8_t func;		/* 0..7 */
};

/* "DDDD:BB:SS.F" plus NUL, with room for 8-digit domains. */
#define VFH_PCI_ADDR_MAX 20

/* Parses "DDDD:BB:SS.F" (4 to 8 hex digits of domain) or "BB:SS.F"
 * (domain 0).  Exact field widths, hex digits only, slot <= 0x1f,
 * function <= 7, nothing before or after.  -EINVAL otherwise. */
int vfh_pci_addr_parse(const char *s, struct vfh_pci_addr *addr);
/* Formats as the kernel names the device ("0000:01:00.0").  -ENOSPC. */
int vfh_pci_addr_format(const struct vfh_pci_addr *addr, char *buf, size_t len);
bool vfh_pci_addr_eq(const struct vfh_pci_addr *a, const struct vfh_pci_addr *b);
bool vfh_pci_addr_same_slot(const struct vfh_pci_addr *a,
			    const struct vfh_pci_addr *b);
/* qsort-compatible ordering by domain, bus, slot, function. */
int vfh_pci_addr_cmp(const void *a, const void *b);

/* --------------------------------------------------------------- device -- */

#define VFH_NAME_MAX 64

struct vfh_pci_info {
	struct vfh_pci_addr addr;
	uint16_t vendor, device;
	uint16_t subsystem_vendor, subsystem_device;
	uint32_t class;			/* 24 bits: base, sub, prog-if */
	char driver[VFH_NAME_MAX];	/* "" when unbound */
	char driver_override[VFH_NAME_MAX]; /* "" when unset */
	int iommu_group;		/* -1 without an IOMMU group */
	char reset_method[VFH_NAME_MAX]; /* "" when the kernel offers none
					    or is too old to say */
	int boot_vga;			/* 1, 0, or -1 when not a VGA device */
	bool is_bridge;			/* header type 1 or 2 (kernel's rule
					   for what VFIO lets a group hold) */
	bool is_display;		/* class 0x03xxxx */
	/* SR-IOV (appended in 0.2.0): a virtual function names its physical
	 * function; a physical function counts the VFs it has enabled, which
	 * vanish when its driver lets go of it */
	bool is_virtfn;			/* has a physfn link */
	struct vfh_pci_addr physfn;	/* its PF when is_virtfn */
	int sriov_numvfs;		/* VFs enabled on this PF, else 0 */
};

/* Reads what sysfs says about one device.  -ENODEV if it is not there. */
int vfh_pci_info_read_sz(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr,
			 struct vfh_pci_info *info, size_t size);
#define vfh_pci_info_read(ctx, addr, info) \
	vfh_pci_info_read_sz((ctx), (addr), (info), sizeof(struct vfh_pci_info))

/* Lists every PCI device (sysfs bus/pci/devices), sorted.  *addrs:
 * free() it. */
int vfh_pci_list(struct vfh_ctx *ctx, struct vfh_pci_addr **addrs, size_t *n);

/* Vendor and device names from pci.ids, through libpci with its sysfs
 * path set to the context's root; "" when unknown.  -EIO when libpci
 * reports an error (its handler never ends the process).  Reads only the
 * ids of info (info_size must reach them). */
int vfh_pci_names_sz(struct vfh_ctx *ctx, const struct vfh_pci_info *info,
		     size_t info_size, char *vendor, size_t vlen, char *device,
		     size_t dlen);
#define vfh_pci_names(ctx, info, vendor, vlen, device, dlen) \
	vfh_pci_names_sz((ctx), (info), sizeof(struct vfh_pci_info), (vendor), \
			 (vlen), (device), (dlen))

/* ---------------------------------------------------------------- iommu -- */

/* Members of IOMMU group `group`, sorted.  *addrs: free() it.
 * -ENOENT if the group does not exist. */
int vfh_iommu_group_members(struct vfh_ctx *ctx, int group,
			    struct vfh_pci_addr **addrs, size_t *n);

/* Whether VFIO can use the group now: every member is on a vfio driver,
 * on pci-stub, or unbound, bridges excepted.  Returns 1 (viable) or 0,
 * and when blockers is not NULL the members that block it (free() it).
 * `ignoring` (may be NULL) lists devices to treat as unbound (those about
 * to be detached). */
int vfh_iommu_group_viable(struct vfh_ctx *ctx, int group,
			   const struct vfh_pci_addr *ignoring, size_t n_ignoring,
			   struct vfh_pci_addr **blockers, size_t *n_blockers);

/* The other functions present in addr's slot (GPU + HDMI audio), sorted,
 * without addr itself.  SR-IOV virtual functions are never companions: a
 * VF has none, and a PF's VFs (which may sit in its slot) are not its.
 * *addrs: free() it. */
int vfh_pci_companions(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr,
		       struct vfh_pci_addr **addrs, size_t *n);

/* True for a driver VFIO accepts in a group it opens: "vfio-pci", its
 * variants ("*-vfio-pci", "vfio-*"), "pci-stub". */
bool vfh_driver_is_vfio_ok(const char *driver);

/* -------------------------------------------------------------- binding -- */

/* Which driver a device has, and the override that chose it: what
 * vfh_pci_bind() replaces and vfh_pci_restore() puts back. */
struct vfh_pci_binding {
	char driver[VFH_NAME_MAX];
	char driver_override[VFH_NAME_MAX];
};

/* The device's binding now.  -ENODEV if it is not there. */
int vfh_pci_binding_read_sz(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr,
			    struct vfh_pci_binding *b, size_t size);
#define vfh_pci_binding_read(ctx, addr, b) \
	vfh_pci_binding_read_sz((ctx), (addr), (b), sizeof(struct vfh_pci_binding))

/* Binds addr to `driver`: loads its module if the driver is not
 * registered, writes driver_override, unbinds the current driver, writes
 * the address to drivers_probe, then waits (bounded by the context's wait)
 * until the driver link names `driver`.  A device already on `driver` is
 * left alone.  When prior is not NULL it receives the state before the
 * change.  On failure the previous driver and override are put back and
 * the error returned (-ETIMEDOUT when the bound expired). */
int vfh_pci_bind_sz(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr,
		    const char *driver, struct vfh_pci_binding *prior,
		    size_t prior_size);
#define vfh_pci_bind(ctx, addr, driver, prior) \
	vfh_pci_bind_sz((ctx), (addr), (driver), (prior), sizeof(struct vfh_pci_binding))

/* Hands a device back: restores the recorded override (clearing ours),
 * unbinds the current driver, binds the recorded driver (loading its
 * module if it is gone) and waits until the link names it.  A recorded
 * empty driver leaves the device unbound.  Idempotent. */
int vfh_pci_restore_sz(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr,
		       const struct vfh_pci_binding *prior, size_t size);
#define vfh_pci_restore(ctx, addr, prior) \
	vfh_pci_restore_sz((ctx), (addr), (prior), sizeof(struct vfh_pci_binding))

/* Unbinds the device's current driver, if any, and waits for the link to
 * go.  The override is left as it is. */
int vfh_pci_unbind(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr);

/* -------------------------------------------------------- remove/rescan -- */

enum {
	VFH_REMOVE_SLOT = 1 << 0,	/* every function of addr's slot */
};

/* Removes the device (or its whole slot) from the bus.  When removed is
 * not NULL it receives the removed devices and their bindings, in the
 * order given back by vfh_pci_rescan() (free() it). */
struct vfh_pci_removed {
	struct vfh_pci_addr addr;
	struct vfh_pci_binding binding;
};
int vfh_pci_remove_sz(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr,
		      unsigned int flags, struct vfh_pci_removed **removed,
		      size_t *n, size_t stride);
#define vfh_pci_remove(ctx, addr, flags, removed, n) \
	vfh_pci_remove_sz((ctx), (addr), (flags), (removed), (n), \
			  sizeof(struct vfh_pci_removed))

/* Rescans the bus and waits (bounded) until every listed device is back,
 * then restores each one's recorded binding.  -ETIMEDOUT names the first
 * device that did not come back. */
int vfh_pci_rescan_sz(struct vfh_ctx *ctx, const struct vfh_pci_removed *devs,
		      size_t n, size_t stride);
#define vfh_pci_rescan(ctx, devs, n) \
	vfh_pci_rescan_sz((ctx), (devs), (n), sizeof(struct vfh_pci_removed))

/* Function reset through the kernel's reset_method (sysfs "reset").
 * -ENOTTY when the kernel has no reset method for the device, -ENODEV when
 * the device is not there. */
int vfh_pci_reset(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr);
/* Whether vfh_pci_reset() can work: 1 when the kernel offers a reset for
 * the device (sysfs bus/pci/devices/ADDR/reset exists), 0 when not,
 * -ENODEV when the device is not there. */
int vfh_pci_reset_supported(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr);

/* ------------------------------------------------------ suspend reset -- */

/* The AMD RX 7000 workaround: remove every function of the slot, suspend
 * to RAM (S3, "deep") with an RTC wake alarm, resume, rescan, restore the
 * recorded bindings.  Refused (-EOPNOTSUPP) when /sys/power/mem_sleep does
 * not offer "deep": s2idle does not power the card down.  A suspend is
 * verified through /sys/power/suspend_stats/success. */
struct vfh_suspend_opts {
	unsigned int seconds;	/* RTC alarm, 1..60; 0 means 2 */
	unsigned int attempts;	/* suspends to try, 1..10; 0 means 3 */
	int rtc;		/* rtcN; -1 means the first with a wakealarm */
};

/* Result of a suspend reset, filled even on failure when not NULL. */
struct vfh_suspend_report {
	unsigned int attempts;	/* suspends tried */
	bool suspended;		/* one of them reached S3 and resumed */
	unsigned int devices;	/* functions removed */
	unsigned int restored;	/* functions back on their bindings */
};

/* opts (NULL: every default) is read by the extensible-struct rule: an
 * older, smaller struct gets the defaults above for what it lacks. */
int vfh_pci_suspend_reset_sz(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr,
			     const struct vfh_suspend_opts *opts, size_t opts_size,
			     struct vfh_suspend_report *report, size_t report_size);
#define vfh_pci_suspend_reset(ctx, addr, opts, report) \
	vfh_pci_suspend_reset_sz((ctx), (addr), (opts), sizeof(struct vfh_suspend_opts), \
				 (report), sizeof(struct vfh_suspend_report))

/* Whether the host can suspend to S3: 1 yes, 0 no ("deep" not offered). */
int vfh_power_can_deep_sleep(struct vfh_ctx *ctx);

/* ------------------------------------------------------------- modules -- */

/* 1 if module `name` is loaded (live), 0 if not. */
int vfh_module_loaded(struct vfh_ctx *ctx, const char *name);
/* Loads a module (with its dependencies, honouring blacklists of
 * aliases).  Loaded already: 0.  Uses libkmod; no modprobe process. */
int vfh_module_load(struct vfh_ctx *ctx, const char *name);
/* Unloads one module.  -EBUSY with its holders or users in the message
 * when something still uses it.  Not loaded: 0. */
int vfh_module_unload(struct vfh_ctx *ctx, const char *name);

/* ---------------------------------------------------------- vtconsoles -- */

struct vfh_vtcon {
	int index;		/* N of vtconN */
	char name[96];		/* "(M) frame buffer device" */
	bool bound;
	bool is_framebuffer;	/* fbcon: the one holding a GPU */
};

/* Every vtconsole, by index.  *cons: free() it. */
int vfh_vtcon_list_sz(struct vfh_ctx *ctx, struct vfh_vtcon **cons, size_t *n,
		      size_t stride);
#define vfh_vtcon_list(ctx, cons, n) \
	vfh_vtcon_list_sz((ctx), (cons), (n), sizeof(struct vfh_vtcon))
/* Binds or unbinds vtconN (0..63) and checks the kernel took it. */
int vfh_vtcon_set_bound(struct vfh_ctx *ctx, int index, bool bound);

/* ----------------------------------------------------- platform devices -- */

/* A platform device and the driver it is bound to. */
struct vfh_platform_dev {
	char device[VFH_NAME_MAX];	/* "efi-framebuffer.0" */
	char driver[VFH_NAME_MAX];	/* "efi-framebuffer", "simple-framebuffer" */
};

/* Firmware framebuffers still bound to a driver (efi-framebuffer.N,
 * simple-framebuffer.N, vesa-framebuffer.N): what holds a single GPU's
 * memory after boot.  *devs: free() it. */
int vfh_fb_platform_list_sz(struct vfh_ctx *ctx, struct vfh_platform_dev **devs,
			    size_t *n, size_t stride);
#define vfh_fb_platform_list(ctx, devs, n) \
	vfh_fb_platform_list_sz((ctx), (devs), (n), sizeof(struct vfh_platform_dev))
/* 1 if platform device `device` exists (sysfs bus/platform/devices/NAME),
 * 0 if not.  -EINVAL for a name that is not one ("", "a/b", ".."). */
int vfh_platform_dev_present(struct vfh_ctx *ctx, const char *device);
/* Unbinds / binds a platform device from / to `driver`, and checks the
 * driver link. */
int vfh_platform_unbind(struct vfh_ctx *ctx, const char *driver,
			const char *device);
int vfh_platform_bind(struct vfh_ctx *ctx, const char *driver,
		      const char *device);

/* -------------------------------------------------------- systemd units -- */

/* 1 if the unit is active (or activating/reloading), 0 if not. */
int vfh_unit_is_active(struct vfh_ctx *ctx, const char *unit);
/* Starts / stops a unit through systemd on the system bus and waits
 * (bounded) for the job to finish.  -EHOSTDOWN when systemd is not
 * reachable, -EIO when the job failed. */
int vfh_unit_start(struct vfh_ctx *ctx, const char *unit);
int vfh_unit_stop(struct vfh_ctx *ctx, const char *unit);

/* The same for a unit of user uid's own service manager (systemd --user
 * of user@UID.service: a sound server, a desktop session's services),
 * reached as root through its private socket (RUN/user/UID/systemd/
 * private, whose peer must be uid itself).  A user whose manager does not
 * run has no unit running: is-active says 0, stop does nothing, start
 * fails with -EHOSTDOWN. */
int vfh_user_unit_is_active(struct vfh_ctx *ctx, unsigned int uid, const char *unit);
int vfh_user_unit_start(struct vfh_ctx *ctx, unsigned int uid, const char *unit);
int vfh_user_unit_stop(struct vfh_ctx *ctx, unsigned int uid, const char *unit);
struct vfh_cpuset;	/* below, with the cpus */
/* A unit's AllowedCPUs (systemd.resource-control(5)): what systemd writes
 * into its cgroup's cpuset.cpus.  Empty: not set.  Needs the unit loaded
 * (-ENOENT otherwise). */
int vfh_unit_get_allowed_cpus(struct vfh_ctx *ctx, const char *unit,
			      struct vfh_cpuset *cpus);
/* Sets AllowedCPUs through SetUnitProperties; runtime=true lasts until the
 * next reboot only (systemctl set-property --runtime).  The empty set
 * resets it to "not set", so restoring what vfh_unit_get_allowed_cpus()
 * read is exact. */
int vfh_unit_set_allowed_cpus(struct vfh_ctx *ctx, const char *unit,
			      const struct vfh_cpuset *cpus, bool runtime);

/* ----------------------------------------------------------------- cpus -- */

/* A set of CPUs: a plain bitmap, CPU n is bit n % 64 of bits[n / 64].
 * Fixed for good (like struct vfh_pci_addr): VFH_CPUS_MAX is part of the
 * ABI, so the calls taking one are not sized.  Zero it (or
 * vfh_cpuset_zero()) before use; copy it by assignment. */
#define VFH_CPUS_MAX 8192
struct vfh_cpuset {
	uint64_t bits[VFH_CPUS_MAX / 64];
};

/* A buffer for a list as hosts have them ("0-3,8,10-11"), NUL included;
 * the library reads kernel lists up to this size.  A scattered set of
 * thousands of CPUs may need more: vfh_cpuset_format_list() says -ENOSPC. */
#define VFH_CPULIST_MAX 4096

void vfh_cpuset_zero(struct vfh_cpuset *s);
/* Adds / removes one CPU.  -EINVAL when cpu >= VFH_CPUS_MAX. */
int vfh_cpuset_set(struct vfh_cpuset *s, unsigned int cpu);
int vfh_cpuset_clear(struct vfh_cpuset *s, unsigned int cpu);
bool vfh_cpuset_has(const struct vfh_cpuset *s, unsigned int cpu);
unsigned int vfh_cpuset_count(const struct vfh_cpuset *s);
bool vfh_cpuset_empty(const struct vfh_cpuset *s);
bool vfh_cpuset_eq(const struct vfh_cpuset *a, const struct vfh_cpuset *b);
/* Every CPU of a is in b. */
bool vfh_cpuset_subset(const struct vfh_cpuset *a, const struct vfh_cpuset *b);
/* dst = a | b, a & b, a & ~b.  dst may be a or b. */
void vfh_cpuset_or(struct vfh_cpuset *dst, const struct vfh_cpuset *a,
		   const struct vfh_cpuset *b);
void vfh_cpuset_and(struct vfh_cpuset *dst, const struct vfh_cpuset *a,
		    const struct vfh_cpuset *b);
void vfh_cpuset_andnot(struct vfh_cpuset *dst, const struct vfh_cpuset *a,
		       const struct vfh_cpuset *b);
/* Highest CPU in s, -1 when empty. */
int vfh_cpuset_last(const struct vfh_cpuset *s);

enum {
	VFH_CPUSET_EMPTY_OK = 1 << 0,	/* "" parses as the empty set */
};

/* Parses the kernel's list format ("0-3,8,10-11", as in
 * /sys/devices/system/cpu/online and smp_affinity_list): decimal CPUs and
 * ascending ranges separated by commas, nothing else (no spaces, no
 * stride "0-7:2/4", no trailing comma).  "" is refused unless flags has
 * VFH_CPUSET_EMPTY_OK.  -EINVAL on garbage or a reversed range, -ERANGE
 * for a CPU >= VFH_CPUS_MAX; *s is untouched on failure. */
int vfh_cpuset_parse_list(const char *str, unsigned int flags,
			  struct vfh_cpuset *s);
/* Formats as the kernel does (ranges collapsed, ascending); the empty set
 * is "".  -ENOSPC when len is too small. */
int vfh_cpuset_format_list(const struct vfh_cpuset *s, char *buf, size_t len);
/* Parses the kernel's hex mask format ("ff,0000000f" as in
 * /proc/irq/N/smp_affinity and workqueue cpumask): comma-separated groups
 * of 1 to 8 hex digits, 32 bits each, most significant first.  -EINVAL on
 * garbage, -ERANGE when a bit >= VFH_CPUS_MAX is set. */
int vfh_cpuset_parse_mask(const char *str, struct vfh_cpuset *s);
/* Formats as the kernel's "%*pb" does for a bitmap of nbits bits (its
 * nr_cpu_ids): the first group as wide as nbits needs, the others 8 hex
 * digits.  nbits 0: just wide enough for the highest CPU of s.  -EINVAL
 * when s has a CPU >= nbits or nbits > VFH_CPUS_MAX, -ENOSPC. */
int vfh_cpuset_format_mask(const struct vfh_cpuset *s, unsigned int nbits,
			   char *buf, size_t len);

/* The CPU masks of /sys/devices/system/cpu. */
enum vfh_cpus {
	VFH_CPUS_ONLINE,
	VFH_CPUS_PRESENT,
	VFH_CPUS_POSSIBLE,
	VFH_CPUS_ISOLATED,	/* isolcpus= at boot; empty when none */
};
int vfh_cpus_read(struct vfh_ctx *ctx, enum vfh_cpus which,
		  struct vfh_cpuset *s);
/* Number of bits the kernel gives its CPU masks (nr_cpu_ids: the highest
 * possible CPU + 1), for vfh_cpuset_format_mask().  Returns it (> 0) or
 * -errno. */
int vfh_cpus_nr_ids(struct vfh_ctx *ctx);
/* The CPUs the host keeps when `isolated` go to VMs: online minus
 * isolated.  -EINVAL when isolated names a CPU that is not online or
 * would leave the host without a CPU. */
int vfh_cpus_housekeeping(struct vfh_ctx *ctx, const struct vfh_cpuset *isolated,
			  struct vfh_cpuset *housekeeping);

/* -------------------------------------------------------------- cpusets -- */

/* cgroup v2 cpusets below the context's cgroup root.  `cgroup` is a path
 * relative to it ("system.slice", "machine.slice/machine-qemu...scope");
 * "" is the root.  Every call refuses (-EOPNOTSUPP) a root without
 * cgroup.controllers: cgroup v2 is not mounted there. */

/* cpuset.cpus (empty: not set, the parent's CPUs are used) and
 * cpuset.cpus.effective (what the tasks may run on).  Either may be NULL.
 * -ENOENT when the cgroup does not exist, -EOPNOTSUPP when the cpuset
 * controller is not enabled for it (see vfh_cgroup_cpuset_enable()). */
int vfh_cgroup_cpus_read(struct vfh_ctx *ctx, const char *cgroup,
			 struct vfh_cpuset *cpus, struct vfh_cpuset *effective);
/* Writes cpuset.cpus (the empty set clears it) and checks the kernel kept
 * it; when prior is not NULL it receives cpuset.cpus before, when
 * effective is not NULL cpuset.cpus.effective after.  Not the root. */
int vfh_cgroup_cpus_write(struct vfh_ctx *ctx, const char *cgroup,
			  const struct vfh_cpuset *cpus, struct vfh_cpuset *prior,
			  struct vfh_cpuset *effective);
/* Makes cpuset.cpus available in `cgroup`: "+cpuset" into the
 * cgroup.subtree_control of each ancestor lacking it, from the root down.
 * *enabled (may be NULL) receives how many it enabled: they are always
 * the nearest ancestors, so vfh_cgroup_cpuset_disable(ctx, cgroup, n)
 * undoes exactly that.  -EOPNOTSUPP when the root does not offer cpuset.
 * On failure what it enabled is disabled again. */
int vfh_cgroup_cpuset_enable(struct vfh_ctx *ctx, const char *cgroup,
			     unsigned int *enabled);
/* "-cpuset" into the subtree_control of the n nearest ancestors of
 * cgroup, from the nearest up (the kernel refuses the other order). */
int vfh_cgroup_cpuset_disable(struct vfh_ctx *ctx, const char *cgroup,
			      unsigned int n);

/* ----------------------------------------------------------------- irqs -- */

/* The IRQs of /proc/irq/N, ascending.  *irqs: free() it. */
int vfh_irq_list(struct vfh_ctx *ctx, unsigned int **irqs, size_t *n);
/* The names of the IRQ's handlers (the directories in /proc/irq/N),
 * comma-separated, "" when none is registered.  -ENOSPC, -ENOENT. */
int vfh_irq_name(struct vfh_ctx *ctx, unsigned int irq, char *buf, size_t len);
/* smp_affinity_list, and effective_affinity_list (-ENOENT on kernels or
 * IRQ chips without it). */
int vfh_irq_affinity_read(struct vfh_ctx *ctx, unsigned int irq,
			  struct vfh_cpuset *cpus);
int vfh_irq_effective_read(struct vfh_ctx *ctx, unsigned int irq,
			   struct vfh_cpuset *cpus);
/* Writes smp_affinity_list and checks it reads back.  The kernel refuses
 * per-CPU and managed IRQs with -EIO, and a set without an online CPU
 * with -EINVAL; the error is returned as is. */
int vfh_irq_affinity_write(struct vfh_ctx *ctx, unsigned int irq,
			   const struct vfh_cpuset *cpus);
/* /proc/irq/default_smp_affinity (the affinity new IRQs get).  The write
 * checks it reads back; prior (may be NULL) receives the value before. */
int vfh_irq_default_affinity_read(struct vfh_ctx *ctx, struct vfh_cpuset *cpus);
int vfh_irq_default_affinity_write(struct vfh_ctx *ctx,
				   const struct vfh_cpuset *cpus,
				   struct vfh_cpuset *prior);

/* One IRQ of vfh_irq_move_all(). */
struct vfh_irq_move {
	unsigned int irq;
	int result;		/* 0 moved; -EIO refused by the kernel (per-CPU
				   or managed: it stays where it is); other
				   -errno */
	struct vfh_cpuset prior;	/* smp_affinity_list before */
};
/* Moves every IRQ to `cpus`.  An IRQ the kernel will not move does not
 * stop the others: *moves (free() it) holds one entry per IRQ, in
 * ascending order, at the caller's stride.  Returns how many IRQs could
 * not be moved (>= 0), or -errno when the IRQs could not be listed. */
int vfh_irq_move_all_sz(struct vfh_ctx *ctx, const struct vfh_cpuset *cpus,
			struct vfh_irq_move **moves, size_t *n, size_t stride);
#define vfh_irq_move_all(ctx, cpus, moves, n) \
	vfh_irq_move_all_sz((ctx), (cpus), (moves), (n), sizeof(struct vfh_irq_move))
/* Puts back the prior affinity of every entry that moved (result 0).  An
 * IRQ that is gone (device removed) is skipped.  Goes on after a failure
 * and returns the first error. */
int vfh_irq_restore_sz(struct vfh_ctx *ctx, const struct vfh_irq_move *moves,
		       size_t n, size_t stride);
#define vfh_irq_restore(ctx, moves, n) \
	vfh_irq_restore_sz((ctx), (moves), (n), sizeof(struct vfh_irq_move))

/* --------------------------------------------------------------- tuning -- */

/* The CPUs kernel workqueues may run on (hex masks). */
enum vfh_wq {
	VFH_WQ_UNBOUND,		/* /sys/devices/virtual/workqueue/cpumask */
	VFH_WQ_WRITEBACK,	/* /sys/bus/workqueue/devices/writeback/cpumask */
};
int vfh_workqueue_cpumask_read(struct vfh_ctx *ctx, enum vfh_wq wq,
			       struct vfh_cpuset *cpus);
/* Writes the mask (formatted for nr_cpu_ids bits) and checks it reads
 * back; prior (may be NULL) receives the value before. */
int vfh_workqueue_cpumask_write(struct vfh_ctx *ctx, enum vfh_wq wq,
				const struct vfh_cpuset *cpus,
				struct vfh_cpuset *prior);

/* cpuN's cpufreq scaling_governor.  -EOPNOTSUPP when the CPU has no
 * cpufreq policy. */
int vfh_cpufreq_governor_read(struct vfh_ctx *ctx, unsigned int cpu,
			      char *buf, size_t len);
/* Refuses (-EINVAL, naming the offered ones) a governor not in
 * scaling_available_governors; checks it reads back.  prior (may be
 * NULL, else plen bytes) receives the governor before. */
int vfh_cpufreq_governor_write(struct vfh_ctx *ctx, unsigned int cpu,
			       const char *governor, char *prior, size_t plen);

/* kernel.sched_rt_runtime_us: -1 (real-time tasks may take every cycle)
 * or 0..sched_rt_period_us. */
int vfh_sched_rt_runtime_read(struct vfh_ctx *ctx, long *us);
/* Checks it reads back; prior (may be NULL) receives the value before. */
int vfh_sched_rt_runtime_write(struct vfh_ctx *ctx, long us, long *prior);

/* ---------------------------------------------------------- host needs -- */

/* Devices the host needs: the PCI devices behind mounted filesystems
 * (block devices through dm/md slaves, virtio-9p/virtiofs tags) and the
 * NICs carrying a default route.  why[i] says which ("mounted /",
 * "default route via eth0").  *devs: free() it. */
struct vfh_host_need {
	struct vfh_pci_addr addr;
	char why[128];
	/* Fail closed: a mount (or swap) could not be traced to its
	 * controller -- ZFS, bcachefs on a device not shown, a network
	 * filesystem -- so every storage controller (PCI class 01) or, for a
	 * network filesystem, every NIC (class 02) is presumed needed; why
	 * names that mount.  The caller may know better (a controller it was
	 * told is free to take). */
	bool presumed;
};
int vfh_host_needs_sz(struct vfh_ctx *ctx, struct vfh_host_need **needs,
		      size_t *n, size_t stride);
#define vfh_host_needs(ctx, needs, n) \
	vfh_host_needs_sz((ctx), (needs), (n), sizeof(struct vfh_host_need))

/* Display devices that would remain with a bound driver if `leaving`
 * (n addrs) were taken away.  Returns how many (0: the host would be
 * left without a display). */
int vfh_displays_remaining(struct vfh_ctx *ctx,
			   const struct vfh_pci_addr *leaving, size_t n);

/* ------------------------------------------------------------ hugepages -- */

/* Hugepage pools as the kernel keeps them: one per page size for the host
 * (/sys/kernel/mm/hugepages/hugepages-SIZEkB) and one per page size and
 * NUMA node (/sys/devices/system/node/nodeN/hugepages/...).  Sizes are in
 * kB, as the kernel names them: 2048 (2 MiB), 1048576 (1 GiB).
 *
 * Calls filling or reading a struct are NAME_sz taking the caller's
 * sizeof (the macro NAME passes it): the library fills min(its size,
 * the caller's) and zeroes the rest; an opts struct larger than the
 * library's must be zero past what it knows (-E2BIG).  A size of 0 is
 * -EINVAL. */

#define VFH_NODE_ALL (-1)	/* the host's pool, every node together */

struct vfh_hugepage_pool {
	int node;		/* VFH_NODE_ALL or N */
	uint64_t size_kb;
	uint64_t nr;		/* nr_hugepages: in the pool, surplus included */
	uint64_t free;		/* free_hugepages */
	uint64_t surplus;	/* surplus_hugepages: over nr_hugepages' target,
				   freed when released */
	uint64_t resv;		/* resv_hugepages (host pool only, else 0) */
	uint64_t persistent;	/* nr - surplus: what writing nr_hugepages sets */
};

/* The page sizes the host offers, ascending.  *sizes_kb: free() it.
 * -ENOENT (with the error line) when the kernel has no hugetlb support. */
int vfh_hugepage_sizes(struct vfh_ctx *ctx, uint64_t **sizes_kb, size_t *n);
/* The default page size (Hugepagesize: in /proc/meminfo). */
int vfh_hugepage_default_size(struct vfh_ctx *ctx, uint64_t *size_kb);
/* The online NUMA nodes (/sys/devices/system/node/online), ascending.
 * *nodes: free() it.  A kernel without NUMA has no such file: node 0. */
int vfh_numa_nodes(struct vfh_ctx *ctx, int **nodes, size_t *n);
/* Free memory, kB: "Node N MemFree:" of nodeN/meminfo, or MemFree: of
 * /proc/meminfo for VFH_NODE_ALL. */
int vfh_numa_memfree(struct vfh_ctx *ctx, int node, uint64_t *kb);
/* All memory, kB: "Node N MemTotal:" of nodeN/meminfo, or MemTotal: of
 * /proc/meminfo for VFH_NODE_ALL (hugepages included). */
int vfh_numa_memtotal(struct vfh_ctx *ctx, int node, uint64_t *kb);

/* One pool.  -EINVAL (the line lists the sizes the host has) for a size
 * it lacks, -ENODEV (the line lists the online nodes) for a node that is
 * not online. */
int vfh_hugepages_read_sz(struct vfh_ctx *ctx, int node, uint64_t size_kb,
			  struct vfh_hugepage_pool *pool, size_t pool_size);
#define vfh_hugepages_read(ctx, node, size_kb, pool) \
	vfh_hugepages_read_sz((ctx), (node), (size_kb), (pool), \
			      sizeof(struct vfh_hugepage_pool))

struct vfh_hugepages_opts {
	unsigned int attempts;	/* writes of nr_hugepages, 1..10; 0 means 3 */
	bool drop_caches;	/* may drop the page cache (drop_caches "3")
				   when compaction alone did not do */
};

/* What vfh_hugepages_set() did; filled even on failure. */
struct vfh_hugepages_report {
	unsigned int attempts;		/* writes of the wanted count */
	unsigned int compactions;	/* compact / compact_memory writes */
	unsigned int caches_dropped;	/* drop_caches writes (0 or 1) */
	uint64_t before;		/* persistent pages before the call */
	uint64_t after;			/* persistent pages after it */
	uint64_t got;			/* the most the kernel gave */
};

/* Makes the pool hold `target` persistent pages (writes nr_hugepages of
 * the node, or of the host for VFH_NODE_ALL, which the kernel spreads
 * over the nodes) and reads back what the kernel gave.  Lowering is one
 * write; pages still in use become surplus and go when released.  When
 * raising falls short (fragmented memory: the write succeeds, the count
 * does not reach), compacts memory (the node's "compact", the host's
 * compact_memory) and tries again, dropping the page cache once before a
 * later try only when opts allows it, up to opts->attempts writes.  Still
 * short: the count it had before is put back (never half a reservation)
 * and -ENOMEM returned, the line giving wanted, got, the node's free
 * memory and what to do.  report->before is what to pass back to undo.
 * opts may be NULL (defaults), report too. */
int vfh_hugepages_set_sz(struct vfh_ctx *ctx, int node, uint64_t size_kb,
			 uint64_t target, const struct vfh_hugepages_opts *opts,
			 size_t opts_size, struct vfh_hugepages_report *report,
			 size_t report_size);
#define vfh_hugepages_set(ctx, node, size_kb, target, opts, report) \
	vfh_hugepages_set_sz((ctx), (node), (size_kb), (target), (opts), \
			     sizeof(struct vfh_hugepages_opts), (report), \
			     sizeof(struct vfh_hugepages_report))

/* Whether a hugetlbfs of that page size is mounted (libvirt needs one per
 * size it backs guests with): 1 and its mount point in mnt (when not
 * NULL), 0 when none.  A hugetlbfs mounted without pagesize= has the
 * default size.  size_kb 0 means the default size.  -ENAMETOOLONG when
 * the mount point does not fit mnt. */
int vfh_hugetlbfs_mount(struct vfh_ctx *ctx, uint64_t size_kb, char *mnt,
			size_t len);

/* ------------------------------------------------------- file holders -- */

/* A process holding a file: open through a descriptor, mapped, or both
 * (/proc/PID/fd and /proc/PID/maps).  Files are matched by device and
 * inode, device nodes by device number, so any path to it counts. */
struct vfh_holder {
	int pid;
	char comm[32];		/* /proc/PID/comm, "" when it went away */
	bool open;		/* an fd refers to it */
	bool mapped;		/* a mapping of it */
	int uid;		/* its real uid (/proc/PID/status), -1 unknown */
};

/* The processes holding ROOT/rel, by pid.  Processes that cannot be
 * inspected (another user's, without privilege) are skipped and counted
 * in the debug log.  *holders: free() it (NULL when none).  -ENOENT when
 * the file is not there. */
int vfh_file_holders_sz(struct vfh_ctx *ctx, enum vfh_root root, const char *rel,
			struct vfh_holder **holders, size_t *n, size_t stride);
#define vfh_file_holders(ctx, root, rel, holders, n) \
	vfh_file_holders_sz((ctx), (root), (rel), (holders), (n), \
			    sizeof(struct vfh_holder))

/* The processes holding a PCI device's nodes (its DRM card and render
 * nodes, its ALSA card's devices, its framebuffer: the DEVNAME= of its
 * drm, sound and graphics children): what makes an unbind from its driver
 * block until they let go (a sound server on a GPU's HDMI audio).  None:
 * *holders NULL, *n 0.  -ENODEV when the device is not there. */
int vfh_pci_holders_sz(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr,
		       struct vfh_holder **holders, size_t *n, size_t stride);
#define vfh_pci_holders(ctx, addr, holders, n) \
	vfh_pci_holders_sz((ctx), (addr), (holders), (n), sizeof(struct vfh_holder))

/* Waits at most timeout_ms for every process holding the device's nodes
 * (as vfh_pci_holders()) to let go: after a sound server or a display
 * manager was asked to stop.  Woken by each close of one of its nodes
 * (inotify), and the scan re-run at least every 100 ms.  0 once nothing
 * holds it; -ETIMEDOUT when the bound expired, the error line naming the
 * holders left; -ENODEV when it is not there. */
int vfh_pci_holders_wait(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr,
			 unsigned int timeout_ms);

/* ---------------------------------------------------- shared memory -- */

/* The Looking Glass file: /dev/shm/NAME (below the dev root), which the
 * VM's ivshmem device and the desktop user's client both map.  NAME: 1 to
 * 200 characters, no '/', not starting with '.'; else -EINVAL. */
int vfh_shm_name_check(struct vfh_ctx *ctx, const char *name);

/* What the file was before vfh_shm_file_ensure(), for the undo. */
struct vfh_shm_prior {
	bool existed;
	bool created;		/* this call made it (absent, or replaced) */
	bool replaced;		/* there with another size: made anew */
	uint64_t size;		/* when it existed */
	uint32_t uid, gid;
	uint32_t mode;		/* permission bits */
};

enum {
	VFH_SHM_NO_REPLACE = 1 << 0,	/* another size: -EEXIST, not replaced */
};

/* Makes /dev/shm/NAME a regular file of `size` bytes, owned by uid:gid
 * with permissions mode (07777 at most).  Absent: created (O_EXCL,
 * O_NOFOLLOW).  There with that size: owner and mode set if they differ,
 * else nothing is written.  There with another size (a new resolution):
 * replaced by a new file, only when no process has it open or mapped;
 * else -EBUSY naming the holders (pid and comm).  A symlink or anything
 * but a regular file there: -EPERM, untouched.  prior (may be NULL)
 * receives the state before. */
int vfh_shm_file_ensure_sz(struct vfh_ctx *ctx, const char *name, uint64_t size,
			   uint32_t uid, uint32_t gid, uint32_t mode,
			   unsigned int flags, struct vfh_shm_prior *prior,
			   size_t prior_size);
#define vfh_shm_file_ensure(ctx, name, size, uid, gid, mode, flags, prior) \
	vfh_shm_file_ensure_sz((ctx), (name), (size), (uid), (gid), (mode), \
			       (flags), (prior), sizeof(struct vfh_shm_prior))

/* What /dev/shm/NAME is now, in the form vfh_shm_file_ensure() records
 * (existed, size, uid, gid, mode; created and replaced false), without
 * changing anything: what an undo needs, read before the change.  Absent:
 * existed false.  A symlink or anything but a regular file: -EPERM. */
int vfh_shm_file_state_sz(struct vfh_ctx *ctx, const char *name,
			  struct vfh_shm_prior *state, size_t state_size);
#define vfh_shm_file_state(ctx, name, state) \
	vfh_shm_file_state_sz((ctx), (name), (state), sizeof(struct vfh_shm_prior))

enum {
	VFH_SHM_RESTORE_SIZE = 1 << 0,	/* a file that existed gets its size
					   back (refused, -EBUSY, while held) */
};

/* Puts back what vfh_shm_file_ensure() recorded in prior: a file it
 * created is removed (one already gone is fine); a file that existed
 * stays, with its owner and mode back, and its size only with
 * VFH_SHM_RESTORE_SIZE. */
int vfh_shm_file_remove_sz(struct vfh_ctx *ctx, const char *name,
			   const struct vfh_shm_prior *prior, size_t prior_size,
			   unsigned int flags);
#define vfh_shm_file_remove(ctx, name, prior, flags) \
	vfh_shm_file_remove_sz((ctx), (name), (prior), \
			       sizeof(struct vfh_shm_prior), (flags))

#ifdef __cplusplus
}
#endif
#endif
