// SPDX-License-Identifier: LGPL-2.1-or-later
/* What a domain's XML asks of the host's memory (hooks/memory.c) and
 * libvirt's CPU/node lists (hooks/nodeset.c): pages per host node and size
 * as libvirt and QEMU will take them. */
#include <stdio.h>
#include <stdlib.h>

#include "testlib.h"
#include "hooktest.h"

static void test_sets(void **state)
{
	static const struct { const char *in; const char *members; } ok[] = {
		{ "0", "0" }, { "0-3", "0,1,2,3" }, { "0-3,^2", "0,1,3" }, { "^2,0-3", "0,1,2,3" },
		{ "8,1-2", "1,2,8" }, { "1023", "1023" }, { "3-3", "3" }, { "0-2,^0,^1", "2" },
	};
	static const char *const bad[] = {
		"", ",", "0,", ",0", "a", "0-", "-1", "3-2", "^2", "^1-2,0-3", "0;1", "0 1",
		"1024", "0-1024", "99999999999999999999", "0--2", "0-3,^0-3",
	};
	struct eng_set s;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char got[256] = "";
		size_t n = 0;

		if (eng_set_parse(ok[i].in, &s) < 0)
			fail_msg("'%s' refused", ok[i].in);
		for (int c = eng_set_next(&s, -1); c >= 0; c = eng_set_next(&s, c))
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%d", n ? "," : "", c);
		if (strcmp(got, ok[i].members) != 0)
			fail_msg("'%s' is {%s}, want {%s}", ok[i].in, got, ok[i].members);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (eng_set_parse(bad[i], &s) == 0)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(eng_set_parse("0-3,^2", &s), 0);
	assert_int_equal(eng_set_count(&s), 3);
}

/* "node/size x count, ..." */
static const char *wanted(const char *xml, uint64_t deflt)
{
	static char text[1200];
	struct domain_xml dom;
	struct eng_pages *p;
	struct eng_err e = { 0 };
	size_t n, used = 0;

	t_domxml(&dom, xml);
	if (eng_hugepages_wanted(&dom, deflt, &p, &n, &e) < 0) {
		snprintf(text, sizeof(text), "error: %s", e.msg);
		eng_domxml_free(&dom);
		return text;
	}
	text[0] = '\0';
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%d/%llukB x%llu",
					 i ? ", " : "", p[i].node,
					 (unsigned long long)p[i].size_kib,
					 (unsigned long long)p[i].count);
	free(p);
	eng_domxml_free(&dom);
	return text;
}

#define HP "<memoryBacking><hugepages/></memoryBacking>"

static void test_hugepages_wanted(void **state)
{
	(void)state;
	/* no <hugepages>: nothing, whatever the memory */
	assert_string_equal(wanted("<domain><memory unit='GiB'>8</memory></domain>", 2048), "");
	/* the host's default size, any node, rounded up */
	assert_string_equal(wanted("<domain><memory unit='MiB'>1025</memory>" HP "</domain>", 2048),
			    "-1/2048kB x513");
	assert_string_equal(wanted("<domain><memory unit='GiB'>4</memory><memoryBacking>"
				   "<hugepages><page size='1' unit='G'/></hugepages>"
				   "</memoryBacking></domain>", 2048), "-1/1048576kB x4");
	/* bound to one host node */
	assert_string_equal(wanted("<domain><memory unit='GiB'>1</memory>" HP "<numatune>"
				   "<memory mode='strict' nodeset='1'/></numatune></domain>", 2048),
			    "1/2048kB x512");
	/* spread over two, the odd page on the first */
	assert_string_equal(wanted("<domain><memory unit='MiB'>6</memory>" HP "<numatune>"
				   "<memory nodeset='0-1'/></numatune></domain>", 2048),
			    "0/2048kB x2, 1/2048kB x1");
	/* guest cells, each on its host node, in its own page size */
	assert_string_equal(wanted("<domain><memory unit='GiB'>3</memory><memoryBacking><hugepages>"
				   "<page size='1' unit='G' nodeset='0'/><page size='2048' "
				   "unit='KiB' nodeset='1'/></hugepages></memoryBacking><numatune>"
				   "<memnode cellid='0' nodeset='1'/><memnode cellid='1' "
				   "nodeset='0'/></numatune><cpu><numa><cell id='0' cpus='0' "
				   "memory='2' unit='GiB'/><cell id='1' cpus='1' memory='1' "
				   "unit='GiB'/></numa></cpu></domain>", 2048),
			    "1/1048576kB x2, 0/2048kB x512");
	/* a <page> without nodeset is for the cells no other names */
	assert_string_equal(wanted("<domain><memory unit='GiB'>2</memory><memoryBacking><hugepages>"
				   "<page size='2' unit='M'/><page size='1' unit='G' nodeset='1'/>"
				   "</hugepages></memoryBacking><cpu><numa><cell id='0' cpus='0' "
				   "memory='1' unit='GiB'/><cell id='1' cpus='1' memory='1' "
				   "unit='GiB'/></numa></cpu></domain>", 4),
			    "-1/2048kB x512, -1/1048576kB x1");
	/* cells on the same node merge */
	assert_string_equal(wanted("<domain><memory unit='GiB'>2</memory>" HP "<numatune><memory "
				   "nodeset='0'/></numatune><cpu><numa><cell id='0' cpus='0' "
				   "memory='1' unit='GiB'/><cell id='1' cpus='1' memory='1' "
				   "unit='GiB'/></numa></cpu></domain>", 2048), "0/2048kB x1024");
}

static void test_hugepages_refused(void **state)
{
	(void)state;
	assert_string_equal(wanted("<domain>" HP "</domain>", 2048),
			    "error: domain XML: <memoryBacking><hugepages> without <memory>: how "
			    "much?");
	assert_string_equal(wanted("<domain><memory unit='GiB'>1</memory><memoryBacking><hugepages>"
				   "<page size='2048' nodeset='3'/></hugepages></memoryBacking>"
				   "</domain>", 2048),
			    "error: domain XML: <hugepages><page nodeset='3'> names guest cell 3, "
			    "which <cpu><numa> does not have");
	assert_string_equal(wanted("<domain><memory unit='GiB'>1</memory>" HP "<numatune><memory "
				   "nodeset='^1'/></numatune></domain>", 2048),
			    "error: domain XML: <numatune> nodeset '^1' is not a list of host NUMA "
			    "nodes");
	assert_string_equal(wanted("<domain><memory unit='GiB'>1</memory>" HP "</domain>", 0),
			    "error: no hugepage size: the host has none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_hugepages_wanted),
		cmocka_unit_test(test_hugepages_refused),
	};

	t_init();
	return cmocka_run_group_tests_name("memory", tests, NULL, NULL);
}
