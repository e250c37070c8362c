/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal to libvfiohook: not installed, not exported from the .so. */
#ifndef VFH_INTERNAL_H
#define VFH_INTERNAL_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <syslog.h>
#include <sys/types.h>

#include "vfiohook.h"
#include "array.h"

#define VFH_EXPORT __attribute__((visibility("default")))
#define VFH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VFH_PATH_MAX 4096

/* Test seam: a fabricated tree has no kernel behind it.  The unit tests
 * install these to play the kernel's part (bind on drivers_probe, unlink
 * on unbind, count a suspend).  Never set outside tests. */
struct vfh_test_ops {
	/* Called after a successful write of val to ROOT/rel; a negative
	 * return becomes the write's result, as the kernel's would. */
	int (*write)(void *data, enum vfh_root root, const char *rel,
		     const char *val);
	/* Module load (load=true) or unload; stands in for libkmod. */
	int (*module)(void *data, const char *name, bool load);
	/* Unit start/stop/is-active; stands in for systemd. */
	int (*unit)(void *data, const char *unit, const char *verb);
	/* A unit property as systemd's D-Bus API carries it; stands in for
	 * reading it and for SetUnitProperties.  Get (set=false) fills val
	 * with at most *len bytes and sets *len; set takes *len bytes.
	 * AllowedCPUs is a byte array: CPU n is bit n % 8 of byte n / 8. */
	int (*unit_prop)(void *data, const char *unit, const char *prop, bool set,
			 bool runtime, uint8_t *val, size_t *len);
};

struct pci_access;
struct udev;
struct udev_monitor;

struct vfh_ctx {
	int refcount;
	char *root[VFH_ROOT__COUNT];
	vfh_log_fn log_fn;
	void *log_data;
	int log_priority;
	unsigned int wait_ms;
	unsigned int write_ms;	/* bound of a write into a driver */
	/* writers whose write did not return within write_ms, not reaped
	 * yet; stuck_pid: the last one (vfh_ctx_stuck_writer) */
	pid_t stuck[8];
	size_t n_stuck;
	pid_t stuck_pid;
	char errmsg[512];
	int errmsg_held;	/* > 0: clean-ups run, the first error stays */
	struct pci_access *pacc;
	struct udev *udev;
	struct udev_monitor *mon;
	struct kmod_ctx *kmod;
	struct sd_bus *bus;
	bool bus_subscribed;	/* Subscribe() is once per connection */
#ifdef VFH_TEST_BUILD
	const struct vfh_test_ops *test_ops;
	void *test_data;
#endif
};

#ifdef VFH_TEST_BUILD
/* Only in the sanitized test build (-DVFH_TEST_BUILD), for the unit tests
 * through its static archive: the release library has no seam at all. */
void vfh_ctx_set_test_ops(struct vfh_ctx *ctx, const struct vfh_test_ops *ops,
			  void *data);
#endif

/* A hugetlbfs pagesize= option ("2M", "1G", "2097152" bytes) in kB; 0
 * when it is not one. */
uint64_t vfh_pagesize_parse(const char *s);

void vfh_log(struct vfh_ctx *ctx, int prio, const char *file, int line,
	     const char *fn, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

#define vfh_dbg(ctx, ...) do { if ((ctx)->log_priority >= LOG_DEBUG) \
	vfh_log(ctx, LOG_DEBUG, __FILE__, __LINE__, __func__, __VA_ARGS__); } while (0)
#define vfh_info(ctx, ...) do { if ((ctx)->log_priority >= LOG_INFO) \
	vfh_log(ctx, LOG_INFO, __FILE__, __LINE__, __func__, __VA_ARGS__); } while (0)
#define vfh_warn(ctx, ...) do { if ((ctx)->log_priority >= LOG_WARNING) \
	vfh_log(ctx, LOG_WARNING, __FILE__, __LINE__, __func__, __VA_ARGS__); } while (0)

/* Records the failure as the context's error line, logs it at LOG_ERR and
 * returns err (a negative errno) so callers can `return vfh_fail(...)`. */
int vfh_fail_at(struct vfh_ctx *ctx, int err, const char *file, int line,
		const char *fn, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
#define vfh_fail(ctx, err, ...) \
	vfh_failed(vfh_fail_at(ctx, err, __FILE__, __LINE__, __func__, __VA_ARGS__))
/* A failure never returns 0: an err that is not negative (an errno read
 * after a call that did not set it) becomes -EIO.  Inline, so that clang's
 * analyser sees that what follows a failure is not a success path. */
static inline int vfh_failed(int err)
{
	return err < 0 ? err : -EIO;
}
/* First thing in every public call: the error line is about this call.
 * Inside a clean-up (held) the first error stays. */
static inline void vfh_enter(struct vfh_ctx *ctx)
{
	if (!ctx->errmsg_held)
		ctx->errmsg[0] = '\0';
}
/* Around a clean-up after a failure (a rollback, a rescan of what was
 * removed): its own failures are logged, the error line keeps the first. */
static inline void vfh_err_hold(struct vfh_ctx *ctx) { ctx->errmsg_held++; }
static inline void vfh_err_release(struct vfh_ctx *ctx) { ctx->errmsg_held--; }

/* ---- path layer: the only place that turns a root + relative path into a
 * file name.  Every reader returns 0 or -errno and never logs (callers know
 * what a missing file means). */
int vfh_vpath(const struct vfh_ctx *ctx, enum vfh_root root, char *buf,
	      size_t len, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));
int vfh_read_str(struct vfh_ctx *ctx, enum vfh_root root, char *buf,
		 size_t len, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int vfh_read_u64(struct vfh_ctx *ctx, enum vfh_root root, uint64_t *val,
		 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int vfh_read_int(struct vfh_ctx *ctx, enum vfh_root root, int *val,
		 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Writes val in one write(2); the kernel's answer is the result. */
int vfh_write_str(struct vfh_ctx *ctx, enum vfh_root root, const char *val,
		  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same for a write that calls into a driver (unbind, bind, probe,
 * remove, rescan, reset), which can block for as long as the driver does:
 * made by a child process the caller waits for at most the context's write
 * bound.  -ETIME (with the error line naming the file, the bound and what
 * is stuck) when the write did not return: its process is left to finish
 * on its own, holding nothing of the caller's, and the write may still
 * take effect later.  Other results as vfh_write_str(), no error line. */
int vfh_write_str_bounded(struct vfh_ctx *ctx, enum vfh_root root, const char *val,
			  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Reaps the writers of earlier stuck writes that have returned since. */
void vfh_stuck_reap(struct vfh_ctx *ctx);
/* Last component of a symlink's target: "vfio-pci" for .../driver.
 * -ENOENT when there is no link. */
int vfh_read_link_name(struct vfh_ctx *ctx, enum vfh_root root, char *buf,
		       size_t len, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int vfh_exists(const struct vfh_ctx *ctx, enum vfh_root root,
	       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* opendir() on a rooted path; NULL with errno set. */
DIR *vfh_opendir(const struct vfh_ctx *ctx, enum vfh_root root,
				const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
DIR *vfh_vopendir(const struct vfh_ctx *ctx, enum vfh_root root,
		  const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* fopen(, "re") on a rooted path, for files read line by line (mountinfo,
 * swaps, net/route); NULL with errno set. */
FILE *vfh_fopen(const struct vfh_ctx *ctx, enum vfh_root root,
		const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Up to len bytes at offset off (config space); the count read or -errno. */
ssize_t vfh_read_at(struct vfh_ctx *ctx, enum vfh_root root, void *buf,
		    size_t len, off_t off, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* realpath() of a rooted path into buf (len >= PATH_MAX); -errno. */
int vfh_realpath(const struct vfh_ctx *ctx, enum vfh_root root, char *buf,
		 size_t len, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* How mountinfo and /proc/swaps spell device nodes ("/dev/nvme0n1p2").
 * A name to parse, never a path to open: the node is looked up below the
 * context's dev root, or by name in sysfs. */
#define VFH_DEVNODE_PREFIX "/dev/"
#define VFH_DEVNODE_PREFIX_LEN 5
/* How messages name a file of the shm directory below the dev root: as the
 * user knows it on an installed system; never opened by this name. */
#define VFH_SHM_SHOWN VFH_DEVNODE_PREFIX "shm/"

/* Device directory relative to the sys root: "bus/pci/devices/0000:01:00.0" */
#define PCI_DEV_FMT "bus/pci/devices/%s"

/* ---- waiting for the kernel.  vfh_wait_arm() starts listening for kernel
 * uevents BEFORE the write that will cause them; vfh_wait_until() then
 * checks cond after every uevent until it holds or the context's bound
 * expires (-ETIMEDOUT).  cond returns 1 (done), 0 (not yet) or -errno. */
typedef int (*vfh_cond_fn)(struct vfh_ctx *ctx, const void *data);
void vfh_wait_arm(struct vfh_ctx *ctx);
int vfh_wait_until(struct vfh_ctx *ctx, vfh_cond_fn cond, const void *data);
void vfh_wait_disarm(struct vfh_ctx *ctx);
/* The one arm/write/wait/disarm sequence: arms, writes val to ROOT/fmt,
 * then waits until cond holds.  A write refused with EBUSY while cond
 * already holds counts as done (something else made the change first).
 * Returns 0 or -errno and sets no error line: *written (may be NULL) tells
 * the caller whether the failure is the write's (false) or the wait's
 * (true, -ETIMEDOUT when the bound expired), for its own message. */
int vfh_write_and_wait(struct vfh_ctx *ctx, enum vfh_root root, const char *val,
		       vfh_cond_fn cond, const void *data, bool *written,
		       const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* ---- structs sized by the caller (abi.c; the rule is in vfiohook.h) */
/* Fills dst (the caller's dsize bytes) from the library's src: min of the
 * two sizes copied, the rest of dst zeroed. */
void vfh_struct_out(void *dst, size_t dsize, const void *src, size_t ssize);
/* Reads the caller's src (usize bytes) into dst (dsize), which holds the
 * defaults: fields past usize keep them; -E2BIG when src has non-zero
 * bytes past dsize (fields this library does not know). */
int vfh_struct_in(void *dst, size_t dsize, const void *src, size_t usize);
/* Hands the library's array v (n elements of elem bytes, malloc'ed) to the
 * caller at its stride: v itself when the sizes agree, else a copy (v is
 * freed either way).  n == 0 gives NULL.  -ENOMEM. */
int vfh_array_out(void **out, void *v, size_t n, size_t elem, size_t stride);

/* ---- misc */
void vfh_strip(char *s);
int vfh_addr_str(const struct vfh_pci_addr *a, char buf[VFH_PCI_ADDR_MAX]);
/* Appends to a growable array of addresses. */
int vfh_addrs_push(struct vfh_pci_addr **v, size_t *n, size_t *cap,
		   const struct vfh_pci_addr *a);
bool vfh_addrs_has(const struct vfh_pci_addr *v, size_t n,
		   const struct vfh_pci_addr *a);
/* The PCI addresses named by the entries of a sys-root directory, sorted
 * (bus/pci/devices, an IOMMU group's devices).  Other names are skipped,
 * with a warning naming `what` when it is not NULL.  *addrs: free() it.
 * opendir()'s -errno when the directory cannot be read. */
int vfh_addrs_from_dir(struct vfh_ctx *ctx, const char *what, struct vfh_pci_addr **addrs,
		       size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* CLOCK_MONOTONIC in milliseconds, for bounded waits. */
long long vfh_now_ms(void);
/* The driver bound to a PCI device, "" when none. */
int vfh_pci_driver(struct vfh_ctx *ctx, const char *addr, char *buf,
		   size_t len);
/* Ensure a PCI driver is registered, loading a module of that name. */
int vfh_pci_driver_ensure(struct vfh_ctx *ctx, const char *driver);

#endif
