// SPDX-License-Identifier: LGPL-2.1-or-later
/* Firmware framebuffers on the platform bus (framebuffer.c). */
#include <stdlib.h>

#include "testlib.h"

#define EFIFB "efi-framebuffer.0"
#define SIMPLEFB "simple-framebuffer.0"
#define PDRV(name, attr) "sys/bus/platform/drivers/" name "/" attr

static const char *platform_driver(struct fx *fx, const char *dev)
{
	const char *link = fx_readlink(fx, "sys/bus/platform/devices/%s/driver", dev);
	const char *slash;

	if (!link)
		return "";
	slash = strrchr(link, '/');
	/* the driver's side must agree */
	assert_true(fx_exists(fx, "sys/bus/platform/drivers/%s/%s", slash + 1, dev));
	return slash + 1;
}

static void test_list_bound_framebuffers(void **state)
{
	struct t *t = *state;
	struct vfh_platform_dev *d = (void *)1;
	size_t n = 0;

	assert_int_equal(vfh_fb_platform_list(t->ctx, &d, &n), 0);
	/* simple-framebuffer.0 is unbound, serial8250 is no framebuffer */
	assert_int_equal(n, 1);
	assert_string_equal(d[0].device, EFIFB);
	assert_string_equal(d[0].driver, "efi-framebuffer");
	free(d);
}

static void test_list_none(void **state)
{
	struct t *t = *state;
	struct vfh_platform_dev *d = (void *)1;
	size_t n = 3;

	assert_int_equal(vfh_fb_platform_list(t->ctx, &d, &n), 0);
	assert_int_equal(n, 0);
	free(d);
	fx_delete(t->fx, "sys/bus/platform");
	assert_int_equal(vfh_fb_platform_list(t->ctx, &d, &n), 0);
	assert_null(d);
	assert_int_equal(n, 0);
}

static void test_list_names(void **state)
{
	struct t *t = *state;
	struct vfh_platform_dev *d;
	size_t n;
	bool vesa = false, efi = false;

	assert_int_equal(vfh_fb_platform_list(t->ctx, &d, &n), 0);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		vesa |= strcmp(d[i].device, "vesa-framebuffer.0") == 0 &&
			strcmp(d[i].driver, "vesa-framebuffer") == 0;
		efi |= strcmp(d[i].device, EFIFB) == 0;
	}
	assert_true(vesa);
	assert_true(efi);
	free(d);
}

static int setup_more(void **state)
{
	/* "efi-framebufferX.0" and "vesa-framebuffer" are not the names */
	return t_setup(state, "efifb",
		       "platform vesa-framebuffer.0 driver=vesa-framebuffer\n"
		       "platform efi-framebufferX.0 driver=efi-framebufferX\n"
		       "platform vesa-framebuffer driver=vesa-framebuffer\n");
}

static void test_unbind_and_bind(void **state)
{
	struct t *t = *state;
	struct vfh_platform_dev *d;
	size_t n;

	assert_int_equal(vfh_platform_unbind(t->ctx, "efi-framebuffer", EFIFB), 0);
	assert_writes(t->fx, { PDRV("efi-framebuffer", "unbind"), EFIFB });
	assert_string_equal(platform_driver(t->fx, EFIFB), "");
	assert_int_equal(vfh_fb_platform_list(t->ctx, &d, &n), 0);
	assert_int_equal(n, 0);
	free(d);
	/* already off: nothing written */
	fk_log_clear(t->fx);
	assert_int_equal(vfh_platform_unbind(t->ctx, "efi-framebuffer", EFIFB), 0);
	assert_no_writes(t->fx);
	assert_int_equal(vfh_platform_bind(t->ctx, "efi-framebuffer", EFIFB), 0);
	assert_writes(t->fx, { PDRV("efi-framebuffer", "bind"), EFIFB });
	assert_string_equal(platform_driver(t->fx, EFIFB), "efi-framebuffer");
	fk_log_clear(t->fx);
	assert_int_equal(vfh_platform_bind(t->ctx, "efi-framebuffer", EFIFB), 0);
	assert_no_writes(t->fx);
}

static void test_bind_unbound_one(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_platform_bind(t->ctx, "simple-framebuffer", SIMPLEFB), 0);
	assert_string_equal(platform_driver(t->fx, SIMPLEFB), "simple-framebuffer");
}

static void test_kernel_refuses(void **state)
{
	struct t *t = *state;

	/* the wrong driver for the device: the driver core says ENODEV */
	assert_int_equal(vfh_platform_bind(t->ctx, "efi-framebuffer", SIMPLEFB), -ENODEV);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "binding simple-framebuffer.0 to "
			    "efi-framebuffer failed: No such device");
	assert_int_equal(vfh_platform_unbind(t->ctx, "simple-framebuffer", EFIFB), -ENODEV);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "unbinding efi-framebuffer.0 from "
			    "simple-framebuffer failed: No such device");
	/* no such driver at all */
	assert_int_equal(vfh_platform_unbind(t->ctx, "vesa-framebuffer", EFIFB), -ENOENT);
	assert_string_equal(platform_driver(t->fx, EFIFB), "efi-framebuffer");
}

static void test_unbind_without_effect(void **state)
{
	struct t *t = *state;

	fk_ignore_write(t->fx, PDRV("efi-framebuffer", "unbind"), 1);
	assert_int_equal(vfh_platform_unbind(t->ctx, "efi-framebuffer", EFIFB), -ETIMEDOUT);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "efi-framebuffer.0 did not leave "
			    "efi-framebuffer within 50 ms (the wait bound)");
	fk_refuse_probe(t->fx, "simple-framebuffer", -EIO);
	assert_int_equal(vfh_platform_bind(t->ctx, "simple-framebuffer", SIMPLEFB), -EIO);
	assert_string_equal(platform_driver(t->fx, SIMPLEFB), "");
}

static void test_bad_names(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_platform_unbind(t->ctx, "efi-framebuffer", "../x"), -EINVAL);
	assert_int_equal(vfh_platform_unbind(t->ctx, "../../pci/drivers/e1000e", EFIFB), -EINVAL);
	assert_int_equal(vfh_platform_bind(t->ctx, "", EFIFB), -EINVAL);
	assert_int_equal(vfh_platform_bind(t->ctx, "efi-framebuffer", ""), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "invalid platform device");
	assert_no_writes(t->fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_ON(test_list_bound_framebuffers, t_efifb),
		T(test_list_none),
		T_ON(test_list_names, setup_more),
		T_ON(test_unbind_and_bind, t_efifb),
		T_ON(test_bind_unbound_one, t_efifb),
		T_ON(test_kernel_refuses, t_efifb),
		T_ON(test_unbind_without_effect, t_efifb),
		T_ON(test_bad_names, t_efifb),
	};

	t_init();
	return cmocka_run_group_tests_name("platform", tests, NULL, NULL);
}
