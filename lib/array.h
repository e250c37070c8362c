/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Growable arrays, written once.  Internal to vfiohook (lib/ and the
 * engine in hooks/, which links the static archive): never installed. */
#ifndef VFH_ARRAY_H
#define VFH_ARRAY_H

#include <stddef.h>

/* Makes room for `need` elements of `elem` bytes in *v (capacity *cap, in
 * elements), growing geometrically from 8.  *v and *cap are left alone on
 * failure: -ENOMEM, or -EOVERFLOW when need * elem does not fit a size_t. */
int vfh_array_grow(void **v, size_t *cap, size_t need, size_t elem);

/* Appends one element: grows *v when *n == *cap, copies elem bytes from
 * val to (*v)[*n], increments *n.  vfh_array_grow()'s errors. */
int vfh_array_push(void **v, size_t *n, size_t *cap, const void *val, size_t elem);

#endif
