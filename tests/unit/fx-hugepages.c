// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture's NUMA nodes and hugepage pools.
 *
 *  node N          memfree_kb=KB (8 GiB) cpus=LIST (none)
 *  hugepages N/KB  nr=PAGES (0) used=PAGES (0, of nr: in use, not free)
 *                  surplus=PAGES (0) resv=PAGES (0)
 *                  max=PAGES (nr: the most node N can hold of that size
 *                  now, fragmentation as it is) after_compact=PAGES (0:
 *                  how many more compacting node N makes possible, once)
 *                  after_drop=PAGES (0: how many more dropping the page
 *                  cache makes possible, once)
 *  hugetlb         default=KB (the first size): Hugepagesize in meminfo
 *
 * "hugepages 0/2048 nr=0 max=512 after_compact=256" is node 0's pool of
 * 2 MiB pages: empty, 512 pages to be had at once, 256 more after a
 * compaction.  Every node gets a pool of every size named on any node
 * (empty, max=0, when not given): the kernel has one per node and size.
 * The host's pool (sys/kernel/mm/hugepages) is the sum over the nodes.
 * Without node lines there is no sys/devices/system/node at all.  The
 * rules of writes are in fk-hugepages.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture-int.h"
#include "fk-hugepages.h"

struct fk_hp *fk_hp(struct fx *fx)
{
	return fx_state(fx, "hugepages", sizeof(struct fk_hp));
}

int fk_hp_size_index(struct fk_hp *hp, unsigned long kb)
{
	for (int i = 0; i < hp->nsizes; i++)
		if (hp->sizes[i] == kb)
			return i;
	return -1;
}

void fx_node_add(struct fx *fx, const struct fx_ent *e)
{
	struct fk_hp *hp = fk_hp(fx);
	char *end;
	long n = strtol(e->name, &end, 10);
	const char *cpus = fx_ent_get(e, "cpus");

	if (*end || n < 0 || n >= FK_HP_NODES)
		fx_fail("%s:%d: node '%s': 0..%d", e->file, e->line, e->name, FK_HP_NODES - 1);
	hp->node[n].present = true;
	hp->node[n].memfree_kb = fx_num(e, "memfree_kb", 8UL << 20);
	if (cpus && strlen(cpus) >= sizeof(hp->node[n].cpus))
		fx_fail("%s:%d: cpus too long", e->file, e->line);
	snprintf(hp->node[n].cpus, sizeof(hp->node[n].cpus), "%s", cpus ? cpus : "");
	hp->any_node = true;
}

void fx_hugepages_add(struct fx *fx, const struct fx_ent *e)
{
	struct fk_hp *hp = fk_hp(fx);
	struct fk_hp_pool *p;
	unsigned long kb;
	int node, s, used;

	if (sscanf(e->name, "%d/%lu%n", &node, &kb, &used) != 2 || e->name[used] || node < 0 ||
	    node >= FK_HP_NODES || kb == 0)
		fx_fail("%s:%d: hugepages '%s': want NODE/SIZE_KB", e->file, e->line, e->name);
	if (!hp->node[node].present)
		fx_fail("%s:%d: hugepages on node %d, which has no node line", e->file, e->line, node);
	s = fk_hp_size_index(hp, kb);
	if (s < 0) {
		if (hp->nsizes == FK_HP_SIZES)
			fx_fail("%s:%d: too many hugepage sizes", e->file, e->line);
		s = hp->nsizes++;
		hp->sizes[s] = kb;
	}
	p = &hp->pool[node][s];
	p->nr = fx_num(e, "nr", 0);
	p->used = fx_num(e, "used", 0);
	p->surplus = fx_num(e, "surplus", 0);
	p->resv = fx_num(e, "resv", 0);
	p->max = fx_num(e, "max", p->nr);
	p->after_compact = fx_num(e, "after_compact", 0);
	p->after_drop = fx_num(e, "after_drop", 0);
	if (p->used > p->nr || p->surplus > p->nr || p->nr > p->max || p->resv > p->nr - p->used)
		fx_fail("%s:%d: hugepages %s: want used, surplus <= nr <= max, resv <= free",
			e->file, e->line, e->name);
	p->nr0 = p->nr;
}

void fx_hugetlb_add(struct fx *fx, const struct fx_ent *e)
{
	fk_hp(fx)->default_kb = fx_num(e, "default", 0);
}

void fx_hugepages_build(struct fx *fx)
{
	struct fk_hp *hp = fk_hp(fx);

	if (hp->nsizes && !hp->default_kb)
		hp->default_kb = hp->sizes[0];
	if (hp->default_kb && fk_hp_size_index(hp, hp->default_kb) < 0)
		fx_fail("hugetlb default=%lu: no hugepages line of that size", hp->default_kb);
}

static void node_list(const struct fk_hp *hp, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < FK_HP_NODES; i++) {
		int j = i;

		if (!hp->node[i].present)
			continue;
		while (j + 1 < FK_HP_NODES && hp->node[j + 1].present)
			j++;
		used += (size_t)snprintf(buf + used, len - used, j > i ? "%s%d-%d" : "%s%d",
					 used ? "," : "", i, j);
		i = j;
	}
}

unsigned long fk_hp_memfree(const struct fk_hp *hp, int node)
{
	long long kb = (long long)hp->node[node].memfree_kb;

	for (int s = 0; s < hp->nsizes; s++)
		kb -= ((long long)hp->pool[node][s].nr - (long long)hp->pool[node][s].nr0) *
		      (long long)hp->sizes[s];
	return kb < 0 ? 0 : (unsigned long)kb;
}

void fx_hugepages_render(struct fx *fx)
{
	struct fk_hp *hp = fk_hp(fx);
	unsigned long total_free = 0, total = 0;
	char rel[FX_REL + 64], list[128];

	if (hp->any_node) {
		node_list(hp, list, sizeof(list));
		fx_putf(fx, "sys/devices/system/node/online", "%s\n", list);
		fx_putf(fx, "sys/devices/system/node/possible", "%s\n", list);
	}
	for (int n = 0; n < FK_HP_NODES; n++) {
		unsigned long mf;

		if (!hp->node[n].present)
			continue;
		mf = fk_hp_memfree(hp, n);
		total_free += mf;
		total += hp->node[n].memfree_kb * 2;
		snprintf(rel, sizeof(rel), "sys/devices/system/node/node%d/cpulist", n);
		fx_putf(fx, rel, "%s\n", hp->node[n].cpus);
		snprintf(rel, sizeof(rel), "sys/devices/system/node/node%d/meminfo", n);
		fx_putf(fx, rel, "Node %d MemTotal:       %8lu kB\nNode %d MemFree:        %8lu kB\n"
			"Node %d MemUsed:        %8lu kB\n", n, hp->node[n].memfree_kb * 2, n, mf, n,
			hp->node[n].memfree_kb * 2 - mf);
		/* write-only (0200): reads back empty */
		snprintf(rel, sizeof(rel), "sys/devices/system/node/node%d/compact", n);
		fx_putf(fx, rel, "%s", "");
		for (int s = 0; s < hp->nsizes; s++) {
			const struct fk_hp_pool *p = &hp->pool[n][s];
			char dir[FX_REL];

			snprintf(dir, sizeof(dir),
				 "sys/devices/system/node/node%d/hugepages/hugepages-%lukB", n,
				 hp->sizes[s]);
			snprintf(rel, sizeof(rel), "%s/nr_hugepages", dir);
			fx_putf(fx, rel, "%lu\n", p->nr);
			snprintf(rel, sizeof(rel), "%s/free_hugepages", dir);
			fx_putf(fx, rel, "%lu\n", p->nr - p->used);
			snprintf(rel, sizeof(rel), "%s/surplus_hugepages", dir);
			fx_putf(fx, rel, "%lu\n", p->surplus);
		}
	}
	for (int s = 0; s < hp->nsizes; s++) {
		unsigned long nr = 0, fr = 0, sur = 0, resv = 0;
		char dir[FX_REL];

		for (int n = 0; n < FK_HP_NODES; n++) {
			nr += hp->pool[n][s].nr;
			fr += hp->pool[n][s].nr - hp->pool[n][s].used;
			sur += hp->pool[n][s].surplus;
			resv += hp->pool[n][s].resv;
		}
		snprintf(dir, sizeof(dir), "sys/kernel/mm/hugepages/hugepages-%lukB", hp->sizes[s]);
		snprintf(rel, sizeof(rel), "%s/nr_hugepages", dir);
		fx_putf(fx, rel, "%lu\n", nr);
		snprintf(rel, sizeof(rel), "%s/free_hugepages", dir);
		fx_putf(fx, rel, "%lu\n", fr);
		snprintf(rel, sizeof(rel), "%s/surplus_hugepages", dir);
		fx_putf(fx, rel, "%lu\n", sur);
		snprintf(rel, sizeof(rel), "%s/resv_hugepages", dir);
		fx_putf(fx, rel, "%lu\n", resv);
		snprintf(rel, sizeof(rel), "%s/nr_overcommit_hugepages", dir);
		fx_putf(fx, rel, "0\n");
	}
	if (hp->any_node) {
		int d = fk_hp_size_index(hp, hp->default_kb), w;
		unsigned long nr = 0, fr = 0, sur = 0, resv = 0;
		char mi[1024];

		for (int n = 0; d >= 0 && n < FK_HP_NODES; n++) {
			nr += hp->pool[n][d].nr;
			fr += hp->pool[n][d].nr - hp->pool[n][d].used;
			sur += hp->pool[n][d].surplus;
			resv += hp->pool[n][d].resv;
		}
		w = snprintf(mi, sizeof(mi), "MemTotal:       %8lu kB\nMemFree:        %8lu kB\n"
			     "HugePages_Total:   %5lu\nHugePages_Free:    %5lu\n"
			     "HugePages_Rsvd:    %5lu\nHugePages_Surp:    %5lu\n", total,
			     total_free, nr, fr, resv, sur);
		if (d >= 0)
			snprintf(mi + w, sizeof(mi) - (size_t)w, "Hugepagesize:   %8lu kB\n",
				 hp->default_kb);
		fx_putf(fx, "proc/meminfo", "%s", mi);
		/* write-only: reads back empty */
		fx_putf(fx, "proc/sys/vm/compact_memory", "%s", "");
		fx_putf(fx, "proc/sys/vm/drop_caches", "%u\n", hp->drop_value);
	}
}
