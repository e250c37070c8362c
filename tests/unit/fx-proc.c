// SPDX-License-Identifier: LGPL-2.1-or-later
/* Plain files of the fixture and the processes holding them: what the
 * shared-memory file (shmfile.c) and a holders scan (holders.c) read.
 *
 *  file REL        size=BYTES (0) mode=OCTAL (0644) uid=N gid=N (the
 *                  test's own), or dir=1 (a directory), or link=TARGET (a
 *                  symlink to TARGET, both relative to the fixture root)
 *  proc PID        comm=NAME uid=N (proc/PID/status's Uid:, 0 when not
 *                  given) fd=REL[,REL...] (open: proc/PID/fd/3, 4, ...
 *                  link to them) maps=REL[,REL...] (mapped: a line of
 *                  proc/PID/maps with each one's device and inode)
 *
 * "file dev/shm/looking-glass size=33554432 mode=0660" and "proc 4242
 * comm=looking-glass-client fd=dev/shm/looking-glass" are the Looking
 * Glass file and its client.  A proc line's files must exist when it is
 * rendered (file lines come first): the fd links resolve to them, as
 * every link in a fixture must.  Nothing here is written to through the
 * library's write seam: no fake-kernel part. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fixture-int.h"

static void render_file(struct fx *fx, const struct fx_ent *e)
{
	const char *link = fx_ent_get(e, "link");
	char abs[PATH_MAX];

	if (link) {
		fx_symlink(fx, e->name, link);
		return;
	}
	if (fx_num(e, "dir", 0)) {
		fx_mkdirs(fx, "%s", e->name);
		return;
	}
	fx_putf(fx, e->name, "%s", "");
	fx_abs(fx, abs, sizeof(abs), e->name);
	if (truncate(abs, (off_t)fx_num(e, "size", 0)) < 0)
		fx_fail("%s:%d: truncate %s: %s", e->file, e->line, e->name, strerror(errno));
	if ((fx_ent_get(e, "uid") || fx_ent_get(e, "gid")) &&
	    lchown(abs, (uid_t)fx_num(e, "uid", geteuid()), (gid_t)fx_num(e, "gid", getegid())) < 0)
		fx_fail("%s:%d: chown %s: %s", e->file, e->line, e->name, strerror(errno));
	if (chmod(abs, (mode_t)fx_num(e, "mode", 0644)) < 0)
		fx_fail("%s:%d: chmod %s: %s", e->file, e->line, e->name, strerror(errno));
}

void fx_file_render(struct fx *fx)
{
	for (size_t i = 0; i < fx->nents; i++)
		if (strcmp(fx->ents[i].kind, "file") == 0)
			render_file(fx, &fx->ents[i]);
}

static void render_proc(struct fx *fx, const struct fx_ent *e)
{
	const char *comm = fx_ent_get(e, "comm"), *fds = fx_ent_get(e, "fd");
	const char *maps = fx_ent_get(e, "maps");
	char rel[FX_REL + 32], buf[1024], *save, *tok;
	/* what every process maps: none of it a fixture file */
	char text[4096] = "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0 [heap]\n"
			  "7f1c2a000000-7f1c2a028000 r--p 00000000 fd:00 1311 "
			  "/usr/lib/x86_64-linux-gnu/libc.so.6\n";
	int fd = 3;

	if (e->name[0] < '1' || e->name[0] > '9' || strspn(e->name, "0123456789") != strlen(e->name))
		fx_fail("%s:%d: proc '%s': a pid", e->file, e->line, e->name);
	snprintf(rel, sizeof(rel), "proc/%s/comm", e->name);
	fx_putf(fx, rel, "%s\n", comm ? comm : "");
	snprintf(rel, sizeof(rel), "proc/%s/status", e->name);
	fx_putf(fx, rel, "Name:\t%s\nUid:\t%lu\t%lu\t%lu\t%lu\n", comm ? comm : "",
		fx_num(e, "uid", 0), fx_num(e, "uid", 0), fx_num(e, "uid", 0), fx_num(e, "uid", 0));
	fx_mkdirs(fx, "proc/%s/fd", e->name);
	snprintf(buf, sizeof(buf), "%s", fds ? fds : "");
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!fx_exists(fx, "%s", tok))
			fx_fail("%s:%d: proc %s: fd=%s is not in the fixture", e->file, e->line,
				e->name, tok);
		snprintf(rel, sizeof(rel), "proc/%s/fd/%d", e->name, fd++);
		fx_symlink(fx, rel, tok);
	}
	snprintf(buf, sizeof(buf), "%s", maps ? maps : "");
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char abs[PATH_MAX];
		struct stat st;
		size_t n = strlen(text);

		fx_abs(fx, abs, sizeof(abs), tok);
		if (stat(abs, &st) < 0)
			fx_fail("%s:%d: proc %s: maps=%s: %s", e->file, e->line, e->name, tok,
				strerror(errno));
		snprintf(text + n, sizeof(text) - n, "7f1c%02x000000-7f1c%02x000000 rw-s 00000000 "
			 "%02x:%02x %llu /%s\n", fd, fd + 1, major(st.st_dev), minor(st.st_dev),
			 (unsigned long long)st.st_ino, tok);
		fd++;
	}
	snprintf(rel, sizeof(rel), "proc/%s/maps", e->name);
	fx_putf(fx, rel, "%s", text);
}

void fx_proc_render(struct fx *fx)
{
	for (size_t i = 0; i < fx->nents; i++)
		if (strcmp(fx->ents[i].kind, "proc") == 0)
			render_proc(fx, &fx->ents[i]);
}
