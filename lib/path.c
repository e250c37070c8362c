// SPDX-License-Identifier: LGPL-2.1-or-later
/* The path layer: every kernel file the library touches is named here,
 * below one of the context's roots, and read or written in one call. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "internal.h"

int vfh_vpath(const struct vfh_ctx *ctx, enum vfh_root root, char *buf,
	      size_t len, const char *fmt, va_list ap)
{
	char rel[VFH_PATH_MAX];
	const char *base;
	int n;

	if ((unsigned)root >= VFH_ROOT__COUNT)
		return -EINVAL;
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -ENAMETOOLONG;
	/* A relative part that climbs out of its root would make the root
	 * meaningless; callers pass names they have validated, this is the
	 * last line. */
	if (strcmp(rel, "..") == 0 || strncmp(rel, "../", 3) == 0 ||
	    strstr(rel, "/../") || (n >= 3 && strcmp(rel + n - 3, "/..") == 0))
		return -EINVAL;
	base = ctx->root[root];
	if (strcmp(base, "/") == 0)
		base = "";
	while (rel[0] == '/')
		memmove(rel, rel + 1, strlen(rel));
	n = snprintf(buf, len, "%s/%s", base, rel);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

#define ROOTED(ctx, root, buf, fmt)                                    \
	({                                                             \
		va_list ap_;                                           \
		int r_;                                                \
		va_start(ap_, fmt);                                    \
		r_ = vfh_vpath(ctx, root, buf, sizeof(buf), fmt, ap_); \
		va_end(ap_);                                           \
		r_;                                                    \
	})

void vfh_strip(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

static int read_fd_str(int fd, char *buf, size_t len)
{
	size_t got = 0;

	if (len == 0)
		return -EINVAL;
	for (;;) {
		ssize_t r = read(fd, buf + got, len - 1 - got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got == len - 1) {
			char extra;

			/* a value longer than the caller's buffer is an error,
			 * not a silently shortened name */
			r = read(fd, &extra, 1);
			if (r > 0)
				return -EOVERFLOW;
			break;
		}
	}
	buf[got] = '\0';
	vfh_strip(buf);
	return 0;
}

/* Reads ROOT/fmt into buf, stripped of its trailing newline. */
static int vread(struct vfh_ctx *ctx, enum vfh_root root, char *buf, size_t len,
		 const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static int vread(struct vfh_ctx *ctx, enum vfh_root root, char *buf, size_t len,
		 const char *fmt, va_list ap)
{
	char path[VFH_PATH_MAX];
	int r = vfh_vpath(ctx, root, path, sizeof(path), fmt, ap);
	int fd;

	/* whatever fails below, buf holds a string (clang's analyser: an
	 * errno of 0 would otherwise return success with buf unset) */
	if (len)
		buf[0] = '\0';
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	r = read_fd_str(fd, buf, len);
	close(fd);
	return r;
}

int vfh_read_str(struct vfh_ctx *ctx, enum vfh_root root, char *buf,
		 size_t len, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vread(ctx, root, buf, len, fmt, ap);
	va_end(ap);
	return r;
}

int vfh_read_u64(struct vfh_ctx *ctx, enum vfh_root root, uint64_t *val,
		 const char *fmt, ...)
{
	char buf[64], *end;
	unsigned long long v;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vread(ctx, root, buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	if (!buf[0] || buf[0] == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(buf, &end, 0);
	if (errno)
		return -errno;
	if (end == buf || *end)
		return -EINVAL;
	*val = v;
	return 0;
}

int vfh_read_int(struct vfh_ctx *ctx, enum vfh_root root, int *val,
		 const char *fmt, ...)
{
	char buf[64], *end;
	va_list ap;
	long v;
	int r;

	va_start(ap, fmt);
	r = vread(ctx, root, buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || *end || v < INT32_MIN || v > INT32_MAX)
		return -EINVAL;
	*val = (int)v;
	return 0;
}

#ifdef VFH_TEST_BUILD
static int rel_of(const struct vfh_ctx *ctx, enum vfh_root root,
		  const char *path, const char **rel)
{
	const char *base = ctx->root[root];
	size_t blen = strcmp(base, "/") == 0 ? 0 : strlen(base);

	*rel = path + blen + 1;
	return 0;
}
#endif

int vfh_write_str(struct vfh_ctx *ctx, enum vfh_root root, const char *val,
		  const char *fmt, ...)
{
	char path[VFH_PATH_MAX];
	int r = ROOTED(ctx, root, path, fmt);
	size_t len = strlen(val);
	ssize_t w;
	int fd;

	if (r < 0)
		return r;
	/* no O_CREAT: a sysfs attribute that is missing means the kernel
	 * does not offer it, and creating a file would hide that.  O_TRUNC is
	 * harmless on sysfs (libvirt writes it the same way) and keeps a
	 * fabricated tree holding the last value written. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	do {
		w = write(fd, val, len);
	} while (w < 0 && errno == EINTR);
	r = w < 0 ? -errno : ((size_t)w == len ? 0 : -EIO);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	vfh_dbg(ctx, "write '%s' > %s: %s", val, path, r ? strerror(-r) : "ok");
#ifdef VFH_TEST_BUILD
	if (r == 0 && ctx->test_ops && ctx->test_ops->write) {
		const char *rel;

		rel_of(ctx, root, path, &rel);
		r = ctx->test_ops->write(ctx->test_data, root, rel, val);
	}
#endif
	return r;
}

int vfh_read_link_name(struct vfh_ctx *ctx, enum vfh_root root, char *buf,
		       size_t len, const char *fmt, ...)
{
	char path[VFH_PATH_MAX], target[VFH_PATH_MAX];
	int r = ROOTED(ctx, root, path, fmt);
	const char *slash;
	ssize_t n;

	if (r < 0)
		return r;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	slash = strrchr(target, '/');
	slash = slash ? slash + 1 : target;
	if (strlen(slash) >= len)
		return -EOVERFLOW;
	strcpy(buf, slash);
	return 0;
}

int vfh_exists(const struct vfh_ctx *ctx, enum vfh_root root,
	       const char *fmt, ...)
{
	char path[VFH_PATH_MAX];
	int r = ROOTED(ctx, root, path, fmt);

	if (r < 0)
		return r;
	return access(path, F_OK) == 0 ? 1 : (errno == ENOENT || errno == ENOTDIR ? 0 : -errno);
}

DIR *vfh_vopendir(const struct vfh_ctx *ctx, enum vfh_root root,
		  const char *fmt, va_list ap)
{
	char path[VFH_PATH_MAX];
	int r = vfh_vpath(ctx, root, path, sizeof(path), fmt, ap);

	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return opendir(path);
}

DIR *vfh_opendir(const struct vfh_ctx *ctx, enum vfh_root root,
		 const char *fmt, ...)
{
	va_list ap;
	DIR *d;

	va_start(ap, fmt);
	d = vfh_vopendir(ctx, root, fmt, ap);
	va_end(ap);
	return d;
}

FILE *vfh_fopen(const struct vfh_ctx *ctx, enum vfh_root root,
		const char *fmt, ...)
{
	char path[VFH_PATH_MAX];
	int r = ROOTED(ctx, root, path, fmt);

	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return fopen(path, "re");
}

ssize_t vfh_read_at(struct vfh_ctx *ctx, enum vfh_root root, void *buf,
		    size_t len, off_t off, const char *fmt, ...)
{
	char path[VFH_PATH_MAX];
	int r = ROOTED(ctx, root, path, fmt);
	ssize_t n;
	int fd;

	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	do {
		n = pread(fd, buf, len, off);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

int vfh_realpath(const struct vfh_ctx *ctx, enum vfh_root root, char *buf,
		 size_t len, const char *fmt, ...)
{
	char path[VFH_PATH_MAX];
	int r = ROOTED(ctx, root, path, fmt);
	char *real;

	if (r < 0)
		return r;
	real = realpath(path, NULL);
	if (!real)
		return -errno;
	if (strlen(real) >= len) {
		free(real);
		return -ENAMETOOLONG;
	}
	strcpy(buf, real);
	free(real);
	return 0;
}
