// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture's suspend support and wake-capable RTCs.
 *
 *  power           mem_sleep="s2idle [deep]" state="freeze mem disk" success=N
 *  rtc N           (a wake-capable RTC: class/rtc/rtcN/wakealarm)
 *
 * Without a power line there is no sys/power at all.  The RTCs sit below
 * sys/devices/pnp0/, where the fake kernel (fk-power.c) looks for them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture-int.h"

void fx_power_add(struct fx *fx, const struct fx_ent *e)
{
	const char *ms = fx_ent_get(e, "mem_sleep"), *st = fx_ent_get(e, "state");

	fx->has_mem_sleep = ms != NULL;
	fx->noffered = 0;
	fx->mem_sleep = -1;
	if (ms) {
		char buf[128], *save, *tok;

		snprintf(buf, sizeof(buf), "%s", ms);
		for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			size_t n = strlen(tok);

			if (fx->noffered == 4 || n >= 16)
				fx_fail("mem_sleep=%s", ms);
			if (tok[0] == '[' && tok[n - 1] == ']') {
				tok[n - 1] = '\0';
				tok++;
				fx->mem_sleep = fx->noffered;
			}
			snprintf(fx->offered[fx->noffered++], 16, "%s", tok);
		}
	}
	snprintf(fx->state, sizeof(fx->state), "%s", st ? st : "");
	fx->success = fx_num(e, "success", 0);
}

void fx_rtc_add(struct fx *fx, const struct fx_ent *pe)
{
	struct fk_rtc *r;

	if (fx->nrtc == FX_MAX_RTC)
		fx_fail("too many rtcs");
	r = &fx->rtc[fx->nrtc++];
	r->index = atoi(pe->name);
	snprintf(r->dir, sizeof(r->dir), "sys/devices/pnp0/00:%02d/rtc/rtc%d",
		 r->index + 4, r->index);
}

void fx_render_power(struct fx *fx)
{
	if (!fx_find_ent(fx, "power", ""))
		return;
	if (fx->has_mem_sleep) {
		char buf[128] = "";

		for (int i = 0; i < fx->noffered; i++) {
			char one[24];

			snprintf(one, sizeof(one), i == fx->mem_sleep ? "[%s]" : "%s", fx->offered[i]);
			if (i)
				strcat(buf, " ");
			strcat(buf, one);
		}
		fx_putf(fx, "sys/power/mem_sleep", "%s\n", buf);
	}
	fx_putf(fx, "sys/power/state", "%s\n", fx->state);
	fx_putf(fx, "sys/power/suspend_stats/success", "%lu\n", fx->success);
	fx_putf(fx, "sys/power/suspend_stats/fail", "%lu\n", fx->fail);
	fx_putf(fx, "sys/power/suspend_stats/last_failed_dev", "%s\n", fx->last_failed_dev);
	fx_putf(fx, "sys/power/suspend_stats/last_failed_step", "%s\n", fx->last_failed_step);
}

void fx_render_rtc(struct fx *fx, const struct fk_rtc *r)
{
	char rel[FX_REL + 32];

	snprintf(rel, sizeof(rel), "%s/name", r->dir);
	fx_putf(fx, rel, "rtc_cmos\n");
	snprintf(rel, sizeof(rel), "%s/wakealarm", r->dir);
	/* rtc-sysfs shows the alarm only while it is armed */
	if (r->armed)
		fx_putf(fx, rel, "%lu\n", r->alarm);
	else
		fx_putf(fx, rel, "%s", "");
	snprintf(rel, sizeof(rel), "sys/class/rtc/rtc%d", r->index);
	fx_symlink(fx, rel, r->dir);
}

void fx_rtc_render(struct fx *fx)
{
	fx_mkdirs(fx, "sys/class/rtc");
	for (size_t i = 0; i < fx->nrtc; i++)
		fx_render_rtc(fx, &fx->rtc[i]);
}
