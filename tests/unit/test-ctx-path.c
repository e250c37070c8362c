// SPDX-License-Identifier: LGPL-2.1-or-later
/* The context (roots, logging, the error line) and the path layer (every
 * file name the library makes, every read and write). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "testlib.h"

static const char *const live_roots[VFH_ROOT__COUNT] = {
	"/sys", "/proc", "/dev", "/run", "/sys/fs/cgroup", "/etc",
};

static void test_new_context_is_the_live_system(void **state)
{
	struct vfh_ctx *ctx;

	(void)state;
	unsetenv("VFIOHOOK_LOG");
	ctx = vfh_ctx_new();
	assert_non_null(ctx);
	for (int i = 0; i < VFH_ROOT__COUNT; i++)
		assert_string_equal(vfh_ctx_get_root(ctx, (enum vfh_root)i), live_roots[i]);
	assert_true(vfh_ctx_is_live(ctx));
	assert_int_equal(vfh_ctx_get_wait_ms(ctx), 10000);
	assert_int_equal(vfh_ctx_get_log_priority(ctx), LOG_ERR);
	assert_string_equal(vfh_ctx_errmsg(ctx), "");
	assert_null(vfh_ctx_get_root(ctx, VFH_ROOT__COUNT));
	assert_null(vfh_ctx_get_root(ctx, (enum vfh_root)-1));
	assert_null(vfh_ctx_unref(ctx));
}

static void test_refcount(void **state)
{
	struct vfh_ctx *ctx = vfh_ctx_new();

	(void)state;
	assert_ptr_equal(vfh_ctx_ref(ctx), ctx);
	/* the first unref leaves it usable (ASan would see a use after free) */
	assert_null(vfh_ctx_unref(ctx));
	assert_true(vfh_ctx_is_live(ctx));
	assert_null(vfh_ctx_unref(ctx));
	assert_null(vfh_ctx_unref(NULL));
	assert_null(vfh_ctx_ref(NULL));
}

static int prio_from_env(const char *value)
{
	struct vfh_ctx *ctx;
	int prio;

	if (value)
		setenv("VFIOHOOK_LOG", value, 1);
	else
		unsetenv("VFIOHOOK_LOG");
	ctx = vfh_ctx_new();
	assert_non_null(ctx);
	prio = vfh_ctx_get_log_priority(ctx);
	vfh_ctx_unref(ctx);
	unsetenv("VFIOHOOK_LOG");
	return prio;
}

static void test_log_priority_from_environment(void **state)
{
	(void)state;
	assert_int_equal(prio_from_env("debug"), LOG_DEBUG);
	assert_int_equal(prio_from_env("DEBUG"), LOG_DEBUG);
	assert_int_equal(prio_from_env("info"), LOG_INFO);
	assert_int_equal(prio_from_env("Warning"), LOG_WARNING);
	assert_int_equal(prio_from_env("err"), LOG_ERR);
	assert_int_equal(prio_from_env("error"), LOG_ERR);
	assert_int_equal(prio_from_env("emerg"), LOG_EMERG);
	assert_int_equal(prio_from_env("0"), 0);
	assert_int_equal(prio_from_env("6"), 6);
	assert_int_equal(prio_from_env("7"), 7);
	/* nonsense keeps the default */
	assert_int_equal(prio_from_env("8"), LOG_ERR);
	assert_int_equal(prio_from_env("-1"), LOG_ERR);
	assert_int_equal(prio_from_env("7x"), LOG_ERR);
	assert_int_equal(prio_from_env("verbose"), LOG_ERR);
	assert_int_equal(prio_from_env(""), LOG_ERR);
	assert_int_equal(prio_from_env(NULL), LOG_ERR);
}

static void test_set_root(void **state)
{
	struct vfh_ctx *ctx = vfh_ctx_new();

	(void)state;
	assert_int_equal(vfh_ctx_set_root(ctx, VFH_ROOT_SYS, "relative/sys"), -EINVAL);
	assert_int_equal(vfh_ctx_set_root(ctx, VFH_ROOT_SYS, ""), -EINVAL);
	assert_int_equal(vfh_ctx_set_root(ctx, VFH_ROOT_SYS, NULL), -EINVAL);
	assert_int_equal(vfh_ctx_set_root(ctx, VFH_ROOT__COUNT, "/x"), -EINVAL);
	assert_true(vfh_ctx_is_live(ctx));
	assert_int_equal(vfh_ctx_set_root(ctx, VFH_ROOT_SYS, "/captured/sys///"), 0);
	assert_string_equal(vfh_ctx_get_root(ctx, VFH_ROOT_SYS), "/captured/sys");
	assert_false(vfh_ctx_is_live(ctx));
	assert_string_equal(vfh_ctx_get_root(ctx, VFH_ROOT_PROC), "/proc");
	assert_int_equal(vfh_ctx_set_root(ctx, VFH_ROOT_SYS, "/sys/"), 0);
	assert_true(vfh_ctx_is_live(ctx));
	assert_int_equal(vfh_ctx_set_root(ctx, VFH_ROOT_ETC, "/"), 0);
	assert_string_equal(vfh_ctx_get_root(ctx, VFH_ROOT_ETC), "/");
	vfh_ctx_unref(ctx);
}

static void test_set_prefix(void **state)
{
	static const char *const want[VFH_ROOT__COUNT] = {
		"/p/x/sys", "/p/x/proc", "/p/x/dev", "/p/x/run", "/p/x/sys/fs/cgroup", "/p/x/etc",
	};
	struct vfh_ctx *ctx = vfh_ctx_new();

	(void)state;
	assert_int_equal(vfh_ctx_set_prefix(ctx, "/p/x/"), 0);
	for (int i = 0; i < VFH_ROOT__COUNT; i++)
		assert_string_equal(vfh_ctx_get_root(ctx, (enum vfh_root)i), want[i]);
	assert_false(vfh_ctx_is_live(ctx));
	assert_int_equal(vfh_ctx_set_prefix(ctx, "/p/x"), 0);
	assert_string_equal(vfh_ctx_get_root(ctx, VFH_ROOT_CGROUP), "/p/x/sys/fs/cgroup");
	assert_int_equal(vfh_ctx_set_prefix(ctx, "relative"), -EINVAL);
	assert_int_equal(vfh_ctx_set_prefix(ctx, NULL), -EINVAL);
	assert_string_equal(vfh_ctx_get_root(ctx, VFH_ROOT_SYS), "/p/x/sys");
	/* "/" is the live system again */
	assert_int_equal(vfh_ctx_set_prefix(ctx, "/"), 0);
	assert_true(vfh_ctx_is_live(ctx));
	assert_int_equal(vfh_ctx_set_prefix(ctx, "//"), 0);
	assert_true(vfh_ctx_is_live(ctx));
	vfh_ctx_unref(ctx);
}

/* A prefix too long for the longest root must not leave the context
 * pointing half at the new tree and half at the old one. */
static void test_set_prefix_too_long_changes_nothing(void **state)
{
	struct vfh_ctx *ctx = vfh_ctx_new();
	char prefix[VFH_PATH_MAX];

	(void)state;
	/* "/sys" fits after it, "/sys/fs/cgroup" does not */
	memset(prefix, 'a', sizeof(prefix));
	prefix[0] = '/';
	prefix[VFH_PATH_MAX - 8] = '\0';
	assert_int_equal(vfh_ctx_set_prefix(ctx, prefix), -ENAMETOOLONG);
	for (int i = 0; i < VFH_ROOT__COUNT; i++) {
		char root[64];

		snprintf(root, sizeof(root), "%s", vfh_ctx_get_root(ctx, (enum vfh_root)i));
		if (strcmp(root, live_roots[i]) != 0) {
			vfh_ctx_unref(ctx);
			fail_msg("after -ENAMETOOLONG root %d is '%.20s...', not %s (the prefix "
				 "was half applied)", i, root, live_roots[i]);
		}
	}
	assert_true(vfh_ctx_is_live(ctx));
	vfh_ctx_unref(ctx);
}

static void test_path_building(void **state)
{
	struct vfh_ctx *ctx = vfh_ctx_new();
	char buf[VFH_PATH_MAX];

	(void)state;
	assert_int_equal(vfh_ctx_set_prefix(ctx, "/fx"), 0);
	assert_int_equal(vfh_ctx_path(ctx, VFH_ROOT_SYS, buf, sizeof(buf), "bus/pci/devices/%s",
				      "0000:01:00.0"), 0);
	assert_string_equal(buf, "/fx/sys/bus/pci/devices/0000:01:00.0");
	/* leading slashes of the relative part do not escape the root */
	assert_int_equal(vfh_ctx_path(ctx, VFH_ROOT_PROC, buf, sizeof(buf), "//self/mountinfo"), 0);
	assert_string_equal(buf, "/fx/proc/self/mountinfo");
	assert_int_equal(vfh_ctx_path(ctx, VFH_ROOT_CGROUP, buf, sizeof(buf), "%s", ""), 0);
	assert_string_equal(buf, "/fx/sys/fs/cgroup/");
	/* names that merely contain dots are fine */
	assert_int_equal(vfh_ctx_path(ctx, VFH_ROOT_ETC, buf, sizeof(buf), "a..b/..c/d.."), 0);
	assert_string_equal(buf, "/fx/etc/a..b/..c/d..");
	/* the live root "/" makes no double slash */
	assert_int_equal(vfh_ctx_set_root(ctx, VFH_ROOT_ETC, "/"), 0);
	assert_int_equal(vfh_ctx_path(ctx, VFH_ROOT_ETC, buf, sizeof(buf), "libvirt"), 0);
	assert_string_equal(buf, "/libvirt");
	vfh_ctx_unref(ctx);
}

static void test_path_refuses_climbing_out(void **state)
{
	static const char *const bad[] = {
		"..", "../etc/passwd", "bus/../../etc", "bus/..", "/..", "//../x", "a/../b",
	};
	struct vfh_ctx *ctx = vfh_ctx_new();
	char buf[VFH_PATH_MAX];

	(void)state;
	assert_int_equal(vfh_ctx_set_prefix(ctx, "/fx"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = vfh_ctx_path(ctx, VFH_ROOT_SYS, buf, sizeof(buf), "%s", bad[i]);

		if (r != -EINVAL)
			fail_msg("'%s' gave %d (%s)", bad[i], r, r == 0 ? buf : "");
	}
	assert_int_equal(vfh_ctx_path(ctx, VFH_ROOT__COUNT, buf, sizeof(buf), "x"), -EINVAL);
	vfh_ctx_unref(ctx);
}

static void test_path_too_long(void **state)
{
	struct vfh_ctx *ctx = vfh_ctx_new();
	char buf[VFH_PATH_MAX], small[16];
	char *big = malloc(VFH_PATH_MAX + 1);

	(void)state;
	memset(big, 'x', VFH_PATH_MAX);
	big[VFH_PATH_MAX] = '\0';
	assert_int_equal(vfh_ctx_path(ctx, VFH_ROOT_SYS, buf, sizeof(buf), "%s", big),
			 -ENAMETOOLONG);
	big[VFH_PATH_MAX - 3] = '\0';	/* fits alone, not after "/sys/" */
	assert_int_equal(vfh_ctx_path(ctx, VFH_ROOT_SYS, buf, sizeof(buf), "%s", big),
			 -ENAMETOOLONG);
	assert_int_equal(vfh_ctx_path(ctx, VFH_ROOT_SYS, small, sizeof(small), "power/state"),
			 -ENAMETOOLONG);
	assert_int_equal(vfh_ctx_path(ctx, VFH_ROOT_SYS, small, sizeof(small), "power"), 0);
	assert_string_equal(small, "/sys/power");
	free(big);
	vfh_ctx_unref(ctx);
}

static void test_wait_bound(void **state)
{
	struct vfh_ctx *ctx = vfh_ctx_new();

	(void)state;
	assert_int_equal(vfh_ctx_set_wait_ms(ctx, 0), -EINVAL);
	assert_int_equal(vfh_ctx_get_wait_ms(ctx), 10000);
	assert_int_equal(vfh_ctx_set_wait_ms(ctx, 50), 0);
	assert_int_equal(vfh_ctx_get_wait_ms(ctx), 50);
	vfh_ctx_unref(ctx);
}

struct seen {
	int n;
	int prio;
	char fn[64];
	char msg[512];
};

static void record(void *data, int prio, const char *file, int line, const char *fn,
		   const char *format, va_list args)
{
	struct seen *s = data;

	(void)file;
	(void)line;
	s->n++;
	s->prio = prio;
	snprintf(s->fn, sizeof(s->fn), "%s", fn);
	vsnprintf(s->msg, sizeof(s->msg), format, args);
}

static void test_errmsg_and_logging(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr missing = t_addr("0000:09:00.0");
	struct vfh_pci_info info;
	struct seen s = { 0 };

	vfh_ctx_set_log_fn(t->ctx, record, &s);
	vfh_ctx_set_log_priority(t->ctx, LOG_ERR);
	assert_int_equal(vfh_ctx_get_log_priority(t->ctx), LOG_ERR);
	assert_int_equal(vfh_pci_info_read(t->ctx, &missing, &info), -ENODEV);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "no PCI device 0000:09:00.0");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.prio, LOG_ERR);
	assert_string_equal(s.fn, "info_read");
	assert_string_equal(s.msg, "no PCI device 0000:09:00.0");
	vfh_ctx_clear_error(t->ctx);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "");
	/* below the threshold: not passed on */
	vfh_ctx_set_log_priority(t->ctx, LOG_CRIT);
	assert_int_equal(vfh_pci_info_read(t->ctx, &missing, &info), -ENODEV);
	assert_int_equal(s.n, 1);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "no PCI device 0000:09:00.0");
	/* and silent without a log function */
	vfh_ctx_set_log_fn(t->ctx, NULL, NULL);
	vfh_ctx_set_log_priority(t->ctx, LOG_DEBUG);
	assert_int_equal(vfh_pci_info_read(t->ctx, &missing, &info), -ENODEV);
	assert_int_equal(s.n, 1);
}

/* ---- the path layer's readers and writers, on the fixture */

static void test_read_str(void **state)
{
	struct t *t = *state;
	char buf[64], tiny[8];

	assert_int_equal(vfh_read_str(t->ctx, VFH_ROOT_SYS, buf, sizeof(buf), "power/mem_sleep"), 0);
	assert_string_equal(buf, "s2idle [deep]");
	fx_write(t->fx, "sys/power/state", "mem \t\n\n");
	assert_int_equal(vfh_read_str(t->ctx, VFH_ROOT_SYS, buf, sizeof(buf), "power/state"), 0);
	assert_string_equal(buf, "mem");
	/* 7 characters fit in 8 bytes, 8 do not: an error, not a cut name */
	fx_write(t->fx, "run/seven", "1234567");
	assert_int_equal(vfh_read_str(t->ctx, VFH_ROOT_RUN, tiny, sizeof(tiny), "seven"), 0);
	assert_string_equal(tiny, "1234567");
	fx_write(t->fx, "run/eight", "12345678");
	assert_int_equal(vfh_read_str(t->ctx, VFH_ROOT_RUN, tiny, sizeof(tiny), "eight"),
			 -EOVERFLOW);
	assert_int_equal(vfh_read_str(t->ctx, VFH_ROOT_RUN, tiny, 0, "seven"), -EINVAL);
	assert_int_equal(vfh_read_str(t->ctx, VFH_ROOT_RUN, buf, sizeof(buf), "absent"), -ENOENT);
	assert_int_equal(vfh_read_str(t->ctx, VFH_ROOT_SYS, buf, sizeof(buf), "power"), -EISDIR);
	assert_int_equal(vfh_read_str(t->ctx, VFH_ROOT_SYS, buf, sizeof(buf), "../etc"), -EINVAL);
}

static void test_read_numbers(void **state)
{
	struct t *t = *state;
	uint64_t v;
	int i;

	assert_int_equal(vfh_read_u64(t->ctx, VFH_ROOT_SYS, &v, "bus/pci/devices/0000:01:00.0/vendor"), 0);
	assert_int_equal(v, 0x1234);
	fx_write(t->fx, "run/n", "18446744073709551615\n");
	assert_int_equal(vfh_read_u64(t->ctx, VFH_ROOT_RUN, &v, "n"), 0);
	assert_true(v == UINT64_MAX);
	fx_write(t->fx, "run/n", "18446744073709551616\n");
	assert_int_equal(vfh_read_u64(t->ctx, VFH_ROOT_RUN, &v, "n"), -ERANGE);
	fx_write(t->fx, "run/n", "-1\n");
	assert_int_equal(vfh_read_u64(t->ctx, VFH_ROOT_RUN, &v, "n"), -EINVAL);
	fx_write(t->fx, "run/n", "12 apples\n");
	assert_int_equal(vfh_read_u64(t->ctx, VFH_ROOT_RUN, &v, "n"), -EINVAL);
	fx_write(t->fx, "run/n", "");
	assert_int_equal(vfh_read_u64(t->ctx, VFH_ROOT_RUN, &v, "n"), -EINVAL);
	assert_int_equal(vfh_read_u64(t->ctx, VFH_ROOT_RUN, &v, "absent"), -ENOENT);

	fx_write(t->fx, "run/i", "-2147483648\n");
	assert_int_equal(vfh_read_int(t->ctx, VFH_ROOT_RUN, &i, "i"), 0);
	assert_int_equal(i, INT32_MIN);
	fx_write(t->fx, "run/i", "2147483648\n");
	assert_int_equal(vfh_read_int(t->ctx, VFH_ROOT_RUN, &i, "i"), -EINVAL);
	fx_write(t->fx, "run/i", "0x10\n");
	assert_int_equal(vfh_read_int(t->ctx, VFH_ROOT_RUN, &i, "i"), -EINVAL);
	fx_write(t->fx, "run/i", "\n");
	assert_int_equal(vfh_read_int(t->ctx, VFH_ROOT_RUN, &i, "i"), -EINVAL);
	assert_int_equal(vfh_read_int(t->ctx, VFH_ROOT_RUN, &i, "absent"), -ENOENT);
}

static void test_write_str(void **state)
{
	struct t *t = *state;

	/* a missing attribute is not created: the kernel does not offer it */
	assert_int_equal(vfh_write_str(t->ctx, VFH_ROOT_SYS, "1", "power/absent"), -ENOENT);
	assert_false(fx_exists(t->fx, "sys/power/absent"));
	assert_no_writes(t->fx);
	/* the kernel's answer is the result, and the write is logged */
	assert_int_equal(vfh_write_str(t->ctx, VFH_ROOT_SYS, "shallow", "power/mem_sleep"), -EINVAL);
	assert_int_equal(vfh_write_str(t->ctx, VFH_ROOT_SYS, "s2idle", "power/mem_sleep"), 0);
	assert_string_equal(fx_read(t->fx, "sys/power/mem_sleep"), "[s2idle] deep\n");
	assert_int_equal(vfh_write_str(t->ctx, VFH_ROOT_SYS, "1", "../x"), -EINVAL);
	assert_writes(t->fx, { "sys/power/mem_sleep", "shallow" }, { "sys/power/mem_sleep", "s2idle" });
}

static void test_read_link_name(void **state)
{
	struct t *t = *state;
	char buf[64], tiny[4];

	assert_int_equal(vfh_read_link_name(t->ctx, VFH_ROOT_SYS, buf, sizeof(buf),
					    "bus/pci/devices/0000:01:00.0/driver"), 0);
	assert_string_equal(buf, "bochs-drm");
	assert_int_equal(vfh_read_link_name(t->ctx, VFH_ROOT_SYS, buf, sizeof(buf),
					    "bus/pci/devices/0000:00:00.0/driver"), -ENOENT);
	assert_int_equal(vfh_read_link_name(t->ctx, VFH_ROOT_SYS, buf, sizeof(buf),
					    "power/state"), -EINVAL);
	assert_int_equal(vfh_read_link_name(t->ctx, VFH_ROOT_SYS, tiny, sizeof(tiny),
					    "bus/pci/devices/0000:01:00.0/driver"), -EOVERFLOW);
	assert_int_equal(vfh_read_link_name(t->ctx, VFH_ROOT_SYS, tiny, sizeof(tiny),
					    "bus/pci/devices/0000:01:00.0/iommu_group"), 0);
	assert_string_equal(tiny, "9");
}

static void test_exists_and_opendir(void **state)
{
	struct t *t = *state;
	DIR *d;

	assert_int_equal(vfh_exists(t->ctx, VFH_ROOT_SYS, "bus/pci/devices/%s", "0000:01:00.1"), 1);
	assert_int_equal(vfh_exists(t->ctx, VFH_ROOT_SYS, "bus/pci/devices/%s", "0000:01:00.2"), 0);
	/* through a file: ENOTDIR is "no" too */
	assert_int_equal(vfh_exists(t->ctx, VFH_ROOT_SYS, "power/state/x"), 0);
	assert_int_equal(vfh_exists(t->ctx, VFH_ROOT_SYS, "a/../b"), -EINVAL);
	d = vfh_opendir(t->ctx, VFH_ROOT_SYS, "kernel/iommu_groups/%d/devices", 9);
	assert_non_null(d);
	closedir(d);
	errno = 0;
	assert_null(vfh_opendir(t->ctx, VFH_ROOT_SYS, "kernel/iommu_groups/%d", 99));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(vfh_opendir(t->ctx, VFH_ROOT_SYS, ".."));
	assert_int_equal(errno, EINVAL);
}

static void test_strip(void **state)
{
	char a[] = "deep \t\n\n", b[] = "", c[] = "\n", d[] = " x y ";

	(void)state;
	vfh_strip(a);
	vfh_strip(b);
	vfh_strip(c);
	vfh_strip(d);
	assert_string_equal(a, "deep");
	assert_string_equal(b, "");
	assert_string_equal(c, "");
	assert_string_equal(d, " x y");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_context_is_the_live_system),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_log_priority_from_environment),
		cmocka_unit_test(test_set_root),
		cmocka_unit_test(test_set_prefix),
		cmocka_unit_test(test_set_prefix_too_long_changes_nothing),
		cmocka_unit_test(test_path_building),
		cmocka_unit_test(test_path_refuses_climbing_out),
		cmocka_unit_test(test_path_too_long),
		cmocka_unit_test(test_wait_bound),
		T(test_errmsg_and_logging),
		T(test_read_str),
		T(test_read_numbers),
		T(test_write_str),
		T(test_read_link_name),
		T(test_exists_and_opendir),
		cmocka_unit_test(test_strip),
	};

	t_init();
	return cmocka_run_group_tests_name("ctx-path", tests, NULL, NULL);
}
