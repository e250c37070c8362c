// SPDX-License-Identifier: LGPL-2.1-or-later
/* The live domain XML libvirt hands the hook on stdin: what the engine needs
 * of it, read with libxml2 and no network, entities or DTDs. */
#include <errno.h>
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

static int add_hostdev(const xmlNode *hd, struct domain_xml *dom, char *err, size_t errlen)
{
	const xmlNode *addr = child(child(hd, "source"), "address");
	unsigned long d, b, s, f;
	struct hostdev *nv;

	if (!addr) {
		snprintf(err, errlen, "domain XML: a PCI <hostdev> without <source><address>");
		return -EINVAL;
	}
	if (attr_num(addr, "domain", 0xffffffffUL, &d) == -ENOENT)
		d = 0;
	else if (attr_num(addr, "domain", 0xffffffffUL, &d) < 0)
		goto bad;
	if (attr_num(addr, "bus", 0xff, &b) < 0 || attr_num(addr, "slot", 0x1f, &s) < 0 ||
	    attr_num(addr, "function", 7, &f) < 0)
		goto bad;
	nv = realloc(dom->hostdevs, (dom->n_hostdevs + 1) * sizeof(*nv));
	if (!nv) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	dom->hostdevs = nv;
	nv[dom->n_hostdevs].addr = (struct vfh_pci_addr){
		.domain = (uint32_t)d, .bus = (uint8_t)b, .slot = (uint8_t)s, .func = (uint8_t)f,
	};
	nv[dom->n_hostdevs++].managed = attr_is(hd, "managed", "yes");
	return 0;
bad:
	snprintf(err, errlen, "domain XML: a PCI <hostdev> source address is out of range");
	return -EINVAL;
}

int eng_domxml_parse(const char *buf, size_t len, struct domain_xml *dom, char *err, size_t errlen)
{
	const xmlNode *root, *name, *devices;
	xmlDoc *doc;
	int r = 0;

	memset(dom, 0, sizeof(*dom));
	if (len > ENG_XML_MAX || len == 0) {
		snprintf(err, errlen, "domain XML: %s", len ? "larger than 64 MiB (the hook's "
			 "bound): is this a libvirt domain XML?" : "empty stdin");
		return -EINVAL;
	}
	{
		struct first_error first = { 0 };

		/* errors go to keep_first(), never to stderr */
		xmlSetStructuredErrorFunc(&first, keep_first);
		doc = xmlReadMemory(buf, (int)len, "domain.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
		xmlSetStructuredErrorFunc(NULL, NULL);
		if (!doc) {
			snprintf(err, errlen, "domain XML on stdin does not parse (line %d: %s)",
				 first.line, first.line ? first.msg : "?");
			return -EINVAL;
		}
	}
	root = xmlDocGetRootElement(doc);
	if (!root || !is(root, "domain")) {
		snprintf(err, errlen, "domain XML: the root element is not <domain>");
		r = -EINVAL;
		goto out;
	}
	name = child(root, "name");
	if (name) {
		xmlChar *s = xmlNodeGetContent(name);

		snprintf(dom->name, sizeof(dom->name), "%s", s ? (const char *)s : "");
		xmlFree(s);
	}
	devices = child(root, "devices");
	for (const xmlNode *c = devices ? devices->children : NULL; c && r == 0; c = c->next)
		if (is(c, "hostdev") && attr_is(c, "mode", "subsystem") && attr_is(c, "type", "pci"))
			r = add_hostdev(c, dom, err, errlen);
out:
	xmlFreeDoc(doc);
	if (r < 0)
		eng_domxml_free(dom);
	return r;
}

void eng_domxml_free(struct domain_xml *dom)
{
	free(dom->hostdevs);
	dom->hostdevs = NULL;
	dom->n_hostdevs = 0;
}
