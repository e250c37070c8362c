// SPDX-License-Identifier: LGPL-2.1-or-later
/* The phases (hooks/phases.c) on fabricated hosts with the fake kernel:
 * prepare then release gives the host back exactly as it was; so does a
 * failure at any step, a crash at any step followed by release, and a
 * kernel that refuses; an undo that fails keeps the journal and says how
 * to recover; stopped undoes the resets alone; reconnect never writes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "testlib.h"
#include "hooktest.h"
#include "syslogcap.h"

#define NIC "0000:00:03.0"
#define GPU "0000:01:00.0"
#define HDA "0000:01:00.1"
#define DM "display-manager.service"
#define JDIR "run/vfiohook/vm"
#define JFILE JDIR "/journal"
#define RECOVER "run 'vfiohook recover vm' once fixed"

/* vfio-pci loaded already: loading it is no step of the plan, and a
 * release does not unload it (see test_vfio_module_stays) */
static int setup_host(void **state)
{
	t_syslog_clear();
	return t_setup(state, "guest", "module vfio_pci state=live\n");
}

static int setup_host_fresh(void **state)
{
	t_syslog_clear();
	return t_setup(state, "guest", NULL);
}

static const char nic_ini[] = "[devices]\npassthrough = " NIC "\n";

/* The single-GPU host of the real-kernel tier: the display manager, the
 * framebuffer console, the GPU and its audio, its module, resets. */
static const char sgpu_ini[] =
	"[devices]\npassthrough = auto\nreset = auto\n"
	"[single-gpu]\nstop_units = " DM "\nunload_modules = bochs\n";
#define SGPU_STEPS 7
static const char *const sgpu_desc[SGPU_STEPS] = {
	"stop " DM,
	"unbind the framebuffer console vtcon0",
	"bind " GPU " to vfio-pci (was bochs-drm)",
	"bind " HDA " to vfio-pci (was snd_hda_intel)",
	"unload module bochs",
	"function reset of " GPU " before release",
	"function reset of " HDA " before release",
};

static const char *gpu_xml(void)
{
	static const char *const gpu[] = { GPU, NULL };

	return t_xml_with(gpu);
}

static int prepare(struct t *t, const char *ini, const char *xml, struct eng_err *res)
{
	struct hook_config cfg;
	struct domain_xml dom = { 0 };
	int r;

	t_config(&cfg, ini);
	if (xml)
		t_domxml(&dom, xml);
	r = eng_run_prepare(t->ctx, "vm", &cfg, xml ? &dom : NULL, res);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
	assert_int_equal(r, res->err);
	return r;
}

static void prepare_ok(struct t *t, const char *ini, const char *xml)
{
	struct eng_err res;

	if (prepare(t, ini, xml, &res) < 0)
		fail_msg("prepare: %d: %s", res.err, res.msg);
	assert_string_equal(res.msg, "");
}

static void release_ok(struct t *t)
{
	struct eng_err res;

	if (eng_run_release(t->ctx, "vm", &res) < 0)
		fail_msg("release: %d: %s", res.err, res.msg);
	assert_string_equal(res.msg, "");
	assert_false(fx_exists(t->fx, JDIR));
}

static char *snap(struct t *t)
{
	char *s = strdup(t_snapshot(t->fx));

	assert_non_null(s);
	return s;
}

static void assert_host_as(struct t *t, char *before)
{
	assert_text(t_snapshot(t->fx), before, "the host after release");
	free(before);
}

/* ---- the round trip */

static void test_nic_round_trip(void **state)
{
	struct t *t = *state;
	char *before = snap(t);

	prepare_ok(t, nic_ini, NULL);
	assert_driver(t->fx, NIC, "vfio-pci");
	assert_writes(t->fx, { DEV(NIC, "driver_override"), "vfio-pci" },
		      { DRV("e1000e", "unbind"), NIC }, { "sys/bus/pci/drivers_probe", NIC });
	assert_string_equal(fx_read(t->fx, JFILE), "vfiohook-journal 2\n"
			    "begin 0 pci-bind what=0000:00:03.0 captured=1 target=vfio-pci "
			    "prior_driver=e1000e prior_override=\ndone 0\nprepared\n");
	fk_log_clear(t->fx);
	release_ok(t);
	assert_writes(t->fx, { DEV(NIC, "driver_override"), "\n" },
		      { DRV("vfio-pci", "unbind"), NIC }, { DRV("e1000e", "bind"), NIC });
	assert_host_as(t, before);
	/* the directory for every domain's journal and the lock stay */
	assert_true(fx_exists(t->fx, "run/vfiohook/lock"));
}

static void test_single_gpu_round_trip(void **state)
{
	struct t *t = *state;
	char *before = snap(t);

	prepare_ok(t, sgpu_ini, gpu_xml());
	assert_driver(t->fx, GPU, "vfio-pci");
	assert_driver(t->fx, HDA, "vfio-pci");
	assert_int_equal(fk_unit_active(t->fx, DM), 0);
	assert_false(fk_module_live(t->fx, "bochs"));
	/* fbcon let go, then left with the GPU's framebuffer */
	assert_false(fx_exists(t->fx, "sys/class/vtconsole/vtcon0"));
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon1/bind"), "1\n");
	assert_int_equal(fk_resets(t->fx, GPU), 0);
	assert_contains(fx_read(t->fx, JFILE), "\nprepared\n");
	assert_contains(t_syslog(), "vm prepare: 7 steps in ");

	fk_log_clear(t->fx);
	release_ok(t);
	/* backwards: resets while on vfio-pci, the module back before the
	 * GPU needs its driver, the console once the framebuffer is back
	 * (fbcon bound itself: no write), the display manager last */
	assert_writes(t->fx, { DEV(HDA, "reset"), "1" }, { DEV(GPU, "reset"), "1" },
		      { "@modprobe", "bochs" },
		      { DEV(HDA, "driver_override"), "\n" }, { DRV("vfio-pci", "unbind"), HDA },
		      { DRV("snd_hda_intel", "bind"), HDA },
		      { DEV(GPU, "driver_override"), "\n" }, { DRV("vfio-pci", "unbind"), GPU },
		      { DRV("bochs-drm", "bind"), GPU },
		      { "@start", DM });
	assert_int_equal(fk_resets(t->fx, GPU), 1);
	assert_int_equal(fk_resets(t->fx, HDA), 1);
	assert_host_as(t, before);
}

/* The firmware framebuffer too, and the console on a UEFI host */
static void test_single_gpu_efifb_round_trip(void **state)
{
	struct t *t = *state;
	char *before = snap(t);

	prepare_ok(t, sgpu_ini, gpu_xml());
	assert_string_equal(fx_readlink(t->fx, "sys/bus/platform/devices/efi-framebuffer.0/driver")
			    ? "bound" : "unbound", "unbound");
	assert_false(fx_exists(t->fx, "sys/class/vtconsole/vtcon1"));
	release_ok(t);
	assert_host_as(t, before);
}

static int setup_efifb(void **state)
{
	t_syslog_clear();
	return t_setup(state, "efifb", "module vfio_pci state=live\n");
}

/* simpledrm on simple-framebuffer.0 (kernels >= 5.15), fbcon on it, the
 * GPU without a driver: the framebuffer is unbound with the console and
 * both come back on release */
static void test_single_gpu_simpledrm_round_trip(void **state)
{
	struct t *t = *state;
	char *before = snap(t);

	prepare_ok(t, "[devices]\npassthrough = auto\n[single-gpu]\nstop_units = " DM "\n",
		   gpu_xml());
	assert_contains(fx_read(t->fx, JFILE), " fb-unbind what=simple-framebuffer.0 captured=1 "
			"target=simple-framebuffer was_on=1\n");
	assert_false(fx_readlink(t->fx, "sys/bus/platform/devices/simple-framebuffer.0/driver"));
	/* fbcon lost its last framebuffer and left */
	assert_false(fx_exists(t->fx, "sys/class/vtconsole/vtcon1"));
	assert_driver(t->fx, GPU, "vfio-pci");
	fk_log_clear(t->fx);
	release_ok(t);
	assert_non_null(fx_readlink(t->fx, "sys/bus/platform/devices/simple-framebuffer.0/driver"));
	assert_contains(fx_readlink(t->fx, "sys/bus/platform/devices/simple-framebuffer.0/driver"),
			"/bus/platform/drivers/simple-framebuffer");
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon1/bind"), "1\n");
	assert_driver(t->fx, GPU, "");
	assert_host_as(t, before);
}

static int setup_simpledrm(void **state)
{
	t_syslog_clear();
	return t_setup(state, "simpledrm", "module vfio_pci state=live\n");
}

/* fbcon comes back under another vtconN (its old slot not yet free): the
 * console is bound wherever it now is, and that is all that differs */
static void test_fbcon_returns_elsewhere(void **state)
{
	struct t *t = *state;
	char *before = snap(t), *want;

	fk_vtcon_slot_lingers(t->fx);
	prepare_ok(t, sgpu_ini, gpu_xml());
	release_ok(t);
	want = t_subst(before, "vtcon vtcon0 name=(M) frame buffer device bind=1\n", "");
	free(before);
	before = t_subst(want, "vtcon vtcon1 name=(M) dummy device bind=0\n",
			 "vtcon vtcon1 name=(M) dummy device bind=0\n"
			 "vtcon vtcon2 name=(M) frame buffer device bind=1\n");
	free(want);
	assert_host_as(t, before);
}

/* Another framebuffer keeps fbcon registered but unbound while the VM
 * runs; on the guest only releasing the dummy gives it the VTs back */
static void test_fbcon_stays_unbound(void **state)
{
	struct t *t = *state;
	char *before = snap(t);

	prepare_ok(t, "[devices]\npassthrough = auto\n[single-gpu]\nunbind_framebuffers = no\n",
		   gpu_xml());
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon0/bind"), "0\n");
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon1/bind"), "1\n");
	fk_log_clear(t->fx);
	release_ok(t);
	assert_true(fk_log_find(t->fx, 0, "sys/class/vtconsole/vtcon0/bind", "1") >= 0);
	assert_true(fk_log_find(t->fx, 0, "sys/class/vtconsole/vtcon1/bind", "0") >= 0);
	assert_host_as(t, before);
}

static int setup_guest_efifb(void **state)
{
	t_syslog_clear();
	return t_setup(state, "guest", "module vfio_pci state=live\n"
		       "platform efi-framebuffer.0 driver=efi-framebuffer bound=1 fb=1\n");
}

/* Loading vfio-pci is the bind's doing, not a step: it stays loaded */
static void test_vfio_module_stays(void **state)
{
	struct t *t = *state;

	assert_false(fk_module_live(t->fx, "vfio_pci"));
	prepare_ok(t, nic_ini, NULL);
	assert_int_equal(fk_log_find(t->fx, 0, "@modprobe", "vfio_pci"), 0);
	release_ok(t);
	assert_driver(t->fx, NIC, "e1000e");
	assert_true(fk_module_live(t->fx, "vfio_pci"));
}

/* A suspend reset at prepare: the INI's seconds reach the wake alarm, and
 * the slot comes back on vfio-pci */
static void test_suspend_reset_at_prepare(void **state)
{
	struct t *t = *state;
	char *before = snap(t);

	prepare_ok(t, "[devices]\npassthrough = auto\nreset = suspend\nreset_at = prepare\n"
		   "suspend_seconds = 5\nsuspend_attempts = 2\n[single-gpu]\n"
		   "unbind_vtconsoles = no\n", gpu_xml());
	assert_int_equal(fk_suspends(t->fx), 1);
	assert_string_equal(fk_suspend_mode(t->fx, 0), "deep");
	assert_true(fk_log_find(t->fx, 0, "sys/class/rtc/rtc0/wakealarm", "+5") >= 0);
	assert_driver(t->fx, GPU, "vfio-pci");
	assert_driver(t->fx, HDA, "vfio-pci");
	fk_log_clear(t->fx);
	release_ok(t);
	/* reset_at = prepare: none at release */
	assert_int_equal(fk_suspends(t->fx), 1);
	assert_int_equal(fk_log_find(t->fx, 0, "sys/power/state", NULL), -1);
	assert_host_as(t, before);
}

/* ---- failures during prepare */

static void write_fault(struct t *t, const char *text)
{
	fx_write(t->fx, "run/vfiohook-test.fault", text);
}

static void fail_at(struct t *t, int k)
{
	struct eng_err res;
	char *before = snap(t), want[1024], fault[32];

	snprintf(fault, sizeof(fault), "fail-at=%d\n", k);
	write_fault(t, fault);
	assert_int_equal(prepare(t, sgpu_ini, gpu_xml(), &res), -EIO);
	snprintf(want, sizeof(want), "vm: step %d of %d (%s) failed: injected failure (test "
		 "build); the host was put back as it was", k, SGPU_STEPS, sgpu_desc[k - 1]);
	assert_string_equal(res.msg, want);
	assert_false(fx_exists(t->fx, JDIR));
	assert_host_as(t, before);
	/* and a release after it has nothing to do */
	fk_log_clear(t->fx);
	release_ok(t);
	assert_no_writes(t->fx);
}

#define FAIL_AT(k) static void test_fail_at_##k(void **state) { fail_at(*state, k); }
FAIL_AT(1)
FAIL_AT(2)
FAIL_AT(3)
FAIL_AT(4)
FAIL_AT(5)
FAIL_AT(6)
FAIL_AT(7)

/* A failing kernel: the library's line, the step, and all put back */
static void test_unit_stop_fails(void **state)
{
	struct t *t = *state;
	struct eng_err res;
	char *before = snap(t);

	fk_fail_unit(t->fx, DM, "stop", -EIO);
	assert_int_equal(prepare(t, sgpu_ini, gpu_xml(), &res), -EIO);
	assert_string_equal(res.msg, "vm: step 1 of 7 (stop " DM ") failed: stop " DM " failed: "
			    "Input/output error; the host was put back as it was");
	assert_false(fx_exists(t->fx, JDIR));
	assert_host_as(t, before);
}

static void test_module_unload_fails(void **state)
{
	struct t *t = *state;
	struct eng_err res;
	char *before = snap(t);

	fk_fail_module(t->fx, "bochs", false, -EBUSY);
	assert_int_equal(prepare(t, sgpu_ini, gpu_xml(), &res), -EBUSY);
	assert_string_equal(res.msg, "vm: step 5 of 7 (unload module bochs) failed: unloading "
			    "module bochs failed: Device or resource busy; the host was put back "
			    "as it was");
	assert_false(fx_exists(t->fx, JDIR));
	assert_host_as(t, before);
}

static void test_vfio_probe_fails(void **state)
{
	struct t *t = *state;
	struct eng_err res;
	char *before = snap(t);

	fk_refuse_probe(t->fx, "vfio-pci", -EIO);
	assert_int_equal(prepare(t, sgpu_ini, gpu_xml(), &res), -ETIMEDOUT);
	assert_string_equal(res.msg, "vm: step 3 of 7 (bind " GPU " to vfio-pci (was bochs-drm)) "
			    "failed: " GPU " was not on vfio-pci within 50 ms (the wait bound); it "
			    "is on no driver (the driver's probe may have failed: journalctl -k); "
			    "the host was put back as it was");
	assert_false(fx_exists(t->fx, JDIR));
	assert_host_as(t, before);
}

static void test_console_declines(void **state)
{
	struct t *t = *state;
	struct eng_err res;
	char *before = snap(t);

	fk_vtcon_decline(t->fx, 0);
	assert_int_equal(prepare(t, sgpu_ini, gpu_xml(), &res), -EIO);
	assert_string_equal(res.msg, "vm: step 2 of 7 (unbind the framebuffer console vtcon0) "
			    "failed: vtcon0 is still bound after writing 0 to its bind file; the "
			    "host was put back as it was");
	assert_false(fx_exists(t->fx, JDIR));
	assert_host_as(t, before);
}

/* The rollback itself fails: the journal stays, the line says so */
static void test_rollback_fails(void **state)
{
	struct t *t = *state;
	struct eng_err res;

	fk_fail_module(t->fx, "bochs", false, -EBUSY);
	fk_fail_unit(t->fx, DM, "start", -EIO);
	assert_int_equal(prepare(t, sgpu_ini, gpu_xml(), &res), -EBUSY);
	assert_string_equal(res.msg, "vm: step 5 of 7 (unload module bochs) failed: unloading "
			    "module bochs failed: Device or resource busy; and undoing step 1 (stop "
			    DM ") failed: start " DM " failed: Input/output error: " RECOVER);
	assert_true(fx_exists(t->fx, JFILE));
	assert_int_equal(fk_unit_active(t->fx, DM), 0);
	/* everything else went back */
	assert_driver(t->fx, GPU, "bochs-drm");
	assert_driver(t->fx, HDA, "snd_hda_intel");
}

/* ---- release */

static void test_undo_fails_keeps_journal(void **state)
{
	struct t *t = *state;
	struct eng_err res;
	char *before = snap(t);
	struct journal j;

	prepare_ok(t, sgpu_ini, gpu_xml());
	fk_fail_unit(t->fx, DM, "start", -EIO);
	assert_int_equal(eng_run_release(t->ctx, "vm", &res), -EIO);
	{
		char want[1024];

		snprintf(want, sizeof(want), "vm: release: undoing step 1 (stop " DM ") failed: "
			 "start " DM " failed: Input/output error; what is left is kept in %s: "
			 RECOVER, t_abs(t->fx, JDIR));
		assert_string_equal(res.msg, want);
	}
	/* the rest was undone and says so */
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_int_equal(eng_journal_pending(&j), 1);
	assert_false(j.e[0].undone);
	for (size_t i = 1; i < j.n; i++)
		assert_true(j.e[i].undone);
	eng_journal_close(&j);
	assert_driver(t->fx, GPU, "bochs-drm");
	/* fixed: what recover does is a release */
	fk_fail_unit(t->fx, DM, "start", 0);
	fk_log_clear(t->fx);
	release_ok(t);
	assert_writes(t->fx, { "@start", DM });
	assert_host_as(t, before);
}

static void test_release_without_journal(void **state)
{
	struct t *t = *state;
	struct eng_err res = { 1, "x" };

	assert_int_equal(eng_run_release(t->ctx, "vm", &res), 0);
	assert_int_equal(res.err, 0);
	assert_string_equal(res.msg, "");
	assert_int_equal(eng_run_stopped(t->ctx, "vm", &res), 0);
	assert_no_writes(t->fx);
	assert_false(fx_exists(t->fx, JDIR));
}

static void test_second_release(void **state)
{
	struct t *t = *state;
	char *before = snap(t);

	prepare_ok(t, sgpu_ini, gpu_xml());
	release_ok(t);
	fk_log_clear(t->fx);
	release_ok(t);
	assert_no_writes(t->fx);
	assert_host_as(t, before);
}

static void test_release_after_refused_prepare(void **state)
{
	struct t *t = *state;
	struct eng_err res;

	/* the boot display without [single-gpu]: refused before any step */
	assert_int_equal(prepare(t, "[devices]\npassthrough = auto\n", gpu_xml(), &res), -EBUSY);
	assert_contains(res.msg, "vm: refused: " GPU " is the host's boot display");
	assert_no_writes(t->fx);
	assert_false(fx_exists(t->fx, JDIR));
	release_ok(t);
	assert_no_writes(t->fx);
}

static void test_corrupt_journal_at_release(void **state)
{
	struct t *t = *state;
	struct eng_err res;

	t_mkdirs(t->fx, JDIR);
	fx_write(t->fx, JFILE, "not a journal\n");
	assert_int_equal(eng_run_release(t->ctx, "vm", &res), -EBADMSG);
	{
		char want[1024];

		snprintf(want, sizeof(want), "vm: its journal in %s cannot be read (line 1: not a "
			 "vfiohook journal header (version 2 expected)); the devices may still be on "
			 "vfio-pci: inspect it, fix or remove it, then run 'vfiohook recover vm'",
			 t_abs(t->fx, JDIR));
		assert_string_equal(res.msg, want);
		assert_string_equal(fx_read(t->fx, JFILE), "not a journal\n");
		/* prepare will not start over it either */
		assert_int_equal(prepare(t, nic_ini, NULL, &res), -EBADMSG);
		snprintf(want, sizeof(want), "vm: cannot read its journal in %s (line 1: not a "
			 "vfiohook journal header (version 2 expected)); inspect it, then run "
			 "'vfiohook recover vm'", t_abs(t->fx, JDIR));
		assert_string_equal(res.msg, want);
	}
	assert_no_writes(t->fx);
}

/* A prepare the host never released (no reboot in between): undone
 * first, then done afresh */
static void test_stale_journal_at_prepare(void **state)
{
	struct t *t = *state;
	char *before = snap(t);
	struct journal j;

	prepare_ok(t, nic_ini, NULL);
	fk_log_clear(t->fx);
	t_syslog_clear();
	prepare_ok(t, nic_ini, NULL);
	assert_writes(t->fx, { DEV(NIC, "driver_override"), "\n" },
		      { DRV("vfio-pci", "unbind"), NIC }, { DRV("e1000e", "bind"), NIC },
		      { DEV(NIC, "driver_override"), "vfio-pci" },
		      { DRV("e1000e", "unbind"), NIC }, { "sys/bus/pci/drivers_probe", NIC });
	assert_contains(t_syslog(), "vm prepare: a journal from an earlier start is still there; "
			"undoing it first");
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_int_equal(j.n, 1);
	assert_true(j.prepared);
	assert_false(j.e[0].undone);
	{
		char enc[512];

		assert_int_equal(eng_step_encode(&j.e[0].step, enc, sizeof(enc)), 0);
		assert_contains(enc, " prior_driver=e1000e ");
	}
	eng_journal_close(&j);
	release_ok(t);
	assert_host_as(t, before);
}

/* ---- a crash at any step, then release */

/* What prepare had written when it died: steps before k applied and
 * done, step k begun (and applied, when applied). */
static void crash_at(struct t *t, size_t k, bool applied)
{
	struct hook_config cfg;
	struct domain_xml dom;
	struct plan plan;
	struct journal j;
	struct eng_err e = { 0 };

	t_config(&cfg, sgpu_ini);
	t_domxml(&dom, gpu_xml());
	assert_int_equal(eng_plan_build(t->ctx, "vm", &cfg, &dom, &plan, &e), 0);
	assert_int_equal(plan.n, SGPU_STEPS);
	assert_int_equal(eng_journal_create(t->ctx, "vm", &j), 0);
	for (size_t i = 0; i <= k && i < plan.n; i++) {
		assert_int_equal(eng_step_capture(t->ctx, &plan.steps[i]), 0);
		assert_int_equal(eng_journal_begin(&j, &plan.steps[i]), 0);
		if (i < k || applied) {
			if (eng_step_apply(t->ctx, &plan.steps[i]) < 0)
				fail_msg("step %zu: %s", i + 1, vfh_ctx_errmsg(t->ctx));
		}
		if (i < k)
			assert_int_equal(eng_journal_done(&j, i), 0);
	}
	eng_journal_close(&j);
	eng_plan_free(&plan);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
}

static void crash_then_release(struct t *t, size_t k, bool applied)
{
	char *before = snap(t);

	crash_at(t, k, applied);
	release_ok(t);
	assert_host_as(t, before);
}

#define CRASH(k)                                                                   \
	static void test_crash_before_done_##k(void **state)                       \
	{ crash_then_release(*state, k - 1, true); }                               \
	static void test_crash_before_apply_##k(void **state)                      \
	{ crash_then_release(*state, k - 1, false); }
CRASH(1)
CRASH(2)
CRASH(3)
CRASH(4)
CRASH(5)
CRASH(6)
CRASH(7)

/* The crash cut the begin record itself: that step never began */
static void test_crash_tearing_a_record(void **state)
{
	struct t *t = *state;
	char *before = snap(t);
	int fd;

	crash_at(t, 2, false);
	/* step 3's record was the torn one: drop it and leave half a line */
	{
		const char *text = fx_read(t->fx, JFILE);
		char *copy = strdup(text);
		char *last = copy + strlen(copy) - 1;

		while (last > copy && last[-1] != '\n')
			last--;
		strcpy(last, "begin 2 pci-bind what=0000:0");
		fx_write(t->fx, JFILE, copy);
		free(copy);
	}
	fd = open(t_abs(t->fx, JFILE), O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	release_ok(t);
	assert_host_as(t, before);
}

/* ---- stopped: the resets, while the devices are still on vfio-pci */

static void test_stopped_does_the_resets(void **state)
{
	struct t *t = *state;
	struct eng_err res;
	struct journal j;
	char *before = snap(t);

	prepare_ok(t, "[devices]\npassthrough = " NIC "\nreset = auto\n", NULL);
	assert_int_equal(fk_resets(t->fx, NIC), 0);
	fk_log_clear(t->fx);
	assert_int_equal(eng_run_stopped(t->ctx, "vm", &res), 0);
	assert_writes(t->fx, { DEV(NIC, "reset"), "1" });
	assert_driver(t->fx, NIC, "vfio-pci");
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_int_equal(eng_journal_pending(&j), 1);
	assert_true(j.e[1].undone);
	eng_journal_close(&j);
	/* twice: nothing more */
	fk_log_clear(t->fx);
	assert_int_equal(eng_run_stopped(t->ctx, "vm", &res), 0);
	assert_no_writes(t->fx);
	release_ok(t);
	assert_int_equal(fk_resets(t->fx, NIC), 1);
	assert_int_equal(fk_log_find(t->fx, 0, DEV(NIC, "reset"), NULL), -1);
	assert_host_as(t, before);
}

static void test_stopped_after_reset_at_prepare(void **state)
{
	struct t *t = *state;
	struct eng_err res;

	prepare_ok(t, "[devices]\npassthrough = " NIC "\nreset = auto\nreset_at = prepare\n", NULL);
	assert_int_equal(fk_resets(t->fx, NIC), 1);
	fk_log_clear(t->fx);
	assert_int_equal(eng_run_stopped(t->ctx, "vm", &res), 0);
	assert_no_writes(t->fx);
	release_ok(t);
	assert_int_equal(fk_resets(t->fx, NIC), 1);
}

static void test_stopped_reset_at_both(void **state)
{
	struct t *t = *state;
	struct eng_err res;

	prepare_ok(t, "[devices]\npassthrough = " NIC "\nreset = auto\nreset_at = both\n", NULL);
	assert_int_equal(fk_resets(t->fx, NIC), 1);
	assert_int_equal(eng_run_stopped(t->ctx, "vm", &res), 0);
	assert_int_equal(fk_resets(t->fx, NIC), 2);
	release_ok(t);
	assert_int_equal(fk_resets(t->fx, NIC), 2);
}

/* The journal's last entry a prepare-only reset: stopped skips it and
 * still does the release-time reset before it (0.1.0 stopped at the first
 * entry that did not belong to stopped, and the reset then ran only after
 * libvirt had handed managed devices back). */
static void test_stopped_skips_prepare_only_reset(void **state)
{
	struct t *t = *state;
	struct eng_err res;
	char *before = snap(t);

	prepare_ok(t, "[devices]\npassthrough = " NIC " 0000:00:04.0\nreset = auto\n"
		   "[device 0000:00:04.0]\nreset_at = prepare\n", NULL);
	assert_int_equal(fk_resets(t->fx, NIC), 0);
	assert_int_equal(fk_resets(t->fx, "0000:00:04.0"), 1);
	assert_int_equal(eng_run_stopped(t->ctx, "vm", &res), 0);
	assert_int_equal(fk_resets(t->fx, NIC), 1);
	assert_driver(t->fx, NIC, "vfio-pci");
	release_ok(t);
	assert_int_equal(fk_resets(t->fx, NIC), 1);
	assert_int_equal(fk_resets(t->fx, "0000:00:04.0"), 1);
	assert_host_as(t, before);
}

/* A reset that fails before release is logged and not retried: a later
 * release could not make it succeed, and keeping the journal would keep
 * the device on vfio-pci for good.  The device still goes back. */
static void test_stopped_reset_fails(void **state)
{
	struct t *t = *state;
	struct eng_err res;
	char *before = snap(t);

	prepare_ok(t, "[devices]\npassthrough = " NIC "\nreset = auto\n", NULL);
	fk_fail_write(t->fx, DEV(NIC, "reset"), 1, -ENOTTY);
	assert_int_equal(eng_run_stopped(t->ctx, "vm", &res), 0);
	assert_driver(t->fx, NIC, "vfio-pci");
	assert_non_null(strstr(t_syslog(), "<3> vm stopped: function reset of " NIC " before "
				"release failed: resetting " NIC " failed: Inappropriate ioctl for "
				"device"));
	assert_non_null(strstr(t_syslog(), "the device is given back anyway"));
	release_ok(t);
	/* the failed reset was not tried again at release */
	assert_int_equal(fk_resets(t->fx, NIC), 0);
	assert_host_as(t, before);
}

/* A function reset the device does not have: refused before anything
 * moves; otherwise every release (and recover) fails on it and the
 * devices stay on vfio-pci for good */
static void test_reset_without_method(void **state)
{
	struct t *t = *state;
	struct eng_err res, rel1, rel2;

	if (prepare(t, "[devices]\npassthrough = 0000:02:01.0\nreset = auto\n", NULL, &res) < 0) {
		assert_false(fx_exists(t->fx, JDIR));
		assert_driver(t->fx, "0000:02:01.0", "e1000");
		return;
	}
	eng_run_release(t->ctx, "vm", &rel1);
	eng_run_release(t->ctx, "vm", &rel2);
	fail_msg("prepare took it; then release: %d '%s'; again: %d '%s'; 02:01.0 is on %s",
		 rel1.err, rel1.msg, rel2.err, rel2.msg, fx_driver(t->fx, "0000:02:01.0"));
}

/* ---- reconnect: libvirtd restarted under a running domain */

static void test_reconnect_never_writes(void **state)
{
	struct t *t = *state;
	struct hook_config cfg;
	struct eng_err res = { 1, "x" };
	char *journal;

	prepare_ok(t, sgpu_ini, gpu_xml());
	journal = strdup(fx_read(t->fx, JFILE));
	fk_log_clear(t->fx);
	t_syslog_clear();
	t_config(&cfg, sgpu_ini);
	assert_int_equal(eng_run_reconnect(t->ctx, "vm", &cfg, &res), 0);
	assert_int_equal(res.err, 0);
	assert_string_equal(res.msg, "");
	assert_no_writes(t->fx);
	assert_string_equal(fx_read(t->fx, JFILE), journal);
	assert_contains(t_syslog(), "vm reconnect: journal consistent, nothing changed");
	/* a device someone moved meanwhile: said, not changed */
	assert_int_equal(vfh_pci_unbind(t->ctx, &(struct vfh_pci_addr){ 0, 1, 0, 1 }), 0);
	fk_log_clear(t->fx);
	assert_int_equal(eng_run_reconnect(t->ctx, "vm", &cfg, &res), 0);
	assert_no_writes(t->fx);
	assert_contains(t_syslog(), "vm reconnect: " HDA " is on no driver, the journal says "
			"vfio-pci");
	/* every claim is checked by its kind: a unit the journal stopped */
	assert_int_equal(vfh_unit_start(t->ctx, DM), 0);
	fk_log_clear(t->fx);
	t_syslog_clear();
	assert_int_equal(eng_run_reconnect(t->ctx, "vm", &cfg, &res), 0);
	assert_no_writes(t->fx);
	assert_contains(t_syslog(), "vm reconnect: " DM " runs again, the journal stopped it");
	assert_contains(t_syslog(), "vm reconnect: 2 steps no longer as the journal says; nothing "
			"changed");
	assert_string_equal(fx_read(t->fx, JFILE), journal);
	eng_config_free(&cfg);
	free(journal);
}

static void test_reconnect_without_or_with_bad_journal(void **state)
{
	struct t *t = *state;
	struct hook_config cfg;
	struct eng_err res;

	t_config(&cfg, nic_ini);
	assert_int_equal(eng_run_reconnect(t->ctx, "vm", &cfg, &res), 0);
	assert_contains(t_syslog(), "vm reconnect: running without a vfiohook journal");
	assert_int_equal(eng_run_reconnect(t->ctx, "vm", NULL, &res), 0);
	t_mkdirs(t->fx, JDIR);
	fx_write(t->fx, JFILE, "garbage\n");
	assert_int_equal(eng_run_reconnect(t->ctx, "vm", &cfg, &res), 0);
	assert_contains(t_syslog(), "vm reconnect: its journal cannot be read (line 1: not a "
			"vfiohook journal header (version 2 expected))");
	assert_string_equal(fx_read(t->fx, JFILE), "garbage\n");
	assert_no_writes(t->fx);
	eng_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_ON(test_nic_round_trip, setup_host),
		T_ON(test_single_gpu_round_trip, setup_host),
		T_ON(test_single_gpu_efifb_round_trip, setup_efifb),
		T_ON(test_single_gpu_simpledrm_round_trip, setup_simpledrm),
		T_ON(test_fbcon_returns_elsewhere, setup_host),
		T_ON(test_fbcon_stays_unbound, setup_guest_efifb),
		T_ON(test_vfio_module_stays, setup_host_fresh),
		T_ON(test_suspend_reset_at_prepare, setup_host),
		T_ON(test_fail_at_1, setup_host),
		T_ON(test_fail_at_2, setup_host),
		T_ON(test_fail_at_3, setup_host),
		T_ON(test_fail_at_4, setup_host),
		T_ON(test_fail_at_5, setup_host),
		T_ON(test_fail_at_6, setup_host),
		T_ON(test_fail_at_7, setup_host),
		T_ON(test_unit_stop_fails, setup_host),
		T_ON(test_module_unload_fails, setup_host),
		T_ON(test_vfio_probe_fails, setup_host),
		T_ON(test_console_declines, setup_host),
		T_ON(test_rollback_fails, setup_host),
		T_ON(test_undo_fails_keeps_journal, setup_host),
		T_ON(test_release_without_journal, setup_host),
		T_ON(test_second_release, setup_host),
		T_ON(test_release_after_refused_prepare, setup_host),
		T_ON(test_corrupt_journal_at_release, setup_host),
		T_ON(test_stale_journal_at_prepare, setup_host),
		T_ON(test_crash_before_apply_1, setup_host),
		T_ON(test_crash_before_done_1, setup_host),
		T_ON(test_crash_before_apply_2, setup_host),
		T_ON(test_crash_before_done_2, setup_host),
		T_ON(test_crash_before_apply_3, setup_host),
		T_ON(test_crash_before_done_3, setup_host),
		T_ON(test_crash_before_apply_4, setup_host),
		T_ON(test_crash_before_done_4, setup_host),
		T_ON(test_crash_before_apply_5, setup_host),
		T_ON(test_crash_before_done_5, setup_host),
		T_ON(test_crash_before_apply_6, setup_host),
		T_ON(test_crash_before_done_6, setup_host),
		T_ON(test_crash_before_apply_7, setup_host),
		T_ON(test_crash_before_done_7, setup_host),
		T_ON(test_crash_tearing_a_record, setup_host),
		T_ON(test_stopped_does_the_resets, setup_host),
		T_ON(test_stopped_after_reset_at_prepare, setup_host),
		T_ON(test_stopped_reset_at_both, setup_host),
		T_ON(test_stopped_reset_fails, setup_host),
		T_ON(test_stopped_skips_prepare_only_reset, setup_host),
		T_ON(test_reset_without_method, setup_host),
		T_ON(test_reconnect_never_writes, setup_host),
		T_ON(test_reconnect_without_or_with_bad_journal, setup_host),
	};

	t_init();
	return cmocka_run_group_tests_name("run", tests, NULL, NULL);
}
