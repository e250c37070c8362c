// SPDX-License-Identifier: LGPL-2.1-or-later
/* Hugepages on a fragmented NUMA node: what the guides' loop gets against
 * libvfiohook's compaction strategy, from the same starting state.  Runs
 * inside the test guest only (it writes nr_hugepages, compact, drop_caches).
 *
 * Each round, for each strategy in turn: the node's pool back to 0, the
 * page cache dropped and the node compacted (a clean start), then a child
 * bound to the node fragments it the way a long-running desktop does and
 * keeps it so while the strategy runs:
 *
 *   - anonymous memory (ANON% of the node's free memory), touched 4 KiB at
 *     a time, then freed except KEEP pages per physical 2 MiB block (their
 *     frames read from /proc/self/pagemap);
 *   - page cache (CACHE% of it) read from CACHEFILE through a mapping, then
 *     dropped (POSIX_FADV_DONTNEED) except KEEP pages per block.
 *
 * Free memory is then plentiful, free 2 MiB blocks scarce.  Strategies:
 *
 *   naive        echo N > nr_hugepages, read back, up to K writes
 *   vfh          vfh_hugepages_set(), attempts K, drop_caches off
 *   vfh+drop     the same with drop_caches on
 *
 * usage: hugebench NODE PAGES K ROUNDS ANON% CACHE% KEEP CACHEFILE
 * PAGES 0: ask for 3/4 of what the fragmented node has free. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "vfiohook.h"

#define PAGE 4096UL
#define BLOCK_PAGES 512UL	/* 2 MiB */
#define MPOL_BIND_ 2
#define NSTRAT 3

static int node;
static char pool_path[160];

static void die(const char *what)
{
	fprintf(stderr, "hugebench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		die(path);
	/* nr_hugepages may take the write and give less: not an error */
	if (write(fd, val, strlen(val)) < 0 && errno != ENOMEM)
		die(path);
	close(fd);
}

static uint64_t get_u64(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "r");

	if (!f || fscanf(f, "%llu", &v) != 1)
		die(path);
	fclose(f);
	return v;
}

static uint64_t node_memfree_kb(void)
{
	char path[96], line[160], key[32];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	snprintf(key, sizeof(key), "Node %d MemFree:", node);
	if (!(f = fopen(path, "r")))
		die(path);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0)
			sscanf(line + strlen(key), " %llu", &v);
	fclose(f);
	return v;
}

/* free blocks of 2 MiB or more on the node, from /proc/buddyinfo */
static uint64_t free_2m_blocks(void)
{
	char line[512];
	uint64_t n = 0;
	FILE *f = fopen("/proc/buddyinfo", "r");

	if (!f)
		die("/proc/buddyinfo");
	while (fgets(line, sizeof(line), f)) {
		unsigned long c[11];
		int nd;

		if (sscanf(line, "Node %d, zone %*s %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu",
			   &nd, &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7], &c[8],
			   &c[9], &c[10]) == 12 && nd == node)
			n += c[9] + 2 * c[10];
	}
	fclose(f);
	return n;
}

static void pool_to(uint64_t n)
{
	char v[32];

	snprintf(v, sizeof(v), "%" PRIu64, n);
	put(pool_path, v);
	if (get_u64(pool_path) != n) {
		fprintf(stderr, "hugebench: the pool of node %d did not go to %" PRIu64 "\n", node, n);
		exit(1);
	}
}

/* Keeps at most `keep` pages of [base, base+len) per physical 2 MiB block
 * (counted in pins[]); the offsets of the others are handed to release(). */
static void thin(unsigned char *base, size_t len, unsigned short *pins, size_t nblocks,
		 unsigned keep, int pagemap, void (*release)(void *, size_t, size_t, void *),
		 void *arg)
{
	size_t npages = len / PAGE, run = 0;
	uint64_t *pm = malloc(npages * sizeof(*pm));

	if (!pm)
		die("malloc");
	if (pread(pagemap, pm, npages * sizeof(*pm),
		  (off_t)((uintptr_t)base / PAGE * sizeof(*pm))) != (ssize_t)(npages * sizeof(*pm)))
		die("/proc/self/pagemap");
	for (size_t i = 0; i < npages; i++) {
		uint64_t pfn = pm[i] & ((1ULL << 55) - 1), blk = pfn / BLOCK_PAGES;
		int pin = (pm[i] >> 63) && pfn && blk < nblocks && pins[blk] < keep;

		if (pin) {
			pins[blk]++;
			if (i > run)
				release(base, run * PAGE, (i - run) * PAGE, arg);
			run = i + 1;
		}
	}
	if (npages > run)
		release(base, run * PAGE, (npages - run) * PAGE, arg);
	free(pm);
}

static void release_anon(void *base, size_t off, size_t len, void *arg)
{
	(void)arg;
	madvise((char *)base + off, len, MADV_DONTNEED);
}

struct ranges {
	size_t n, cap;
	size_t (*r)[2];
};

static void release_cache(void *base, size_t off, size_t len, void *arg)
{
	struct ranges *rs = arg;

	(void)base;
	if (rs->n == rs->cap && !(rs->r = realloc(rs->r, (rs->cap = rs->cap * 2 + 64) * sizeof(*rs->r))))
		die("realloc");
	rs->r[rs->n][0] = off;
	rs->r[rs->n++][1] = len;
}

/* the child: fragments the node, says so on `ready`, holds until killed */
static void fragment(int ready, int anon_pct, int cache_pct, unsigned keep, const char *file)
{
	unsigned long mask = 1UL << node;
	uint64_t free_kb = node_memfree_kb();
	size_t anon = free_kb * 1024 / 100 * anon_pct / PAGE * PAGE;
	size_t cache = free_kb * 1024 / 100 * cache_pct / PAGE * PAGE;
	size_t nblocks = (size_t)(sysconf(_SC_PHYS_PAGES) * 2 / BLOCK_PAGES) + 4096;
	unsigned short *pins = calloc(nblocks, sizeof(*pins));
	int pagemap = open("/proc/self/pagemap", O_RDONLY);
	volatile unsigned char sink = 0;

	if (!pins || pagemap < 0)
		die("pagemap");
	if (syscall(SYS_set_mempolicy, MPOL_BIND_, &mask, sizeof(mask) * 8) < 0)
		die("set_mempolicy");
	double t0 = now_ms();
	unsigned char *pc = NULL, *pa = NULL;
	int fd = -1;

	/* everything in first, then thinned: memory freed by thinning one
	 * kind would otherwise be reused by the next, in blocks already pinned */
	if (cache) {
		if ((fd = open(file, O_RDONLY)) < 0)
			die(file);
		pc = mmap(NULL, cache, PROT_READ, MAP_SHARED, fd, 0);
		if (pc == MAP_FAILED)
			die("mmap cache file");
		madvise(pc, cache, MADV_SEQUENTIAL);
		for (size_t i = 0; i < cache; i += PAGE)
			sink += pc[i];
	}
	if (anon) {
		pa = mmap(NULL, anon, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (pa == MAP_FAILED)
			die("mmap anon");
		madvise(pa, anon, MADV_NOHUGEPAGE);
		for (size_t i = 0; i < anon; i += PAGE)
			pa[i] = 1;
	}
	fprintf(stderr, "hugebench: %zu MiB of page cache read, %zu MiB of anonymous memory "
		"touched in %.0f ms\n", cache >> 20, anon >> 20, now_ms() - t0);
	if (cache) {
		struct ranges rs = { 0 };

		thin(pc, cache, pins, nblocks, keep, pagemap, release_cache, &rs);
		munmap(pc, cache);
		for (size_t i = 0; i < rs.n; i++)
			posix_fadvise(fd, (off_t)rs.r[i][0], (off_t)rs.r[i][1], POSIX_FADV_DONTNEED);
		/* and whatever readahead brought in past the end */
		posix_fadvise(fd, (off_t)cache, 0, POSIX_FADV_DONTNEED);
		free(rs.r);
		close(fd);
	}
	if (anon)
		thin(pa, anon, pins, nblocks, keep, pagemap, release_anon, NULL);
	if (write(ready, "r", 1) != 1)
		die("ready");
	for (;;)
		pause();
}

struct frag {
	pid_t pid;
	double ms;
	uint64_t free_kb, blocks;
};

static struct frag start_fragment(int anon_pct, int cache_pct, unsigned keep, const char *file)
{
	char dnode[96], c;
	struct frag f = { 0 };
	int pfd[2];
	double t0;

	/* a clean start: nothing cached, the node compacted */
	put("/proc/sys/vm/drop_caches", "3");
	snprintf(dnode, sizeof(dnode), "/sys/devices/system/node/node%d/compact", node);
	put(dnode, "1");
	if (pipe(pfd) < 0)
		die("pipe");
	t0 = now_ms();
	f.pid = fork();
	if (f.pid < 0)
		die("fork");
	if (f.pid == 0) {
		close(pfd[0]);
		fragment(pfd[1], anon_pct, cache_pct, keep, file);
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1) {
		fprintf(stderr, "hugebench: the fragmenting child died\n");
		exit(1);
	}
	close(pfd[0]);
	f.ms = now_ms() - t0;
	f.free_kb = node_memfree_kb();
	f.blocks = free_2m_blocks();
	return f;
}

static void stop_fragment(struct frag *f)
{
	kill(f->pid, SIGKILL);
	waitpid(f->pid, NULL, 0);
}

static uint64_t naive(uint64_t want, unsigned k, unsigned *writes)
{
	char v[32];
	uint64_t got = 0;

	snprintf(v, sizeof(v), "%" PRIu64, want);
	for (unsigned i = 0; i < k; i++) {
		put(pool_path, v);
		++*writes;
		if ((got = get_u64(pool_path)) >= want)
			break;
	}
	return got;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[n];

	memcpy(s, v, sizeof(s));
	qsort(s, (size_t)n, sizeof(double), cmp_d);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double minimum(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

static double maximum(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

int main(int argc, char **argv)
{
	static const char *names[NSTRAT] = { "naive echo loop", "vfiohook", "vfiohook+drop" };
	struct vfh_ctx *ctx;
	uint64_t want;
	unsigned k, keep;
	int rounds, anon_pct, cache_pct;

	if (argc != 9) {
		fprintf(stderr, "usage: hugebench NODE PAGES K ROUNDS ANON%% CACHE%% KEEP CACHEFILE\n");
		return 2;
	}
	node = atoi(argv[1]);
	want = strtoull(argv[2], NULL, 10);
	k = (unsigned)atoi(argv[3]);
	rounds = atoi(argv[4]);
	anon_pct = atoi(argv[5]);
	cache_pct = atoi(argv[6]);
	keep = (unsigned)atoi(argv[7]);
	if (rounds < 1 || k < 1 || k > 10)
		return 2;
	snprintf(pool_path, sizeof(pool_path),
		 "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/nr_hugepages", node);
	if (!(ctx = vfh_ctx_new()))
		return 1;

	double got[NSTRAT][rounds], ms[NSTRAT][rounds], full[NSTRAT];
	double ffree[NSTRAT * rounds], fblocks[NSTRAT * rounds], fms[NSTRAT * rounds];
	unsigned comp[NSTRAT] = { 0 }, drops[NSTRAT] = { 0 }, writes[NSTRAT] = { 0 };
	int nf = 0;

	memset(full, 0, sizeof(full));
	pool_to(0);
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < NSTRAT; i++) {
			/* each strategy in each place of the round in turn */
			int s = (i + r) % NSTRAT;
			struct frag f = start_fragment(anon_pct, cache_pct, keep, argv[8]);
			double t0;

			if (want == 0)
				want = f.free_kb / 2048 * 3 / 4;
			ffree[nf] = (double)f.free_kb;
			fblocks[nf] = (double)f.blocks;
			fms[nf++] = f.ms;
			t0 = now_ms();
			if (s == 0) {
				got[s][r] = (double)naive(want, k, &writes[s]);
			} else {
				struct vfh_hugepages_opts o = { .attempts = k, .drop_caches = s == 2 };
				struct vfh_hugepages_report rep;
				int e = vfh_hugepages_set(ctx, node, 2048, want, &o, &rep);

				/* on failure the library gives the pages back (never
				 * half a reservation): what it got is rep.got */
				got[s][r] = (double)(e == 0 ? rep.after : rep.got);
				comp[s] += rep.compactions;
				writes[s] += rep.attempts;
				drops[s] += rep.caches_dropped;
			}
			ms[s][r] = now_ms() - t0;
			full[s] += got[s][r] >= (double)want;
			fprintf(stderr, "hugebench: round %d %s: %.0f of %" PRIu64 " in %.0f ms "
				"(fragmented in %.0f ms: %" PRIu64 " MiB free, %" PRIu64 " blocks)\n",
				r + 1, names[s], got[s][r], want, ms[s][r], f.ms, f.free_kb >> 10, f.blocks);
			stop_fragment(&f);
			pool_to(0);
		}
	}
	printf("hugepages on a fragmented guest: %" PRIu64 " pages of 2 MiB asked on node %d, "
	       "K=%u writes, %d interleaved rounds\n", want, node, k, rounds);
	printf("fragmenting: %d%% of the node's free memory in anonymous pages, %d%% in page cache, "
	       "then all freed but %u page(s) of 4 KiB per 2 MiB block (%.0f ms median)\n",
	       anon_pct, cache_pct, keep, median(fms, nf));
	printf("after fragmenting (median): node %d MemFree %.0f MiB (%.0f pages of 2 MiB), "
	       "free blocks of 2 MiB: %.0f (min %.0f, max %.0f)\n", node, median(ffree, nf) / 1024,
	       median(ffree, nf) / 2048, median(fblocks, nf), minimum(fblocks, nf),
	       maximum(fblocks, nf));
	printf("%-16s %10s %8s %6s %7s %10s %8s %13s %14s\n", "strategy", "median got", "min got",
	       "full", "writes", "median ms", "max ms", "got vs naive", "time vs naive");
	for (int s = 0; s < NSTRAT; s++) {
		double mg = median(got[s], rounds), mt = median(ms[s], rounds);
		double ng = median(got[0], rounds), nt = median(ms[0], rounds);
		double mx = maximum(ms[s], rounds);
		printf("%-16s %10.0f %8.0f %3.0f/%-2d %7u %10.0f %8.0f %12.2fx %13.2fx\n", names[s], mg,
		       minimum(got[s], rounds), full[s], rounds, writes[s], mt, mx,
		       ng > 0 ? mg / ng : 0, nt > 0 ? mt / nt : 0);
	}
	printf("got: the pages in the pool after the loop; for vfiohook the most the kernel gave "
	       "(when short it gives them back: never half a reservation)\n");
	printf("writes: of nr_hugepages, all rounds together; vfiohook compacted the node %u times, "
	       "vfiohook+drop %u times and dropped the page cache %u times\n", comp[1], comp[2], drops[2]);
	vfh_ctx_unref(ctx);
	return 0;
}
