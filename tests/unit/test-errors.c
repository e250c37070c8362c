// SPDX-License-Identifier: LGPL-2.1-or-later
/* One error convention for every public call taking a context: it clears
 * the error line on entry, and every failure (bad arguments included)
 * returns -errno AND leaves a line in vfh_ctx_errmsg().  A table: each row
 * drives one call into a failure on a fresh fixture, checks the result and
 * the line, then makes a call that succeeds and checks the line is "". */
#include <stdio.h>
#include <stdlib.h>

#include "testlib.h"

#define NIC "0000:00:01.0"
#define GPU "0000:01:00.0"
#define SATA "0000:00:1f.2"
#define MISSING "0000:00:09.0"
#define DM "display-manager.service"

struct row {
	const char *name;
	const char *fixture;	/* NULL: guest */
	int want;		/* the failure's -errno */
	int (*provoke)(struct t *t);
	void (*undo)(struct t *t);	/* after the failure is checked (may be NULL) */
	int (*ok)(struct t *t);	/* a call that succeeds: >= 0 */
};

static const struct row *cur;
static char saved_root[VFH_PATH_MAX];

static struct vfh_pci_addr A(const char *s)
{
	return t_addr(s);
}

/* A root pointed at something that is not there (or not a directory), and
 * put back by undo_root: the fixture itself is never touched. */
static int root_elsewhere(struct t *t, enum vfh_root root, const char *rel)
{
	char p[VFH_PATH_MAX];

	snprintf(saved_root, sizeof(saved_root), "%s", vfh_ctx_get_root(t->ctx, root));
	snprintf(p, sizeof(p), "%s/%s", fx_root(t->fx), rel);
	return vfh_ctx_set_root(t->ctx, root, p);
}

static void undo_sys(struct t *t)
{
	assert_int_equal(vfh_ctx_set_root(t->ctx, VFH_ROOT_SYS, saved_root), 0);
}

static void undo_proc(struct t *t)
{
	assert_int_equal(vfh_ctx_set_root(t->ctx, VFH_ROOT_PROC, saved_root), 0);
}

#define FN(name) static int name(struct t *t)

/* ---- ctx */
FN(set_root_bad_number) { return vfh_ctx_set_root(t->ctx, VFH_ROOT__COUNT, "/x"); }
FN(set_root_relative) { return vfh_ctx_set_root(t->ctx, VFH_ROOT_RUN, "run"); }
FN(set_root_too_long)
{
	static char p[VFH_PATH_MAX + 16];

	memset(p, 'a', sizeof(p) - 1);
	p[0] = '/';
	return vfh_ctx_set_root(t->ctx, VFH_ROOT_RUN, p);
}
FN(set_root_ok)
{
	char p[VFH_PATH_MAX];

	snprintf(p, sizeof(p), "%s", vfh_ctx_get_root(t->ctx, VFH_ROOT_RUN));
	return vfh_ctx_set_root(t->ctx, VFH_ROOT_RUN, p);
}
FN(set_prefix_relative) { return vfh_ctx_set_prefix(t->ctx, "tmp/x"); }
FN(set_prefix_null) { return vfh_ctx_set_prefix(t->ctx, NULL); }
FN(set_prefix_too_long)
{
	static char p[VFH_PATH_MAX];

	memset(p, 'a', sizeof(p) - 1);
	p[0] = '/';
	return vfh_ctx_set_prefix(t->ctx, p);
}
FN(set_prefix_ok) { return vfh_ctx_set_prefix(t->ctx, fx_root(t->fx)); }
FN(ctx_path_too_long)
{
	char buf[8];

	return vfh_ctx_path(t->ctx, VFH_ROOT_SYS, buf, sizeof(buf), "bus/pci/devices");
}
FN(ctx_path_climbs) { char b[VFH_PATH_MAX]; return vfh_ctx_path(t->ctx, VFH_ROOT_SYS, b, sizeof(b), "../etc"); }
FN(ctx_path_ok) { char b[VFH_PATH_MAX]; return vfh_ctx_path(t->ctx, VFH_ROOT_SYS, b, sizeof(b), "bus"); }
FN(wait_zero) { return vfh_ctx_set_wait_ms(t->ctx, 0); }
FN(wait_ok) { return vfh_ctx_set_wait_ms(t->ctx, 50); }

/* ---- devices */
FN(info_missing) { struct vfh_pci_info i; struct vfh_pci_addr a = A(MISSING); return vfh_pci_info_read(t->ctx, &a, &i); }
FN(info_null) { struct vfh_pci_addr a = A(NIC); return vfh_pci_info_read(t->ctx, &a, NULL); }
FN(info_size0) { struct vfh_pci_info i; struct vfh_pci_addr a = A(NIC); return vfh_pci_info_read_sz(t->ctx, &a, &i, 0); }
FN(info_ok) { struct vfh_pci_info i; struct vfh_pci_addr a = A(NIC); return vfh_pci_info_read(t->ctx, &a, &i); }
FN(list_no_sysfs)
{
	struct vfh_pci_addr *v;
	size_t n;

	return root_elsewhere(t, VFH_ROOT_SYS, "nosys") ?: vfh_pci_list(t->ctx, &v, &n);
}
FN(list_null) { return vfh_pci_list(t->ctx, NULL, NULL); }
FN(list_ok) { struct vfh_pci_addr *v; size_t n; int r = vfh_pci_list(t->ctx, &v, &n); free(v); return r; }
FN(names_small)
{
	struct vfh_pci_info i = t_info(t, NIC);
	char v[64], d[64];

	return vfh_pci_names_sz(t->ctx, &i, 2, v, sizeof(v), d, sizeof(d));
}
FN(names_ok)
{
	struct vfh_pci_info i = t_info(t, NIC);
	char v[64], d[64];

	return vfh_pci_names(t->ctx, &i, v, sizeof(v), d, sizeof(d));
}

/* ---- iommu */
FN(members_negative) { struct vfh_pci_addr *v; size_t n; return vfh_iommu_group_members(t->ctx, -1, &v, &n); }
FN(members_missing) { struct vfh_pci_addr *v; size_t n; return vfh_iommu_group_members(t->ctx, 99, &v, &n); }
FN(members_ok) { struct vfh_pci_addr *v; size_t n; int r = vfh_iommu_group_members(t->ctx, 1, &v, &n); free(v); return r; }
FN(viable_missing) { return vfh_iommu_group_viable(t->ctx, 99, NULL, 0, NULL, NULL); }
FN(viable_count_no_array) { return vfh_iommu_group_viable(t->ctx, 1, NULL, 2, NULL, NULL); }
FN(viable_ok) { return vfh_iommu_group_viable(t->ctx, 1, NULL, 0, NULL, NULL); }
FN(companions_null) { struct vfh_pci_addr a = A(GPU); return vfh_pci_companions(t->ctx, &a, NULL, NULL); }
FN(companions_ok) { struct vfh_pci_addr a = A(GPU), *v; size_t n; int r = vfh_pci_companions(t->ctx, &a, &v, &n); free(v); return r; }

/* ---- binding */
FN(binding_missing) { struct vfh_pci_binding b; struct vfh_pci_addr a = A(MISSING); return vfh_pci_binding_read(t->ctx, &a, &b); }
FN(binding_ok) { struct vfh_pci_binding b; struct vfh_pci_addr a = A(NIC); return vfh_pci_binding_read(t->ctx, &a, &b); }
FN(bind_bad_driver) { struct vfh_pci_addr a = A(NIC); return vfh_pci_bind(t->ctx, &a, "a/b", NULL); }
FN(bind_missing) { struct vfh_pci_addr a = A(MISSING); return vfh_pci_bind(t->ctx, &a, "vfio-pci", NULL); }
FN(bind_null_addr) { return vfh_pci_bind(t->ctx, NULL, "vfio-pci", NULL); }
FN(bind_ok) { struct vfh_pci_addr a = A(NIC); return vfh_pci_bind(t->ctx, &a, "e1000e", NULL); }
FN(restore_bad_driver)
{
	struct vfh_pci_binding b = { "x/y", "" };
	struct vfh_pci_addr a = A(NIC);

	return vfh_pci_restore(t->ctx, &a, &b);
}
FN(restore_unterminated)
{
	struct vfh_pci_binding b;
	struct vfh_pci_addr a = A(NIC);

	memset(&b, 'e', sizeof(b));
	return vfh_pci_restore(t->ctx, &a, &b);
}
FN(restore_ok)
{
	struct vfh_pci_binding b = { "e1000e", "" };
	struct vfh_pci_addr a = A(NIC);

	return vfh_pci_restore(t->ctx, &a, &b);
}
FN(unbind_refused)
{
	struct vfh_pci_addr a = A(NIC);

	fk_fail_write(t->fx, DRV("e1000e", "unbind"), 1, -EIO);
	return vfh_pci_unbind(t->ctx, &a);
}
FN(unbind_null) { return vfh_pci_unbind(t->ctx, NULL); }
FN(unbind_ok) { struct vfh_pci_addr a = A(SATA); return vfh_pci_unbind(t->ctx, &a); }

/* ---- bus */
FN(remove_missing) { struct vfh_pci_addr a = A(MISSING); return vfh_pci_remove(t->ctx, &a, 0, NULL, NULL); }
FN(remove_bad_flags) { struct vfh_pci_addr a = A(NIC); return vfh_pci_remove(t->ctx, &a, 0x80, NULL, NULL); }
FN(remove_ok)
{
	struct vfh_pci_addr a = A(NIC);
	struct vfh_pci_removed *v;
	size_t n;
	int r = vfh_pci_remove(t->ctx, &a, 0, &v, &n);

	if (r == 0)
		r = vfh_pci_rescan(t->ctx, v, n);
	free(v);
	return r;
}
FN(rescan_stride0) { return vfh_pci_rescan_sz(t->ctx, NULL, 0, 0); }
FN(rescan_no_array) { return vfh_pci_rescan(t->ctx, NULL, 1); }
FN(rescan_ok) { return vfh_pci_rescan(t->ctx, NULL, 0); }
FN(reset_missing) { struct vfh_pci_addr a = A(MISSING); return vfh_pci_reset(t->ctx, &a); }
FN(reset_none) { struct vfh_pci_addr a = A(SATA); return vfh_pci_reset(t->ctx, &a); }
FN(reset_ok) { struct vfh_pci_addr a = A(NIC); return vfh_pci_reset(t->ctx, &a); }
FN(reset_supported_missing) { struct vfh_pci_addr a = A(MISSING); return vfh_pci_reset_supported(t->ctx, &a); }
FN(reset_supported_null) { return vfh_pci_reset_supported(t->ctx, NULL); }
FN(reset_supported_ok) { struct vfh_pci_addr a = A(NIC); return vfh_pci_reset_supported(t->ctx, &a); }
FN(suspend_bad_opts)
{
	struct vfh_suspend_opts o = { .seconds = 61, .rtc = -1 };
	struct vfh_pci_addr a = A(GPU);

	return vfh_pci_suspend_reset(t->ctx, &a, &o, NULL);
}
FN(suspend_report_size0) { struct vfh_suspend_report r; struct vfh_pci_addr a = A(GPU); return vfh_pci_suspend_reset_sz(t->ctx, &a, NULL, 0, &r, 0); }
FN(suspend_ok)
{
	struct vfh_suspend_report rep;
	struct vfh_pci_addr a = A(GPU);

	return vfh_pci_suspend_reset(t->ctx, &a, NULL, &rep);
}
FN(deep_sleep_not_a_dir) { return root_elsewhere(t, VFH_ROOT_SYS, "sys/power/state") ?: vfh_power_can_deep_sleep(t->ctx); }
FN(deep_sleep_ok) { return vfh_power_can_deep_sleep(t->ctx); }

/* ---- modules */
FN(loaded_empty) { return vfh_module_loaded(t->ctx, ""); }
FN(loaded_null) { return vfh_module_loaded(t->ctx, NULL); }
FN(loaded_ok) { return vfh_module_loaded(t->ctx, "e1000e"); }
FN(load_bad_name) { return vfh_module_load(t->ctx, "a/b"); }
FN(load_fails) { fk_fail_module(t->fx, "vfio_pci", true, -EIO); return vfh_module_load(t->ctx, "vfio_pci"); }
FN(load_ok) { return vfh_module_load(t->ctx, "e1000e"); }
FN(unload_busy) { return vfh_module_unload(t->ctx, "snd_hda_codec"); }
FN(unload_ok) { return vfh_module_unload(t->ctx, "vfio_pci"); }

/* ---- consoles, platform devices */
FN(vtcon_stride0) { struct vfh_vtcon *v; size_t n; return vfh_vtcon_list_sz(t->ctx, &v, &n, 0); }
FN(vtcon_null) { return vfh_vtcon_list(t->ctx, NULL, NULL); }
FN(vtcon_ok) { struct vfh_vtcon *v; size_t n; int r = vfh_vtcon_list(t->ctx, &v, &n); free(v); return r; }
FN(vtcon_bound_range) { return vfh_vtcon_set_bound(t->ctx, 64, false); }
FN(vtcon_bound_ok) { return vfh_vtcon_set_bound(t->ctx, 0, true); }
FN(fb_stride0) { struct vfh_platform_dev *v; size_t n; return vfh_fb_platform_list_sz(t->ctx, &v, &n, 0); }
FN(fb_ok) { struct vfh_platform_dev *v; size_t n; int r = vfh_fb_platform_list(t->ctx, &v, &n); free(v); return r; }
FN(pf_unbind_empty) { return vfh_platform_unbind(t->ctx, "efi-framebuffer", ""); }
FN(pf_unbind_null) { return vfh_platform_unbind(t->ctx, NULL, "efi-framebuffer.0"); }
FN(pf_unbind_ok) { return vfh_platform_unbind(t->ctx, "efi-framebuffer", "efi-framebuffer.0"); }
FN(pf_bind_slash) { return vfh_platform_bind(t->ctx, "x/y", "efi-framebuffer.0"); }
FN(pf_bind_refused)
{
	fk_fail_write(t->fx, "sys/bus/platform/drivers/simple-framebuffer/bind", 1, -ENODEV);
	return vfh_platform_bind(t->ctx, "simple-framebuffer", "simple-framebuffer.0");
}
FN(pf_bind_ok) { return vfh_platform_bind(t->ctx, "simple-framebuffer", "simple-framebuffer.0"); }
FN(pf_present_dotdot) { return vfh_platform_dev_present(t->ctx, ".."); }
FN(pf_present_null) { return vfh_platform_dev_present(t->ctx, NULL); }
FN(pf_present_ok) { return vfh_platform_dev_present(t->ctx, "efi-framebuffer.0"); }

/* ---- units */
FN(unit_bad_name) { return vfh_unit_is_active(t->ctx, "no such unit"); }
FN(unit_active_ok) { return vfh_unit_is_active(t->ctx, DM); }
FN(unit_start_fails) { fk_fail_unit(t->fx, DM, "start", -EIO); return vfh_unit_start(t->ctx, DM); }
FN(unit_bad_name_start) { return vfh_unit_start(t->ctx, ".service"); }
FN(unit_start_ok) { return vfh_unit_start(t->ctx, DM); }
FN(unit_stop_null) { return vfh_unit_stop(t->ctx, NULL); }
FN(unit_stop_ok) { return vfh_unit_stop(t->ctx, DM); }
FN(uunit_bad_name) { return vfh_user_unit_is_active(t->ctx, 1000, "no such unit"); }
FN(uunit_active_ok) { return vfh_user_unit_is_active(t->ctx, 1000, "pipewire.service"); }
FN(uunit_stop_null) { return vfh_user_unit_stop(t->ctx, 1000, NULL); }
FN(uunit_start_bad_uid) { return vfh_user_unit_start(t->ctx, 0x80000000u, "pipewire.service"); }
FN(uunit_start_unknown) { return vfh_user_unit_start(t->ctx, 1000, "pipewire.service"); }
FN(hwait_null) { return vfh_pci_holders_wait(t->ctx, NULL, 100); }
FN(hwait_absent) { struct vfh_pci_addr a = t_addr("0000:00:0a.0"); return vfh_pci_holders_wait(t->ctx, &a, 100); }
FN(hwait_ok) { struct vfh_pci_addr a = t_addr("0000:01:00.0"); return vfh_pci_holders_wait(t->ctx, &a, 100); }

/* ---- host needs */
FN(needs_no_proc)
{
	struct vfh_host_need *v;
	size_t n;

	return root_elsewhere(t, VFH_ROOT_PROC, "noproc") ?: vfh_host_needs(t->ctx, &v, &n);
}
FN(needs_stride0) { struct vfh_host_need *v; size_t n; return vfh_host_needs_sz(t->ctx, &v, &n, 0); }
FN(needs_ok) { struct vfh_host_need *v; size_t n; int r = vfh_host_needs(t->ctx, &v, &n); free(v); return r; }
FN(displays_no_sysfs) { return root_elsewhere(t, VFH_ROOT_SYS, "nosys") ?: vfh_displays_remaining(t->ctx, NULL, 0); }
FN(displays_count_no_array) { return vfh_displays_remaining(t->ctx, NULL, 3); }
FN(displays_ok) { return vfh_displays_remaining(t->ctx, NULL, 0); }

#define ROW(fn, want, ok) { #fn, NULL, want, fn, NULL, ok }
#define ROW_UNDO(fn, want, undo, ok) { #fn, NULL, want, fn, undo, ok }
#define ROW_ON(fx, fn, want, ok) { #fn, fx, want, fn, NULL, ok }

static const struct row rows[] = {
	ROW(set_root_bad_number, -EINVAL, set_root_ok),
	ROW(set_root_relative, -EINVAL, set_root_ok),
	ROW(set_root_too_long, -ENAMETOOLONG, set_root_ok),
	ROW(set_prefix_relative, -EINVAL, set_prefix_ok),
	ROW(set_prefix_null, -EINVAL, set_prefix_ok),
	ROW(set_prefix_too_long, -ENAMETOOLONG, set_prefix_ok),
	ROW(ctx_path_too_long, -ENAMETOOLONG, ctx_path_ok),
	ROW(ctx_path_climbs, -EINVAL, ctx_path_ok),
	ROW(wait_zero, -EINVAL, wait_ok),
	ROW(info_missing, -ENODEV, info_ok),
	ROW(info_null, -EINVAL, info_ok),
	ROW(info_size0, -EINVAL, info_ok),
	ROW_UNDO(list_no_sysfs, -ENOENT, undo_sys, list_ok),
	ROW(list_null, -EINVAL, list_ok),
	ROW(names_small, -EINVAL, names_ok),
	ROW(members_negative, -EINVAL, members_ok),
	ROW(members_missing, -ENOENT, members_ok),
	ROW(viable_missing, -ENOENT, viable_ok),
	ROW(viable_count_no_array, -EINVAL, viable_ok),
	ROW(companions_null, -EINVAL, companions_ok),
	ROW(binding_missing, -ENODEV, binding_ok),
	ROW(bind_bad_driver, -EINVAL, bind_ok),
	ROW(bind_missing, -ENODEV, bind_ok),
	ROW(bind_null_addr, -EINVAL, bind_ok),
	ROW(restore_bad_driver, -EINVAL, restore_ok),
	ROW(restore_unterminated, -EINVAL, restore_ok),
	ROW(unbind_refused, -EIO, unbind_ok),
	ROW(unbind_null, -EINVAL, unbind_ok),
	ROW(remove_missing, -ENODEV, remove_ok),
	ROW(remove_bad_flags, -EINVAL, remove_ok),
	ROW(rescan_stride0, -EINVAL, rescan_ok),
	ROW(rescan_no_array, -EINVAL, rescan_ok),
	ROW(reset_missing, -ENODEV, reset_ok),
	ROW(reset_none, -ENOTTY, reset_ok),
	ROW(reset_supported_missing, -ENODEV, reset_supported_ok),
	ROW(reset_supported_null, -EINVAL, reset_supported_ok),
	ROW(suspend_bad_opts, -EINVAL, suspend_ok),
	ROW(suspend_report_size0, -EINVAL, suspend_ok),
	ROW_UNDO(deep_sleep_not_a_dir, -ENOTDIR, undo_sys, deep_sleep_ok),
	ROW(loaded_empty, -EINVAL, loaded_ok),
	ROW(loaded_null, -EINVAL, loaded_ok),
	ROW(load_bad_name, -EINVAL, load_ok),
	ROW(load_fails, -EIO, load_ok),
	ROW(unload_busy, -EBUSY, unload_ok),
	ROW(vtcon_stride0, -EINVAL, vtcon_ok),
	ROW(vtcon_null, -EINVAL, vtcon_ok),
	ROW(vtcon_bound_range, -EINVAL, vtcon_bound_ok),
	ROW(fb_stride0, -EINVAL, fb_ok),
	ROW_ON("efifb", pf_unbind_empty, -EINVAL, pf_unbind_ok),
	ROW_ON("efifb", pf_unbind_null, -EINVAL, pf_unbind_ok),
	ROW_ON("efifb", pf_bind_slash, -EINVAL, pf_bind_ok),
	ROW_ON("efifb", pf_bind_refused, -ENODEV, pf_bind_ok),
	ROW_ON("efifb", pf_present_dotdot, -EINVAL, pf_present_ok),
	ROW_ON("efifb", pf_present_null, -EINVAL, pf_present_ok),
	ROW(unit_bad_name, -EINVAL, unit_active_ok),
	/* the fake systemd keeps failing the start: another unit call succeeds */
	ROW(unit_start_fails, -EIO, unit_active_ok),
	ROW(unit_bad_name_start, -EINVAL, unit_start_ok),
	ROW(unit_stop_null, -EINVAL, unit_stop_ok),
	ROW(uunit_bad_name, -EINVAL, uunit_active_ok),
	ROW(uunit_stop_null, -EINVAL, uunit_active_ok),
	ROW(uunit_start_bad_uid, -EINVAL, uunit_active_ok),
	/* the fake user manager has no such unit: systemd's "not found" */
	ROW(uunit_start_unknown, -ENOENT, uunit_active_ok),
	ROW(hwait_null, -EINVAL, hwait_ok),
	ROW(hwait_absent, -ENODEV, hwait_ok),
	ROW_UNDO(needs_no_proc, -ENOENT, undo_proc, needs_ok),
	ROW(needs_stride0, -EINVAL, needs_ok),
	ROW_UNDO(displays_no_sysfs, -ENOENT, undo_sys, displays_ok),
	ROW(displays_count_no_array, -EINVAL, displays_ok),
};

/* A failure no row provokes, so its line is recognisable. */
#define STALE "no PCI device 0000:00:0a.0"
static void earlier_failure(struct t *t)
{
	struct vfh_pci_addr a = t_addr("0000:00:0a.0");
	struct vfh_pci_info i;

	assert_int_equal(vfh_pci_info_read(t->ctx, &a, &i), -ENODEV);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), STALE);
}

static int row_setup(void **state)
{
	cur = *state;
	return t_setup(state, cur->fixture ? cur->fixture : "guest", NULL);
}

static void run_row(void **state)
{
	struct t *t = *state;
	int r;

	/* a line left by an earlier failure, to see the entry clear it */
	earlier_failure(t);
	r = cur->provoke(t);
	if (r != cur->want)
		fail_msg("%s: returned %d (%s), want %d (%s); error line '%s'", cur->name, r,
			 strerror(r < 0 ? -r : 0), cur->want, strerror(-cur->want),
			 vfh_ctx_errmsg(t->ctx));
	if (!*vfh_ctx_errmsg(t->ctx))
		fail_msg("%s: failed with %d and left no error line", cur->name, r);
	if (strstr(vfh_ctx_errmsg(t->ctx), STALE))
		fail_msg("%s: the error line is the earlier call's: '%s'", cur->name,
			 vfh_ctx_errmsg(t->ctx));
	if (cur->undo)
		cur->undo(t);
	/* a call that succeeds after a failure: cleared on entry */
	earlier_failure(t);
	r = cur->ok(t);
	if (r < 0)
		fail_msg("%s: the succeeding call returned %d (%s): %s", cur->name, r,
			 strerror(-r), vfh_ctx_errmsg(t->ctx));
	if (*vfh_ctx_errmsg(t->ctx))
		fail_msg("%s: a call that succeeded left the error line '%s'", cur->name,
			 vfh_ctx_errmsg(t->ctx));
}

/* A failure inside a clean-up does not replace the first error, and the
 * public calls the clean-up makes do not clear it (errmsg_held). */
static void test_cleanup_keeps_first_error(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);

	fk_fail_write(t->fx, "sys/bus/pci/drivers_probe", 1, -EINVAL);
	/* the rollback's own write fails too */
	fk_fail_write(t->fx, "sys/bus/pci/drivers/e1000e/bind", 1, -EIO);
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", NULL), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "to vfio-pci refused");
	assert_int_equal(t->ctx->errmsg_held, 0);
}

/* A rescan whose restores fail reports the first device's failure, not the
 * last: the restores after the first failure do not clear its line. */
static void test_rescan_keeps_first_restore_error(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU), hda = t_addr("0000:01:00.1");
	struct vfh_pci_removed *v;
	size_t n;

	assert_int_equal(vfh_pci_bind(t->ctx, &gpu, "vfio-pci", NULL), 0);
	assert_int_equal(vfh_pci_bind(t->ctx, &hda, "vfio-pci", NULL), 0);
	assert_int_equal(vfh_pci_remove(t->ctx, &gpu, VFH_REMOVE_SLOT, &v, &n), 0);
	assert_int_equal(n, 2);
	fk_refuse_probe(t->fx, "vfio-pci", -EIO);
	assert_int_equal(vfh_pci_rescan(t->ctx, v, n), -EIO);
	/* function 0 is restored first */
	assert_contains(vfh_ctx_errmsg(t->ctx), GPU " to vfio-pci refused");
	assert_int_equal(t->ctx->errmsg_held, 0);
	free(v);
}

int main(void)
{
	struct CMUnitTest tests[VFH_ARRAY_SIZE(rows) + 2];

	t_init();
	for (size_t i = 0; i < VFH_ARRAY_SIZE(rows); i++) {
		tests[i] = (struct CMUnitTest)cmocka_unit_test_prestate_setup_teardown(
			run_row, row_setup, t_teardown, (void *)&rows[i]);
		tests[i].name = rows[i].name;
	}
	tests[VFH_ARRAY_SIZE(rows)] = (struct CMUnitTest)T(test_cleanup_keeps_first_error);
	tests[VFH_ARRAY_SIZE(rows) + 1] =
		(struct CMUnitTest)T(test_rescan_keeps_first_restore_error);
	return _cmocka_run_group_tests("errors", tests, VFH_ARRAY_SIZE(tests), NULL, NULL);
}
