// SPDX-License-Identifier: LGPL-2.1-or-later
/* Suspend-based reset: a card without a working reset (AMD RX 7000) is
 * taken off the bus, the host sleeps in S3 for a few seconds (power to the
 * slot drops) and wakes on an RTC alarm, and the card is found afresh.
 * Every step is checked: S3 offered, the sleep really happened, every
 * function came back on its driver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* mem_sleep reads like "s2idle [deep]": the bracketed one is selected. */
static int mem_sleep(struct vfh_ctx *ctx, bool *offered, char *current, size_t clen)
{
	char buf[128], *tok, *save;
	int r = vfh_read_str(ctx, VFH_ROOT_SYS, buf, sizeof(buf), "power/mem_sleep");

	*offered = false;
	if (clen)
		current[0] = '\0';
	if (r < 0)
		return r;
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		size_t n = strlen(tok);

		if (n > 2 && tok[0] == '[' && tok[n - 1] == ']') {
			tok[n - 1] = '\0';
			tok++;
			snprintf(current, clen, "%s", tok);
		}
		if (strcmp(tok, "deep") == 0)
			*offered = true;
	}
	return 0;
}

VFH_EXPORT int vfh_power_can_deep_sleep(struct vfh_ctx *ctx)
{
	char state[128];
	bool offered;
	int r;

	vfh_enter(ctx);
	r = mem_sleep(ctx, &offered, NULL, 0);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read /sys/power/mem_sleep: %s", strerror(-r));
	if (!offered)
		return 0;
	r = vfh_read_str(ctx, VFH_ROOT_SYS, state, sizeof(state), "power/state");
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read /sys/power/state: %s", strerror(-r));
	return strstr(state, "mem") != NULL;
}

static int find_rtc(struct vfh_ctx *ctx, int want)
{
	if (want >= 0) {
		if (vfh_exists(ctx, VFH_ROOT_SYS, "class/rtc/rtc%d/wakealarm", want) == 1)
			return want;
		return vfh_fail(ctx, -ENODEV, "rtc%d has no wake alarm", want);
	}
	for (int i = 0; i < 8; i++)
		if (vfh_exists(ctx, VFH_ROOT_SYS, "class/rtc/rtc%d/wakealarm", i) == 1)
			return i;
	return vfh_fail(ctx, -ENODEV, "no RTC with a wake alarm (/sys/class/rtc/rtcN/wakealarm): "
			"the host could not wake itself up; suspend reset refused");
}

/* One try; *freeze set when a task would not freeze (no delay helps). */
static int suspend_once(struct vfh_ctx *ctx, int rtc, unsigned int seconds,
			char *why, size_t wlen, bool *freeze)
{
	char alarm[16];
	int r;

	/* an alarm left set makes the next write fail with EBUSY */
	vfh_write_str(ctx, VFH_ROOT_SYS, "0", "class/rtc/rtc%d/wakealarm", rtc);
	snprintf(alarm, sizeof(alarm), "+%u", seconds);
	r = vfh_write_str(ctx, VFH_ROOT_SYS, alarm, "class/rtc/rtc%d/wakealarm", rtc);
	if (r < 0) {
		snprintf(why, wlen, "setting the wake alarm of rtc%d failed: %s", rtc, strerror(-r));
		return r;
	}
	vfh_info(ctx, "suspending to RAM, rtc%d wakes the host in %u s", rtc, seconds);
	/* returns after resume, or at once with the reason the kernel gave up */
	r = vfh_write_str(ctx, VFH_ROOT_SYS, "mem", "power/state");
	vfh_write_str(ctx, VFH_ROOT_SYS, "0", "class/rtc/rtc%d/wakealarm", rtc);
	if (r < 0) {
		char dev[128] = "", step[32] = "";

		vfh_read_str(ctx, VFH_ROOT_SYS, dev, sizeof(dev), "power/suspend_stats/last_failed_dev");
		vfh_read_str(ctx, VFH_ROOT_SYS, step, sizeof(step),
			     "power/suspend_stats/last_failed_step");
		*freeze = strcmp(step, "freeze") == 0;
		if (*freeze)
			/* a process in the kernel (a dead NFS or 9p mount, a
			 * hung device) cannot be frozen: no retry helps */
			snprintf(why, wlen, "the kernel refused to suspend: %s: a task would not "
				 "freeze (the kernel log names it after \"Freezing of tasks "
				 "failed\"; a process stuck on a network mount or a hung device)",
				 strerror(-r));
		else
			snprintf(why, wlen, "the kernel refused to suspend: %s%s%s", strerror(-r),
				 *dev ? "; last failing device " : "", dev);
	}
	return r;
}

VFH_EXPORT int vfh_pci_suspend_reset_sz(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr,
					const struct vfh_suspend_opts *opts, size_t opts_size,
					struct vfh_suspend_report *report, size_t report_size)
{
	struct vfh_suspend_report rep = { 0 };
	struct vfh_suspend_opts o = { 2, 3, -1 };
	struct vfh_pci_removed *removed = NULL;
	char a[VFH_PCI_ADDR_MAX], why[256] = "";
	char prior_sleep[32];
	bool offered, switched = false;
	size_t n = 0;
	uint64_t before, after;
	unsigned int delay;
	int rtc, r, err = 0;

	vfh_enter(ctx);
	if (report && report_size == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_suspend_reset: report of size 0");
	if (report)
		vfh_struct_out(report, report_size, &rep, sizeof(rep));
	if (!addr || (opts && opts_size == 0))
		return vfh_fail(ctx, -EINVAL, "vfh_pci_suspend_reset: no address, or options "
				"of size 0");
	if (opts) {
		/* fields an older caller does not know keep their defaults */
		r = vfh_struct_in(&o, sizeof(o), opts, opts_size);
		if (r < 0)
			return vfh_fail(ctx, r, "suspend reset: the options set fields this "
					"library does not know (%zu bytes, it knows %zu)",
					opts_size, sizeof(o));
		if (!o.seconds)
			o.seconds = 2;
		if (!o.attempts)
			o.attempts = 3;
	}
	vfh_addr_str(addr, a);
	if (o.seconds > 60 || o.attempts > 10)
		return vfh_fail(ctx, -EINVAL, "suspend reset: seconds must be 1..60 and attempts "
				"1..10");
	r = vfh_power_can_deep_sleep(ctx);
	if (r < 0)
		return r;
	if (r == 0)
		return vfh_fail(ctx, -EOPNOTSUPP, "suspend reset of %s refused: the host does not "
				"offer S3 (\"deep\" missing from /sys/power/mem_sleep), and s2idle "
				"does not power the card down; enable S3 in the firmware and boot "
				"with mem_sleep_default=deep", a);
	rtc = find_rtc(ctx, o.rtc);
	if (rtc < 0)
		return rtc;
	r = vfh_read_u64(ctx, VFH_ROOT_SYS, &before, "power/suspend_stats/success");
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read /sys/power/suspend_stats/success (%s): a "
				"suspend could not be verified; refused", strerror(-r));
	mem_sleep(ctx, &offered, prior_sleep, sizeof(prior_sleep));
	if (strcmp(prior_sleep, "deep") != 0 && *prior_sleep) {
		r = vfh_write_str(ctx, VFH_ROOT_SYS, "deep", "power/mem_sleep");
		if (r < 0)
			return vfh_fail(ctx, r, "selecting deep sleep failed: %s", strerror(-r));
		switched = true;
	}

	r = vfh_pci_remove(ctx, addr, VFH_REMOVE_SLOT, &removed, &n);
	if (r < 0)
		goto out;
	rep.devices = (unsigned int)n;
	delay = o.seconds;

	for (rep.attempts = 1; rep.attempts <= o.attempts; rep.attempts++) {
		bool freeze = false;

		r = vfh_read_u64(ctx, VFH_ROOT_SYS, &before, "power/suspend_stats/success");
		if (r == 0)
			r = suspend_once(ctx, rtc, delay, why, sizeof(why), &freeze);
		if (vfh_read_u64(ctx, VFH_ROOT_SYS, &after, "power/suspend_stats/success") == 0 &&
		    after > before) {
			rep.suspended = true;
			break;
		}
		if (r == 0)
			snprintf(why, sizeof(why), "the write to /sys/power/state returned but "
				 "suspend_stats/success did not move");
		vfh_warn(ctx, "suspend attempt %u of %u for %s: %s", rep.attempts, o.attempts, a, why);
		/* a wakeup event during the suspend (EBUSY): on a slow host
		 * the alarm itself can ring before the host is asleep, so the
		 * next attempt gives it twice as long */
		if (r == -EBUSY && !freeze && delay < 60 && rep.attempts < o.attempts) {
			delay = delay * 2 > 60 ? 60 : delay * 2;
			vfh_info(ctx, "the next attempt sets the wake alarm to %u s", delay);
		}
	}
	if (rep.attempts > o.attempts)
		rep.attempts = o.attempts;

	r = vfh_pci_rescan(ctx, removed, n);
	if (r < 0) {
		err = r;
	}
	for (size_t i = 0; i < n; i++) {
		char s[VFH_PCI_ADDR_MAX], drv[VFH_NAME_MAX];

		/* vfh_pci_driver() keeps the error line of a failed rescan */
		vfh_addr_str(&removed[i].addr, s);
		if (vfh_exists(ctx, VFH_ROOT_SYS, PCI_DEV_FMT, s) == 1 &&
		    vfh_pci_driver(ctx, s, drv, sizeof(drv)) == 0 &&
		    strcmp(drv, removed[i].binding.driver) == 0)
			rep.restored++;
	}
	if (!err && !rep.suspended)
		err = vfh_fail(ctx, -EIO, "%s was not reset: the host did not suspend in %u "
			       "attempts (%s); its functions are back on their drivers", a,
			       rep.attempts, why);
	r = err;
out:
	if (switched) {
		/* a raw write: the error line of the reset stays */
		vfh_write_str(ctx, VFH_ROOT_SYS, prior_sleep, "power/mem_sleep");
	}
	free(removed);
	if (report)
		vfh_struct_out(report, report_size, &rep, sizeof(rep));
	if (r == 0)
		vfh_info(ctx, "%s reset by suspend (attempt %u, %u functions back)", a,
			 rep.attempts, rep.restored);
	return r;
}
