// SPDX-License-Identifier: LGPL-2.1-or-later
/* The journal under RUN/vfiohook/DOMAIN/: one text line per record,
 * appended and fsync'ed before the change it announces, so that whatever
 * kills the hook, the next stopped/release (or `vfiohook recover`) knows
 * what to put back.
 *
 *   vfiohook-journal 1
 *   begin 3 pci-bind what=0000:01:00.0 target=vfio-pci captured=1 was_on=0
 *         prior_driver=bochs-drm prior_override= reset=0 reset_at=0 seconds=0 attempts=0
 *   done 3
 *   prepared
 *   undone 3
 *
 * Values are %-escaped outside [A-Za-z0-9._:@+-].  A last line without its
 * newline is a record the crash interrupted: ignored. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "engine.h"

#define HEADER "vfiohook-journal 1"

static int run_path(struct vfh_ctx *ctx, char *buf, size_t len, const char *domain,
		    const char *file)
{
	if (domain)
		return vfh_ctx_path(ctx, VFH_ROOT_RUN, buf, len, VFH_RUN_DIR "/%s%s%s", domain,
				    file ? "/" : "", file ? file : "");
	return vfh_ctx_path(ctx, VFH_ROOT_RUN, buf, len, VFH_RUN_DIR);
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

static void escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 4 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (isalnum(c) || strchr("._:@+-", c))
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, len - o, "%%%02x", c);
	}
	out[o] = '\0';
}

static int unescape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in; in++) {
		if (o + 1 >= len)
			return -EOVERFLOW;
		if (*in == '%') {
			unsigned int c;

			if (!isxdigit((unsigned char)in[1]) || !isxdigit((unsigned char)in[2]) ||
			    sscanf(in + 1, "%2x", &c) != 1)
				return -EINVAL;
			out[o++] = (char)c;
			in += 2;
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
	return 0;
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

static int ensure_run_dir(struct vfh_ctx *ctx)
{
	char path[512];
	int r = run_path(ctx, path, sizeof(path), NULL, NULL);

	if (r < 0)
		return r;
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* An empty journal for domain, with its directory and file names. */
static int journal_init(struct vfh_ctx *ctx, const char *domain, struct journal *j,
			char *file, size_t flen)
{
	int r;

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	if (!eng_domain_ok(domain))
		return -EINVAL;
	snprintf(j->domain, sizeof(j->domain), "%s", domain);
	if ((r = run_path(ctx, j->dir, sizeof(j->dir), domain, NULL)) < 0 ||
	    (r = run_path(ctx, file, flen, domain, "journal")) < 0)
		return r;
	return 0;
}

int eng_journal_create(struct vfh_ctx *ctx, const char *domain, struct journal *j)
{
	char dir[512], file[512];
	int r;

	if ((r = journal_init(ctx, domain, j, file, sizeof(file))) < 0 ||
	    (r = ensure_run_dir(ctx)) < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s", j->dir);
	if (mkdir(dir, 0700) < 0)
		return -errno;
	j->fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (j->fd < 0) {
		r = -errno;
		rmdir(dir);
		return r;
	}
	r = append(j, HEADER "\n");
	if (r == 0)
		r = fsync_path(dir);
	if (r == 0) {
		*strrchr(dir, '/') = '\0';
		r = fsync_path(dir);
	}
	return r;
}

static int step_line(const struct step *s, size_t idx, char *buf, size_t len)
{
	char what[sizeof(s->what) * 3], target[VFH_NAME_MAX * 3];
	char drv[VFH_NAME_MAX * 3], ovr[VFH_NAME_MAX * 3];
	int n;

	escape(s->what, what, sizeof(what));
	escape(s->target, target, sizeof(target));
	escape(s->prior.driver, drv, sizeof(drv));
	escape(s->prior.driver_override, ovr, sizeof(ovr));
	n = snprintf(buf, len, "begin %zu %s what=%s target=%s captured=%d was_on=%d "
		     "prior_driver=%s prior_override=%s reset=%d reset_at=%d seconds=%u "
		     "attempts=%u\n", idx, eng_step_kind_name(s->kind), what, target, s->captured,
		     s->was_on, drv, ovr, s->reset, s->reset_at, s->seconds, s->attempts);
	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

int eng_journal_begin(struct journal *j, const struct step *s)
{
	struct journal_entry *ne;
	char line[1024];
	int r = step_line(s, j->n, line, sizeof(line));

	if (r < 0)
		return r;
	ne = realloc(j->e, (j->n + 1) * sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	j->e = ne;
	r = append(j, line);
	if (r < 0)
		return r;
	memset(&ne[j->n], 0, sizeof(*ne));
	ne[j->n].step = *s;
	ne[j->n++].begun = true;
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

int eng_journal_prepared(struct journal *j)
{
	int r = append(j, "prepared\n");

	if (r == 0)
		j->prepared = true;
	return r;
}

/* "key=value" fields of a begin record, into the step. */
static int parse_field(struct step *s, const char *field)
{
	const char *eq = strchr(field, '=');
	char key[32], val[sizeof(s->what)];
	unsigned long n;
	char *end;

	if (!eq || (size_t)(eq - field) >= sizeof(key))
		return -EINVAL;
	memcpy(key, field, (size_t)(eq - field));
	key[eq - field] = '\0';
	if (unescape(eq + 1, val, sizeof(val)) < 0)
		return -EINVAL;
	if (strcmp(key, "what") == 0)
		strcpy(s->what, val);
	else if (strcmp(key, "target") == 0 || strcmp(key, "prior_driver") == 0 ||
		 strcmp(key, "prior_override") == 0) {
		char *dst = key[0] == 't' ? s->target : key[6] == 'd' ? s->prior.driver
								  : s->prior.driver_override;

		if (strlen(val) >= VFH_NAME_MAX)
			return -EINVAL;
		strcpy(dst, val);
	} else {
		errno = 0;
		n = strtoul(val, &end, 10);
		if (errno || *end || end == val || n > 1000000)
			return -EINVAL;
		if (strcmp(key, "captured") == 0)
			s->captured = n != 0;
		else if (strcmp(key, "was_on") == 0)
			s->was_on = n != 0;
		else if (strcmp(key, "reset") == 0)
			s->reset = (int)n;
		else if (strcmp(key, "reset_at") == 0)
			s->reset_at = (int)n;
		else if (strcmp(key, "seconds") == 0)
			s->seconds = (unsigned int)n;
		else if (strcmp(key, "attempts") == 0)
			s->attempts = (unsigned int)n;
		else
			return -EINVAL;
	}
	return 0;
}

static int parse_line(struct journal *j, char *line)
{
	char *save, *w = strtok_r(line, " ", &save);
	char *idx_s, *end;
	unsigned long idx;

	if (!w)
		return -EINVAL;
	if (strcmp(w, "prepared") == 0) {
		j->prepared = true;
		return strtok_r(NULL, " ", &save) ? -EINVAL : 0;
	}
	idx_s = strtok_r(NULL, " ", &save);
	if (!idx_s || !isdigit((unsigned char)*idx_s))
		return -EINVAL;
	errno = 0;
	idx = strtoul(idx_s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (strcmp(w, "begin") != 0 && strtok_r(NULL, " ", &save))
		return -EINVAL;
	if (strcmp(w, "begin") == 0) {
		struct journal_entry *ne;
		char *kind = strtok_r(NULL, " ", &save);
		int k = kind ? eng_step_kind_parse(kind) : -EINVAL;

		if (k < 0 || idx != j->n)
			return -EINVAL;
		ne = realloc(j->e, (j->n + 1) * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		j->e = ne;
		memset(&ne[j->n], 0, sizeof(*ne));
		ne[j->n].step.kind = (enum step_kind)k;
		ne[j->n].begun = true;
		for (char *f; (f = strtok_r(NULL, " ", &save));)
			if (parse_field(&ne[j->n].step, f) < 0)
				return -EINVAL;
		j->n++;
		return 0;
	}
	if (idx >= j->n)
		return -EINVAL;
	if (strcmp(w, "done") == 0)
		j->e[idx].done = true;
	else if (strcmp(w, "undone") == 0)
		j->e[idx].undone = true;
	else
		return -EINVAL;
	return 0;
}

int eng_journal_open(struct vfh_ctx *ctx, const char *domain, bool writable, struct journal *j)
{
	char file[512], line[1024];
	int lineno = 0, r = 0;
	off_t complete = 0;
	FILE *f;
	int fd;

	if ((r = journal_init(ctx, domain, j, file, sizeof(file))) < 0)
		return r;
	fd = open(file, (writable ? O_RDWR | O_APPEND : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	f = fdopen(dup(fd), "r");
	if (!f) {
		close(fd);
		return -errno;
	}
	while (r == 0 && fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		lineno++;
		if (n == 0 || line[n - 1] != '\n')
			break;	/* torn by a crash: the step it announced never began */
		complete += (off_t)n;
		line[n - 1] = '\0';
		if (lineno == 1)
			r = strcmp(line, HEADER) == 0 ? 0 : -EBADMSG;
		else
			r = parse_line(j, line) == 0 ? 0 : -EBADMSG;
	}
	fclose(f);
	if (r == 0 && lineno == 0)
		r = -EBADMSG;
	if (r < 0) {
		close(fd);
		eng_journal_close(j);
		return r;
	}
	if (writable) {
		/* records appended after a torn one must start on a line of
		 * their own */
		struct stat st;

		if (fstat(fd, &st) == 0 && st.st_size > complete && ftruncate(fd, complete) < 0) {
			r = -errno;
			close(fd);
			eng_journal_close(j);
			return r;
		}
		j->fd = fd;
	} else {
		close(fd);
	}
	return 0;
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
	char file[600], parent[512];

	if (!*j->dir)
		return 0;
	snprintf(file, sizeof(file), "%s/journal", j->dir);
	if (unlink(file) < 0 && errno != ENOENT)
		return -errno;
	if (rmdir(j->dir) < 0 && errno != ENOENT)
		return -errno;
	snprintf(parent, sizeof(parent), "%s", j->dir);
	*strrchr(parent, '/') = '\0';
	return fsync_path(parent);
}

void eng_journal_close(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	free(j->e);
	j->e = NULL;
	j->n = 0;
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
	int r = run_path(ctx, path, sizeof(path), NULL, NULL);

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

int eng_journal_holder(struct vfh_ctx *ctx, const char *self, const struct vfh_pci_addr *addr,
		   char *domain, size_t len)
{
	char **doms;
	size_t n;
	int r = eng_journal_list(ctx, &doms, &n);

	domain[0] = '\0';
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && !*domain && r == 0; i++) {
		struct journal j;
		int o;

		if (strcmp(doms[i], self) == 0)
			continue;
		o = eng_journal_open(ctx, doms[i], false, &j);
		if (o == -ENOENT)
			continue;	/* a directory without journal: nothing held */
		if (o < 0) {
			/* unreadable: it may hold anything */
			snprintf(domain, len, "%s", doms[i]);
			r = o;
			break;
		}
		for (size_t k = 0; k < j.n; k++) {
			struct vfh_pci_addr a;
			const struct journal_entry *e = &j.e[k];

			if (e->step.kind == STEP_PCI_BIND && e->begun && !e->undone &&
			    vfh_pci_addr_parse(e->step.what, &a) == 0 && vfh_pci_addr_eq(&a, addr)) {
				snprintf(domain, len, "%s", doms[i]);
				break;
			}
		}
		eng_journal_close(&j);
	}
	free(doms);
	return r;
}
