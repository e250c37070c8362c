// SPDX-License-Identifier: LGPL-2.1-or-later
/* reset: a device reset at prepare and/or before release (in `stopped`,
 * while it is still on vfio-pci), by the kernel's function reset or by a
 * suspend to RAM.  Holds nothing; a failed reset is not retried. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

struct reset {
	int reset;		/* RESET_AUTO, RESET_SUSPEND */
	int reset_at;		/* RESET_AT_* mask */
	unsigned int seconds, attempts;
};
STEP_DATA_FITS(struct reset);

static bool addr_ok(const char *what)
{
	struct vfh_pci_addr a;

	return vfh_pci_addr_parse(what, &a) == 0;
}

int eng_step_init_reset(struct step *s, const char *addr, int reset, int reset_at,
			unsigned int seconds, unsigned int attempts)
{
	int r = eng_step_init(s, &eng_step_reset, addr);
	struct reset *d = STEP_DATA(s, struct reset);

	if (r < 0)
		return r;
	d->reset = reset;
	d->reset_at = reset_at;
	d->seconds = seconds;
	d->attempts = attempts;
	return 0;
}

static int do_reset(struct vfh_ctx *ctx, const struct step *s)
{
	const struct reset *d = STEP_CDATA(s, struct reset);
	struct vfh_pci_addr a;

	if (vfh_pci_addr_parse(s->what, &a) < 0)
		return -EINVAL;
	if (d->reset == RESET_SUSPEND) {
		struct vfh_suspend_opts o = { d->seconds, d->attempts, -1 };

		return vfh_pci_suspend_reset(ctx, &a, &o, NULL);
	}
	return vfh_pci_reset(ctx, &a);
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	return (STEP_CDATA(s, struct reset)->reset_at & RESET_AT_PREPARE) ? do_reset(ctx, s) : 0;
}

static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	return (STEP_CDATA(s, struct reset)->reset_at & RESET_AT_RELEASE) ? do_reset(ctx, s) : 0;
}

static void describe(const struct step *s, char *buf, size_t len)
{
	const struct reset *d = STEP_CDATA(s, struct reset);

	snprintf(buf, len, "%s reset of %s %s",
		 d->reset == RESET_SUSPEND ? "suspend" : d->reset == RESET_AUTO ? "function" : "no",
		 s->what,
		 d->reset_at == RESET_AT_PREPARE ? "at prepare" :
		 d->reset_at == RESET_AT_RELEASE ? "before release" :
		 "at prepare and before release");
}

static void encode(const struct step *s, struct kv_out *o)
{
	const struct reset *d = STEP_CDATA(s, struct reset);

	kv_put_uint(o, "reset", (unsigned long)d->reset);
	kv_put_uint(o, "reset_at", (unsigned long)d->reset_at);
	kv_put_uint(o, "seconds", d->seconds);
	kv_put_uint(o, "attempts", d->attempts);
}

static int decode(struct step *s, const char *key, const char *val)
{
	struct reset *d = STEP_DATA(s, struct reset);
	unsigned long n;
	int r;

	if (strcmp(key, "reset") == 0) {
		if ((r = kv_uint(val, RESET_SUSPEND, &n)) == 0)
			d->reset = (int)n;
	} else if (strcmp(key, "reset_at") == 0) {
		if ((r = kv_uint(val, RESET_AT_PREPARE | RESET_AT_RELEASE, &n)) == 0)
			d->reset_at = (int)n;
	} else if (strcmp(key, "seconds") == 0) {
		if ((r = kv_uint(val, 60, &n)) == 0)
			d->seconds = (unsigned int)n;
	} else if (strcmp(key, "attempts") == 0) {
		if ((r = kv_uint(val, 10, &n)) == 0)
			d->attempts = (unsigned int)n;
	} else {
		r = -ENOENT;
	}
	return r;
}

const struct step_ops eng_step_reset = {
	.name = "reset",
	.apply_at = ENG_PREPARE,
	/* before libvirt hands managed devices back to their drivers */
	.undo_at = ENG_STOPPED,
	.undo_best_effort = true,
	.what_ok = addr_ok,
	.apply = apply,
	.undo = undo,
	.describe = describe,
	.encode = encode,
	.decode = decode,
};
