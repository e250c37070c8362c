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
 * without addr itself.  *addrs: free() it. */
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

/* ---------------------------------------------------------- host needs -- */

/* Devices the host needs: the PCI devices behind mounted filesystems
 * (block devices through dm/md slaves, virtio-9p/virtiofs tags) and the
 * NICs carrying a default route.  why[i] says which ("mounted /",
 * "default route via eth0").  *devs: free() it. */
struct vfh_host_need {
	struct vfh_pci_addr addr;
	char why[128];
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

#ifdef __cplusplus
}
#endif
#endif
