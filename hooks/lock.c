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

int eng_lock(struct vfh_ctx *ctx, char *err, size_t errlen)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	char dir[512], path[512];
	int fd, r;

	if (vfh_ctx_path(ctx, VFH_ROOT_RUN, dir, sizeof(dir), VFH_RUN_DIR) < 0 ||
	    vfh_ctx_path(ctx, VFH_ROOT_RUN, path, sizeof(path), VFH_RUN_DIR "/lock") < 0) {
		snprintf(err, errlen, "run directory path too long");
		return -ENAMETOOLONG;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return r;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return r;
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
		snprintf(err, errlen, "another vfiohook hook held %s for more than %d s (the lock "
			 "bound); is one stuck? see journalctl -t vfiohook", path, LOCK_WAIT_S);
		return r == -EINTR ? -ETIMEDOUT : r;
	}
	return fd;
}

void eng_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
