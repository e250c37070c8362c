// SPDX-License-Identifier: LGPL-2.1-or-later
/* governor: an isolated CPU's cpufreq governor while the domain runs
 * ([cpus] governor = performance: a real-time guest's vCPUs do not wait
 * for the CPU to clock up), the one before put back after.  A CPU is
 * isolated for one domain at a time (the plan refuses overlaps), so the
 * kind is not shared. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

struct governor {
	char value[32];
	char prior[32];
};
STEP_DATA_FITS(struct governor);

/* "cpuN" */
static int cpu_of(const char *what, unsigned int *cpu)
{
	unsigned long n;
	char *end;

	if (strncmp(what, "cpu", 3) != 0 || what[3] < '0' || what[3] > '9')
		return -EINVAL;
	n = strtoul(what + 3, &end, 10);
	if (*end || n >= VFH_CPUS_MAX)
		return -EINVAL;
	*cpu = (unsigned int)n;
	return 0;
}

static bool what_ok(const char *what)
{
	unsigned int cpu;

	return cpu_of(what, &cpu) == 0;
}

int eng_step_init_governor(struct step *s, unsigned int cpu, const char *governor)
{
	char what[32];
	int r;

	snprintf(what, sizeof(what), "cpu%u", cpu);
	if ((r = eng_step_init(s, &eng_step_governor, what)) < 0)
		return r;
	return kv_str(governor, STEP_DATA(s, struct governor)->value,
		      sizeof(STEP_DATA(s, struct governor)->value));
}

static int capture(struct vfh_ctx *ctx, struct step *s)
{
	struct governor *d = STEP_DATA(s, struct governor);
	unsigned int cpu;

	if (cpu_of(s->what, &cpu) < 0)
		return -EINVAL;
	return vfh_cpufreq_governor_read(ctx, cpu, d->prior, sizeof(d->prior));
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	unsigned int cpu;

	if (cpu_of(s->what, &cpu) < 0)
		return -EINVAL;
	return vfh_cpufreq_governor_write(ctx, cpu, STEP_CDATA(s, struct governor)->value, NULL,
					  0);
}

static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	const struct governor *d = STEP_CDATA(s, struct governor);
	char now[32];
	unsigned int cpu;
	int r;

	if (cpu_of(s->what, &cpu) < 0)
		return -EINVAL;
	if ((r = vfh_cpufreq_governor_read(ctx, cpu, now, sizeof(now))) < 0)
		return r;
	if (strcmp(now, d->prior) == 0)
		return 0;	/* never applied, or already back */
	return vfh_cpufreq_governor_write(ctx, cpu, d->prior, NULL, 0);
}

static void describe(const struct step *s, char *buf, size_t len)
{
	const struct governor *d = STEP_CDATA(s, struct governor);

	if (s->captured)
		snprintf(buf, len, "set %s's cpufreq governor to %s (was %s)", s->what, d->value,
			 d->prior);
	else
		snprintf(buf, len, "set %s's cpufreq governor to %s", s->what, d->value);
}

static void encode(const struct step *s, struct kv_out *o)
{
	kv_put(o, "value", STEP_CDATA(s, struct governor)->value);
	kv_put(o, "prior", STEP_CDATA(s, struct governor)->prior);
}

static int decode(struct step *s, const char *key, const char *val)
{
	struct governor *d = STEP_DATA(s, struct governor);

	if (strcmp(key, "value") == 0)
		return kv_str(val, d->value, sizeof(d->value));
	if (strcmp(key, "prior") == 0)
		return kv_str(val, d->prior, sizeof(d->prior));
	return -ENOENT;
}

static int verify(struct vfh_ctx *ctx, const struct step *s, char *why, size_t len)
{
	char now[32];
	unsigned int cpu;

	if (cpu_of(s->what, &cpu) < 0 || vfh_cpufreq_governor_read(ctx, cpu, now, sizeof(now)) < 0)
		now[0] = '\0';
	if (strcmp(now, STEP_CDATA(s, struct governor)->value) != 0) {
		snprintf(why, len, "%s's cpufreq governor is '%s', not %s", s->what, now,
			 STEP_CDATA(s, struct governor)->value);
		return 0;
	}
	return 1;
}

const struct step_ops eng_step_governor = {
	.name = "governor",
	.apply_at = ENG_PREPARE,
	.undo_at = ENG_RELEASE,
	.what_ok = what_ok,
	.capture = capture,
	.apply = apply,
	.undo = undo,
	.describe = describe,
	.encode = encode,
	.decode = decode,
	.verify = verify,
};
