// SPDX-License-Identifier: LGPL-2.1-or-later
/* The framebuffer console (vtconsole): on a single-GPU host it holds the
 * GPU until it is unbound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int vtcon_index(const char *name)
{
	char *end;
	long v;

	if (strncmp(name, "vtcon", 5) != 0 || !name[5])
		return -1;
	v = strtol(name + 5, &end, 10);
	return (*end || v < 0 || v > 63) ? -1 : (int)v;
}

static int by_index(const void *a, const void *b)
{
	return ((const struct vfh_vtcon *)a)->index - ((const struct vfh_vtcon *)b)->index;
}

VFH_EXPORT int vfh_vtcon_list_sz(struct vfh_ctx *ctx, struct vfh_vtcon **cons, size_t *n,
				 size_t stride)
{
	struct vfh_vtcon *v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	vfh_enter(ctx);
	if (!cons || !n || stride == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_vtcon_list: no array, no count or stride 0");
	*cons = NULL;
	*n = 0;
	d = vfh_opendir(ctx, VFH_ROOT_SYS, "class/vtconsole");
	if (!d)
		return errno == ENOENT ? 0 : vfh_fail(ctx, -errno, "cannot list vtconsoles: %s",
						      strerror(errno));
	while ((de = readdir(d))) {
		struct vfh_vtcon c = { 0 };
		int bound;

		c.index = vtcon_index(de->d_name);
		if (c.index < 0)
			continue;
		r = vfh_read_str(ctx, VFH_ROOT_SYS, c.name, sizeof(c.name),
				 "class/vtconsole/%s/name", de->d_name);
		if (r < 0)
			break;
		r = vfh_read_int(ctx, VFH_ROOT_SYS, &bound, "class/vtconsole/%s/bind", de->d_name);
		if (r < 0)
			break;
		c.bound = bound != 0;
		c.is_framebuffer = strstr(c.name, "frame buffer") != NULL;
		r = vfh_array_push((void **)&v, &cnt, &cap, &c, sizeof(c));
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0) {
		free(v);
		return vfh_fail(ctx, r, "cannot read vtconsoles: %s", strerror(-r));
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), by_index);	/* v is NULL without consoles */
	r = vfh_array_out((void **)cons, v, cnt, sizeof(*v), stride);
	if (r < 0)
		return vfh_fail(ctx, r, "out of memory");
	*n = cnt;
	return 0;
}

static int write_bind(struct vfh_ctx *ctx, int index, bool bound, int *now)
{
	int r = vfh_write_str_bounded(ctx, VFH_ROOT_SYS, bound ? "1" : "0",
				      "class/vtconsole/vtcon%d/bind", index);

	if (r == -ETIME)
		return r;	/* the line says what is stuck */
	if (r < 0)
		return vfh_fail(ctx, r, "%s vtcon%d failed: %s", bound ? "binding" : "unbinding",
				index, strerror(-r));
	/* the console layer declines without an error: believe the
	 * attribute, not the write */
	r = vfh_read_int(ctx, VFH_ROOT_SYS, now, "class/vtconsole/vtcon%d/bind", index);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read vtcon%d/bind: %s", index, strerror(-r));
	return 0;
}

/* Binding a console driver only takes the VTs the default console holds.
 * After fbcon was unbound, another modular driver (dummycon) holds them,
 * and writing 1 to fbcon's bind does nothing: unbinding that driver hands
 * the VTs back.  (Why "echo 1 > vtcon0/bind" leaves so many hosts without
 * a console.) */
static int release_other_consoles(struct vfh_ctx *ctx, int index)
{
	struct vfh_vtcon *cons;
	size_t n;
	int r = vfh_vtcon_list(ctx, &cons, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		int now;

		if (cons[i].index == index || !cons[i].bound || cons[i].is_framebuffer)
			continue;
		vfh_info(ctx, "vtcon%d (%s) holds the VTs: unbinding it", cons[i].index, cons[i].name);
		r = write_bind(ctx, cons[i].index, false, &now);
	}
	free(cons);
	return r;
}

VFH_EXPORT int vfh_vtcon_set_bound(struct vfh_ctx *ctx, int index, bool bound)
{
	int now, r;

	vfh_enter(ctx);
	if (index < 0 || index > 63)
		return vfh_fail(ctx, -EINVAL, "no vtconsole %d (0..63)", index);
	r = write_bind(ctx, index, bound, &now);
	if (r == 0 && bound && !now) {
		r = release_other_consoles(ctx, index);
		if (r == 0 &&
		    (r = vfh_read_int(ctx, VFH_ROOT_SYS, &now, "class/vtconsole/vtcon%d/bind",
				      index)) < 0)
			r = vfh_fail(ctx, r, "cannot read vtcon%d/bind: %s", index, strerror(-r));
	}
	if (r < 0)
		return r;
	if ((now != 0) != bound)
		return vfh_fail(ctx, -EIO, "vtcon%d is still %s after writing %d to its bind file",
				index, now ? "bound" : "unbound", bound);
	vfh_info(ctx, "vtcon%d %s", index, bound ? "bound" : "unbound");
	return 0;
}
