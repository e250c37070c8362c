// SPDX-License-Identifier: LGPL-2.1-or-later
/* Hugepage pools (hugepages.c) against the fake kernel's model of
 * fragmentation (fk-hugepages.c): reserving reads back what the kernel
 * gave, compacts and retries within a bound, drops the page cache only
 * when allowed, and puts the count back when it stays short. */
#include <stddef.h>
#include <stdlib.h>

#include "testlib.h"
#include "fk-hugepages.h"

#define N0 "sys/devices/system/node/node0/"
#define N1 "sys/devices/system/node/node1/"
#define NR0_2M N0 "hugepages/hugepages-2048kB/nr_hugepages"
#define NR1_2M N1 "hugepages/hugepages-2048kB/nr_hugepages"
#define NR0_1G N0 "hugepages/hugepages-1048576kB/nr_hugepages"
#define NR1_1G N1 "hugepages/hugepages-1048576kB/nr_hugepages"
#define ALL_2M "sys/kernel/mm/hugepages/hugepages-2048kB/"
#define ALL_1G "sys/kernel/mm/hugepages/hugepages-1048576kB/"
#define COMPACT0 N0 "compact"
#define COMPACT_ALL "proc/sys/vm/compact_memory"
#define DROP "proc/sys/vm/drop_caches"

static int t_numa(void **state) { return t_setup(state, "numa", NULL); }

static const struct vfh_hugepages_report garbage = { 77, 77, 77, 77, 77, 77 };

static void test_sizes_nodes_memory(void **state)
{
	struct t *t = *state;
	uint64_t *sizes, kb;
	int *nodes;
	size_t n;

	assert_int_equal(vfh_hugepage_sizes(t->ctx, &sizes, &n), 0);
	assert_int_equal(n, 2);
	assert_true(sizes[0] == 2048 && sizes[1] == 1048576);
	free(sizes);
	assert_int_equal(vfh_hugepage_default_size(t->ctx, &kb), 0);
	assert_true(kb == 2048);
	assert_int_equal(vfh_numa_nodes(t->ctx, &nodes, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(nodes[0], 0);
	assert_int_equal(nodes[1], 1);
	free(nodes);
	assert_int_equal(vfh_numa_memfree(t->ctx, 1, &kb), 0);
	assert_true(kb == 8388608);
	assert_int_equal(vfh_numa_memfree(t->ctx, VFH_NODE_ALL, &kb), 0);
	assert_true(kb == 2 * 8388608);
	/* the whole node, its hugepages included: the fixture's MemTotal */
	assert_int_equal(vfh_numa_memtotal(t->ctx, 1, &kb), 0);
	assert_true(kb == 2 * 8388608);
	assert_int_equal(vfh_numa_memtotal(t->ctx, VFH_NODE_ALL, &kb), 0);
	assert_true(kb == 4 * 8388608);
	/* a range list with a hole, as a host with node 1 offline shows it */
	fx_write(t->fx, "sys/devices/system/node/online", "0,2-3\n");
	assert_int_equal(vfh_numa_nodes(t->ctx, &nodes, &n), 0);
	assert_int_equal(n, 3);
	assert_true(nodes[0] == 0 && nodes[1] == 2 && nodes[2] == 3);
	free(nodes);
	fx_write(t->fx, "sys/devices/system/node/online", "0-x\n");
	assert_int_equal(vfh_numa_nodes(t->ctx, &nodes, &n), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "online NUMA nodes");
	fx_write(t->fx, "sys/devices/system/node/online", "0-1\n");
	/* a kernel without NUMA: one node */
	fx_delete(t->fx, "sys/devices/system/node/online");
	assert_int_equal(vfh_numa_nodes(t->ctx, &nodes, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(nodes[0], 0);
	free(nodes);
	fx_write(t->fx, "sys/devices/system/node/online", "0-1\n");
	assert_no_writes(t->fx);
}

static int setup_busy_pool(void **state)
{
	return t_setup(state, "numa", "hugepages 0/2048 nr=100 used=40 surplus=10 resv=5 max=1024\n"
				      "hugepages 1/2048 nr=20 max=1024\n");
}

static void test_read_pools(void **state)
{
	struct t *t = *state;
	struct vfh_hugepage_pool p;

	memset(&p, 0x55, sizeof(p));
	assert_int_equal(vfh_hugepages_read(t->ctx, 0, 2048, &p), 0);
	assert_int_equal(p.node, 0);
	assert_true(p.size_kb == 2048 && p.nr == 100 && p.free == 60 && p.surplus == 10);
	assert_true(p.persistent == 90 && p.resv == 0);
	assert_int_equal(vfh_hugepages_read(t->ctx, VFH_NODE_ALL, 2048, &p), 0);
	assert_int_equal(p.node, VFH_NODE_ALL);
	assert_true(p.nr == 120 && p.free == 80 && p.surplus == 10 && p.resv == 5);
	assert_true(p.persistent == 110);
	assert_int_equal(vfh_hugepages_read(t->ctx, 1, 1048576, &p), 0);
	assert_true(p.nr == 0 && p.free == 0 && p.persistent == 0);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "");
	assert_no_writes(t->fx);
}

/* A smaller (older) struct is filled up to its size and no further. */
static void test_read_smaller_struct(void **state)
{
	struct t *t = *state;
	struct {
		struct vfh_hugepage_pool p;
		unsigned char canary[16];
	} s;
	size_t small = offsetof(struct vfh_hugepage_pool, free);

	memset(&s, 0xa5, sizeof(s));
	assert_int_equal(vfh_hugepages_read_sz(t->ctx, 0, 2048, &s.p, small), 0);
	assert_true(s.p.nr == 100);
	for (size_t i = small; i < sizeof(s.p); i++)
		assert_int_equal(((unsigned char *)&s.p)[i], 0xa5);
	assert_int_equal(s.canary[0], 0xa5);
	assert_int_equal(vfh_hugepages_read_sz(t->ctx, 0, 2048, &s.p, 0), -EINVAL);
}

static void test_raise_on_node(void **state)
{
	struct t *t = *state;
	struct vfh_hugepages_report rep = garbage;

	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 2048, 512, NULL, &rep), 0);
	assert_writes(t->fx, { NR0_2M, "512" });
	assert_string_equal(fx_read(t->fx, NR0_2M), "512\n");
	assert_string_equal(fx_read(t->fx, N0 "hugepages/hugepages-2048kB/free_hugepages"), "512\n");
	assert_string_equal(fx_read(t->fx, NR1_2M), "0\n");
	assert_string_equal(fx_read(t->fx, ALL_2M "nr_hugepages"), "512\n");
	/* the memory came out of node 0's */
	assert_contains(fx_read(t->fx, N0 "meminfo"), "Node 0 MemFree:         7340032 kB");
	assert_int_equal(rep.attempts, 1);
	assert_int_equal(rep.compactions, 0);
	assert_int_equal(rep.caches_dropped, 0);
	assert_true(rep.before == 0 && rep.after == 512 && rep.got == 512);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "");
	/* already there: nothing written */
	fk_log_clear(t->fx);
	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 2048, 512, NULL, &rep), 0);
	assert_no_writes(t->fx);
	assert_int_equal(rep.attempts, 0);
	assert_true(rep.before == 512 && rep.after == 512);
}

static int setup_reserved(void **state)
{
	return t_setup(state, "numa", "hugepages 0/2048 nr=600 max=1024\n");
}

static void test_lower(void **state)
{
	struct t *t = *state;
	struct vfh_hugepages_report rep = garbage;

	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 2048, 100, NULL, &rep), 0);
	assert_writes(t->fx, { NR0_2M, "100" });
	assert_string_equal(fx_read(t->fx, NR0_2M), "100\n");
	assert_int_equal(rep.attempts, 1);
	assert_int_equal(rep.compactions, 0);
	assert_true(rep.before == 600 && rep.after == 100);
	/* the undo of a reservation: back to what report->before said */
	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 2048, 600, NULL, &rep), 0);
	assert_string_equal(fx_read(t->fx, NR0_2M), "600\n");
	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 2048, 0, NULL, NULL), 0);
	assert_string_equal(fx_read(t->fx, NR0_2M), "0\n");
}

/* Pages in use cannot be freed: they become surplus, the write still
 * sets the persistent count. */
static void test_lower_in_use(void **state)
{
	struct t *t = *state;
	struct vfh_hugepages_report rep;
	struct vfh_hugepage_pool p;

	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 2048, 10, NULL, &rep), 0);
	assert_writes(t->fx, { NR0_2M, "10" });
	assert_int_equal(vfh_hugepages_read(t->ctx, 0, 2048, &p), 0);
	/* 40 in use and 5 promised stay: 45 over the count are surplus */
	assert_true(p.nr == 55 && p.surplus == 45 && p.persistent == 10 && p.free == 15);
	assert_true(rep.before == 90 && rep.after == 10);
	assert_string_equal(fx_read(t->fx, N0 "hugepages/hugepages-2048kB/surplus_hugepages"),
			    "45\n");
}

static void test_compaction_makes_it(void **state)
{
	struct t *t = *state;
	struct vfh_hugepages_report rep = garbage;

	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 2048, 1500, NULL, &rep), 0);
	assert_writes(t->fx, { NR0_2M, "1500" }, { COMPACT0, "1" }, { NR0_2M, "1500" });
	assert_string_equal(fx_read(t->fx, NR0_2M), "1500\n");
	assert_int_equal(fk_hugepages_compactions(t->fx, 0), 1);
	assert_int_equal(fk_hugepages_compactions(t->fx, 1), 0);
	assert_int_equal(rep.attempts, 2);
	assert_int_equal(rep.compactions, 1);
	assert_int_equal(rep.caches_dropped, 0);
	assert_true(rep.before == 0 && rep.after == 1500 && rep.got == 1500);
}

static void test_short_put_back(void **state)
{
	struct t *t = *state;
	struct vfh_hugepages_report rep = garbage;
	const char *msg;

	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 2048, 2000, NULL, &rep), -ENOMEM);
	assert_writes(t->fx, { NR0_2M, "2000" }, { COMPACT0, "1" }, { NR0_2M, "2000" },
		      { COMPACT0, "1" }, { NR0_2M, "2000" }, { NR0_2M, "0" });
	/* exactly the count before: no half reservation left */
	assert_string_equal(fx_read(t->fx, NR0_2M), "0\n");
	assert_string_equal(fx_read(t->fx, ALL_2M "nr_hugepages"), "0\n");
	assert_int_equal(fk_log_count(t->fx, DROP), 0);
	msg = vfh_ctx_errmsg(t->ctx);
	assert_contains(msg, "node 0: wanted 2000 hugepages of 2048 kB, the kernel gave 1536 after "
			"3 attempts (2 compactions)");
	assert_contains(msg, "node 0 has 8388608 kB free for 4096000 kB more");
	assert_contains(msg, "put back 0");
	assert_contains(msg, "allow dropping the page cache");
	assert_contains(msg, "hugepages= on the kernel command line");
	assert_int_equal(rep.attempts, 3);
	assert_int_equal(rep.compactions, 2);
	assert_int_equal(rep.caches_dropped, 0);
	assert_true(rep.before == 0 && rep.after == 0 && rep.got == 1536);
}

/* Short from a pool that held pages already: those stay, not one more. */
static void test_short_keeps_what_was_there(void **state)
{
	struct t *t = *state;
	struct vfh_hugepages_report rep;

	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 2048, 5000, NULL, &rep), -ENOMEM);
	assert_string_equal(fx_read(t->fx, NR0_2M), "600\n");
	assert_int_equal(fk_hugepages_pool(t->fx, 0, 2048)->nr, 600);
	assert_true(rep.before == 600 && rep.after == 600 && rep.got == 1536);
	assert_contains(vfh_ctx_errmsg(t->ctx), "put back 600");
	/* 4400 more pages of 2 MiB is more than the node has free */
	assert_contains(vfh_ctx_errmsg(t->ctx), "Not enough free memory");
}

static void test_drop_caches_when_allowed(void **state)
{
	struct t *t = *state;
	struct vfh_hugepages_opts o = { .drop_caches = true };
	struct vfh_hugepages_report rep = garbage;

	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 2048, 2000, &o, &rep), 0);
	assert_writes(t->fx, { NR0_2M, "2000" }, { COMPACT0, "1" }, { NR0_2M, "2000" },
		      { DROP, "3" }, { COMPACT0, "1" }, { NR0_2M, "2000" });
	assert_string_equal(fx_read(t->fx, NR0_2M), "2000\n");
	assert_int_equal(fk_hugepages_drops(t->fx), 1);
	assert_int_equal(rep.attempts, 3);
	assert_int_equal(rep.compactions, 2);
	assert_int_equal(rep.caches_dropped, 1);
	assert_true(rep.after == 2000);
}

/* Allowed, but compaction alone does it: the cache stays. */
static void test_drop_caches_only_when_needed(void **state)
{
	struct t *t = *state;
	struct vfh_hugepages_opts o = { .drop_caches = true };
	struct vfh_hugepages_report rep;

	assert_int_equal(vfh_hugepages_set(t->ctx, 1, 2048, 1536, &o, &rep), 0);
	assert_int_equal(fk_log_count(t->fx, DROP), 0);
	assert_int_equal(rep.caches_dropped, 0);
	assert_int_equal(rep.compactions, 1);
	assert_string_equal(fx_read(t->fx, NR1_2M), "1536\n");
	/* never more than once, however many attempts */
	o.attempts = 6;
	assert_int_equal(vfh_hugepages_set(t->ctx, 1, 2048, 4000, &o, &rep), -ENOMEM);
	assert_int_equal(fk_log_count(t->fx, DROP), 1);
	assert_int_equal(rep.caches_dropped, 1);
	assert_int_equal(rep.attempts, 6);
	assert_int_equal(rep.compactions, 5);
	assert_string_equal(fx_read(t->fx, NR1_2M), "1536\n");
	assert_contains(vfh_ctx_errmsg(t->ctx), "page cache dropped");
}

static void test_attempts_bound(void **state)
{
	struct t *t = *state;
	struct vfh_hugepages_opts o = { .attempts = 1 };
	struct vfh_hugepages_report rep;

	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 2048, 1500, &o, &rep), -ENOMEM);
	assert_writes(t->fx, { NR0_2M, "1500" }, { NR0_2M, "0" });
	assert_int_equal(rep.compactions, 0);
	o.attempts = 11;
	fk_log_clear(t->fx);
	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 2048, 1500, &o, &rep), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "attempts=11, at most 10");
	assert_no_writes(t->fx);
}

/* A newer caller's opts with a field this library does not know. */
static void test_opts_unknown_fields(void **state)
{
	struct t *t = *state;
	struct {
		struct vfh_hugepages_opts o;
		unsigned int newer;
	} big = { { .attempts = 2 }, 0 };

	assert_int_equal(vfh_hugepages_set_sz(t->ctx, 0, 2048, 10, &big.o, sizeof(big), NULL, 0), 0);
	assert_string_equal(fx_read(t->fx, NR0_2M), "10\n");
	big.newer = 1;
	assert_int_equal(vfh_hugepages_set_sz(t->ctx, 0, 2048, 20, &big.o, sizeof(big), NULL, 0),
			 -E2BIG);
	assert_string_equal(fx_read(t->fx, NR0_2M), "10\n");
	/* an older one: what it lacks takes the default (no cache drop) */
	assert_int_equal(vfh_hugepages_set_sz(t->ctx, 0, 2048, 2000, &big.o,
					      offsetof(struct vfh_hugepages_opts, drop_caches),
					      NULL, 0), -ENOMEM);
	assert_int_equal(fk_log_count(t->fx, DROP), 0);
}

static void test_size_the_host_lacks(void **state)
{
	struct t *t = *state;
	struct vfh_hugepage_pool p;
	struct vfh_hugepages_report rep = garbage;

	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 4096, 10, NULL, &rep), -EINVAL);
	assert_string_equal(vfh_ctx_errmsg(t->ctx),
			    "no 4096 kB hugepages on this host (it has 2048 kB, 1048576 kB)");
	assert_int_equal(rep.attempts, 0);
	assert_true(rep.before == 0);
	assert_int_equal(vfh_hugepages_read(t->ctx, VFH_NODE_ALL, 2, &p), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "(it has 2048 kB, 1048576 kB)");
	assert_no_writes(t->fx);
}

static void test_node_not_online(void **state)
{
	struct t *t = *state;
	struct vfh_hugepage_pool p;
	uint64_t kb;

	assert_int_equal(vfh_hugepages_set(t->ctx, 2, 2048, 10, NULL, NULL), -ENODEV);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "NUMA node 2 is not online (online: 0-1)");
	assert_int_equal(vfh_hugepages_read(t->ctx, 7, 2048, &p), -ENODEV);
	assert_contains(vfh_ctx_errmsg(t->ctx), "(online: 0-1)");
	assert_int_equal(vfh_hugepages_set(t->ctx, -2, 2048, 10, NULL, NULL), -EINVAL);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "invalid NUMA node -2");
	assert_int_equal(vfh_numa_memfree(t->ctx, 5, &kb), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "free memory of node 5");
	assert_int_equal(vfh_numa_memtotal(t->ctx, 5, &kb), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "memory size of node 5");
	assert_int_equal(vfh_numa_memtotal(t->ctx, -2, &kb), -EINVAL);
	assert_no_writes(t->fx);
	/* the next call that works leaves no line behind */
	assert_int_equal(vfh_hugepages_read(t->ctx, 1, 2048, &p), 0);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "");
}

/* The host's pool: the kernel spreads it over the nodes, compact_memory
 * compacts them all. */
static void test_host_pool(void **state)
{
	struct t *t = *state;
	struct vfh_hugepages_report rep;

	assert_int_equal(vfh_hugepages_set(t->ctx, VFH_NODE_ALL, 2048, 101, NULL, &rep), 0);
	assert_writes(t->fx, { ALL_2M "nr_hugepages", "101" });
	assert_string_equal(fx_read(t->fx, NR0_2M), "51\n");
	assert_string_equal(fx_read(t->fx, NR1_2M), "50\n");
	assert_string_equal(fx_read(t->fx, ALL_2M "nr_hugepages"), "101\n");
	assert_contains(fx_read(t->fx, "proc/meminfo"), "HugePages_Total:     101\n");
	fk_log_clear(t->fx);
	assert_int_equal(vfh_hugepages_set(t->ctx, VFH_NODE_ALL, 1048576, 5, NULL, &rep), 0);
	assert_writes(t->fx, { ALL_1G "nr_hugepages", "5" }, { COMPACT_ALL, "1" },
		      { ALL_1G "nr_hugepages", "5" });
	assert_int_equal(fk_hugepages_compactions(t->fx, -1), 1);
	assert_string_equal(fx_read(t->fx, ALL_1G "nr_hugepages"), "5\n");
	assert_int_equal(atoi(fx_read(t->fx, NR0_1G)) + atoi(fx_read(t->fx, NR1_1G)), 5);
	/* 7 cannot be had: put back to 5, both nodes as they were */
	fk_log_clear(t->fx);
	assert_int_equal(vfh_hugepages_set(t->ctx, VFH_NODE_ALL, 1048576, 7, NULL, &rep), -ENOMEM);
	assert_string_equal(fx_read(t->fx, ALL_1G "nr_hugepages"), "5\n");
	assert_contains(vfh_ctx_errmsg(t->ctx), "the host: wanted 7 hugepages of 1048576 kB, the "
			"kernel gave 6");
	assert_contains(vfh_ctx_errmsg(t->ctx), "the host has ");
	assert_true(rep.before == 5 && rep.after == 5 && rep.got == 6);
}

/* The kernel refuses the write itself: nothing left behind either. */
static void test_write_refused(void **state)
{
	struct t *t = *state;
	struct vfh_hugepages_report rep;

	fk_fail_write(t->fx, NR0_2M, 2, -EIO);
	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 2048, 1500, NULL, &rep), -EIO);
	assert_contains(vfh_ctx_errmsg(t->ctx), "reserving 1500 hugepages of 2048 kB on node 0 "
			"failed: Input/output error");
	assert_string_equal(fx_read(t->fx, NR0_2M), "0\n");
	assert_true(rep.after == 0);
}

static void test_hugetlbfs_mounts(void **state)
{
	struct t *t = *state;
	char mnt[64];

	assert_int_equal(vfh_hugetlbfs_mount(t->ctx, 2048, mnt, sizeof(mnt)), 1);
	assert_string_equal(mnt, "/dev/hugepages");
	assert_int_equal(vfh_hugetlbfs_mount(t->ctx, 0, NULL, 0), 1);
	strcpy(mnt, "x");
	assert_int_equal(vfh_hugetlbfs_mount(t->ctx, 1048576, mnt, sizeof(mnt)), 0);
	assert_string_equal(mnt, "");
	assert_int_equal(vfh_hugetlbfs_mount(t->ctx, 2048, mnt, 4), -ENAMETOOLONG);
	assert_no_writes(t->fx);
}

static int setup_1g_mount(void **state)
{
	return t_setup(state, "numa", "mount /dev/hugepages1G dev=0:46 fs=hugetlbfs src=hugetlbfs "
				      "opts=rw,relatime,pagesize=1024M\n");
}

static void test_hugetlbfs_1g(void **state)
{
	struct t *t = *state;
	char mnt[64];

	assert_int_equal(vfh_hugetlbfs_mount(t->ctx, 1048576, mnt, sizeof(mnt)), 1);
	assert_string_equal(mnt, "/dev/hugepages1G");
	assert_int_equal(vfh_hugetlbfs_mount(t->ctx, 2048, mnt, sizeof(mnt)), 1);
	assert_string_equal(mnt, "/dev/hugepages");
}

/* A hugetlbfs without pagesize= has the default size; "1G" spelled so. */
static int setup_default_mount(void **state)
{
	return t_setup(state, "numa", "drop mount /dev/hugepages\n"
				      "mount /mnt/huge\\040pages dev=0:47 fs=hugetlbfs src=none opts=rw,relatime\n"
				      "mount /mnt/huge1g dev=0:48 fs=hugetlbfs src=none opts=rw,pagesize=1G\n");
}

static void test_hugetlbfs_default(void **state)
{
	struct t *t = *state;
	char mnt[64];

	assert_int_equal(vfh_hugetlbfs_mount(t->ctx, 2048, mnt, sizeof(mnt)), 1);
	assert_string_equal(mnt, "/mnt/huge pages");
	assert_int_equal(vfh_hugetlbfs_mount(t->ctx, 0, mnt, sizeof(mnt)), 1);
	assert_string_equal(mnt, "/mnt/huge pages");
	assert_int_equal(vfh_hugetlbfs_mount(t->ctx, 1048576, mnt, sizeof(mnt)), 1);
	assert_string_equal(mnt, "/mnt/huge1g");
	/* the default size as the host's: 1 GiB now, the bare mount is that */
	fx_write(t->fx, "proc/meminfo", "MemFree: 1 kB\nHugepagesize:    1048576 kB\n");
	assert_int_equal(vfh_hugetlbfs_mount(t->ctx, 2048, mnt, sizeof(mnt)), 0);
}

static void test_no_hugetlb(void **state)
{
	struct t *t = *state;
	uint64_t *sizes = (uint64_t *)&sizes, kb;
	size_t n = 7;

	fx_delete(t->fx, "sys/kernel/mm/hugepages");
	assert_int_equal(vfh_hugepage_sizes(t->ctx, &sizes, &n), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "CONFIG_HUGETLBFS");
	assert_null(sizes);
	assert_int_equal(n, 0);
	assert_int_equal(vfh_hugepages_set(t->ctx, 0, 2048, 1, NULL, NULL), -ENOENT);
	fx_write(t->fx, "proc/meminfo", "MemFree: 1 kB\n");
	assert_int_equal(vfh_hugepage_default_size(t->ctx, &kb), -ENODATA);
	assert_contains(vfh_ctx_errmsg(t->ctx), "no Hugepagesize:");
	assert_int_equal(vfh_hugetlbfs_mount(t->ctx, 0, NULL, 0), -ENOENT);
	assert_no_writes(t->fx);
}

/* hugetlbfs pagesize= as mountinfo shows it.  The fuzzer (tests/fuzz/
 * fuzz-size.c) found a number past 2^64 taken as 2^64 - 1 bytes, a sign
 * or blank taken as strtoull takes them, a scaled size wrapped past 2^64. */
static void test_pagesize_parse(void **state)
{
	(void)state;
	assert_int_equal(vfh_pagesize_parse("2M"), 2048);
	assert_int_equal(vfh_pagesize_parse("1G"), 1048576);
	assert_int_equal(vfh_pagesize_parse("64k"), 64);
	assert_int_equal(vfh_pagesize_parse("2097152"), 2048);
	assert_int_equal(vfh_pagesize_parse("16777216G"), 17592186044416ULL);
	assert_int_equal(vfh_pagesize_parse("99999999999999999999"), 0);
	assert_int_equal(vfh_pagesize_parse("99999999999999999999K"), 0);
	assert_int_equal(vfh_pagesize_parse("17592186044416G"), 0);
	assert_int_equal(vfh_pagesize_parse("18014398509481984M"), 0);
	assert_int_equal(vfh_pagesize_parse("-2M"), 0);
	assert_int_equal(vfh_pagesize_parse(" 2M"), 0);
	assert_int_equal(vfh_pagesize_parse("+2M"), 0);
	assert_int_equal(vfh_pagesize_parse("2MB"), 0);
	assert_int_equal(vfh_pagesize_parse(""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_ON(test_sizes_nodes_memory, t_numa),
		T_ON(test_read_pools, setup_busy_pool),
		T_ON(test_read_smaller_struct, setup_busy_pool),
		T_ON(test_raise_on_node, t_numa),
		T_ON(test_lower, setup_reserved),
		T_ON(test_lower_in_use, setup_busy_pool),
		T_ON(test_compaction_makes_it, t_numa),
		T_ON(test_short_put_back, t_numa),
		T_ON(test_short_keeps_what_was_there, setup_reserved),
		T_ON(test_drop_caches_when_allowed, t_numa),
		T_ON(test_drop_caches_only_when_needed, t_numa),
		T_ON(test_attempts_bound, t_numa),
		T_ON(test_opts_unknown_fields, t_numa),
		T_ON(test_size_the_host_lacks, t_numa),
		T_ON(test_node_not_online, t_numa),
		T_ON(test_host_pool, t_numa),
		T_ON(test_write_refused, t_numa),
		T_ON(test_hugetlbfs_mounts, t_numa),
		T_ON(test_hugetlbfs_1g, setup_1g_mount),
		T_ON(test_hugetlbfs_default, setup_default_mount),
		T_ON(test_no_hugetlb, t_numa),
		cmocka_unit_test(test_pagesize_parse),
	};

	t_init();
	return cmocka_run_group_tests_name("hugepages", tests, NULL, NULL);
}
