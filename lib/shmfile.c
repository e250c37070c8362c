// SPDX-License-Identifier: LGPL-2.1-or-later
/* The Looking Glass shared-memory file, /dev/shm/NAME: the VM's ivshmem
 * device and the desktop user's client map it, so it must be the user's,
 * mode 0660 and the size the resolution needs.  The hook runs as root in
 * a world-writable directory: every open is O_NOFOLLOW, a symlink or a
 * non-regular file there is refused, and a file someone holds is never
 * resized under them (their mapping would fault). */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "holders.h"
#include "internal.h"

#define SHM_NAME_MAX 200

static int name_check(struct vfh_ctx *ctx, const char *name)
{
	size_t n;

	if (!name)
		return vfh_fail(ctx, -EINVAL, "no shared-memory file name");
	n = strlen(name);
	if (n == 0 || n > SHM_NAME_MAX)
		return vfh_fail(ctx, -EINVAL, "shared-memory file name '%.40s%s' must be 1 to %d "
				"characters", name, n > 40 ? "..." : "", SHM_NAME_MAX);
	if (strchr(name, '/'))
		return vfh_fail(ctx, -EINVAL, "shared-memory file name '%s' contains '/': a name "
				"in /dev/shm, not a path", name);
	if (name[0] == '.')
		return vfh_fail(ctx, -EINVAL, "shared-memory file name '%s' starts with '.'", name);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return vfh_fail(ctx, -EINVAL, "shared-memory file name contains a control "
					"character");
	return 0;
}

static int shm_path(struct vfh_ctx *ctx, const char *name, char *buf, size_t len)
{
	int r = vfh_ctx_path(ctx, VFH_ROOT_DEV, buf, len, "shm/%s", name);

	return r < 0 ? vfh_fail(ctx, r, VFH_SHM_SHOWN "%s: %s", name, strerror(-r)) : 0;
}

/* Size, owner, mode on an open file; the kernel clears set-id bits on a
 * chown, so the mode goes last. */
static int shape(int fd, uint64_t size, uint32_t uid, uint32_t gid, uint32_t mode,
		 const char **what)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return *what = "fstat", -errno;
	if ((uint64_t)st.st_size != size && ftruncate(fd, (off_t)size) < 0)
		return *what = "ftruncate", -errno;
	if ((st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) < 0)
		return *what = "fchown", -errno;
	if (fchmod(fd, mode) < 0)
		return *what = "fchmod", -errno;
	return 0;
}

/* A regular file there, not a link, opened without following one: its fd
 * and stat, or -EPERM with the line set. */
static int open_regular(struct vfh_ctx *ctx, const char *path, const char *name,
			struct stat *st)
{
	struct stat lst;
	int fd;

	if (lstat(path, &lst) < 0)
		return errno == ENOENT ? -ENOENT : vfh_fail(ctx, -errno, "cannot look at "
							    VFH_SHM_SHOWN "%s: %s", name,
							    strerror(errno));
	if (S_ISLNK(lst.st_mode))
		return vfh_fail(ctx, -EPERM, VFH_SHM_SHOWN "%s is a symbolic link: refusing to follow "
				"it (remove it if it is not meant to be there)", name);
	if (!S_ISREG(lst.st_mode))
		return vfh_fail(ctx, -EPERM, VFH_SHM_SHOWN "%s is not a regular file: refusing to "
				"touch it", name);
	fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return vfh_fail(ctx, -errno, "cannot open " VFH_SHM_SHOWN "%s: %s", name, strerror(errno));
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_ino != lst.st_ino ||
	    st->st_dev != lst.st_dev) {
		close(fd);
		return vfh_fail(ctx, -EAGAIN, VFH_SHM_SHOWN "%s changed while it was opened", name);
	}
	return fd;
}

/* Made anew: created under a name no valid NAME can have, shaped, then
 * renamed over the old one, so a failure leaves the old file as it was. */
static int replace(struct vfh_ctx *ctx, const char *path, const char *name, uint64_t size,
		   uint32_t uid, uint32_t gid, uint32_t mode)
{
	char tmp[VFH_PATH_MAX];
	const char *what = "";
	int fd, r;

	if (vfh_ctx_path(ctx, VFH_ROOT_DEV, tmp, sizeof(tmp), "shm/.%s.vfh-XXXXXX", name) < 0)
		return vfh_fail(ctx, -ENAMETOOLONG, VFH_SHM_SHOWN "%s: name too long", name);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return vfh_fail(ctx, -errno, "cannot create a file in /dev/shm: %s", strerror(errno));
	r = shape(fd, size, uid, gid, mode, &what);
	close(fd);
	if (r == 0 && rename(tmp, path) < 0) {
		r = -errno;
		what = "rename";
	}
	if (r < 0) {
		unlink(tmp);
		return vfh_fail(ctx, r, "replacing " VFH_SHM_SHOWN "%s: %s: %s", name, what, strerror(-r));
	}
	return 0;
}

static int create(struct vfh_ctx *ctx, const char *path, const char *name, uint64_t size,
		  uint32_t uid, uint32_t gid, uint32_t mode)
{
	const char *what = "";
	int fd, r;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
	if (fd < 0)
		return vfh_fail(ctx, -errno, "cannot create " VFH_SHM_SHOWN "%s: %s%s", name, strerror(errno),
				errno == ENOENT ? " (no /dev/shm: is a tmpfs mounted there?)" : "");
	r = shape(fd, size, uid, gid, mode, &what);
	close(fd);
	if (r < 0) {
		unlink(path);
		return vfh_fail(ctx, r, "creating " VFH_SHM_SHOWN "%s: %s: %s", name, what, strerror(-r));
	}
	return 0;
}

static int busy(struct vfh_ctx *ctx, const char *name, const char *doing)
{
	struct vfh_holder *h;
	char rel[VFH_PATH_MAX], who[512];
	size_t n;
	int r;

	snprintf(rel, sizeof(rel), "shm/%s", name);
	r = vfh_holders_scan(ctx, VFH_ROOT_DEV, rel, &h, &n);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot tell who holds " VFH_SHM_SHOWN "%s: %s", name, strerror(-r));
	if (n == 0)
		return 0;
	vfh_holders_text(h, n, who, sizeof(who));
	free(h);
	return vfh_fail(ctx, -EBUSY, "cannot %s " VFH_SHM_SHOWN "%s: held by %s; close %s and start "
			"again", doing, name, who, n > 1 ? "them" : "it");
}

VFH_EXPORT int vfh_shm_name_check(struct vfh_ctx *ctx, const char *name)
{
	vfh_enter(ctx);
	return name_check(ctx, name);
}

VFH_EXPORT int vfh_shm_file_ensure_sz(struct vfh_ctx *ctx, const char *name, uint64_t size,
				      uint32_t uid, uint32_t gid, uint32_t mode,
				      unsigned int flags, struct vfh_shm_prior *prior,
				      size_t prior_size)
{
	struct vfh_shm_prior pr = { 0 };
	char path[VFH_PATH_MAX];
	const char *what = "";
	struct stat st;
	int fd, r;

	vfh_enter(ctx);
	if (prior && prior_size == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_shm_file_ensure: a struct size of 0");
	if (prior)
		vfh_struct_out(prior, prior_size, &pr, sizeof(pr));
	if ((r = name_check(ctx, name)) < 0)
		return r;
	if (mode & ~07777u)
		return vfh_fail(ctx, -EINVAL, VFH_SHM_SHOWN "%s: mode %#o is not a permission mode",
				name, mode);
	if (flags & ~(unsigned int)VFH_SHM_NO_REPLACE)
		return vfh_fail(ctx, -EINVAL, VFH_SHM_SHOWN "%s: unknown flags %#x", name, flags);
	if (size > (uint64_t)INT64_MAX)
		return vfh_fail(ctx, -EFBIG, VFH_SHM_SHOWN "%s: size %" PRIu64 " too large", name, size);
	if ((r = shm_path(ctx, name, path, sizeof(path))) < 0)
		return r;

	fd = open_regular(ctx, path, name, &st);
	if (fd == -ENOENT) {
		r = create(ctx, path, name, size, uid, gid, mode);
		if (r == 0) {
			pr.created = true;
			vfh_info(ctx, "created " VFH_SHM_SHOWN "%s: %" PRIu64 " bytes, %u:%u, %04o", name,
				 size, uid, gid, mode);
		}
		goto out;
	}
	if (fd < 0) {
		r = fd;
		goto out;
	}
	pr.existed = true;
	pr.size = (uint64_t)st.st_size;
	pr.uid = st.st_uid;
	pr.gid = st.st_gid;
	pr.mode = st.st_mode & 07777;
	if (pr.size == size) {
		r = 0;
		if (pr.uid != uid || pr.gid != gid || pr.mode != mode) {
			r = shape(fd, size, uid, gid, mode, &what);
			if (r < 0)
				r = vfh_fail(ctx, r, VFH_SHM_SHOWN "%s: %s: %s", name, what, strerror(-r));
		}
		close(fd);
		goto out;
	}
	close(fd);
	if (flags & VFH_SHM_NO_REPLACE) {
		r = vfh_fail(ctx, -EEXIST, VFH_SHM_SHOWN "%s is %" PRIu64 " bytes, not %" PRIu64, name,
			     pr.size, size);
		goto out;
	}
	r = busy(ctx, name, "resize");
	if (r == 0)
		r = replace(ctx, path, name, size, uid, gid, mode);
	if (r == 0) {
		pr.created = pr.replaced = true;
		vfh_info(ctx, "replaced " VFH_SHM_SHOWN "%s: %" PRIu64 " bytes (was %" PRIu64 ")", name,
			 size, pr.size);
	}
out:
	if (prior)
		vfh_struct_out(prior, prior_size, &pr, sizeof(pr));
	return r;
}

VFH_EXPORT int vfh_shm_file_state_sz(struct vfh_ctx *ctx, const char *name,
				     struct vfh_shm_prior *state, size_t state_size)
{
	struct vfh_shm_prior pr = { 0 };
	char path[VFH_PATH_MAX];
	struct stat st;
	int fd, r;

	vfh_enter(ctx);
	if (!state || state_size == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_shm_file_state: no struct to fill");
	vfh_struct_out(state, state_size, &pr, sizeof(pr));
	if ((r = name_check(ctx, name)) < 0 || (r = shm_path(ctx, name, path, sizeof(path))) < 0)
		return r;
	fd = open_regular(ctx, path, name, &st);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	close(fd);
	pr.existed = true;
	pr.size = (uint64_t)st.st_size;
	pr.uid = st.st_uid;
	pr.gid = st.st_gid;
	pr.mode = st.st_mode & 07777;
	vfh_struct_out(state, state_size, &pr, sizeof(pr));
	return 0;
}

VFH_EXPORT int vfh_shm_file_remove_sz(struct vfh_ctx *ctx, const char *name,
				      const struct vfh_shm_prior *prior, size_t prior_size,
				      unsigned int flags)
{
	struct vfh_shm_prior pr = { 0 };
	char path[VFH_PATH_MAX];
	const char *what = "";
	struct stat st, lst;
	int fd, r;

	vfh_enter(ctx);
	if (!prior || prior_size == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_shm_file_remove: no prior state");
	/* what an older caller lacks stays zero: nothing to put back */
	if (vfh_struct_in(&pr, sizeof(pr), prior, prior_size) < 0)
		return vfh_fail(ctx, -E2BIG, "vfh_shm_file_remove: prior state this library does "
				"not know (a newer header?)");
	if (flags & ~(unsigned int)VFH_SHM_RESTORE_SIZE)
		return vfh_fail(ctx, -EINVAL, "vfh_shm_file_remove: unknown flags %#x", flags);
	if ((r = name_check(ctx, name)) < 0)
		return r;
	if ((r = shm_path(ctx, name, path, sizeof(path))) < 0)
		return r;
	if (pr.created) {
		if (lstat(path, &lst) < 0)
			return errno == ENOENT ? 0 : vfh_fail(ctx, -errno, "cannot look at "
							      VFH_SHM_SHOWN "%s: %s", name,
							      strerror(errno));
		if (!S_ISREG(lst.st_mode))
			return vfh_fail(ctx, -EPERM, VFH_SHM_SHOWN "%s is no longer the regular file "
					"made for the VM: left alone", name);
		if (unlink(path) < 0 && errno != ENOENT)
			return vfh_fail(ctx, -errno, "cannot remove " VFH_SHM_SHOWN "%s: %s", name,
					strerror(errno));
		vfh_info(ctx, "removed " VFH_SHM_SHOWN "%s", name);
		return 0;
	}
	if (!pr.existed)
		return 0;
	fd = open_regular(ctx, path, name, &st);
	if (fd == -ENOENT) {
		vfh_warn(ctx, VFH_SHM_SHOWN "%s, there before the VM, is gone: nothing to put back", name);
		return 0;
	}
	if (fd < 0)
		return fd;
	r = 0;
	if ((flags & VFH_SHM_RESTORE_SIZE) && (uint64_t)st.st_size != pr.size) {
		r = busy(ctx, name, "resize back");
		if (r == 0 && ftruncate(fd, (off_t)pr.size) < 0)
			r = vfh_fail(ctx, -errno, VFH_SHM_SHOWN "%s: ftruncate: %s", name, strerror(errno));
	}
	if (r == 0 && (st.st_uid != pr.uid || st.st_gid != pr.gid || (st.st_mode & 07777) != pr.mode)) {
		r = shape(fd, (flags & VFH_SHM_RESTORE_SIZE) ? pr.size : (uint64_t)st.st_size,
			  pr.uid, pr.gid, pr.mode, &what);
		if (r < 0)
			r = vfh_fail(ctx, r, VFH_SHM_SHOWN "%s: %s: %s", name, what, strerror(-r));
	}
	close(fd);
	return r;
}
