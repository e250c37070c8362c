// SPDX-License-Identifier: LGPL-2.1-or-later
/* systemd units (the display manager on a single-GPU host) through sd-bus:
 * no systemctl process, and the job's end is waited for, bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "internal.h"

/* systemd's own default stop timeout: a unit that has not stopped by then
 * is being killed by systemd anyway. */
#define JOB_WAIT_MS 90000

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

static bool unit_name_ok(const char *u)
{
	size_t n = strlen(u);

	if (n == 0 || n > 255 || u[0] == '.' || u[0] == '-')
		return false;
	for (const char *p = u; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(":-_.\\@", *p)))
			return false;
	return strchr(u, '.') != NULL;
}

static int bus_ready(struct vfh_ctx *ctx)
{
	int r;

	if (ctx->bus)
		return 0;
	if (!vfh_ctx_is_live(ctx))
		return vfh_fail(ctx, -EPERM, "refusing to drive systemd through a context that "
				"is not the live system");
	r = sd_bus_open_system(&ctx->bus);
	if (r < 0) {
		ctx->bus = NULL;
		return vfh_fail(ctx, -EHOSTDOWN, "systemd is not reachable on the system bus (%s): "
				"units cannot be stopped or started", strerror(-r));
	}
	return 0;
}

/* Entry of every unit call: the error line is this call's, and the name
 * is checked before anything talks to systemd. */
static int check_unit(struct vfh_ctx *ctx, const char *unit)
{
	vfh_enter(ctx);
	if (!unit || !unit_name_ok(unit))
		return vfh_fail(ctx, -EINVAL, "invalid unit name '%s'", unit ? unit : "");
	return 0;
}

VFH_EXPORT int vfh_unit_is_active(struct vfh_ctx *ctx, const char *unit)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path;
	char *state = NULL;
	int r = check_unit(ctx, unit);

	if (r < 0)
		return r;
#ifdef VFH_TEST_BUILD
	if (ctx->test_ops && ctx->test_ops->unit) {
		r = ctx->test_ops->unit(ctx->test_data, unit, "is-active");
		return r < 0 ? vfh_fail(ctx, r, "asking systemd about %s failed: %s", unit,
					strerror(-r)) : r;
	}
#endif
	r = bus_ready(ctx);
	if (r < 0)
		return r;
	r = sd_bus_call_method(ctx->bus, SD_DEST, SD_PATH, SD_MANAGER, "LoadUnit", &err,
			       &reply, "s", unit);
	if (r < 0)
		goto fail;
	r = sd_bus_message_read(reply, "o", &path);
	if (r < 0)
		goto fail;
	r = sd_bus_get_property_string(ctx->bus, SD_DEST, path, "org.freedesktop.systemd1.Unit",
				       "ActiveState", &err, &state);
	if (r < 0)
		goto fail;
	r = strcmp(state, "active") == 0 || strcmp(state, "activating") == 0 ||
	    strcmp(state, "reloading") == 0;
	free(state);
	sd_bus_message_unref(reply);
	return r;
fail:
	r = vfh_fail(ctx, r, "asking systemd about %s failed: %s", unit,
		     err.message ? err.message : strerror(-r));
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	return r;
}

struct job_wait {
	const char *job;
	bool done;
	char result[32];
};

static int on_job_removed(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct job_wait *w = data;
	const char *path, *unit, *result;
	uint32_t id;

	(void)e;
	if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	if (w->job && strcmp(path, w->job) == 0) {
		w->done = true;
		snprintf(w->result, sizeof(w->result), "%s", result);
	}
	return 0;
}

static int unit_job(struct vfh_ctx *ctx, const char *unit, const char *method,
		    const char *verb)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	sd_bus_slot *slot = NULL;
	struct job_wait w = { 0 };
	long long deadline;
	const char *job;
	int r = check_unit(ctx, unit);

	if (r < 0)
		return r;
#ifdef VFH_TEST_BUILD
	if (ctx->test_ops && ctx->test_ops->unit) {
		r = ctx->test_ops->unit(ctx->test_data, unit, verb);
		return r < 0 ? vfh_fail(ctx, r, "%s %s failed: %s", verb, unit, strerror(-r)) : 0;
	}
#endif
	r = bus_ready(ctx);
	if (r < 0)
		return r;
	/* listen before asking, so a fast job cannot finish unseen */
	r = sd_bus_match_signal(ctx->bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
				on_job_removed, &w);
	if (r >= 0 && !ctx->bus_subscribed) {
		r = sd_bus_call_method(ctx->bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &err,
				       NULL, "");
		ctx->bus_subscribed = r >= 0;
	}
	if (r >= 0)
		r = sd_bus_call_method(ctx->bus, SD_DEST, SD_PATH, SD_MANAGER, method, &err,
				       &reply, "ss", unit, "replace");
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &job);
	if (r < 0) {
		r = vfh_fail(ctx, r, "%s %s: systemd refused: %s", verb, unit,
			     err.message ? err.message : strerror(-r));
		goto out;
	}
	w.job = job;
	deadline = vfh_now_ms() + JOB_WAIT_MS;
	while (!w.done) {
		long long left = deadline - vfh_now_ms();

		if (left <= 0) {
			r = vfh_fail(ctx, -ETIMEDOUT, "%s %s: the job did not finish within %d ms "
				     "(the wait bound)", verb, unit, JOB_WAIT_MS);
			goto out;
		}
		r = sd_bus_process(ctx->bus, NULL);
		if (r < 0) {
			r = vfh_fail(ctx, r, "%s %s: lost the system bus: %s", verb, unit,
				     strerror(-r));
			goto out;
		}
		if (r > 0)
			continue;
		r = sd_bus_wait(ctx->bus, (uint64_t)left * 1000);
		if (r < 0 && r != -EINTR) {
			r = vfh_fail(ctx, r, "%s %s: %s", verb, unit, strerror(-r));
			goto out;
		}
	}
	if (strcmp(w.result, "done") != 0) {
		r = vfh_fail(ctx, -EIO, "%s %s: the job ended '%s' (see systemctl status %s)",
			     verb, unit, w.result, unit);
		goto out;
	}
	vfh_info(ctx, "%s %s: done", verb, unit);
	r = 0;
out:
	sd_bus_slot_unref(slot);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&err);
	return r;
}

VFH_EXPORT int vfh_unit_start(struct vfh_ctx *ctx, const char *unit)
{
	return unit_job(ctx, unit, "StartUnit", "start");
}

VFH_EXPORT int vfh_unit_stop(struct vfh_ctx *ctx, const char *unit)
{
	return unit_job(ctx, unit, "StopUnit", "stop");
}
