// SPDX-License-Identifier: LGPL-2.1-or-later
/* systemd units (systemd.c) through the fake systemd, and the refusal to
 * reach the real one from a fabricated tree. */
#include "testlib.h"

#define DM "display-manager.service"

static void test_is_active(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_unit_is_active(t->ctx, DM), 1);
	assert_int_equal(vfh_unit_is_active(t->ctx, "nosuch.service"), 0);
	/* escaped and templated names are names too */
	assert_int_equal(vfh_unit_is_active(t->ctx, "getty@tty1.service"), 0);
	assert_int_equal(vfh_unit_is_active(t->ctx, "mnt-a\\x2db.mount"), 0);
	assert_no_writes(t->fx);
}

static void test_bad_names(void **state)
{
	struct t *t = *state;
	static const char *const bad[] = {
		"", "noext", ".service", "-x.service", "a b.service", "a/b.service", "a;b.service",
		"$(x).service",
	};
	char long_name[300];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (vfh_unit_is_active(t->ctx, bad[i]) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		if (vfh_unit_stop(t->ctx, bad[i]) != -EINVAL)
			fail_msg("'%s' accepted by stop", bad[i]);
	}
	assert_contains(vfh_ctx_errmsg(t->ctx), "invalid unit name");
	memset(long_name, 'a', sizeof(long_name));
	strcpy(long_name + 250, ".service");
	assert_int_equal(vfh_unit_start(t->ctx, long_name), -EINVAL);
	long_name[240] = '\0';
	strcat(long_name, ".service");
	assert_int_equal(vfh_unit_is_active(t->ctx, long_name), 0);
	assert_no_writes(t->fx);
}

static void test_stop_and_start(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_unit_stop(t->ctx, DM), 0);
	assert_int_equal(fk_unit_active(t->fx, DM), 0);
	assert_int_equal(vfh_unit_is_active(t->ctx, DM), 0);
	assert_int_equal(vfh_unit_start(t->ctx, DM), 0);
	assert_int_equal(fk_unit_active(t->fx, DM), 1);
	assert_writes(t->fx, { "@stop", DM }, { "@start", DM });
}

static void test_failures(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_unit_start(t->ctx, "nosuch.service"), -ENOENT);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "start nosuch.service failed: No such file or "
			    "directory");
	fk_fail_unit(t->fx, DM, "stop", -EIO);
	assert_int_equal(vfh_unit_stop(t->ctx, DM), -EIO);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "stop display-manager.service failed: "
			    "Input/output error");
	assert_int_equal(fk_unit_active(t->fx, DM), 1);
}

static void test_refused_off_the_live_system(void **state)
{
	struct t *t = *state;
	struct vfh_ctx *ctx = vfh_ctx_new();

	assert_int_equal(vfh_ctx_set_prefix(ctx, fx_root(t->fx)), 0);
	assert_int_equal(vfh_unit_is_active(ctx, DM), -EPERM);
	assert_contains(vfh_ctx_errmsg(ctx), "refusing to drive systemd through a context that is "
			"not the live system");
	assert_int_equal(vfh_unit_stop(ctx, DM), -EPERM);
	assert_int_equal(vfh_unit_start(ctx, DM), -EPERM);
	vfh_ctx_unref(ctx);
	assert_int_equal(fk_unit_active(t->fx, DM), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_is_active),
		T(test_bad_names),
		T(test_stop_and_start),
		T(test_failures),
		T(test_refused_off_the_live_system),
	};

	t_init();
	return cmocka_run_group_tests_name("unit", tests, NULL, NULL);
}
