// SPDX-License-Identifier: LGPL-2.1-or-later
/* module-unload: a GPU driver module unloaded once its device is gone
 * (single-GPU); loaded again on release if it was loaded. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

struct module_unload {
	bool was_on;		/* loaded before */
};
STEP_DATA_FITS(struct module_unload);

static bool module_ok(const char *what)
{
	return *what && !strchr(what, '/') && what[0] != '-' && what[0] != '.';
}

static int capture(struct vfh_ctx *ctx, struct step *s)
{
	int r = vfh_module_loaded(ctx, s->what);

	if (r < 0)
		return r;
	STEP_DATA(s, struct module_unload)->was_on = r;
	return 0;
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	return STEP_CDATA(s, struct module_unload)->was_on ? vfh_module_unload(ctx, s->what) : 0;
}

static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	return STEP_CDATA(s, struct module_unload)->was_on ? vfh_module_load(ctx, s->what) : 0;
}

static void describe(const struct step *s, char *buf, size_t len)
{
	snprintf(buf, len, "unload module %s", s->what);
}

static void encode(const struct step *s, struct kv_out *o)
{
	kv_put_uint(o, "was_on", STEP_CDATA(s, struct module_unload)->was_on);
}

static int decode(struct step *s, const char *key, const char *val)
{
	return strcmp(key, "was_on") == 0
		       ? kv_bool(val, &STEP_DATA(s, struct module_unload)->was_on) : -ENOENT;
}

static size_t claims(const struct step *s, struct claim *out)
{
	if (!STEP_CDATA(s, struct module_unload)->was_on)
		return 0;
	snprintf(out->type, sizeof(out->type), "module");
	snprintf(out->key, sizeof(out->key), "%s", s->what);
	out->exclusive = true;
	return 1;
}

static int verify(struct vfh_ctx *ctx, const struct step *s, char *why, size_t len)
{
	if (!STEP_CDATA(s, struct module_unload)->was_on || vfh_module_loaded(ctx, s->what) != 1)
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
	.encode = encode,
	.decode = decode,
	.claims = claims,
	.verify = verify,
};
