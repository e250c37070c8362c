// SPDX-License-Identifier: LGPL-2.1-or-later
/* Sizes: libvirt's scaled integers (hooks/domxml.c, eng_size_parse: the
 * domain XML's <memory unit=>, <page size= unit=>, <shmem> <size>), the
 * hugetlbfs pagesize= option (lib/hugepages.c, vfh_pagesize_parse, read
 * from mountinfo) and the hugepages step's what= ("node0/2048kB", read
 * from the journal).  The input is TEXT, or TEXT '\n' UNIT.  What parses
 * is the number times its unit, exactly: no wrap past 2^64. */
#include <errno.h>
#include <vfiohook.h>

#include "internal.h"
#include "engine.h"
#include "fuzz.h"

static const uint64_t multipliers[] = {
	1, 1000ULL, 1ULL << 10, 1000000ULL, 1ULL << 20, 1000000000ULL, 1ULL << 30,
	1000000000000ULL, 1ULL << 40,
};

static void scaled(const char *text, const char *unit)
{
	uint64_t bytes, plain, deflts[] = { 1, 1024 };
	bool known = false;

	for (size_t d = 0; d < 2; d++) {
		if (eng_size_parse(text, unit, deflts[d], &bytes) < 0)
			continue;
		FUZZ_ASSERT(eng_size_parse(text, "", 1, &plain) == 0, "'%s' '%s'", text, unit);
		if (!*unit) {
			FUZZ_ASSERT(bytes == plain * deflts[d] && (!plain || bytes / plain == deflts[d]),
				    "'%s': %llu", text, (unsigned long long)bytes);
			continue;
		}
		FUZZ_ASSERT((bytes == 0) == (plain == 0), "'%s' '%s'", text, unit);
		for (size_t i = 0; plain && i < sizeof(multipliers) / sizeof(multipliers[0]); i++)
			known |= bytes % plain == 0 && bytes / plain == multipliers[i];
		FUZZ_ASSERT(!plain || known, "'%s' '%s': %llu bytes", text, unit,
			    (unsigned long long)bytes);
	}
}

static void pagesize(const char *s)
{
	uint64_t kb = vfh_pagesize_parse(s), want;
	unsigned long long v;
	char *end;

	if (!kb)
		return;
	FUZZ_ASSERT(*s >= '0' && *s <= '9', "'%s'", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	FUZZ_ASSERT(!errno, "'%s' out of range, taken as %llu kB", s, (unsigned long long)kb);
	switch (*end) {
	case 'k': case 'K': want = v; break;
	case 'm': case 'M':
		FUZZ_ASSERT(!__builtin_mul_overflow(v, 1024ULL, &want), "'%s' wrapped to %llu kB", s,
			    (unsigned long long)kb);
		break;
	case 'g': case 'G':
		FUZZ_ASSERT(!__builtin_mul_overflow(v, 1024ULL * 1024, &want), "'%s' wrapped to %llu kB",
			    s, (unsigned long long)kb);
		break;
	default: want = v / 1024; break;
	}
	FUZZ_ASSERT(kb == want, "'%s': %llu kB, not %llu", s, (unsigned long long)kb,
		    (unsigned long long)want);
}

static void hugepages_what(const char *s)
{
	const struct step_ops *k = eng_step_kind_find("hugepages");
	struct step st;

	FUZZ_ASSERT(k, "no hugepages step kind");
	if (k->what_ok(s))
		FUZZ_ASSERT(strlen(s) < STEP_WHAT_MAX ? eng_step_init(&st, k, s) == 0 : 1, "'%s'", s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *nl;

	if (!s)
		return 0;
	pagesize(s);
	hugepages_what(s);
	nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	scaled(s, nl ? nl + 1 : "");
	free(s);
	return 0;
}
