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
	assert_string_equal(c[1].name, "(S) dummy device");
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

static void test_unbind_and_bind(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, false), 0);
	assert_string_equal(fx_read(t->fx, BIND(0)), "0\n");
	/* the dummy console took the VTs */
	assert_string_equal(fx_read(t->fx, BIND(1)), "1\n");
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, true), 0);
	assert_string_equal(fx_read(t->fx, BIND(0)), "1\n");
	assert_string_equal(fx_read(t->fx, BIND(1)), "0\n");
	assert_writes(t->fx, { BIND(0), "0" }, { BIND(0), "1" });
	/* asking for what is already so is fine */
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 0, true), 0);
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

static void test_system_console_stays(void **state)
{
	struct t *t = *state;

	/* "(S)": vt_bind()/vt_unbind() ignore it */
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 1, true), -EIO);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "vtcon1 is still unbound after writing 1 to its "
			    "bind file");
	assert_string_equal(fx_read(t->fx, BIND(0)), "1\n");
}

static void test_errors(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_vtcon_set_bound(t->ctx, 5, false), -ENOENT);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "unbinding vtcon5 failed: No such file or "
			    "directory");
	assert_int_equal(vfh_vtcon_set_bound(t->ctx, -1, true), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "binding vtcon-1 failed");
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
		T(test_unbind_and_bind),
		T(test_kernel_declines),
		T(test_system_console_stays),
		T(test_errors),
	};

	t_init();
	return cmocka_run_group_tests_name("vtcon", tests, NULL, NULL);
}
