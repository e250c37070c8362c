// SPDX-License-Identifier: LGPL-2.1-or-later
/* Which processes hold a file: what fuser does, through the proc root.
 * /proc/PID/fd/N are links a stat() follows to the open file itself, so a
 * file is matched by device and inode whatever path opened it (a device
 * node by its device number: another node of the same device counts);
 * /proc/PID/maps names each mapping's device and inode. */
#include <ctype.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "holders.h"
#include "internal.h"

struct target {
	bool node;		/* a device node: matched by st_rdev */
	mode_t fmt;
	dev_t rdev, dev;
	ino_t ino;
};

static bool fd_matches(const struct target *t, const struct stat *st)
{
	if (t->node)
		return (st->st_mode & S_IFMT) == t->fmt && st->st_rdev == t->rdev;
	return st->st_dev == t->dev && st->st_ino == t->ino;
}

static int pid_of(const char *name)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)name[0]))
		return -1;
	v = strtol(name, &end, 10);
	return (*end || v <= 0 || v > 0x3fffffff) ? -1 : (int)v;
}

/* 1 when an fd of pid refers to one of the nt targets, 0 not, -errno when
 * its fds cannot be listed. */
static int open_by(struct vfh_ctx *ctx, int pid, const struct target *t, size_t nt)
{
	struct dirent *de;
	DIR *d = vfh_opendir(ctx, VFH_ROOT_PROC, "%d/fd", pid);
	int found = 0;

	if (!d)
		return -errno;
	while (!found && (de = readdir(d))) {
		char path[VFH_PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (vfh_ctx_path(ctx, VFH_ROOT_PROC, path, sizeof(path), "%d/fd/%s", pid,
				 de->d_name) < 0)
			continue;
		/* a closed fd, a socket: nothing to match */
		if (stat(path, &st) < 0)
			continue;
		for (size_t i = 0; i < nt && !found; i++)
			found = fd_matches(&t[i], &st);
	}
	closedir(d);
	return found;
}

/* "7f..-7f.. rw-s 00000000 00:1a 1234 /dev/shm/looking-glass" */
static int mapped_by(struct vfh_ctx *ctx, int pid, const struct target *t, size_t nt)
{
	char path[VFH_PATH_MAX], line[4096 + 256];
	int found = 0;
	FILE *f;

	if (vfh_ctx_path(ctx, VFH_ROOT_PROC, path, sizeof(path), "%d/maps", pid) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned int maj, min;
		unsigned long long ino;

		if (sscanf(line, "%*s %*s %*s %x:%x %llu", &maj, &min, &ino) != 3 || ino == 0)
			continue;
		for (size_t i = 0; i < nt && !found; i++)
			found = makedev(maj, min) == t[i].dev && (ino_t)ino == t[i].ino;
	}
	fclose(f);
	return found;
}

/* The real uid of pid, from the "Uid:" line of its status; -1 unknown. */
static int uid_of(struct vfh_ctx *ctx, int pid)
{
	char path[VFH_PATH_MAX], line[256];
	unsigned long uid;
	int r = -1;
	FILE *f;

	if (vfh_ctx_path(ctx, VFH_ROOT_PROC, path, sizeof(path), "%d/status", pid) < 0)
		return -1;
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %lu", &uid) == 1) {
			r = uid <= 0x7fffffffUL ? (int)uid : -1;
			break;
		}
	fclose(f);
	return r;
}

static int by_pid(const void *a, const void *b)
{
	return ((const struct vfh_holder *)a)->pid - ((const struct vfh_holder *)b)->pid;
}

int vfh_holders_scan_many(struct vfh_ctx *ctx, enum vfh_root root, const char *const *rels,
			  size_t nrels, struct vfh_holder **out, size_t *n)
{
	struct vfh_holder *v = NULL;
	size_t cnt = 0, cap = 0, nt = 0;
	unsigned int hidden = 0;
	struct target *t;
	struct dirent *de;
	DIR *d;
	int r = 0;

	*out = NULL;
	*n = 0;
	t = calloc(nrels ? nrels : 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < nrels; i++) {
		char path[VFH_PATH_MAX];
		struct stat st;

		r = vfh_ctx_path(ctx, root, path, sizeof(path), "%s", rels[i]);
		if (r < 0)
			break;
		if (stat(path, &st) < 0) {
			r = -errno;
			if (nrels > 1 && r == -ENOENT) {
				r = 0;	/* of many, one not there: nobody holds it */
				continue;
			}
			break;
		}
		t[nt].fmt = st.st_mode & S_IFMT;
		t[nt].node = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode);
		t[nt].rdev = st.st_rdev;
		t[nt].dev = st.st_dev;
		t[nt++].ino = st.st_ino;
	}
	if (r < 0 || nt == 0) {
		free(t);
		return r;
	}
	d = vfh_opendir(ctx, VFH_ROOT_PROC, "%s", "");
	if (!d) {
		r = -errno;
		free(t);
		return r;
	}
	while ((de = readdir(d))) {
		struct vfh_holder h = { 0 };
		int o, m;

		h.pid = pid_of(de->d_name);
		if (h.pid < 0)
			continue;
		o = open_by(ctx, h.pid, t, nt);
		m = mapped_by(ctx, h.pid, t, nt);
		/* gone meanwhile (ENOENT), or not ours to look at */
		if (o == -EACCES || o == -EPERM || m == -EACCES || m == -EPERM)
			hidden++;
		if (o <= 0 && m <= 0)
			continue;
		h.open = o > 0;
		h.mapped = m > 0;
		if (vfh_read_str(ctx, VFH_ROOT_PROC, h.comm, sizeof(h.comm), "%d/comm", h.pid) < 0)
			h.comm[0] = '\0';
		h.uid = uid_of(ctx, h.pid);
		if (cnt == cap) {
			struct vfh_holder *nv = realloc(v, (cap = cap ? cap * 2 : 4) * sizeof(*v));

			if (!nv) {
				free(v);
				free(t);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = h;
	}
	closedir(d);
	free(t);
	if (hidden)
		vfh_dbg(ctx, "%u processes could not be inspected", hidden);
	if (cnt)
		qsort(v, cnt, sizeof(*v), by_pid);
	*out = v;
	*n = cnt;
	return 0;
}

int vfh_holders_scan(struct vfh_ctx *ctx, enum vfh_root root, const char *rel,
		     struct vfh_holder **out, size_t *n)
{
	return vfh_holders_scan_many(ctx, root, &rel, 1, out, n);
}

void vfh_holders_text(const struct vfh_holder *v, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%d (%s)", i ? ", " : "", v[i].pid,
				 v[i].comm[0] ? v[i].comm : "?");

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

VFH_EXPORT int vfh_file_holders_sz(struct vfh_ctx *ctx, enum vfh_root root, const char *rel,
				   struct vfh_holder **holders, size_t *n, size_t stride)
{
	struct vfh_holder *v;
	size_t cnt;
	int r;

	vfh_enter(ctx);
	if (!holders || !n || !rel || stride == 0 || (unsigned)root >= VFH_ROOT__COUNT)
		return vfh_fail(ctx, -EINVAL, "vfh_file_holders: invalid argument");
	*holders = NULL;
	*n = 0;
	r = vfh_holders_scan(ctx, root, rel, &v, &cnt);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot find the holders of %s: %s", rel, strerror(-r));
	r = vfh_array_out((void **)holders, v, cnt, sizeof(*v), stride);
	if (r < 0)
		return vfh_fail(ctx, r, "out of memory");
	*n = cnt;
	return 0;
}

/* The device nodes of a PCI device, relative to the dev root, from the
 * DEVNAME= of the uevent of its drm, sound and graphics children
 * ("dri/card0", "snd/controlC0", "fb0").  *names: free() each and it. */
static int pci_nodes(struct vfh_ctx *ctx, const char *addr, char ***names, size_t *n)
{
	static const char *const classes[] = { "drm", "sound", "graphics" };
	char **v = NULL;
	size_t cnt = 0;

	for (size_t c = 0; c < VFH_ARRAY_SIZE(classes); c++) {
		struct dirent *de;
		DIR *d = vfh_opendir(ctx, VFH_ROOT_SYS, PCI_DEV_FMT "/%s", addr, classes[c]);

		while (d && (de = readdir(d))) {
			/* sound/cardN holds controlCN, pcmCNDMp, hwCNDM... */
			const char *sub[64];
			char subname[64][64];
			size_t nsub = 0;

			if (de->d_name[0] == '.')
				continue;
			sub[nsub++] = "";
			if (strcmp(classes[c], "sound") == 0) {
				struct dirent *se;
				DIR *sd = vfh_opendir(ctx, VFH_ROOT_SYS, PCI_DEV_FMT "/sound/%s", addr,
						      de->d_name);

				while (sd && (se = readdir(sd)) && nsub < 64)
					if (se->d_name[0] != '.' && strlen(se->d_name) < 64) {
						strcpy(subname[nsub], se->d_name);
						sub[nsub] = subname[nsub];
						nsub++;
					}
				if (sd)
					closedir(sd);
			}
			for (size_t k = 0; k < nsub; k++) {
				char uevent[1024], *p, **nv;

				if (vfh_read_str(ctx, VFH_ROOT_SYS, uevent, sizeof(uevent),
						 PCI_DEV_FMT "/%s/%s%s%s/uevent", addr, classes[c],
						 de->d_name, *sub[k] ? "/" : "", sub[k]) < 0)
					continue;
				p = strstr(uevent, "DEVNAME=");
				if (!p)
					continue;
				p += 8;
				p[strcspn(p, "\n")] = '\0';
				if (!*p || strstr(p, ".."))
					continue;
				nv = realloc(v, (cnt + 1) * sizeof(*v));
				if (!nv || !(nv[cnt] = strdup(p))) {
					free(nv ? nv : v);
					closedir(d);
					return -ENOMEM;
				}
				v = nv;
				cnt++;
			}
		}
		if (d)
			closedir(d);
	}
	*names = v;
	*n = cnt;
	return 0;
}

int vfh_pci_holders_scan(struct vfh_ctx *ctx, const char *addr, struct vfh_holder **v,
			 size_t *n)
{
	char **nodes = NULL;
	size_t nn = 0;
	int r = pci_nodes(ctx, addr, &nodes, &nn);

	*v = NULL;
	*n = 0;
	if (r < 0)
		return r;
	if (nn)
		r = vfh_holders_scan_many(ctx, VFH_ROOT_DEV, (const char *const *)nodes, nn, v, n);
	if (r == -ENOENT)
		r = 0;	/* no node made for it (no devtmpfs, udev late): none open */
	for (size_t i = 0; i < nn; i++)
		free(nodes[i]);
	free(nodes);
	return r;
}

VFH_EXPORT int vfh_pci_holders_sz(struct vfh_ctx *ctx, const struct vfh_pci_addr *pa,
				  struct vfh_holder **holders, size_t *n, size_t stride)
{
	char addr[VFH_PCI_ADDR_MAX];
	struct vfh_holder *v = NULL;
	size_t cnt = 0;
	int r;

	vfh_enter(ctx);
	if (!pa || !holders || !n || stride == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_holders: invalid argument");
	*holders = NULL;
	*n = 0;
	vfh_addr_str(pa, addr);
	if (vfh_exists(ctx, VFH_ROOT_SYS, PCI_DEV_FMT, addr) != 1)
		return vfh_fail(ctx, -ENODEV, "%s is not on this host", addr);
	r = vfh_pci_holders_scan(ctx, addr, &v, &cnt);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot find the holders of %s's device nodes: %s", addr,
				strerror(-r));
	r = vfh_array_out((void **)holders, v, cnt, sizeof(*v), stride);
	if (r < 0)
		return vfh_fail(ctx, r, "out of memory");
	*n = cnt;
	return 0;
}

/* Rescanned at least this often while waiting: a holder whose close the
 * watches cannot see (its node reached through another device node of
 * the same number) still ends the wait on time. */
#define HOLDERS_RESCAN_MS 100

VFH_EXPORT int vfh_pci_holders_wait(struct vfh_ctx *ctx, const struct vfh_pci_addr *pa,
				    unsigned int timeout_ms)
{
	char addr[VFH_PCI_ADDR_MAX], who[512];
	struct vfh_holder *v = NULL;
	char **nodes = NULL;
	size_t nn = 0, n;
	long long deadline;
	int fd = -1, r;

	vfh_enter(ctx);
	if (!pa)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_holders_wait: invalid argument");
	vfh_addr_str(pa, addr);
	if (vfh_exists(ctx, VFH_ROOT_SYS, PCI_DEV_FMT, addr) != 1)
		return vfh_fail(ctx, -ENODEV, "%s is not on this host", addr);
	deadline = vfh_now_ms() + timeout_ms;
	r = pci_nodes(ctx, addr, &nodes, &nn);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot list the device nodes of %s: %s", addr, strerror(-r));
	/* watch before the first scan, so that a close in between is seen */
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	for (size_t i = 0; fd >= 0 && i < nn; i++) {
		char path[VFH_PATH_MAX];

		if (vfh_ctx_path(ctx, VFH_ROOT_DEV, path, sizeof(path), "%s", nodes[i]) == 0)
			inotify_add_watch(fd, path, IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
	}
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long long left;

		free(v);
		v = NULL;
		n = 0;
		r = nn ? vfh_holders_scan_many(ctx, VFH_ROOT_DEV, (const char *const *)nodes, nn,
					       &v, &n) : 0;
		if (r == -ENOENT)
			r = 0;	/* no node made for it: none open */
		if (r < 0) {
			r = vfh_fail(ctx, r, "cannot find the holders of %s's device nodes: %s",
				     addr, strerror(-r));
			break;
		}
		if (n == 0)
			break;
		left = deadline - vfh_now_ms();
		if (left <= 0) {
			vfh_holders_text(v, n, who, sizeof(who));
			r = vfh_fail(ctx, -ETIMEDOUT, "%s is still held by %s %u ms after what holds "
				     "it was asked to stop (the holders wait bound): stop %s, or add "
				     "what runs %s to the units stopped", addr, who, timeout_ms,
				     n == 1 ? "it" : "them", n == 1 ? "it" : "them");
			break;
		}
		if (left > HOLDERS_RESCAN_MS)
			left = HOLDERS_RESCAN_MS;
		/* without inotify (fd -1, which poll ignores) every wake is
		 * the rescan's */
		if (poll(&pfd, 1, (int)left) > 0) {
			char buf[4096];

			/* what closed does not matter: scan again */
			while (read(fd, buf, sizeof(buf)) > 0)
				;
		}
	}
	if (fd >= 0)
		close(fd);
	free(v);
	for (size_t i = 0; i < nn; i++)
		free(nodes[i]);
	free(nodes);
	return r;
}
