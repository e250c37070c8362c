// SPDX-License-Identifier: LGPL-2.1-or-later
/* The journal under RUN/vfiohook/DOMAIN/: one text line per record,
 * appended and fsync'ed before the change it announces, so that whatever
 * kills the hook, the next stopped/release (or `vfiohook recover`) knows
 * what to put back.
 *
 *   vfiohook-journal 2
 *   begin 3 pci-bind what=0000:01:00.0 captured=1 target=vfio-pci
 *         prior_driver=bochs-drm prior_override=
 *   done 3
 *   prepared
 *   undone 3
 *   doubt 4 pid=1234 start=5678
 *
 * "doubt N" says that a write of step N (its apply or its undo) did not
 * return within the write bound (a driver stuck in remove): the step may
 * or may not have taken effect, and the write may still be in flight in
 * that process (identified by its start time, in clock ticks after boot).
 * After `begin N KIND` come what= and captured=, then the fields the kind
 * writes itself (struct step_ops.encode).  Values are %-escaped outside
 * [A-Za-z0-9._:@+-]; a decoded value holding a control character is
 * corruption.  Version 1 (vfiohook 0.1.0) wrote every kind's fields on
 * every record; a field a kind no longer has is accepted there when it
 * holds its empty value ("" or 0).
 *
 * Only the LAST line can be torn by a crash (no newline yet): the step it
 * announced never began, and it is ignored.  Anything else that does not
 * parse -- a NUL byte, an unknown kind, a record out of order -- is
 * corruption, refused with its line number: guessing would leave devices
 * away from the host. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>

#include "engine.h"

#define HEADER "vfiohook-journal "
#define FILE_NAME "journal"

static int fsync_fd(int fd)
{
	return fsync(fd) < 0 ? -errno : 0;
}

static int bad(struct journal *j, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct journal *j, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->why, sizeof(j->why), fmt, ap);
	va_end(ap);
	return err;
}

/* An empty journal for domain: names, no files open. */
static int journal_init(struct vfh_ctx *ctx, const char *domain, struct journal *j)
{
	memset(j, 0, sizeof(*j));
	j->fd = j->dirfd = j->vdirfd = -1;
	j->version = JOURNAL_VERSION;
	if (!eng_domain_ok(domain))
		return -EINVAL;
	snprintf(j->domain, sizeof(j->domain), "%s", domain);
	return vfh_ctx_path(ctx, VFH_ROOT_RUN, j->dir, sizeof(j->dir), VFH_RUN_DIR "/%s", domain);
}

/* A directory below `at`, never through a symlink: a link planted there
 * would make release read (and unlink) a journal outside the run root. */
static int open_dir_at(struct journal *j, int at, const char *name)
{
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ELOOP || errno == ENOTDIR)
		return bad(j, -EPERM, "%s/%s is not a directory (a symlink?): refused", j->dir,
			   name);
	return -errno;
}

/* RUN/vfiohook, created when asked. */
static int open_vdir(struct vfh_ctx *ctx, struct journal *j, bool create)
{
	int root = open(vfh_ctx_get_root(ctx, VFH_ROOT_RUN), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (root < 0)
		return -errno;
	if (create && mkdirat(root, VFH_RUN_DIR, 0700) < 0 && errno != EEXIST) {
		fd = -errno;
		close(root);
		return fd;
	}
	fd = open_dir_at(j, root, VFH_RUN_DIR);
	close(root);
	return fd;
}

static int append(struct journal *j, const char *line)
{
	size_t len = strlen(line), off = 0;

	if (j->fd < 0)
		return -EBADF;
	while (off < len) {
		ssize_t w = write(j->fd, line + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)w;
	}
	return fdatasync(j->fd) < 0 ? -errno : 0;
}

static int write_header(struct journal *j)
{
	char line[32];

	snprintf(line, sizeof(line), HEADER "%d\n", JOURNAL_VERSION);
	j->version = JOURNAL_VERSION;
	return append(j, line);
}

/* The journal file, only if it is a regular file: a FIFO would block the
 * hook while it holds the global lock, a device could be anything. */
static int open_file(struct journal *j, int flags, mode_t mode)
{
	struct stat st;
	int fd = openat(j->dirfd, FILE_NAME, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
			mode);

	if (fd < 0) {
		if (errno == ELOOP)
			return bad(j, -EPERM, "%s/" FILE_NAME " is a symlink: refused", j->dir);
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return bad(j, -EPERM, "%s/" FILE_NAME " is not a regular file: refused", j->dir);
	}
	/* back to blocking writes: O_NONBLOCK only kept the open from hanging */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int eng_journal_create(struct vfh_ctx *ctx, const char *domain, struct journal *j)
{
	int r;

	if ((r = journal_init(ctx, domain, j)) < 0)
		return r;
	j->vdirfd = open_vdir(ctx, j, true);
	if (j->vdirfd < 0)
		return r = j->vdirfd, j->vdirfd = -1, r;
	if (mkdirat(j->vdirfd, domain, 0700) < 0) {
		struct stat st;

		if (errno != EEXIST)
			return -errno;
		/* a crash between mkdir and the journal's creation leaves an
		 * empty directory: nothing began, take it over */
		j->dirfd = open_dir_at(j, j->vdirfd, domain);
		if (j->dirfd < 0)
			return r = j->dirfd, j->dirfd = -1, r;
		if (fstatat(j->dirfd, FILE_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
			return -EEXIST;
		eng_log(LOG_NOTICE, "%s: taking over the empty journal directory %s (left by an "
			"interrupted hook)", domain, j->dir);
	} else {
		j->dirfd = open_dir_at(j, j->vdirfd, domain);
		if (j->dirfd < 0)
			return r = j->dirfd, j->dirfd = -1, r;
	}
	j->fd = open_file(j, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0600);
	if (j->fd < 0) {
		r = j->fd;
		j->fd = -1;
		unlinkat(j->vdirfd, domain, AT_REMOVEDIR);
		return r;
	}
	r = write_header(j);
	if (r == 0)
		r = fsync_fd(j->dirfd);
	if (r == 0)
		r = fsync_fd(j->vdirfd);
	return r;
}

static int grow(struct journal *j)
{
	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 8;
		struct journal_entry *ne = realloc(j->e, cap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		j->e = ne;
		j->cap = cap;
	}
	memset(&j->e[j->n], 0, sizeof(j->e[j->n]));
	return 0;
}

int eng_journal_begin(struct journal *j, const struct step *s)
{
	char fields[1024], line[1200];
	int r = eng_step_encode(s, fields, sizeof(fields));

	if (r < 0)
		return r;
	snprintf(line, sizeof(line), "begin %zu %s%s\n", j->n, s->ops->name, fields);
	if ((r = grow(j)) < 0 || (r = append(j, line)) < 0)
		return r;
	j->e[j->n].step = *s;
	j->e[j->n++].begun = true;
	return 0;
}

static int mark(struct journal *j, const char *what, size_t idx)
{
	char line[64];

	snprintf(line, sizeof(line), "%s %zu\n", what, idx);
	return append(j, line);
}

int eng_journal_done(struct journal *j, size_t idx)
{
	int r = mark(j, "done", idx);

	if (r == 0 && idx < j->n)
		j->e[idx].done = true;
	return r;
}

int eng_journal_undone(struct journal *j, size_t idx)
{
	int r = mark(j, "undone", idx);

	if (r == 0 && idx < j->n)
		j->e[idx].undone = true;
	return r;
}

int eng_journal_doubt(struct journal *j, size_t idx, int pid, unsigned long long start)
{
	char line[96];
	int r;

	snprintf(line, sizeof(line), "doubt %zu pid=%d start=%llu\n", idx, pid, start);
	r = append(j, line);
	if (r == 0 && idx < j->n) {
		j->e[idx].doubt_pid = pid;
		j->e[idx].doubt_start = start;
	}
	return r;
}

int eng_journal_prepared(struct journal *j)
{
	int r = append(j, "prepared\n");

	if (r == 0)
		j->prepared = true;
	return r;
}

/* ---- reading */

static int unescape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in; in++) {
		unsigned int c;

		if (o + 1 >= len)
			return -EOVERFLOW;
		if (*in != '%') {
			c = (unsigned char)*in;
		} else {
			if (!isxdigit((unsigned char)in[1]) || !isxdigit((unsigned char)in[2]) ||
			    sscanf(in + 1, "%2x", &c) != 1)
				return -EINVAL;
			in += 2;
		}
		/* nothing a journal names holds a control character: such a
		 * value would reach stderr and terminals as it is */
		if (c < 0x20 || c == 0x7f)
			return -EINVAL;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* A field version 1 wrote for every kind, holding its empty value. */
static bool v1_empty(const char *key, const char *val)
{
	static const char *const keys[] = { "target", "was_on", "prior_driver", "prior_override",
					    "reset", "reset_at", "seconds", "attempts" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			return !*val || strcmp(val, "0") == 0;
	return false;
}

static int parse_field(struct journal *j, struct step *s, char *field, int lineno)
{
	char *eq = strchr(field, '='), val[STEP_WHAT_MAX * 2];
	int r;

	if (!eq)
		return bad(j, -EBADMSG, "line %d: '%.40s' is not key=value", lineno, field);
	*eq = '\0';
	r = unescape(eq + 1, val, sizeof(val));
	if (r < 0)
		return bad(j, -EBADMSG, "line %d: the value of %.32s is %s", lineno, field,
			   r == -EOVERFLOW ? "too long" : "malformed");
	if (strcmp(field, "what") == 0) {
		r = kv_str(val, s->what, sizeof(s->what));
		if (r == 0 && s->ops->what_ok && !s->ops->what_ok(val))
			r = -EINVAL;
	} else if (strcmp(field, "captured") == 0) {
		r = kv_bool(val, &s->captured);
	} else {
		r = s->ops->decode ? s->ops->decode(s, field, val) : -ENOENT;
		if (r == -ENOENT && j->version == 1 && v1_empty(field, val))
			r = 0;
	}
	if (r == -ENOENT)
		return bad(j, -EBADMSG, "line %d: a %s step has no field '%.32s'", lineno,
			   s->ops->name, field);
	if (r < 0)
		return bad(j, -EBADMSG, "line %d: bad %.32s for a %s step", lineno, field,
			   s->ops->name);
	return 0;
}

static int parse_index(const char *s, unsigned long *idx)
{
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*idx = strtoul(s, &end, 10);
	return (errno || *end) ? -EINVAL : 0;
}

static int parse_line(struct journal *j, char *line, int lineno)
{
	char *save, *w = strtok_r(line, " ", &save);
	unsigned long idx;

	if (!w)
		return bad(j, -EBADMSG, "line %d: empty", lineno);
	if (strcmp(w, "prepared") == 0) {
		j->prepared = true;
		return strtok_r(NULL, " ", &save) ? bad(j, -EBADMSG, "line %d: text after "
							 "'prepared'", lineno) : 0;
	}
	if (parse_index(strtok_r(NULL, " ", &save), &idx) < 0)
		return bad(j, -EBADMSG, "line %d: '%.20s' without a step number", lineno, w);
	if (strcmp(w, "begin") == 0) {
		char *kind = strtok_r(NULL, " ", &save);
		const struct step_ops *ops = kind ? eng_step_kind_find(kind) : NULL;
		struct step *s;
		int r;

		if (!ops)
			return bad(j, -EBADMSG, "line %d: unknown step kind '%.32s' (written by a newer "
				   "vfiohook?)", lineno, kind ? kind : "");
		if (idx != j->n)
			return bad(j, -EBADMSG, "line %d: step %lu out of order", lineno, idx);
		if ((r = grow(j)) < 0)
			return r;
		s = &j->e[j->n].step;
		s->ops = ops;
		snprintf(s->domain, sizeof(s->domain), "%s", j->domain);
		for (char *f; (f = strtok_r(NULL, " ", &save));)
			if ((r = parse_field(j, s, f, lineno)) < 0)
				return r;
		if (!*s->what)
			return bad(j, -EBADMSG, "line %d: a step without what=", lineno);
		j->e[j->n++].begun = true;
		return 0;
	}
	if (strcmp(w, "doubt") == 0) {
		char *p = strtok_r(NULL, " ", &save), *t = strtok_r(NULL, " ", &save), *end;
		unsigned long long start;
		unsigned long pid;

		if (idx >= j->n)
			return bad(j, -EBADMSG, "line %d: 'doubt %lu' names no step", lineno, idx);
		if (!p || !t || strtok_r(NULL, " ", &save) || strncmp(p, "pid=", 4) != 0 ||
		    strncmp(t, "start=", 6) != 0 || parse_index(p + 4, &pid) < 0 || pid == 0 ||
		    pid > 0x7fffffffUL || !isdigit((unsigned char)t[6]))
			return bad(j, -EBADMSG, "line %d: malformed doubt record", lineno);
		errno = 0;
		start = strtoull(t + 6, &end, 10);
		if (errno || *end)
			return bad(j, -EBADMSG, "line %d: malformed doubt record", lineno);
		j->e[idx].doubt_pid = (int)pid;
		j->e[idx].doubt_start = start;
		return 0;
	}
	if (strtok_r(NULL, " ", &save) || idx >= j->n)
		return bad(j, -EBADMSG, "line %d: '%s %lu' names no step", lineno, w, idx);
	if (strcmp(w, "done") == 0)
		j->e[idx].done = true;
	else if (strcmp(w, "undone") == 0)
		j->e[idx].undone = true;
	else
		return bad(j, -EBADMSG, "line %d: unknown record '%.20s'", lineno, w);
	return 0;
}

/* The whole file, at most JOURNAL_MAX_BYTES. */
static int slurp(struct journal *j, int fd, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap >= JOURNAL_MAX_BYTES) {
				free(buf);
				return bad(j, -EBADMSG, "larger than %u bytes: not a journal this "
					   "vfiohook wrote", JOURNAL_MAX_BYTES);
			}
			nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		r = pread(fd, buf + n, cap - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;

			free(buf);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* Parses buf; *complete gets the length of its complete lines. */
static int parse(struct journal *j, char *buf, size_t len, size_t *complete)
{
	size_t off = 0;
	int lineno = 0;

	*complete = 0;
	while (off < len) {
		char *line = buf + off, *nl = memchr(line, '\n', len - off);
		size_t n;
		int r;

		if (!nl)
			break;	/* torn by a crash: the record it was never began */
		n = (size_t)(nl - line);
		lineno++;
		if (memchr(line, '\0', n))
			return bad(j, -EBADMSG, "line %d: holds a NUL byte", lineno);
		*nl = '\0';
		if (lineno == 1) {
			if (strcmp(line, HEADER "1") == 0)
				j->version = 1;
			else if (strcmp(line, HEADER "2") == 0)
				j->version = 2;
			else
				return bad(j, -EBADMSG, "line 1: not a vfiohook journal header (version "
					   "%d expected)", JOURNAL_VERSION);
		} else if ((r = parse_line(j, line, lineno)) < 0) {
			return r;
		}
		off += n + 1;
		*complete = off;
	}
	return 0;
}

int eng_journal_open(struct vfh_ctx *ctx, const char *domain, bool writable, struct journal *j)
{
	size_t len = 0, complete = 0;
	char *buf = NULL;
	int fd, r;

	if ((r = journal_init(ctx, domain, j)) < 0)
		return r;
	j->vdirfd = open_vdir(ctx, j, false);
	if (j->vdirfd < 0) {
		r = j->vdirfd;
		j->vdirfd = -1;
		return r;
	}
	j->dirfd = open_dir_at(j, j->vdirfd, domain);
	if (j->dirfd < 0) {
		r = j->dirfd;
		j->dirfd = -1;
		eng_journal_close(j);
		return r;
	}
	fd = open_file(j, writable ? O_RDWR | O_APPEND : O_RDONLY, 0);
	if (fd == -ENOENT) {
		/* a crash between mkdir and creating the journal, or between
		 * unlinking it and rmdir: nothing held */
		if (writable && unlinkat(j->vdirfd, domain, AT_REMOVEDIR) == 0)
			eng_log(LOG_NOTICE, "%s: removed the empty journal directory %s", domain,
				j->dir);
		eng_journal_close(j);
		return -ENOENT;
	}
	if (fd < 0) {
		eng_journal_close(j);
		return fd;
	}
	r = slurp(j, fd, &buf, &len);
	if (r == 0) {
		r = parse(j, buf, len, &complete);
		free(buf);
	}
	if (r == 0 && j->version < JOURNAL_VERSION)
		eng_log(LOG_INFO, "%s: reading a version %d journal (written by vfiohook 0.1.0)",
			domain, j->version);
	if (r == 0 && writable) {
		/* records appended after a torn one start on a line of their
		 * own; a journal torn inside its header gets a new one */
		if (len > complete && ftruncate(fd, (off_t)complete) < 0)
			r = -errno;
		j->fd = fd;
		fd = -1;
		if (r == 0 && complete == 0)
			r = write_header(j);
	}
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		char why[sizeof(j->why)];

		memcpy(why, j->why, sizeof(why));
		eng_journal_close(j);
		memcpy(j->why, why, sizeof(why));
	}
	return r;
}

size_t eng_journal_pending(const struct journal *j)
{
	size_t n = 0;

	for (size_t i = 0; i < j->n; i++)
		n += j->e[i].begun && !j->e[i].undone;
	return n;
}

int eng_journal_remove(struct journal *j)
{
	if (j->dirfd < 0 || j->vdirfd < 0)
		return 0;
	if (unlinkat(j->dirfd, FILE_NAME, 0) < 0 && errno != ENOENT)
		return -errno;
	if (unlinkat(j->vdirfd, j->domain, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return fsync_fd(j->vdirfd);
}

void eng_journal_close(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	if (j->dirfd >= 0)
		close(j->dirfd);
	if (j->vdirfd >= 0)
		close(j->vdirfd);
	j->fd = j->dirfd = j->vdirfd = -1;
	free(j->e);
	j->e = NULL;
	j->n = j->cap = 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int eng_journal_list(struct vfh_ctx *ctx, char ***domains, size_t *n)
{
	char path[512], **v = NULL;
	size_t cnt = 0, bytes = 0;
	struct dirent *de;
	DIR *d;
	int r = vfh_ctx_path(ctx, VFH_ROOT_RUN, path, sizeof(path), VFH_RUN_DIR);

	*domains = NULL;
	*n = 0;
	if (r < 0)
		return r;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	/* two passes: count, then one allocation holding pointers and names */
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && eng_domain_ok(de->d_name)) {
			cnt++;
			bytes += strlen(de->d_name) + 1;
		}
	if (cnt) {
		char *names;
		size_t i = 0;

		v = malloc(cnt * sizeof(*v) + bytes);
		if (!v) {
			closedir(d);
			return -ENOMEM;
		}
		names = (char *)(v + cnt);
		rewinddir(d);
		while ((de = readdir(d)) && i < cnt)
			if (de->d_type == DT_DIR && eng_domain_ok(de->d_name)) {
				v[i++] = strcpy(names, de->d_name);
				names += strlen(de->d_name) + 1;
			}
		cnt = i;
	}
	closedir(d);
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), by_name);
	*domains = v;
	*n = cnt;
	return 0;
}
