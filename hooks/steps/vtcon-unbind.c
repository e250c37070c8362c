// SPDX-License-Identifier: LGPL-2.1-or-later
/* vtcon-unbind: the framebuffer console (fbcon) unbound from the virtual
 * terminals so that it lets go of the GPU's framebuffer; bound again on
 * release, wherever fbcon registered itself by then. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine.h"

static int vtcon_index(const char *what)
{
	char *end;
	long v;

	if (strncmp(what, "vtcon", 5) != 0)
		return -EINVAL;
	v = strtol(what + 5, &end, 10);
	return (*end || end == what + 5 || v < 0 || v > 63) ? -EINVAL : (int)v;
}

static bool vtcon_ok(const char *what)
{
	return vtcon_index(what) >= 0;
}

static int capture(struct vfh_ctx *ctx, struct step *s)
{
	struct vfh_vtcon *cons;
	size_t n;
	int r = vfh_vtcon_list(ctx, &cons, &n);

	if (r < 0)
		return r;
	eng_toggle_set(s, false);
	for (size_t i = 0; i < n; i++)
		if (cons[i].index == vtcon_index(s->what))
			eng_toggle_set(s, cons[i].bound);
	free(cons);
	return 0;
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	return eng_toggle_was_on(s)
		       ? vfh_vtcon_set_bound(ctx, vtcon_index(s->what), false) : 0;
}

/* fbcon unregisters itself when the last framebuffer goes and comes back
 * (maybe under another vtconN) when one is registered again: bind the
 * framebuffer console wherever it now is. */
static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	struct vfh_vtcon *cons;
	size_t n;
	int idx = -1, r;

	if (!eng_toggle_was_on(s))
		return 0;
	r = vfh_vtcon_list(ctx, &cons, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (!cons[i].is_framebuffer)
			continue;
		if (idx < 0 || cons[i].index == vtcon_index(s->what))
			idx = cons[i].index;
		if (cons[i].bound && cons[i].index == idx) {
			free(cons);
			return 0;	/* the kernel bound it already */
		}
	}
	free(cons);
	if (idx < 0) {
		eng_log(LOG_WARNING, "no framebuffer console to bind back (was %s): is the GPU's "
			"driver back?", s->what);
		return 0;
	}
	return vfh_vtcon_set_bound(ctx, idx, true);
}

static void describe(const struct step *s, char *buf, size_t len)
{
	snprintf(buf, len, "unbind the framebuffer console %s", s->what);
}

static size_t claims(const struct step *s, struct claim *out)
{
	return eng_claim_what(s, "vtcon", eng_toggle_was_on(s), out);
}

const struct step_ops eng_step_vtcon_unbind = {
	.name = "vtcon-unbind",
	.apply_at = ENG_PREPARE,
	.undo_at = ENG_RELEASE,
	.what_ok = vtcon_ok,
	.capture = capture,
	.apply = apply,
	.undo = undo,
	.describe = describe,
	.encode = eng_toggle_encode,
	.decode = eng_toggle_decode,
	.claims = claims,
};
