// SPDX-License-Identifier: LGPL-2.1-or-later
/* Domain names the hook accepts as part of a path, and the INI path made
 * of them (hooks/domname.c): the front decides "not ours" with these alone,
 * so a name that slips through here reaches the file system. */
#include <stdlib.h>

#include "testlib.h"
#include "engine.h"

static void test_accepts(void **state)
{
	static const char *const ok[] = {
		"win11", "a", "Z", "0", "vm-1", "vm_1", "vm.1", "vm+1", "vm:1", "vm@host",
		"A_b.c+d:e@f-g", "a.b", "x.", "ends-", "9lives",
	};
	char longest[VFH_DOMAIN_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!eng_domain_ok(ok[i]))
			fail_msg("'%s' refused", ok[i]);
	memset(longest, 'a', VFH_DOMAIN_MAX);
	longest[VFH_DOMAIN_MAX] = '\0';
	assert_int_equal(strlen(longest), 200);
	assert_true(eng_domain_ok(longest));
}

static void test_refuses(void **state)
{
	static const char *const bad[] = {
		"", "/", "a/b", "/etc", "..", "../x", "a/../b", "a..b", "x..", ".hidden", ".", "-x",
		"--help", "a b", " a", "a ", "tab\there", "new\nline", "caf\xc3\xa9", "\xe2\x80\x8b",
		"a;b", "a$b", "a*b", "a?b", "a\\b", "a'b", "a\"b", "a%b", "a~", "a=b", "a,b",
		"a|b", "a&b", "a<b", "a>b", "a(b)", "a[b]", "a{b}", "a!b", "a#b", "\x7f",
	};
	char too_long[VFH_DOMAIN_MAX + 2];

	(void)state;
	assert_false(eng_domain_ok(NULL));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (eng_domain_ok(bad[i]))
			fail_msg("'%s' (entry %zu) accepted", bad[i], i);
	memset(too_long, 'a', VFH_DOMAIN_MAX + 1);
	too_long[VFH_DOMAIN_MAX + 1] = '\0';
	assert_int_equal(strlen(too_long), 201);
	assert_false(eng_domain_ok(too_long));
}

/* Every byte value alone: exactly the documented set passes. */
static void test_every_byte(void **state)
{
	(void)state;
	for (int c = 1; c < 256; c++) {
		char name[3] = { 'v', (char)c, '\0' };
		bool want = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || strchr("_.+:@-", c);

		if (eng_domain_ok(name) != want)
			fail_msg("byte 0x%02x: %s", c, want ? "refused" : "accepted");
	}
}

static void test_ini_path(void **state)
{
	char buf[512];

	(void)state;
	assert_int_equal(eng_ini_path("/etc", "win11", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/etc/libvirt/hooks/vfiohook/win11.ini");
	assert_int_equal(eng_ini_path("/", "win11", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/libvirt/hooks/vfiohook/win11.ini");
	assert_int_equal(eng_ini_path("/tmp/root/etc", "a@b", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/tmp/root/etc/libvirt/hooks/vfiohook/a@b.ini");
}

static void test_ini_path_refusals(void **state)
{
	char buf[512] = "untouched";

	(void)state;
	assert_int_equal(eng_ini_path("/etc", "../x", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(eng_ini_path("/etc", "", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(eng_ini_path("/etc", NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(eng_ini_path("etc", "vm", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(eng_ini_path("", "vm", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(eng_ini_path(NULL, "vm", buf, sizeof(buf)), -EINVAL);
	assert_string_equal(buf, "untouched");
}

static void test_ini_path_length(void **state)
{
	const char *want = "/etc/libvirt/hooks/vfiohook/vm.ini";
	size_t n = strlen(want);
	char buf[64];

	(void)state;
	assert_int_equal(eng_ini_path("/etc", "vm", buf, n + 1), 0);
	assert_string_equal(buf, want);
	assert_int_equal(eng_ini_path("/etc", "vm", buf, n), -ENAMETOOLONG);
	assert_int_equal(eng_ini_path("/etc", "vm", buf, 1), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_ini_path),
		cmocka_unit_test(test_ini_path_refusals),
		cmocka_unit_test(test_ini_path_length),
	};

	t_init();
	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
