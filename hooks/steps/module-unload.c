// SPDX-License-Identifier: LGPL-2.1-or-later
/* module-unload: a GPU driver module unloaded once its device is gone
 * (single-GPU); loaded again on release if it was loaded. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

static bool module_ok(const char *what)
{
	return *what && !strchr(what, '/') && what[0] != '-' && what[0] != '.';
}

static int capture(struct vfh_ctx *ctx, struct step *s)
{
	int r = vfh_module_loaded(ctx, s->what);

	if (r < 0)
		return r;
	eng_toggle_set(s, r);
	return 0;
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	return eng_toggle_was_on(s) ? vfh_module_unload(ctx, s->what) : 0;
}

static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	return eng_toggle_was_on(s) ? vfh_module_load(ctx, s->what) : 0;
}

static void describe(const struct step *s, char *buf, size_t len)
{
	snprintf(buf, len, "unload module %s", s->what);
}

static size_t claims(const struct step *s, struct claim *out)
{
	return eng_claim_what(s, "module", eng_toggle_was_on(s), out);
}

static int verify(struct vfh_ctx *ctx, const struct step *s, char *why, size_t len)
{
	if (!eng_toggle_was_on(s) || vfh_module_loaded(ctx, s->what) != 1)
		return 1;
	snprintf(why, len, "module %s is loaded again, the journal unloaded it", s->what);
	return 0;
}

const struct step_ops eng_step_module_unload = {
	.name = "module-unload",
	.apply_at = ENG_PREPARE,
	.undo_at = ENG_RELEASE,
	.what_ok = module_ok,
	.capture = capture,
	.apply = apply,
	.undo = undo,
	.describe = describe,
	.encode = eng_toggle_encode,
	.decode = eng_toggle_decode,
	.claims = claims,
	.verify = verify,
};
