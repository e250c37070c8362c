// SPDX-License-Identifier: LGPL-2.1-or-later
/* Interrupt affinity (irq.c) against the fake kernel's proc/irq: what
 * moves, what the kernel refuses (per-CPU, managed), moving all and
 * putting them back, the default affinity. */
#include <stdio.h>
#include <stdlib.h>

#include "testlib.h"
#include "fixture-int.h"

static void test_list_and_read(void **state)
{
	struct t *t = *state;
	static const unsigned int want[] = { 0, 9, 16, 24, 25, 26 };
	unsigned int *irqs;
	struct vfh_cpuset s;
	char name[64];
	size_t n;

	/* not IRQs: the default mask, a stray name */
	fx_mkdirs(t->fx, "proc/irq/x1");
	assert_int_equal(vfh_irq_list(t->ctx, &irqs, &n), 0);
	assert_int_equal(n, VFH_ARRAY_SIZE(want));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(irqs[i], want[i]);
	free(irqs);
	assert_int_equal(vfh_irq_name(t->ctx, 25, name, sizeof(name)), 0);
	assert_string_equal(name, "ahci[0000:00:1f.2]");
	assert_int_equal(vfh_irq_name(t->ctx, 16, name, sizeof(name)), 0);
	assert_string_equal(name, "");
	assert_int_equal(vfh_irq_name(t->ctx, 25, name, 8), -ENOSPC);
	assert_int_equal(vfh_irq_name(t->ctx, 99, name, sizeof(name)), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "IRQ 99");
	assert_int_equal(vfh_irq_affinity_read(t->ctx, 26, &s), 0);
	assert_string_equal(t_cpulist(&s), "2-3");
	assert_int_equal(vfh_irq_effective_read(t->ctx, 25, &s), 0);
	assert_string_equal(t_cpulist(&s), "2");
	assert_int_equal(vfh_irq_effective_read(t->ctx, 26, &s), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "irq/26/effective_affinity_list");
	assert_no_writes(t->fx);
}

static void test_write_one(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset s = t_cpus("0-1");

	assert_int_equal(vfh_irq_affinity_write(t->ctx, 25, &s), 0);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "");
	assert_writes(t->fx, { "proc/irq/25/smp_affinity_list", "0-1" });
	assert_string_equal(fx_read(t->fx, "proc/irq/25/smp_affinity_list"), "0-1\n");
	/* the mask shows nr_cpu_ids (8) bits */
	assert_string_equal(fx_read(t->fx, "proc/irq/25/smp_affinity"), "03\n");
	assert_string_equal(fx_read(t->fx, "proc/irq/25/effective_affinity_list"), "0\n");
	/* managed and per-CPU IRQs stay where they are */
	assert_int_equal(vfh_irq_affinity_write(t->ctx, 24, &s), -EIO);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "writing '0-1' to irq/24/smp_affinity_list: "
			    "Input/output error");
	assert_string_equal(fx_read(t->fx, "proc/irq/24/smp_affinity_list"), "0\n");
	assert_int_equal(vfh_irq_affinity_write(t->ctx, 0, &s), -EIO);
	assert_string_equal(fx_read(t->fx, "proc/irq/0/smp_affinity_list"), "0-3\n");
	/* no online CPU in it */
	s = t_cpus("4-5");
	assert_int_equal(vfh_irq_affinity_write(t->ctx, 25, &s), -EINVAL);
	assert_string_equal(fx_read(t->fx, "proc/irq/25/smp_affinity_list"), "0-1\n");
	s = t_cpus("");
	assert_int_equal(vfh_irq_affinity_write(t->ctx, 25, &s), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "empty affinity");
}

static void test_move_all_and_restore(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset hk = t_cpus("0-1");
	struct vfh_irq_move *m;
	size_t n;

	/* 0 is per-CPU, 24 managed */
	assert_int_equal(vfh_irq_move_all(t->ctx, &hk, &m, &n), 2);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "");
	assert_int_equal(n, 6);
	assert_int_equal(m[0].irq, 0);
	assert_int_equal(m[0].result, -EIO);
	assert_int_equal(m[3].irq, 24);
	assert_int_equal(m[3].result, -EIO);
	assert_int_equal(m[5].irq, 26);
	assert_int_equal(m[5].result, 0);
	assert_string_equal(t_cpulist(&m[5].prior), "2-3");
	assert_string_equal(t_cpulist(&m[4].prior), "0-3");
	for (unsigned int irq = 9; irq <= 26; irq++) {
		if (irq != 9 && irq != 16 && irq != 25 && irq != 26)
			continue;
		if (strcmp(fx_read(t->fx, "proc/irq/%u/smp_affinity_list", irq), "0-1\n") != 0)
			fail_msg("IRQ %u not moved", irq);
	}
	assert_string_equal(fx_read(t->fx, "proc/irq/24/smp_affinity_list"), "0\n");
	assert_string_equal(fx_read(t->fx, "proc/irq/0/smp_affinity_list"), "0-3\n");
	/* back as they were; the ones that did not move are not touched */
	fk_log_clear(t->fx);
	assert_int_equal(vfh_irq_restore(t->ctx, m, n), 0);
	assert_writes(t->fx, { "proc/irq/9/smp_affinity_list", "0-3" },
		      { "proc/irq/16/smp_affinity_list", "0-3" },
		      { "proc/irq/25/smp_affinity_list", "0-3" },
		      { "proc/irq/26/smp_affinity_list", "2-3" });
	assert_string_equal(fx_read(t->fx, "proc/irq/26/smp_affinity_list"), "2-3\n");
	assert_string_equal(fx_read(t->fx, "proc/irq/26/smp_affinity"), "0c\n");
	free(m);
}

/* An IRQ already where it should be is not written to. */
static void test_move_all_idempotent(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset s = t_cpus("2-3");
	struct vfh_irq_move *m;
	size_t n;

	assert_int_equal(vfh_irq_move_all(t->ctx, &s, &m, &n), 2);
	assert_int_equal(fk_log_count(t->fx, "proc/irq/26/smp_affinity_list"), 0);
	free(m);
}

/* A device removed in between: its IRQ is gone, the others come back; a
 * failing one does not stop the rest and is the error line. */
static void test_restore_gone_and_failing(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset hk = t_cpus("1");
	struct vfh_irq_move *m;
	size_t n;

	assert_int_equal(vfh_irq_move_all(t->ctx, &hk, &m, &n), 2);
	for (size_t i = 0; i < fk_irqs(t->fx)->n; i++)
		fk_irqs(t->fx)->irq[i].gone = fk_irqs(t->fx)->irq[i].num == 16;
	fx_delete(t->fx, "proc/irq/16");
	fk_log_clear(t->fx);
	fk_fail_write(t->fx, "proc/irq/9/smp_affinity_list", 1, -EBUSY);
	assert_int_equal(vfh_irq_restore(t->ctx, m, n), -EBUSY);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "writing '0-3' to irq/9/smp_affinity_list: "
			    "Device or resource busy");
	assert_int_equal(fk_log_count(t->fx, "proc/irq/16/smp_affinity_list"), 0);
	assert_string_equal(fx_read(t->fx, "proc/irq/25/smp_affinity_list"), "0-3\n");
	assert_string_equal(fx_read(t->fx, "proc/irq/26/smp_affinity_list"), "2-3\n");
	free(m);
}

/* The entries at a newer caller's larger stride, its extra bytes zero. */
static void test_move_all_stride(void **state)
{
	struct t *t = *state;
	struct bigger {
		struct vfh_irq_move m;
		uint64_t later;
	} *b;
	struct vfh_cpuset hk = t_cpus("1");
	struct vfh_irq_move *m;
	size_t n;

	assert_int_equal(vfh_irq_move_all_sz(t->ctx, &hk, &m, &n, sizeof(*b)), 2);
	b = (struct bigger *)(void *)m;
	assert_int_equal(n, 6);
	assert_int_equal(b[5].m.irq, 26);
	assert_string_equal(t_cpulist(&b[5].m.prior), "2-3");
	for (size_t i = 0; i < n; i++)
		assert_int_equal(b[i].later, 0);
	assert_int_equal(vfh_irq_restore_sz(t->ctx, m, n, sizeof(*b)), 0);
	assert_string_equal(fx_read(t->fx, "proc/irq/26/smp_affinity_list"), "2-3\n");
	assert_int_equal(vfh_irq_restore_sz(t->ctx, m, n, sizeof(struct vfh_irq_move) - 8), -EINVAL);
	assert_int_equal(vfh_irq_move_all_sz(t->ctx, &hk, &m, &n, 0), -EINVAL);
	assert_null(m);
	free(b);
}

static void test_default_affinity(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset s, prior;

	assert_int_equal(vfh_irq_default_affinity_read(t->ctx, &s), 0);
	assert_string_equal(t_cpulist(&s), "0-7");
	s = t_cpus("0-1");
	assert_int_equal(vfh_irq_default_affinity_write(t->ctx, &s, &prior), 0);
	assert_string_equal(t_cpulist(&prior), "0-7");
	assert_writes(t->fx, { "proc/irq/default_smp_affinity", "03" });
	assert_string_equal(fx_read(t->fx, "proc/irq/default_smp_affinity"), "03\n");
	/* offline only: the kernel says no, the file keeps the old mask */
	s = t_cpus("5");
	assert_int_equal(vfh_irq_default_affinity_write(t->ctx, &s, NULL), -EINVAL);
	assert_string_equal(fx_read(t->fx, "proc/irq/default_smp_affinity"), "03\n");
	/* beyond nr_cpu_ids: refused before any write */
	fk_log_clear(t->fx);
	s = t_cpus("9");
	assert_int_equal(vfh_irq_default_affinity_write(t->ctx, &s, NULL), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "not all possible CPUs");
	assert_no_writes(t->fx);
	assert_int_equal(vfh_irq_default_affinity_write(t->ctx, &prior, NULL), 0);
	assert_string_equal(fx_read(t->fx, "proc/irq/default_smp_affinity"), "ff\n");
}

/* Masks wider than 32 CPUs on the way through the fake kernel. */
static void test_wide_host(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset s = t_cpus("32-39"), back;

	assert_int_equal(vfh_irq_default_affinity_read(t->ctx, &back), 0);
	assert_string_equal(t_cpulist(&back), "0-39");
	assert_string_equal(fx_read(t->fx, "proc/irq/default_smp_affinity"), "ff,ffffffff\n");
	assert_int_equal(vfh_irq_default_affinity_write(t->ctx, &s, NULL), 0);
	assert_writes(t->fx, { "proc/irq/default_smp_affinity", "ff,00000000" });
	assert_string_equal(fx_read(t->fx, "proc/irq/default_smp_affinity"), "ff,00000000\n");
	assert_int_equal(vfh_irq_affinity_write(t->ctx, 25, &s), 0);
	assert_string_equal(fx_read(t->fx, "proc/irq/25/smp_affinity"), "ff,00000000\n");
	assert_string_equal(fx_read(t->fx, "proc/irq/25/effective_affinity_list"), "32\n");
}

static int t_wide(void **state)
{
	return t_setup(state, "rt", "cpus online=0-39 present=0-39 possible=0-39\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_ON(test_list_and_read, t_rt),
		T_ON(test_write_one, t_rt),
		T_ON(test_move_all_and_restore, t_rt),
		T_ON(test_move_all_idempotent, t_rt),
		T_ON(test_restore_gone_and_failing, t_rt),
		T_ON(test_move_all_stride, t_rt),
		T_ON(test_default_affinity, t_rt),
		T_ON(test_wide_host, t_wide),
	};

	t_init();
	return cmocka_run_group_tests_name("irq", tests, NULL, NULL);
}
