// SPDX-License-Identifier: LGPL-2.1-or-later
/* unit-stop: a systemd unit stopped (the display manager, a sound server)
 * so that it lets go of the device; started again on release if it ran. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

struct unit_stop {
	bool was_on;		/* active before */
};
STEP_DATA_FITS(struct unit_stop);

static bool unit_ok(const char *what)
{
	return *what && strchr(what, '.') && !strchr(what, '/') && what[0] != '-';
}

static int capture(struct vfh_ctx *ctx, struct step *s)
{
	int r = vfh_unit_is_active(ctx, s->what);

	if (r < 0)
		return r;
	STEP_DATA(s, struct unit_stop)->was_on = r;
	return 0;
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	return STEP_CDATA(s, struct unit_stop)->was_on ? vfh_unit_stop(ctx, s->what) : 0;
}

static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	int r;

	if (!STEP_CDATA(s, struct unit_stop)->was_on)
		return 0;
	r = vfh_unit_is_active(ctx, s->what);
	return r == 1 ? 0 : r < 0 ? r : vfh_unit_start(ctx, s->what);
}

static void describe(const struct step *s, char *buf, size_t len)
{
	snprintf(buf, len, "stop %s", s->what);
}

static void encode(const struct step *s, struct kv_out *o)
{
	kv_put_uint(o, "was_on", STEP_CDATA(s, struct unit_stop)->was_on);
}

static int decode(struct step *s, const char *key, const char *val)
{
	return strcmp(key, "was_on") == 0 ? kv_bool(val, &STEP_DATA(s, struct unit_stop)->was_on)
					  : -ENOENT;
}

static size_t claims(const struct step *s, struct claim *out)
{
	if (!STEP_CDATA(s, struct unit_stop)->was_on)
		return 0;
	snprintf(out->type, sizeof(out->type), "unit");
	snprintf(out->key, sizeof(out->key), "%s", s->what);
	out->exclusive = true;
	return 1;
}

static int verify(struct vfh_ctx *ctx, const struct step *s, char *why, size_t len)
{
	if (!STEP_CDATA(s, struct unit_stop)->was_on || vfh_unit_is_active(ctx, s->what) != 1)
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
	.encode = encode,
	.decode = decode,
	.claims = claims,
	.verify = verify,
};
