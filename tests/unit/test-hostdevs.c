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

/* why_idle on INI and a domain XML (NULL: none given) */
static const char *idle_xml(const char *ini, const char *xml)
{
	static char buf[1024];
	struct hook_config cfg;
	struct domain_xml dom = { 0 };

	t_config(&cfg, ini);
	if (xml)
		t_domxml(&dom, xml);
	eng_config_why_idle(&cfg, xml ? &dom : NULL, buf, sizeof(buf));
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
	return buf;
}

static const char *idle(const char *ini, const char *const *hostdevs)
{
	return idle_xml(ini, hostdevs ? t_xml_with(hostdevs) : NULL);
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

#define NO_HUGEPAGES(hp) "asks for hugepages = " hp ", and the domain does not use " \
	"hugepages; add <memoryBacking><hugepages/></memoryBacking> to the domain XML (virsh " \
	"edit vm)"
#define NO_SHMEM "asks for a Looking Glass file ([looking-glass]), and the domain has no " \
	"<shmem> of model ivshmem-plain; add <shmem name='looking-glass'><model " \
	"type='ivshmem-plain'/><size unit='M'>32</size></shmem> under <devices> in the domain " \
	"XML (virsh edit vm)"
#define NO_ISOLATE "isolates no CPU (isolate = no in [cpus]), and [cpus] acts on the " \
	"isolated CPUs only; add isolate = auto to [cpus] to isolate the CPUs the domain's " \
	"<vcpupin>s name, or list them (isolate = 2-3)"

/* A file that asks for the host's resources only: what the domain lacks
 * for each section, never "passes no device through" */
static void test_why_idle_resources(void **state)
{
	static const char *const none[] = { NULL };
	static const char lg_server[] = "<domain type='kvm'><name>vm</name><devices>"
		"<shmem name='ivsh'><model type='ivshmem-doorbell'/><server/></shmem>"
		"</devices></domain>";

	(void)state;
	/* [memory] */
	assert_string_equal(idle("[memory]\nhugepages = auto\n", none),
			    "nothing to do: " P " " NO_HUGEPAGES("auto"));
	assert_string_equal(idle("[devices]\n[memory]\ndrop_caches = yes\n", none),
			    "nothing to do: " P " " NO_HUGEPAGES("auto"));
	assert_string_equal(idle("[memory]\nhugepages = keep\npages = 512\n", none),
			    "nothing to do: " P " " NO_HUGEPAGES("keep, pages = 512"));
	assert_string_equal(idle("[memory]\nhugepages = off\n", none),
			    "nothing to do: " P " leaves hugepages to you (hugepages = off in "
			    "[memory])");
	assert_string_equal(idle("[memory]\nhugepages = auto\n", NULL),
			    "nothing to do without the domain XML: " P " reserves the hugepages of "
			    "the domain's <memoryBacking> (hugepages = auto); give the XML to see "
			    "them");
	/* [cpus] without isolate: its other keys act on nothing */
	assert_string_equal(idle("[cpus]\ngovernor = performance\nrt_runtime = unlimited\n",
				 none), "nothing to do: " P " " NO_ISOLATE);
	assert_string_equal(idle("[cpus]\nisolate = no\n", NULL), "nothing to do: " P " "
			    NO_ISOLATE);
	/* [looking-glass] without a <shmem> it would make the file of */
	assert_string_equal(idle("[looking-glass]\nowner = 1000\n", none),
			    "nothing to do: " P " " NO_SHMEM);
	assert_string_equal(idle_xml("[looking-glass]\n", lg_server),
			    "nothing to do: " P " " NO_SHMEM);
	assert_string_equal(idle("[looking-glass]\n", NULL),
			    "nothing to do without the domain XML: " P " makes the file of the "
			    "domain's <shmem> ([looking-glass]); give the XML to see it");
	/* several: each said, the device one only when the file asks for
	 * devices */
	assert_string_equal(idle("[memory]\n[cpus]\n[looking-glass]\n", none),
			    "nothing to do: " P " " NO_HUGEPAGES("auto") ". It also " NO_ISOLATE
			    ". It also " NO_SHMEM);
	assert_string_equal(idle("[devices]\npassthrough = auto\n[memory]\n", none),
			    "nothing to do: " P " takes the domain's PCI <hostdev>s (passthrough = "
			    "auto) and the domain has none; add the devices to the domain "
			    "(virt-manager: Add Hardware > PCI Host Device). It also "
			    NO_HUGEPAGES("auto"));
	assert_string_equal(idle("[devices]\npassthrough = 00:05.0\n[looking-glass]\n", none),
			    "nothing to do: " P " passes through only devices that take no step on "
			    "this host (bridges stay with the host; see vfiohook.ini(5)). It also "
			    NO_SHMEM);
	assert_string_equal(idle("[devices]\npassthrough = auto\n[memory]\n[cpus]\n"
				 "[looking-glass]\n", NULL),
			    "nothing to do without the domain XML: " P " takes the domain's PCI "
			    "<hostdev>s (passthrough = auto), reserves the hugepages of its "
			    "<memoryBacking> (hugepages = auto) and makes the file of its <shmem> "
			    "([looking-glass]); give the XML to see them. It also " NO_ISOLATE);
	/* sections about the devices alone: still no device */
	assert_string_equal(idle("[holders]\nwhen_held = stop\nstop_units = x.service\n", none),
			    NO_DEVICE);
	assert_string_equal(idle("[single-gpu]\nunbind_vtconsoles = no\nunbind_framebuffers = "
				 "no\n", none), NO_DEVICE);
}

/* prepare with INI on a domain without hostdevs: nothing changes, and
 * the log says why (WHY, after "vm prepare: ") */
static void prepare_idle(struct t *t, const char *ini, const char *why)
{
	static const char *const none[] = { NULL };
	struct hook_config cfg;
	struct domain_xml dom = { 0 };
	struct eng_err res;
	char line[2048];

	t_syslog_clear();
	t_config(&cfg, ini);
	t_domxml(&dom, t_xml_with(none));
	assert_int_equal(eng_run_prepare(t->ctx, "vm", &cfg, &dom, &res), 0);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
	snprintf(line, sizeof(line), "<6> vm prepare: %s\n", why);
	assert_contains(t_syslog(), line);
	assert_false(fx_exists(t->fx, "run/vfiohook/vm/journal"));
	assert_no_writes(t->fx);
}

/* prepare on a file of comments: nothing changes, and the log says why */
static void test_prepare_logs_why(void **state)
{
	prepare_idle(*state, "# vfiohook: not yet\n", NO_DEVICE);
}

/* The files test_why_idle_resources speaks of do leave a domain without
 * hostdevs, hugepages or shmem alone: their plans are empty */
static void test_resources_idle(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const inis[] = {
		"[memory]\nhugepages = auto\n", "[memory]\nhugepages = keep\npages = 512\n",
		"[memory]\nhugepages = off\n", "[cpus]\ngovernor = performance\nrt_runtime = "
		"unlimited\n", "[looking-glass]\nowner = 1000\n", "[memory]\n[cpus]\n"
		"[looking-glass]\n", "[devices]\npassthrough = auto\n[memory]\n",
		"[devices]\npassthrough = 00:05.0\n[looking-glass]\n",
		"[holders]\nwhen_held = stop\nstop_units = x.service\n",
		"[single-gpu]\nunbind_vtconsoles = no\nunbind_framebuffers = no\n",
	};
	struct t *t = *state;

	for (size_t i = 0; i < sizeof(inis) / sizeof(inis[0]); i++) {
		struct hook_config cfg;
		struct domain_xml dom = { 0 };
		struct plan plan;
		struct eng_err e = { 0 };

		t_config(&cfg, inis[i]);
		t_domxml(&dom, t_xml_with(none));
		if (eng_plan_build(t->ctx, "vm", &cfg, &dom, &plan, &e) != 0 || plan.n != 0)
			fail_msg("%s: a plan of %zu steps (%s)", inis[i], plan.n, e.msg);
		eng_plan_free(&plan);
		eng_config_free(&cfg);
		eng_domxml_free(&dom);
	}
	assert_no_writes(t->fx);
}

/* prepare with [memory] alone for a domain without <hugepages/>: nothing
 * changes, and the log names what the domain lacks */
static void test_prepare_logs_why_memory(void **state)
{
	prepare_idle(*state, "[memory]\nhugepages = auto\n",
		     "nothing to do: " P " " NO_HUGEPAGES("auto"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_alone),
		T(test_plan_checks_hostdevs),
		cmocka_unit_test(test_why_idle),
		cmocka_unit_test(test_why_idle_resources),
		T(test_prepare_logs_why),
		T(test_resources_idle),
		T(test_prepare_logs_why_memory),
	};

	t_init();
	return cmocka_run_group_tests_name("hostdevs", tests, NULL, NULL);
}
