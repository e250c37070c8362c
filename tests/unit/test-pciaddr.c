// SPDX-License-Identifier: LGPL-2.1-or-later
/* PCI addresses: strict parsing, the kernel's spelling, ordering. */
#include <stdlib.h>

#include "testlib.h"

#define ADDR(d, b, s, f) ((struct vfh_pci_addr){ .domain = (d), .bus = (b), .slot = (s), .func = (f) })

static void assert_addr(const struct vfh_pci_addr *a, uint32_t d, uint8_t b, uint8_t s,
			uint8_t f)
{
	assert_int_equal(a->domain, d);
	assert_int_equal(a->bus, b);
	assert_int_equal(a->slot, s);
	assert_int_equal(a->func, f);
}

static void test_parse_full(void **state)
{
	struct vfh_pci_addr a;

	(void)state;
	assert_int_equal(vfh_pci_addr_parse("0000:01:00.0", &a), 0);
	assert_addr(&a, 0, 1, 0, 0);
	assert_int_equal(vfh_pci_addr_parse("0000:00:1f.3", &a), 0);
	assert_addr(&a, 0, 0, 0x1f, 3);
	assert_int_equal(vfh_pci_addr_parse("0001:ff:1f.7", &a), 0);
	assert_addr(&a, 1, 0xff, 0x1f, 7);
}

static void test_parse_short_form_is_domain_0(void **state)
{
	struct vfh_pci_addr a = ADDR(7, 7, 7, 7);

	(void)state;
	assert_int_equal(vfh_pci_addr_parse("01:00.1", &a), 0);
	assert_addr(&a, 0, 1, 0, 1);
	assert_int_equal(vfh_pci_addr_parse("ff:1f.7", &a), 0);
	assert_addr(&a, 0, 0xff, 0x1f, 7);
}

static void test_parse_case(void **state)
{
	struct vfh_pci_addr a;

	(void)state;
	assert_int_equal(vfh_pci_addr_parse("ABCD:EF:1F.7", &a), 0);
	assert_addr(&a, 0xabcd, 0xef, 0x1f, 7);
	assert_int_equal(vfh_pci_addr_parse("aBcD:eF:1f.7", &a), 0);
	assert_addr(&a, 0xabcd, 0xef, 0x1f, 7);
	assert_int_equal(vfh_pci_addr_parse("0A:1B.2", &a), 0);
	assert_addr(&a, 0, 0x0a, 0x1b, 2);
}

static void test_parse_long_domains(void **state)
{
	struct vfh_pci_addr a;

	(void)state;
	/* VMD puts its devices in domains above 0xffff */
	assert_int_equal(vfh_pci_addr_parse("10000:e0:1d.0", &a), 0);
	assert_addr(&a, 0x10000, 0xe0, 0x1d, 0);
	assert_int_equal(vfh_pci_addr_parse("123456:00:00.0", &a), 0);
	assert_addr(&a, 0x123456, 0, 0, 0);
	assert_int_equal(vfh_pci_addr_parse("1234567:00:00.0", &a), 0);
	assert_addr(&a, 0x1234567, 0, 0, 0);
	assert_int_equal(vfh_pci_addr_parse("ffffffff:ff:1f.7", &a), 0);
	assert_addr(&a, 0xffffffff, 0xff, 0x1f, 7);
}

static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"0",
		"0000",
		"0000:01",
		"0000:01:00",
		"0000:01:00.",
		"01:00",
		"01.00.0",
		"0000:01:20.0",		/* slot > 0x1f */
		"0000:01:ff.0",
		"01:20.0",
		"0000:01:1f.8",		/* function > 7 */
		"0000:01:00.f",
		"0000:01:00.0 ",	/* trailing junk */
		"0000:01:00.0\n",
		"0000:01:00.0x",
		"0000:01:00.0:",
		"0000:01:00.0.0",
		"01:00.0:",
		" 0000:01:00.0",	/* leading junk */
		"x0000:01:00.0",
		"+000:01:00.0",
		"-001:01:00.0",
		"0x00:01:00.0",
		"000:01:00.0",		/* domain: 4 to 8 digits */
		"00:01:00.0",
		"123456789:01:00.0",
		"0000:1:00.0",		/* bus: exactly 2 */
		"0000:001:00.0",
		"1:00.0",
		"0000:01:0.0",		/* slot: exactly 2 */
		"0000:01:000.0",
		"0000:01:00.00",	/* function: exactly 1 */
		"0000:0g:00.0",		/* hex only */
		"g000:01:00.0",
		"0000:01:0g.0",
		"0000:01:00.g",
		"0000::00.0",
		"0000:01::0",
		"0000-01-00.0",
		"0000:01.00.0",
		"0000:01:00:0",
		"0000.01:00.0",
	};
	struct vfh_pci_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = vfh_pci_addr_parse(bad[i], &a);

		if (r != -EINVAL)
			fail_msg("'%s' parsed (%d)", bad[i], r);
	}
}

static void test_parse_null(void **state)
{
	struct vfh_pci_addr a;

	(void)state;
	assert_int_equal(vfh_pci_addr_parse(NULL, &a), -EINVAL);
	assert_int_equal(vfh_pci_addr_parse("0000:01:00.0", NULL), -EINVAL);
}

static void test_format(void **state)
{
	char buf[VFH_PCI_ADDR_MAX];

	(void)state;
	assert_int_equal(vfh_pci_addr_format(&ADDR(0, 1, 0, 0), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0000:01:00.0");
	assert_int_equal(vfh_pci_addr_format(&ADDR(0xabcd, 0xef, 0x1f, 7), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "abcd:ef:1f.7");
	assert_int_equal(vfh_pci_addr_format(&ADDR(0x10000, 0xe0, 0x1d, 0), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10000:e0:1d.0");
	assert_int_equal(vfh_pci_addr_format(&ADDR(0xffffffff, 0xff, 0x1f, 7), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ffffffff:ff:1f.7");
}

static void test_format_needs_room(void **state)
{
	char buf[VFH_PCI_ADDR_MAX];

	(void)state;
	assert_int_equal(vfh_pci_addr_format(&ADDR(0, 1, 0, 0), buf, 12), -ENOSPC);
	assert_int_equal(vfh_pci_addr_format(&ADDR(0, 1, 0, 0), buf, 0), -ENOSPC);
	assert_int_equal(vfh_pci_addr_format(&ADDR(0, 1, 0, 0), buf, 13), 0);
	assert_string_equal(buf, "0000:01:00.0");
	assert_int_equal(vfh_pci_addr_format(&ADDR(0xffffffff, 0, 0, 0), buf, 16), -ENOSPC);
	assert_int_equal(vfh_pci_addr_format(&ADDR(0xffffffff, 0, 0, 0), buf, 17), 0);
}

static void test_round_trip(void **state)
{
	static const char *const good[] = {
		"0000:00:00.0", "0000:01:00.1", "0001:02:03.4", "abcd:ef:1f.7",
		"10000:e0:1d.0", "ffffffff:ff:1f.7",
	};
	char buf[VFH_PCI_ADDR_MAX];
	struct vfh_pci_addr a, b;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(vfh_pci_addr_parse(good[i], &a), 0);
		assert_int_equal(vfh_pci_addr_format(&a, buf, sizeof(buf)), 0);
		assert_string_equal(buf, good[i]);
		assert_int_equal(vfh_pci_addr_parse(buf, &b), 0);
		assert_true(vfh_pci_addr_eq(&a, &b));
	}
}

static void test_eq_and_same_slot(void **state)
{
	struct vfh_pci_addr a = ADDR(0, 1, 0, 0);

	(void)state;
	assert_true(vfh_pci_addr_eq(&a, &ADDR(0, 1, 0, 0)));
	assert_false(vfh_pci_addr_eq(&a, &ADDR(1, 1, 0, 0)));
	assert_false(vfh_pci_addr_eq(&a, &ADDR(0, 2, 0, 0)));
	assert_false(vfh_pci_addr_eq(&a, &ADDR(0, 1, 1, 0)));
	assert_false(vfh_pci_addr_eq(&a, &ADDR(0, 1, 0, 1)));
	assert_true(vfh_pci_addr_same_slot(&a, &ADDR(0, 1, 0, 1)));
	assert_true(vfh_pci_addr_same_slot(&a, &ADDR(0, 1, 0, 7)));
	assert_false(vfh_pci_addr_same_slot(&a, &ADDR(0, 1, 1, 0)));
	assert_false(vfh_pci_addr_same_slot(&a, &ADDR(0, 2, 0, 0)));
	assert_false(vfh_pci_addr_same_slot(&a, &ADDR(1, 1, 0, 0)));
}

static void test_cmp_orders_domain_bus_slot_func(void **state)
{
	struct vfh_pci_addr v[] = {
		ADDR(0xffffffff, 0, 0, 0), ADDR(0, 1, 0, 1), ADDR(1, 0, 0, 0),
		ADDR(0, 0xff, 0x1f, 7), ADDR(0, 1, 0, 0), ADDR(0, 0, 0x1f, 0),
		ADDR(0, 0, 2, 0), ADDR(0, 1, 0, 0),
	};
	static const char *const want[] = {
		"0000:00:02.0", "0000:00:1f.0", "0000:01:00.0", "0000:01:00.0", "0000:01:00.1",
		"0000:ff:1f.7", "0001:00:00.0", "ffffffff:00:00.0",
	};
	char buf[VFH_PCI_ADDR_MAX];

	(void)state;
	qsort(v, 8, sizeof(v[0]), vfh_pci_addr_cmp);
	for (size_t i = 0; i < 8; i++) {
		vfh_pci_addr_format(&v[i], buf, sizeof(buf));
		assert_string_equal(buf, want[i]);
	}
	assert_int_equal(vfh_pci_addr_cmp(&v[2], &v[3]), 0);
	/* no overflow from subtracting wide domains */
	assert_true(vfh_pci_addr_cmp(&ADDR(0xffffffff, 0, 0, 0), &ADDR(0, 0, 0, 0)) > 0);
	assert_true(vfh_pci_addr_cmp(&ADDR(0, 0, 0, 0), &ADDR(0xffffffff, 0, 0, 0)) < 0);
	assert_true(vfh_pci_addr_cmp(&ADDR(0, 0, 0, 7), &ADDR(0, 0, 1, 0)) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_short_form_is_domain_0),
		cmocka_unit_test(test_parse_case),
		cmocka_unit_test(test_parse_long_domains),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_null),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_needs_room),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_eq_and_same_slot),
		cmocka_unit_test(test_cmp_orders_domain_bus_slot_func),
	};

	t_init();
	return cmocka_run_group_tests_name("pciaddr", tests, NULL, NULL);
}
