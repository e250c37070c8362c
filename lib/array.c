// SPDX-License-Identifier: LGPL-2.1-or-later
/* Growable arrays: the one realloc-grow in the library. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

int vfh_array_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 8;
	void *nv;

	if (elem == 0)
		return -EINVAL;
	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -EOVERFLOW;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elem)
		return -EOVERFLOW;
	nv = realloc(*v, ncap * elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

int vfh_array_push(void **v, size_t *n, size_t *cap, const void *val, size_t elem)
{
	int r;

	if (*n == SIZE_MAX)
		return -EOVERFLOW;
	r = vfh_array_grow(v, cap, *n + 1, elem);
	if (r < 0)
		return r;
	memcpy((char *)*v + *n * elem, val, elem);
	(*n)++;
	return 0;
}
