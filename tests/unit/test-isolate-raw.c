// SPDX-License-Identifier: LGPL-2.1-or-later
/* cpu-isolate without systemd (cgroup v2 written directly), as a real
 * kernel and libvirtd showed it: the hook enables cpuset below the root
 * for a top-level cgroup of the host's, libvirt's machine cgroup then
 * comes to use it too (taking it away is -EBUSY), and a cgroup with
 * tasks cannot have its cpuset.cpus emptied again (-ENOSPC, Linux 6.1).
 * Undo still puts the host back: exactly when it can, else with all of
 * the parent's CPUs, and never fails the release. */
#include <stdio.h>

#include "testlib.h"
#include "hooktest.h"

#define CG "sys/fs/cgroup/"

static int t_raw(void **state)
{
	return t_setup(state, "rt", "cgroup host tasks=1\ncgroup machine\ncgroup machine/vm\n");
}

static void isolate(struct t *t, struct step *s)
{
	assert_int_equal(eng_step_init_cpu_isolate(s, "host", false, "2-3"), 0);
	snprintf(s->domain, sizeof(s->domain), "vm");
	assert_int_equal(s->ops->capture(t->ctx, s), 0);
	s->captured = true;
	assert_int_equal(s->ops->apply(t->ctx, s), 0);
	assert_string_equal(fx_read(t->fx, CG "host/cpuset.cpus"), "0-1\n");
	assert_string_equal(fx_read(t->fx, CG "host/cpuset.cpus.effective"), "0-1\n");
}

/* Nobody else took cpuset: it goes, and cpuset.cpus with it, exactly as
 * before (no write of "" that the kernel would refuse). */
static void test_undo_exact(void **state)
{
	struct t *t = *state;
	struct step s;

	isolate(t, &s);
	assert_int_equal(s.ops->undo(t->ctx, &s), 0);
	assert_string_equal(fx_read(t->fx, CG "cgroup.subtree_control"), "cpu io memory pids\n");
	assert_false(fx_exists(t->fx, CG "host/cpuset.cpus"));
}

/* libvirt's machine cgroup passes cpuset on since: it stays, and the
 * host's cgroup gets every CPU of its parent (it may not be emptied). */
static void test_undo_cpuset_taken(void **state)
{
	struct t *t = *state;
	unsigned int n = 0;
	struct step s;

	isolate(t, &s);
	assert_int_equal(vfh_cgroup_cpuset_enable(t->ctx, "machine/vm", &n), 0);
	assert_string_equal(fx_read(t->fx, CG "machine/cgroup.subtree_control"), "cpuset\n");
	assert_int_equal(s.ops->undo(t->ctx, &s), 0);
	assert_string_equal(fx_read(t->fx, CG "cgroup.subtree_control"),
			    "cpuset cpu io memory pids\n");
	assert_string_equal(fx_read(t->fx, CG "host/cpuset.cpus"), "0-3\n");
	assert_string_equal(fx_read(t->fx, CG "host/cpuset.cpus.effective"), "0-3\n");
}

/* cpuset was on before with no CPUs of its own: back to all of them */
static void test_undo_enabled_before(void **state)
{
	struct t *t = *state;
	unsigned int n = 0;
	struct step s;

	assert_int_equal(vfh_cgroup_cpuset_enable(t->ctx, "host", &n), 0);
	isolate(t, &s);
	assert_int_equal(s.ops->undo(t->ctx, &s), 0);
	assert_string_equal(fx_read(t->fx, CG "host/cpuset.cpus"), "0-3\n");
	assert_string_equal(fx_read(t->fx, CG "host/cpuset.cpus.effective"), "0-3\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_ON(test_undo_exact, t_raw),
		T_ON(test_undo_cpuset_taken, t_raw),
		T_ON(test_undo_enabled_before, t_raw),
	};

	return cmocka_run_group_tests_name("isolate-raw", tests, NULL, NULL);
}
