// SPDX-License-Identifier: LGPL-2.1-or-later
/* Interrupt affinity (Documentation/core-api/irq/irq-affinity.rst):
 * /proc/irq/N/smp_affinity_list, what the kernel refuses there (per-CPU
 * and managed IRQs: -EIO from irq_can_set_affinity_usr()), and
 * /proc/irq/default_smp_affinity for the IRQs still to come. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "cpus.h"

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* "123" and nothing else */
static bool irq_name_ok(const char *s, unsigned int *irq)
{
	unsigned long v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 0xffffffUL)
			return false;
	}
	*irq = (unsigned int)v;
	return true;
}

VFH_EXPORT int vfh_irq_list(struct vfh_ctx *ctx, unsigned int **irqs, size_t *n)
{
	unsigned int *v = NULL, irq;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	vfh_ctx_clear_error(ctx);
	if (!irqs || !n)
		return vfh_fail(ctx, -EINVAL, "vfh_irq_list: NULL argument");
	*irqs = NULL;
	*n = 0;
	d = vfh_opendir(ctx, VFH_ROOT_PROC, "irq");
	if (!d)
		return vfh_fail(ctx, -errno, "cannot list %s/irq: %s",
				vfh_ctx_get_root(ctx, VFH_ROOT_PROC), strerror(errno));
	while ((de = readdir(d))) {
		if (!irq_name_ok(de->d_name, &irq))
			continue;
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			unsigned int *nv = realloc(v, ncap * sizeof(*nv));

			if (!nv) {
				closedir(d);
				free(v);
				return vfh_fail(ctx, -ENOMEM, "out of memory listing IRQs");
			}
			v = nv;
			cap = ncap;
		}
		v[cnt++] = irq;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_uint);
	*irqs = v;
	*n = cnt;
	return 0;
}

VFH_EXPORT int vfh_irq_name(struct vfh_ctx *ctx, unsigned int irq, char *buf, size_t len)
{
	struct dirent *de;
	size_t used = 0;
	DIR *d;

	vfh_ctx_clear_error(ctx);
	if (!buf || !len)
		return vfh_fail(ctx, -EINVAL, "vfh_irq_name: no buffer");
	buf[0] = '\0';
	/* register_handler_proc() makes one directory per action, named
	 * for it: the names /proc/interrupts shows */
	d = vfh_opendir(ctx, VFH_ROOT_PROC, "irq/%u", irq);
	if (!d)
		return vfh_fail(ctx, -errno, "IRQ %u: %s", irq, strerror(errno));
	while ((de = readdir(d))) {
		int n;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", de->d_name);
		if (n < 0 || (size_t)n >= len - used) {
			closedir(d);
			buf[0] = '\0';
			return vfh_fail(ctx, -ENOSPC, "IRQ %u: its names do not fit %zu bytes", irq,
					len);
		}
		used += (size_t)n;
	}
	closedir(d);
	return 0;
}

VFH_EXPORT int vfh_irq_affinity_read(struct vfh_ctx *ctx, unsigned int irq,
				     struct vfh_cpuset *cpus)
{
	vfh_ctx_clear_error(ctx);
	if (!cpus)
		return vfh_fail(ctx, -EINVAL, "vfh_irq_affinity_read: NULL argument");
	return vfh_read_cpulist(ctx, VFH_ROOT_PROC, cpus, "irq/%u/smp_affinity_list", irq);
}

VFH_EXPORT int vfh_irq_effective_read(struct vfh_ctx *ctx, unsigned int irq,
				      struct vfh_cpuset *cpus)
{
	vfh_ctx_clear_error(ctx);
	if (!cpus)
		return vfh_fail(ctx, -EINVAL, "vfh_irq_effective_read: NULL argument");
	return vfh_read_cpulist(ctx, VFH_ROOT_PROC, cpus, "irq/%u/effective_affinity_list", irq);
}

VFH_EXPORT int vfh_irq_affinity_write(struct vfh_ctx *ctx, unsigned int irq,
				      const struct vfh_cpuset *cpus)
{
	vfh_ctx_clear_error(ctx);
	if (!cpus || vfh_cpuset_empty(cpus))
		return vfh_fail(ctx, -EINVAL, "IRQ %u: an empty affinity is refused", irq);
	return vfh_write_cpus(ctx, VFH_ROOT_PROC, cpus, false, "irq/%u/smp_affinity_list", irq);
}

VFH_EXPORT int vfh_irq_default_affinity_read(struct vfh_ctx *ctx, struct vfh_cpuset *cpus)
{
	vfh_ctx_clear_error(ctx);
	if (!cpus)
		return vfh_fail(ctx, -EINVAL, "vfh_irq_default_affinity_read: NULL argument");
	return vfh_read_cpumask(ctx, VFH_ROOT_PROC, cpus, "irq/default_smp_affinity");
}

VFH_EXPORT int vfh_irq_default_affinity_write(struct vfh_ctx *ctx,
					      const struct vfh_cpuset *cpus,
					      struct vfh_cpuset *prior)
{
	int r;

	vfh_ctx_clear_error(ctx);
	if (!cpus || vfh_cpuset_empty(cpus))
		return vfh_fail(ctx, -EINVAL, "an empty default IRQ affinity is refused");
	if (prior && (r = vfh_read_cpumask(ctx, VFH_ROOT_PROC, prior,
					   "irq/default_smp_affinity")) < 0)
		return r;
	return vfh_write_cpus(ctx, VFH_ROOT_PROC, cpus, true, "irq/default_smp_affinity");
}

VFH_EXPORT int vfh_irq_move_all_sz(struct vfh_ctx *ctx, const struct vfh_cpuset *cpus,
				   struct vfh_irq_move **moves, size_t *n, size_t stride)
{
	struct vfh_irq_move one;
	unsigned int *irqs = NULL;
	size_t nirq = 0, copy;
	int stuck = 0, r;
	char *out;

	vfh_ctx_clear_error(ctx);
	if (!moves || !n || !cpus)
		return vfh_fail(ctx, -EINVAL, "vfh_irq_move_all: NULL argument");
	*moves = NULL;
	*n = 0;
	if (stride == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_irq_move_all: stride 0");
	if (vfh_cpuset_empty(cpus))
		return vfh_fail(ctx, -EINVAL, "moving the IRQs to no CPU is refused");
	r = vfh_irq_list(ctx, &irqs, &nirq);
	if (r < 0)
		return r;
	out = calloc(nirq ? nirq : 1, stride);
	if (!out) {
		free(irqs);
		return vfh_fail(ctx, -ENOMEM, "out of memory moving IRQs");
	}
	copy = stride < sizeof(one) ? stride : sizeof(one);
	for (size_t i = 0; i < nirq; i++) {
		memset(&one, 0, sizeof(one));
		one.irq = irqs[i];
		vfh_err_hold(ctx);
		one.result = vfh_read_cpulist(ctx, VFH_ROOT_PROC, &one.prior,
					      "irq/%u/smp_affinity_list", irqs[i]);
		if (one.result == 0 && !vfh_cpuset_eq(&one.prior, cpus))
			one.result = vfh_write_cpus(ctx, VFH_ROOT_PROC, cpus, false,
						    "irq/%u/smp_affinity_list", irqs[i]);
		vfh_err_release(ctx);
		if (one.result == -EIO)
			vfh_info(ctx, "IRQ %u stays where it is (per-CPU or managed)", irqs[i]);
		else if (one.result < 0)
			vfh_warn(ctx, "IRQ %u not moved: %s", irqs[i], strerror(-one.result));
		stuck += one.result < 0;
		memcpy(out + i * stride, &one, copy);
	}
	free(irqs);
	*moves = (struct vfh_irq_move *)(void *)out;
	*n = nirq;
	return stuck;
}

VFH_EXPORT int vfh_irq_restore_sz(struct vfh_ctx *ctx, const struct vfh_irq_move *moves,
				  size_t n, size_t stride)
{
	const char *base = (const char *)moves;
	int first = 0, r;

	vfh_ctx_clear_error(ctx);
	if (n && (!moves || stride == 0))
		return vfh_fail(ctx, -EINVAL, "vfh_irq_restore: no moves or stride 0");
	/* every entry needs its whole prior set: no older, shorter layout */
	if (n && stride < sizeof(struct vfh_irq_move))
		return vfh_fail(ctx, -EINVAL, "vfh_irq_restore: stride %zu too small", stride);
	for (size_t i = 0; i < n; i++) {
		struct vfh_irq_move one;

		memcpy(&one, base + i * stride, sizeof(one));
		if (one.result != 0)
			continue;
		if (vfh_exists(ctx, VFH_ROOT_PROC, "irq/%u", one.irq) != 1) {
			vfh_info(ctx, "IRQ %u is gone: nothing to restore", one.irq);
			continue;
		}
		/* keep the first failure's line, go on with the others */
		if (first)
			vfh_err_hold(ctx);
		r = vfh_write_cpus(ctx, VFH_ROOT_PROC, &one.prior, false,
				   "irq/%u/smp_affinity_list", one.irq);
		if (first)
			vfh_err_release(ctx);
		if (r < 0 && !first)
			first = r;
	}
	return first;
}
