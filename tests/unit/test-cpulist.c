// SPDX-License-Identifier: LGPL-2.1-or-later
/* CPU sets (cpulist.c): the kernel's list and hex mask formats, strict
 * both ways, the set operations, and the host's CPU masks read from the
 * fixture. */
#include <stdio.h>
#include <stdlib.h>

#include "testlib.h"

static void test_list_valid(void **state)
{
	static const struct {
		const char *in, *out;
		unsigned int count;
	} ok[] = {
		{ "0", "0", 1 },
		{ "0-3", "0-3", 4 },
		{ "0-3,8,10-11", "0-3,8,10-11", 7 },
		{ "0,1,2,3", "0-3", 4 },
		{ "3,2,1,0", "0-3", 4 },
		{ "5-5", "5", 1 },
		{ "0-1,1-2", "0-2", 3 },
		{ "63,64", "63-64", 2 },
		{ "0-127", "0-127", 128 },
		{ "8191", "8191", 1 },
		{ "0,8191", "0,8191", 2 },
		{ "0-8191", "0-8191", 8192 },
		{ "10,2-4", "2-4,10", 4 },
	};

	(void)state;
	for (size_t i = 0; i < VFH_ARRAY_SIZE(ok); i++) {
		struct vfh_cpuset s;
		char buf[VFH_CPULIST_MAX];

		if (vfh_cpuset_parse_list(ok[i].in, 0, &s) != 0)
			fail_msg("'%s' refused", ok[i].in);
		assert_int_equal(vfh_cpuset_format_list(&s, buf, sizeof(buf)), 0);
		if (strcmp(buf, ok[i].out) != 0)
			fail_msg("'%s' formats as '%s', want '%s'", ok[i].in, buf, ok[i].out);
		assert_int_equal(vfh_cpuset_count(&s), ok[i].count);
		/* and the formatted form parses to the same set */
		{
			struct vfh_cpuset again;

			assert_int_equal(vfh_cpuset_parse_list(buf, 0, &again), 0);
			assert_true(vfh_cpuset_eq(&s, &again));
		}
	}
}

static void test_list_invalid(void **state)
{
	static const struct {
		const char *in;
		int err;
	} bad[] = {
		{ "", -EINVAL }, { " ", -EINVAL }, { "0 ", -EINVAL }, { " 0", -EINVAL },
		{ "0,", -EINVAL }, { ",0", -EINVAL }, { "0,,1", -EINVAL }, { "3-1", -EINVAL },
		{ "1-", -EINVAL }, { "-1", -EINVAL }, { "0-3-5", -EINVAL }, { "a", -EINVAL },
		{ "0x3", -EINVAL }, { "01", -EINVAL }, { "+1", -EINVAL }, { "0-7:2/4", -EINVAL },
		{ "1\n", -EINVAL }, { "1;2", -EINVAL }, { "0-3,", -EINVAL },
		{ "8192", -ERANGE }, { "0-8192", -ERANGE }, { "99999999999999999999", -ERANGE },
		{ "4294967296", -ERANGE },
	};
	struct vfh_cpuset s = t_cpus("7");

	(void)state;
	for (size_t i = 0; i < VFH_ARRAY_SIZE(bad); i++) {
		int r = vfh_cpuset_parse_list(bad[i].in, 0, &s);

		if (r != bad[i].err)
			fail_msg("'%s': %d, want %d", bad[i].in, r, bad[i].err);
	}
	/* a refused string leaves the set alone */
	assert_string_equal(t_cpulist(&s), "7");
	/* the empty list only when allowed */
	assert_int_equal(vfh_cpuset_parse_list("", VFH_CPUSET_EMPTY_OK, &s), 0);
	assert_true(vfh_cpuset_empty(&s));
	assert_string_equal(t_cpulist(&s), "");
	assert_int_equal(vfh_cpuset_parse_list(",", VFH_CPUSET_EMPTY_OK, &s), -EINVAL);
	assert_int_equal(vfh_cpuset_parse_list(NULL, 0, &s), -EINVAL);
}

static void test_list_format_space(void **state)
{
	struct vfh_cpuset s = t_cpus("0-3,8");
	char buf[8];

	(void)state;
	/* "0-3,8" and its NUL: 6 bytes */
	assert_int_equal(vfh_cpuset_format_list(&s, buf, 5), -ENOSPC);
	assert_string_equal(buf, "");
	assert_int_equal(vfh_cpuset_format_list(&s, buf, 6), 0);
	assert_string_equal(buf, "0-3,8");
	assert_int_equal(vfh_cpuset_format_list(&s, buf, 0), -ENOSPC);
}

static void test_mask_parse(void **state)
{
	static const struct {
		const char *in, *list;
	} ok[] = {
		{ "f", "0-3" },
		{ "0", "" },
		{ "00000000", "" },
		{ "1", "0" },
		{ "c", "2-3" },
		{ "3", "0-1" },
		{ "FF", "0-7" },
		{ "80000000", "31" },
		{ "1,00000000", "32" },
		{ "f,ffffffff", "0-35" },
		{ "00000001,00000000,00000001", "0,64" },
		{ "ffffffff,ffffffff", "0-63" },
		{ "8000,0000000f", "0-3,47" },
		{ "1,0,0", "64" },	/* groups may be short */
		{ "0,00000000,00000000,00000000,00000003", "0-1" },
	};
	static const char *const bad[] = {
		"", ",", "f,", ",f", "g", "0x3", "123456789", "f ,1", " f", "f\n", "-1", "1,,1",
	};
	struct vfh_cpuset s;
	char big[VFH_CPULIST_MAX];

	(void)state;
	for (size_t i = 0; i < VFH_ARRAY_SIZE(ok); i++) {
		if (vfh_cpuset_parse_mask(ok[i].in, &s) != 0)
			fail_msg("mask '%s' refused", ok[i].in);
		if (strcmp(t_cpulist(&s), ok[i].list) != 0)
			fail_msg("mask '%s' is CPUs '%s', want '%s'", ok[i].in, t_cpulist(&s),
				 ok[i].list);
	}
	for (size_t i = 0; i < VFH_ARRAY_SIZE(bad); i++)
		if (vfh_cpuset_parse_mask(bad[i], &s) != -EINVAL)
			fail_msg("mask '%s' accepted", bad[i]);
	/* bit 8192 set: beyond the set; zero groups up there are fine */
	strcpy(big, "1");
	for (int i = 0; i < 256; i++)
		strcat(big, ",00000000");
	assert_int_equal(vfh_cpuset_parse_mask(big, &s), -ERANGE);
	big[0] = '0';
	assert_int_equal(vfh_cpuset_parse_mask(big, &s), 0);
	assert_true(vfh_cpuset_empty(&s));
}

static void test_mask_format(void **state)
{
	static const struct {
		const char *list;
		unsigned int nbits;
		const char *mask;
	} ok[] = {
		/* the kernel's "%*pb" with nr_cpu_ids bits */
		{ "0-3", 4, "f" },
		{ "0-1", 4, "3" },
		{ "0-3", 8, "0f" },
		{ "0", 32, "00000001" },
		{ "0-35", 36, "f,ffffffff" },
		{ "2-3", 36, "0,0000000c" },
		{ "32", 33, "1,00000000" },
		{ "0,64", 65, "1,00000000,00000001" },
		{ "0-63", 64, "ffffffff,ffffffff" },
		{ "0-3,47", 48, "8000,0000000f" },
		{ "", 4, "0" },
		/* 0: just wide enough */
		{ "0-3", 0, "f" },
		{ "4", 0, "10" },
		{ "40", 0, "100,00000000" },
		{ "", 0, "0" },
	};
	struct vfh_cpuset s;
	char buf[64];

	(void)state;
	for (size_t i = 0; i < VFH_ARRAY_SIZE(ok); i++) {
		s = t_cpus(ok[i].list);
		assert_int_equal(vfh_cpuset_format_mask(&s, ok[i].nbits, buf, sizeof(buf)), 0);
		if (strcmp(buf, ok[i].mask) != 0)
			fail_msg("'%s' in %u bits: '%s', want '%s'", ok[i].list, ok[i].nbits, buf,
				 ok[i].mask);
		/* round trip */
		{
			struct vfh_cpuset back;

			assert_int_equal(vfh_cpuset_parse_mask(buf, &back), 0);
			assert_true(vfh_cpuset_eq(&s, &back));
		}
	}
	s = t_cpus("4");
	assert_int_equal(vfh_cpuset_format_mask(&s, 4, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vfh_cpuset_format_mask(&s, VFH_CPUS_MAX + 1, buf, sizeof(buf)), -EINVAL);
	s = t_cpus("0-35");
	assert_int_equal(vfh_cpuset_format_mask(&s, 36, buf, 10), -ENOSPC);
	assert_int_equal(vfh_cpuset_format_mask(&s, 36, buf, 11), 0);
}

/* every CPU up to the limit, in both formats */
static void test_round_trip_wide(void **state)
{
	char *list = malloc(VFH_CPULIST_MAX * 16), *mask = malloc(VFH_CPUS_MAX / 4 + 512);
	struct vfh_cpuset s, back;

	(void)state;
	assert_non_null(list);
	assert_non_null(mask);
	vfh_cpuset_zero(&s);
	for (unsigned int c = 0; c < VFH_CPUS_MAX; c += 3)
		assert_int_equal(vfh_cpuset_set(&s, c), 0);
	assert_int_equal(vfh_cpuset_set(&s, VFH_CPUS_MAX), -EINVAL);
	assert_int_equal(vfh_cpuset_format_list(&s, list, VFH_CPULIST_MAX * 16), 0);
	assert_int_equal(vfh_cpuset_parse_list(list, 0, &back), 0);
	assert_true(vfh_cpuset_eq(&s, &back));
	assert_int_equal(vfh_cpuset_format_mask(&s, VFH_CPUS_MAX, mask, VFH_CPUS_MAX / 4 + 512), 0);
	assert_int_equal(strlen(mask), VFH_CPUS_MAX / 4 + VFH_CPUS_MAX / 32 - 1);
	assert_int_equal(vfh_cpuset_parse_mask(mask, &back), 0);
	assert_true(vfh_cpuset_eq(&s, &back));
	assert_int_equal(vfh_cpuset_count(&s), (VFH_CPUS_MAX + 2) / 3);
	assert_int_equal(vfh_cpuset_last(&s), 8190);
	free(list);
	free(mask);
}

static void test_set_ops(void **state)
{
	struct vfh_cpuset a = t_cpus("0-3"), b = t_cpus("2-3,40"), d;

	(void)state;
	vfh_cpuset_or(&d, &a, &b);
	assert_string_equal(t_cpulist(&d), "0-3,40");
	vfh_cpuset_and(&d, &a, &b);
	assert_string_equal(t_cpulist(&d), "2-3");
	vfh_cpuset_andnot(&d, &a, &b);
	assert_string_equal(t_cpulist(&d), "0-1");
	vfh_cpuset_andnot(&d, &b, &a);
	assert_string_equal(t_cpulist(&d), "40");
	/* dst may be an operand */
	d = a;
	vfh_cpuset_or(&d, &d, &b);
	assert_string_equal(t_cpulist(&d), "0-3,40");
	assert_true(vfh_cpuset_subset(&a, &d));
	assert_false(vfh_cpuset_subset(&d, &a));
	d = t_cpus("");
	assert_true(vfh_cpuset_subset(&d, &a));
	assert_true(vfh_cpuset_empty(&d));
	assert_int_equal(vfh_cpuset_last(&d), -1);
	assert_int_equal(vfh_cpuset_last(&b), 40);
	assert_true(vfh_cpuset_has(&b, 40));
	assert_false(vfh_cpuset_has(&b, 41));
	assert_false(vfh_cpuset_has(&b, VFH_CPUS_MAX + 5));
	assert_int_equal(vfh_cpuset_clear(&b, 40), 0);
	assert_string_equal(t_cpulist(&b), "2-3");
	assert_int_equal(vfh_cpuset_clear(&b, VFH_CPUS_MAX), -EINVAL);
	assert_false(vfh_cpuset_eq(&a, &b));
}

static void test_host_cpus(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset s, iso, hk;

	assert_int_equal(vfh_cpus_read(t->ctx, VFH_CPUS_ONLINE, &s), 0);
	assert_string_equal(t_cpulist(&s), "0-3");
	assert_int_equal(vfh_cpus_read(t->ctx, VFH_CPUS_PRESENT, &s), 0);
	assert_string_equal(t_cpulist(&s), "0-3");
	assert_int_equal(vfh_cpus_read(t->ctx, VFH_CPUS_POSSIBLE, &s), 0);
	assert_string_equal(t_cpulist(&s), "0-7");
	assert_int_equal(vfh_cpus_read(t->ctx, VFH_CPUS_ISOLATED, &s), 0);
	assert_true(vfh_cpuset_empty(&s));
	assert_int_equal(vfh_cpus_nr_ids(t->ctx), 8);
	assert_int_equal(vfh_cpus_read(t->ctx, (enum vfh_cpus)9, &s), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "no CPU mask 9");

	iso = t_cpus("2-3");
	assert_int_equal(vfh_cpus_housekeeping(t->ctx, &iso, &hk), 0);
	assert_string_equal(t_cpulist(&hk), "0-1");
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "");
	iso = t_cpus("3-4");
	assert_int_equal(vfh_cpus_housekeeping(t->ctx, &iso, &hk), -EINVAL);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "cannot isolate CPUs 4: not online");
	iso = t_cpus("0-3");
	assert_int_equal(vfh_cpus_housekeeping(t->ctx, &iso, &hk), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "every online CPU (0-3)");
	assert_no_writes(t->fx);
}

static void test_host_cpus_broken(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset s;

	fx_write(t->fx, "sys/devices/system/cpu/online", "0-x\n");
	assert_int_equal(vfh_cpus_read(t->ctx, VFH_CPUS_ONLINE, &s), -EIO);
	assert_string_equal(vfh_ctx_errmsg(t->ctx),
			    "devices/system/cpu/online: '0-x' is not a CPU list");
	fx_delete(t->fx, "sys/devices/system/cpu/possible");
	assert_int_equal(vfh_cpus_nr_ids(t->ctx), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "cannot read devices/system/cpu/possible");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_valid),
		cmocka_unit_test(test_list_invalid),
		cmocka_unit_test(test_list_format_space),
		cmocka_unit_test(test_mask_parse),
		cmocka_unit_test(test_mask_format),
		cmocka_unit_test(test_round_trip_wide),
		cmocka_unit_test(test_set_ops),
		T_ON(test_host_cpus, t_rt),
		T_ON(test_host_cpus_broken, t_rt),
	};

	t_init();
	return cmocka_run_group_tests_name("cpulist", tests, NULL, NULL);
}
