// SPDX-License-Identifier: LGPL-2.1-or-later
/* libpci, kept to read-only enumeration and pci.ids names.  Its error
 * handler must not return (pciutils marks it noreturn) and the default one
 * calls exit(1): ours jumps back to the call that reached libpci. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "internal.h"

static __thread jmp_buf *pci_jump;
static __thread char pci_error[256];

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
		return -ENOMEM;
	ctx->pacc->error = on_pci_error;
	ctx->pacc->warning = on_pci_quiet;
	ctx->pacc->debug = on_pci_quiet;
	ctx->pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	/* bus-centric: list addresses without reading irq/resource files,
	 * which a captured tree may lack */
	ctx->pacc->buscentric = 1;
	pci_set_param(ctx->pacc, "sysfs.path", path);
	pci_init(ctx->pacc);
	return 0;
}

VFH_EXPORT int vfh_pci_list(struct vfh_ctx *ctx, struct vfh_pci_addr **addrs,
			    size_t *n)
{
	jmp_buf jb;
	struct vfh_pci_addr *v = NULL;
	size_t cnt = 0, cap = 0;
	int r;

	*addrs = NULL;
	*n = 0;
	pci_jump = &jb;
	if (setjmp(jb)) {
		pci_jump = NULL;
		free(v);
		/* libpci's state after an error is unknown: start afresh */
		ctx->pacc = NULL;
		return vfh_fail(ctx, -EIO, "libpci: %s", pci_error);
	}
	r = pacc_open(ctx);
	if (r < 0)
		goto out;
	if (ctx->pacc->devices) {
		/* a second scan would duplicate the list; reopen */
		pci_cleanup(ctx->pacc);
		ctx->pacc = NULL;
		r = pacc_open(ctx);
		if (r < 0)
			goto out;
	}
	pci_scan_bus(ctx->pacc);
	for (struct pci_dev *d = ctx->pacc->devices; d; d = d->next) {
		struct vfh_pci_addr a = {
			.domain = (uint32_t)d->domain, .bus = d->bus,
			.slot = d->dev, .func = d->func,
		};

		r = vfh_addrs_push(&v, &cnt, &cap, &a);
		if (r < 0)
			goto out;
	}
	qsort(v, cnt, sizeof(*v), vfh_pci_addr_cmp);
	*addrs = v;
	*n = cnt;
	v = NULL;
	r = 0;
out:
	pci_jump = NULL;
	free(v);
	return r;
}

VFH_EXPORT int vfh_pci_names(struct vfh_ctx *ctx, const struct vfh_pci_info *info,
			     char *vendor, size_t vlen, char *device, size_t dlen)
{
	jmp_buf jb;
	char *s;
	int r;

	if (vlen)
		vendor[0] = '\0';
	if (dlen)
		device[0] = '\0';
	pci_jump = &jb;
	if (setjmp(jb)) {
		pci_jump = NULL;
		ctx->pacc = NULL;
		return vfh_fail(ctx, -EIO, "libpci: %s", pci_error);
	}
	r = pacc_open(ctx);
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
