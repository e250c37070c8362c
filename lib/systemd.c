// SPDX-License-Identifier: LGPL-2.1-or-later
/* systemd units (the display manager on a single-GPU host) through sd-bus:
 * no systemctl process, and the job's end is waited for, bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Runs method (StartUnit, StopUnit) for unit on bus and waits, bounded,
 * for its job to end.  subscribed: whether Subscribe was sent on bus
 * (the system bus needs it for JobRemoved; a private connection to a
 * manager gets its signals unasked, and may be told anyway). */
static int job_on(struct vfh_ctx *ctx, sd_bus *bus, bool *subscribed, const char *unit,
		  const char *method, const char *verb, const char *who)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	sd_bus_slot *slot = NULL;
	struct job_wait w = { 0 };
	long long deadline;
	const char *job;
	int r;

	/* listen before asking, so a fast job cannot finish unseen; a
	 * direct connection's messages carry no sender to match */
	r = sd_bus_match_signal(bus, &slot, *who ? NULL : SD_DEST, SD_PATH, SD_MANAGER,
				"JobRemoved", on_job_removed, &w);
	if (r >= 0 && !*subscribed) {
		r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &err,
				       NULL, "");
		*subscribed = r >= 0;
	}
	if (r >= 0)
		r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, method, &err,
				       &reply, "ss", unit, "replace");
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &job);
	if (r < 0) {
		r = vfh_fail(ctx, r, "%s %s%s: systemd refused: %s", verb, who, unit,
			     err.message ? err.message : strerror(-r));
		goto out;
	}
	w.job = job;
	deadline = vfh_now_ms() + JOB_WAIT_MS;
	while (!w.done) {
		long long left = deadline - vfh_now_ms();

		if (left <= 0) {
			r = vfh_fail(ctx, -ETIMEDOUT, "%s %s%s: the job did not finish within %d ms "
				     "(the wait bound)", verb, who, unit, JOB_WAIT_MS);
			goto out;
		}
		r = sd_bus_process(bus, NULL);
		if (r < 0) {
			r = vfh_fail(ctx, r, "%s %s%s: lost the bus: %s", verb, who, unit,
				     strerror(-r));
			goto out;
		}
		if (r > 0)
			continue;
		r = sd_bus_wait(bus, (uint64_t)left * 1000);
		if (r < 0 && r != -EINTR) {
			r = vfh_fail(ctx, r, "%s %s%s: %s", verb, who, unit, strerror(-r));
			goto out;
		}
	}
	if (strcmp(w.result, "done") != 0) {
		r = vfh_fail(ctx, -EIO, "%s %s%s: the job ended '%s' (see systemctl%s status %s)",
			     verb, who, unit, w.result, *who ? " --user" : "", unit);
		goto out;
	}
	vfh_info(ctx, "%s %s%s: done", verb, who, unit);
	r = 0;
out:
	sd_bus_slot_unref(slot);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&err);
	return r;
}

static int unit_job(struct vfh_ctx *ctx, const char *unit, const char *method,
		    const char *verb)
{
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
	return job_on(ctx, ctx->bus, &ctx->bus_subscribed, unit, method, verb, "");
}

VFH_EXPORT int vfh_unit_start(struct vfh_ctx *ctx, const char *unit)
{
	return unit_job(ctx, unit, "StartUnit", "start");
}

VFH_EXPORT int vfh_unit_stop(struct vfh_ctx *ctx, const char *unit)
{
	return unit_job(ctx, unit, "StopUnit", "stop");
}

/* ------------------------------------------------------------ user units */

/* A private connection to uid's own manager: what systemctl --user uses.
 * The manager takes root or its own user there; its peer is checked to
 * be uid, so a socket another program left in the user's runtime
 * directory is not taken for it.  0 with *bus, 1 when the manager does
 * not run (nothing of the user's runs), -errno with the error line. */
static int user_bus(struct vfh_ctx *ctx, unsigned int uid, sd_bus **bus)
{
	char path[VFH_PATH_MAX], addr[VFH_PATH_MAX + 16];
	sd_bus_creds *creds = NULL;
	uid_t peer;
	struct stat st;
	int r;

	*bus = NULL;
	if (!vfh_ctx_is_live(ctx))
		return vfh_fail(ctx, -EPERM, "refusing to drive systemd through a context that "
				"is not the live system");
	r = vfh_ctx_path(ctx, VFH_ROOT_RUN, path, sizeof(path), "user/%u/systemd/private", uid);
	if (r < 0)
		return vfh_fail(ctx, r, "the path of uid %u's manager is too long", uid);
	if (strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_.-") !=
	    strlen(path))
		return vfh_fail(ctx, -EINVAL, "%s: not a path a bus address may hold", path);
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 1 : vfh_fail(ctx, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISSOCK(st.st_mode) || (st.st_uid != uid && st.st_uid != 0))
		return vfh_fail(ctx, -EPERM, "%s is not uid %u's manager socket (mode %o, owner "
				"%u): refused", path, uid, (unsigned)st.st_mode, (unsigned)st.st_uid);
	snprintf(addr, sizeof(addr), "unix:path=%s", path);
	r = sd_bus_new(bus);
	if (r >= 0)
		r = sd_bus_set_address(*bus, addr);
	if (r >= 0)
		r = sd_bus_start(*bus);
	if (r == -ECONNREFUSED || r == -ENOENT) {
		sd_bus_unref(*bus);
		*bus = NULL;
		return 1;	/* a socket left by a manager that is gone */
	}
	if (r >= 0)
		r = sd_bus_get_owner_creds(*bus, SD_BUS_CREDS_EUID, &creds);
	if (r >= 0)
		r = sd_bus_creds_get_euid(creds, &peer);
	sd_bus_creds_unref(creds);
	if (r >= 0 && peer != uid)
		r = -EPERM;
	if (r < 0) {
		sd_bus_unref(*bus);
		*bus = NULL;
		return vfh_fail(ctx, r, "cannot reach uid %u's systemd manager through %s: %s", uid,
				path, strerror(-r));
	}
	return 0;
}

static int user_unit_check(struct vfh_ctx *ctx, unsigned int uid, const char *unit,
			   char *who, size_t len)
{
	snprintf(who, len, "uid %u's ", uid);
	if ((int)uid < 0)
		return vfh_fail(ctx, -EINVAL, "invalid uid %u", uid);
	return check_unit(ctx, unit);
}

#ifdef VFH_TEST_BUILD
/* the fake systemd knows user units as "user/UID/UNIT" */
static int user_seam(struct vfh_ctx *ctx, unsigned int uid, const char *unit, const char *verb,
		     int *r)
{
	char name[300];

	if (!ctx->test_ops || !ctx->test_ops->unit)
		return 0;
	snprintf(name, sizeof(name), "user/%u/%s", uid, unit);
	*r = ctx->test_ops->unit(ctx->test_data, name, verb);
	if (*r < 0)
		*r = vfh_fail(ctx, *r, "%s uid %u's %s failed: %s", verb, uid, unit, strerror(-*r));
	return 1;
}
#endif

VFH_EXPORT int vfh_user_unit_is_active(struct vfh_ctx *ctx, unsigned int uid, const char *unit)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	sd_bus *bus = NULL;
	const char *path;
	char *state = NULL, who[32];
	int r = user_unit_check(ctx, uid, unit, who, sizeof(who));

	if (r < 0)
		return r;
#ifdef VFH_TEST_BUILD
	if (user_seam(ctx, uid, unit, "is-active", &r))
		return r;
#endif
	r = user_bus(ctx, uid, &bus);
	if (r != 0)
		return r < 0 ? r : 0;
	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "LoadUnit", &err, &reply, "s",
			       unit);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &path);
	if (r >= 0)
		r = sd_bus_get_property_string(bus, SD_DEST, path, "org.freedesktop.systemd1.Unit",
					       "ActiveState", &err, &state);
	if (r < 0)
		r = vfh_fail(ctx, r, "asking %ssystemd about %s failed: %s", who, unit,
			     err.message ? err.message : strerror(-r));
	else
		r = strcmp(state, "active") == 0 || strcmp(state, "activating") == 0 ||
		    strcmp(state, "reloading") == 0;
	free(state);
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	sd_bus_flush_close_unref(bus);
	return r;
}

static int user_unit_job(struct vfh_ctx *ctx, unsigned int uid, const char *unit,
			 const char *method, const char *verb)
{
	sd_bus *bus = NULL;
	/* a manager sends its signals to every private connection unasked */
	bool subscribed = true;
	char who[32];
	int r = user_unit_check(ctx, uid, unit, who, sizeof(who));

	if (r < 0)
		return r;
#ifdef VFH_TEST_BUILD
	if (user_seam(ctx, uid, unit, verb, &r))
		return r;
#endif
	r = user_bus(ctx, uid, &bus);
	if (r == 1 && strcmp(verb, "stop") == 0)
		return 0;	/* no manager: nothing of the user's runs */
	if (r == 1)
		return vfh_fail(ctx, -EHOSTDOWN, "cannot start %s: uid %u's systemd manager "
				"(user@%u.service) does not run; it starts %s itself when the user "
				"logs in again", unit, uid, uid, unit);
	if (r < 0)
		return r;
	r = job_on(ctx, bus, &subscribed, unit, method, verb, who);
	sd_bus_flush_close_unref(bus);
	return r;
}

VFH_EXPORT int vfh_user_unit_start(struct vfh_ctx *ctx, unsigned int uid, const char *unit)
{
	return user_unit_job(ctx, uid, unit, "StartUnit", "start");
}

VFH_EXPORT int vfh_user_unit_stop(struct vfh_ctx *ctx, unsigned int uid, const char *unit)
{
	return user_unit_job(ctx, uid, unit, "StopUnit", "stop");
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
