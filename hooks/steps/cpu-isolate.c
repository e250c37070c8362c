// SPDX-License-Identifier: LGPL-2.1-or-later
/* cpu-isolate: host work kept off the CPUs a domain's vCPUs run on, while
 * it runs: with systemd, AllowedCPUs of system.slice, user.slice and
 * init.scope set at runtime (as `systemctl set-property --runtime` does),
 * machine.slice (libvirt's VMs) left alone; without it, cpuset.cpus of
 * the host's cgroups written directly (cgroup v2).  Shared: each domain
 * takes its CPUs away, and one stopping gives back only its own; the
 * last one out puts back what was there (computed from the ledger, never
 * from a value saved by whoever came first). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "engine.h"

#define RAW "cgroup:"

struct cpu_isolate {
	char isolated[128];	/* this domain's CPUs */
	char prior[128];	/* AllowedCPUs / cpuset.cpus before; "" not set */
	bool enabled_before;	/* raw: the cpuset controller was on for it */
};
STEP_DATA_FITS(struct cpu_isolate);

static bool raw(const struct step *s)
{
	return strncmp(s->what, RAW, strlen(RAW)) == 0;
}

static const char *cgroup_of(const struct step *s)
{
	return s->what + strlen(RAW);
}

static bool what_ok(const char *what)
{
	const char *c = strncmp(what, RAW, strlen(RAW)) == 0 ? what + strlen(RAW) : what;

	/* a top-level cgroup or a unit: no path in it */
	return *c && !strchr(c, '/') && c[0] != '.';
}

int eng_step_init_cpu_isolate(struct step *s, const char *target, bool systemd,
			      const char *isolated)
{
	char what[STEP_WHAT_MAX];
	int r;

	snprintf(what, sizeof(what), "%s%s", systemd ? "" : RAW, target);
	if ((r = eng_step_init(s, &eng_step_cpu_isolate, what)) < 0)
		return r;
	return kv_str(isolated, STEP_DATA(s, struct cpu_isolate)->isolated,
		      sizeof(STEP_DATA(s, struct cpu_isolate)->isolated));
}

static int read_cpus(struct vfh_ctx *ctx, const struct step *s, struct vfh_cpuset *cpus)
{
	if (raw(s))
		return vfh_cgroup_cpus_read(ctx, cgroup_of(s), cpus, NULL);
	return vfh_unit_get_allowed_cpus(ctx, s->what, cpus);
}

static int write_cpus(struct vfh_ctx *ctx, const struct step *s, const struct vfh_cpuset *cpus)
{
	if (raw(s))
		return vfh_cgroup_cpus_write(ctx, cgroup_of(s), cpus, NULL, NULL);
	return vfh_unit_set_allowed_cpus(ctx, s->what, cpus, true);
}

static int capture(struct vfh_ctx *ctx, struct step *s)
{
	struct cpu_isolate *d = STEP_DATA(s, struct cpu_isolate);
	struct vfh_cpuset cpus;
	int r = read_cpus(ctx, s, &cpus);

	d->enabled_before = true;
	if (r == -EOPNOTSUPP && raw(s)) {
		/* the controller is not on for it: nothing set */
		d->enabled_before = false;
		d->prior[0] = '\0';
		return 0;
	}
	if (r < 0)
		return r;
	return vfh_cpuset_format_list(&cpus, d->prior, sizeof(d->prior));
}

/* What the target gets: its original CPUs (or the online ones) minus
 * every CPU isolated for the running domains, this one's when with_mine. */
static int set_for(struct vfh_ctx *ctx, const struct step *s, bool with_mine)
{
	const struct cpu_isolate *d = STEP_CDATA(s, struct cpu_isolate);
	struct vfh_cpuset base, want;
	int r;

	vfh_cpuset_zero(&base);
	if (*d->prior && (r = vfh_cpuset_parse_list(d->prior, 0, &base)) < 0)
		return r;
	r = eng_isolated_minus(ctx, s->domain, d->isolated, with_mine, &base, &want);
	if (r == -ENOSPC)
		return -ENOSPC;
	if (r < 0)
		return r;
	if (raw(s) && !d->enabled_before) {
		unsigned int n = 0;

		if ((r = vfh_cgroup_cpuset_enable(ctx, cgroup_of(s), &n)) < 0)
			return r;
	}
	return write_cpus(ctx, s, &want);
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	return set_for(ctx, s, true);
}

static int refresh(struct vfh_ctx *ctx, const struct step *s)
{
	return set_for(ctx, s, false);
}

/* The top-level cgroup's cpuset.cpus back to "": on a kernel that refuses
 * to empty the cpuset of a cgroup with tasks (-ENOSPC, validate_change()
 * in 6.1), its parent's CPUs, which is what "" means for it. */
static int write_empty(struct vfh_ctx *ctx, const struct step *s, const struct vfh_cpuset *none)
{
	struct vfh_cpuset all;
	int r = write_cpus(ctx, s, none);

	if (r != -ENOSPC || !raw(s))
		return r;
	vfh_ctx_clear_error(ctx);
	if ((r = vfh_cgroup_cpus_read(ctx, "/", NULL, &all)) < 0 ||
	    (r = write_cpus(ctx, s, &all)) < 0)
		return r;
	eng_log(LOG_NOTICE, "cgroup %s: the kernel keeps a cgroup with tasks from having no "
		"cpuset.cpus of its own; it gets all of its parent's CPUs instead", cgroup_of(s));
	return 0;
}

static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	const struct cpu_isolate *d = STEP_CDATA(s, struct cpu_isolate);
	struct vfh_cpuset prior;
	int r;

	vfh_cpuset_zero(&prior);
	if (*d->prior && (r = vfh_cpuset_parse_list(d->prior, 0, &prior)) < 0)
		return r;
	if (raw(s) && !d->enabled_before) {
		/* cpuset.cpus goes with the controller: taking it away first
		 * puts the cgroup back exactly (emptying cpuset.cpus of a
		 * cgroup with tasks is refused, see write_empty()) */
		r = vfh_cgroup_cpuset_disable(ctx, cgroup_of(s), 1);
		if (r == 0 || r == -ENOENT)
			return 0;
		if (r != -EBUSY)
			return r;
		/* a cgroup made since (libvirt's machine) uses cpuset now: it
		 * stays on, and this cgroup's CPUs are put back alone */
		vfh_ctx_clear_error(ctx);
		eng_log(LOG_NOTICE, "cgroup %s: cpuset stays enabled below the root: another "
			"cgroup uses it now", cgroup_of(s));
		r = write_empty(ctx, s, &prior);
		return r == -EOPNOTSUPP || r == -ENOENT ? 0 : r;
	}
	r = vfh_cpuset_empty(&prior) ? write_empty(ctx, s, &prior) : write_cpus(ctx, s, &prior);
	return r == -ENOENT ? 0 : r;	/* the unit or cgroup is gone: nothing to put back */
}

static void describe(const struct step *s, char *buf, size_t len)
{
	const struct cpu_isolate *d = STEP_CDATA(s, struct cpu_isolate);

	if (raw(s))
		snprintf(buf, len, "keep cgroup %s off CPUs %s (cpuset.cpus was '%s')", cgroup_of(s),
			 d->isolated, d->prior);
	else if (s->captured)
		snprintf(buf, len, "keep %s off CPUs %s (AllowedCPUs was '%s')", s->what,
			 d->isolated, d->prior);
	else
		snprintf(buf, len, "keep %s off CPUs %s", s->what, d->isolated);
}

static void encode(const struct step *s, struct kv_out *o)
{
	const struct cpu_isolate *d = STEP_CDATA(s, struct cpu_isolate);

	kv_put(o, "isolated", d->isolated);
	kv_put(o, "prior", d->prior);
	kv_put_uint(o, "enabled_before", d->enabled_before);
}

static bool list_ok(const char *v, bool empty_ok)
{
	struct vfh_cpuset c;

	return vfh_cpuset_parse_list(v, empty_ok ? VFH_CPUSET_EMPTY_OK : 0, &c) == 0;
}

static int decode(struct step *s, const char *key, const char *val)
{
	struct cpu_isolate *d = STEP_DATA(s, struct cpu_isolate);

	if (strcmp(key, "isolated") == 0)
		return list_ok(val, false) ? kv_str(val, d->isolated, sizeof(d->isolated)) : -EINVAL;
	if (strcmp(key, "prior") == 0)
		return list_ok(val, true) ? kv_str(val, d->prior, sizeof(d->prior)) : -EINVAL;
	if (strcmp(key, "enabled_before") == 0)
		return kv_bool(val, &d->enabled_before);
	return -ENOENT;
}

static void adopt(struct step *s, const struct step *peer)
{
	struct cpu_isolate *d = STEP_DATA(s, struct cpu_isolate);
	const struct cpu_isolate *p = STEP_CDATA(peer, struct cpu_isolate);

	memcpy(d->prior, p->prior, sizeof(d->prior));
	d->enabled_before = p->enabled_before;
}

static size_t claims(const struct step *s, struct claim *out)
{
	return eng_claim_isolate(STEP_CDATA(s, struct cpu_isolate)->isolated, out);
}

static int verify(struct vfh_ctx *ctx, const struct step *s, char *why, size_t len)
{
	const struct cpu_isolate *d = STEP_CDATA(s, struct cpu_isolate);
	struct vfh_cpuset now, iso, both;

	if (read_cpus(ctx, s, &now) < 0 || vfh_cpuset_parse_list(d->isolated, 0, &iso) < 0)
		return 1;
	vfh_cpuset_and(&both, &now, &iso);
	if (!vfh_cpuset_empty(&now) && vfh_cpuset_empty(&both))
		return 1;
	snprintf(why, len, "%s may run on CPUs %s again, the journal keeps it off them", s->what,
		 d->isolated);
	return 0;
}

const struct step_ops eng_step_cpu_isolate = {
	.name = "cpu-isolate",
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
	.verify = verify,
	.shared = true,
	.adopt = adopt,
	.refresh = refresh,
};
