// SPDX-License-Identifier: LGPL-2.1-or-later
/* libpci, kept to pci.ids names (pointed at the context's sysfs).  Its error
 * handler must not return (pciutils marks it noreturn) and the default one
 * ends the process: ours jumps back to the call that reached libpci. */
#include <limits.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "internal.h"

static __thread jmp_buf *pci_jump;
static __thread char pci_error[256];

static void PCI_NONRET on_pci_error(char *msg, ...) __attribute__((format(printf, 1, 2)));

static void PCI_NONRET on_pci_error(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(pci_error, sizeof(pci_error), msg, ap);
	va_end(ap);
	if (pci_jump)
		longjmp(*pci_jump, 1);
	/* only reachable if libpci is called outside guard(): a bug here */
	__builtin_trap();
}

static void on_pci_quiet(char *msg, ...)
{
	(void)msg;
}

/* Brings up ctx->pacc; must run under a guard. */
static int pacc_open(struct vfh_ctx *ctx)
{
	char path[VFH_PATH_MAX];
	int r;

	if (ctx->pacc)
		return 0;
	r = vfh_ctx_path(ctx, VFH_ROOT_SYS, path, sizeof(path), "bus/pci");
	if (r < 0)
		return r;
	ctx->pacc = pci_alloc();
	if (!ctx->pacc)
		return vfh_fail(ctx, -ENOMEM, "libpci: cannot allocate its context");
	ctx->pacc->error = on_pci_error;
	ctx->pacc->warning = on_pci_quiet;
	ctx->pacc->debug = on_pci_quiet;
	ctx->pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_set_param(ctx->pacc, "sysfs.path", path);
	pci_init(ctx->pacc);
	return 0;
}

/* The device list comes from the directory itself: libpci's scan gives
 * up (through its error handler) on one odd entry, and a jump out of it
 * leaks its directory stream. */
VFH_EXPORT int vfh_pci_list(struct vfh_ctx *ctx, struct vfh_pci_addr **addrs,
			    size_t *n)
{
	int r;

	vfh_enter(ctx);
	if (!addrs || !n)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_list: no array or no count");
	r = vfh_addrs_from_dir(ctx, NULL, addrs, n, "bus/pci/devices");
	return r < 0 ? vfh_fail(ctx, r, "cannot list PCI devices: %s", strerror(-r)) : 0;
}

VFH_EXPORT int vfh_pci_names_sz(struct vfh_ctx *ctx, const struct vfh_pci_info *info,
				size_t info_size, char *vendor, size_t vlen, char *device,
				size_t dlen)
{
	/* only the ids are read: any struct that reaches them will do */
	const size_t need = offsetof(struct vfh_pci_info, device) + sizeof(info->device);
	jmp_buf jb;
	char *s;
	int r;

	vfh_enter(ctx);
	if ((vlen && !vendor) || (dlen && !device))
		return vfh_fail(ctx, -EINVAL, "vfh_pci_names: a length without a buffer");
	if (vlen)
		vendor[0] = '\0';
	if (dlen)
		device[0] = '\0';
	if (!info || info_size < need)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_names: no device, or a struct too small "
				"to hold its ids (%zu bytes)", info ? info_size : 0);
	if (vlen > INT_MAX || dlen > INT_MAX)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_names: buffer over INT_MAX bytes");
	pci_jump = &jb;
	if (setjmp(jb)) {
		pci_jump = NULL;
		ctx->pacc = NULL;
		return vfh_fail(ctx, -EIO, "libpci: %s", pci_error);
	}
	r = pacc_open(ctx);
	if (r < 0 && !ctx->errmsg[0])
		r = vfh_fail(ctx, r, "libpci: the sysfs path is too long: %s", strerror(-r));
	if (r == 0) {
		const int flags = PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;

		s = pci_lookup_name(ctx->pacc, vendor, (int)vlen,
				    PCI_LOOKUP_VENDOR | flags, info->vendor);
		if (!s && vlen)
			vendor[0] = '\0';
		s = pci_lookup_name(ctx->pacc, device, (int)dlen,
				    PCI_LOOKUP_DEVICE | flags, info->vendor, info->device);
		if (!s && dlen)
			device[0] = '\0';
	}
	pci_jump = NULL;
	return r;
}
