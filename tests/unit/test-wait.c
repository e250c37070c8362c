// SPDX-License-Identifier: LGPL-2.1-or-later
/* The bounded wait for a kernel event (wait.c). */
#include <time.h>

#include "testlib.h"

static int calls;

static int never(struct vfh_ctx *ctx, const void *data)
{
	(void)ctx;
	(void)data;
	calls++;
	return 0;
}

static int at_once(struct vfh_ctx *ctx, const void *data)
{
	(void)ctx;
	(void)data;
	calls++;
	return 1;
}

static int broken(struct vfh_ctx *ctx, const void *data)
{
	(void)ctx;
	calls++;
	return *(const int *)data;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* With the fake kernel every change happens inside the write: one look
 * settles it, and nothing listens to uevents. */
static void test_fake_kernel_checks_once(void **state)
{
	struct t *t = *state;
	int err = -EIO;

	calls = 0;
	vfh_wait_arm(t->ctx);
	assert_null(t->ctx->mon);
	assert_int_equal(vfh_wait_until(t->ctx, at_once, NULL), 0);
	assert_int_equal(calls, 1);
	calls = 0;
	vfh_wait_arm(t->ctx);
	assert_int_equal(vfh_wait_until(t->ctx, never, NULL), -ETIMEDOUT);
	assert_int_equal(calls, 1);
	calls = 0;
	assert_int_equal(vfh_wait_until(t->ctx, broken, &err), -EIO);
	assert_int_equal(calls, 1);
}

/* Without it (a captured tree, read only): the bound is the bound.  The
 * uevent socket is read-only; nothing is written anywhere. */
static void test_bound_is_honoured(void **state)
{
	struct vfh_ctx *ctx = vfh_ctx_new();
	long long t0, took;
	bool listening;

	(void)state;
	assert_int_equal(vfh_ctx_set_prefix(ctx, "/nonexistent-vfh-test"), 0);
	assert_int_equal(vfh_ctx_set_wait_ms(ctx, 200), 0);
	calls = 0;
	vfh_wait_arm(ctx);
	listening = ctx->mon != NULL;
	t0 = now_ms();
	assert_int_equal(vfh_wait_until(ctx, never, NULL), -ETIMEDOUT);
	took = now_ms() - t0;
	assert_null(ctx->mon);
	assert_true(took < 5000);
	if (listening)
		assert_true(took >= 200);
	else
		assert_int_equal(calls, 1);
	vfh_ctx_unref(ctx);
}

static void test_disarm_is_safe(void **state)
{
	struct vfh_ctx *ctx = vfh_ctx_new();

	(void)state;
	vfh_wait_disarm(ctx);
	vfh_wait_arm(ctx);
	vfh_wait_arm(ctx);
	vfh_wait_disarm(ctx);
	vfh_wait_disarm(ctx);
	assert_null(ctx->mon);
	vfh_wait_arm(ctx);
	/* freed with the context */
	vfh_ctx_unref(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fake_kernel_checks_once),
		cmocka_unit_test(test_bound_is_honoured),
		cmocka_unit_test(test_disarm_is_safe),
	};

	t_init();
	return cmocka_run_group_tests_name("wait", tests, NULL, NULL);
}
