// SPDX-License-Identifier: LGPL-2.1-or-later
/* The example INI files shipped in conf/ parse, and say what the README
 * says they say: a broken example is a user's first failure. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "engine.h"
#include "fixture.h"

static struct hook_config load(const char *name)
{
	struct hook_config cfg;
	char path[1024];
	struct eng_err e;
	FILE *f;
	int r;

	/* conf/ is two levels above fixtures/ (tests/unit/fixtures) */
	snprintf(path, sizeof(path), "%s/../../../conf/%s", fx_dir(), name);
	f = fopen(path, "re");
	if (!f)
		fail_msg("cannot open %s", path);
	r = eng_config_parse(f, path, &cfg, &e);
	fclose(f);
	if (r < 0)
		fail_msg("%s", e.msg);
	return cfg;
}

static void test_gaming_two_gpu(void **state)
{
	struct hook_config c = load("gaming-two-gpu.ini");

	(void)state;
	assert_true(c.from_xml);
	assert_true(c.take_group);
	assert_true(c.take_companions);
	assert_false(c.single_gpu);
	assert_string_equal(c.defaults.driver, "vfio-pci");
	eng_config_free(&c);
}

static void test_single_gpu(void **state)
{
	struct hook_config c = load("single-gpu.ini");

	(void)state;
	assert_true(c.single_gpu);
	assert_int_equal(c.n_units, 1);
	assert_string_equal(c.stop_units[0], "display-manager.service");
	assert_int_equal(c.n_modules, 1);
	assert_string_equal(c.unload_modules[0], "amdgpu");
	assert_true(c.unbind_vtconsoles);
	assert_true(c.unbind_framebuffers);
	/* the desktop user's sound server lets go of the HDMI audio */
	assert_int_equal(c.when_held, HELD_STOP);
	assert_int_equal(c.n_held_user_units, 5);
	assert_string_equal(c.held_user_units[0], "pipewire.socket");
	assert_string_equal(c.held_user_units[4], "wireplumber.service");
	assert_string_equal(c.held_user, "auto");
	eng_config_free(&c);
}

static void test_looking_glass(void **state)
{
	struct hook_config c = load("looking-glass.ini");

	(void)state;
	assert_true(c.from_xml);
	assert_string_equal(c.lg_owner, "alice");
	assert_string_equal(c.lg_group, "kvm");
	assert_int_equal(c.lg_mode, 0660);
	assert_false(c.lg_keep);
	eng_config_free(&c);
}

static void test_rt_audio(void **state)
{
	struct hook_config c = load("rt-audio.ini");
	struct vfh_pci_addr dsp;

	(void)state;
	assert_true(c.from_xml);
	assert_int_equal(c.n_listed, 1);
	assert_int_equal(vfh_pci_addr_parse("0000:05:00.0", &dsp), 0);
	assert_true(vfh_pci_addr_eq(&c.listed[0], &dsp));
	assert_int_equal(c.defaults.reset, RESET_AUTO);
	assert_int_equal(c.isolate, ISOLATE_AUTO);
	assert_true(c.isolate_irqs);
	assert_true(c.isolate_workqueues);
	assert_int_equal(c.rt_runtime, RT_RUNTIME_UNLIMITED);
	assert_string_equal(c.governor, "performance");
	assert_int_equal(c.hugepages, HUGEPAGES_AUTO);
	eng_config_free(&c);
}

static void test_desktop_vm(void **state)
{
	struct hook_config c = load("desktop-vm.ini");

	(void)state;
	assert_false(c.from_xml);
	assert_int_equal(c.n_listed, 0);
	assert_int_equal(c.hugepages, HUGEPAGES_AUTO);
	assert_false(c.drop_caches);
	assert_int_equal(c.hugepage_attempts, 3);
	assert_int_equal(c.isolate, ISOLATE_NO);
	eng_config_free(&c);
}

static void test_nic_dsp(void **state)
{
	struct hook_config c = load("nic-dsp.ini");
	struct vfh_pci_addr port1;
	struct dev_conf d;

	(void)state;
	assert_false(c.from_xml);
	assert_int_equal(c.n_listed, 2);
	assert_int_equal(vfh_pci_addr_parse("0000:04:00.1", &port1), 0);
	eng_config_device(&c, &port1, &d);
	assert_int_equal(d.reset, RESET_NONE);	/* its own section */
	eng_config_device(&c, &c.listed[0], &d);
	assert_int_equal(d.reset, RESET_AUTO);	/* the [devices] default */
	assert_int_equal(d.reset_at, RESET_AT_RELEASE);
	/* what its comment says: the domain's hostdevs must be among them */
	{
		static const char xml[] = "<domain><name>router</name><devices>"
			"<hostdev mode='subsystem' type='pci' managed='yes'><source><address "
			"domain='0x0000' bus='0x04' slot='0x00' function='0x1'/></source></hostdev>"
			"<hostdev mode='subsystem' type='pci' managed='yes'><source><address "
			"domain='0x0000' bus='0x06' slot='0x00' function='0x0'/></source></hostdev>"
			"</devices></domain>";
		struct domain_xml dom = { 0 };
		struct eng_err e = { 0 };

		assert_int_equal(eng_domxml_parse(xml, strlen(xml), &dom, &e), 0);
		dom.n_hostdevs = 1;
		assert_int_equal(eng_config_check_hostdevs(&c, &dom, c.listed, c.n_listed, &e), 0);
		dom.n_hostdevs = 2;
		assert_int_equal(eng_config_check_hostdevs(&c, &dom, c.listed, c.n_listed, &e),
				 -EINVAL);
		assert_non_null(strstr(e.msg, "<hostdev> 0000:06:00.0 is not among"));
		eng_domxml_free(&dom);
	}
	eng_config_free(&c);
}

/* Only comments: a file a user starts from loads, and does nothing */
static void test_comments_only(void **state)
{
	char path[1024];
	struct hook_config c;
	struct eng_err e;
	FILE *f;
	static const char text[] = "# /etc/libvirt/hooks/vfiohook/win11.ini\n"
		"# nothing passed through yet\n";

	(void)state;
	snprintf(path, sizeof(path), "win11.ini");
	f = fmemopen((void *)text, sizeof(text) - 1, "r");
	assert_non_null(f);
	assert_int_equal(eng_config_parse(f, path, &c, &e), 0);
	fclose(f);
	assert_false(c.from_xml);
	assert_int_equal(c.n_listed, 0);
	eng_config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gaming_two_gpu),
		cmocka_unit_test(test_single_gpu),
		cmocka_unit_test(test_looking_glass),
		cmocka_unit_test(test_rt_audio),
		cmocka_unit_test(test_nic_dsp),
		cmocka_unit_test(test_desktop_vm),
		cmocka_unit_test(test_comments_only),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("examples", tests, NULL, NULL);
}
