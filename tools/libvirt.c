// SPDX-License-Identifier: LGPL-2.1-or-later
/* The domain XML for check and plan: from --xml FILE, or from libvirtd
 * through its API (a read-only connection: nothing is changed).  Only the
 * CLI links libvirt; the hook never calls back into it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cli.h"

static char *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	size_t cap = 65536, n = 0;
	char *buf;

	if (!f)
		die("%s: %s", path, strerror(errno));
	buf = malloc(cap + 1);
	if (!buf)
		die("out of memory");
	/* one byte more than the engine takes tells it the file is too large */
	for (size_t got; n <= ENG_XML_MAX && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += got;
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);

			if (!nb)
				die("out of memory");
			buf = nb;
			cap *= 2;
		}
	}
	if (n > ENG_XML_MAX)
		n = (size_t)ENG_XML_MAX + 1;
	if (f != stdin)
		fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

static void quiet(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;
}

static const char *last_error(void)
{
	virErrorPtr e = virGetLastError();

	return e && e->message ? e->message : "unknown libvirt error";
}

char *domain_xml_fetch(const char *domain, const struct opts *o, size_t *len)
{
	virConnectPtr conn;
	virDomainPtr dom;
	char *xml, *copy;

	if (o->xml)
		return read_file(o->xml, len);
	virSetErrorFunc(NULL, quiet);
	conn = virConnectOpenReadOnly(o->connect);
	if (!conn)
		die("cannot read %s's domain XML from libvirt (%s): %s; start libvirtd, or give "
		    "the XML: virsh dumpxml %s > FILE, then --xml FILE", domain,
		    o->connect ? o->connect : "default URI", last_error(), domain);
	dom = virDomainLookupByName(conn, domain);
	if (!dom) {
		char why[512];

		snprintf(why, sizeof(why), "%s", last_error());
		virConnectClose(conn);
		die("libvirt has no domain '%s' (%s): define it first (virsh define), or give its "
		    "XML with --xml FILE", domain, why);
	}
	/* the inactive definition is what the next start uses */
	xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
	if (!xml) {
		char why[512];

		snprintf(why, sizeof(why), "%s", last_error());
		virDomainFree(dom);
		virConnectClose(conn);
		die("cannot read %s's domain XML from libvirt: %s", domain, why);
	}
	virDomainFree(dom);
	virConnectClose(conn);
	copy = strdup(xml);
	free(xml);
	if (!copy)
		die("out of memory");
	*len = strlen(copy);
	return copy;
}
