// SPDX-License-Identifier: LGPL-2.1-or-later
/* CPU lists and masks (lib/cpulist.c: the kernel's "0-3,8" and
 * "ff,0000000f", read from sysfs and procfs and written in the INI's
 * isolate =) and libvirt's lists (hooks/nodeset.c: "0-3,^2", from the
 * domain XML's cpuset= and nodeset=).  What parses formats back to a
 * string that parses to the same set. */
#include <errno.h>
#include <vfiohook.h>

#include "engine.h"
#include "fuzz.h"

static void list(const char *s, unsigned int flags)
{
	struct vfh_cpuset a, b;
	static char buf[65536];
	char tiny[4];
	int r = vfh_cpuset_parse_list(s, flags, &a);

	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE, "%d for '%s'", r, s);
	if (r < 0)
		return;
	FUZZ_ASSERT(vfh_cpuset_format_list(&a, buf, sizeof(buf)) == 0, "'%s'", s);
	FUZZ_ASSERT(vfh_cpuset_parse_list(buf, VFH_CPUSET_EMPTY_OK, &b) == 0, "'%s' -> '%s'", s, buf);
	FUZZ_ASSERT(vfh_cpuset_eq(&a, &b), "'%s' -> '%s'", s, buf);
	r = vfh_cpuset_format_list(&a, tiny, sizeof(tiny));
	FUZZ_ASSERT(r == 0 || (r == -ENOSPC && tiny[0] == '\0'), "'%s'", s);
	FUZZ_ASSERT(r < 0 || strlen(tiny) < sizeof(tiny), "'%s'", s);
	/* the same set through the mask format */
	r = vfh_cpuset_format_mask(&a, 0, buf, sizeof(buf));
	FUZZ_ASSERT(r == 0, "%d: mask of '%s'", r, s);
	FUZZ_ASSERT(vfh_cpuset_parse_mask(buf, &b) == 0 && vfh_cpuset_eq(&a, &b),
		    "'%s' -> mask '%s'", s, buf);
}

static void mask(const char *s)
{
	static char buf[65536];
	struct vfh_cpuset a, b;
	int last, r = vfh_cpuset_parse_mask(s, &a);

	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE, "%d for '%s'", r, s);
	if (r < 0)
		return;
	last = vfh_cpuset_last(&a);
	FUZZ_ASSERT(last < VFH_CPUS_MAX, "'%s'", s);
	FUZZ_ASSERT(vfh_cpuset_format_mask(&a, 0, buf, sizeof(buf)) == 0, "'%s'", s);
	FUZZ_ASSERT(vfh_cpuset_parse_mask(buf, &b) == 0 && vfh_cpuset_eq(&a, &b),
		    "'%s' -> '%s'", s, buf);
	FUZZ_ASSERT(vfh_cpuset_format_list(&a, buf, sizeof(buf)) == 0, "'%s'", s);
	FUZZ_ASSERT(vfh_cpuset_parse_list(buf, VFH_CPUSET_EMPTY_OK, &b) == 0 &&
		    vfh_cpuset_eq(&a, &b), "'%s' -> '%s'", s, buf);
	FUZZ_ASSERT(vfh_cpuset_count(&a) <= (unsigned int)(last + 1), "'%s'", s);
}

static void nodeset(const char *s)
{
	struct eng_set set;
	int prev = -1, n;
	unsigned int count = 0;
	int r = eng_set_parse(s, &set);

	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE, "%d for '%s'", r, s);
	if (r < 0)
		return;
	while ((n = eng_set_next(&set, prev)) >= 0) {
		FUZZ_ASSERT(n > prev && n < ENG_SET_MAX && eng_set_has(&set, (unsigned int)n),
			    "'%s': %d after %d", s, n, prev);
		prev = n;
		count++;
	}
	FUZZ_ASSERT(count == eng_set_count(&set), "'%s': %u counted, %u said", s, count,
		    eng_set_count(&set));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);

	if (!s)
		return 0;
	list(s, 0);
	list(s, VFH_CPUSET_EMPTY_OK);
	mask(s);
	nodeset(s);
	free(s);
	return 0;
}
