// SPDX-License-Identifier: LGPL-2.1-or-later
/* unit-stop: a systemd unit stopped (the display manager, a sound server)
 * so that it lets go of the device; started again on release if it ran. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

static bool unit_ok(const char *what)
{
	return *what && strchr(what, '.') && !strchr(what, '/') && what[0] != '-';
}

static int capture(struct vfh_ctx *ctx, struct step *s)
{
	int r = vfh_unit_is_active(ctx, s->what);

	if (r < 0)
		return r;
	eng_toggle_set(s, r);
	return 0;
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	return eng_toggle_was_on(s) ? vfh_unit_stop(ctx, s->what) : 0;
}

static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	int r;

	if (!eng_toggle_was_on(s))
		return 0;
	r = vfh_unit_is_active(ctx, s->what);
	return r == 1 ? 0 : r < 0 ? r : vfh_unit_start(ctx, s->what);
}

static void describe(const struct step *s, char *buf, size_t len)
{
	snprintf(buf, len, "stop %s", s->what);
}

/* Two domains may stop the same unit (irqbalance while each isolates
 * CPUs): the last one out starts it again. */
static size_t claims(const struct step *s, struct claim *out)
{
	return eng_toggle_claims_shared(s, "unit", out);
}

static int verify(struct vfh_ctx *ctx, const struct step *s, char *why, size_t len)
{
	if (!eng_toggle_was_on(s) || vfh_unit_is_active(ctx, s->what) != 1)
		return 1;
	snprintf(why, len, "%s runs again, the journal stopped it", s->what);
	return 0;
}

const struct step_ops eng_step_unit_stop = {
	.name = "unit-stop",
	.apply_at = ENG_PREPARE,
	.undo_at = ENG_RELEASE,
	.what_ok = unit_ok,
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
