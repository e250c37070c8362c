/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal: the holders scan (holders.c) for other parts of the library
 * (shmfile.c now; the device holders next). */
#ifndef VFH_HOLDERS_H
#define VFH_HOLDERS_H

#include "internal.h"

/* The processes holding ROOT/rel, sorted by pid, at the library's own
 * struct size.  *v: free() it.  -errno of stat() on the file, -ENOMEM,
 * or opendir()'s on the proc root; sets no error line. */
int vfh_holders_scan(struct vfh_ctx *ctx, enum vfh_root root, const char *rel,
		     struct vfh_holder **v, size_t *n);
/* The same for several files at once (one pass over the processes); a
 * file of several that is not there is skipped. */
int vfh_holders_scan_many(struct vfh_ctx *ctx, enum vfh_root root, const char *const *rels,
			  size_t nrels, struct vfh_holder **v, size_t *n);
/* The holders of a PCI device's nodes (vfh_pci_holders()), by address;
 * sets no error line. */
int vfh_pci_holders_scan(struct vfh_ctx *ctx, const char *addr, struct vfh_holder **v,
			 size_t *n);
/* "4242 (looking-glass-client), 77 (qemu-system-x86)" */
void vfh_holders_text(const struct vfh_holder *v, size_t n, char *buf, size_t len);

#endif
