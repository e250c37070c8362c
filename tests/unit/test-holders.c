// SPDX-License-Identifier: LGPL-2.1-or-later
/* A device something on the host still holds (holders.c, bind.c): a sound
 * server with the HDMI-audio function's ALSA nodes open makes the kernel's
 * unbind block until it lets go, so the bind refuses before any write,
 * naming the process; the engine's start fails at once and puts back what
 * it did. */
#include <stdio.h>
#include <stdlib.h>

#include "testlib.h"
#include "hooktest.h"

#define HDA "0000:01:00.1"
#define HDA_DIR "sys/devices/pci0000:00/0000:00:02.0/" HDA
#define GPU_DIR "sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0"

static int setup_with(void **state, const char *more)
{
	struct t *t;
	char extra[2048];

	snprintf(extra, sizeof(extra), "%s%s", "module vfio_pci state=live\n"
		"file dev/snd dir=1\nfile dev/snd/controlC0\nfile dev/snd/pcmC0D3p\n"
		"file dev/dri dir=1\nfile dev/dri/card0\n"
		"proc 2231 comm=pipewire uid=1000 fd=dev/snd/controlC0,dev/snd/pcmC0D3p\n"
		"proc 77 comm=bash\n"
		/* a second display stays with the host */
		"pci 0000:00:09.0 id=1234:1111 class=0x030000 group=14 driver=bochs-drm "
		"boot_vga=0\n", more);
	t_setup(state, "guest", extra);
	t = *state;
	/* the nodes as the kernel names them in sysfs */
	t_mkdirs(t->fx, HDA_DIR "/sound/card0/controlC0");
	t_mkdirs(t->fx, HDA_DIR "/sound/card0/pcmC0D3p");
	t_mkdirs(t->fx, GPU_DIR "/drm/card0");
	fx_write(t->fx, HDA_DIR "/sound/card0/uevent", "MAJOR=116\n");
	fx_write(t->fx, HDA_DIR "/sound/card0/controlC0/uevent",
		 "MAJOR=116\nMINOR=0\nDEVNAME=snd/controlC0\n");
	fx_write(t->fx, HDA_DIR "/sound/card0/pcmC0D3p/uevent",
		 "MAJOR=116\nMINOR=3\nDEVNAME=snd/pcmC0D3p\n");
	fx_write(t->fx, GPU_DIR "/drm/card0/uevent", "MAJOR=226\nMINOR=0\nDEVNAME=dri/card0\n");
	return 0;
}

static int setup_held(void **state)
{
	return setup_with(state, "");
}

static void test_holders_named(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr hda = t_addr(HDA), gpu = t_addr("0000:01:00.0");
	struct vfh_pci_addr nic = t_addr("0000:00:03.0");
	struct vfh_holder *h;
	size_t n;

	assert_int_equal(vfh_pci_holders(t->ctx, &hda, &h, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].pid, 2231);
	assert_string_equal(h[0].comm, "pipewire");
	assert_true(h[0].open);
	free(h);
	/* its card node nobody holds */
	assert_int_equal(vfh_pci_holders(t->ctx, &gpu, &h, &n), 0);
	assert_int_equal(n, 0);
	assert_null(h);
	/* a NIC has no nodes at all */
	assert_int_equal(vfh_pci_holders(t->ctx, &nic, &h, &n), 0);
	assert_int_equal(n, 0);
	assert_no_writes(t->fx);
}

/* The bind (and an unbind) refuses before writing anything. */
static void test_bind_refuses(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr hda = t_addr(HDA);

	assert_int_equal(vfh_pci_bind(t->ctx, &hda, "vfio-pci", NULL), -EBUSY);
	assert_string_equal(vfh_ctx_errmsg(t->ctx),
			    HDA " is held by 2231 (pipewire): unbinding it from snd_hda_intel would "
			    "block until it lets go (libvirt's start would hang); stop it first (a "
			    "sound server: systemctl --user stop pipewire.socket pipewire.service "
			    "wireplumber.service)");
	assert_no_writes(t->fx);
	assert_string_equal(fx_driver(t->fx, HDA), "snd_hda_intel");
	assert_int_equal(vfh_pci_unbind(t->ctx, &hda), -EBUSY);
	assert_no_writes(t->fx);
}

/* Through the phases: prepare fails at the audio function's step, in one
 * line naming the process, and the GPU it had moved comes back. */
static void test_prepare_fails_at_once(void **state)
{
	struct t *t = *state;
	static const char *const gpu[] = { "0000:01:00.0", NULL };
	char *before = strdup(t_snapshot(t->fx));
	struct hook_config cfg;
	struct domain_xml dom;
	struct eng_err res;

	t_config(&cfg, "[devices]\npassthrough = auto\n");
	t_domxml(&dom, t_xml_with(gpu));
	assert_int_equal(eng_run_prepare(t->ctx, "vm", &cfg, &dom, &res), -EBUSY);
	assert_contains(res.msg, "vm: step 2 of 2 (bind " HDA " to vfio-pci (was snd_hda_intel)) "
			"failed: " HDA " is held by 2231 (pipewire)");
	assert_contains(res.msg, "the host was put back as it was");
	assert_text(t_snapshot(t->fx), before, "the host after the refused start");
	assert_false(fx_exists(t->fx, "run/vfiohook/vm"));
	/* no write to the audio function's driver ever happened */
	assert_int_equal(fk_log_find(t->fx, 0, "sys/bus/pci/drivers/snd_hda_intel/unbind", NULL), -1);
	free(before);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
}

/* [holders] when_held = stop: the holder's user manager is asked to stop
 * the sound server (the process goes with it), the start goes on; release
 * starts it again, and the process is back. */
/* the sound server is uid 1000's pipewire.service; a socket that did not
 * run stays stopped */
#define USER_UNITS "unit user/1000/pipewire.service active=1 pid=2231\n" \
	"unit user/1000/pipewire.socket active=0\n"

static int setup_stop(void **state)
{
	return setup_with(state, USER_UNITS);
}

/* and another program plays on the HDMI audio too */
static int setup_two(void **state)
{
	return setup_with(state, USER_UNITS "proc 3000 comm=speaker-test uid=1000 "
			  "fd=dev/snd/pcmC0D3p\n");
}

static void test_stop_then_release(void **state)
{
	struct t *t = *state;
	static const char *const gpu[] = { "0000:01:00.0", NULL };
	char *before = strdup(t_snapshot(t->fx));
	struct hook_config cfg;
	struct domain_xml dom;
	struct eng_err res;

	t_config(&cfg, "[devices]\npassthrough = auto\n[holders]\nwhen_held = stop\n"
		 "stop_user_units = pipewire.socket pipewire.service\nwait_seconds = 1\n");
	t_domxml(&dom, t_xml_with(gpu));
	assert_int_equal(eng_run_prepare(t->ctx, "vm", &cfg, &dom, &res), 0);
	assert_int_equal(fk_unit_active(t->fx, "user/1000/pipewire.service"), 0);
	assert_false(fx_exists(t->fx, "proc/2231"));
	assert_string_equal(fx_driver(t->fx, HDA), "vfio-pci");
	/* only what ran was stopped */
	assert_int_equal(fk_log_find(t->fx, 0, "@stop", "user/1000/pipewire.socket"), -1);
	assert_true(fk_log_find(t->fx, 0, "@stop", "user/1000/pipewire.service") >= 0);
	assert_int_equal(eng_run_release(t->ctx, "vm", &res), 0);
	assert_int_equal(fk_unit_active(t->fx, "user/1000/pipewire.service"), 1);
	assert_int_equal(fk_unit_active(t->fx, "user/1000/pipewire.socket"), 0);
	assert_true(fx_exists(t->fx, "proc/2231"));
	assert_string_equal(fx_driver(t->fx, HDA), "snd_hda_intel");
	assert_text(t_snapshot(t->fx), before, "the host after release");
	free(before);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
}

/* What was stopped does not free the device (another program holds it
 * too): the start fails once the bound expires, naming that program, and
 * the sound server runs again. */
static void test_stop_not_enough(void **state)
{
	struct t *t = *state;
	static const char *const gpu[] = { "0000:01:00.0", NULL };
	char *before;
	struct hook_config cfg;
	struct domain_xml dom;
	struct eng_err res;
	double t0;

	before = strdup(t_snapshot(t->fx));
	t_config(&cfg, "[devices]\npassthrough = auto\n[holders]\nwhen_held = stop\n"
		 "stop_user_units = pipewire.service\nwait_seconds = 1\n");
	t_domxml(&dom, t_xml_with(gpu));
	t0 = eng_now_ms();
	assert_int_equal(eng_run_prepare(t->ctx, "vm", &cfg, &dom, &res), -ETIMEDOUT);
	assert_true(eng_now_ms() - t0 >= 1000);
	assert_contains(res.msg, HDA " is still held by 3000 (speaker-test) 1000 ms after what "
			"holds it was asked to stop");
	assert_contains(res.msg, "the host was put back as it was");
	assert_int_equal(fk_unit_active(t->fx, "user/1000/pipewire.service"), 1);
	assert_true(fx_exists(t->fx, "proc/2231"));
	assert_text(t_snapshot(t->fx), before, "the host after the failed start");
	assert_false(fx_exists(t->fx, "run/vfiohook/vm"));
	free(before);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
}

/* user = NAME takes that user's manager; root's holders never pick one */
static void test_stop_named_user(void **state)
{
	struct t *t = *state;
	static const char *const gpu[] = { "0000:01:00.0", NULL };
	struct hook_config cfg;
	struct domain_xml dom;
	struct plan plan;
	struct eng_err e;
	char d[256];
	size_t users = 0;

	t_config(&cfg, "[devices]\npassthrough = auto\n[holders]\nwhen_held = stop\n"
		 "stop_user_units = pipewire.service\nuser = 1000\n");
	t_domxml(&dom, t_xml_with(gpu));
	assert_int_equal(eng_plan_build(t->ctx, "vm", &cfg, &dom, &plan, &e), 0);
	for (size_t i = 0; i < plan.n; i++) {
		if (plan.steps[i].ops != &eng_step_user_unit_stop)
			continue;
		users++;
		eng_step_describe(&plan.steps[i], d, sizeof(d));
		assert_string_equal(d, "stop pipewire.service of uid 1000's manager");
	}
	assert_int_equal(users, 1);
	eng_plan_free(&plan);
	eng_config_free(&cfg);
	t_config(&cfg, "[devices]\npassthrough = auto\n[holders]\nwhen_held = stop\n"
		 "stop_user_units = pipewire.service\nuser = bob\n");
	assert_int_equal(eng_plan_build(t->ctx, "vm", &cfg, &dom, &plan, &e), -ENOENT);
	assert_contains(e.msg, "[holders] user 'bob' is no user of this host");
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
}

/* unload_modules, checked before anything changes: a module another
 * device of the host needs, or one a module left loaded uses, is refused
 * naming it, and nothing was written. */
static void test_modules_checked_first(void **state)
{
	struct t *t = *state;
	static const char *const gpu[] = { "0000:01:00.0", NULL };
	struct hook_config cfg;
	struct domain_xml dom;
	struct plan plan;
	struct eng_err e;

	t_domxml(&dom, t_xml_with(gpu));
	t_config(&cfg, "[devices]\npassthrough = auto\n[single-gpu]\nunload_modules = bochs\n");
	assert_int_equal(eng_plan_build(t->ctx, "vm", &cfg, &dom, &plan, &e), -EBUSY);
	assert_string_equal(e.msg, "refused: module bochs also drives 0000:00:09.0 (driver "
			    "bochs-drm), which stays with the host: unloading it would take that "
			    "device away too; remove bochs from unload_modules in " T_INI);
	eng_config_free(&cfg);
	t_config(&cfg, "[devices]\npassthrough = auto\n[single-gpu]\n"
		 "unload_modules = snd_hda_codec\n");
	assert_int_equal(eng_plan_build(t->ctx, "vm", &cfg, &dom, &plan, &e), -EBUSY);
	assert_string_equal(e.msg, "refused: module snd_hda_codec is in use by module "
			    "snd_hda_intel, which " T_INI " does not unload before it: list "
			    "snd_hda_intel before snd_hda_codec in unload_modules");
	eng_config_free(&cfg);
	/* in that order, both go */
	t_config(&cfg, "[devices]\npassthrough = auto\n[single-gpu]\n"
		 "unload_modules = snd_hda_intel snd_hda_codec\n");
	assert_int_equal(eng_plan_build(t->ctx, "vm", &cfg, &dom, &plan, &e), 0);
	eng_plan_free(&plan);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
	assert_no_writes(t->fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_ON(test_holders_named, setup_held),
		T_ON(test_bind_refuses, setup_held),
		T_ON(test_prepare_fails_at_once, setup_held),
		T_ON(test_stop_then_release, setup_stop),
		T_ON(test_stop_not_enough, setup_two),
		T_ON(test_stop_named_user, setup_stop),
		T_ON(test_modules_checked_first, setup_held),
	};

	t_init();
	return cmocka_run_group_tests_name("holders", tests, NULL, NULL);
}
