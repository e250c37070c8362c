// SPDX-License-Identifier: LGPL-2.1-or-later
/* SR-IOV: the guest of the real-kernel tier with QEMU's NVMe controller
 * and its two virtual functions (tests/vm/boot --sriov), as sysfs shows
 * them once sriov_numvfs is 2: the VFs share their PF's slot number
 * (03:00.1, 03:00.2) but are devices of their own, each in its IOMMU
 * group, no driver bound (their probe fails until the PF brings them
 * online).  A VF is taken alone; its PF, whose driver would take every VF
 * with it, is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "hooktest.h"

#define PF "0000:03:00.0"
#define VF1 "0000:03:00.1"
#define VF2 "0000:03:00.2"

static int t_sriov(void **state)
{
	return t_setup(state, "guest",
		       "pci 0000:00:08.0 id=1b36:000c class=0x060400 group=10 driver=pcieport\n"
		       "pci " PF " parent=0000:00:08.0 id=1b36:0010 class=0x010802 group=11 "
		       "driver=nvme reset=flr numvfs=2\n"
		       "pci " VF1 " parent=0000:00:08.0 id=1b36:0010 class=0x010802 group=12 "
		       "native=nvme reset=flr physfn=" PF "\n"
		       "pci " VF2 " parent=0000:00:08.0 id=1b36:0010 class=0x010802 group=13 "
		       "native=nvme reset=flr physfn=" PF "\n"
		       "module nvme drivers=nvme\n");
}

/* what the library reads: the VF and its PF, the PF's VF count */
static void test_info(void **state)
{
	struct t *t = *state;
	struct vfh_pci_info pf = t_info(t, PF), vf = t_info(t, VF2);
	char s[VFH_PCI_ADDR_MAX];

	assert_false(pf.is_virtfn);
	assert_int_equal(pf.sriov_numvfs, 2);
	assert_true(vf.is_virtfn);
	vfh_pci_addr_format(&vf.physfn, s, sizeof(s));
	assert_string_equal(s, PF);
	assert_int_equal(vf.sriov_numvfs, 0);
	/* a device without SR-IOV: neither */
	vf = t_info(t, "0000:01:00.0");
	assert_false(vf.is_virtfn);
	assert_int_equal(vf.sriov_numvfs, 0);
}

/* a slot's functions are companions; a PF and its VFs are not */
static void test_companions(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(PF), *c;
	size_t n;

	assert_int_equal(vfh_pci_companions(t->ctx, &a, &c, &n), 0);
	assert_int_equal(n, 0);
	free(c);
	a = t_addr(VF1);
	assert_int_equal(vfh_pci_companions(t->ctx, &a, &c, &n), 0);
	assert_int_equal(n, 0);
	free(c);
	/* the GPU still has its audio function */
	a = t_addr("0000:01:00.0");
	assert_int_equal(vfh_pci_companions(t->ctx, &a, &c, &n), 0);
	assert_int_equal(n, 1);
	free(c);
}

static const char *vf_interface =
	"<domain type='kvm'><name>vm</name><devices>\n"
	"  <interface type='hostdev'><source><address type='pci' domain='0x0000' bus='0x03' "
	"slot='0x00' function='0x1'/></source><mac address='52:54:00:6d:90:02'/></interface>\n"
	"</devices></domain>\n";

static int plan_of(struct t *t, const char *xml, struct plan *plan, struct eng_err *e)
{
	struct hook_config cfg;
	struct domain_xml dom = { 0 };
	int r;

	t_config(&cfg, "[devices]\npassthrough = auto\n");
	t_domxml(&dom, xml);
	r = eng_plan_build(t->ctx, "vm", &cfg, &dom, plan, e);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
	assert_no_writes(t->fx);
	return r;
}

/* a VF as <interface type='hostdev'>: the only device bound, its PF and
 * the other VF (same slot number) left alone */
static void test_vf_alone(void **state)
{
	struct t *t = *state;
	struct plan plan;
	struct eng_err e;
	char binds[256] = "";

	assert_int_equal(plan_of(t, vf_interface, &plan, &e), 0);
	for (size_t i = 0; i < plan.n; i++)
		if (strcmp(plan.steps[i].ops->name, "pci-bind") == 0)
			snprintf(binds + strlen(binds), sizeof(binds) - strlen(binds), "%s ",
				 plan.steps[i].what);
	assert_string_equal(binds, VF1 " ");
	eng_plan_free(&plan);
}

/* the PF with VFs enabled: refused, saying why and what to do instead */
static void test_pf_refused(void **state)
{
	static const char *const pf[] = { PF, NULL };
	struct t *t = *state;
	struct plan plan;
	struct eng_err e;

	assert_int_equal(plan_of(t, t_xml_with(pf), &plan, &e), -EBUSY);
	assert_string_equal(e.msg, PF " (a <hostdev> of the domain) is an SR-IOV physical function with "
			    "2 virtual functions enabled: taking it from its driver removes them.  "
			    "Give the VM a virtual function (<interface type='hostdev'> or "
			    "<hostdev> with its address), or write 0 to its sriov_numvfs first");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_ON(test_info, t_sriov),
		T_ON(test_companions, t_sriov),
		T_ON(test_vf_alone, t_sriov),
		T_ON(test_pf_refused, t_sriov),
	};

	t_init();
	return cmocka_run_group_tests_name("sriov", tests, NULL, NULL);
}
