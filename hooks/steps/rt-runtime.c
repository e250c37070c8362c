// SPDX-License-Identifier: LGPL-2.1-or-later
/* rt-runtime: kernel.sched_rt_runtime_us while a real-time guest runs
 * (-1: its SCHED_FIFO vCPUs may take every cycle of their isolated CPUs,
 * not 95% of them).  Shared: the last domain out puts the original back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

#define SYSCTL "kernel.sched_rt_runtime_us"

struct rt_runtime {
	long value;
	long prior;
};
STEP_DATA_FITS(struct rt_runtime);

static bool what_ok(const char *what)
{
	return strcmp(what, SYSCTL) == 0;
}

int eng_step_init_rt_runtime(struct step *s, long us)
{
	int r = eng_step_init(s, &eng_step_rt_runtime, SYSCTL);

	if (r == 0)
		STEP_DATA(s, struct rt_runtime)->value = us;
	return r;
}

static int capture(struct vfh_ctx *ctx, struct step *s)
{
	return vfh_sched_rt_runtime_read(ctx, &STEP_DATA(s, struct rt_runtime)->prior);
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	return vfh_sched_rt_runtime_write(ctx, STEP_CDATA(s, struct rt_runtime)->value, NULL);
}

static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	return vfh_sched_rt_runtime_write(ctx, STEP_CDATA(s, struct rt_runtime)->prior, NULL);
}

static void describe(const struct step *s, char *buf, size_t len)
{
	const struct rt_runtime *d = STEP_CDATA(s, struct rt_runtime);

	if (s->captured)
		snprintf(buf, len, "set %s to %ld (was %ld)", SYSCTL, d->value, d->prior);
	else
		snprintf(buf, len, "set %s to %ld", SYSCTL, d->value);
}

static void put_long(struct kv_out *o, const char *key, long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%ld", v);
	kv_put(o, key, num);
}

static void encode(const struct step *s, struct kv_out *o)
{
	put_long(o, "value", STEP_CDATA(s, struct rt_runtime)->value);
	put_long(o, "prior", STEP_CDATA(s, struct rt_runtime)->prior);
}

static int decode(struct step *s, const char *key, const char *val)
{
	struct rt_runtime *d = STEP_DATA(s, struct rt_runtime);
	unsigned long v;
	long *dst;

	if (strcmp(key, "value") == 0)
		dst = &d->value;
	else if (strcmp(key, "prior") == 0)
		dst = &d->prior;
	else
		return -ENOENT;
	if (strcmp(val, "-1") == 0) {
		*dst = -1;
		return 0;
	}
	if (kv_uint(val, 1000000000UL, &v) < 0)
		return -EINVAL;
	*dst = (long)v;
	return 0;
}

static void adopt(struct step *s, const struct step *peer)
{
	STEP_DATA(s, struct rt_runtime)->prior = STEP_CDATA(peer, struct rt_runtime)->prior;
}

const struct step_ops eng_step_rt_runtime = {
	.name = "rt-runtime",
	.apply_at = ENG_PREPARE,
	.undo_at = ENG_RELEASE,
	.what_ok = what_ok,
	.capture = capture,
	.apply = apply,
	.undo = undo,
	.describe = describe,
	.encode = encode,
	.decode = decode,
	.shared = true,
	.adopt = adopt,
};
