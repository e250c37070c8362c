// SPDX-License-Identifier: LGPL-2.1-or-later
/* The tables that hand each subsystem of the fake kernel and the fixture
 * builder its part (fk_paths[], fx_kinds[]): a line added for a new
 * subsystem must not take writes or spec lines from another one, and a
 * write nobody claims must keep meeting the read-only attribute it meets
 * today. */
#include <stdio.h>

#include "testlib.h"
#include "fixture-int.h"

/* The first thing wrong with a path table, NULL when nothing is.  Order
 * must not matter: no prefix may start another, or the first would take
 * the other's writes (or, later in the table, lose its own). */
static const char *paths_problem(const struct fk_path *tab, size_t n, char *msg, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = tab[i].prefix;

		if (!p || !*p || *p == '/' || strstr(p, ".."))
			return snprintf(msg, len, "entry %zu: prefix '%s' is not a relative path", i,
					p ? p : "(null)"), msg;
		if (!tab[i].write || !tab[i].owner)
			return snprintf(msg, len, "%s: no write handler or owner", p), msg;
		/* the core treats these as plain files and never dispatches */
		if (strncmp(p, "run/", 4) == 0 || strncmp(p, "etc/", 4) == 0)
			return snprintf(msg, len, "%s: below a plain-file root, never reached", p), msg;
		for (size_t j = 0; j < n; j++)
			if (i != j && tab[j].prefix && strncmp(tab[j].prefix, p, strlen(p)) == 0)
				return snprintf(msg, len, "%s (%s) shadows %s (%s)", p, tab[i].owner,
						tab[j].prefix, tab[j].owner), msg;
	}
	return NULL;
}

static int fake_write(struct fx *fx, const char *path, const char *val)
{
	(void)fx;
	(void)path;
	(void)val;
	return 0;
}

static void test_path_table(void **state)
{
	static const struct fk_path nested[] = {
		{ "sys/bus/", "bus", fake_write, NULL },
		{ "sys/bus/pci/", "pci", fake_write, NULL },
	};
	static const struct fk_path same[] = {
		{ "sys/power/", "a", fake_write, NULL },
		{ "sys/power/", "b", fake_write, NULL },
	};
	static const struct fk_path no_handler[] = { { "proc/irq/", "irq", NULL, NULL } };
	static const struct fk_path plain[] = { { "run/x/", "x", fake_write, NULL } };
	char msg[256];
	const char *err;

	(void)state;
	err = paths_problem(fk_paths, fk_npaths, msg, sizeof(msg));
	if (err)
		fail_msg("fk_paths[]: %s", err);
	assert_true(fk_npaths > 0);
	/* each entry owns what lies below its prefix, whatever the order */
	for (size_t i = 0; i < fk_npaths; i++) {
		char below[FX_REL];

		snprintf(below, sizeof(below), "%sx/y", fk_paths[i].prefix);
		assert_ptr_equal(fk_path_owner(below), &fk_paths[i]);
	}
	/* the check itself sees what it is there for */
	assert_non_null(paths_problem(nested, 2, msg, sizeof(msg)));
	assert_contains(msg, "sys/bus/ (bus) shadows sys/bus/pci/ (pci)");
	assert_non_null(paths_problem(same, 2, msg, sizeof(msg)));
	assert_non_null(paths_problem(no_handler, 1, msg, sizeof(msg)));
	assert_contains(msg, "no write handler");
	assert_non_null(paths_problem(plain, 1, msg, sizeof(msg)));
}

/* Where the library's writes land in the fixtures: each reaches its
 * subsystem (the resolved path, not the one the library named). */
static void test_paths_reach_their_owner(void **state)
{
	static const struct {
		const char *path, *owner;
	} want[] = {
		{ "sys/bus/pci/drivers_probe", "pci" },
		{ "sys/bus/pci/drivers/vfio-pci/bind", "pci" },
		{ "sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/driver_override", "pci" },
		{ "sys/bus/platform/drivers/efi-framebuffer/unbind", "fb" },
		{ "sys/devices/virtual/vtconsole/vtcon1/bind", "vt" },
		{ "sys/power/state", "power" },
		{ "sys/devices/pnp0/00:04/rtc/rtc0/wakealarm", "power" },
		{ "sys/devices/system/node/node1/compact", "hugepages" },
		{ "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "hugepages" },
		{ "proc/sys/vm/drop_caches", "hugepages" },
	};

	(void)state;
	for (size_t i = 0; i < VFH_ARRAY_SIZE(want); i++) {
		const struct fk_path *p = fk_path_owner(want[i].path);

		if (!p || strcmp(p->owner, want[i].owner) != 0)
			fail_msg("%s: owner %s, want %s", want[i].path, p ? p->owner : "none",
				 want[i].owner);
	}
	assert_null(fk_path_owner("sys/kernel/iommu_groups/9/type"));
	assert_null(fk_path_owner("proc/sys/net/ipv4/ip_forward"));
}

static void test_kind_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < fx_nkinds; i++) {
		const struct fx_kind *k = &fx_kinds[i];
		size_t n;

		if (!k->add && !k->build && !k->render)
			fail_msg("fx_kinds[%zu] (%s) does nothing", i, k->kind ? k->kind : "step");
		if (!k->kind)
			continue;
		/* spec_line() looks keys up as " key " */
		n = strlen(k->keys);
		if (n < 1 || k->keys[0] != ' ' || k->keys[n - 1] != ' ')
			fail_msg("%s: keys '%s' must start and end with a space", k->kind, k->keys);
		for (size_t j = 0; j < i; j++)
			if (fx_kinds[j].kind && strcmp(fx_kinds[j].kind, k->kind) == 0)
				fail_msg("kind %s defined twice: the second is never reached", k->kind);
		assert_ptr_equal(fx_kind_find(k->kind), k);
	}
	/* the spec's own words are not kinds */
	assert_null(fx_kind_find("include"));
	assert_null(fx_kind_find("drop"));
}

/* A write no subsystem claims is refused as a read-only attribute would
 * be (-EACCES), logged with that result; the file keeps the bytes the
 * library wrote, unless its name is a write-only attribute's, which reads
 * back empty. */
static void test_unclaimed_write(void **state)
{
	struct t *t = *state;

	fx_mkdirs(t->fx, "sys/kernel/mm/ksm");
	fx_mkdirs(t->fx, "proc/sys/net/ipv4");
	fx_write(t->fx, "sys/kernel/mm/ksm/run", "0\n");
	fx_write(t->fx, "sys/kernel/mm/ksm/uevent", "");
	fx_write(t->fx, "proc/sys/net/ipv4/ip_forward", "0\n");
	assert_null(fk_path_owner("sys/kernel/mm/ksm/run"));
	assert_int_equal(vfh_write_str(t->ctx, VFH_ROOT_SYS, "1", "kernel/mm/ksm/run"), -EACCES);
	assert_int_equal(vfh_write_str(t->ctx, VFH_ROOT_SYS, "add", "kernel/mm/ksm/uevent"),
			 -EACCES);
	assert_int_equal(vfh_write_str(t->ctx, VFH_ROOT_PROC, "1", "sys/net/ipv4/ip_forward"),
			 -EACCES);
	assert_writes(t->fx, { "sys/kernel/mm/ksm/run", "1" }, { "sys/kernel/mm/ksm/uevent", "add" },
		      { "proc/sys/net/ipv4/ip_forward", "1" });
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(fk_write_at(t->fx, i)->result, -EACCES);
	assert_string_equal(fx_read(t->fx, "sys/kernel/mm/ksm/run"), "1");
	assert_string_equal(fx_read(t->fx, "sys/kernel/mm/ksm/uevent"), "");
	assert_string_equal(fx_read(t->fx, "proc/sys/net/ipv4/ip_forward"), "1");
	/* nothing else moved */
	assert_driver(t->fx, "0000:01:00.0", "bochs-drm");
	fx_check(t->fx);
}

/* A subsystem added later keeps its state here, not in struct fx */
static void test_subsystem_state(void **state)
{
	struct t *t = *state;
	unsigned char *a = fx_state(t->fx, "hugepages", 64);
	unsigned char *b = fx_state(t->fx, "irq", 8);

	for (size_t i = 0; i < 64; i++)
		assert_int_equal(a[i], 0);
	a[0] = 7;
	assert_ptr_equal(fx_state(t->fx, "hugepages", 64), a);
	assert_ptr_not_equal(a, b);
	assert_int_equal(b[0], 0);
	/* freed with the fixture: the leak checker sees it otherwise */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_table),
		cmocka_unit_test(test_paths_reach_their_owner),
		cmocka_unit_test(test_kind_table),
		T(test_unclaimed_write),
		T(test_subsystem_state),
	};

	t_init();
	return cmocka_run_group_tests_name("dispatch", tests, NULL, NULL);
}
