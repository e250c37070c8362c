// SPDX-License-Identifier: LGPL-2.1-or-later
/* The hugepages a domain's XML asks for, per host NUMA node and page size,
 * worked out as libvirt and QEMU will use them: each guest cell's memory
 * in the page size its <page nodeset> gives it (else the <page> without a
 * nodeset, else the host's default size), on the host nodes <numatune>
 * binds that cell to (a <memnode>, else <memory nodeset>), else on any. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static int add(struct eng_pages **v, size_t *n, int node, uint64_t size_kib, uint64_t count)
{
	struct eng_pages *nv;

	if (!count)
		return 0;
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].node == node && (*v)[i].size_kib == size_kib) {
			(*v)[i].count += count;
			return 0;
		}
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = (struct eng_pages){ node, size_kib, count };
	(*n)++;
	return 0;
}

/* The page size of guest cell `cell`. */
static int cell_page(const struct domain_xml *dom, unsigned int cell, uint64_t deflt,
		     uint64_t *size_kib, struct eng_err *e)
{
	*size_kib = deflt;
	for (size_t i = 0; i < dom->n_pages; i++) {
		struct eng_set cells;

		if (!*dom->pages[i].nodeset) {
			*size_kib = dom->pages[i].size_kib;
			continue;
		}
		if (eng_set_parse(dom->pages[i].nodeset, &cells) < 0)
			return eng_fail(e, -EINVAL, "domain XML: <hugepages><page nodeset='%s'> is not "
					"a list of guest cells", dom->pages[i].nodeset);
		if (eng_set_has(&cells, cell)) {
			*size_kib = dom->pages[i].size_kib;
			return 0;
		}
	}
	return 0;
}

/* The host nodes guest cell `cell` is bound to; empty: any. */
static int cell_nodes(const struct domain_xml *dom, unsigned int cell, struct eng_set *nodes,
		      struct eng_err *e)
{
	const char *ns = dom->numa_nodeset;

	memset(nodes, 0, sizeof(*nodes));
	for (size_t i = 0; i < dom->n_memnodes; i++)
		if (dom->memnodes[i].cell == cell)
			ns = dom->memnodes[i].nodeset;
	if (!*ns)
		return 0;
	if (eng_set_parse(ns, nodes) < 0)
		return eng_fail(e, -EINVAL, "domain XML: <numatune> nodeset '%s' is not a list of "
				"host NUMA nodes", ns);
	return 0;
}

int eng_hugepages_wanted(const struct domain_xml *dom, uint64_t default_kib,
			 struct eng_pages **out, size_t *n, struct eng_err *e)
{
	struct dom_cell whole = { 0, dom->memory };
	const struct dom_cell *cells = dom->n_cells ? dom->cells : &whole;
	size_t n_cells = dom->n_cells ? dom->n_cells : 1;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (!dom->hugepages)
		return 0;
	if (!dom->memory && !dom->n_cells)
		return eng_fail(e, -EINVAL, "domain XML: <memoryBacking><hugepages> without "
				"<memory>: how much?");
	for (size_t i = 0; i < dom->n_pages && r == 0; i++)
		if (*dom->pages[i].nodeset) {
			struct eng_set named;

			if (eng_set_parse(dom->pages[i].nodeset, &named) < 0)
				continue;	/* said by cell_page() below */
			for (int c = eng_set_next(&named, -1); c >= 0 && r == 0;
			     c = eng_set_next(&named, c)) {
				bool found = false;

				for (size_t k = 0; k < n_cells; k++)
					found |= cells[k].id == (unsigned int)c;
				if (!found)
					r = eng_fail(e, -EINVAL, "domain XML: <hugepages><page nodeset='%s'> "
						     "names guest cell %d, which <cpu><numa> does not "
						     "have", dom->pages[i].nodeset, c);
			}
		}
	for (size_t i = 0; i < n_cells && r == 0; i++) {
		struct eng_set nodes;
		uint64_t size_kib, count;
		unsigned int nn;

		if ((r = cell_page(dom, cells[i].id, default_kib, &size_kib, e)) < 0 ||
		    (r = cell_nodes(dom, cells[i].id, &nodes, e)) < 0)
			break;
		if (!size_kib)
			return eng_fail(e, -EINVAL, "no hugepage size: the host has none");
		count = (cells[i].memory + size_kib * 1024 - 1) / (size_kib * 1024);
		nn = eng_set_count(&nodes);
		if (nn == 0) {
			r = add(out, n, -1, size_kib, count);
			continue;
		}
		/* spread over the cell's nodes, the remainder on the first ones */
		for (int node = eng_set_next(&nodes, -1), k = 0; node >= 0 && r == 0;
		     node = eng_set_next(&nodes, node), k++)
			r = add(out, n, node, size_kib, count / nn + ((unsigned int)k < count % nn));
	}
	if (r < 0) {
		if (r == -ENOMEM)
			eng_fail(e, r, "out of memory");
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
}
