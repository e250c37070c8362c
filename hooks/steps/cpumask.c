// SPDX-License-Identifier: LGPL-2.1-or-later
/* cpumask: a kernel CPU mask kept off the isolated CPUs while the domain
 * runs: an IRQ's affinity (what = "irqN", smp_affinity_list), the
 * affinity new IRQs get ("irq-default"), the unbound workqueues'
 * ("workqueue") and writeback's ("writeback").  Shared like cpu-isolate:
 * the last domain out puts back the original.  The kernel refuses to move
 * per-CPU and managed IRQs (-EIO): those stay where they are, said in the
 * log, and are no failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine.h"

struct cpumask {
	char isolated[128];	/* this domain's CPUs */
	char prior[128];	/* the affinity before */
	/* the IRQ was gone when its step came: planned while its device
	 * held it, freed since by an earlier step (the device's bind to
	 * vfio-pci); nothing to keep off, nothing to put back */
	bool gone;
};
STEP_DATA_FITS(struct cpumask);

enum { DEFAULT = -1, WORKQUEUE = -2, WRITEBACK = -3, BAD = -4 };

/* The IRQ number of "irqN", or one of the others */
static int target(const char *what)
{
	char *end;
	unsigned long n;

	if (strcmp(what, "irq-default") == 0)
		return DEFAULT;
	if (strcmp(what, "workqueue") == 0)
		return WORKQUEUE;
	if (strcmp(what, "writeback") == 0)
		return WRITEBACK;
	if (strncmp(what, "irq", 3) != 0 || what[3] < '0' || what[3] > '9')
		return BAD;
	n = strtoul(what + 3, &end, 10);
	return (*end || n > 1000000) ? BAD : (int)n;
}

static bool what_ok(const char *what)
{
	return target(what) != BAD;
}

int eng_step_init_cpumask(struct step *s, const char *what, const char *isolated)
{
	int r;

	if ((r = eng_step_init(s, &eng_step_cpumask, what)) < 0)
		return r;
	return kv_str(isolated, STEP_DATA(s, struct cpumask)->isolated,
		      sizeof(STEP_DATA(s, struct cpumask)->isolated));
}

static int read_aff(struct vfh_ctx *ctx, const struct step *s, struct vfh_cpuset *c)
{
	switch (target(s->what)) {
	case DEFAULT:
		return vfh_irq_default_affinity_read(ctx, c);
	case WORKQUEUE:
		return vfh_workqueue_cpumask_read(ctx, VFH_WQ_UNBOUND, c);
	case WRITEBACK:
		return vfh_workqueue_cpumask_read(ctx, VFH_WQ_WRITEBACK, c);
	default:
		return vfh_irq_affinity_read(ctx, (unsigned int)target(s->what), c);
	}
}

static int write_aff(struct vfh_ctx *ctx, const struct step *s, const struct vfh_cpuset *c)
{
	int irq = target(s->what), r;

	switch (irq) {
	case DEFAULT:
		return vfh_irq_default_affinity_write(ctx, c, NULL);
	case WORKQUEUE:
		return vfh_workqueue_cpumask_write(ctx, VFH_WQ_UNBOUND, c, NULL);
	case WRITEBACK:
		return vfh_workqueue_cpumask_write(ctx, VFH_WQ_WRITEBACK, c, NULL);
	default:
		r = vfh_irq_affinity_write(ctx, (unsigned int)irq, c);
		break;
	}
	if (r == -EIO) {
		/* per-CPU or managed by the kernel: it stays where it is */
		eng_log(LOG_NOTICE, "IRQ %d cannot be moved (per-CPU or managed by the kernel); it "
			"stays where it is", irq);
		vfh_ctx_clear_error(ctx);
		return 0;
	}
	if (r == -ENOENT) {
		vfh_ctx_clear_error(ctx);
		return 0;	/* its device went away */
	}
	return r;
}

static int capture(struct vfh_ctx *ctx, struct step *s)
{
	struct cpumask *d = STEP_DATA(s, struct cpumask);
	struct vfh_cpuset c;
	int r = read_aff(ctx, s, &c);

	if (r == -ENOENT && target(s->what) >= 0) {
		vfh_ctx_clear_error(ctx);
		d->gone = true;
		return 0;
	}
	if (r < 0)
		return r;
	return vfh_cpuset_format_list(&c, d->prior, sizeof(d->prior));
}

static int set_for(struct vfh_ctx *ctx, const struct step *s, bool with_mine)
{
	const struct cpumask *d = STEP_CDATA(s, struct cpumask);
	struct vfh_cpuset base, want;
	int r;

	if ((r = vfh_cpuset_parse_list(d->prior, VFH_CPUSET_EMPTY_OK, &base)) < 0 ||
	    (r = eng_isolated_minus(ctx, s->domain, d->isolated, with_mine, &base, &want)) < 0)
		return r;
	return write_aff(ctx, s, &want);
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	if (STEP_CDATA(s, struct cpumask)->gone)
		return 0;
	return set_for(ctx, s, true);
}

static int refresh(struct vfh_ctx *ctx, const struct step *s)
{
	if (STEP_CDATA(s, struct cpumask)->gone)
		return 0;
	return set_for(ctx, s, false);
}

static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	struct vfh_cpuset prior;
	int r;

	if (STEP_CDATA(s, struct cpumask)->gone)
		return 0;
	r = vfh_cpuset_parse_list(STEP_CDATA(s, struct cpumask)->prior, 0, &prior);

	return r < 0 ? r : write_aff(ctx, s, &prior);
}

static void describe(const struct step *s, char *buf, size_t len)
{
	const struct cpumask *d = STEP_CDATA(s, struct cpumask);
	int t = target(s->what);
	char which[40];

	if (t >= 0)
		snprintf(which, sizeof(which), "IRQ %d", t);
	else
		snprintf(which, sizeof(which), "%s", t == DEFAULT ? "new IRQs" :
			 t == WORKQUEUE ? "unbound workqueues" : "writeback");
	if (s->captured && d->gone)
		snprintf(buf, len, "keep %s off CPUs %s (gone: its device let it go)", which,
			 d->isolated);
	else if (s->captured)
		snprintf(buf, len, "keep %s off CPUs %s (affinity was %s)", which, d->isolated,
			 d->prior);
	else
		snprintf(buf, len, "keep %s off CPUs %s", which, d->isolated);
}

static void encode(const struct step *s, struct kv_out *o)
{
	const struct cpumask *d = STEP_CDATA(s, struct cpumask);

	kv_put(o, "isolated", d->isolated);
	if (d->gone)
		kv_put(o, "gone", "1");
	else
		kv_put(o, "prior", d->prior);
}

static int decode(struct step *s, const char *key, const char *val)
{
	struct cpumask *d = STEP_DATA(s, struct cpumask);
	struct vfh_cpuset c;

	if (strcmp(key, "gone") == 0 && strcmp(val, "1") == 0) {
		d->gone = true;
		return 0;
	}
	if (strcmp(key, "isolated") != 0 && strcmp(key, "prior") != 0)
		return -ENOENT;
	if (vfh_cpuset_parse_list(val, 0, &c) < 0)
		return -EINVAL;
	return kv_str(val, key[0] == 'i' ? d->isolated : d->prior, sizeof(d->prior));
}

static void adopt(struct step *s, const struct step *peer)
{
	memcpy(STEP_DATA(s, struct cpumask)->prior, STEP_CDATA(peer, struct cpumask)->prior,
	       sizeof(STEP_CDATA(peer, struct cpumask)->prior));
	STEP_DATA(s, struct cpumask)->gone = STEP_CDATA(peer, struct cpumask)->gone;
}

static size_t claims(const struct step *s, struct claim *out)
{
	return eng_claim_isolate(STEP_CDATA(s, struct cpumask)->isolated, out);
}

const struct step_ops eng_step_cpumask = {
	.name = "cpumask",
	.apply_at = ENG_PREPARE,
	.undo_at = ENG_RELEASE,
	.what_ok = what_ok,
	.capture = capture,
	.apply = apply,
	.undo = undo,
	.describe = describe,
	.encode = encode,
	.decode = decode,
	.claims = claims,
	.shared = true,
	.adopt = adopt,
	.refresh = refresh,
};
