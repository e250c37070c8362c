// SPDX-License-Identifier: LGPL-2.1-or-later
/* The domain XML libvirt writes on the hook's stdin (hooks/domxml.c),
 * then what the hook works out of it without the host: the hugepages it
 * wants per node (hooks/memory.c).  An XML that parses holds only fields
 * the parser promises: addresses in range, sets that parse. */
#include <vfiohook.h>

#include "engine.h"
#include "fuzz.h"

static void check(const struct domain_xml *dom)
{
	struct eng_pages *pages = NULL;
	struct eng_err e = { 0 };
	struct eng_set set;
	size_t n = 0;

	for (size_t i = 0; i < dom->n_hostdevs; i++)
		FUZZ_ASSERT(dom->hostdevs[i].addr.slot <= 0x1f && dom->hostdevs[i].addr.func <= 7,
			    "hostdev %zu", i);
	FUZZ_ASSERT(memchr(dom->name, '\0', sizeof(dom->name)), "name not terminated");
	for (size_t i = 0; i < dom->n_pins; i++)
		FUZZ_ASSERT(memchr(dom->pins[i].cpuset, '\0', sizeof(dom->pins[i].cpuset)),
			    "pin %zu", i);
	for (size_t i = 0; i < dom->n_memnodes; i++)
		(void)eng_set_parse(dom->memnodes[i].nodeset, &set);
	if (eng_hugepages_wanted(dom, 2048, &pages, &n, &e) == 0) {
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT(pages[i].size_kib > 0, "wanted pages of size 0");
		free(pages);
	} else {
		FUZZ_ASSERT(e.msg[0], "refused without a message");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct domain_xml dom;
	struct eng_err e = { 0 };
	int r;

	memset(&dom, 0, sizeof(dom));
	r = eng_domxml_parse((const char *)data, size, &dom, &e);
	if (r == 0)
		check(&dom);
	else
		FUZZ_ASSERT(e.msg[0] && e.err == r, "refused (%d) without a message", r);
	eng_domxml_free(&dom);
	return 0;
}
