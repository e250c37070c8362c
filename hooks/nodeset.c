// SPDX-License-Identifier: LGPL-2.1-or-later
/* libvirt's CPU and node lists ("0-3,^2,8"): the kernel's list syntax plus
 * '^' exclusions, as the domain XML writes cpuset= and nodeset=. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static int number(const char **s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (**s < '0' || **s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(*s, &end, 10);
	if (errno || v >= ENG_SET_MAX)
		return -ERANGE;
	*s = end;
	*out = (unsigned int)v;
	return 0;
}

/* Left to right, as libvirt's virBitmapParse: "0-3,^2" is {0,1,3}, while
 * "^2,0-3" is {0,1,2,3} (nothing to exclude yet). */
int eng_set_parse(const char *s, struct eng_set *set)
{
	const char *p = s;

	memset(set, 0, sizeof(*set));
	if (!s || !*s)
		return -EINVAL;
	while (*p) {
		bool neg = *p == '^';
		unsigned int lo, hi;
		int r;

		if (neg)
			p++;
		if ((r = number(&p, &lo)) < 0)
			return r;
		hi = lo;
		if (*p == '-') {
			p++;
			if ((r = number(&p, &hi)) < 0)
				return r;
			if (hi < lo || neg)
				return -EINVAL;	/* libvirt takes no "^2-3" */
		}
		if (*p && *p != ',')
			return -EINVAL;
		if (*p == ',' && !*++p)
			return -EINVAL;	/* a trailing comma */
		for (unsigned int i = lo; i <= hi; i++) {
			if (neg)
				set->bits[i / 64] &= ~(1ULL << (i % 64));
			else
				set->bits[i / 64] |= 1ULL << (i % 64);
		}
	}
	return eng_set_count(set) ? 0 : -EINVAL;
}

bool eng_set_has(const struct eng_set *set, unsigned int i)
{
	return i < ENG_SET_MAX && (set->bits[i / 64] >> (i % 64)) & 1;
}

unsigned int eng_set_count(const struct eng_set *set)
{
	unsigned int n = 0;

	for (size_t i = 0; i < ENG_SET_MAX / 64; i++)
		n += (unsigned int)__builtin_popcountll(set->bits[i]);
	return n;
}

int eng_set_next(const struct eng_set *set, int after)
{
	for (unsigned int i = (unsigned int)(after + 1); i < ENG_SET_MAX; i++)
		if (eng_set_has(set, i))
			return (int)i;
	return -1;
}
