// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture's file helpers: every path is relative to the fixture root
 * and checked, so that nothing is ever made, written or removed outside
 * it; any failure fails the running test.  Also the readers tests assert
 * with (fx_read() and friends, fixture.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fixture-int.h"

static bool rel_ok(const char *rel)
{
	const char *p = rel;

	if (!*rel || *rel == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");

		if ((n == 2 && p[0] == '.' && p[1] == '.') || (n == 1 && p[0] == '.') || n == 0)
			return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return true;
}

void fx_abs(const struct fx *fx, char *buf, size_t len, const char *rel)
{
	int n;

	if (!rel_ok(rel)) {
		fx_fail("refusing path '%s' (absolute, empty or with '..')", rel);
		return;
	}
	n = snprintf(buf, len, "%s/%s", fx->root, rel);
	if (n < 0 || (size_t)n >= len)
		fx_fail("path too long: %s", rel);
}

/* rel := printf(fmt), abs := the fixture's path for it (FX_REL and
 * PATH_MAX sized buffers) */
static void fx_vabs(const struct fx *fx, char *rel, char *abs, const char *fmt, va_list ap)
{
	vsnprintf(rel, FX_REL, fmt, ap);
	fx_abs(fx, abs, PATH_MAX, rel);
}

/* mkdir -p, below `from` characters of abs that exist already (the
 * fixture root: nothing above it is ever touched) */
static void mkdirs_abs(const char *abs, size_t from)
{
	char tmp[PATH_MAX];
	size_t n = strlen(abs);

	if (n >= sizeof(tmp) || from > n)
		fx_fail("path too long: %s", abs);
	/* the parent is usually there: one call */
	if (mkdir(abs, 0755) == 0 || errno == EEXIST)
		return;
	memcpy(tmp, abs, n + 1);
	for (char *p = tmp + from + 1; p < tmp + n && *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			fx_fail("mkdir %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		fx_fail("mkdir %s: %s", tmp, strerror(errno));
}

void fx_mkdirs(struct fx *fx, const char *fmt, ...)
{
	char rel[FX_REL], abs[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	fx_vabs(fx, rel, abs, fmt, ap);
	va_end(ap);
	mkdirs_abs(abs, strlen(fx->root));
}

void fx_parent_dirs(struct fx *fx, const char *rel)
{
	char dir[FX_REL];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		fx_mkdirs(fx, "%s", dir);
	}
}

void fx_putb(struct fx *fx, const char *rel, const void *data, size_t len)
{
	char abs[PATH_MAX];
	int fd;

	fx_abs(fx, abs, sizeof(abs), rel);
	fd = open(abs, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno == ENOENT) {
		fx_parent_dirs(fx, rel);
		fd = open(abs, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	if (fd < 0) {
		fx_fail("create %s: %s", rel, strerror(errno));
		return;
	}
	if (len && write(fd, data, len) != (ssize_t)len)
		fx_fail("write %s: %s", rel, strerror(errno));
	close(fd);
}

void fx_putf(struct fx *fx, const char *rel, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		fx_fail("content too long for %s", rel);
	fx_putb(fx, rel, buf, (size_t)n);
}

static size_t split(char *s, char **parts, size_t max)
{
	size_t n = 0;

	for (char *tok = strtok(s, "/"); tok && n < max; tok = strtok(NULL, "/"))
		parts[n++] = tok;
	return n;
}

void fx_symlink(struct fx *fx, const char *linkrel, const char *targetrel)
{
	char l[FX_REL], t[FX_REL], rel[FX_REL * 2] = "", abs[PATH_MAX];
	char *lp[64], *tp[64];
	size_t nl, nt, c = 0;

	if (!rel_ok(linkrel) || !rel_ok(targetrel))
		fx_fail("refusing link %s -> %s", linkrel, targetrel);
	snprintf(l, sizeof(l), "%s", linkrel);
	snprintf(t, sizeof(t), "%s", targetrel);
	nl = split(l, lp, 64) - 1;	/* the link's directory */
	nt = split(t, tp, 64);
	/* through the common ancestor, keeping at least one component of
	 * the target, as sysfs_create_link() spells them */
	while (c < nl && c + 1 < nt && strcmp(lp[c], tp[c]) == 0)
		c++;
	for (size_t i = c; i < nl; i++)
		strcat(rel, "../");
	for (size_t i = c; i < nt; i++) {
		strcat(rel, tp[i]);
		if (i + 1 < nt)
			strcat(rel, "/");
	}
	fx_abs(fx, abs, sizeof(abs), linkrel);
	if (symlink(rel, abs) == 0)
		return;
	if (errno == ENOENT)
		fx_parent_dirs(fx, linkrel);
	else if (unlink(abs) < 0 && errno != ENOENT)
		fx_fail("unlink %s: %s", linkrel, strerror(errno));
	if (symlink(rel, abs) < 0)
		fx_fail("symlink %s -> %s: %s", linkrel, rel, strerror(errno));
}

void fx_remove(struct fx *fx, const char *fmt, ...)
{
	char rel[FX_REL], abs[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	fx_vabs(fx, rel, abs, fmt, ap);
	va_end(ap);
	if (remove(abs) < 0 && errno != ENOENT)
		fx_fail("remove %s: %s", rel, strerror(errno));
}

/* nftw() has no user data: the tree being walked, checked on every path */
static const char *walk_root;
static size_t walk_len;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (strncmp(path, walk_root, walk_len) != 0 ||
	    (path[walk_len] != '/' && path[walk_len] != '\0')) {
		fail_msg("fixture: refusing to remove %s outside %s", path, walk_root);
		return -1;
	}
	if (remove(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

void fx_rmtree_abs(const char *abs, const char *limit)
{
	struct stat st;

	if (lstat(abs, &st) < 0)
		return;
	walk_root = limit;
	walk_len = strlen(limit);
	if (nftw(abs, rm_one, 32, FTW_DEPTH | FTW_PHYS) != 0)
		fx_fail("cannot remove %s: %s", abs, strerror(errno));
	walk_root = NULL;
}

void fx_rmtree(struct fx *fx, const char *rel)
{
	char abs[PATH_MAX];

	fx_abs(fx, abs, sizeof(abs), rel);
	fx_rmtree_abs(abs, fx->root);
}

/* ------------------------------------------------------------- readers */

char *fx_ring(struct fx *fx)
{
	return fx->ring[fx->ringpos++ % VFH_ARRAY_SIZE(fx->ring)];
}

const char *fx_read(struct fx *fx, const char *fmt, ...)
{
	char rel[FX_REL], abs[PATH_MAX], *buf = fx_ring(fx);
	va_list ap;
	ssize_t n;
	int fd;

	va_start(ap, fmt);
	fx_vabs(fx, rel, abs, fmt, ap);
	va_end(ap);
	fd = open(abs, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(fx->ring[0]) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

const char *fx_readlink(struct fx *fx, const char *fmt, ...)
{
	char rel[FX_REL], abs[PATH_MAX], *buf = fx_ring(fx);
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	fx_vabs(fx, rel, abs, fmt, ap);
	va_end(ap);
	n = readlink(abs, buf, sizeof(fx->ring[0]) - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

bool fx_exists(struct fx *fx, const char *fmt, ...)
{
	char rel[FX_REL], abs[PATH_MAX];
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	fx_vabs(fx, rel, abs, fmt, ap);
	va_end(ap);
	return lstat(abs, &st) == 0;
}

void fx_write(struct fx *fx, const char *rel, const char *content)
{
	char abs[PATH_MAX];
	int fd;

	/* through symlinks, as a test means "this attribute of that device" */
	fx_abs(fx, abs, sizeof(abs), rel);
	fd = open(abs, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fx_fail("create %s: %s", rel, strerror(errno));
		return;
	}
	if (*content && write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		fx_fail("write %s: %s", rel, strerror(errno));
	close(fd);
}

void fx_delete(struct fx *fx, const char *rel)
{
	fx_rmtree(fx, rel);
}
