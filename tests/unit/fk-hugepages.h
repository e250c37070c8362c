/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hugepages subsystem's model, shared by its builder (fx-hugepages.c)
 * and its fake kernel (fk-hugepages.c); kept in fx_state(fx, "hugepages"). */
#ifndef VFH_TEST_FK_HUGEPAGES_H
#define VFH_TEST_FK_HUGEPAGES_H

#include <stdbool.h>

struct fx;

#define FK_HP_NODES 8
#define FK_HP_SIZES 4

struct fk_hp_pool {
	unsigned long nr;		/* nr_hugepages, surplus included */
	unsigned long used;		/* of nr, in use (not free) */
	unsigned long surplus;
	unsigned long resv;		/* of the free ones, promised */
	unsigned long max;		/* the most nr can reach now */
	unsigned long after_compact;	/* max grows by this on a compaction */
	unsigned long after_drop;	/* and by this when the page cache goes */
	unsigned long nr0;		/* nr as built: memfree counts from it */
};

struct fk_hp {
	bool any_node;
	struct {
		bool present;
		unsigned long memfree_kb;	/* as built */
		char cpus[32];
		unsigned int compactions;
	} node[FK_HP_NODES];
	unsigned long sizes[FK_HP_SIZES];	/* kB, in spec order */
	int nsizes;
	unsigned long default_kb;
	struct fk_hp_pool pool[FK_HP_NODES][FK_HP_SIZES];
	int next_alloc[FK_HP_SIZES], next_free[FK_HP_SIZES];	/* round-robin */
	unsigned int compactions_all;	/* proc/sys/vm/compact_memory */
	unsigned int drops;		/* proc/sys/vm/drop_caches */
	unsigned int drop_value;
};

struct fk_hp *fk_hp(struct fx *fx);
int fk_hp_size_index(struct fk_hp *hp, unsigned long kb);
/* The node's MemFree: as built, less the pages allocated since. */
unsigned long fk_hp_memfree(const struct fk_hp *hp, int node);

/* ---- test API */
/* Pool (node, kB) of the model, NULL when there is none. */
const struct fk_hp_pool *fk_hugepages_pool(struct fx *fx, int node, unsigned long kb);
/* Compactions of node N, or of every node at once (proc compact_memory)
 * for node -1; page cache drops. */
unsigned int fk_hugepages_compactions(struct fx *fx, int node);
unsigned int fk_hugepages_drops(struct fx *fx);

#endif
