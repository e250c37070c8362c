// SPDX-License-Identifier: LGPL-2.1-or-later
/* One lock for every domain's hook: two VMs starting at once must not
 * interleave their unbinds, nor both claim a device. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "engine.h"

static void on_alarm(int sig)
{
	(void)sig;	/* only there to interrupt flock() */
}

int eng_lock(struct vfh_ctx *ctx, struct eng_err *e)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	char dir[512], path[512];
	struct stat st;
	int fd, r;

	if (vfh_ctx_path(ctx, VFH_ROOT_RUN, dir, sizeof(dir), VFH_RUN_DIR) < 0 ||
	    vfh_ctx_path(ctx, VFH_ROOT_RUN, path, sizeof(path), VFH_RUN_DIR "/lock") < 0)
		return eng_fail(e, -ENAMETOOLONG, "run directory path too long");
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return eng_fail(e, -errno, "cannot create %s: %s", dir, strerror(errno));
	/* never block in open(): a FIFO planted there would hang every hook */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0600);
	if (fd < 0)
		return eng_fail(e, -errno, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return eng_fail(e, -EPERM, "%s is not a regular file: remove it", path);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	/* another domain's hook is at work: wait for it, bounded by an alarm
	 * (no SA_RESTART, so flock() returns EINTR when it rings) */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	alarm(LOCK_WAIT_S);
	r = flock(fd, LOCK_EX) == 0 ? 0 : -errno;
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	if (r < 0) {
		close(fd);
		return eng_fail(e, r == -EINTR ? -ETIMEDOUT : r, "another vfiohook hook held %s for "
				"more than %d s (the lock bound); is one stuck? see journalctl -t "
				"vfiohook", path, LOCK_WAIT_S);
	}
	return fd;
}

void eng_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
