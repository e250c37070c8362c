// SPDX-License-Identifier: LGPL-2.1-or-later
/* What the INI file and the domain XML say together (hooks/config.c):
 * an explicit passthrough list must cover every PCI <hostdev> of the
 * domain, and a file that gives the hook nothing to do says so, naming
 * itself and what to add. */
#include <stdio.h>
#include <stdlib.h>

#include "testlib.h"
#include "hooktest.h"
#include "syslogcap.h"

#define P T_INI
#define NOT_AMONG(a, line) "refused: the domain's PCI <hostdev> " a " is not among the devices " \
	P " passes through (passthrough at line " #line "); add " a " to passthrough, or write " \
	"passthrough = auto"

static const char *const gpu_only[] = { "0000:01:00.0", NULL };
static const char *const gpu_hda[] = { "0000:01:00.0", "0000:01:00.1", NULL };

/* eng_config_check_hostdevs alone: r, and its line in err */
static int check(const char *ini, const char *const *hostdevs, const char *const *taken,
		 char *err, size_t errlen)
{
	struct vfh_pci_addr t[8];
	struct hook_config cfg;
	struct domain_xml dom = { 0 };
	struct eng_err e = { 1, "not set" };
	size_t n = 0;
	int r;

	for (; taken && *taken; taken++)
		t[n++] = t_addr(*taken);
	t_config(&cfg, ini);
	if (hostdevs)
		t_domxml(&dom, t_xml_with(hostdevs));
	r = eng_config_check_hostdevs(&cfg, hostdevs ? &dom : NULL, t, n, &e);
	assert_int_equal(e.err, r);
	snprintf(err, errlen, "%s", e.msg);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
	return r;
}

static void test_check_alone(void **state)
{
	static const char *const none[] = { NULL };
	char err[1024];

	(void)state;
	/* listed, or brought along */
	assert_int_equal(check("[devices]\npassthrough = 01:00.0\n", gpu_hda, gpu_hda, err,
			       sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(check("[devices]\npassthrough = 01:00.0\n", none, gpu_only, err,
			       sizeof(err)), 0);
	/* one left out: named, with the file, the line and what to add */
	assert_int_equal(check("# the GPU\n[devices]\npassthrough = 01:00.0\n", gpu_hda, gpu_only,
			       err, sizeof(err)), -EINVAL);
	assert_string_equal(err, NOT_AMONG("0000:01:00.1", 3));
	/* auto takes them all; no list and no XML: nothing to check */
	assert_int_equal(check("[devices]\npassthrough = auto 02:01.0\n", gpu_hda, NULL, err,
			       sizeof(err)), 0);
	assert_int_equal(check("[single-gpu]\n", gpu_hda, NULL, err, sizeof(err)), 0);
	assert_int_equal(check("[devices]\npassthrough = 01:00.0\n", NULL, NULL, err, sizeof(err)),
			 0);
}

static int plan_build(struct t *t, const char *ini, const char *const *hostdevs, char *err,
		      size_t errlen)
{
	struct hook_config cfg;
	struct domain_xml dom = { 0 };
	struct plan plan;
	struct eng_err e;
	int r;

	t_config(&cfg, ini);
	if (hostdevs)
		t_domxml(&dom, t_xml_with(hostdevs));
	r = eng_plan_build(t->ctx, "vm", &cfg, hostdevs ? &dom : NULL, &plan, &e);
	snprintf(err, errlen, "%s", r < 0 ? e.msg : "");
	if (r == 0)
		eng_plan_free(&plan);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
	assert_no_writes(t->fx);
	return r;
}

/* eng_plan_build makes the check once the device set is known */
static void test_plan_checks_hostdevs(void **state)
{
	static const char *const e1000s[] = { "0000:02:01.0", "0000:02:02.0", NULL };
	static const char *const nics[] = { "0000:00:03.0", "0000:00:04.0", NULL };
	struct t *t = *state;
	char err[1024];

	/* the HDA function comes as the GPU's companion and group member */
	assert_int_equal(plan_build(t, "[devices]\npassthrough = 01:00.0\n[single-gpu]\n", gpu_hda,
				    err, sizeof(err)), 0);
	/* 02:02.0 comes with 02:01.0's IOMMU group (group 5) */
	assert_int_equal(plan_build(t, "[devices]\npassthrough = 02:01.0\n", e1000s, err,
				    sizeof(err)), 0);
	/* two NICs in their own groups: the second one is left out */
	assert_int_equal(plan_build(t, "[devices]\npassthrough = 0000:00:03.0\n", nics, err,
				    sizeof(err)), -EINVAL);
	assert_string_equal(err, NOT_AMONG("0000:00:04.0", 2));
	/* nothing brings it along: said before the group is found unusable */
	assert_int_equal(plan_build(t, "[devices]\npassthrough = 01:00.0\ntake_group = no\n"
				    "take_companions = no\n[single-gpu]\n", gpu_hda, err,
				    sizeof(err)), -EINVAL);
	assert_string_equal(err, NOT_AMONG("0000:01:00.1", 2));
	/* auto: the hostdevs are the list */
	assert_int_equal(plan_build(t, "[devices]\npassthrough = auto 00:04.0\n", nics, err,
				    sizeof(err)), 0);
}

static const char *idle(const char *ini, const char *const *hostdevs)
{
	static char buf[1024];
	struct hook_config cfg;
	struct domain_xml dom = { 0 };

	t_config(&cfg, ini);
	if (hostdevs)
		t_domxml(&dom, t_xml_with(hostdevs));
	eng_config_why_idle(&cfg, hostdevs ? &dom : NULL, buf, sizeof(buf));
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
	return buf;
}

#define NO_DEVICE "nothing to do: " P " passes no device through; add 'passthrough = auto' " \
	"under [devices] to take the domain's PCI <hostdev>s, or list their addresses (see " \
	"vfiohook.ini(5))"
#define NO_HOSTDEV "nothing to do: " P " takes the domain's PCI <hostdev>s (passthrough = " \
	"auto) and the domain has none; add the devices to the domain (virt-manager: Add " \
	"Hardware > PCI Host Device)"

static void test_why_idle(void **state)
{
	static const char *const none[] = { NULL };

	(void)state;
	assert_string_equal(idle("# nothing yet\n", none), NO_DEVICE);
	assert_string_equal(idle("[devices]\ntake_group = no\n", NULL), NO_DEVICE);
	assert_string_equal(idle("[devices]\npassthrough = auto\n", none), NO_HOSTDEV);
	assert_string_equal(idle("[devices]\npassthrough = auto\n", NULL),
			    "nothing to do without the domain XML: " P " takes the domain's PCI "
			    "<hostdev>s (passthrough = auto); give the XML to see them");
	assert_string_equal(idle("[devices]\npassthrough = 00:05.0\n", none),
			    "nothing to do: what " P " asks for takes no step on this host (bridges "
			    "stay with the host; see vfiohook.ini(5))");
}

/* prepare on a file of comments: nothing changes, and the log says why */
static void test_prepare_logs_why(void **state)
{
	static const char *const none[] = { NULL };
	struct t *t = *state;
	struct hook_config cfg;
	struct domain_xml dom = { 0 };
	struct eng_err res;

	t_syslog_clear();
	t_config(&cfg, "# vfiohook: not yet\n");
	t_domxml(&dom, t_xml_with(none));
	assert_int_equal(eng_run_prepare(t->ctx, "vm", &cfg, &dom, &res), 0);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
	assert_contains(t_syslog(), "<6> vm prepare: " NO_DEVICE "\n");
	assert_false(fx_exists(t->fx, "run/vfiohook/vm/journal"));
	assert_no_writes(t->fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_alone),
		T(test_plan_checks_hostdevs),
		cmocka_unit_test(test_why_idle),
		T(test_prepare_logs_why),
	};

	t_init();
	return cmocka_run_group_tests_name("hostdevs", tests, NULL, NULL);
}
