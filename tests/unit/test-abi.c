// SPDX-License-Identifier: LGPL-2.1-or-later
/* Structs that grow without an ABI break (abi.c, the rule at the top of
 * vfiohook.h).  An older program is simulated by a truncated copy of a
 * struct, followed by a canary the library must not touch; a newer one by
 * a struct with a field the library does not know. */
#include <stdlib.h>

#include "testlib.h"

#define NIC "0000:00:01.0"
#define GPU "0000:01:00.0"
#define HDA "0000:01:00.1"

#define CANARY 0xa5
struct canary {
	unsigned char b[64];
};

static void canary_set(struct canary *c)
{
	memset(c, CANARY, sizeof(*c));
}

static void canary_check(const struct canary *c)
{
	for (size_t i = 0; i < sizeof(c->b); i++)
		if (c->b[i] != CANARY)
			fail_msg("the library wrote byte %zu past the caller's struct", i);
}

/* ---- output structs */

/* vfh_pci_info as a program built before driver_override existed */
struct old_info {
	struct vfh_pci_addr addr;
	uint16_t vendor, device;
	uint16_t subsystem_vendor, subsystem_device;
	uint32_t class;
	char driver[VFH_NAME_MAX];
};

static void test_info_smaller_struct(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	struct {
		struct old_info i;
		struct canary c;
	} w;

	memset(&w.i, 0x5a, sizeof(w.i));
	canary_set(&w.c);
	assert_int_equal(vfh_pci_info_read_sz(t->ctx, &a, (struct vfh_pci_info *)&w.i,
					      sizeof(w.i)), 0);
	canary_check(&w.c);
	assert_true(vfh_pci_addr_eq(&w.i.addr, &a));
	assert_int_equal(w.i.vendor, 0x8086);
	assert_int_equal(w.i.device, 0x10d3);
	assert_int_equal(w.i.class, 0x020000);
	assert_string_equal(w.i.driver, "e1000e");
}

static void test_info_larger_struct_zeroed(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(GPU);
	struct {
		struct vfh_pci_info i;
		uint64_t future[4];
	} w;

	memset(&w, 0xff, sizeof(w));
	assert_int_equal(vfh_pci_info_read_sz(t->ctx, &a, (struct vfh_pci_info *)&w,
					      sizeof(w)), 0);
	assert_string_equal(w.i.driver, "bochs-drm");
	assert_int_equal(w.i.boot_vga, 1);
	for (size_t i = 0; i < VFH_ARRAY_SIZE(w.future); i++)
		assert_int_equal(w.future[i], 0);
}

struct old_binding {
	char driver[VFH_NAME_MAX];
};

static void test_binding_and_bind_prior_smaller(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	struct {
		struct old_binding b;
		struct canary c;
	} w;

	canary_set(&w.c);
	assert_int_equal(vfh_pci_binding_read_sz(t->ctx, &a, (struct vfh_pci_binding *)&w.b,
						 sizeof(w.b)), 0);
	canary_check(&w.c);
	assert_string_equal(w.b.driver, "e1000e");

	memset(&w.b, 'x', sizeof(w.b));
	assert_int_equal(vfh_pci_bind_sz(t->ctx, &a, "vfio-pci", (struct vfh_pci_binding *)&w.b,
					 sizeof(w.b)), 0);
	canary_check(&w.c);
	assert_string_equal(w.b.driver, "e1000e");
	assert_driver(t->fx, NIC, "vfio-pci");

	/* and back from the old struct: the override it does not carry
	 * defaults to "" (cleared) */
	assert_int_equal(vfh_pci_restore_sz(t->ctx, &a, (struct vfh_pci_binding *)&w.b,
					    sizeof(w.b)), 0);
	assert_driver(t->fx, NIC, "e1000e");
	assert_string_equal(t_info(t, NIC).driver_override, "");
	assert_string_equal(fx_read(t->fx, DEV(NIC, "driver_override")), "(null)\n");
}

/* ---- input structs: unknown trailing bytes */

static void test_restore_larger_struct(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	struct {
		struct vfh_pci_binding b;
		uint32_t future;
	} w;

	memset(&w, 0, sizeof(w));
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", &w.b), 0);
	w.future = 1;
	assert_int_equal(vfh_pci_restore_sz(t->ctx, &a, &w.b, sizeof(w)), -E2BIG);
	assert_contains(vfh_ctx_errmsg(t->ctx), "does not know");
	assert_driver(t->fx, NIC, "vfio-pci");
	/* zero there: a newer program that did not use the new field */
	w.future = 0;
	assert_int_equal(vfh_pci_restore_sz(t->ctx, &a, &w.b, sizeof(w)), 0);
	assert_driver(t->fx, NIC, "e1000e");
}

/* vfh_suspend_opts before rtc existed: the missing field is "the first RTC
 * with a wake alarm" (-1), not a zero-filled rtc0. */
struct old_opts {
	unsigned int seconds;
	unsigned int attempts;
};

struct old_report {
	unsigned int attempts;
	bool suspended;
};

static int setup_rtc1_only(void **state)
{
	return t_setup(state, "guest", "drop rtc 0\nrtc 1\n");
}

static void test_suspend_opts_smaller_get_defaults(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(GPU);
	struct old_opts o = { .seconds = 3, .attempts = 1 };
	struct {
		struct old_report r;
		struct canary c;
	} w;

	canary_set(&w.c);
	assert_int_equal(vfh_pci_suspend_reset_sz(t->ctx, &a, (struct vfh_suspend_opts *)&o,
						  sizeof(o), (struct vfh_suspend_report *)&w.r,
						  sizeof(w.r)), 0);
	canary_check(&w.c);
	assert_int_equal(w.r.attempts, 1);
	assert_true(w.r.suspended);
	assert_int_equal(fk_suspends(t->fx), 1);
	assert_int_equal(fk_log_find(t->fx, 0, "sys/class/rtc/rtc1/wakealarm", "+3") >= 0, 1);
}

static void test_suspend_opts_unknown_bytes(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(GPU);
	struct {
		struct vfh_suspend_opts o;
		uint32_t future;
	} w = { { 2, 1, -1 }, 7 };
	struct vfh_suspend_report rep;

	assert_int_equal(vfh_pci_suspend_reset_sz(t->ctx, &a, &w.o, sizeof(w), &rep,
						  sizeof(rep)), -E2BIG);
	assert_contains(vfh_ctx_errmsg(t->ctx), "does not know");
	assert_int_equal(fk_suspends(t->fx), 0);
	assert_no_writes(t->fx);
	w.future = 0;
	assert_int_equal(vfh_pci_suspend_reset_sz(t->ctx, &a, &w.o, sizeof(w), &rep,
						  sizeof(rep)), 0);
	assert_int_equal(fk_suspends(t->fx), 1);
}

/* ---- arrays at the caller's stride */

struct old_vtcon {
	int index;
	char name[96];
};

static void test_vtcon_list_smaller_stride(void **state)
{
	struct t *t = *state;
	struct old_vtcon *v;
	size_t n;

	assert_int_equal(vfh_vtcon_list_sz(t->ctx, (struct vfh_vtcon **)&v, &n, sizeof(*v)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].index, 0);
	assert_string_equal(v[0].name, "(M) frame buffer device");
	assert_int_equal(v[1].index, 1);
	assert_string_equal(v[1].name, "(M) dummy device");
	free(v);
}

static void test_vtcon_list_larger_stride(void **state)
{
	struct t *t = *state;
	struct big {
		struct vfh_vtcon c;
		uint64_t future;
	} *v;
	size_t n;

	assert_int_equal(vfh_vtcon_list_sz(t->ctx, (struct vfh_vtcon **)&v, &n, sizeof(*v)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[1].c.index, 1);
	assert_true(v[0].c.bound);
	assert_true(v[0].c.is_framebuffer);
	assert_int_equal(v[0].future, 0);
	assert_int_equal(v[1].future, 0);
	free(v);
}

/* vfh_pci_removed with a binding that had no override yet */
struct old_removed {
	struct vfh_pci_addr addr;
	char driver[VFH_NAME_MAX];
};

static void test_remove_rescan_smaller_stride(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(GPU);
	struct old_removed *v;
	size_t n;

	assert_int_equal(vfh_pci_remove_sz(t->ctx, &a, VFH_REMOVE_SLOT,
					   (struct vfh_pci_removed **)&v, &n, sizeof(*v)), 0);
	assert_int_equal(n, 2);
	/* highest function first */
	assert_true(vfh_pci_addr_eq(&v[0].addr, &(struct vfh_pci_addr){ 0, 1, 0, 1 }));
	assert_string_equal(v[0].driver, "snd_hda_intel");
	assert_true(vfh_pci_addr_eq(&v[1].addr, &a));
	assert_string_equal(v[1].driver, "bochs-drm");
	assert_null(fx_driver(t->fx, GPU));
	assert_null(fx_driver(t->fx, HDA));

	assert_int_equal(vfh_pci_rescan_sz(t->ctx, (struct vfh_pci_removed *)v, n,
					   sizeof(*v)), 0);
	assert_driver(t->fx, GPU, "bochs-drm");
	assert_driver(t->fx, HDA, "snd_hda_intel");
	free(v);
}

static void test_rescan_unknown_bytes(void **state)
{
	struct t *t = *state;
	struct {
		struct vfh_pci_removed r;
		uint32_t future;
	} v[1] = { { { t_addr(GPU), { "bochs-drm", "" } }, 1 } };

	assert_int_equal(vfh_pci_rescan_sz(t->ctx, &v[0].r, 1, sizeof(v[0])), -E2BIG);
	assert_no_writes(t->fx);
}

struct old_platform_dev {
	char device[VFH_NAME_MAX];
};

static void test_fb_list_smaller_stride(void **state)
{
	struct t *t = *state;
	struct old_platform_dev *v;
	size_t n;

	assert_int_equal(vfh_fb_platform_list_sz(t->ctx, (struct vfh_platform_dev **)&v, &n,
						 sizeof(*v)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].device, "efi-framebuffer.0");
	free(v);
}

struct old_need {
	struct vfh_pci_addr addr;
};

static void test_host_needs_smaller_stride(void **state)
{
	struct t *t = *state;
	struct vfh_host_need *full;
	struct old_need *v;
	size_t n, nfull;

	assert_int_equal(vfh_host_needs(t->ctx, &full, &nfull), 0);
	assert_true(nfull >= 2);
	assert_int_equal(vfh_host_needs_sz(t->ctx, (struct vfh_host_need **)&v, &n,
					   sizeof(*v)), 0);
	assert_int_equal(n, nfull);
	for (size_t i = 0; i < n; i++)
		assert_true(vfh_pci_addr_eq(&v[i].addr, &full[i].addr));
	free(v);
	free(full);
}

static void test_names_reads_only_the_ids(void **state)
{
	struct t *t = *state;
	struct vfh_pci_info full = t_info(t, NIC);
	struct {
		struct vfh_pci_addr addr;
		uint16_t vendor, device;
	} ids = { full.addr, full.vendor, full.device };
	char v1[128], d1[128], v2[128], d2[128];

	assert_int_equal(vfh_pci_names(t->ctx, &full, v1, sizeof(v1), d1, sizeof(d1)), 0);
	assert_int_equal(vfh_pci_names_sz(t->ctx, (struct vfh_pci_info *)&ids, sizeof(ids), v2,
					  sizeof(v2), d2, sizeof(d2)), 0);
	assert_string_equal(v1, v2);
	assert_string_equal(d1, d2);
	assert_int_equal(vfh_pci_names_sz(t->ctx, (struct vfh_pci_info *)&ids, sizeof(ids) - 2,
					  v2, sizeof(v2), d2, sizeof(d2)), -EINVAL);
}

/* ---- the helpers themselves */

static void test_struct_helpers(void **state)
{
	unsigned char dst[8], src[4] = { 1, 2, 3, 4 };
	struct { int a, b; } def = { 5, -1 }, big[2] = { { 7, 8 }, { 0, 0 } };
	void *out;
	int *arr;

	(void)state;
	memset(dst, 0xff, sizeof(dst));
	vfh_struct_out(dst, sizeof(dst), src, sizeof(src));
	assert_memory_equal(dst, ((unsigned char[8]){ 1, 2, 3, 4, 0, 0, 0, 0 }), 8);
	memset(dst, 0xff, sizeof(dst));
	vfh_struct_out(dst, 2, src, sizeof(src));
	assert_memory_equal(dst, ((unsigned char[8]){ 1, 2, 255, 255, 255, 255, 255, 255 }), 8);

	/* input: the caller's 4 bytes over the defaults; the rest stays */
	assert_int_equal(vfh_struct_in(&def, sizeof(def), &big[0], sizeof(int)), 0);
	assert_int_equal(def.a, 7);
	assert_int_equal(def.b, -1);
	/* larger: zero tail fine, non-zero tail -E2BIG (def untouched) */
	assert_int_equal(vfh_struct_in(&def, sizeof(def), big, sizeof(big)), 0);
	assert_int_equal(def.b, 8);
	big[1].b = 1;
	def.a = 0;
	assert_int_equal(vfh_struct_in(&def, sizeof(def), big, sizeof(big)), -E2BIG);
	assert_int_equal(def.a, 0);

	/* an array handed out at a larger stride */
	arr = malloc(3 * sizeof(int));
	assert_non_null(arr);
	arr[0] = 10, arr[1] = 20, arr[2] = 30;
	assert_int_equal(vfh_array_out(&out, arr, 3, sizeof(int), 2 * sizeof(int)), 0);
	assert_memory_equal(out, ((int[6]){ 10, 0, 20, 0, 30, 0 }), 6 * sizeof(int));
	free(out);
	/* empty: NULL */
	arr = malloc(sizeof(int));
	assert_int_equal(vfh_array_out(&out, arr, 0, sizeof(int), 1), 0);
	assert_null(out);
}

static void test_array_grow(void **state)
{
	uint32_t *v = NULL, x;
	size_t n = 0, cap = 0;
	void *p;

	(void)state;
	for (x = 0; x < 1000; x++)
		assert_int_equal(vfh_array_push((void **)&v, &n, &cap, &x, sizeof(x)), 0);
	assert_int_equal(n, 1000);
	assert_true(cap >= 1000);
	for (x = 0; x < 1000; x++)
		assert_int_equal(v[x], x);
	/* growth that would overflow size_t is refused, the array untouched */
	p = v;
	assert_int_equal(vfh_array_grow((void **)&v, &cap, SIZE_MAX / 2, 16), -EOVERFLOW);
	assert_ptr_equal(v, p);
	assert_true(cap >= 1000 && cap < SIZE_MAX / 16);
	assert_int_equal(vfh_array_grow((void **)&v, &cap, SIZE_MAX, 1), -EOVERFLOW);
	/* room already there: nothing moves */
	assert_int_equal(vfh_array_grow((void **)&v, &cap, 10, sizeof(x)), 0);
	assert_ptr_equal(v, p);
	assert_int_equal(vfh_array_grow((void **)&v, &cap, 10, 0), -EINVAL);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_info_smaller_struct),
		T(test_info_larger_struct_zeroed),
		T(test_binding_and_bind_prior_smaller),
		T(test_restore_larger_struct),
		T_ON(test_suspend_opts_smaller_get_defaults, setup_rtc1_only),
		T(test_suspend_opts_unknown_bytes),
		T(test_vtcon_list_smaller_stride),
		T(test_vtcon_list_larger_stride),
		T(test_remove_rescan_smaller_stride),
		T(test_rescan_unknown_bytes),
		T_ON(test_fb_list_smaller_stride, t_efifb),
		T(test_host_needs_smaller_stride),
		T(test_names_reads_only_the_ids),
		cmocka_unit_test(test_struct_helpers),
		cmocka_unit_test(test_array_grow),
	};

	t_init();
	return cmocka_run_group_tests_name("abi", tests, NULL, NULL);
}
