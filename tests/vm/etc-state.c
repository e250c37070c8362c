// SPDX-License-Identifier: LGPL-2.1-or-later
/* The test guest's /etc between two tests (tests/vm/reset.sh): /etc is an
 * overlay whose upper layer holds every path a test wrote.  One process
 * does what a shell loop does with several per path (each ~10 ms in a
 * TCG guest).
 *
 *   etc-state UPPER LOWER ETC
 *	prints each path of UPPER whose view in ETC differs from LOWER (the
 *	host's own /etc): type, mode, owner, content or link target
 *   etc-state UPPER LOWER ETC BASE
 *	puts each such path back as BASE (a copy of UPPER taken before the
 *	first test) has it, else as LOWER has it, else removes it
 *
 * Exit 0, or 1 with a message when a path cannot be read or put back. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const char *upper, *lower, *etc, *base;
static int status;

static bool same_content(const char *a, const char *b)
{
	char ba[65536], bb[65536];
	int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
	bool same = fa >= 0 && fb >= 0;

	while (same) {
		ssize_t na = read(fa, ba, sizeof(ba)), nb;

		if (na < 0)
			same = false;
		if (na <= 0)
			break;
		/* read b in full for the same length */
		for (ssize_t got = 0; same && got < na; got += nb) {
			nb = read(fb, bb + got, (size_t)(na - got));
			if (nb <= 0)
				same = false;
		}
		same = same && memcmp(ba, bb, (size_t)na) == 0;
	}
	if (same) {
		char c;

		same = read(fb, &c, 1) == 0;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

/* 1: a path exists there (a whiteout counts as none) */
static int look(const char *p, struct stat *st)
{
	if (lstat(p, st) < 0)
		return 0;
	if (S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0))
		return 0;
	return 1;
}

/* what differs between the path in ETC and in REF; NULL when nothing */
static const char *differs(const char *e, const char *ref)
{
	struct stat se, sr;
	int he = look(e, &se), hr = look(ref, &sr);
	char le[PATH_MAX], lr[PATH_MAX];
	ssize_t n1, n2;

	if (!he && !hr)
		return NULL;
	if (!he)
		return "gone";
	if (!hr)
		return "new";
	if ((se.st_mode & S_IFMT) != (sr.st_mode & S_IFMT))
		return "type";
	if (S_ISDIR(se.st_mode))
		return (se.st_mode & 07777) != (sr.st_mode & 07777) || se.st_uid != sr.st_uid ?
		       "mode" : NULL;
	if (S_ISLNK(se.st_mode)) {
		n1 = readlink(e, le, sizeof(le) - 1);
		n2 = readlink(ref, lr, sizeof(lr) - 1);
		return n1 != n2 || n1 < 0 || memcmp(le, lr, (size_t)n1) ? "link" : NULL;
	}
	if ((se.st_mode & 07777) != (sr.st_mode & 07777) || se.st_uid != sr.st_uid ||
	    se.st_gid != sr.st_gid)
		return "mode";
	if (S_ISREG(se.st_mode) && (se.st_size != sr.st_size || !same_content(e, ref)))
		return "content";
	return NULL;
}

static int put_back(const char *e, const char *ref)
{
	struct stat sr, se;
	char buf[65536], l[PATH_MAX];
	int in, out, r = 0;
	ssize_t n;

	if (look(e, &se)) {
		bool keep_dir = S_ISDIR(se.st_mode) && look(ref, &sr) && S_ISDIR(sr.st_mode);

		/* nftw visits children first (FTW_DEPTH): a directory to go
		 * is empty by now */
		if (!keep_dir && (S_ISDIR(se.st_mode) ? rmdir(e) : unlink(e)) < 0)
			return -errno;
	}
	if (!look(ref, &sr))
		return 0;
	if (S_ISDIR(sr.st_mode)) {
		if (mkdir(e, sr.st_mode & 07777) < 0 && errno != EEXIST)
			return -errno;
	} else if (S_ISLNK(sr.st_mode)) {
		n = readlink(ref, l, sizeof(l) - 1);
		if (n < 0)
			return -errno;
		l[n] = '\0';
		if (symlink(l, e) < 0)
			return -errno;
		return lchown(e, sr.st_uid, sr.st_gid) < 0 ? -errno : 0;
	} else if (S_ISREG(sr.st_mode)) {
		in = open(ref, O_RDONLY | O_CLOEXEC);
		if (in < 0)
			return -errno;
		out = open(e, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, sr.st_mode & 07777);
		if (out < 0) {
			r = -errno;
			close(in);
			return r;
		}
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n) {
				r = -EIO;
				break;
			}
		if (n < 0)
			r = -errno;
		close(in);
		if (close(out) < 0 && !r)
			r = -errno;
		if (r)
			return r;
	} else {
		return -ENOTSUP;
	}
	if (chmod(e, sr.st_mode & 07777) < 0 || chown(e, sr.st_uid, sr.st_gid) < 0)
		return -errno;
	return 0;
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	const char *rel = path + strlen(upper);
	char e[PATH_MAX], ref[PATH_MAX];
	struct stat sb;
	const char *d;
	int r;

	(void)st;
	(void)flag;
	if (ftw->level == 0)
		return 0;
	snprintf(e, sizeof(e), "%s%s", etc, rel);
	if (!base) {
		snprintf(ref, sizeof(ref), "%s%s", lower, rel);
		d = differs(e, ref);
		if (d)
			printf("etc %s %s\n", d, rel + 1);
		return 0;
	}
	/* BASE has the path (a whiteout too: then it was gone before) */
	snprintf(ref, sizeof(ref), "%s%s", base, rel);
	if (lstat(ref, &sb) < 0)
		snprintf(ref, sizeof(ref), "%s%s", lower, rel);
	if (!differs(e, ref))
		return 0;
	r = put_back(e, ref);
	if (r < 0) {
		fprintf(stderr, "etc-state: cannot put back %s as %s has it: %s\n", e, ref,
			strerror(-r));
		status = 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: etc-state UPPER LOWER ETC [BASE]\n");
		return 2;
	}
	upper = argv[1];
	lower = argv[2];
	etc = argv[3];
	base = argc == 5 ? argv[4] : NULL;
	/* children before their directory: a directory a test made is
	 * emptied before it goes */
	if (nftw(upper, visit, 32, FTW_PHYS | (base ? FTW_DEPTH : 0)) < 0) {
		fprintf(stderr, "etc-state: cannot walk %s: %s\n", upper, strerror(errno));
		return 1;
	}
	return status;
}
