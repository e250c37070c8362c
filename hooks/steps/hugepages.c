// SPDX-License-Identifier: LGPL-2.1-or-later
/* hugepages: a domain's hugepages added to the pool of one NUMA node (or
 * the host's) and page size before QEMU starts, taken back after.  Each
 * domain adds its own pages and takes back only those, so that domains
 * starting and stopping in any order leave the pool as it was, and the
 * pages the host reserved at boot are never touched.
 *
 * keep ([memory] hugepages = keep, the "always-on" profile without a
 * boot-time reservation): the pages stay in the pool after the domain
 * stops, for its next start, which adds only what the free pages lack.
 * Nothing gives them back but the user (hugepages = auto, or writing
 * nr_hugepages). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

struct hugepages {
	int node;			/* VFH_NODE_ALL or N */
	uint64_t size_kb;
	uint64_t count;			/* this domain's pages */
	uint64_t prior;			/* the pool's persistent pages before */
	uint64_t avail;			/* keep: free pages nobody had reserved */
	unsigned int attempts;
	bool drop_caches;
	bool keep;
};
STEP_DATA_FITS(struct hugepages);

/* "node0/2048kB", "host/2048kB" */
static int what_parse(const char *what, int *node, uint64_t *size_kb)
{
	char *end;
	unsigned long long v;
	const char *p;

	if (strncmp(what, "host/", 5) == 0) {
		*node = VFH_NODE_ALL;
		p = what + 5;
	} else if (strncmp(what, "node", 4) == 0 && what[4] >= '0' && what[4] <= '9') {
		unsigned long n = strtoul(what + 4, &end, 10);

		if (*end != '/' || n > 4095)
			return -EINVAL;
		*node = (int)n;
		p = end + 1;
	} else {
		return -EINVAL;
	}
	if (*p < '1' || *p > '9')
		return -EINVAL;
	v = strtoull(p, &end, 10);
	if (strcmp(end, "kB") != 0)
		return -EINVAL;
	*size_kb = v;
	return 0;
}

static bool what_ok(const char *what)
{
	int node;
	uint64_t size;

	return what_parse(what, &node, &size) == 0;
}

int eng_step_init_hugepages(struct step *s, int node, uint64_t size_kb, uint64_t count,
			    unsigned int attempts, bool drop_caches, bool keep)
{
	char what[64];
	struct hugepages *d;
	int r;

	if (node == VFH_NODE_ALL)
		snprintf(what, sizeof(what), "host/%" PRIu64 "kB", size_kb);
	else
		snprintf(what, sizeof(what), "node%d/%" PRIu64 "kB", node, size_kb);
	if ((r = eng_step_init(s, &eng_step_hugepages, what)) < 0)
		return r;
	d = STEP_DATA(s, struct hugepages);
	d->node = node;
	d->size_kb = size_kb;
	d->count = count;
	d->attempts = attempts;
	d->drop_caches = drop_caches;
	d->keep = keep;
	return 0;
}

int eng_step_hugepages_get(const struct step *s, int *node, uint64_t *size_kb, uint64_t *count,
			   bool *keep)
{
	const struct hugepages *d = STEP_CDATA(s, struct hugepages);

	if (s->ops != &eng_step_hugepages)
		return -EINVAL;
	*node = d->node;
	*size_kb = d->size_kb;
	*count = d->count;
	*keep = d->keep;
	return 0;
}

static int capture(struct vfh_ctx *ctx, struct step *s)
{
	struct hugepages *d = STEP_DATA(s, struct hugepages);
	struct vfh_hugepage_pool pool;
	int r = vfh_hugepages_read(ctx, d->node, d->size_kb, &pool);

	if (r < 0)
		return r;
	d->prior = pool.persistent;
	if (d->keep) {
		struct vfh_hugepage_pool host = pool;

		/* pages mapped but not yet touched are free and reserved: only
		 * the host's pool counts those; subtract them from a node's
		 * free pages too, which may take more than needed, never less */
		if (d->node != VFH_NODE_ALL &&
		    (r = vfh_hugepages_read(ctx, VFH_NODE_ALL, d->size_kb, &host)) < 0)
			return r;
		d->avail = pool.free > host.resv ? pool.free - host.resv : 0;
	}
	return 0;
}

/* What apply adds: every page, or with keep what the free ones lack. */
static uint64_t adding(const struct hugepages *d)
{
	if (!d->keep)
		return d->count;
	return d->count > d->avail ? d->count - d->avail : 0;
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	const struct hugepages *d = STEP_CDATA(s, struct hugepages);
	struct vfh_hugepages_opts o = { d->attempts, d->drop_caches };

	if (!adding(d))
		return 0;
	/* the pool as captured, under the lock: nothing moved it since */
	return vfh_hugepages_set(ctx, d->node, d->size_kb, d->prior + adding(d), &o, NULL);
}

/* What the other domains' journals hold in this pool: never given back
 * by this one. */
static uint64_t others(struct vfh_ctx *ctx, const struct step *s)
{
	struct ledger l;
	uint64_t sum;

	if (eng_ledger_load(ctx, s->domain, &l) < 0)
		return 0;
	sum = eng_ledger_sum(&l, "hugepages", s->what);
	eng_ledger_free(&l);
	return sum;
}

static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	const struct hugepages *d = STEP_CDATA(s, struct hugepages);
	struct vfh_hugepage_pool pool;
	uint64_t target, floor;
	int r;

	if (d->keep)
		return 0;	/* left for the next start */
	if ((r = vfh_hugepages_read(ctx, d->node, d->size_kb, &pool)) < 0)
		return r;
	/* its own pages out of what is there now: the other domains added
	 * and take back theirs.  A prepare killed half-way may have added
	 * fewer: never below what the others hold, nor below where it began
	 * unless the pool is smaller than that now. */
	target = pool.persistent > d->count ? pool.persistent - d->count : 0;
	floor = others(ctx, s);
	if (target < floor)
		target = floor;
	if (target >= pool.persistent)
		return 0;
	return vfh_hugepages_set(ctx, d->node, d->size_kb, target, NULL, NULL);
}

static void describe(const struct step *s, char *buf, size_t len)
{
	const struct hugepages *d = STEP_CDATA(s, struct hugepages);
	char where[32];

	if (d->node == VFH_NODE_ALL)
		snprintf(where, sizeof(where), "the host's pool");
	else
		snprintf(where, sizeof(where), "node %d", d->node);
	if (s->captured && d->keep)
		snprintf(buf, len, "reserve %" PRIu64 " hugepages of %" PRIu64 " kB on %s (%" PRIu64
			 " before, %" PRIu64 " of them free; kept after)", d->count, d->size_kb,
			 where, d->prior, d->avail);
	else if (s->captured)
		snprintf(buf, len, "reserve %" PRIu64 " hugepages of %" PRIu64 " kB on %s (%" PRIu64
			 " before)", d->count, d->size_kb, where, d->prior);
	else
		snprintf(buf, len, "reserve %" PRIu64 " hugepages of %" PRIu64 " kB on %s%s",
			 d->count, d->size_kb, where, d->keep ? ", kept after" : "");
}

static void encode(const struct step *s, struct kv_out *o)
{
	const struct hugepages *d = STEP_CDATA(s, struct hugepages);

	kv_put_uint(o, "count", d->count);
	kv_put_uint(o, "prior", d->prior);
	kv_put_uint(o, "attempts", d->attempts);
	kv_put_uint(o, "drop_caches", d->drop_caches);
	if (d->keep) {	/* absent from 0.2.0's first journals: auto */
		kv_put_uint(o, "keep", 1);
		kv_put_uint(o, "avail", d->avail);
	}
}

static int decode(struct step *s, const char *key, const char *val)
{
	struct hugepages *d = STEP_DATA(s, struct hugepages);
	unsigned long v;
	uint64_t *dst;
	int r;

	if (what_parse(s->what, &d->node, &d->size_kb) < 0)
		return -EINVAL;		/* what= comes first in every record */
	if (strcmp(key, "drop_caches") == 0)
		return kv_bool(val, &d->drop_caches);
	if (strcmp(key, "keep") == 0)
		return kv_bool(val, &d->keep);
	if (strcmp(key, "attempts") == 0) {
		if ((r = kv_uint(val, 10, &v)) == 0)
			d->attempts = (unsigned int)v;
		return r;
	}
	if (strcmp(key, "count") == 0)
		dst = &d->count;
	else if (strcmp(key, "prior") == 0)
		dst = &d->prior;
	else if (strcmp(key, "avail") == 0)
		dst = &d->avail;
	else
		return -ENOENT;
	if ((r = kv_uint(val, 1UL << 40, &v)) < 0)
		return r;
	*dst = v;
	return 0;
}

static size_t claims(const struct step *s, struct claim *out)
{
	snprintf(out->type, sizeof(out->type), "hugepages");
	snprintf(out->key, sizeof(out->key), "%s", s->what);
	out->amount = STEP_CDATA(s, struct hugepages)->count;
	out->exclusive = false;
	return 1;
}

static int verify(struct vfh_ctx *ctx, const struct step *s, char *why, size_t len)
{
	const struct hugepages *d = STEP_CDATA(s, struct hugepages);
	struct vfh_hugepage_pool pool;

	if (vfh_hugepages_read(ctx, d->node, d->size_kb, &pool) < 0 ||
	    pool.persistent < d->count) {
		snprintf(why, len, "the pool %s holds fewer than the %" PRIu64 " pages the journal "
			 "reserved", s->what, d->count);
		return 0;
	}
	return 1;
}

const struct step_ops eng_step_hugepages = {
	.name = "hugepages",
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
};
