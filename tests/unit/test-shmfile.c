// SPDX-License-Identifier: LGPL-2.1-or-later
/* The Looking Glass file (shmfile.c) and the holders scan (holders.c) on
 * the shm fixture: /dev/shm/looking-glass held by its client (an fd and a
 * mapping), another file held by pipewire.  Asserts are on the fixture's
 * real files (stat: size, owner, mode, inode). */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "testlib.h"
#include "fixture-int.h"

#define LG "dev/shm/looking-glass"
#define MiB (1024ULL * 1024)

static int t_shm(void **state) { return t_setup(state, "shm", NULL); }

/* The owner the VM's user would have: another user's when we may chown
 * (root, as the hook runs), else our own. */
static uint32_t user_uid(void) { return geteuid() == 0 ? 1000 : (uint32_t)geteuid(); }
static uint32_t user_gid(void) { return geteuid() == 0 ? 1000 : (uint32_t)getegid(); }

static struct stat st_of(struct t *t, const char *rel)
{
	char abs[PATH_MAX];
	struct stat st;

	snprintf(abs, sizeof(abs), "%s/%s", fx_root(t->fx), rel);
	if (lstat(abs, &st) < 0)
		fail_msg("lstat %s: %s", rel, strerror(errno));
	return st;
}

static void set_size(struct t *t, const char *rel, off_t size)
{
	char abs[PATH_MAX];

	snprintf(abs, sizeof(abs), "%s/%s", fx_root(t->fx), rel);
	assert_int_equal(truncate(abs, size), 0);
}

static void set_mode(struct t *t, const char *rel, mode_t mode)
{
	char abs[PATH_MAX];

	snprintf(abs, sizeof(abs), "%s/%s", fx_root(t->fx), rel);
	assert_int_equal(chmod(abs, mode), 0);
}

static const struct vfh_shm_prior garbage = { true, true, true, 77, 77, 77, 077 };

static void test_create(void **state)
{
	struct t *t = *state;
	struct vfh_shm_prior prior = garbage;
	struct stat st;

	assert_false(fx_exists(t->fx, "dev/shm/lg-vm"));
	assert_int_equal(vfh_shm_file_ensure(t->ctx, "lg-vm", 64 * MiB, user_uid(), user_gid(), 0660,
					     0, &prior), 0);
	st = st_of(t, "dev/shm/lg-vm");
	assert_true(S_ISREG(st.st_mode));
	assert_true((unsigned long long)st.st_size == 64 * MiB);
	assert_int_equal(st.st_uid, user_uid());
	assert_int_equal(st.st_gid, user_gid());
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_false(prior.existed);
	assert_true(prior.created);
	assert_false(prior.replaced);
	assert_true(prior.size == 0 && prior.uid == 0 && prior.mode == 0);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "");
	/* no temporary left beside it */
	assert_false(fx_exists(t->fx, "dev/shm/.lg-vm.vfh-XXXXXX"));
	assert_no_writes(t->fx);
}

static void test_already_right(void **state)
{
	struct t *t = *state;
	struct vfh_shm_prior prior = garbage;
	struct stat before = st_of(t, LG), after;

	/* held by the client: fine, nothing is to change */
	assert_int_equal(vfh_shm_file_ensure(t->ctx, "looking-glass", 32 * MiB, before.st_uid,
					     before.st_gid, 0660, 0, &prior), 0);
	after = st_of(t, LG);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_true(after.st_ctim.tv_sec == before.st_ctim.tv_sec &&
		    after.st_ctim.tv_nsec == before.st_ctim.tv_nsec);
	assert_true(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
	assert_true(prior.existed);
	assert_false(prior.created);
	assert_false(prior.replaced);
	assert_true(prior.size == 32 * MiB && prior.mode == 0660);
	assert_int_equal(prior.uid, before.st_uid);
	/* its undo leaves it as it is */
	assert_int_equal(vfh_shm_file_remove(t->ctx, "looking-glass", &prior, 0), 0);
	after = st_of(t, LG);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_true(after.st_ctim.tv_nsec == before.st_ctim.tv_nsec);
}

/* The right size with another owner or mode: fixed in place (its holder
 * keeps its mapping), put back by the undo. */
static void test_owner_and_mode_fixed_in_place(void **state)
{
	struct t *t = *state;
	struct vfh_shm_prior prior;
	struct stat before, after;

	set_mode(t, LG, 0600);
	before = st_of(t, LG);
	assert_int_equal(vfh_shm_file_ensure(t->ctx, "looking-glass", 32 * MiB, user_uid(),
					     user_gid(), 0660, 0, &prior), 0);
	after = st_of(t, LG);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_uid, user_uid());
	assert_int_equal(after.st_gid, user_gid());
	assert_int_equal(after.st_mode & 07777, 0660);
	assert_true(prior.existed && !prior.created);
	assert_int_equal(prior.mode, 0600);
	assert_int_equal(prior.uid, before.st_uid);
	assert_int_equal(vfh_shm_file_remove(t->ctx, "looking-glass", &prior, 0), 0);
	after = st_of(t, LG);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_uid, before.st_uid);
	assert_int_equal(after.st_gid, before.st_gid);
	assert_int_equal(after.st_mode & 07777, 0600);
	assert_true((unsigned long long)after.st_size == 32 * MiB);
}

static int setup_client_gone(void **state)
{
	return t_setup(state, "shm", "drop proc 4242\n");
}

/* A new resolution, nobody holding it: a new file of the new size. */
static void test_other_size_replaced(void **state)
{
	struct t *t = *state;
	struct vfh_shm_prior prior = garbage;
	struct stat before = st_of(t, LG), after;

	assert_int_equal(vfh_shm_file_ensure(t->ctx, "looking-glass", 128 * MiB, user_uid(),
					     user_gid(), 0660, 0, &prior), 0);
	after = st_of(t, LG);
	assert_int_not_equal(after.st_ino, before.st_ino);
	assert_true((unsigned long long)after.st_size == 128 * MiB);
	assert_int_equal(after.st_uid, user_uid());
	assert_int_equal(after.st_mode & 07777, 0660);
	assert_true(prior.existed && prior.created && prior.replaced);
	assert_true(prior.size == 32 * MiB);
	/* the undo removes what it made: the old one was gone with the
	 * replacement */
	assert_int_equal(vfh_shm_file_remove(t->ctx, "looking-glass", &prior, 0), 0);
	assert_false(fx_exists(t->fx, LG));
	/* again: already gone is done */
	assert_int_equal(vfh_shm_file_remove(t->ctx, "looking-glass", &prior, 0), 0);
	/* the other file was not touched */
	assert_true((unsigned long long)st_of(t, "dev/shm/pulse-shm-1234").st_size == 64 * MiB);
}

static void test_other_size_held(void **state)
{
	struct t *t = *state;
	struct vfh_shm_prior prior = garbage;
	struct stat before = st_of(t, LG), after;

	assert_int_equal(vfh_shm_file_ensure(t->ctx, "looking-glass", 128 * MiB, user_uid(),
					     user_gid(), 0660, 0, &prior), -EBUSY);
	assert_contains(vfh_ctx_errmsg(t->ctx), "cannot resize /dev/shm/looking-glass: held by "
			"4242 (looking-glass-client)");
	after = st_of(t, LG);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_size, before.st_size);
	assert_int_equal(after.st_uid, before.st_uid);
	assert_int_equal(after.st_mode, before.st_mode);
	assert_true(after.st_ctim.tv_nsec == before.st_ctim.tv_nsec);
	/* prior says what is there, and that nothing was made */
	assert_true(prior.existed && !prior.created && !prior.replaced);
	assert_true(prior.size == 32 * MiB);
	/* refusing to replace at all */
	assert_int_equal(vfh_shm_file_ensure(t->ctx, "looking-glass", 128 * MiB, user_uid(),
					     user_gid(), 0660, VFH_SHM_NO_REPLACE, NULL), -EEXIST);
	assert_contains(vfh_ctx_errmsg(t->ctx), "is 33554432 bytes, not 134217728");
}

/* Only mapped (the client closed its fd after mmap()): held all the same. */
static int setup_mapped_only(void **state)
{
	return t_setup(state, "shm", "drop proc 4242\n"
				     "proc 5151 comm=looking-glass-client maps=" LG "\n"
				     "proc 5152 comm=qemu-system-x86 fd=" LG "\n");
}

static void test_mapped_only_is_held(void **state)
{
	struct t *t = *state;
	struct vfh_holder *h;
	size_t n;

	assert_int_equal(vfh_shm_file_ensure(t->ctx, "looking-glass", 128 * MiB, user_uid(),
					     user_gid(), 0660, 0, NULL), -EBUSY);
	assert_contains(vfh_ctx_errmsg(t->ctx), "held by 5151 (looking-glass-client), 5152 "
			"(qemu-system-x86); close them");
	assert_int_equal(vfh_file_holders(t->ctx, VFH_ROOT_DEV, "shm/looking-glass", &h, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(h[0].pid, 5151);
	assert_false(h[0].open);
	assert_true(h[0].mapped);
	assert_int_equal(h[1].pid, 5152);
	assert_true(h[1].open);
	assert_false(h[1].mapped);
	free(h);
}

static void test_holders(void **state)
{
	struct t *t = *state;
	struct vfh_holder *h = (struct vfh_holder *)&h;
	size_t n = 7;

	assert_int_equal(vfh_file_holders(t->ctx, VFH_ROOT_DEV, "shm/looking-glass", &h, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].pid, 4242);
	assert_string_equal(h[0].comm, "looking-glass-client");
	assert_true(h[0].open && h[0].mapped);
	free(h);
	assert_int_equal(vfh_file_holders(t->ctx, VFH_ROOT_DEV, "shm/pulse-shm-1234", &h, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].pid, 2231);
	assert_string_equal(h[0].comm, "pipewire-pulse");
	free(h);
	/* held by nobody */
	fx_write(t->fx, "dev/shm/spare", "");
	assert_int_equal(vfh_file_holders(t->ctx, VFH_ROOT_DEV, "shm/spare", &h, &n), 0);
	assert_int_equal(n, 0);
	assert_null(h);
	assert_int_equal(vfh_file_holders(t->ctx, VFH_ROOT_DEV, "shm/none", &h, &n), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "cannot find the holders of shm/none");
	assert_int_equal(vfh_file_holders_sz(t->ctx, VFH_ROOT_DEV, "shm/spare", &h, &n, 0), -EINVAL);
	assert_no_writes(t->fx);
}

/* General: a device node's holders (the next users: /dev/vfio/N,
 * /dev/dri/cardN), through any path that leads to the file. */
static int setup_devices(void **state)
{
	return t_setup(state, "shm", "file dev/vfio dir=1\n"
				     "file dev/vfio/9 mode=0600\n"
				     "file dev/dri dir=1\n"
				     "file dev/dri/card1 mode=0660\n"
				     "file dev/dri/by-path dir=1\n"
				     "file dev/dri/by-path/pci-0000:01:00.0-card link=dev/dri/card1\n"
				     "proc 77 comm=qemu-system-x86 fd=dev/vfio/9\n"
				     "proc 901 comm=gnome-shell fd=dev/dri/by-path/pci-0000:01:00.0-card\n"
				     "proc 902 comm=Xwayland maps=dev/dri/card1\n");
}

static void test_device_holders(void **state)
{
	struct t *t = *state;
	struct vfh_holder *h;
	size_t n;
	struct {
		struct vfh_holder h;
	} *wide;

	assert_int_equal(vfh_file_holders(t->ctx, VFH_ROOT_DEV, "vfio/9", &h, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].pid, 77);
	free(h);
	assert_int_equal(vfh_file_holders(t->ctx, VFH_ROOT_DEV, "dri/card1", &h, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(h[0].pid, 901);
	assert_true(h[0].open);
	assert_int_equal(h[1].pid, 902);
	assert_true(h[1].mapped);
	free(h);
	/* a caller with a larger struct (newer header): laid out at its
	 * stride, the bytes it has and we do not zeroed */
	assert_int_equal(vfh_file_holders_sz(t->ctx, VFH_ROOT_DEV, "dri/card1",
					     (struct vfh_holder **)&wide, &n,
					     sizeof(struct vfh_holder) + 8), 0);
	assert_int_equal(n, 2);
	assert_int_equal(((struct vfh_holder *)((char *)wide + sizeof(struct vfh_holder) + 8))->pid,
			 902);
	free(wide);
}

static void test_symlink_refused(void **state)
{
	struct t *t = *state;
	struct stat target = st_of(t, "dev/shm/pulse-shm-1234");

	fx_symlink(t->fx, "dev/shm/lg-link", "dev/shm/pulse-shm-1234");
	assert_int_equal(vfh_shm_file_ensure(t->ctx, "lg-link", 32 * MiB, user_uid(), user_gid(),
					     0660, 0, NULL), -EPERM);
	assert_contains(vfh_ctx_errmsg(t->ctx), "/dev/shm/lg-link is a symbolic link: refusing");
	assert_true(S_ISLNK(st_of(t, "dev/shm/lg-link").st_mode));
	assert_int_equal(st_of(t, "dev/shm/pulse-shm-1234").st_size, target.st_size);
	assert_int_equal(st_of(t, "dev/shm/pulse-shm-1234").st_mode, target.st_mode);
	assert_int_equal(st_of(t, "dev/shm/pulse-shm-1234").st_uid, target.st_uid);
	/* and the undo does not remove through it either */
	{
		struct vfh_shm_prior made = { .created = true };

		assert_int_equal(vfh_shm_file_remove(t->ctx, "lg-link", &made, 0), -EPERM);
		assert_true(fx_exists(t->fx, "dev/shm/lg-link"));
	}
	fx_mkdirs(t->fx, "dev/shm/lg-dir");
	assert_int_equal(vfh_shm_file_ensure(t->ctx, "lg-dir", 32 * MiB, user_uid(), user_gid(),
					     0660, 0, NULL), -EPERM);
	assert_contains(vfh_ctx_errmsg(t->ctx), "/dev/shm/lg-dir is not a regular file");
}

static void test_bad_names(void **state)
{
	struct t *t = *state;
	static const char *const bad[] = {
		"", "a/b", "../looking-glass", ".", "..", ".hidden", "lg\nx",
	};
	char longname[202];
	struct vfh_shm_prior prior = garbage;

	for (size_t i = 0; i < VFH_ARRAY_SIZE(bad); i++) {
		assert_int_equal(vfh_shm_file_ensure(t->ctx, bad[i], MiB, user_uid(), user_gid(),
						     0660, 0, &prior), -EINVAL);
		assert_contains(vfh_ctx_errmsg(t->ctx), "shared-memory file name");
		assert_false(prior.existed || prior.created);
		assert_int_equal(vfh_shm_name_check(t->ctx, bad[i]), -EINVAL);
	}
	assert_contains(vfh_ctx_errmsg(t->ctx), "control character");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(vfh_shm_name_check(t->ctx, longname), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "must be 1 to 200 characters");
	longname[200] = '\0';
	assert_int_equal(vfh_shm_name_check(t->ctx, longname), 0);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "");
	assert_int_equal(vfh_shm_name_check(t->ctx, NULL), -EINVAL);
	assert_int_equal(vfh_shm_file_ensure(t->ctx, "a/b", MiB, 0, 0, 0660, 0, NULL), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "contains '/'");
	/* nothing was made anywhere */
	assert_false(fx_exists(t->fx, "dev/shm/a"));
	assert_false(fx_exists(t->fx, "dev/looking-glass"));
	/* a mode that is not a permission mode, unknown flags */
	assert_int_equal(vfh_shm_file_ensure(t->ctx, "lg", MiB, 0, 0, 0100660, 0, NULL), -EINVAL);
	assert_int_equal(vfh_shm_file_ensure(t->ctx, "lg", MiB, 0, 0, 0660, 0x80, NULL), -EINVAL);
	assert_false(fx_exists(t->fx, "dev/shm/lg"));
}

static void test_remove_restores(void **state)
{
	struct t *t = *state;
	struct vfh_shm_prior prior;
	struct stat st;

	/* made by ensure: removed */
	assert_int_equal(vfh_shm_file_ensure(t->ctx, "lg-vm", MiB, user_uid(), user_gid(), 0660, 0,
					     &prior), 0);
	assert_int_equal(vfh_shm_file_remove(t->ctx, "lg-vm", &prior, 0), 0);
	assert_false(fx_exists(t->fx, "dev/shm/lg-vm"));
	/* there before, resized by someone meanwhile: left so, unless asked */
	assert_int_equal(vfh_shm_file_ensure(t->ctx, "pulse-shm-1234", 64 * MiB, user_uid(),
					     user_gid(), 0660, 0, &prior), 0);
	assert_int_equal(prior.mode, 0400);
	set_size(t, "dev/shm/pulse-shm-1234", 8 * MiB);
	assert_int_equal(vfh_shm_file_remove(t->ctx, "pulse-shm-1234", &prior, 0), 0);
	st = st_of(t, "dev/shm/pulse-shm-1234");
	assert_true((unsigned long long)st.st_size == 8 * MiB);
	assert_int_equal(st.st_mode & 07777, 0400);
	assert_int_equal(st.st_uid, prior.uid);
	/* asked, but pipewire holds it */
	assert_int_equal(vfh_shm_file_remove(t->ctx, "pulse-shm-1234", &prior,
					     VFH_SHM_RESTORE_SIZE), -EBUSY);
	assert_contains(vfh_ctx_errmsg(t->ctx), "held by 2231 (pipewire-pulse)");
	assert_true((unsigned long long)st_of(t, "dev/shm/pulse-shm-1234").st_size == 8 * MiB);
	assert_int_equal(vfh_shm_file_remove(t->ctx, "pulse-shm-1234", NULL, 0), -EINVAL);
}

static void test_remove_restores_size(void **state)
{
	struct t *t = *state;
	struct vfh_shm_prior prior;

	assert_int_equal(vfh_shm_file_ensure(t->ctx, "looking-glass", 32 * MiB, user_uid(),
					     user_gid(), 0660, 0, &prior), 0);
	set_size(t, LG, 8 * MiB);
	assert_int_equal(vfh_shm_file_remove(t->ctx, "looking-glass", &prior,
					     VFH_SHM_RESTORE_SIZE), 0);
	assert_true((unsigned long long)st_of(t, LG).st_size == 32 * MiB);
	assert_int_equal(st_of(t, LG).st_uid, prior.uid);
	/* gone meanwhile: nothing to put back */
	fx_delete(t->fx, LG);
	assert_int_equal(vfh_shm_file_remove(t->ctx, "looking-glass", &prior, 0), 0);
	assert_false(fx_exists(t->fx, LG));
}

static void test_no_shm_dir(void **state)
{
	struct t *t = *state;

	fx_delete(t->fx, "proc/4242");
	fx_delete(t->fx, "proc/2231");
	fx_delete(t->fx, "dev/shm");
	assert_int_equal(vfh_shm_file_ensure(t->ctx, "looking-glass", MiB, user_uid(), user_gid(),
					     0660, 0, NULL), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "no /dev/shm");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_ON(test_create, t_shm),
		T_ON(test_already_right, t_shm),
		T_ON(test_owner_and_mode_fixed_in_place, t_shm),
		T_ON(test_other_size_replaced, setup_client_gone),
		T_ON(test_other_size_held, t_shm),
		T_ON(test_mapped_only_is_held, setup_mapped_only),
		T_ON(test_holders, t_shm),
		T_ON(test_device_holders, setup_devices),
		T_ON(test_symlink_refused, t_shm),
		T_ON(test_bad_names, t_shm),
		T_ON(test_remove_restores, t_shm),
		T_ON(test_remove_restores_size, setup_client_gone),
		T_ON(test_no_shm_dir, t_shm),
	};

	t_init();
	return cmocka_run_group_tests_name("shmfile", tests, NULL, NULL);
}
