// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture's interrupts below proc/irq (the fake kernel's side is
 * fk-irq.c).
 *
 *  irq N  name=ahci[0000:00:1f.2] affinity=0-3 effective=0 managed=1 percpu=1
 *
 * name: the handler's directory in proc/irq/N ("" none); affinity
 * defaults to every online CPU; effective (effective_affinity_list) to
 * the first CPU of it, "none" leaves the file out.  managed / percpu:
 * the kernel refuses to move it.  proc/irq/default_smp_affinity shows
 * every possible CPU.  Render after the cpus line (fx-cpu.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture-int.h"

struct fk_irqs *fk_irqs(struct fx *fx)
{
	return fx_state(fx, "irq", sizeof(struct fk_irqs));
}

void fx_irq_add(struct fx *fx, const struct fx_ent *e)
{
	struct fk_irqs *s = fk_irqs(fx);
	const char *name = fx_ent_get(e, "name"), *aff = fx_ent_get(e, "affinity");
	const char *eff = fx_ent_get(e, "effective");
	struct fk_irq *q;

	if (s->n == FK_MAX_IRQ)
		fx_fail("too many irqs");
	q = &s->irq[s->n++];
	memset(q, 0, sizeof(*q));
	q->num = (unsigned int)strtoul(e->name, NULL, 10);
	snprintf(q->name, sizeof(q->name), "%s", name ? name : "");
	q->affinity = fk_cpus(fx)->online;
	if (aff && fk_cpulist_parse(aff, &q->affinity) < 0)
		fx_fail("%s:%d: affinity=%s", e->file, e->line, aff);
	q->has_effective = !eff || strcmp(eff, "none") != 0;
	q->effective = q->affinity & -q->affinity;
	if (eff && q->has_effective && fk_cpulist_parse(eff, &q->effective) < 0)
		fx_fail("%s:%d: effective=%s", e->file, e->line, eff);
	q->managed = fx_num(e, "managed", 0) != 0;
	q->percpu = fx_num(e, "percpu", 0) != 0;
}

void fx_irq_build(struct fx *fx)
{
	struct fk_irqs *s = fk_irqs(fx);

	s->default_aff = fk_cpus(fx)->possible;
}

void fx_render_irqs(struct fx *fx)
{
	struct fk_irqs *s = fk_irqs(fx);
	unsigned int nbits = fk_nr_cpu_ids(fx);
	char buf[256], rel[FX_REL];

	if (!s->n)
		return;
	fk_cpumask_format(s->default_aff, nbits, buf, sizeof(buf));
	fx_putf(fx, "proc/irq/default_smp_affinity", "%s\n", buf);
	for (size_t i = 0; i < s->n; i++) {
		const struct fk_irq *q = &s->irq[i];

		if (q->gone)
			continue;
		fk_cpumask_format(q->affinity, nbits, buf, sizeof(buf));
		snprintf(rel, sizeof(rel), "proc/irq/%u/smp_affinity", q->num);
		fx_putf(fx, rel, "%s\n", buf);
		fk_cpulist_format(q->affinity, buf, sizeof(buf));
		snprintf(rel, sizeof(rel), "proc/irq/%u/smp_affinity_list", q->num);
		fx_putf(fx, rel, "%s\n", buf);
		if (q->has_effective) {
			fk_cpumask_format(q->effective, nbits, buf, sizeof(buf));
			snprintf(rel, sizeof(rel), "proc/irq/%u/effective_affinity", q->num);
			fx_putf(fx, rel, "%s\n", buf);
			fk_cpulist_format(q->effective, buf, sizeof(buf));
			snprintf(rel, sizeof(rel), "proc/irq/%u/effective_affinity_list", q->num);
			fx_putf(fx, rel, "%s\n", buf);
		}
		snprintf(rel, sizeof(rel), "proc/irq/%u/node", q->num);
		fx_putf(fx, rel, "0\n");
		if (q->name[0])
			fx_mkdirs(fx, "proc/irq/%u/%s", q->num, q->name);
	}
}
