// SPDX-License-Identifier: LGPL-2.1-or-later
/* CPU sets and the kernel's two spellings of them: the list format of
 * cpulist_parse()/"%*pbl" ("0-3,8") and the hex mask of
 * bitmap_parse()/"%*pb" ("ff,0000000f"); and the CPU masks of
 * /sys/devices/system/cpu. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "cpus.h"

#define WORDS (VFH_CPUS_MAX / 64)

VFH_EXPORT void vfh_cpuset_zero(struct vfh_cpuset *s)
{
	memset(s, 0, sizeof(*s));
}

VFH_EXPORT int vfh_cpuset_set(struct vfh_cpuset *s, unsigned int cpu)
{
	if (cpu >= VFH_CPUS_MAX)
		return -EINVAL;
	s->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
	return 0;
}

VFH_EXPORT int vfh_cpuset_clear(struct vfh_cpuset *s, unsigned int cpu)
{
	if (cpu >= VFH_CPUS_MAX)
		return -EINVAL;
	s->bits[cpu / 64] &= ~(UINT64_C(1) << (cpu % 64));
	return 0;
}

VFH_EXPORT bool vfh_cpuset_has(const struct vfh_cpuset *s, unsigned int cpu)
{
	return cpu < VFH_CPUS_MAX && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

VFH_EXPORT unsigned int vfh_cpuset_count(const struct vfh_cpuset *s)
{
	unsigned int n = 0;

	for (size_t i = 0; i < WORDS; i++)
		n += (unsigned int)__builtin_popcountll(s->bits[i]);
	return n;
}

VFH_EXPORT bool vfh_cpuset_empty(const struct vfh_cpuset *s)
{
	for (size_t i = 0; i < WORDS; i++)
		if (s->bits[i])
			return false;
	return true;
}

VFH_EXPORT bool vfh_cpuset_eq(const struct vfh_cpuset *a, const struct vfh_cpuset *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

VFH_EXPORT bool vfh_cpuset_subset(const struct vfh_cpuset *a, const struct vfh_cpuset *b)
{
	for (size_t i = 0; i < WORDS; i++)
		if (a->bits[i] & ~b->bits[i])
			return false;
	return true;
}

VFH_EXPORT void vfh_cpuset_or(struct vfh_cpuset *dst, const struct vfh_cpuset *a,
			      const struct vfh_cpuset *b)
{
	for (size_t i = 0; i < WORDS; i++)
		dst->bits[i] = a->bits[i] | b->bits[i];
}

VFH_EXPORT void vfh_cpuset_and(struct vfh_cpuset *dst, const struct vfh_cpuset *a,
			       const struct vfh_cpuset *b)
{
	for (size_t i = 0; i < WORDS; i++)
		dst->bits[i] = a->bits[i] & b->bits[i];
}

VFH_EXPORT void vfh_cpuset_andnot(struct vfh_cpuset *dst, const struct vfh_cpuset *a,
				  const struct vfh_cpuset *b)
{
	for (size_t i = 0; i < WORDS; i++)
		dst->bits[i] = a->bits[i] & ~b->bits[i];
}

VFH_EXPORT int vfh_cpuset_last(const struct vfh_cpuset *s)
{
	for (size_t i = WORDS; i-- > 0;)
		if (s->bits[i])
			return (int)(i * 64 + 63 - (size_t)__builtin_clzll(s->bits[i]));
	return -1;
}

/* A CPU number: decimal digits only (no sign, no space, no 0x), no
 * leading zeros but "0" itself.  -EINVAL, -ERANGE. */
static int parse_cpu(const char **p, unsigned int *cpu)
{
	const char *s = *p;
	unsigned long v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v >= VFH_CPUS_MAX) {
			while (*s >= '0' && *s <= '9')
				s++;
			*p = s;
			return -ERANGE;
		}
	}
	*p = s;
	*cpu = (unsigned int)v;
	return 0;
}

VFH_EXPORT int vfh_cpuset_parse_list(const char *str, unsigned int flags,
				     struct vfh_cpuset *out)
{
	struct vfh_cpuset s = { { 0 } };
	const char *p = str;
	int r;

	if (!str || !out)
		return -EINVAL;
	if (!*str)
		return flags & VFH_CPUSET_EMPTY_OK ? (vfh_cpuset_zero(out), 0) : -EINVAL;
	for (;;) {
		unsigned int lo, hi;

		r = parse_cpu(&p, &lo);
		if (r < 0)
			return r;
		hi = lo;
		if (*p == '-') {
			p++;
			r = parse_cpu(&p, &hi);
			if (r < 0)
				return r;
			if (hi < lo)
				return -EINVAL;
		}
		for (unsigned int c = lo; c <= hi; c++)
			s.bits[c / 64] |= UINT64_C(1) << (c % 64);
		if (*p == '\0')
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	*out = s;
	return 0;
}

VFH_EXPORT int vfh_cpuset_format_list(const struct vfh_cpuset *s, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int c = 0;

	if (!buf || len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	while (c < VFH_CPUS_MAX) {
		unsigned int end;
		int n;

		if (!vfh_cpuset_has(s, c)) {
			c++;
			continue;
		}
		for (end = c; end + 1 < VFH_CPUS_MAX && vfh_cpuset_has(s, end + 1); end++)
			;
		if (end == c)
			n = snprintf(buf + used, len - used, "%s%u", used ? "," : "", c);
		else
			n = snprintf(buf + used, len - used, "%s%u-%u", used ? "," : "", c, end);
		if (n < 0 || (size_t)n >= len - used) {
			buf[0] = '\0';
			return -ENOSPC;
		}
		used += (size_t)n;
		c = end + 1;
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

VFH_EXPORT int vfh_cpuset_parse_mask(const char *str, struct vfh_cpuset *out)
{
	struct vfh_cpuset s = { { 0 } };
	size_t groups = 1, g;
	const char *p;

	if (!str || !out || !*str)
		return -EINVAL;
	for (p = str; *p; p++)
		groups += *p == ',';
	/* group g (0: the first, most significant) holds bits
	 * 32 * (groups - 1 - g) and up */
	p = str;
	for (g = 0; g < groups; g++) {
		uint32_t word = 0;
		size_t digits = 0, shift;

		for (; *p && *p != ','; p++, digits++) {
			int v = hexval(*p);

			if (v < 0 || digits == 8)
				return -EINVAL;
			word = word << 4 | (uint32_t)v;
		}
		if (digits == 0)
			return -EINVAL;
		if (*p == ',')
			p++;
		shift = (groups - 1 - g) * 32;
		if (!word)
			continue;
		if (shift >= VFH_CPUS_MAX)
			return -ERANGE;
		s.bits[shift / 64] |= (uint64_t)word << (shift % 64);
	}
	*out = s;
	return 0;
}

VFH_EXPORT int vfh_cpuset_format_mask(const struct vfh_cpuset *s, unsigned int nbits,
				      char *buf, size_t len)
{
	int last = vfh_cpuset_last(s);
	size_t used = 0;
	unsigned int chunk;
	int i;

	if (!buf || len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (nbits == 0)
		nbits = last < 0 ? 1 : (unsigned int)last + 1;
	if (nbits > VFH_CPUS_MAX || last >= (int)nbits)
		return -EINVAL;
	/* bitmap_string(): the first chunk holds what is left over above
	 * the 32-bit ones, as many hex digits as its bits need */
	chunk = nbits % 32 ? nbits % 32 : 32;
	for (i = (int)((nbits + 31) / 32 * 32) - 32; i >= 0; i -= 32) {
		uint32_t word = (uint32_t)(s->bits[i / 64] >> (i % 64));
		int n;

		if (chunk < 32)
			word &= (UINT32_C(1) << chunk) - 1;
		n = snprintf(buf + used, len - used, "%s%0*x", used ? "," : "",
			     (int)(chunk + 3) / 4, word);
		if (n < 0 || (size_t)n >= len - used) {
			buf[0] = '\0';
			return -ENOSPC;
		}
		used += (size_t)n;
		chunk = 32;
	}
	return 0;
}

/* ------------------------------------------------------ the host's cpus */

static const char *const cpus_file[] = {
	[VFH_CPUS_ONLINE] = "online",
	[VFH_CPUS_PRESENT] = "present",
	[VFH_CPUS_POSSIBLE] = "possible",
	[VFH_CPUS_ISOLATED] = "isolated",
};

static int read_rel(struct vfh_ctx *ctx, enum vfh_root root, char *rel, size_t rlen,
		    char *buf, size_t len, const char *fmt, va_list ap)
	__attribute__((format(printf, 7, 0)));

static int read_rel(struct vfh_ctx *ctx, enum vfh_root root, char *rel, size_t rlen,
		    char *buf, size_t len, const char *fmt, va_list ap)
{
	int n = vsnprintf(rel, rlen, fmt, ap), r;

	if (n < 0 || (size_t)n >= rlen)
		return vfh_fail(ctx, -ENAMETOOLONG, "path too long: %s", fmt);
	r = vfh_read_str(ctx, root, buf, len, "%s", rel);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read %s: %s", rel, strerror(-r));
	return 0;
}

int vfh_read_cpulist(struct vfh_ctx *ctx, enum vfh_root root, struct vfh_cpuset *s,
		     const char *fmt, ...)
{
	char buf[VFH_CPULIST_MAX], rel[VFH_PATH_MAX];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = read_rel(ctx, root, rel, sizeof(rel), buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	if (vfh_cpuset_parse_list(buf, VFH_CPUSET_EMPTY_OK, s) < 0)
		return vfh_fail(ctx, -EIO, "%s: '%s' is not a CPU list", rel, buf);
	return 0;
}

int vfh_read_cpumask(struct vfh_ctx *ctx, enum vfh_root root, struct vfh_cpuset *s,
		     const char *fmt, ...)
{
	char buf[VFH_CPULIST_MAX], rel[VFH_PATH_MAX];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = read_rel(ctx, root, rel, sizeof(rel), buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	if (vfh_cpuset_parse_mask(buf, s) < 0)
		return vfh_fail(ctx, -EIO, "%s: '%s' is not a CPU mask", rel, buf);
	return 0;
}

VFH_EXPORT int vfh_cpus_read(struct vfh_ctx *ctx, enum vfh_cpus which, struct vfh_cpuset *s)
{
	vfh_ctx_clear_error(ctx);
	if ((unsigned int)which >= VFH_ARRAY_SIZE(cpus_file) || !s)
		return vfh_fail(ctx, -EINVAL, "vfh_cpus_read: no CPU mask %d", (int)which);
	return vfh_read_cpulist(ctx, VFH_ROOT_SYS, s, "devices/system/cpu/%s",
				  cpus_file[which]);
}

VFH_EXPORT int vfh_cpus_nr_ids(struct vfh_ctx *ctx)
{
	struct vfh_cpuset possible;
	int r;

	vfh_ctx_clear_error(ctx);
	r = vfh_read_cpulist(ctx, VFH_ROOT_SYS, &possible, "devices/system/cpu/possible");
	if (r < 0)
		return r;
	if (vfh_cpuset_empty(&possible))
		return vfh_fail(ctx, -EIO, "devices/system/cpu/possible is empty");
	return vfh_cpuset_last(&possible) + 1;
}

VFH_EXPORT int vfh_cpus_housekeeping(struct vfh_ctx *ctx, const struct vfh_cpuset *isolated,
				     struct vfh_cpuset *housekeeping)
{
	struct vfh_cpuset online, stray;
	char list[VFH_CPULIST_MAX];
	int r;

	vfh_ctx_clear_error(ctx);
	if (!isolated || !housekeeping)
		return vfh_fail(ctx, -EINVAL, "vfh_cpus_housekeeping: NULL argument");
	r = vfh_read_cpulist(ctx, VFH_ROOT_SYS, &online, "devices/system/cpu/online");
	if (r < 0)
		return r;
	vfh_cpuset_andnot(&stray, isolated, &online);
	if (!vfh_cpuset_empty(&stray)) {
		vfh_cpuset_format_list(&stray, list, sizeof(list));
		return vfh_fail(ctx, -EINVAL, "cannot isolate CPUs %s: not online", list);
	}
	vfh_cpuset_andnot(housekeeping, &online, isolated);
	if (vfh_cpuset_empty(housekeeping)) {
		vfh_cpuset_format_list(&online, list, sizeof(list));
		return vfh_fail(ctx, -EINVAL, "isolating every online CPU (%s) would leave the "
				"host none", list);
	}
	return 0;
}

int vfh_write_cpus(struct vfh_ctx *ctx, enum vfh_root root, const struct vfh_cpuset *s,
		   bool mask, const char *fmt, ...)
{
	char val[VFH_CPULIST_MAX], back[VFH_CPULIST_MAX], rel[VFH_PATH_MAX];
	struct vfh_cpuset now;
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return vfh_fail(ctx, -ENAMETOOLONG, "path too long: %s", fmt);
	if (mask) {
		struct vfh_cpuset possible;

		r = vfh_read_cpulist(ctx, VFH_ROOT_SYS, &possible, "devices/system/cpu/possible");
		if (r < 0)
			return r;
		r = vfh_cpuset_format_mask(s, (unsigned int)(vfh_cpuset_last(&possible) + 1), val,
					   sizeof(val));
		if (r == -EINVAL) {
			vfh_cpuset_format_list(s, back, sizeof(back));
			return vfh_fail(ctx, -EINVAL, "%s: CPUs %s are not all possible CPUs", rel,
					back);
		}
	} else {
		r = vfh_cpuset_format_list(s, val, sizeof(val));
	}
	if (r < 0)
		return vfh_fail(ctx, r, "%s: cannot format the CPUs: %s", rel, strerror(-r));
	/* the empty list as a newline: a zero-length write(2) need not
	 * reach the attribute's store function at all */
	r = vfh_write_str(ctx, root, val[0] ? val : "\n", "%s", rel);
	if (r < 0)
		return vfh_fail(ctx, r, "writing '%s' to %s: %s", val, rel, strerror(-r));
	r = mask ? vfh_read_cpumask(ctx, root, &now, "%s", rel) :
		   vfh_read_cpulist(ctx, root, &now, "%s", rel);
	if (r < 0)
		return r;
	if (!vfh_cpuset_eq(&now, s)) {
		vfh_cpuset_format_list(&now, back, sizeof(back));
		return vfh_fail(ctx, -EIO, "wrote '%s' to %s, which reads back CPUs '%s'", val, rel,
				back);
	}
	vfh_info(ctx, "%s = %s", rel, val);
	return 0;
}
