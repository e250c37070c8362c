// SPDX-License-Identifier: LGPL-2.1-or-later
/* Framebuffer consoles (vtcon.c): list them, bind and unbind, and believe
 * the bind attribute rather than the write. */
#include <stdlib.h>

#include "testlib.h"

#define BIND(n) "sys/class/vtconsole/vtcon" #n "/bind"

static void test_list(void **state)
{
	struct t *t = *state;
	struct vfh_vtcon *c = (void *)1;
	size_t n = 0;

	assert_int_equal(vfh_vtcon_list(t->ctx, &c, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].index, 0);
	assert_string_equal(c[0].name, "(M) frame buffer device");
	assert_true(c[0].bound);
	assert_true(c[0].is_framebuffer);
	assert_int_equal(c[1].index, 1);
	assert_string_equal(c[1].name, "(M) dummy device");
	assert_false(c[1].bound);
	assert_false(c[1].is_framebuffer);
	free(c);
}

static void test_list_as_on_real_hosts(void **state)
{
	struct t *t = *state;
	struct vfh_vtcon *c;
	size_t n;

	assert_int_equal(vfh_vtcon_list(t->ctx, &c, &n), 0);
	assert_int_equal(n, 2);
	assert_false(c[0].is_framebuffer);
	assert_false(c[0].bound);
	assert_true(c[1].is_framebuffer);
	assert_true(c[1].bound);
	free(c);
}

static void test_list_sorted_and_filtered(void **state)
{
	struct t *t = *state;
	struct vfh_vtcon *c;
	size_t n;

	/* not vtconsoles, or beyond MAX_NR_CON_DRIVER */
	fx_write(t->fx, "sys/class/vtconsole/power", "");
	fx_symlink(t->fx, "sys/class/vtconsole/vtcon", "sys/devices/virtual/vtconsole/vtcon0");
	fx_symlink(t->fx, "sys/class/vtconsole/vtcon64", "sys/devices/virtual/vtconsole/vtcon0");
	fx_symlink(t->fx, "sys/class/vtconsole/vtconx", "sys/devices/virtual/vtconsole/vtcon0");
	assert_int_equal(vfh_vtcon_list(t->ctx, &c, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(c[0].index, 0);
	assert_int_equal(c[1].index, 1);
	assert_int_equal(c[2].index, 2);
	assert_int_equal(c[3].index, 10);
	assert_string_equal(c[3].name, "(M) another console");
	free(c);
}

static int setup_four(void **state)
{
	return t_setup(state, "guest",
		       "vtcon 10 name=\"(M) another console\" bound=0\n"
		       "vtcon 2 name=\"(M) mdacon\" bound=0\n");
}

static void test_list_none(void **state)
{
	struct t *t = *state;
	struct vfh_vtcon *c = (void *)1;
	size_t n = 3;

	fx_delete(t->fx, "sys/class/vtconsole");
	assert_int_equal(vfh_vtcon_list(t->ctx, &c, &n), 0);
	assert_null(c);
	assert_int_equal(n, 0);
}

static void test_list_unreadable(void **state)
{
	struct t *t = *state;
	struct vfh_vtcon *c = (void *)1;
	size_t n = 3;

	fx_write(t->fx, BIND(1), "maybe\n");
	assert_int_equal(vfh_vtcon_list(t->ctx, &c, &n), -EINVAL);
	assert_null(c);
	assert_int_equal(n, 0);
	assert_contains(vfh_ctx_errmsg(t->ctx), "cannot read vtconsoles");
	fx_write(t->fx, BIND(1), "0\n");
	fx_delete(t->fx, "sys/devices/virtual/vtconsole/vtcon0/name");
	assert_int_equal(vfh_vtcon_list(t->ctx, &c, &n), -ENOENT);
	fx_write(t->fx, "sys/devices/virtual/vtconsole/vtcon0/name", "(M) frame buffer device\n");
}

/* The guest's consoles are both modular: once dummycon holds the VTs,
 * writing 1 to fbcon's bind does nothing, and the library gets them back
 * by unbinding dummycon. */
static void test_unbind_then_bind_releases_the_dummy(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, false), 0);
	assert_string_equal(fx_read(t->fx, BIND(0)), "0\n");
	/* the dummy console took the VTs */
	assert_string_equal(fx_read(t->fx, BIND(1)), "1\n");
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, true), 0);
	assert_string_equal(fx_read(t->fx, BIND(0)), "1\n");
	assert_string_equal(fx_read(t->fx, BIND(1)), "0\n");
	assert_writes(t->fx, { BIND(0), "0" }, { BIND(0), "1" }, { BIND(1), "0" });
	assert_contains(t->log, "vtcon1 ((M) dummy device) holds the VTs: unbinding it");
	/* asking for what is already so writes the one bind and nothing else */
	fk_log_clear(t->fx);
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, true), 0);
	assert_writes(t->fx, { BIND(0), "1" });
	assert_string_equal(fx_read(t->fx, BIND(0)), "1\n");
}

/* On a UEFI host the dummy is the system driver: binding fbcon takes the
 * VTs straight back, nothing else is unbound. */
static void test_bind_takes_from_the_system_console(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 1, false), 0);
	assert_string_equal(fx_read(t->fx, BIND(0)), "1\n");
	assert_string_equal(fx_read(t->fx, BIND(1)), "0\n");
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 1, true), 0);
	assert_string_equal(fx_read(t->fx, BIND(0)), "0\n");
	assert_string_equal(fx_read(t->fx, BIND(1)), "1\n");
	assert_writes(t->fx, { BIND(1), "0" }, { BIND(1), "1" });
}

/* A third modular console that holds nothing is left alone. */
static void test_release_leaves_idle_consoles(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, false), 0);
	assert_string_equal(fx_read(t->fx, BIND(1)), "1\n");
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, true), 0);
	assert_writes(t->fx, { BIND(0), "0" }, { BIND(0), "1" }, { BIND(1), "0" });
	assert_string_equal(fx_read(t->fx, BIND(0)), "1\n");
	assert_string_equal(fx_read(t->fx, BIND(1)), "0\n");
	assert_string_equal(fx_read(t->fx, BIND(2)), "0\n");
}

static int setup_three(void **state)
{
	return t_setup(state, "guest", "vtcon 2 name=\"(M) mdacon\" bound=0\n");
}

/* The dummy does not let go: the library says fbcon stayed unbound. */
static void test_dummy_declines(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, false), 0);
	fk_vtcon_decline(t->fx, 1);
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, true), -EIO);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "vtcon0 is still unbound after writing 1 to its "
			    "bind file");
	assert_writes(t->fx, { BIND(0), "0" }, { BIND(0), "1" }, { BIND(1), "0" });
	assert_string_equal(fx_read(t->fx, BIND(0)), "0\n");
	assert_string_equal(fx_read(t->fx, BIND(1)), "1\n");
}

/* Unbinding the dummy fails outright: that error is the answer. */
static void test_dummy_unbind_fails(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, false), 0);
	fk_fail_write(t->fx, BIND(1), 1, -EBUSY);
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, true), -EBUSY);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "unbinding vtcon1 failed: Device or resource "
			    "busy");
	assert_string_equal(fx_read(t->fx, BIND(0)), "0\n");
	assert_string_equal(fx_read(t->fx, BIND(1)), "1\n");
}

static void test_kernel_declines(void **state)
{
	struct t *t = *state;

	fk_vtcon_decline(t->fx, 0);
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, false), -EIO);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "vtcon0 is still bound after writing 0 to its "
			    "bind file");
	assert_string_equal(fx_read(t->fx, BIND(0)), "1\n");
	assert_writes(t->fx, { BIND(0), "0" });
}

/* "(S)": vt_bind()/vt_unbind() ignore a system console driver, and the
 * framebuffer console holds the VTs, so nothing is released for it. */
static void test_system_console_stays(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, true), -EIO);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "vtcon0 is still unbound after writing 1 to its "
			    "bind file");
	assert_writes(t->fx, { BIND(0), "1" });
	assert_string_equal(fx_read(t->fx, BIND(0)), "0\n");
	assert_string_equal(fx_read(t->fx, BIND(1)), "1\n");
}

/* fbcon unregisters when the last framebuffer goes (the GPU leaves its
 * DRM driver), handing the VTs to the dummy and its module reference
 * back; it registers again, bound, when the framebuffer comes back. */
static void test_fbcon_follows_the_framebuffer(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr("0000:01:00.0");
	struct vfh_pci_binding was = { "bochs-drm", "" };
	struct vfh_vtcon *c;
	size_t n;

	assert_string_equal(fx_read(t->fx, "sys/module/bochs/refcnt"), "1\n");
	assert_int_equal(vfh_pci_unbind(t->ctx, &gpu), 0);
	assert_false(fx_exists(t->fx, "sys/class/vtconsole/vtcon0"));
	assert_false(fx_exists(t->fx, "sys/devices/virtual/vtconsole/vtcon0"));
	assert_string_equal(fx_read(t->fx, BIND(1)), "1\n");
	assert_string_equal(fx_read(t->fx, "sys/module/bochs/refcnt"), "0\n");
	assert_int_equal(vfh_vtcon_list(t->ctx, &c, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].index, 1);
	assert_true(c[0].bound);
	free(c);

	assert_int_equal(vfh_pci_restore(t->ctx, &gpu, &was), 0);
	assert_driver(t->fx, "0000:01:00.0", "bochs-drm");
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon0/name"),
			    "(M) frame buffer device\n");
	assert_string_equal(fx_read(t->fx, BIND(0)), "1\n");
	assert_string_equal(fx_read(t->fx, BIND(1)), "0\n");
	assert_string_equal(fx_read(t->fx, "sys/module/bochs/refcnt"), "1\n");
}

/* The slot fbcon left is not free yet when the framebuffer returns: it
 * comes back as the next vtcon. */
static void test_fbcon_returns_elsewhere(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr("0000:01:00.0");
	struct vfh_pci_binding was = { "bochs-drm", "" };
	struct vfh_vtcon *c;
	size_t n;

	fk_vtcon_slot_lingers(t->fx);
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, false), 0);
	assert_int_equal(vfh_pci_unbind(t->ctx, &gpu), 0);
	assert_false(fx_exists(t->fx, "sys/class/vtconsole/vtcon0"));
	assert_int_equal(vfh_pci_restore(t->ctx, &gpu, &was), 0);
	assert_false(fx_exists(t->fx, "sys/class/vtconsole/vtcon0"));
	assert_int_equal(vfh_vtcon_list(t->ctx, &c, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].index, 1);
	assert_false(c[0].bound);
	assert_int_equal(c[1].index, 2);
	assert_true(c[1].is_framebuffer);
	assert_true(c[1].bound);
	free(c);
}

/* Another framebuffer (the firmware's) keeps fbcon registered. */
static void test_fbcon_stays_with_another_framebuffer(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr("0000:01:00.0");

	assert_int_equal(vfh_pci_unbind(t->ctx, &gpu), 0);
	assert_string_equal(fx_read(t->fx, BIND(1)), "1\n");
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon1/name"),
			    "(M) frame buffer device\n");
	assert_int_equal(vfh_platform_unbind(t->ctx, "efi-framebuffer", "efi-framebuffer.0"), 0);
	assert_false(fx_exists(t->fx, "sys/class/vtconsole/vtcon1"));
	assert_string_equal(fx_read(t->fx, BIND(0)), "1\n");
}

/* fbcon's hold on the GPU's module is what keeps it loaded; unbinding the
 * console lets it go. */
static void test_unbound_console_frees_the_module(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_module_unload(t->ctx, "bochs"), -EBUSY);
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, false), 0);
	assert_string_equal(fx_read(t->fx, "sys/module/bochs/refcnt"), "0\n");
	assert_int_equal(vfh_module_unload(t->ctx, "bochs"), 0);
	assert_driver(t->fx, "0000:01:00.0", "");
	assert_false(fx_exists(t->fx, "sys/class/vtconsole/vtcon0"));
	assert_string_equal(fx_read(t->fx, BIND(1)), "1\n");
}

static void test_errors(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 5, false), -ENOENT);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "unbinding vtcon5 failed: No such file or "
			    "directory");
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, -1, true), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "no vtconsole -1");
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 64, true), -EINVAL);
	fk_fail_write(t->fx, BIND(0), 1, -EBUSY);
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, false), -EBUSY);
	assert_string_equal(fx_read(t->fx, BIND(0)), "1\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_list),
		T_ON(test_list_as_on_real_hosts, t_efifb),
		T_ON(test_list_sorted_and_filtered, setup_four),
		T(test_list_none),
		T(test_list_unreadable),
		T(test_unbind_then_bind_releases_the_dummy),
		T_ON(test_bind_takes_from_the_system_console, t_efifb),
		T_ON(test_release_leaves_idle_consoles, setup_three),
		T(test_dummy_declines),
		T(test_dummy_unbind_fails),
		T(test_kernel_declines),
		T_ON(test_system_console_stays, t_efifb),
		T(test_fbcon_follows_the_framebuffer),
		T(test_fbcon_returns_elsewhere),
		T_ON(test_fbcon_stays_with_another_framebuffer, t_efifb),
		T(test_unbound_console_frees_the_module),
		T(test_errors),
	};

	t_init();
	return cmocka_run_group_tests_name("vtcon", tests, NULL, NULL);
}
