// SPDX-License-Identifier: LGPL-2.1-or-later
/* pci-bind: a device moved to a driver (vfio-pci) for the VM; undone by
 * putting back the driver and driver_override it had. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

struct pci_bind {
	char target[VFH_NAME_MAX];	/* the driver it goes to */
	struct vfh_pci_binding prior;	/* what it had */
	/* > 0: what held its nodes was asked to stop before; wait at most
	 * this long for the holders to let go before the unbind */
	unsigned int held_wait_ms;
};
STEP_DATA_FITS(struct pci_bind);

static bool addr_ok(const char *what)
{
	struct vfh_pci_addr a;

	return vfh_pci_addr_parse(what, &a) == 0;
}

int eng_step_init_pci_bind(struct step *s, const char *addr, const char *driver)
{
	int r = eng_step_init(s, &eng_step_pci_bind, addr);

	if (r < 0)
		return r;
	return kv_str(driver, STEP_DATA(s, struct pci_bind)->target, VFH_NAME_MAX);
}

void eng_step_pci_bind_held_wait(struct step *s, unsigned int ms)
{
	STEP_DATA(s, struct pci_bind)->held_wait_ms = ms;
}

static int capture(struct vfh_ctx *ctx, struct step *s)
{
	struct vfh_pci_addr a;

	if (vfh_pci_addr_parse(s->what, &a) < 0)
		return -EINVAL;
	return vfh_pci_binding_read(ctx, &a, &STEP_DATA(s, struct pci_bind)->prior);
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	struct vfh_pci_addr a;

	const struct pci_bind *d = STEP_CDATA(s, struct pci_bind);
	int r;

	if (vfh_pci_addr_parse(s->what, &a) < 0)
		return -EINVAL;
	/* a device already on its target has nothing to unbind */
	if (d->held_wait_ms && strcmp(d->prior.driver, d->target) != 0 &&
	    (r = vfh_pci_holders_wait(ctx, &a, d->held_wait_ms)) < 0)
		return r;
	return vfh_pci_bind(ctx, &a, d->target, NULL);
}

static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	const struct pci_bind *d = STEP_CDATA(s, struct pci_bind);
	struct vfh_pci_addr a;
	int r;

	if (vfh_pci_addr_parse(s->what, &a) < 0)
		return -EINVAL;
	r = vfh_pci_restore(ctx, &a, &d->prior);
	if (r == -ENODEV) {
		/* off the bus (a reset that died half-way, a surprise
		 * removal): bring it back, then put its driver back */
		struct vfh_pci_removed gone = { a, d->prior };

		r = vfh_pci_rescan(ctx, &gone, 1);
	}
	return r;
}

static void describe(const struct step *s, char *buf, size_t len)
{
	const struct pci_bind *d = STEP_CDATA(s, struct pci_bind);

	if (s->captured)
		snprintf(buf, len, "bind %s to %s (was %s)", s->what, d->target,
			 *d->prior.driver ? d->prior.driver : "no driver");
	else
		snprintf(buf, len, "bind %s to %s", s->what, d->target);
}

static void encode(const struct step *s, struct kv_out *o)
{
	const struct pci_bind *d = STEP_CDATA(s, struct pci_bind);

	kv_put(o, "target", d->target);
	kv_put(o, "prior_driver", d->prior.driver);
	kv_put(o, "prior_override", d->prior.driver_override);
	if (d->held_wait_ms)
		kv_put_uint(o, "held_wait_ms", d->held_wait_ms);
}

static int decode(struct step *s, const char *key, const char *val)
{
	struct pci_bind *d = STEP_DATA(s, struct pci_bind);

	if (strcmp(key, "target") == 0)
		return kv_str(val, d->target, sizeof(d->target));
	if (strcmp(key, "prior_driver") == 0)
		return kv_str(val, d->prior.driver, sizeof(d->prior.driver));
	if (strcmp(key, "prior_override") == 0)
		return kv_str(val, d->prior.driver_override, sizeof(d->prior.driver_override));
	if (strcmp(key, "held_wait_ms") == 0) {
		unsigned long v;
		int r = kv_uint(val, 600000, &v);

		d->held_wait_ms = (unsigned int)v;
		return r;
	}
	return -ENOENT;
}

static size_t claims(const struct step *s, struct claim *out)
{
	return eng_claim_what(s, "pci", true, out);
}

static int verify(struct vfh_ctx *ctx, const struct step *s, char *why, size_t len)
{
	const struct pci_bind *d = STEP_CDATA(s, struct pci_bind);
	struct vfh_pci_binding now;
	struct vfh_pci_addr a;

	if (vfh_pci_addr_parse(s->what, &a) < 0)
		return 0;
	if (vfh_pci_binding_read(ctx, &a, &now) < 0) {
		snprintf(why, len, "%s is gone from the bus, the journal says it is on %s", s->what,
			 d->target);
		return 0;
	}
	if (strcmp(now.driver, d->target) == 0)
		return 1;
	snprintf(why, len, "%s is on %s, the journal says %s", s->what,
		 *now.driver ? now.driver : "no driver", d->target);
	return 0;
}

const struct step_ops eng_step_pci_bind = {
	.name = "pci-bind",
	.apply_at = ENG_PREPARE,
	.undo_at = ENG_RELEASE,
	.what_ok = addr_ok,
	.capture = capture,
	.apply = apply,
	.undo = undo,
	.describe = describe,
	.encode = encode,
	.decode = decode,
	.claims = claims,
	.verify = verify,
};
