// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake kernel's interrupt affinity (kernel/irq/proc.c).
 *
 *  - N/smp_affinity_list and N/smp_affinity (write_irq_affinity()): -EIO
 *    for an IRQ whose affinity user space may not set (per-CPU, managed:
 *    irq_can_set_affinity_usr()); a list or mask that does not parse is
 *    -EINVAL, one without an online CPU -EINVAL.  The effective affinity
 *    becomes the first online CPU of it (x86's vector allocation picks
 *    one).
 *  - default_smp_affinity (default_affinity_write()): a hex mask with an
 *    online CPU, else -EINVAL. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fixture-int.h"

static int set_affinity(struct fx *fx, struct fk_irq *q, const char *val, bool list)
{
	uint64_t m, online = fk_cpus(fx)->online;

	if (q->managed || q->percpu)
		return -EIO;
	if ((list ? fk_cpulist_parse(val, &m) : fk_cpumask_parse(val, &m)) < 0)
		return -EINVAL;
	if (!(m & online))
		return -EINVAL;
	q->affinity = m;
	m &= online;
	q->effective = m & -m;
	return 0;
}

int fk_irq_write(struct fx *fx, const char *path, const char *val)
{
	struct fk_irqs *s = fk_irqs(fx);
	unsigned int num;
	char file[64];

	if (strcmp(path, "proc/irq/default_smp_affinity") == 0) {
		uint64_t m;

		if (fk_cpumask_parse(val, &m) < 0 || !(m & fk_cpus(fx)->online))
			return -EINVAL;
		s->default_aff = m;
		return 0;
	}
	if (sscanf(path, "proc/irq/%u/%63s", &num, file) != 2)
		return -EACCES;
	for (size_t i = 0; i < s->n; i++) {
		if (s->irq[i].num != num)
			continue;
		if (strcmp(file, "smp_affinity_list") == 0)
			return set_affinity(fx, &s->irq[i], val, true);
		if (strcmp(file, "smp_affinity") == 0)
			return set_affinity(fx, &s->irq[i], val, false);
		return -EACCES;
	}
	return -EACCES;
}

bool fk_irq_restore(struct fx *fx, const char *path)
{
	(void)path;
	fx_render_irqs(fx);
	return true;
}
