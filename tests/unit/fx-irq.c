// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture's interrupts below proc/irq (the fake kernel's side is
 * fk-irq.c).
 *
 *  irq N  name=ahci[0000:00:1f.2] affinity=0-3 effective=0 managed=1 percpu=1
 *         chip=IR-PCI-MSIX-0000:00:1f.2
 *  interrupts remap=1
 *
 * name: the handler's directory in proc/irq/N ("" none); affinity
 * defaults to every online CPU; effective (effective_affinity_list) to
 * the first CPU of it, "none" leaves the file out.  managed / percpu:
 * the kernel refuses to move it.  proc/irq/default_smp_affinity shows
 * every possible CPU.  Render after the cpus line (fx-cpu.c).
 *
 * interrupts: proc/interrupts as x86 shows it, a column per online CPU,
 * a line per irq (its count on its effective CPU), then NMI, LOC, ERR
 * and MIS.  An irq's irqchip is its chip=, else IO-APIC below 24 and
 * PCI-MSI from 24, with remap=1 the interrupt-remapping ones (IR-IO-APIC,
 * IR-PCI-MSI) as the kernel names them when remapping is on.  Without an
 * interrupts line there is no proc/interrupts. */
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
	snprintf(q->chip, sizeof(q->chip), "%s", fx_ent_get(e, "chip") ? fx_ent_get(e, "chip") : "");
}

void fx_interrupts_add(struct fx *fx, const struct fx_ent *e)
{
	struct fk_irqs *s = fk_irqs(fx);

	s->interrupts = true;
	s->remap = fx_num(e, "remap", 0) != 0;
}

void fx_irq_build(struct fx *fx)
{
	struct fk_irqs *s = fk_irqs(fx);

	s->default_aff = fk_cpus(fx)->possible;
}

/* show_interrupts()'s layout: "%*d: ", "%10u " a CPU, " %8s" the chip,
 * " %*lu" its hwirq, "-%-8s" the flow, "  %s" the handler */
static void render_interrupts(struct fx *fx)
{
	struct fk_irqs *s = fk_irqs(fx);
	uint64_t online = fk_cpus(fx)->online ? fk_cpus(fx)->online : 1;
	static const char *const other[][2] = {
		{ "NMI", "Non-maskable interrupts" }, { "LOC", "Local timer interrupts" },
	};
	char text[16384];
	size_t n = 0;

#define PUT(...) (n += (size_t)snprintf(text + n, n < sizeof(text) ? sizeof(text) - n : 0, \
					 __VA_ARGS__))
	PUT("%11s", "");
	for (unsigned int c = 0; c < 64; c++)
		if (online & (1ULL << c))
			PUT("CPU%-8u", c);
	PUT("\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct fk_irq *q = &s->irq[i];
		bool ioapic = q->num < 24;
		char chip[48];

		if (q->gone)
			continue;
		if (q->chip[0])
			snprintf(chip, sizeof(chip), "%s", q->chip);
		else
			snprintf(chip, sizeof(chip), "%s%s", s->remap ? "IR-" : "",
				 ioapic ? "IO-APIC" : "PCI-MSI");
		PUT("%3u: ", q->num);
		for (unsigned int c = 0; c < 64; c++)
			if (online & (1ULL << c))
				PUT("%10u ", q->effective & (1ULL << c) ? 100 + q->num : 0);
		PUT(" %8s %3u-%-8s  %s\n", chip, ioapic ? (q->num ? q->num : 2) : 524288 + q->num,
		    ioapic && q->num ? "fasteoi" : "edge", q->name);
	}
	for (size_t k = 0; k < sizeof(other) / sizeof(other[0]); k++) {
		PUT("%3s: ", other[k][0]);
		for (unsigned int c = 0; c < 64; c++)
			if (online & (1ULL << c))
				PUT("%10u ", 0);
		PUT("  %s\n", other[k][1]);
	}
	PUT("ERR:          0\nMIS:          0\n");
#undef PUT
	if (n >= sizeof(text))
		fx_fail("proc/interrupts: more than %zu bytes", sizeof(text));
	fx_putf(fx, "proc/interrupts", "%s", text);
}

void fx_render_irqs(struct fx *fx)
{
	struct fk_irqs *s = fk_irqs(fx);
	unsigned int nbits = fk_nr_cpu_ids(fx);
	char buf[256], rel[FX_REL];

	if (s->interrupts)
		render_interrupts(fx);
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
