// SPDX-License-Identifier: LGPL-2.1-or-later
/* The suspend reset (suspend.c): remove the slot, S3 with a wake alarm,
 * rescan, restore; refused without S3, verified through
 * suspend_stats/success, bounded in attempts. */
#include <limits.h>

#include "testlib.h"

#define GPU "0000:01:00.0"
#define HDA "0000:01:00.1"
#define ALARM "sys/class/rtc/rtc0/wakealarm"
#define STATE "sys/power/state"

static const struct vfh_suspend_report garbage = { 77, true, 77, 77 };

static void test_can_deep_sleep(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_power_can_deep_sleep(t->ctx), 1);
	fx_write(t->fx, "sys/power/mem_sleep", "[s2idle]\n");
	assert_int_equal(vfh_power_can_deep_sleep(t->ctx), 0);
	fx_write(t->fx, "sys/power/mem_sleep", "[s2idle] shallow deep\n");
	assert_int_equal(vfh_power_can_deep_sleep(t->ctx), 1);
	/* deep offered, but "mem" not in power/state */
	fx_write(t->fx, "sys/power/state", "freeze disk\n");
	assert_int_equal(vfh_power_can_deep_sleep(t->ctx), 0);
	fx_write(t->fx, "sys/power/state", "freeze mem disk\n");
	/* a kernel without mem_sleep (no suspend support at all) */
	fx_delete(t->fx, "sys/power/mem_sleep");
	assert_int_equal(vfh_power_can_deep_sleep(t->ctx), 0);
	assert_no_writes(t->fx);
}

static void test_can_deep_sleep_errors(void **state)
{
	struct t *t = *state;

	fx_delete(t->fx, "sys/power/mem_sleep");
	/* a directory: there, but unreadable */
	fx_symlink(t->fx, "sys/power/mem_sleep", "sys/power/suspend_stats");
	assert_int_equal(vfh_power_can_deep_sleep(t->ctx), -EISDIR);
	assert_contains(vfh_ctx_errmsg(t->ctx), "cannot read /sys/power/mem_sleep");
	fx_delete(t->fx, "sys/power/mem_sleep");
	fx_write(t->fx, "sys/power/mem_sleep", "s2idle [deep]\n");
	fx_delete(t->fx, "sys/power/state");
	assert_int_equal(vfh_power_can_deep_sleep(t->ctx), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "cannot read /sys/power/state");
	fx_write(t->fx, "sys/power/state", "freeze mem disk\n");
}

/* s2idle does not cut the slot's power: refused before anything moves. */
static void test_refused_without_s3(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_suspend_report rep = garbage;

	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, NULL, &rep), -EOPNOTSUPP);
	assert_contains(vfh_ctx_errmsg(t->ctx), "suspend reset of 0000:01:00.0 refused: the host "
			"does not offer S3");
	assert_contains(vfh_ctx_errmsg(t->ctx), "mem_sleep_default=deep");
	assert_no_writes(t->fx);
	assert_int_equal(rep.attempts, 0);
	assert_false(rep.suspended);
	assert_int_equal(rep.devices, 0);
	assert_int_equal(rep.restored, 0);
	assert_driver(t->fx, GPU, "bochs-drm");
	assert_int_equal(fk_suspends(t->fx), 0);
}

static void test_suspend_reset(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_suspend_report rep = garbage;

	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, NULL, &rep), 0);
	/* deep is selected already: mem_sleep is not written */
	assert_writes(t->fx, { DEV(HDA, "remove"), "1" }, { DEV(GPU, "remove"), "1" },
		      { ALARM, "0" }, { ALARM, "+2" }, { STATE, "mem" }, { ALARM, "0" },
		      { "sys/bus/pci/rescan", "1" });
	assert_int_equal(fk_suspends(t->fx), 1);
	assert_string_equal(fk_suspend_mode(t->fx, 0), "deep");
	assert_int_equal(fk_suspends_without_alarm(t->fx), 0);
	assert_string_equal(fx_read(t->fx, "sys/power/suspend_stats/success"), "1\n");
	assert_string_equal(fx_read(t->fx, "sys/power/mem_sleep"), "s2idle [deep]\n");
	assert_string_equal(fx_read(t->fx, ALARM), "");
	assert_int_equal(rep.attempts, 1);
	assert_true(rep.suspended);
	assert_int_equal(rep.devices, 2);
	assert_int_equal(rep.restored, 2);
	assert_driver(t->fx, GPU, "bochs-drm");
	assert_driver(t->fx, HDA, "snd_hda_intel");
}

static void test_switches_to_deep_and_back(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_suspend_report rep;
	int first_remove;

	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, NULL, &rep), 0);
	assert_int_equal(fk_log_find(t->fx, 0, "sys/power/mem_sleep", "deep"), 0);
	first_remove = fk_log_find(t->fx, 0, DEV(HDA, "remove"), "1");
	assert_true(first_remove > 0);
	/* the sleep was S3, not the s2idle the host defaults to */
	assert_int_equal(fk_suspends(t->fx), 1);
	assert_string_equal(fk_suspend_mode(t->fx, 0), "deep");
	/* and the host's choice is back afterwards, as the last write */
	assert_int_equal(fk_log_find(t->fx, 1, "sys/power/mem_sleep", "s2idle"),
			 (int)fk_nwrites(t->fx) - 1);
	assert_string_equal(fx_read(t->fx, "sys/power/mem_sleep"), "[s2idle] deep\n");
	assert_true(rep.suspended);
}

static int setup_s2idle_default(void **state)
{
	return t_setup(state, "guest", "power mem_sleep=\"[s2idle] deep\"\n");
}

static void test_options(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_suspend_opts o = { .seconds = 7, .attempts = 1, .rtc = 0 };
	struct vfh_suspend_report rep;

	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, &o, &rep), 0);
	assert_int_equal(fk_log_find(t->fx, 0, ALARM, "+7"), 3);
	/* zeros mean the defaults: 2 s */
	fk_log_clear(t->fx);
	o = (struct vfh_suspend_opts){ .seconds = 0, .attempts = 0, .rtc = -1 };
	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, &o, NULL), 0);
	assert_int_equal(fk_log_find(t->fx, 0, ALARM, "+2"), 3);
	assert_int_equal(fk_suspends(t->fx), 2);
}

static void test_bad_options(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_suspend_opts o = { .seconds = 61, .attempts = 1, .rtc = -1 };
	struct vfh_suspend_report rep = garbage;

	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, &o, &rep), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "seconds must be 1..60 and attempts 1..10");
	assert_int_equal(rep.attempts, 0);
	o = (struct vfh_suspend_opts){ .seconds = 60, .attempts = 11, .rtc = -1 };
	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, &o, NULL), -EINVAL);
	o = (struct vfh_suspend_opts){ .seconds = 2, .attempts = 1, .rtc = 1 };
	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, &o, NULL), -ENODEV);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "rtc1 has no wake alarm");
	assert_no_writes(t->fx);
}

static void test_no_wake_alarm_refused(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);

	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, NULL, NULL), -ENODEV);
	assert_contains(vfh_ctx_errmsg(t->ctx), "no RTC with a wake alarm");
	assert_no_writes(t->fx);
	assert_driver(t->fx, GPU, "bochs-drm");
}

static int setup_no_rtc(void **state)
{
	return t_setup(state, "guest", "drop rtc 0\n");
}

static void test_unverifiable_refused(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);

	fx_delete(t->fx, "sys/power/suspend_stats/success");
	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, NULL, NULL), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "a suspend could not be verified; refused");
	assert_no_writes(t->fx);
	fx_write(t->fx, "sys/power/suspend_stats/success", "0\n");
}

/* The write returns but the host did not sleep: tried exactly `attempts`
 * times, then -EIO with every function back on its driver. */
static void test_attempts_are_bounded(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_suspend_opts o = { .seconds = 2, .attempts = 4, .rtc = -1 };
	struct vfh_suspend_report rep = garbage;

	fk_suspend_uncounted(t->fx, UINT_MAX);
	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, &o, &rep), -EIO);
	assert_int_equal(fk_log_count(t->fx, STATE), 4);
	assert_int_equal(fk_suspends(t->fx), 0);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "0000:01:00.0 was not reset: the host did not "
			    "suspend in 4 attempts (the write to /sys/power/state returned but "
			    "suspend_stats/success did not move); its functions are back on their "
			    "drivers");
	assert_int_equal(rep.attempts, 4);
	assert_false(rep.suspended);
	assert_int_equal(rep.devices, 2);
	assert_int_equal(rep.restored, 2);
	assert_driver(t->fx, GPU, "bochs-drm");
	assert_driver(t->fx, HDA, "snd_hda_intel");
	assert_string_equal(fx_read(t->fx, "sys/power/suspend_stats/success"), "0\n");
	/* the rescan comes after the last attempt */
	assert_int_equal(fk_log_find(t->fx, 0, "sys/bus/pci/rescan", "1"),
			 (int)fk_nwrites(t->fx) - 1);
	assert_contains(t->log, "suspend attempt 4 of 4 for 0000:01:00.0");
	/* not refused, only not counted: the delay stays as asked */
	assert_int_equal(fk_log_find(t->fx, 0, ALARM, "+4"), -1);
}

static void test_second_attempt_counts(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_suspend_report rep;

	fk_suspend_uncounted(t->fx, 1);
	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, NULL, &rep), 0);
	assert_int_equal(rep.attempts, 2);
	assert_true(rep.suspended);
	assert_int_equal(fk_log_count(t->fx, STATE), 2);
	/* the alarm left armed by the first try was cleared before the
	 * second was set (else -EBUSY) */
	assert_int_equal(fk_suspends_without_alarm(t->fx), 0);
	assert_int_equal(fk_suspends(t->fx), 1);
}

static void test_kernel_refuses_to_suspend(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_suspend_opts o = { .seconds = 2, .attempts = 2, .rtc = -1 };
	struct vfh_suspend_report rep;

	fk_suspend_fail(t->fx, 2, -EBUSY, "0000:00:01.0");
	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, &o, &rep), -EIO);
	assert_contains(vfh_ctx_errmsg(t->ctx), "did not suspend in 2 attempts (the kernel refused "
			"to suspend: Device or resource busy; last failing device 0000:00:01.0)");
	assert_int_equal(rep.attempts, 2);
	assert_int_equal(rep.restored, 2);
	assert_string_equal(fx_read(t->fx, "sys/power/suspend_stats/fail"), "2\n");
	/* the alarm was cleared after each failed try */
	assert_string_equal(fx_read(t->fx, ALARM), "");
	/* EBUSY: the second try gave the alarm twice as long */
	assert_true(fk_log_find(t->fx, 0, ALARM, "+2") >= 0);
	assert_true(fk_log_find(t->fx, 0, ALARM, "+4") > fk_log_find(t->fx, 0, ALARM, "+2"));
	assert_contains(t->log, "the next attempt sets the wake alarm to 4 s");
}

/* A task that will not freeze: said so, and no longer delay (it cannot
 * help) */
static void test_task_will_not_freeze(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_suspend_opts o = { .seconds = 2, .attempts = 2, .rtc = -1 };
	struct vfh_suspend_report rep;

	fk_suspend_fail(t->fx, 2, -EBUSY, "");
	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, &o, &rep), -EIO);
	assert_contains(vfh_ctx_errmsg(t->ctx), "did not suspend in 2 attempts (the kernel refused "
			"to suspend: Device or resource busy: a task would not freeze (the kernel "
			"log names it after \"Freezing of tasks failed\"");
	assert_string_equal(fx_read(t->fx, "sys/power/suspend_stats/last_failed_step"), "freeze\n");
	assert_int_equal(fk_log_find(t->fx, 0, ALARM, "+4"), -1);
	assert_int_equal(rep.restored, 2);
	assert_driver(t->fx, GPU, "bochs-drm");
}

static void test_wake_alarm_refused(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_suspend_report rep;

	fk_fail_write(t->fx, ALARM, 0, -EIO);
	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, NULL, &rep), -EIO);
	/* never asleep without a way to wake up */
	assert_int_equal(fk_log_count(t->fx, STATE), 0);
	assert_contains(vfh_ctx_errmsg(t->ctx), "setting the wake alarm of rtc0 failed: "
			"Input/output error");
	assert_int_equal(rep.attempts, 3);
	assert_driver(t->fx, GPU, "bochs-drm");
}

/* An alarm somebody left armed would make "+N" fail with EBUSY. */
static void test_stale_alarm_cleared(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);

	assert_int_equal(vfh_write_str(t->ctx, VFH_ROOT_SYS, "+600", "class/rtc/rtc0/wakealarm"), 0);
	fk_log_clear(t->fx);
	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, NULL, NULL), 0);
	assert_int_equal(fk_suspends(t->fx), 1);
}

static void test_remove_fails_puts_mem_sleep_back(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_suspend_report rep = garbage;

	fk_fail_write(t->fx, DEV(GPU, "remove"), 1, -EIO);
	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, NULL, &rep), -EIO);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "removing 0000:01:00.0 from the bus failed: "
			    "Input/output error");
	assert_writes(t->fx, { "sys/power/mem_sleep", "deep" }, { DEV(HDA, "remove"), "1" },
		      { DEV(GPU, "remove"), "1" }, { "sys/bus/pci/rescan", "1" },
		      { "sys/power/mem_sleep", "s2idle" });
	assert_string_equal(fx_read(t->fx, "sys/power/mem_sleep"), "[s2idle] deep\n");
	assert_int_equal(rep.devices, 0);
	assert_int_equal(fk_suspends(t->fx), 0);
	assert_driver(t->fx, GPU, "bochs-drm");
	assert_driver(t->fx, HDA, "snd_hda_intel");
}

static void test_mem_sleep_switch_refused(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);

	fk_fail_write(t->fx, "sys/power/mem_sleep", 1, -EPERM);
	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, NULL, NULL), -EPERM);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "selecting deep sleep failed: Operation not "
			    "permitted");
	assert_writes(t->fx, { "sys/power/mem_sleep", "deep" });
	assert_driver(t->fx, GPU, "bochs-drm");
}

static void test_function_lost_after_resume(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_suspend_report rep;

	fk_rescan_keep_gone(t->fx, HDA);
	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, NULL, &rep), -ETIMEDOUT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "0000:01:00.1 did not come back");
	assert_true(rep.suspended);
	assert_int_equal(rep.devices, 2);
	assert_int_equal(rep.restored, 1);
	assert_driver(t->fx, GPU, "bochs-drm");
}

static void test_missing_device(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gone = t_addr("0000:05:00.0");
	struct vfh_suspend_report rep = garbage;

	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gone, NULL, &rep), -ENODEV);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "no PCI device 0000:05:00.0");
	/* deep was switched on for nothing: switched back, nothing else */
	assert_writes(t->fx, { "sys/power/mem_sleep", "deep" }, { "sys/power/mem_sleep", "s2idle" });
	assert_int_equal(rep.devices, 0);
	assert_int_equal(fk_suspends(t->fx), 0);
}

/* The usual case: reset between two runs of a VM, the GPU on vfio-pci. */
static void test_vfio_bindings_survive(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_suspend_report rep;

	assert_int_equal(vfh_pci_suspend_reset(t->ctx, &gpu, NULL, &rep), 0);
	assert_int_equal(rep.restored, 2);
	assert_driver(t->fx, GPU, "vfio-pci");
	assert_driver(t->fx, HDA, "vfio-pci");
	assert_string_equal(fx_read(t->fx, DEV(GPU, "driver_override")), "vfio-pci\n");
	assert_string_equal(fx_read(t->fx, DEV(HDA, "driver_override")), "vfio-pci\n");
}

static int setup_gpu_on_vfio(void **state)
{
	return t_setup(state, "guest",
		       "module vfio_pci state=live\n"
		       "pci 0000:01:00.0 driver=vfio-pci native=bochs-drm override=vfio-pci\n"
		       "pci 0000:01:00.1 driver=vfio-pci native=snd_hda_intel override=vfio-pci\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_can_deep_sleep),
		T(test_can_deep_sleep_errors),
		T_ON(test_refused_without_s3, t_s2idle),
		T(test_suspend_reset),
		T_ON(test_switches_to_deep_and_back, setup_s2idle_default),
		T(test_options),
		T(test_bad_options),
		T_ON(test_no_wake_alarm_refused, setup_no_rtc),
		T(test_unverifiable_refused),
		T(test_attempts_are_bounded),
		T(test_second_attempt_counts),
		T(test_kernel_refuses_to_suspend),
		T(test_task_will_not_freeze),
		T(test_wake_alarm_refused),
		T(test_stale_alarm_cleared),
		T_ON(test_remove_fails_puts_mem_sleep_back, setup_s2idle_default),
		T_ON(test_mem_sleep_switch_refused, setup_s2idle_default),
		T(test_function_lost_after_resume),
		T_ON(test_missing_device, setup_s2idle_default),
		T_ON(test_vfio_bindings_survive, setup_gpu_on_vfio),
	};

	t_init();
	return cmocka_run_group_tests_name("suspend", tests, NULL, NULL);
}
