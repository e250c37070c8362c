// SPDX-License-Identifier: LGPL-2.1-or-later
/* Hugepage pools, per page size and NUMA node, as sysfs exposes them
 * (Documentation/admin-guide/mm/hugetlbpage.rst): a write to nr_hugepages
 * asks, and the count read back is what the kernel gave, which on a
 * fragmented host is less than asked with no error from the write.
 * Reserving for a VM therefore reads back, compacts and retries within a
 * bound, and puts the old count back rather than leave half a
 * reservation. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_NODES 1024
#define MAX_ATTEMPTS 10
#define DEFAULT_ATTEMPTS 3

/* ------------------------------------------------------------ reading -- */

static int by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int sizes(struct vfh_ctx *ctx, uint64_t **out, size_t *n)
{
	uint64_t *v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	d = vfh_opendir(ctx, VFH_ROOT_SYS, "kernel/mm/hugepages");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		unsigned long long kb;
		char tail[4];

		if (sscanf(de->d_name, "hugepages-%llukB%3s", &kb, tail) != 1 || kb == 0)
			continue;
		if (cnt == cap) {
			uint64_t *nv = realloc(v, (cap = cap ? cap * 2 : 4) * sizeof(*v));

			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = kb;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), by_u64);
	*out = v;
	*n = cnt;
	return 0;
}

/* "2048 kB, 1048576 kB" */
static void sizes_text(const uint64_t *v, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%" PRIu64 " kB", i ? ", " : "", v[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (!n)
		snprintf(buf, len, "none");
}

/* A cpulist-style list ("0-1,4,6-7") into a bitmap; -EINVAL on junk. */
static int parse_list(const char *s, bool *set, size_t max)
{
	const char *p = s;

	while (*p) {
		char *end;
		unsigned long a, b;

		a = strtoul(p, &end, 10);
		if (end == p)
			return -EINVAL;
		b = a;
		p = end;
		if (*p == '-') {
			b = strtoul(p + 1, &end, 10);
			if (end == p + 1)
				return -EINVAL;
			p = end;
		}
		if (a > b || b >= max)
			return -EINVAL;
		for (unsigned long i = a; i <= b; i++)
			set[i] = true;
		if (*p == ',')
			p++;
		else if (*p)
			return -EINVAL;
	}
	return 0;
}

static int nodes(struct vfh_ctx *ctx, int **out, size_t *n)
{
	char buf[1024];
	bool *set;
	int *v;
	size_t cnt = 0;
	int r;

	*out = NULL;
	*n = 0;
	r = vfh_read_str(ctx, VFH_ROOT_SYS, buf, sizeof(buf), "devices/system/node/online");
	if (r == -ENOENT)
		snprintf(buf, sizeof(buf), "0");	/* CONFIG_NUMA=n: one node */
	else if (r < 0)
		return r;
	set = calloc(MAX_NODES, sizeof(*set));
	if (!set)
		return -ENOMEM;
	r = parse_list(buf, set, MAX_NODES);
	if (r < 0) {
		free(set);
		return r;
	}
	for (size_t i = 0; i < MAX_NODES; i++)
		cnt += set[i];
	v = calloc(cnt ? cnt : 1, sizeof(*v));
	if (!v) {
		free(set);
		return -ENOMEM;
	}
	cnt = 0;
	for (int i = 0; i < MAX_NODES; i++)
		if (set[i])
			v[cnt++] = i;
	free(set);
	*out = v;
	*n = cnt;
	return 0;
}

/* "0-1" from the node list, for messages */
static void nodes_text(const int *v, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		size_t j = i;
		int w;

		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		w = j > i ? snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", v[i], v[j])
			  : snprintf(buf + used, len - used, "%s%d", used ? "," : "", v[i]);
		if (w < 0)
			break;
		used += (size_t)w;
		i = j;
	}
	if (!n)
		snprintf(buf, len, "none");
}

/* The value, in kB, of the line starting with key in a meminfo-style file
 * ("MemFree:        123 kB", "Node 0 MemFree:   123 kB"). */
static int meminfo_kb(struct vfh_ctx *ctx, enum vfh_root root, const char *rel,
		      const char *key, uint64_t *kb)
{
	char path[VFH_PATH_MAX], line[256];
	size_t klen = strlen(key);
	FILE *f;
	int r = -ENODATA;

	if (vfh_ctx_path(ctx, root, path, sizeof(path), "%s", rel) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (strncmp(line, key, klen) != 0)
			continue;
		if (sscanf(line + klen, " %llu", &v) == 1) {
			*kb = v;
			r = 0;
		}
		break;
	}
	fclose(f);
	return r;
}

static int default_size(struct vfh_ctx *ctx, uint64_t *kb)
{
	return meminfo_kb(ctx, VFH_ROOT_PROC, "meminfo", "Hugepagesize:", kb);
}

/* field ("MemFree", "MemTotal") of the node's meminfo, or the host's */
static int node_meminfo(struct vfh_ctx *ctx, int node, const char *field, uint64_t *kb)
{
	char rel[64], key[48];

	if (node == VFH_NODE_ALL) {
		snprintf(key, sizeof(key), "%s:", field);
		return meminfo_kb(ctx, VFH_ROOT_PROC, "meminfo", key, kb);
	}
	snprintf(rel, sizeof(rel), "devices/system/node/node%d/meminfo", node);
	snprintf(key, sizeof(key), "Node %d %s:", node, field);
	return meminfo_kb(ctx, VFH_ROOT_SYS, rel, key, kb);
}

static int memfree(struct vfh_ctx *ctx, int node, uint64_t *kb)
{
	return node_meminfo(ctx, node, "MemFree", kb);
}

static void pool_rel(char *buf, size_t len, int node, uint64_t size_kb, const char *attr)
{
	if (node == VFH_NODE_ALL)
		snprintf(buf, len, "kernel/mm/hugepages/hugepages-%" PRIu64 "kB/%s", size_kb, attr);
	else
		snprintf(buf, len, "devices/system/node/node%d/hugepages/hugepages-%" PRIu64 "kB/%s",
			 node, size_kb, attr);
}

static const char *node_name(int node, char *buf, size_t len)
{
	if (node == VFH_NODE_ALL)
		snprintf(buf, len, "the host");
	else
		snprintf(buf, len, "node %d", node);
	return buf;
}

/* No message: the callers say what they were doing. */
static int pool_read(struct vfh_ctx *ctx, int node, uint64_t size_kb, struct vfh_hugepage_pool *p)
{
	char rel[160];
	uint64_t v;
	int r;

	memset(p, 0, sizeof(*p));
	p->node = node;
	p->size_kb = size_kb;
	pool_rel(rel, sizeof(rel), node, size_kb, "nr_hugepages");
	if ((r = vfh_read_u64(ctx, VFH_ROOT_SYS, &p->nr, "%s", rel)) < 0)
		return r;
	pool_rel(rel, sizeof(rel), node, size_kb, "free_hugepages");
	if ((r = vfh_read_u64(ctx, VFH_ROOT_SYS, &p->free, "%s", rel)) < 0)
		return r;
	pool_rel(rel, sizeof(rel), node, size_kb, "surplus_hugepages");
	if ((r = vfh_read_u64(ctx, VFH_ROOT_SYS, &p->surplus, "%s", rel)) < 0)
		return r;
	if (node == VFH_NODE_ALL) {
		pool_rel(rel, sizeof(rel), node, size_kb, "resv_hugepages");
		if (vfh_read_u64(ctx, VFH_ROOT_SYS, &v, "%s", rel) == 0)
			p->resv = v;
	}
	p->persistent = p->nr > p->surplus ? p->nr - p->surplus : 0;
	return 0;
}

/* The size and node exist on this host; the message lists what does. */
static int check_pool(struct vfh_ctx *ctx, int node, uint64_t size_kb)
{
	uint64_t *sv;
	int *nv;
	size_t n;
	bool found = false;
	char list[256];
	int r;

	if (node < VFH_NODE_ALL)
		return vfh_fail(ctx, -EINVAL, "invalid NUMA node %d", node);
	r = sizes(ctx, &sv, &n);
	if (r < 0)
		return vfh_fail(ctx, r == -ENOENT ? -ENOENT : r, "cannot list hugepage sizes "
				"(/sys/kernel/mm/hugepages): %s%s", strerror(-r),
				r == -ENOENT ? " (a kernel without CONFIG_HUGETLBFS)" : "");
	for (size_t i = 0; i < n; i++)
		found |= sv[i] == size_kb;
	sizes_text(sv, n, list, sizeof(list));
	free(sv);
	if (!found)
		return vfh_fail(ctx, -EINVAL, "no %" PRIu64 " kB hugepages on this host (it has %s)",
				size_kb, list);
	if (node == VFH_NODE_ALL)
		return 0;
	r = nodes(ctx, &nv, &n);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read the online NUMA nodes: %s", strerror(-r));
	found = false;
	for (size_t i = 0; i < n; i++)
		found |= nv[i] == node;
	nodes_text(nv, n, list, sizeof(list));
	free(nv);
	if (!found)
		return vfh_fail(ctx, -ENODEV, "NUMA node %d is not online (online: %s)", node, list);
	return 0;
}

/* ------------------------------------------------------------- public -- */

VFH_EXPORT int vfh_hugepage_sizes(struct vfh_ctx *ctx, uint64_t **sizes_kb, size_t *n)
{
	int r;

	vfh_enter(ctx);
	if (!sizes_kb || !n)
		return vfh_fail(ctx, -EINVAL, "vfh_hugepage_sizes: NULL argument");
	r = sizes(ctx, sizes_kb, n);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot list hugepage sizes (/sys/kernel/mm/hugepages): %s%s",
				strerror(-r), r == -ENOENT ? " (a kernel without CONFIG_HUGETLBFS)" : "");
	return 0;
}

VFH_EXPORT int vfh_hugepage_default_size(struct vfh_ctx *ctx, uint64_t *size_kb)
{
	int r;

	vfh_enter(ctx);
	if (!size_kb)
		return vfh_fail(ctx, -EINVAL, "vfh_hugepage_default_size: NULL argument");
	r = default_size(ctx, size_kb);
	if (r < 0)
		return vfh_fail(ctx, r, "no Hugepagesize: in /proc/meminfo: %s", strerror(-r));
	return 0;
}

VFH_EXPORT int vfh_numa_nodes(struct vfh_ctx *ctx, int **out, size_t *n)
{
	int r;

	vfh_enter(ctx);
	if (!out || !n)
		return vfh_fail(ctx, -EINVAL, "vfh_numa_nodes: NULL argument");
	r = nodes(ctx, out, n);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read the online NUMA nodes "
				"(/sys/devices/system/node/online): %s", strerror(-r));
	return 0;
}

VFH_EXPORT int vfh_numa_memfree(struct vfh_ctx *ctx, int node, uint64_t *kb)
{
	char who[32];
	int r;

	vfh_enter(ctx);
	if (!kb || node < VFH_NODE_ALL)
		return vfh_fail(ctx, -EINVAL, "vfh_numa_memfree: invalid argument");
	r = memfree(ctx, node, kb);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read the free memory of %s: %s",
				node_name(node, who, sizeof(who)), strerror(-r));
	return 0;
}

VFH_EXPORT int vfh_numa_memtotal(struct vfh_ctx *ctx, int node, uint64_t *kb)
{
	char who[32];
	int r;

	vfh_enter(ctx);
	if (!kb || node < VFH_NODE_ALL)
		return vfh_fail(ctx, -EINVAL, "vfh_numa_memtotal: invalid argument");
	r = node_meminfo(ctx, node, "MemTotal", kb);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read the memory size of %s: %s",
				node_name(node, who, sizeof(who)), strerror(-r));
	return 0;
}

VFH_EXPORT int vfh_hugepages_read_sz(struct vfh_ctx *ctx, int node, uint64_t size_kb,
				     struct vfh_hugepage_pool *pool, size_t pool_size)
{
	struct vfh_hugepage_pool p;
	char who[32];
	int r;

	vfh_enter(ctx);
	if (!pool || pool_size == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_hugepages_read: no pool to fill");
	r = check_pool(ctx, node, size_kb);
	if (r < 0)
		return r;
	r = pool_read(ctx, node, size_kb, &p);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read the %" PRIu64 " kB hugepage pool of %s: %s",
				size_kb, node_name(node, who, sizeof(who)), strerror(-r));
	vfh_struct_out(pool, pool_size, &p, sizeof(p));
	return 0;
}

static int write_count(struct vfh_ctx *ctx, int node, uint64_t size_kb, uint64_t count)
{
	char rel[160], val[32];

	pool_rel(rel, sizeof(rel), node, size_kb, "nr_hugepages");
	snprintf(val, sizeof(val), "%" PRIu64, count);
	return vfh_write_str(ctx, VFH_ROOT_SYS, val, "%s", rel);
}

/* Compaction frees contiguous ranges out of fragmented memory: the node's
 * own for a node pool, every node's for the host's. */
static int compact(struct vfh_ctx *ctx, int node)
{
	if (node == VFH_NODE_ALL)
		return vfh_write_str(ctx, VFH_ROOT_PROC, "1", "sys/vm/compact_memory");
	return vfh_write_str(ctx, VFH_ROOT_SYS, "1", "devices/system/node/node%d/compact", node);
}

/* The pool back to `count`; what it holds after, in *now. */
static int put_back(struct vfh_ctx *ctx, int node, uint64_t size_kb, uint64_t count,
		    uint64_t *now)
{
	struct vfh_hugepage_pool p;
	int r = write_count(ctx, node, size_kb, count);

	if (pool_read(ctx, node, size_kb, &p) == 0)
		*now = p.persistent;
	if (r == 0 && *now != count)
		r = -EIO;
	return r;
}

VFH_EXPORT int vfh_hugepages_set_sz(struct vfh_ctx *ctx, int node, uint64_t size_kb,
				    uint64_t target, const struct vfh_hugepages_opts *opts,
				    size_t opts_size, struct vfh_hugepages_report *report,
				    size_t report_size)
{
	struct vfh_hugepages_opts o = { .attempts = 0 };
	struct vfh_hugepages_report rep = { 0 };
	struct vfh_hugepage_pool p;
	char who[32], pb[160] = "";
	uint64_t free_kb = 0, need_kb;
	bool have_free;
	int r, wr = 0;

	vfh_enter(ctx);
	node_name(node, who, sizeof(who));
	if ((report && report_size == 0) || (opts && opts_size == 0))
		return vfh_fail(ctx, -EINVAL, "vfh_hugepages_set: a struct size of 0");
	if (report)
		vfh_struct_out(report, report_size, &rep, sizeof(rep));
	if (opts && vfh_struct_in(&o, sizeof(o), opts, opts_size) < 0)
		return vfh_fail(ctx, -E2BIG, "vfh_hugepages_set: options this library does not "
				"know (a newer header?)");
	if (o.attempts == 0)
		o.attempts = DEFAULT_ATTEMPTS;
	if (o.attempts > MAX_ATTEMPTS)
		return vfh_fail(ctx, -EINVAL, "hugepages: attempts=%u, at most %d", o.attempts,
				MAX_ATTEMPTS);
	r = check_pool(ctx, node, size_kb);
	if (r < 0)
		return r;
	r = pool_read(ctx, node, size_kb, &p);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read the %" PRIu64 " kB hugepage pool of %s: %s",
				size_kb, who, strerror(-r));
	rep.before = rep.after = rep.got = p.persistent;
	if (target == p.persistent)
		goto done;

	if (target < p.persistent) {
		/* freeing never falls short: pages in use become surplus */
		rep.attempts = 1;
		wr = write_count(ctx, node, size_kb, target);
		r = pool_read(ctx, node, size_kb, &p);
		if (r == 0)
			rep.after = rep.got = p.persistent;
		if (wr < 0 || r < 0) {
			r = vfh_fail(ctx, wr < 0 ? wr : r, "lowering the %" PRIu64 " kB hugepages of "
				     "%s from %" PRIu64 " to %" PRIu64 " failed: %s", size_kb, who,
				     rep.before, target, strerror(-(wr < 0 ? wr : r)));
			goto out;
		}
		if (p.persistent != target) {
			r = vfh_fail(ctx, -EIO, "lowering the %" PRIu64 " kB hugepages of %s to %"
				     PRIu64 ": the kernel kept %" PRIu64, size_kb, who, target,
				     p.persistent);
			goto out;
		}
		goto done;
	}

	for (unsigned int i = 1;; i++) {
		rep.attempts = i;
		wr = write_count(ctx, node, size_kb, target);
		if (wr < 0)
			break;
		r = pool_read(ctx, node, size_kb, &p);
		if (r < 0) {
			wr = r;
			break;
		}
		if (p.persistent > rep.got)
			rep.got = p.persistent;
		if (p.persistent >= target) {
			rep.after = p.persistent;
			vfh_info(ctx, "%s: %" PRIu64 " hugepages of %" PRIu64 " kB (was %" PRIu64
				 ") after %u attempt(s)", who, p.persistent, size_kb, rep.before, i);
			goto done;
		}
		vfh_dbg(ctx, "%s: asked %" PRIu64 " hugepages of %" PRIu64 " kB, got %" PRIu64,
			who, target, size_kb, p.persistent);
		if (i >= o.attempts)
			break;
		/* the page cache goes once, and only when compacting alone
		 * did not do: dropping it costs the host its cached files */
		if (i >= 2 && o.drop_caches && !rep.caches_dropped) {
			if (vfh_write_str(ctx, VFH_ROOT_PROC, "3", "sys/vm/drop_caches") < 0)
				vfh_warn(ctx, "dropping the page cache failed");
			rep.caches_dropped++;
		}
		if (compact(ctx, node) < 0)
			vfh_warn(ctx, "compacting the memory of %s failed", who);
		rep.compactions++;
	}

	/* short, or a write refused: never leave half a reservation */
	rep.after = p.persistent;
	if (put_back(ctx, node, size_kb, rep.before, &rep.after) < 0)
		snprintf(pb, sizeof(pb), "; putting back %" PRIu64 " failed, the pool holds %"
			 PRIu64, rep.before, rep.after);
	/* what the host has with the pages given back: fragmentation when
	 * it is more than was asked */
	have_free = memfree(ctx, node, &free_kb) == 0;
	if (wr < 0) {
		r = vfh_fail(ctx, wr, "reserving %" PRIu64 " hugepages of %" PRIu64 " kB on %s "
			     "failed: %s%s", target, size_kb, who, strerror(-wr), pb);
		goto out;
	}
	need_kb = (target - rep.before) * size_kb;
	r = vfh_fail(ctx, -ENOMEM, "%s: wanted %" PRIu64 " hugepages of %" PRIu64 " kB, the "
		     "kernel gave %" PRIu64 " after %u attempts (%u compactions%s); %s has %s%"
		     PRIu64 " kB free for %" PRIu64 " kB more; put back %" PRIu64 "%s.  %s",
		     who, target, size_kb, rep.got, rep.attempts, rep.compactions,
		     rep.caches_dropped ? ", page cache dropped" : "", who, have_free ? "" : "?",
		     free_kb, need_kb, rep.before, pb,
		     have_free && free_kb < need_kb ?
		     "Not enough free memory: stop what uses it, give the VM fewer pages, or "
		     "reserve them at boot (hugepages= on the kernel command line)" :
		     o.drop_caches ? "Memory is too fragmented: reserve them at boot (hugepages= "
		     "on the kernel command line)" :
		     "Memory is too fragmented: allow dropping the page cache, or reserve them "
		     "at boot (hugepages= on the kernel command line)");
	goto out;
done:
	r = 0;
out:
	if (report)
		vfh_struct_out(report, report_size, &rep, sizeof(rep));
	return r;
}

/* ------------------------------------------------------------ hugetlbfs -- */

/* "2M", "1G", "1024M", "2097152" (bytes) in kB; 0 when unparsable: not
 * digits first (strtoull would take " 2M" and "-2M", the latter as
 * 2^64 - 2 MiB), out of range, or past 2^64 kB once scaled. */
uint64_t vfh_pagesize_parse(const char *s)
{
	unsigned long long v, mul;
	uint64_t kb;
	char *end;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return 0;
	switch (*end) {
	case 'k': case 'K': mul = 1; break;
	case 'm': case 'M': mul = 1024; break;
	case 'g': case 'G': mul = 1024 * 1024; break;
	case '\0': return v / 1024;
	default: return 0;
	}
	if (end[1] || __builtin_mul_overflow(v, mul, &kb))
		return 0;
	return kb;
}

/* mountinfo escapes ' ', '\t', '\n' and '\\' as octal */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

VFH_EXPORT int vfh_hugetlbfs_mount(struct vfh_ctx *ctx, uint64_t size_kb, char *mnt, size_t len)
{
	char path[VFH_PATH_MAX], line[4096];
	uint64_t def = 0;
	bool have_def = false;
	FILE *f;
	int r = 0;

	vfh_enter(ctx);
	if (mnt && len == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_hugetlbfs_mount: no room for the mount point");
	/* a hugetlbfs without pagesize= has the default size */
	have_def = default_size(ctx, &def) == 0;
	if (size_kb == 0 && !have_def)
		return vfh_fail(ctx, -ENOENT, "no Hugepagesize: in /proc/meminfo: the kernel has "
				"no default hugepage size");
	if (size_kb == 0)
		size_kb = def;
	if (vfh_ctx_path(ctx, VFH_ROOT_PROC, path, sizeof(path), "self/mountinfo") < 0)
		return vfh_fail(ctx, -ENAMETOOLONG, "the proc root is too long");
	f = fopen(path, "re");
	if (!f)
		return vfh_fail(ctx, -errno, "cannot read /proc/self/mountinfo: %s", strerror(errno));
	/* "36 35 0:45 / /dev/hugepages rw,relatime shared:2 - hugetlbfs hugetlbfs rw,pagesize=2M" */
	while (fgets(line, sizeof(line), f)) {
		char point[1024], fstype[64], opts[1024], *save, *tok;
		const char *dash = strstr(line, " - ");
		uint64_t ps = 0;

		if (!dash || sscanf(line, "%*s %*s %*s %*s %1023s", point) != 1 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2 ||
		    strcmp(fstype, "hugetlbfs") != 0)
			continue;
		for (tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (strncmp(tok, "pagesize=", 9) == 0)
				ps = vfh_pagesize_parse(tok + 9);
		if (ps == 0 && !strstr(dash, "pagesize=")) {
			if (!have_def)
				continue;
			ps = def;
		}
		if (ps != size_kb)
			continue;
		unescape(point);
		if (mnt && strlen(point) >= len) {
			r = vfh_fail(ctx, -ENAMETOOLONG, "hugetlbfs mount point %s is too long", point);
			break;
		}
		if (mnt)
			strcpy(mnt, point);
		r = 1;
		break;
	}
	fclose(f);
	if (r == 0 && mnt)
		mnt[0] = '\0';
	return r;
}
