/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to hugepages.c, shmfile.c and holders.c: the error-line and
 * caller-sized-struct rules (vfiohook.h) as static helpers.  Branch `lib`
 * brings the same as vfh_enter(), vfh_struct_out(), vfh_struct_in() and
 * vfh_array_out(); once both are merged these become calls to those and
 * this file goes. */
#ifndef VFH_MEMSIZED_H
#define VFH_MEMSIZED_H

#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* First thing in every public call: the error line is about this call
 * (inside a clean-up the first error stays). */
static inline void mem_enter(struct vfh_ctx *ctx)
{
	if (!ctx->errmsg_held)
		vfh_ctx_clear_error(ctx);
}

/* The library's src into the caller's dst of dsize bytes: what both know
 * copied, the rest of dst zeroed. */
static inline void mem_struct_out(void *dst, size_t dsize, const void *src, size_t ssize)
{
	size_t n = dsize < ssize ? dsize : ssize;

	memcpy(dst, src, n);
	if (dsize > n)
		memset((char *)dst + n, 0, dsize - n);
}

/* The caller's src (usize bytes) into dst, which holds the defaults:
 * -E2BIG when src has non-zero bytes this library does not know. */
static inline int mem_struct_in(void *dst, size_t dsize, const void *src, size_t usize)
{
	if (usize > dsize) {
		const unsigned char *rest = (const unsigned char *)src + dsize;

		for (size_t i = 0; i < usize - dsize; i++)
			if (rest[i])
				return -E2BIG;
	}
	memcpy(dst, src, usize < dsize ? usize : dsize);
	return 0;
}

/* The library's array v (n elements of elem bytes, malloc'ed) at the
 * caller's stride: v itself when the sizes agree, else a copy; v is
 * consumed either way.  n == 0 gives NULL.  -ENOMEM. */
static inline int mem_array_out(void **out, void *v, size_t n, size_t elem, size_t stride)
{
	char *o;

	*out = NULL;
	if (n == 0) {
		free(v);
		return 0;
	}
	if (stride == elem) {
		*out = v;
		return 0;
	}
	o = calloc(n, stride);
	if (!o) {
		free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		mem_struct_out(o + i * stride, stride, (char *)v + i * elem, elem);
	free(v);
	*out = o;
	return 0;
}

#endif
