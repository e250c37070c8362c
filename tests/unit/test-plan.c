// SPDX-License-Identifier: LGPL-2.1-or-later
/* prepare's plan (hooks/plan.c) on fabricated hosts: which devices go,
 * what comes along (IOMMU group, slot companions), in which order the
 * steps run, and every refusal with the line the user reads. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "testlib.h"
#include "hooktest.h"

#define P T_INI

static const char *const gpu_only[] = { "0000:01:00.0", NULL };

/* A kind's own field of a step, as the journal writes it ("" if none). */
static const char *field(const struct step *s, const char *key)
{
	static char val[256];
	char enc[1024], pat[64];
	const char *p;

	assert_int_equal(eng_step_encode(s, enc, sizeof(enc)), 0);
	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(enc, pat);
	val[0] = '\0';
	if (p)
		sscanf(p + strlen(pat), "%255[^ ]", val);
	return val;
}

static unsigned int ufield(const struct step *s, const char *key)
{
	return (unsigned int)strtoul(field(s, key), NULL, 10);
}

/* One line per step: kind, what, target, and for a reset its settings */
static const char *plan_text(const struct plan *plan)
{
	static char text[8192];
	size_t n = 0;

	text[0] = '\0';
	for (size_t i = 0; i < plan->n; i++) {
		const struct step *s = &plan->steps[i];

		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s %s", s->ops->name, s->what);
		if (*field(s, "target"))
			n += (size_t)snprintf(text + n, sizeof(text) - n, " %s", field(s, "target"));
		if (s->ops == &eng_step_reset)
			n += (size_t)snprintf(text + n, sizeof(text) - n, " %s at=%u %us x%u",
					      ufield(s, "reset") == RESET_SUSPEND ? "suspend" : "auto",
					      ufield(s, "reset_at"), ufield(s, "seconds"),
					      ufield(s, "attempts"));
		n += (size_t)snprintf(text + n, sizeof(text) - n, "\n");
		/* nothing is captured before prepare runs it */
		assert_false(s->captured);
	}
	return text;
}

/* Builds the plan for INI text and (optionally) a domain XML, expecting
 * success; returns its text. */
static const char *plan_of(struct t *t, const char *ini, const char *xml)
{
	struct hook_config cfg;
	struct domain_xml dom = { 0 };
	struct plan plan;
	struct eng_err e = { 0 };
	const char *text;
	int r;

	t_config(&cfg, ini);
	if (xml)
		t_domxml(&dom, xml);
	r = eng_plan_build(t->ctx, "vm", &cfg, xml ? &dom : NULL, &plan, &e);
	if (r < 0)
		fail_msg("eng_plan_build: %d: %s", r, e.msg);
	text = plan_text(&plan);
	eng_plan_free(&plan);
	assert_null(plan.steps);
	assert_int_equal(plan.n, 0);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
	/* planning only reads */
	assert_no_writes(t->fx);
	return text;
}

static void expect_refused(struct t *t, const char *ini, const char *xml, int want_r,
			   const char *want)
{
	struct hook_config cfg;
	struct domain_xml dom = { 0 };
	struct plan plan = { (void *)1, 9, 9 };
	struct eng_err e = { 0 };
	int r;

	t_config(&cfg, ini);
	if (xml)
		t_domxml(&dom, xml);
	r = eng_plan_build(t->ctx, "vm", &cfg, xml ? &dom : NULL, &plan, &e);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
	if (r == 0)
		eng_plan_free(&plan);
	assert_int_equal(r, want_r);
	assert_string_equal(e.msg, want);
	assert_null(plan.steps);
	assert_int_equal(plan.n, 0);
	assert_no_writes(t->fx);
}

static void test_auto_from_xml(void **state)
{
	struct t *t = *state;
	static const char *const nic[] = { "0000:00:03.0", NULL };

	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto\n", t_xml_with(nic)),
			    "pci-bind 0000:00:03.0 vfio-pci\n");
}

/* An SR-IOV virtual function given as <interface type='hostdev'> (managed
 * omitted: unmanaged) is a PCI device the domain takes, like a hostdev. */
static void test_auto_takes_interface_hostdev(void **state)
{
	struct t *t = *state;

	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto\n",
				    "<domain><devices><interface type='hostdev'><source><address "
				    "type='pci' domain='0x0000' bus='0x00' slot='0x04' "
				    "function='0x0'/></source><mac address='52:54:00:6d:90:02'/>"
				    "</interface></devices></domain>"),
			    "pci-bind 0000:00:04.0 vfio-pci\n");
}

/* Nothing to take (no XML and nothing listed, an XML without PCI
 * hostdevs, only a bridge listed): an empty plan.  Run in a child: a
 * sanitizer stopping there must not take the other tests with it. */
static void test_empty_plan(void **state)
{
	static const char *const cases[][2] = {
		{ "[devices]\npassthrough = auto\n", NULL },
		{ "[devices]\npassthrough = auto\n", "<domain><devices/></domain>" },
		{ "[devices]\npassthrough = 0000:00:05.0\ntake_group = no\n", NULL },
	};
	struct t *t = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st;
		pid_t pid;

		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			/* no cmocka in here: a failed assertion would run the
			 * rest of the suite in the child */
			struct hook_config cfg;
			struct domain_xml dom = { 0 };
			struct plan plan;
			struct eng_err e;
			FILE *f = fmemopen((void *)cases[i][0], strlen(cases[i][0]), "r");

			if (!f || eng_config_parse(f, T_INI, &cfg, &e) < 0)
				_exit(4);
			fclose(f);
			if (cases[i][1] && eng_domxml_parse(cases[i][1], strlen(cases[i][1]), &dom,
							    &e) < 0)
				_exit(5);
			if (eng_plan_build(t->ctx, "vm", &cfg, cases[i][1] ? &dom : NULL, &plan, &e) < 0)
				_exit(6);
			_exit(plan.n == 0 && fk_nwrites(t->fx) == 0 ? 0 : 3);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("case %zu: eng_plan_build of an empty plan %s %d (see the sanitizer's "
				 "report above)", i, WIFEXITED(st) ? "exited" : "died of signal",
				 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
}

static void test_explicit_list(void **state)
{
	struct t *t = *state;
	static const char *const nic[] = { "0000:00:03.0", NULL };

	assert_string_equal(plan_of(t, "[devices]\npassthrough = 0000:00:04.0 0000:00:03.0\n",
				    NULL),
			    "pci-bind 0000:00:03.0 vfio-pci\npci-bind 0000:00:04.0 vfio-pci\n");
	/* a list without auto takes no hostdev of the XML: each must be in it
	 * (tests/unit/test-hostdevs.c) */
	expect_refused(t, "[devices]\npassthrough = 0000:00:04.0\n", t_xml_with(nic), -EINVAL,
		       "refused: the domain's PCI <hostdev> 0000:00:03.0 is not among the devices "
		       P " passes through (passthrough at line 2); add 0000:00:03.0 to passthrough, "
		       "or write passthrough = auto");
	assert_string_equal(plan_of(t, "[devices]\npassthrough = 0000:00:04.0 00:03.0\n",
				    t_xml_with(nic)),
			    "pci-bind 0000:00:03.0 vfio-pci\npci-bind 0000:00:04.0 vfio-pci\n");
	/* both: each device once */
	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto 00:04.0 00:03.0\n",
				    t_xml_with(nic)),
			    "pci-bind 0000:00:03.0 vfio-pci\npci-bind 0000:00:04.0 vfio-pci\n");
}

static void test_driver_per_device(void **state)
{
	struct t *t = *state;

	assert_string_equal(plan_of(t, "[devices]\npassthrough = 02:01.0 02:02.0\n"
				    "driver = pci-stub\n[device 0000:02:02.0]\ndriver = vfio-pci\n",
				    NULL),
			    "pci-bind 0000:02:01.0 pci-stub\npci-bind 0000:02:02.0 vfio-pci\n");
}

#define SGPU "[single-gpu]\nunbind_vtconsoles = no\n"

/* The GPU's audio function comes along, through its group or its slot */
static void test_gpu_brings_its_audio(void **state)
{
	struct t *t = *state;
	static const char both[] = "pci-bind 0000:01:00.0 vfio-pci\npci-bind 0000:01:00.1 vfio-pci\n";

	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto\n" SGPU,
				    t_xml_with(gpu_only)), both);
	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto\ntake_group = no\n" SGPU,
				    t_xml_with(gpu_only)), both);
	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto\ntake_companions = no\n"
				    SGPU, t_xml_with(gpu_only)), both);
	/* neither: the audio function keeps the group from VFIO */
	expect_refused(t, "[devices]\npassthrough = auto\ntake_group = no\ntake_companions = no\n"
		       SGPU, t_xml_with(gpu_only), -EBUSY,
		       "refused: IOMMU group 9 of 0000:01:00.0 also holds 0000:01:00.1, which would "
		       "stay on its host driver and make the group unusable; set take_group = yes "
		       "in " P " or list it in passthrough");
	/* unless it is listed */
	assert_string_equal(plan_of(t, "[devices]\npassthrough = 01:00.0 01:00.1\ntake_group = no\n"
				    "take_companions = no\n" SGPU, NULL), both);
}

/* A slot companion in a group of its own comes only with take_companions */
static void test_companion_in_another_group(void **state)
{
	struct t *t = *state;

	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto\n" SGPU,
				    t_xml_with(gpu_only)),
			    "pci-bind 0000:01:00.0 vfio-pci\npci-bind 0000:01:00.1 vfio-pci\n");
	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto\ntake_companions = no\n"
				    SGPU, t_xml_with(gpu_only)),
			    "pci-bind 0000:01:00.0 vfio-pci\n");
}

static int setup_split_slot(void **state)
{
	return t_setup(state, "guest", "pci 0000:01:00.1 group=10\n");
}

/* group 5: the PCIe-to-PCI bridge and two e1000; the other e1000 comes,
 * the bridge never does */
static void test_group_brings_sibling_not_bridge(void **state)
{
	struct t *t = *state;

	assert_string_equal(plan_of(t, "[devices]\npassthrough = 0000:02:01.0\n", NULL),
			    "pci-bind 0000:02:01.0 vfio-pci\npci-bind 0000:02:02.0 vfio-pci\n");
	/* both listed: the bridge in the group does not block it */
	assert_string_equal(plan_of(t, "[devices]\npassthrough = 02:01.0 02:02.0\n"
				    "take_group = no\n", NULL),
			    "pci-bind 0000:02:01.0 vfio-pci\npci-bind 0000:02:02.0 vfio-pci\n");
	/* a group member already on vfio-pci does not block it either */
	assert_string_equal(plan_of(t, "[devices]\npassthrough = 02:01.0\ntake_group = no\n", NULL),
			    "pci-bind 0000:02:01.0 vfio-pci\n");
}

static int setup_sibling_on_vfio(void **state)
{
	return t_setup(state, "guest", "module vfio_pci state=live\n"
		       "pci 0000:02:02.0 driver=vfio-pci native=e1000 override=vfio-pci\n");
}

/* the first test above runs on the guest as it is */
static void test_group5_on_guest(void **state)
{
	struct t *t = *state;

	expect_refused(t, "[devices]\npassthrough = 02:01.0\ntake_group = no\n", NULL, -EBUSY,
		       "refused: IOMMU group 5 of 0000:02:01.0 also holds 0000:02:02.0, which would "
		       "stay on its host driver and make the group unusable; set take_group = yes "
		       "in " P " or list it in passthrough");
}

static void test_missing_device(void **state)
{
	struct t *t = *state;
	static const char *const gone[] = { "0000:05:00.0", NULL };

	expect_refused(t, "[devices]\n\npassthrough = 0000:00:09.0\n", NULL, -ENODEV,
		       "0000:00:09.0 (passthrough in " P ":3) is not on this host: check the "
		       "address with lspci -D");
	expect_refused(t, "[devices]\npassthrough = auto\n", t_xml_with(gone), -ENODEV,
		       "0000:05:00.0 (a <hostdev> of the domain) is not on this host: check the "
		       "address with lspci -D");
}

static void test_no_iommu(void **state)
{
	struct t *t = *state;

	expect_refused(t, "[devices]\npassthrough = 0000:00:03.0\n", NULL, -ENODEV,
		       "0000:00:03.0 has no IOMMU group: turn the IOMMU on (VT-d/AMD-Vi in the "
		       "firmware, intel_iommu=on or amd_iommu=on on the kernel command line)");
}

static void test_host_needs_root_disk(void **state)
{
	struct t *t = *state;

	expect_refused(t, "[devices]\npassthrough = 0000:03:00.0\n", NULL, -EBUSY,
		       "refused: 0000:03:00.0 would go to the VM with the devices in " P ", but the "
		       "host needs it (mounted /); pass through a device in another IOMMU group");
}

/* A ZFS root: its pool's disks cannot be traced, so every storage
 * controller is kept, unless the INI says this one is free to take */
static int setup_zfs_root(void **state)
{
	return t_setup(state, "nvmeroot",
		       "mount / dev=0:26 fs=zfs src=rpool/ROOT/debian opts=rw\n"
		       "drop mount /boot/efi\n"
		       "drop swap /dev/mapper/cryptswap\n");
}

static void test_host_needs_zfs_root_fails_closed(void **state)
{
	struct t *t = *state;

	expect_refused(t, "[devices]\npassthrough = 0000:03:00.0\n", NULL, -EBUSY,
		       "refused: 0000:03:00.0 would go to the VM with the devices in " P ", but the "
		       "host may need it: / is mounted from the ZFS dataset rpool/ROOT/debian, "
		       "whose disks cannot be traced, so every such controller is kept; if "
		       "0000:03:00.0 holds nothing the host uses, add 'free = 0000:03:00.0' to "
		       "[devices]");
	/* free names another controller: still refused */
	expect_refused(t, "[devices]\npassthrough = 0000:03:00.0\nfree = 0000:00:1f.2\n", NULL,
		       -EBUSY, "refused: 0000:03:00.0 would go to the VM with the devices in " P
		       ", but the host may need it: / is mounted from the ZFS dataset "
		       "rpool/ROOT/debian, whose disks cannot be traced, so every such controller "
		       "is kept; if 0000:03:00.0 holds nothing the host uses, add "
		       "'free = 0000:03:00.0' to [devices]");
	assert_contains(plan_of(t, "[devices]\npassthrough = 0000:03:00.0\nfree = 0000:03:00.0\n",
				NULL), "pci-bind 0000:03:00.0 vfio-pci\n");
}

/* free never takes a controller a mount is traced to */
static void test_free_does_not_override_a_traced_need(void **state)
{
	struct t *t = *state;

	expect_refused(t, "[devices]\npassthrough = 0000:03:00.0\nfree = 0000:03:00.0\n", NULL,
		       -EBUSY, "refused: 0000:03:00.0 would go to the VM with the devices in " P
		       ", but the host needs it (mounted /); pass through a device in another "
		       "IOMMU group");
}

static void test_host_needs_9p_root(void **state)
{
	struct t *t = *state;

	expect_refused(t, "[devices]\npassthrough = 0000:00:06.0\n", NULL, -EBUSY,
		       "refused: 0000:00:06.0 would go to the VM with the devices in " P ", but the "
		       "host needs it (mounted /); pass through a device in another IOMMU group");
	expect_refused(t, "[devices]\npassthrough = 0000:00:07.0\n", NULL, -EBUSY,
		       "refused: 0000:00:07.0 would go to the VM with the devices in " P ", but the "
		       "host needs it (mounted /mnt); pass through a device in another IOMMU "
		       "group");
}

/* routenic: the default route leaves through eth1; eth0 only carries a
 * local subnet */
static void test_host_needs_default_route(void **state)
{
	struct t *t = *state;

	expect_refused(t, "[devices]\npassthrough = 0000:00:03.0\n", NULL, -EBUSY,
		       "refused: 0000:00:03.0 would go to the VM with the devices in " P ", but the "
		       "host needs it (default route via eth1); pass through a device in another "
		       "IOMMU group");
	assert_string_equal(plan_of(t, "[devices]\npassthrough = 0000:00:01.0\n", NULL),
			    "pci-bind 0000:00:01.0 vfio-pci\n");
}

/* bridge: the default route leaves through br0, whose port is eth2 */
static void test_host_needs_bridge_port(void **state)
{
	struct t *t = *state;

	expect_refused(t, "[devices]\npassthrough = 0000:00:04.0\n", NULL, -EBUSY,
		       "refused: 0000:00:04.0 would go to the VM with the devices in " P ", but the "
		       "host needs it (default route via br0); pass through a device in another "
		       "IOMMU group");
	assert_string_equal(plan_of(t, "[devices]\npassthrough = 0000:00:03.0\n", NULL),
			    "pci-bind 0000:00:03.0 vfio-pci\n");
}

static void test_boot_display(void **state)
{
	struct t *t = *state;

	expect_refused(t, "[devices]\npassthrough = auto\n", t_xml_with(gpu_only), -EBUSY,
		       "refused: 0000:01:00.0 is the host's boot display and no other GPU would be "
		       "left; add a [single-gpu] section to " P " to hand the host's only GPU to "
		       "the VM");
	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto\n" SGPU,
				    t_xml_with(gpu_only)),
			    "pci-bind 0000:01:00.0 vfio-pci\npci-bind 0000:01:00.1 vfio-pci\n");
	/* [single-gpu] with enabled = no is no [single-gpu] */
	expect_refused(t, "[devices]\npassthrough = auto\n[single-gpu]\nenabled = no\n",
		       t_xml_with(gpu_only), -EBUSY,
		       "refused: 0000:01:00.0 is the host's boot display and no other GPU would be "
		       "left; add a [single-gpu] section to " P " to hand the host's only GPU to "
		       "the VM");
}

/* A second GPU on a host driver keeps the host its display */
static void test_boot_display_with_another_gpu(void **state)
{
	struct t *t = *state;

	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto\n", t_xml_with(gpu_only)),
			    "pci-bind 0000:01:00.0 vfio-pci\npci-bind 0000:01:00.1 vfio-pci\n");
}

static int setup_two_gpus(void **state)
{
	return t_setup(state, "guest", "pci 0000:00:09.0 id=1234:1111 class=0x030000 group=14 "
		       "driver=bochs-drm boot_vga=0\n");
}

/* ... but not one already on vfio-pci */
static void test_boot_display_other_gpu_on_vfio(void **state)
{
	struct t *t = *state;

	expect_refused(t, "[devices]\npassthrough = auto\n", t_xml_with(gpu_only), -EBUSY,
		       "refused: 0000:01:00.0 is the host's boot display and no other GPU would be "
		       "left; add a [single-gpu] section to " P " to hand the host's only GPU to "
		       "the VM");
}

static int setup_other_gpu_on_vfio(void **state)
{
	return t_setup(state, "guest", "module vfio_pci state=live\n"
		       "pci 0000:00:09.0 id=1234:1111 class=0x030000 group=14 driver=vfio-pci "
		       "native=bochs-drm override=vfio-pci boot_vga=0\n");
}

static void make_journal(struct t *t, const char *domain, const char *addr, bool undone)
{
	struct step s;
	struct journal j;

	assert_int_equal(eng_step_init_pci_bind(&s, addr, "vfio-pci"), 0);
	assert_int_equal(eng_step_set_field(&s, "prior_driver", "e1000"), 0);
	s.captured = true;
	assert_int_equal(eng_journal_create(t->ctx, domain, &j), 0);
	assert_int_equal(eng_journal_begin(&j, &s), 0);
	assert_int_equal(eng_journal_done(&j, 0), 0);
	if (undone)
		assert_int_equal(eng_journal_undone(&j, 0), 0);
	eng_journal_close(&j);
}

static void test_held_by_another_domain(void **state)
{
	struct t *t = *state;
	char want[1024];

	make_journal(t, "other", "0000:02:02.0", false);
	make_journal(t, "gone", "0000:00:03.0", true);
	/* the group brings 02:02.0, which "other" holds; the message names the
	 * journal where it is (below the fixture's run root here) */
	snprintf(want, sizeof(want), "refused: 0000:02:02.0 is held by domain 'other' (its "
		 "journal in %s/run/vfiohook/other); shut that domain down first", fx_root(t->fx));
	expect_refused(t, "[devices]\npassthrough = 0000:02:01.0\n", NULL, -EBUSY, want);
	/* given back: free to take */
	assert_string_equal(plan_of(t, "[devices]\npassthrough = 0000:00:03.0\n", NULL),
			    "pci-bind 0000:00:03.0 vfio-pci\n");
}

/* its own journal (a start that never released) is no obstacle */
static void test_own_journal_does_not_hold(void **state)
{
	struct t *t = *state;

	make_journal(t, "vm", "0000:00:03.0", false);
	assert_string_equal(plan_of(t, "[devices]\npassthrough = 0000:00:03.0\n", NULL),
			    "pci-bind 0000:00:03.0 vfio-pci\n");
}

static void test_suspend_needs_deep_sleep(void **state)
{
	struct t *t = *state;

	expect_refused(t, "[devices]\npassthrough = 0000:00:03.0\nreset = suspend\n", NULL,
		       -EOPNOTSUPP,
		       "refused: 0000:00:03.0 asks for reset = suspend but this host cannot suspend "
		       "to RAM (no 'deep' in /sys/power/mem_sleep); enable S3 in the firmware and "
		       "boot with mem_sleep_default=deep, or choose another reset in " P);
	assert_string_equal(plan_of(t, "[devices]\npassthrough = 0000:00:03.0\nreset = auto\n", NULL),
			    "pci-bind 0000:00:03.0 vfio-pci\n"
			    "reset 0000:00:03.0 auto at=2 2s x3\n");
}

/* Unit stops, console unbinds, framebuffer unbinds, binds, module
 * unloads, resets: each group of steps frees what the next needs. */
static void test_step_order(void **state)
{
	struct t *t = *state;

	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto\nreset = auto\n"
				    "[single-gpu]\nstop_units = display-manager.service\n"
				    "unload_modules = bochs snd_hda_intel\n", t_xml_with(gpu_only)),
			    "unit-stop display-manager.service\n"
			    "vtcon-unbind vtcon1\n"
			    "fb-unbind efi-framebuffer.0 efi-framebuffer\n"
			    "pci-bind 0000:01:00.0 vfio-pci\n"
			    "pci-bind 0000:01:00.1 vfio-pci\n"
			    "module-unload bochs\n"
			    "module-unload snd_hda_intel\n"
			    "reset 0000:01:00.0 auto at=2 2s x3\n"
			    "reset 0000:01:00.1 auto at=2 2s x3\n");
	/* what [single-gpu] turns off stays out */
	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto\n[single-gpu]\n"
				    "unbind_vtconsoles = no\nunbind_framebuffers = no\n",
				    t_xml_with(gpu_only)),
			    "pci-bind 0000:01:00.0 vfio-pci\npci-bind 0000:01:00.1 vfio-pci\n");
	/* the single-GPU steps belong to [single-gpu] only */
	assert_string_equal(plan_of(t, "[devices]\npassthrough = 0000:00:03.0\n", NULL),
			    "pci-bind 0000:00:03.0 vfio-pci\n");
}

/* Every framebuffer console is unbound, bound or not (capture decides) */
static void test_guest_console(void **state)
{
	struct t *t = *state;

	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto\n[single-gpu]\n",
				    t_xml_with(gpu_only)),
			    "vtcon-unbind vtcon0\n"
			    "pci-bind 0000:01:00.0 vfio-pci\npci-bind 0000:01:00.1 vfio-pci\n");
}

/* A suspend reset takes the whole slot: once per slot */
static void test_one_suspend_per_slot(void **state)
{
	struct t *t = *state;

	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto\nreset = suspend\n"
				    "suspend_seconds = 4\nsuspend_attempts = 2\n" SGPU,
				    t_xml_with(gpu_only)),
			    "pci-bind 0000:01:00.0 vfio-pci\npci-bind 0000:01:00.1 vfio-pci\n"
			    "reset 0000:01:00.0 suspend at=2 4s x2\n");
	/* a function reset of one function does not stand for the other */
	assert_string_equal(plan_of(t, "[devices]\npassthrough = auto\nreset = suspend\n"
				    "[device 0000:01:00.0]\nreset = auto\nreset_at = both\n" SGPU,
				    t_xml_with(gpu_only)),
			    "pci-bind 0000:01:00.0 vfio-pci\npci-bind 0000:01:00.1 vfio-pci\n"
			    "reset 0000:01:00.0 auto at=3 2s x3\n"
			    "reset 0000:01:00.1 suspend at=2 2s x3\n");
	/* other slots each get theirs */
	assert_string_equal(plan_of(t, "[devices]\npassthrough = 0000:02:01.0\nreset = suspend\n"
				    "reset_at = prepare\n", NULL),
			    "pci-bind 0000:02:01.0 vfio-pci\npci-bind 0000:02:02.0 vfio-pci\n"
			    "reset 0000:02:01.0 suspend at=1 2s x3\n"
			    "reset 0000:02:02.0 suspend at=1 2s x3\n");
}

/* reset = auto on a device the kernel has no reset method for: the
 * release would fail on it every time (and 'vfiohook recover' with it),
 * so the plan must refuse it, as it refuses a suspend reset without S3 */
static void test_reset_needs_a_method(void **state)
{
	struct t *t = *state;
	struct hook_config cfg;
	struct plan plan;
	struct eng_err e = { 0 };
	const char *err = e.msg;
	int r;

	/* the e1000 at 02:01.0 has no reset_method (no reset file) */
	assert_false(fx_exists(t->fx, DEV("0000:02:01.0", "reset")));
	t_config(&cfg, "[devices]\npassthrough = 0000:02:01.0\nreset = auto\n");
	r = eng_plan_build(t->ctx, "vm", &cfg, NULL, &plan, &e);
	eng_config_free(&cfg);
	if (r == 0) {
		const char *text = plan_text(&plan);

		eng_plan_free(&plan);
		fail_msg("planned a function reset of devices without one:\n%s", text);
	}
	assert_contains(err, "0000:02:01.0");
	assert_contains(err, "reset");
	assert_no_writes(t->fx);
}

/* A unit name the INI accepts is the name the step stops */
/* A unit name is journaled whole or not at all: a shortened one would stop
 * another unit.  The longest a step holds (127) is planned as written; one
 * more is refused by the INI parser, with the limit. */
static void test_long_unit_name_kept_whole(void **state)
{
	struct t *t = *state;
	char unit[200], ini[400], want[600];
	struct eng_err e;
	struct hook_config cfg;
	FILE *f;

	memset(unit, 'u', 119);
	strcpy(unit + 119, ".service");	/* 127 characters */
	snprintf(ini, sizeof(ini), "[devices]\npassthrough = 0000:00:03.0\n[single-gpu]\n"
		 "stop_units = %s\nunbind_vtconsoles = no\n", unit);
	snprintf(want, sizeof(want), "unit-stop %s\npci-bind 0000:00:03.0 vfio-pci\n", unit);
	assert_string_equal(plan_of(t, ini, NULL), want);

	memset(unit, 'u', 120);
	strcpy(unit + 120, ".service");	/* 128 characters */
	snprintf(ini, sizeof(ini), "[devices]\npassthrough = 0000:00:03.0\n[single-gpu]\n"
		 "stop_units = %s\n", unit);
	f = fmemopen(ini, strlen(ini), "r");
	assert_non_null(f);
	assert_int_equal(eng_config_parse(f, "vm.ini", &cfg, &e), -EINVAL);
	fclose(f);
	assert_string_equal(e.msg, "vm.ini:4: 'uuuuuuuuuuuuuuuuuuuu...' is too long for a unit "
			    "name (at most 127 characters)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_auto_from_xml),
		T(test_empty_plan),
		T(test_explicit_list),
		T(test_driver_per_device),
		T(test_gpu_brings_its_audio),
		T_ON(test_companion_in_another_group, setup_split_slot),
		T(test_auto_takes_interface_hostdev),
		T_ON(test_group_brings_sibling_not_bridge, setup_sibling_on_vfio),
		T(test_group5_on_guest),
		T(test_missing_device),
		T_ON(test_no_iommu, t_noiommu),
		T_ON(test_host_needs_root_disk, t_nvmeroot),
		T_ON(test_host_needs_zfs_root_fails_closed, setup_zfs_root),
		T_ON(test_free_does_not_override_a_traced_need, t_nvmeroot),
		T(test_host_needs_9p_root),
		T_ON(test_host_needs_default_route, t_routenic),
		T_ON(test_host_needs_bridge_port, t_bridge),
		T(test_boot_display),
		T_ON(test_boot_display_with_another_gpu, setup_two_gpus),
		T_ON(test_boot_display_other_gpu_on_vfio, setup_other_gpu_on_vfio),
		T(test_held_by_another_domain),
		T(test_own_journal_does_not_hold),
		T_ON(test_suspend_needs_deep_sleep, t_s2idle),
		T_ON(test_step_order, t_efifb),
		T(test_guest_console),
		T(test_one_suspend_per_slot),
		T(test_reset_needs_a_method),
		T(test_long_unit_name_kept_whole),
	};

	t_init();
	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
