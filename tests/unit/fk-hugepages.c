// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake kernel's hugepage pools (mm/hugetlb.c, set_max_huge_pages()).
 *
 *  - nodeN/hugepages/hugepages-SkB/nr_hugepages: kstrtoul, else -EINVAL.
 *    Raising converts surplus pages to persistent ones first, then
 *    allocates on node N up to its max (the fragmentation the spec gave):
 *    the write succeeds whatever it got.  Lowering frees free pages not
 *    reserved, down to used + resv at least, then turns what is still
 *    over the count into surplus (pages in use go when released).
 *    persistent = nr - surplus is what the write sets.
 *  - kernel/mm/hugepages/hugepages-SkB/nr_hugepages: the same for the
 *    total, spread over the nodes round-robin (hstate_next_node_to_alloc()
 *    / _to_free(), a node that cannot give skipped); it shows the sum.
 *  - nodeN/compact (any value, compact_store()): node N's max grows by its
 *    after_compact, once.  proc/sys/vm/compact_memory: every node's.
 *  - proc/sys/vm/drop_caches: 1..4 (proc_dointvec_minmax); 1 and 3 drop
 *    the page cache, every pool's max grows by its after_drop, once.
 *  - free_hugepages, surplus_hugepages, meminfo, cpulist: read-only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fixture-int.h"
#include "fk-hugepages.h"

static unsigned long persistent(const struct fk_hp_pool *p)
{
	return p->nr - p->surplus;
}

static unsigned long freeable(const struct fk_hp_pool *p)
{
	unsigned long busy = p->used + p->resv;

	return p->nr > busy ? p->nr - busy : 0;
}

static void set_node(struct fk_hp_pool *p, unsigned long count)
{
	unsigned long floor = p->used + p->resv;

	while (p->surplus && persistent(p) < count)
		p->surplus--;
	while (persistent(p) < count && p->nr < p->max)
		p->nr++;
	while (persistent(p) > (count > floor ? count : floor) && freeable(p))
		p->nr--;
	while (persistent(p) > count)
		p->surplus++;
}

static unsigned long total(struct fk_hp *hp, int s)
{
	unsigned long t = 0;

	for (int n = 0; n < FK_HP_NODES; n++)
		t += hp->node[n].present ? persistent(&hp->pool[n][s]) : 0;
	return t;
}

/* The next node, round-robin from *next, that ok() accepts; -1 none. */
static int next_node(struct fk_hp *hp, int s, int *next, bool (*ok)(const struct fk_hp_pool *))
{
	for (int i = 0; i < FK_HP_NODES; i++) {
		int n = (*next + i) % FK_HP_NODES;

		if (hp->node[n].present && ok(&hp->pool[n][s])) {
			*next = (n + 1) % FK_HP_NODES;
			return n;
		}
	}
	return -1;
}

static bool has_surplus(const struct fk_hp_pool *p) { return p->surplus > 0; }
static bool can_alloc(const struct fk_hp_pool *p) { return p->nr < p->max; }
static bool can_free(const struct fk_hp_pool *p) { return freeable(p) > 0; }
static bool has_persistent(const struct fk_hp_pool *p) { return persistent(p) > 0; }

static void set_global(struct fk_hp *hp, int s, unsigned long count)
{
	unsigned long floor = 0;
	int n;

	for (n = 0; n < FK_HP_NODES; n++)
		floor += hp->pool[n][s].used + hp->pool[n][s].resv;
	while (total(hp, s) < count && (n = next_node(hp, s, &hp->next_alloc[s], has_surplus)) >= 0)
		hp->pool[n][s].surplus--;
	while (total(hp, s) < count && (n = next_node(hp, s, &hp->next_alloc[s], can_alloc)) >= 0)
		hp->pool[n][s].nr++;
	while (total(hp, s) > (count > floor ? count : floor) &&
	       (n = next_node(hp, s, &hp->next_free[s], can_free)) >= 0)
		hp->pool[n][s].nr--;
	while (total(hp, s) > count &&
	       (n = next_node(hp, s, &hp->next_free[s], has_persistent)) >= 0)
		hp->pool[n][s].surplus++;
}

static void compact_node(struct fk_hp *hp, int n)
{
	for (int s = 0; s < hp->nsizes; s++) {
		hp->pool[n][s].max += hp->pool[n][s].after_compact;
		hp->pool[n][s].after_compact = 0;
	}
	hp->node[n].compactions++;
}

static int node_write(struct fx *fx, const char *path, const char *val)
{
	struct fk_hp *hp = fk_hp(fx);
	unsigned long v, kb;
	int n, used = 0, s;

	if (sscanf(path, "sys/devices/system/node/node%d/%n", &n, &used) != 1 || !used ||
	    n < 0 || n >= FK_HP_NODES || !hp->node[n].present)
		return -EACCES;
	path += used;
	if (strcmp(path, "compact") == 0) {
		compact_node(hp, n);
		return 0;
	}
	used = 0;
	if (sscanf(path, "hugepages/hugepages-%lukB/nr_hugepages%n", &kb, &used) != 1 ||
	    path[used] || (s = fk_hp_size_index(hp, kb)) < 0)
		return -EACCES;
	if (fk_kstrtoul(val, &v) < 0)
		return -EINVAL;
	set_node(&hp->pool[n][s], v);
	return 0;
}

static int mm_write(struct fx *fx, const char *path, const char *val)
{
	struct fk_hp *hp = fk_hp(fx);
	unsigned long v, kb;
	int used = 0, s;

	if (sscanf(path, "sys/kernel/mm/hugepages/hugepages-%lukB/nr_hugepages%n", &kb,
		   &used) != 1 || path[used] || (s = fk_hp_size_index(hp, kb)) < 0)
		return -EACCES;
	if (fk_kstrtoul(val, &v) < 0)
		return -EINVAL;
	set_global(hp, s, v);
	return 0;
}

static int vm_write(struct fx *fx, const char *path, const char *val)
{
	struct fk_hp *hp = fk_hp(fx);
	unsigned long v;

	if (fk_kstrtoul(val, &v) < 0)
		return -EINVAL;
	if (strcmp(path, "proc/sys/vm/compact_memory") == 0) {
		for (int n = 0; n < FK_HP_NODES; n++)
			if (hp->node[n].present)
				compact_node(hp, n);
		hp->compactions_all++;
		return 0;
	}
	if (strcmp(path, "proc/sys/vm/drop_caches") == 0) {
		if (v < 1 || v > 4)
			return -EINVAL;
		hp->drop_value = (unsigned int)v;
		if (v & 1) {
			for (int n = 0; n < FK_HP_NODES; n++)
				for (int s = 0; s < hp->nsizes; s++) {
					hp->pool[n][s].max += hp->pool[n][s].after_drop;
					hp->pool[n][s].after_drop = 0;
				}
			hp->drops++;
		}
		return 0;
	}
	return -EACCES;
}

int fk_hugepages_write(struct fx *fx, const char *path, const char *val)
{
	if (strncmp(path, "sys/devices/system/node/", 24) == 0)
		return node_write(fx, path, val);
	if (strncmp(path, "sys/kernel/mm/hugepages/", 24) == 0)
		return mm_write(fx, path, val);
	if (strncmp(path, "proc/sys/vm/", 12) == 0)
		return vm_write(fx, path, val);
	return -EACCES;
}

bool fk_hugepages_restore(struct fx *fx, const char *path)
{
	(void)path;
	fx_hugepages_render(fx);
	return true;
}

/* ------------------------------------------------------------ test API */

const struct fk_hp_pool *fk_hugepages_pool(struct fx *fx, int node, unsigned long kb)
{
	struct fk_hp *hp = fk_hp(fx);
	int s = fk_hp_size_index(hp, kb);

	if (node < 0 || node >= FK_HP_NODES || !hp->node[node].present || s < 0)
		return NULL;
	return &hp->pool[node][s];
}

unsigned int fk_hugepages_compactions(struct fx *fx, int node)
{
	struct fk_hp *hp = fk_hp(fx);

	if (node < 0)
		return hp->compactions_all;
	return node < FK_HP_NODES ? hp->node[node].compactions : 0;
}

unsigned int fk_hugepages_drops(struct fx *fx)
{
	return fk_hp(fx)->drops;
}
