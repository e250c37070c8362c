// SPDX-License-Identifier: LGPL-2.1-or-later
/* Structs sized by the caller (the rule at the top of vfiohook.h): a
 * program built against an older header passes a smaller struct, one
 * built against a newer header a larger one.  Output: the library fills
 * what both know and zeroes the rest.  Input: the kernel's
 * copy_struct_from_user(): fields the caller does not know keep the
 * library's defaults, bytes the library does not know must be zero. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void vfh_struct_out(void *dst, size_t dsize, const void *src, size_t ssize)
{
	size_t n = dsize < ssize ? dsize : ssize;

	memcpy(dst, src, n);
	/* cppcheck 2.10 takes n for dsize whatever ssize is */
	// cppcheck-suppress knownConditionTrueFalse
	if (dsize > n)
		memset((char *)dst + n, 0, dsize - n);
}

int vfh_struct_in(void *dst, size_t dsize, const void *src, size_t usize)
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

int vfh_array_out(void **out, void *v, size_t n, size_t elem, size_t stride)
{
	char *o;

	*out = NULL;
	if (stride == elem || n == 0) {
		if (n == 0)
			free(v);
		else
			*out = v;
		return 0;
	}
	o = calloc(n, stride);
	if (!o) {
		free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		vfh_struct_out(o + i * stride, stride, (char *)v + i * elem, elem);
	free(v);
	*out = o;
	return 0;
}
