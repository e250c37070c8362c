// SPDX-License-Identifier: LGPL-2.1-or-later
/* The live domain XML libvirt hands the hook on stdin: what the engine needs
 * of it, read with libxml2 and no network, entities or DTDs: the PCI
 * devices it takes, and what it asks of the host (hugepages, pinned CPUs,
 * shared-memory files), as libvirt itself reads them. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "engine.h"

/* libxml2 reports every error; the first one is the one to show */
struct first_error {
	int line;
	char msg[200];
};

static void keep_first(void *data, xmlErrorPtr e)
{
	struct first_error *f = data;

	if (f->line || !e)
		return;
	f->line = e->line ? e->line : -1;
	snprintf(f->msg, sizeof(f->msg), "%s", e->message ? e->message : "?");
	f->msg[strcspn(f->msg, "\n")] = '\0';
}

static bool is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is(c, name))
			return c;
	return NULL;
}

/* An attribute as libvirt writes it ("0x01", also plain decimal), checked
 * against max. */
static int attr_num(const xmlNode *n, const char *name, unsigned long max, unsigned long *out)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *end;
	int r = -EINVAL;

	if (!v)
		return -ENOENT;
	errno = 0;
	*out = strtoul((const char *)v, &end, 0);
	if (!errno && end != (char *)v && !*end && *out <= max)
		r = 0;
	xmlFree(v);
	return r;
}

static bool attr_is(const xmlNode *n, const char *name, const char *want)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	bool r = v && strcmp((const char *)v, want) == 0;

	xmlFree(v);
	return r;
}


static int bad(struct eng_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct eng_err *e, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(e->msg, sizeof(e->msg), "domain XML: ");

	e->err = -EINVAL;
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int grow(void **v, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	{
		size_t nc = *cap ? *cap * 2 : 4;
		void *nv = realloc(*v, nc * elem);

		if (!nv)
			return -ENOMEM;
		memset((char *)nv + *cap * elem, 0, (nc - *cap) * elem);
		*v = nv;
		*cap = nc;
	}
	return 0;
}
#define PUSH(arr, n, cap) grow((void **)&(arr), &(cap), (n), sizeof(*(arr)))

/* An attribute's text, copied; "" when absent.  -EINVAL when too long. */
static int attr_str(const xmlNode *n, const char *name, char *buf, size_t len)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	int r = 0;

	buf[0] = '\0';
	if (v && strlen((const char *)v) >= len)
		r = -EINVAL;
	else if (v)
		strcpy(buf, (const char *)v);
	xmlFree(v);
	return r;
}

static int text_of(const xmlNode *n, char *buf, size_t len)
{
	xmlChar *v = xmlNodeGetContent(n);
	const char *s = v ? (const char *)v : "";
	int r = 0;

	while (*s == ' ' || *s == '\n' || *s == '\t')
		s++;
	if (strlen(s) >= len)
		r = -EINVAL;
	else
		strcpy(buf, s);
	buf[strcspn(buf, " \n\t")] = '\0';
	xmlFree(v);
	return r;
}

/* A CPU or node list as libvirt writes it ("0-3,^2,8"): digits, ',', '-'
 * and '^' only; its meaning is checked against the host later. */
static bool cpuset_chars_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s >= '0' && *s <= '9') && !strchr(",-^", *s))
			return false;
	return true;
}

static int attr_cpuset(const xmlNode *n, const char *name, char *buf, size_t len,
		       const char *where, struct eng_err *e)
{
	if (attr_str(n, name, buf, len) < 0 || (*buf && !cpuset_chars_ok(buf)))
		return bad(e, "%s %s='%.40s' is not a CPU or node list (like 0-3,8)", where, name,
			   buf);
	return 0;
}

/* libvirt's scaled integers: VALUE with unit= (b, bytes, KB, k, KiB, MB,
 * M, MiB, GB, G, GiB, TB, T, TiB; KB = 1000, KiB = 1024), `deflt` when no
 * unit is given.  In bytes. */
int eng_size_parse(const char *text, const char *unit, uint64_t deflt, uint64_t *bytes)
{
	static const struct { const char *name; uint64_t mul; } units[] = {
		{ "b", 1 }, { "bytes", 1 },
		{ "KB", 1000ULL }, { "k", 1ULL << 10 }, { "K", 1ULL << 10 }, { "KiB", 1ULL << 10 },
		{ "MB", 1000000ULL }, { "M", 1ULL << 20 }, { "MiB", 1ULL << 20 },
		{ "GB", 1000000000ULL }, { "G", 1ULL << 30 }, { "GiB", 1ULL << 30 },
		{ "TB", 1000000000000ULL }, { "T", 1ULL << 40 }, { "TiB", 1ULL << 40 },
	};
	uint64_t mul = deflt, v;
	char *end;

	if (*unit) {
		mul = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(unit, units[i].name) == 0)
				mul = units[i].mul;
		if (!mul)
			return -EINVAL;
	}
	if (!(*text >= '0' && *text <= '9'))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || *end || (v && mul > UINT64_MAX / v))
		return -EINVAL;
	*bytes = v * mul;
	return 0;
}

/* <NAME unit='...'>VALUE</NAME> (or, for <page>, size= and unit=). */
static int elem_scaled(const xmlNode *n, uint64_t deflt, uint64_t *bytes, const char *what,
		       struct eng_err *e)
{
	char text[32], unit[16];

	if (text_of(n, text, sizeof(text)) < 0 || attr_str(n, "unit", unit, sizeof(unit)) < 0 ||
	    eng_size_parse(text, unit, deflt, bytes) < 0)
		return bad(e, "%s '%.20s' (unit '%.10s') is not a size libvirt accepts", what, text,
			   unit);
	return 0;
}

/* One PCI address: libvirt takes a missing attribute as 0. */
static int pci_address(const xmlNode *addr, struct vfh_pci_addr *a, const char *what,
		       struct eng_err *e)
{
	static const struct { const char *name; unsigned long max; } f[] = {
		{ "domain", 0xffffffffUL }, { "bus", 0xff }, { "slot", 0x1f }, { "function", 7 },
	};
	unsigned long v[4];

	for (size_t i = 0; i < 4; i++) {
		int r = attr_num(addr, f[i].name, f[i].max, &v[i]);

		if (r == -ENOENT)
			v[i] = 0;
		else if (r < 0)
			return bad(e, "%s: its source address has a bad %s (at most %#lx)", what,
				   f[i].name, f[i].max);
	}
	*a = (struct vfh_pci_addr){ .domain = (uint32_t)v[0], .bus = (uint8_t)v[1],
				    .slot = (uint8_t)v[2], .func = (uint8_t)v[3] };
	return 0;
}

static int add_pci(struct domain_xml *dom, const struct vfh_pci_addr *a, bool managed,
		   bool interface)
{
	if (PUSH(dom->hostdevs, dom->n_hostdevs, dom->cap_hostdevs) < 0)
		return -ENOMEM;
	dom->hostdevs[dom->n_hostdevs].addr = *a;
	dom->hostdevs[dom->n_hostdevs].managed = managed;
	dom->hostdevs[dom->n_hostdevs++].interface = interface;
	return 0;
}

/* <hostdev mode='subsystem' type='pci'> (mode defaults to subsystem) */
static int add_hostdev(const xmlNode *hd, struct domain_xml *dom, struct eng_err *e)
{
	const xmlNode *addr = child(child(hd, "source"), "address");
	struct vfh_pci_addr a;
	int r;

	if (!addr)
		return bad(e, "a PCI <hostdev> without <source><address>");
	if ((r = pci_address(addr, &a, "a PCI <hostdev>", e)) < 0)
		return r;
	return add_pci(dom, &a, attr_is(hd, "managed", "yes"), false);
}

/* <interface type='hostdev'>: an SR-IOV virtual function, a PCI device
 * the domain takes as well (managed omitted means unmanaged). */
static int add_interface(const xmlNode *itf, struct domain_xml *dom, struct eng_err *e)
{
	const xmlNode *addr = child(child(itf, "source"), "address");
	struct vfh_pci_addr a;
	int r;

	if (!addr || !attr_is(addr, "type", "pci"))
		return 0;	/* a USB or network-pool source: not ours */
	if ((r = pci_address(addr, &a, "an <interface type='hostdev'>", e)) < 0)
		return r;
	return add_pci(dom, &a, attr_is(itf, "managed", "yes"), true);
}

static int add_shmem(const xmlNode *sh, struct domain_xml *dom, struct eng_err *e)
{
	struct dom_shmem *m;
	const xmlNode *size = child(sh, "size"), *model = child(sh, "model");
	int r;

	if (PUSH(dom->shmems, dom->n_shmems, dom->cap_shmems) < 0)
		return -ENOMEM;
	m = &dom->shmems[dom->n_shmems];
	if (attr_str(sh, "name", m->name, sizeof(m->name)) < 0 || !*m->name)
		return bad(e, "a <shmem> without a usable name");
	if (model && attr_str(model, "type", m->model, sizeof(m->model)) < 0)
		return bad(e, "<shmem name='%s'>: its model is too long", m->name);
	m->server = child(sh, "server") != NULL;
	/* libvirt's default unit for it is bytes */
	if (size && (r = elem_scaled(size, 1, &m->size, "<shmem> <size>", e)) < 0)
		return r;
	dom->n_shmems++;
	return 0;
}

static int parse_devices(const xmlNode *devices, struct domain_xml *dom, struct eng_err *e)
{
	int r = 0;

	for (const xmlNode *c = devices->children; c && r == 0; c = c->next) {
		char mode[32];

		if (is(c, "hostdev") && attr_is(c, "type", "pci")) {
			if (attr_str(c, "mode", mode, sizeof(mode)) == 0 &&
			    (!*mode || strcmp(mode, "subsystem") == 0))
				r = add_hostdev(c, dom, e);
		} else if (is(c, "interface") && attr_is(c, "type", "hostdev")) {
			r = add_interface(c, dom, e);
		} else if (is(c, "shmem")) {
			r = add_shmem(c, dom, e);
		} else if (is(c, "memballoon")) {
			dom->balloon = !attr_is(c, "model", "none");
		}
	}
	return r;
}

/* <memoryBacking><hugepages>[<page size= unit= nodeset=/>...] */
static int parse_memory_backing(const xmlNode *mb, struct domain_xml *dom, struct eng_err *e)
{
	const xmlNode *hp = child(mb, "hugepages");

	if (!hp)
		return 0;
	dom->hugepages = true;
	for (const xmlNode *p = hp->children; p; p = p->next) {
		struct dom_pages *pg;
		char size[32], unit[16];
		uint64_t bytes;
		int r;

		if (!is(p, "page"))
			continue;
		if (PUSH(dom->pages, dom->n_pages, dom->cap_pages) < 0)
			return -ENOMEM;
		pg = &dom->pages[dom->n_pages];
		r = attr_str(p, "size", size, sizeof(size));
		if (attr_str(p, "unit", unit, sizeof(unit)) < 0 || r < 0 || !*size ||
		    eng_size_parse(size, unit, 1024, &bytes) < 0 || bytes < 4096)
			return bad(e, "<hugepages><page size='%.20s' unit='%.10s'> is not a page size",
				   size, unit);
		pg->size_kib = bytes >> 10;
		if ((r = attr_cpuset(p, "nodeset", pg->nodeset, sizeof(pg->nodeset),
				     "<hugepages><page>", e)) < 0)
			return r;
		dom->n_pages++;
	}
	return 0;
}

/* <numatune><memory mode= nodeset=/><memnode cellid= mode= nodeset=/> */
static int parse_numatune(const xmlNode *nt, struct domain_xml *dom, struct eng_err *e)
{
	const xmlNode *m = child(nt, "memory");
	int r;

	if (m && ((r = attr_cpuset(m, "nodeset", dom->numa_nodeset, sizeof(dom->numa_nodeset),
				   "<numatune><memory>", e)) < 0 ||
		  attr_str(m, "mode", dom->numa_mode, sizeof(dom->numa_mode)) < 0))
		return r < 0 ? r : bad(e, "<numatune><memory mode> is too long");
	for (const xmlNode *c = nt->children; c; c = c->next) {
		struct dom_memnode *mn;
		unsigned long cell;

		if (!is(c, "memnode"))
			continue;
		if (PUSH(dom->memnodes, dom->n_memnodes, dom->cap_memnodes) < 0)
			return -ENOMEM;
		mn = &dom->memnodes[dom->n_memnodes];
		if (attr_num(c, "cellid", 1023, &cell) < 0)
			return bad(e, "a <numatune><memnode> without a valid cellid");
		mn->cell = (unsigned int)cell;
		if ((r = attr_cpuset(c, "nodeset", mn->nodeset, sizeof(mn->nodeset),
				     "<numatune><memnode>", e)) < 0)
			return r;
		dom->n_memnodes++;
	}
	return 0;
}

/* <cpu><numa><cell id= cpus= memory= unit=/>: the guest's NUMA cells */
static int parse_cpu_numa(const xmlNode *cpu, struct domain_xml *dom, struct eng_err *e)
{
	const xmlNode *numa = child(cpu, "numa");

	for (const xmlNode *c = numa ? numa->children : NULL; c; c = c->next) {
		struct dom_cell *cell;
		char mem[32], unit[16];
		unsigned long id;

		if (!is(c, "cell"))
			continue;
		if (PUSH(dom->cells, dom->n_cells, dom->cap_cells) < 0)
			return -ENOMEM;
		cell = &dom->cells[dom->n_cells];
		if (attr_num(c, "id", 1023, &id) < 0)
			id = dom->n_cells;	/* libvirt numbers them in order */
		cell->id = (unsigned int)id;
		if (attr_str(c, "memory", mem, sizeof(mem)) < 0 ||
		    attr_str(c, "unit", unit, sizeof(unit)) < 0 ||
		    eng_size_parse(mem, unit, 1024, &cell->memory) < 0)
			return bad(e, "<numa><cell id='%lu'> has no memory size libvirt accepts", id);
		dom->n_cells++;
	}
	return 0;
}

/* <cputune>: vcpupin, emulatorpin, iothreadpin, and whether a vCPU gets a
 * real-time scheduler */
static int parse_cputune(const xmlNode *ct, struct domain_xml *dom, struct eng_err *e)
{
	static const struct { const char *elem, *id; } pins[] = {
		{ "vcpupin", "vcpu" }, { "emulatorpin", NULL }, { "iothreadpin", "iothread" },
	};

	for (const xmlNode *c = ct->children; c; c = c->next) {
		for (size_t k = 0; k < sizeof(pins) / sizeof(pins[0]); k++) {
			struct dom_pin *pin;
			unsigned long id = 0;
			int r;

			if (!is(c, pins[k].elem))
				continue;
			if (PUSH(dom->pins, dom->n_pins, dom->cap_pins) < 0)
				return -ENOMEM;
			pin = &dom->pins[dom->n_pins];
			snprintf(pin->kind, sizeof(pin->kind), "%s", pins[k].elem);
			if (pins[k].id && attr_num(c, pins[k].id, 0xffff, &id) < 0)
				return bad(e, "a <%s> without a valid %s=", pins[k].elem, pins[k].id);
			pin->id = (unsigned int)id;
			if ((r = attr_cpuset(c, "cpuset", pin->cpuset, sizeof(pin->cpuset), "a pin's",
					     e)) < 0)
				return r;
			if (!*pin->cpuset)
				return bad(e, "a <%s> without cpuset=", pins[k].elem);
			dom->n_pins++;
		}
		if (is(c, "vcpusched") &&
		    (attr_is(c, "scheduler", "fifo") || attr_is(c, "scheduler", "rr")))
			dom->rt_vcpus = true;
	}
	return 0;
}

int eng_domxml_parse(const char *buf, size_t len, struct domain_xml *dom, struct eng_err *e)
{
	const xmlNode *root, *n;
	xmlDoc *doc;
	int r = 0;

	memset(dom, 0, sizeof(*dom));
	if (len > ENG_XML_MAX || len == 0)
		return bad(e, "%s", len ? "larger than 64 MiB (the hook's bound): is this a libvirt "
			   "domain XML?" : "empty stdin");
	{
		struct first_error first = { 0 };

		/* errors go to keep_first(), never to stderr */
		xmlSetStructuredErrorFunc(&first, keep_first);
		doc = xmlReadMemory(buf, (int)len, "domain.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
		xmlSetStructuredErrorFunc(NULL, NULL);
		if (!doc)
			return eng_fail(e, -EINVAL, "domain XML on stdin does not parse (line %d: %s)",
					first.line, first.line ? first.msg : "?");
	}
	root = xmlDocGetRootElement(doc);
	if (!root || !is(root, "domain")) {
		r = bad(e, "the root element is not <domain>");
		goto out;
	}
	if ((n = child(root, "name")) && text_of(n, dom->name, sizeof(dom->name)) < 0) {
		r = bad(e, "<name> is too long");
		goto out;
	}
	if ((n = child(root, "memory")))
		r = elem_scaled(n, 1024, &dom->memory, "<memory>", e);
	if (r == 0 && (n = child(root, "vcpu"))) {
		char count[16];
		unsigned long v;
		char *end;

		r = attr_cpuset(n, "cpuset", dom->vcpu_cpuset, sizeof(dom->vcpu_cpuset), "<vcpu>",
				e);
		if (r == 0 && (text_of(n, count, sizeof(count)) < 0 ||
			       (v = strtoul(count, &end, 10), *end || end == count || v > 0xffff)))
			r = bad(e, "<vcpu> '%.16s' is not a number of vCPUs", count);
		else if (r == 0)
			dom->vcpus = (unsigned int)v;
	}
	if (r == 0 && (n = child(root, "memoryBacking")))
		r = parse_memory_backing(n, dom, e);
	if (r == 0 && (n = child(root, "numatune")))
		r = parse_numatune(n, dom, e);
	if (r == 0 && (n = child(root, "cpu")))
		r = parse_cpu_numa(n, dom, e);
	if (r == 0 && (n = child(root, "cputune")))
		r = parse_cputune(n, dom, e);
	/* libvirt reads every <devices> element, not only the first */
	for (n = root->children; n && r == 0; n = n->next)
		if (is(n, "devices"))
			r = parse_devices(n, dom, e);
	if (r == -ENOMEM)
		eng_fail(e, r, "out of memory reading the domain XML");
out:
	xmlFreeDoc(doc);
	if (r < 0)
		eng_domxml_free(dom);
	return r;
}

void eng_domxml_free(struct domain_xml *dom)
{
	free(dom->hostdevs);
	free(dom->pages);
	free(dom->memnodes);
	free(dom->cells);
	free(dom->pins);
	free(dom->shmems);
	memset(dom, 0, sizeof(*dom));
}
