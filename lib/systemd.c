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

/* ------------------------------------------------------------ AllowedCPUs */

/* The interface carrying a unit's cgroup settings: only units with a
 * cgroup have AllowedCPUs. */
static const char *cgroup_iface(const char *unit)
{
	static const char *const types[][2] = {
		{ ".service", "org.freedesktop.systemd1.Service" },
		{ ".slice", "org.freedesktop.systemd1.Slice" },
		{ ".scope", "org.freedesktop.systemd1.Scope" },
		{ ".socket", "org.freedesktop.systemd1.Socket" },
		{ ".mount", "org.freedesktop.systemd1.Mount" },
		{ ".swap", "org.freedesktop.systemd1.Swap" },
	};
	size_t n = strlen(unit);

	for (size_t i = 0; i < VFH_ARRAY_SIZE(types); i++) {
		size_t m = strlen(types[i][0]);

		if (n > m && strcmp(unit + n - m, types[i][0]) == 0)
			return types[i][1];
	}
	return NULL;
}

/* systemd's cpu_set_to_dbus(): CPU n is bit n % 8 of byte n / 8, no
 * trailing zero bytes; the empty set is the empty array */
static size_t cpus_to_bytes(const struct vfh_cpuset *s, uint8_t *bytes)
{
	int last = vfh_cpuset_last(s);
	size_t n = last < 0 ? 0 : (size_t)last / 8 + 1;

	for (size_t i = 0; i < n; i++)
		bytes[i] = (uint8_t)(s->bits[i / 8] >> (8 * (i % 8)));
	return n;
}

static int bytes_to_cpus(const uint8_t *bytes, size_t n, struct vfh_cpuset *s)
{
	vfh_cpuset_zero(s);
	for (size_t i = 0; i < n; i++) {
		if (!bytes[i])
			continue;
		if (i >= VFH_CPUS_MAX / 8)
			return -ERANGE;
		s->bits[i / 8] |= (uint64_t)bytes[i] << (8 * (i % 8));
	}
	return 0;
}

static int check_cpus_unit(struct vfh_ctx *ctx, const char *unit, const struct vfh_cpuset *s)
{
	int r = check_unit(ctx, unit);

	if (r < 0)
		return r;
	if (!s)
		return vfh_fail(ctx, -EINVAL, "no CPU set given for %s", unit);
	if (!cgroup_iface(unit))
		return vfh_fail(ctx, -EINVAL, "%s has no cgroup: AllowedCPUs needs a service, "
				"slice, scope, socket, mount or swap", unit);
	return 0;
}

VFH_EXPORT int vfh_unit_get_allowed_cpus(struct vfh_ctx *ctx, const char *unit,
					 struct vfh_cpuset *cpus)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL, *prop = NULL;
	const void *bytes = NULL;
	const char *path;
	size_t n = 0;
	int r;

	vfh_ctx_clear_error(ctx);
	r = check_cpus_unit(ctx, unit, cpus);
	if (r < 0)
		return r;
#ifdef VFH_TEST_BUILD
	if (ctx->test_ops && ctx->test_ops->unit_prop) {
		uint8_t buf[VFH_CPUS_MAX / 8];

		n = sizeof(buf);
		r = ctx->test_ops->unit_prop(ctx->test_data, unit, "AllowedCPUs", false, false, buf,
					     &n);
		if (r < 0)
			return vfh_fail(ctx, r, "reading AllowedCPUs of %s: %s", unit, strerror(-r));
		if (bytes_to_cpus(buf, n, cpus) < 0)
			return vfh_fail(ctx, -ERANGE, "AllowedCPUs of %s names CPUs beyond %d", unit,
					VFH_CPUS_MAX);
		return 0;
	}
#endif
	r = bus_ready(ctx);
	if (r < 0)
		return r;
	r = sd_bus_call_method(ctx->bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &err, &reply,
			       "s", unit);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &path);
	if (r >= 0)
		r = sd_bus_get_property(ctx->bus, SD_DEST, path, cgroup_iface(unit), "AllowedCPUs",
					&err, &prop, "ay");
	if (r >= 0)
		r = sd_bus_message_read_array(prop, 'y', &bytes, &n);
	if (r < 0) {
		r = vfh_fail(ctx, sd_bus_error_has_name(&err, "org.freedesktop.systemd1.NoSuchUnit") ?
			     -ENOENT : r, "reading AllowedCPUs of %s: %s", unit,
			     err.message ? err.message : strerror(-r));
	} else if (bytes_to_cpus(bytes, n, cpus) < 0) {
		r = vfh_fail(ctx, -ERANGE, "AllowedCPUs of %s names CPUs beyond %d", unit,
			     VFH_CPUS_MAX);
	} else {
		r = 0;
	}
	sd_bus_error_free(&err);
	sd_bus_message_unref(prop);
	sd_bus_message_unref(reply);
	return r;
}

VFH_EXPORT int vfh_unit_set_allowed_cpus(struct vfh_ctx *ctx, const char *unit,
					 const struct vfh_cpuset *cpus, bool runtime)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	uint8_t bytes[VFH_CPUS_MAX / 8];
	char list[VFH_CPULIST_MAX];
	size_t n;
	int r;

	vfh_ctx_clear_error(ctx);
	r = check_cpus_unit(ctx, unit, cpus);
	if (r < 0)
		return r;
	n = cpus_to_bytes(cpus, bytes);
	vfh_cpuset_format_list(cpus, list, sizeof(list));
#ifdef VFH_TEST_BUILD
	if (ctx->test_ops && ctx->test_ops->unit_prop) {
		r = ctx->test_ops->unit_prop(ctx->test_data, unit, "AllowedCPUs", true, runtime, bytes,
					     &n);
		if (r < 0)
			return vfh_fail(ctx, r, "setting AllowedCPUs=%s on %s: %s", list, unit,
					strerror(-r));
		vfh_info(ctx, "%s: AllowedCPUs=%s%s", unit, list, runtime ? " (runtime)" : "");
		return 0;
	}
#endif
	r = bus_ready(ctx);
	if (r < 0)
		return r;
	/* SetUnitProperties(s name, b runtime, a(sv) properties), what
	 * systemctl set-property [--runtime] sends */
	r = sd_bus_message_new_method_call(ctx->bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
					   "SetUnitProperties");
	if (r >= 0)
		r = sd_bus_message_append(m, "sb", unit, (int)runtime);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'r', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", "AllowedCPUs");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', "ay");
	if (r >= 0)
		r = sd_bus_message_append_array(m, 'y', bytes, n);
	for (int i = 0; i < 3 && r >= 0; i++)
		r = sd_bus_message_close_container(m);
	if (r < 0) {
		r = vfh_fail(ctx, r, "setting AllowedCPUs on %s: building the call: %s", unit,
			     strerror(-r));
		goto out;
	}
	r = sd_bus_call(ctx->bus, m, 0, &err, NULL);
	if (r < 0) {
		r = vfh_fail(ctx, r, "setting AllowedCPUs=%s on %s: systemd refused: %s", list, unit,
			     err.message ? err.message : strerror(-r));
		goto out;
	}
	vfh_info(ctx, "%s: AllowedCPUs=%s%s", unit, list, runtime ? " (runtime)" : "");
	r = 0;
out:
	sd_bus_error_free(&err);
	sd_bus_message_unref(m);
	return r;
}
