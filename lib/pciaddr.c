// SPDX-License-Identifier: LGPL-2.1-or-later
/* PCI addresses: strict parsing and the kernel's spelling. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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

/* Exactly `width` hex digits (or between min and max when min < max). */
static const char *hexfield(const char *s, int min, int max, uint32_t *out)
{
	uint32_t v = 0;
	int n = 0;

	while (n < max && hexval(s[n]) >= 0) {
		v = (v << 4) | (uint32_t)hexval(s[n]);
		n++;
	}
	if (n < min || hexval(s[n]) >= 0)
		return NULL;
	*out = v;
	return s + n;
}

VFH_EXPORT int vfh_pci_addr_parse(const char *s, struct vfh_pci_addr *addr)
{
	uint32_t dom = 0, bus, slot, func;
	const char *p;

	if (!s || !addr)
		return -EINVAL;
	/* "BB:SS.F" has its second ':' missing; count colons to pick */
	p = strchr(s, ':');
	if (p && strchr(p + 1, ':')) {
		p = hexfield(s, 4, 8, &dom);
		if (!p || *p++ != ':')
			return -EINVAL;
	} else {
		p = s;
	}
	p = hexfield(p, 2, 2, &bus);
	if (!p || *p++ != ':')
		return -EINVAL;
	p = hexfield(p, 2, 2, &slot);
	if (!p || *p++ != '.')
		return -EINVAL;
	p = hexfield(p, 1, 1, &func);
	if (!p || *p != '\0' || slot > 0x1f || func > 7)
		return -EINVAL;
	addr->domain = dom;
	addr->bus = (uint8_t)bus;
	addr->slot = (uint8_t)slot;
	addr->func = (uint8_t)func;
	return 0;
}

VFH_EXPORT int vfh_pci_addr_format(const struct vfh_pci_addr *addr, char *buf,
				   size_t len)
{
	int n = snprintf(buf, len, "%04x:%02x:%02x.%x", addr->domain, addr->bus,
			 addr->slot, addr->func);

	return (n < 0 || (size_t)n >= len) ? -ENOSPC : 0;
}

int vfh_addr_str(const struct vfh_pci_addr *a, char buf[VFH_PCI_ADDR_MAX])
{
	return vfh_pci_addr_format(a, buf, VFH_PCI_ADDR_MAX);
}

VFH_EXPORT bool vfh_pci_addr_eq(const struct vfh_pci_addr *a,
				const struct vfh_pci_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus &&
	       a->slot == b->slot && a->func == b->func;
}

VFH_EXPORT bool vfh_pci_addr_same_slot(const struct vfh_pci_addr *a,
				       const struct vfh_pci_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot;
}

VFH_EXPORT int vfh_pci_addr_cmp(const void *pa, const void *pb)
{
	const struct vfh_pci_addr *a = pa, *b = pb;

	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	if (a->func != b->func)
		return a->func < b->func ? -1 : 1;
	return 0;
}

int vfh_addrs_push(struct vfh_pci_addr **v, size_t *n, size_t *cap,
		   const struct vfh_pci_addr *a)
{
	return vfh_array_push((void **)v, n, cap, a, sizeof(*a));
}

bool vfh_addrs_has(const struct vfh_pci_addr *v, size_t n,
		   const struct vfh_pci_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (vfh_pci_addr_eq(&v[i], a))
			return true;
	return false;
}

int vfh_addrs_from_dir(struct vfh_ctx *ctx, const char *what, struct vfh_pci_addr **addrs,
		       size_t *n, const char *fmt, ...)
{
	struct vfh_pci_addr *v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	va_list ap;
	DIR *d;
	int r = 0;

	*addrs = NULL;
	*n = 0;
	va_start(ap, fmt);
	d = vfh_vopendir(ctx, VFH_ROOT_SYS, fmt, ap);
	va_end(ap);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct vfh_pci_addr a;

		if (de->d_name[0] == '.')
			continue;
		if (vfh_pci_addr_parse(de->d_name, &a) < 0) {
			if (what)
				vfh_warn(ctx, "%s holds non-PCI device %s", what, de->d_name);
			continue;
		}
		r = vfh_addrs_push(&v, &cnt, &cap, &a);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0) {
		free(v);
		return r;
	}
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), vfh_pci_addr_cmp);
	*addrs = v;
	*n = cnt;
	return 0;
}
