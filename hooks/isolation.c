// SPDX-License-Identifier: LGPL-2.1-or-later
/* CPUs kept free of host work for the domains that run: the union of
 * every live journal's "isolate" claims, and what the host keeps. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

int eng_isolated(struct vfh_ctx *ctx, const char *self, struct vfh_cpuset *out)
{
	struct ledger l;
	int r = eng_ledger_load(ctx, self, &l);

	vfh_cpuset_zero(out);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		struct vfh_cpuset one;

		if (strcmp(l.v[i].c.type, "isolate") != 0 ||
		    vfh_cpuset_parse_list(l.v[i].c.key, 0, &one) < 0)
			continue;
		vfh_cpuset_or(out, out, &one);
	}
	eng_ledger_free(&l);
	return 0;
}

int eng_isolated_minus(struct vfh_ctx *ctx, const char *self, const char *mine, bool with_mine,
		       const struct vfh_cpuset *base, struct vfh_cpuset *out)
{
	struct vfh_cpuset iso, m, online;
	int r = eng_isolated(ctx, self, &iso);

	if (r < 0)
		return r;
	if (with_mine && vfh_cpuset_parse_list(mine, 0, &m) == 0)
		vfh_cpuset_or(&iso, &iso, &m);
	if (base && !vfh_cpuset_empty(base)) {
		*out = *base;
	} else {
		if ((r = vfh_cpus_read(ctx, VFH_CPUS_ONLINE, &online)) < 0)
			return r;
		*out = online;
	}
	vfh_cpuset_andnot(out, out, &iso);
	if (vfh_cpuset_empty(out)) {
		/* what it had is all isolated: the CPUs the host keeps */
		if ((r = vfh_cpus_read(ctx, VFH_CPUS_ONLINE, &online)) < 0)
			return r;
		vfh_cpuset_andnot(out, &online, &iso);
	}
	return vfh_cpuset_empty(out) ? -ENOSPC : 0;
}

size_t eng_claim_isolate(const char *isolated, struct claim *out)
{
	snprintf(out->type, sizeof(out->type), "isolate");
	snprintf(out->key, sizeof(out->key), "%s", isolated);
	out->amount = 1;
	out->exclusive = false;
	return 1;
}
