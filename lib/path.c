// SPDX-License-Identifier: LGPL-2.1-or-later
/* The path layer: every kernel file the library touches is named here,
 * below one of the context's roots, and read or written in one call. */
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

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

/* The part of a rooted path below its root. */
static const char *rel_of(const struct vfh_ctx *ctx, enum vfh_root root, const char *path)
{
	const char *base = ctx->root[root];
	size_t blen = strcmp(base, "/") == 0 ? 0 : strlen(base);

	return path + blen + 1;
}

/* One open, one write(2), one close: the kernel's answer as 0 or -errno. */
static int write_path(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t w;
	int fd, r;

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
	return r;
}

/* The fabricated tree's kernel plays its part after a write that went
 * through (test build only). */
static int after_write(struct vfh_ctx *ctx, enum vfh_root root, const char *path,
		       const char *val, int r)
{
	vfh_dbg(ctx, "write '%s' > %s: %s", val, path, r ? strerror(-r) : "ok");
#ifdef VFH_TEST_BUILD
	if (r == 0 && ctx->test_ops && ctx->test_ops->write)
		r = ctx->test_ops->write(ctx->test_data, root, rel_of(ctx, root, path), val);
#else
	(void)ctx;
	(void)root;
#endif
	return r;
}

int vfh_write_str(struct vfh_ctx *ctx, enum vfh_root root, const char *val,
		  const char *fmt, ...)
{
	char path[VFH_PATH_MAX];
	int r = ROOTED(ctx, root, path, fmt);

	if (r < 0)
		return r;
	return after_write(ctx, root, path, val, write_path(path, val));
}

/* ---- bounded writes */

#ifdef VFH_TEST_BUILD
static int rooted(const struct vfh_ctx *ctx, enum vfh_root root, char *buf, size_t len,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int rooted(const struct vfh_ctx *ctx, enum vfh_root root, char *buf, size_t len,
		  const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfh_vpath(ctx, root, buf, len, fmt, ap);
	va_end(ap);
	return r;
}

#define TEST_FAULT_FILE "vfiohook-test.fault"
#define TEST_RELEASE_FIFO "vfiohook-test.release"

/* Test seam: a line "block-write=REL" in RUN/vfiohook-test.fault makes the
 * bounded write of ROOT/REL (REL below its root: "bus/pci/drivers/x/unbind")
 * behave as one into a driver stuck in remove: its process waits until
 * something opens the FIFO RUN/vfiohook-test.release for writing (the
 * driver "returns"), then writes.  Without that FIFO nothing blocks.
 * fifo gets the FIFO's path. */
static bool test_blocks(struct vfh_ctx *ctx, const char *rel, char fifo[VFH_PATH_MAX])
{
	char line[VFH_PATH_MAX + 32];
	bool hit = false;
	struct stat st;
	FILE *f = vfh_fopen(ctx, VFH_ROOT_RUN, TEST_FAULT_FILE);

	if (!f)
		return false;
	while (!hit && fgets(line, sizeof(line), f)) {
		vfh_strip(line);
		hit = strncmp(line, "block-write=", 12) == 0 && strcmp(line + 12, rel) == 0;
	}
	fclose(f);
	return hit && rooted(ctx, VFH_ROOT_RUN, fifo, VFH_PATH_MAX, TEST_RELEASE_FIFO) == 0 &&
	       stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode);
}
#endif

/* What a write that does not return means, by the file written. */
static const char *stuck_where(const char *rel)
{
	const char *name = strrchr(rel, '/');

	name = name ? name + 1 : rel;
	if (strcmp(name, "unbind") == 0 || strcmp(name, "remove") == 0)
		return "the driver is stuck in remove";
	if (strcmp(name, "bind") == 0 || strcmp(name, "drivers_probe") == 0 ||
	    strcmp(name, "rescan") == 0)
		return "the driver is stuck in probe";
	if (strcmp(name, "reset") == 0)
		return "the device's reset is stuck";
	return "the kernel is stuck in it";
}

/* "10 s", "2500 ms" */
static const char *bound_text(unsigned int ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%u s", ms / 1000);
	else
		snprintf(buf, len, "%u ms", ms);
	return buf;
}

/* Writers left behind by earlier writes that did not return: reaped once
 * they have (the kernel let them go), never waited for. */
void vfh_stuck_reap(struct vfh_ctx *ctx)
{
	size_t k = 0;

	for (size_t i = 0; i < ctx->n_stuck; i++)
		if (waitpid(ctx->stuck[i], NULL, WNOHANG) == 0)
			ctx->stuck[k++] = ctx->stuck[i];
	ctx->n_stuck = k;
}

/* Waits for the writer until the context's write bound: 1 when it ended
 * (status set), 0 when the bound expired, -errno.  The writer holds the
 * write end of a pipe (done, its only descriptor): its exit closes it,
 * and the read end reports the hangup.  An event on every kernel, no
 * signal handler, nothing polled on a timer. */
static int wait_writer(pid_t pid, int done, long long deadline, int *status)
{
	int r;

	for (;;) {
		struct pollfd pfd = { .fd = done, .events = POLLIN };
		long long left = deadline - vfh_now_ms();

		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r > 0)
			break;
	}
	/* the writer has closed everything on its way out */
	while ((r = (int)waitpid(pid, status, 0)) < 0 && errno == EINTR)
		;
	return r < 0 ? -errno : 1;
}

int vfh_write_str_bounded(struct vfh_ctx *ctx, enum vfh_root root, const char *val,
			  const char *fmt, ...)
{
	char path[VFH_PATH_MAX], shown[64], bound[32];
	int r = ROOTED(ctx, root, path, fmt);
	const char *rel;
	struct sigaction sa;
	long long deadline;
	int status = -1;	/* not WIFEXITED: nothing known until waited for */
	int pipefd[2];
	pid_t pid;

	if (r < 0)
		return r;
	rel = rel_of(ctx, root, path);
	vfh_stuck_reap(ctx);
	/* children reaped by the kernel leave nothing to wait for: the
	 * caller's choice wins over the bound */
	if (sigaction(SIGCHLD, NULL, &sa) == 0 &&
	    (sa.sa_handler == SIG_IGN || (sa.sa_flags & SA_NOCLDWAIT)))
		return after_write(ctx, root, path, val, write_path(path, val));
	if (ctx->n_stuck == VFH_ARRAY_SIZE(ctx->stuck))
		return vfh_fail(ctx, -EBUSY, "%zu earlier writes to the kernel have not returned; "
				"not starting another (%s)", ctx->n_stuck, path);
#ifdef VFH_TEST_BUILD
	char fifo[VFH_PATH_MAX];
	bool block = test_blocks(ctx, rel, fifo);
#endif
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	deadline = vfh_now_ms() + ctx->write_ms;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		/* Nothing of the caller's stays open in here: a write that
		 * never returns must not keep libvirt's pipes to the hook (it
		 * would wait for their end), a lock or a journal.  Only the
		 * pipe's write end, as fd 0: its close says the write ended. */
		if (dup2(pipefd[1], 0) < 0)
			_exit(EBADF);
		closefrom(1);
#ifdef VFH_TEST_BUILD
		if (block) {
			int fd = open(fifo, O_RDONLY | O_CLOEXEC);

			if (fd >= 0)
				close(fd);
		}
#endif
		_exit(-write_path(path, val) & 0xff);
	}
	close(pipefd[1]);
	r = wait_writer(pid, pipefd[0], deadline, &status);
	close(pipefd[0]);
	if (r == 0) {
		ctx->stuck[ctx->n_stuck++] = pid;
		ctx->stuck_pid = pid;
		snprintf(shown, sizeof(shown), "%s", val);
		vfh_strip(shown);
		return vfh_fail(ctx, -ETIME, "writing %s to %s did not return within %s (the write "
				"bound): %s (process %d still waits in the kernel)",
				*shown ? shown : "a newline", path, bound_text(ctx->write_ms, bound,
				sizeof(bound)), stuck_where(rel), (int)pid);
	}
	if (r < 0)
		return r;
	if (!WIFEXITED(status))
		r = -EIO;	/* killed by someone else: nothing known */
	else
		r = -WEXITSTATUS(status);
	return after_write(ctx, root, path, val, r);
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
