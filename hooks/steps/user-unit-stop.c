// SPDX-License-Identifier: LGPL-2.1-or-later
/* user-unit-stop: a unit of a user's own systemd manager (a sound server
 * holding a GPU's HDMI audio) stopped so that it lets go of the device;
 * started again on release if it ran.  what: "UID:UNIT". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine.h"

/* "1000:pipewire.service" into its uid and unit; -EINVAL otherwise */
static int split(const char *what, unsigned int *uid, const char **unit)
{
	unsigned long v;
	char *end;

	if (what[0] < '0' || what[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(what, &end, 10);
	if (errno || *end != ':' || v > 0x7fffffffUL || !end[1] || !strchr(end + 1, '.') ||
	    strchr(end + 1, '/') || end[1] == '-')
		return -EINVAL;
	*uid = (unsigned int)v;
	*unit = end + 1;
	return 0;
}

static bool what_ok(const char *what)
{
	unsigned int uid;
	const char *unit;

	return split(what, &uid, &unit) == 0;
}

int eng_step_init_user_unit_stop(struct step *s, unsigned int uid, const char *unit)
{
	char what[STEP_WHAT_MAX];

	if ((size_t)snprintf(what, sizeof(what), "%u:%s", uid, unit) >= sizeof(what))
		return -ENAMETOOLONG;
	return eng_step_init(s, &eng_step_user_unit_stop, what);
}

static int capture(struct vfh_ctx *ctx, struct step *s)
{
	unsigned int uid;
	const char *unit;
	int r = split(s->what, &uid, &unit);

	if (r == 0)
		r = vfh_user_unit_is_active(ctx, uid, unit);
	if (r < 0)
		return r;
	eng_toggle_set(s, r);
	return 0;
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	unsigned int uid;
	const char *unit;

	if (!eng_toggle_was_on(s))
		return 0;
	return split(s->what, &uid, &unit) ?: vfh_user_unit_stop(ctx, uid, unit);
}

static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	unsigned int uid;
	const char *unit;
	int r;

	if (!eng_toggle_was_on(s))
		return 0;
	r = split(s->what, &uid, &unit);
	if (r == 0)
		r = vfh_user_unit_is_active(ctx, uid, unit);
	if (r != 0)
		return r == 1 ? 0 : r;
	r = vfh_user_unit_start(ctx, uid, unit);
	/* the user logged out meanwhile: their manager starts it at the
	 * next login, nothing is left to put back */
	if (r == -EHOSTDOWN) {
		eng_log(LOG_NOTICE, "not starting %s again: %s", s->what, vfh_ctx_errmsg(ctx));
		r = 0;
	}
	return r;
}

static void describe(const struct step *s, char *buf, size_t len)
{
	unsigned int uid;
	const char *unit;

	if (split(s->what, &uid, &unit) == 0)
		snprintf(buf, len, "stop %s of uid %u's manager", unit, uid);
	else
		snprintf(buf, len, "stop user unit %s", s->what);
}

/* Two domains may stop the same sound server: the last one out starts it
 * again. */
static size_t claims(const struct step *s, struct claim *out)
{
	return eng_toggle_claims_shared(s, "user-unit", out);
}

static int verify(struct vfh_ctx *ctx, const struct step *s, char *why, size_t len)
{
	unsigned int uid;
	const char *unit;

	if (!eng_toggle_was_on(s) || split(s->what, &uid, &unit) < 0 ||
	    vfh_user_unit_is_active(ctx, uid, unit) != 1)
		return 1;
	snprintf(why, len, "%s of uid %u runs again, the journal stopped it", unit, uid);
	return 0;
}

const struct step_ops eng_step_user_unit_stop = {
	.name = "user-unit-stop",
	.apply_at = ENG_PREPARE,
	.undo_at = ENG_RELEASE,
	.what_ok = what_ok,
	.capture = capture,
	.apply = apply,
	.undo = undo,
	.describe = describe,
	.encode = eng_toggle_encode,
	.decode = eng_toggle_decode,
	.claims = claims,
	.verify = verify,
	.shared = true,
	.adopt = eng_toggle_adopt,
};
