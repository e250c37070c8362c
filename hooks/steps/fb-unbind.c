// SPDX-License-Identifier: LGPL-2.1-or-later
/* fb-unbind: a firmware framebuffer (efi-framebuffer.0 on efifb,
 * simple-framebuffer.0...) unbound from its platform driver, so that it
 * lets go of the boot GPU's memory; bound again on release. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine.h"

struct fb_unbind {
	struct step_toggle t;		/* bound to the driver before */
	char driver[VFH_NAME_MAX];	/* the platform driver */
};
STEP_DATA_FITS(struct fb_unbind);

static bool dev_ok(const char *what)
{
	return *what && !strchr(what, '/') && what[0] != '.';
}

int eng_step_init_fb_unbind(struct step *s, const char *device, const char *driver)
{
	int r = eng_step_init(s, &eng_step_fb_unbind, device);

	if (r < 0)
		return r;
	return kv_str(driver, STEP_DATA(s, struct fb_unbind)->driver, VFH_NAME_MAX);
}

static int capture(struct vfh_ctx *ctx, struct step *s)
{
	struct fb_unbind *d = STEP_DATA(s, struct fb_unbind);
	struct vfh_platform_dev *devs;
	size_t n;
	int r = vfh_fb_platform_list(ctx, &devs, &n);

	if (r < 0)
		return r;
	eng_toggle_set(s, false);
	for (size_t i = 0; i < n; i++)
		if (strcmp(devs[i].device, s->what) == 0 && strcmp(devs[i].driver, d->driver) == 0)
			eng_toggle_set(s, true);
	free(devs);
	return 0;
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	const struct fb_unbind *d = STEP_CDATA(s, struct fb_unbind);

	return eng_toggle_was_on(s) ? vfh_platform_unbind(ctx, d->driver, s->what) : 0;
}

static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	const struct fb_unbind *d = STEP_CDATA(s, struct fb_unbind);

	if (!eng_toggle_was_on(s))
		return 0;
	/* a GPU driver that took over the firmware framebuffer removes its
	 * platform device, and so does vfio-pci taking the boot GPU (kernels
	 * >= 6.0: aperture_remove_conflicting_pci_devices()): then there is
	 * nothing to rebind until a reboot */
	if (vfh_platform_dev_present(ctx, s->what) == 0) {
		eng_log(LOG_NOTICE, "%s: %s is gone (removed by the driver that took the boot GPU: "
			"vfio-pci does on kernels >= 6.0): nothing to bind back; the console "
			"returns with the GPU's own driver", s->domain, s->what);
		return 0;
	}
	return vfh_platform_bind(ctx, d->driver, s->what);
}

static void describe(const struct step *s, char *buf, size_t len)
{
	snprintf(buf, len, "unbind %s from %s", s->what, STEP_CDATA(s, struct fb_unbind)->driver);
}

static void encode(const struct step *s, struct kv_out *o)
{
	const struct fb_unbind *d = STEP_CDATA(s, struct fb_unbind);

	kv_put(o, "target", d->driver);
	eng_toggle_encode(s, o);
}

static int decode(struct step *s, const char *key, const char *val)
{
	struct fb_unbind *d = STEP_DATA(s, struct fb_unbind);

	if (strcmp(key, "target") == 0)
		return kv_str(val, d->driver, sizeof(d->driver));
	return eng_toggle_decode(s, key, val);
}

static size_t claims(const struct step *s, struct claim *out)
{
	return eng_claim_what(s, "fb", eng_toggle_was_on(s), out);
}

const struct step_ops eng_step_fb_unbind = {
	.name = "fb-unbind",
	.apply_at = ENG_PREPARE,
	.undo_at = ENG_RELEASE,
	.what_ok = dev_ok,
	.capture = capture,
	.apply = apply,
	.undo = undo,
	.describe = describe,
	.encode = encode,
	.decode = decode,
	.claims = claims,
};
