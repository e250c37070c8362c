/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal to libvfiohook: the CPU files' readers and writers shared by
 * cpulist.c, cpuset.c, irq.c and tuning.c.  Each sets the error line on
 * failure, naming the file (relative to its root). */
#ifndef VFH_CPUS_H
#define VFH_CPUS_H

#include "internal.h"

/* A file in the list format ("0-3,8"; empty is the empty set). */
int vfh_read_cpulist(struct vfh_ctx *ctx, enum vfh_root root, struct vfh_cpuset *s,
		     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A file in the hex mask format ("f,ffffffff"). */
int vfh_read_cpumask(struct vfh_ctx *ctx, enum vfh_root root, struct vfh_cpuset *s,
		     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Writes s in the list format (mask=false) or as a hex mask of nr_cpu_ids
 * bits (mask=true), then reads the file back and checks the kernel kept
 * it: -EIO "... reads back X" when it did not.  The kernel's refusal is
 * returned as is, named in the error line. */
int vfh_write_cpus(struct vfh_ctx *ctx, enum vfh_root root, const struct vfh_cpuset *s,
		   bool mask, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
