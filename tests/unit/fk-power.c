// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake kernel's suspend (sys/power) and RTC wake alarms.
 *
 *  - rtcN/wakealarm (wakealarm_store(), drivers/rtc/sysfs.c): "+N" or an
 *    absolute time in the future arms it, -EBUSY if one is armed already;
 *    0 (or a past time) disarms; reading shows the time only while armed.
 *  - power/mem_sleep (mem_sleep_store()): one of the offered modes, else
 *    -EINVAL; shown with the current one in brackets.
 *  - power/state: "mem" sleeps in the current mem_sleep mode (state_store()
 *    maps PM_SUSPEND_MEM to mem_sleep_current), "freeze" in s2idle.
 *    pm_suspend() counts every successful suspend in suspend_stats.success,
 *    s2idle included; a failed one counts in fail and names
 *    last_failed_dev.  The wake alarm fires on resume and disarms.  A
 *    suspend with no alarm armed is counted separately: a real host would
 *    not have woken up. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "fixture-int.h"

#define FK_NOW 1700000000UL	/* the fake RTC's clock */

static int wakealarm(struct fx *fx, struct fk_rtc *r, const char *val)
{
	unsigned long v, alarm;
	bool adjust = val[0] == '+';

	if (fk_kstrtoul(val + adjust, &v) < 0)
		return -EINVAL;
	alarm = adjust ? FK_NOW + v : v;
	if (alarm > FK_NOW) {
		if (r->armed)
			return -EBUSY;
		r->armed = true;
		r->alarm = alarm;
	} else {
		r->armed = false;
	}
	fx_render_rtc(fx, r);
	return 0;
}

static int mem_sleep(struct fx *fx, const char *val)
{
	for (int i = 0; i < fx->noffered; i++)
		if (fk_streq_nl(fx->offered[i], val)) {
			fx->mem_sleep = i;
			fx_render_power(fx);
			return 0;
		}
	return -EINVAL;
}

static bool in_list(const char *list, const char *word)
{
	char buf[128], *save, *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (fk_streq_nl(tok, word))
			return true;
	return false;
}

static int power_state(struct fx *fx, const char *val)
{
	const char *mode;
	bool armed = false;

	if (!in_list(fx->state, val))
		return -EINVAL;
	if (fk_streq_nl(val, "mem"))
		mode = fx->has_mem_sleep && fx->mem_sleep >= 0 ? fx->offered[fx->mem_sleep] : "deep";
	else if (fk_streq_nl(val, "freeze"))
		mode = "s2idle";
	else
		return -EOPNOTSUPP;	/* hibernation is not modelled */
	if (fx->suspend_err_n) {
		fx->suspend_err_n--;
		fx->fail++;
		/* a device named: its suspend callback failed; none: a task
		 * would not freeze (what "Freezing of tasks failed" is) */
		if (*fx->suspend_err_dev)
			snprintf(fx->last_failed_dev, sizeof(fx->last_failed_dev), "%s",
				 fx->suspend_err_dev);
		snprintf(fx->last_failed_step, sizeof(fx->last_failed_step), "%s",
			 *fx->suspend_err_dev ? "suspend" : "freeze");
		fx_render_power(fx);
		return fx->suspend_err;
	}
	if (fx->uncounted) {
		if (fx->uncounted != UINT_MAX)
			fx->uncounted--;
		return 0;
	}
	for (size_t i = 0; i < fx->nrtc; i++)
		if (fx->rtc[i].armed) {
			armed = true;
			/* it woke us: fired, so no longer armed */
			fx->rtc[i].armed = false;
			fx_render_rtc(fx, &fx->rtc[i]);
		}
	if (!armed)
		fx->slept_without_alarm++;
	if (fx->nslept < FX_MAX_SLEEP)
		snprintf(fx->slept[fx->nslept++], sizeof(fx->slept[0]), "%s", mode);
	fx->success++;
	fx_render_power(fx);
	return 0;
}

int fk_power_write(struct fx *fx, const char *path, const char *val)
{
	if (strcmp(path, "sys/power/mem_sleep") == 0)
		return mem_sleep(fx, val);
	if (strcmp(path, "sys/power/state") == 0)
		return power_state(fx, val);
	return -EACCES;
}

bool fk_power_restore(struct fx *fx, const char *path)
{
	(void)path;
	fx_render_power(fx);
	return true;
}

/* The RTCs' directories (fx-power.c puts them below sys/devices/pnp0/) */
int fk_rtc_write(struct fx *fx, const char *path, const char *val)
{
	for (size_t i = 0; i < fx->nrtc; i++) {
		char want[FX_REL + 16];

		snprintf(want, sizeof(want), "%s/wakealarm", fx->rtc[i].dir);
		if (strcmp(path, want) == 0)
			return wakealarm(fx, &fx->rtc[i], val);
	}
	return -EACCES;
}

bool fk_rtc_restore(struct fx *fx, const char *path)
{
	if (!strstr(path, "/wakealarm"))
		return false;
	for (size_t i = 0; i < fx->nrtc; i++)
		fx_render_rtc(fx, &fx->rtc[i]);
	return true;
}

/* ------------------------------------------------------------ test API */

void fk_suspend_uncounted(struct fx *fx, unsigned int n)
{
	fx->uncounted = n;
}

void fk_suspend_fail(struct fx *fx, unsigned int n, int err, const char *dev)
{
	fx->suspend_err_n = n;
	fx->suspend_err = err;
	snprintf(fx->suspend_err_dev, sizeof(fx->suspend_err_dev), "%s", dev ? dev : "");
}

unsigned int fk_suspends(const struct fx *fx)
{
	return fx->nslept;
}

const char *fk_suspend_mode(const struct fx *fx, unsigned int i)
{
	return i < fx->nslept ? fx->slept[i] : NULL;
}

unsigned int fk_suspends_without_alarm(const struct fx *fx)
{
	return fx->slept_without_alarm;
}
