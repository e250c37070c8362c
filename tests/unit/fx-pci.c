// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture's PCI devices, PCI drivers and IOMMU groups.
 *
 *  pci ADDR        parent=ADDR (the bridge it sits behind; none: a root bus)
 *                  id=VVVV:DDDD subsys=VVVV:DDDD class=0xCCSSPP
 *                  hdr=N|none (config header type; default from the class:
 *                    1 for 0x0604/0x0609, 2 for 0x0607, else 0; bit 7 is
 *                    added on function 0 of a multi-function slot; none: no
 *                    config file)
 *                  group=N (IOMMU group)  driver=NAME (bound now)
 *                  native=NAME (what its id table matches; default: driver)
 *                  override=NAME  reset="pm bus" (reset_method; none when
 *                  absent, and then no reset file)  boot_vga=0|1 (VGA only)
 *                  fb=1 (its native driver registers a framebuffer: a DRM
 *                    driver's fbdev emulation)
 *                  nodes=snd/controlC0,dri/card0 (its device nodes: the
 *                    sound/card0/NAME or drm/NAME child with DEVNAME= in
 *                    its uevent; the nodes below dev/ are file lines)
 *                  numvfs=N (an SR-IOV PF with N VFs enabled: sriov_numvfs,
 *                    sriov_totalvfs, virtfnK links to the devices that
 *                    name it as physfn=)  physfn=ADDR (a VF of that PF)
 *  pcidriver NAME  module=MOD (a PCI driver; without module: built in)
 *  iommu           enabled=0 (no kernel/iommu_groups at all)
 *
 * Devices sit in sys/devices/pciDDDD:BB/..., below their parents, with the
 * links sysfs makes: bus/pci/devices/ADDR, ADDR/driver and the driver's
 * ADDR, ADDR/iommu_group and the group's devices/ADDR. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture-int.h"

struct fk_driver *fx_add_driver(struct fx *fx, const char *name, bool platform,
				    const struct fx_ent *e)
{
	struct fk_driver *d = fk_driver_find(fx, name, platform);

	if (d)
		return d;
	if (fx->ndrv == FX_MAX_DRV)
		fx_fail("too many drivers");
	d = &fx->drv[fx->ndrv++];
	fx_copy_name(d->name, name, e);
	d->platform = platform;
	d->module = -1;
	d->registered = true;
	return d;
}

static void ids(const struct fx_ent *e, const char *key, uint16_t *a, uint16_t *b)
{
	const char *v = fx_ent_get(e, key);
	unsigned int x, y;
	char extra;

	*a = *b = 0;
	if (!v)
		return;
	if (sscanf(v, "%4x:%4x%c", &x, &y, &extra) != 2)
		fx_fail("%s:%d: %s=%s is not VVVV:DDDD", e->file, e->line, key, v);
	*a = (uint16_t)x;
	*b = (uint16_t)y;
}

void fx_pci_add(struct fx *fx, const struct fx_ent *e)
{
	struct fk_pci *d;
	const char *v;

	if (fx->npci == FX_MAX_PCI)
		fx_fail("too many PCI devices");
	d = &fx->pci[fx->npci++];
	memset(d, 0, sizeof(*d));
	if (vfh_pci_addr_parse(e->name, &d->a) < 0)
		fx_fail("%s:%d: bad PCI address %s", e->file, e->line, e->name);
	vfh_pci_addr_format(&d->a, d->addr, sizeof(d->addr));
	if (strcmp(d->addr, e->name) != 0)
		fx_fail("%s:%d: write the address as the kernel does: %s", e->file, e->line, d->addr);
	ids(e, "id", &d->vendor, &d->device);
	ids(e, "subsys", &d->svendor, &d->sdevice);
	d->class = (uint32_t)fx_num(e, "class", 0);
	d->group = fx_ent_get(e, "group") ? (int)fx_num(e, "group", 0) : -1;
	d->boot_vga = (int)fx_num(e, "boot_vga", 0);
	d->fb = fx_num(e, "fb", 0) != 0;
	v = fx_ent_get(e, "nodes");
	if (v && strlen(v) >= sizeof(d->nodes))
		fx_fail("%s:%d: nodes= too long", e->file, e->line);
	snprintf(d->nodes, sizeof(d->nodes), "%s", v ? v : "");
	d->parent = -1;
	d->physfn = -1;
	d->numvfs = fx_ent_get(e, "numvfs") ? (int)fx_num(e, "numvfs", 0) : -1;
	v = fx_ent_get(e, "reset");
	if (v)
		fx_copy_name(d->reset, v, e);
	v = fx_ent_get(e, "hdr");
	if (v && strcmp(v, "none") == 0)
		d->hdr = -1;
	else if (v)
		d->hdr = (int)fx_num(e, "hdr", 0);
	else if ((d->class >> 8) == 0x0604 || (d->class >> 8) == 0x0609)
		d->hdr = 1;
	else if ((d->class >> 8) == 0x0607)
		d->hdr = 2;
	else
		d->hdr = 0;
	v = fx_ent_get(e, "driver");
	if (v && *v) {
		fx_copy_name(d->driver, v, e);
		fx_add_driver(fx, v, false, e);
	}
	v = fx_ent_get(e, "native");
	if (!v)
		v = fx_ent_get(e, "driver");
	if (v && *v) {
		fx_copy_name(d->native, v, e);
		fx_add_driver(fx, v, false, e);
	}
	v = fx_ent_get(e, "override");
	if (v && *v)
		fx_copy_name(d->override, v, e);
	d->present = true;
}

static void pci_dirs(struct fx *fx)
{
	for (size_t i = 0; i < fx->npci; i++) {
		const struct fx_ent *e = fx_find_ent(fx, "pci", fx->pci[i].addr);
		const char *p = fx_ent_get(e, "physfn");

		if (p) {
			for (size_t j = 0; j < fx->npci; j++)
				if (strcmp(fx->pci[j].addr, p) == 0)
					fx->pci[i].physfn = (int)j;
			if (fx->pci[i].physfn < 0 || fx->pci[i].physfn == (int)i ||
			    fx->pci[fx->pci[i].physfn].numvfs < 0)
				fx_fail("%s:%d: physfn %s is not a PCI device of the fixture with "
					"numvfs=", e->file, e->line, p);
		}
		p = fx_ent_get(e, "parent");
		if (!p)
			continue;
		for (size_t j = 0; j < fx->npci; j++)
			if (strcmp(fx->pci[j].addr, p) == 0)
				fx->pci[i].parent = (int)j;
		if (fx->pci[i].parent < 0 || fx->pci[i].parent == (int)i)
			fx_fail("%s:%d: parent %s is not a PCI device of the fixture", e->file,
				e->line, p);
	}
	for (size_t i = 0; i < fx->npci; i++) {
		struct fk_pci *d = &fx->pci[i];
		int chain[FX_MAX_PCI], n = 0;
		int n_out;

		for (int j = (int)i; j >= 0; j = fx->pci[j].parent) {
			if (n == 16)
				fx_fail("parent loop at %s", d->addr);
			chain[n++] = j;
		}
		n_out = snprintf(d->dir, sizeof(d->dir), "sys/devices/pci%04x:%02x",
				 fx->pci[chain[n - 1]].a.domain, fx->pci[chain[n - 1]].a.bus);
		for (int j = n - 1; j >= 0; j--)
			n_out += snprintf(d->dir + n_out, sizeof(d->dir) - (size_t)n_out, "/%s",
					  fx->pci[chain[j]].addr);
		if ((size_t)n_out >= sizeof(d->dir))
			fx_fail("device path too long: %s", d->addr);
		/* function 0 of a multi-function slot says so in its header */
		if (d->hdr >= 0 && d->a.func == 0)
			for (size_t j = 0; j < fx->npci; j++)
				if (j != i && vfh_pci_addr_same_slot(&fx->pci[j].a, &d->a))
					d->hdr |= 0x80;
	}
}

/* What needs every device: their directories (parents first), which
 * drivers are registered (their module loaded or built in), whether each
 * bound device's driver is. */
void fx_pci_build(struct fx *fx)
{
	fx->autoprobe = true;
	pci_dirs(fx);
	for (size_t i = 0; i < fx->ndrv; i++) {
		struct fk_driver *d = &fx->drv[i];

		d->registered = d->module < 0 || fx->mod[d->module].state != MOD_ABSENT;
	}
	for (size_t i = 0; i < fx->npci; i++) {
		struct fk_driver *d;

		if (!*fx->pci[i].driver)
			continue;
		d = fk_driver_find(fx, fx->pci[i].driver, false);
		if (!d->registered)
			fx_fail("%s is bound to %s, whose module %s is not loaded", fx->pci[i].addr,
				d->name, fx->mod[d->module].name);
	}
}

void fx_pcidriver_add(struct fx *fx, const struct fx_ent *pe)
{
	struct fk_driver *d = fx_add_driver(fx, pe->name, false, pe);
	const char *m = fx_ent_get(pe, "module");

	if (m) {
		if (!fk_module_find(fx, m))
			fx_fail("%s:%d: no module %s", pe->file, pe->line, m);
		d->module = (int)(fk_module_find(fx, m) - fx->mod);
	}
}

void fx_iommu_build(struct fx *fx)
{
	const struct fx_ent *e = fx_find_ent(fx, "iommu", "");

	fx->iommu = !e || fx_num(e, "enabled", 1) != 0;
}

void fx_iommu_render(struct fx *fx)
{
	if (fx->iommu)
		fx_mkdirs(fx, "sys/kernel/iommu_groups");
	else
		fx_mkdirs(fx, "sys/kernel");
}

static void render_config(struct fx *fx, const struct fk_pci *d)
{
	unsigned char c[64] = { 0 };
	char rel[FX_REL + 16];
	int sec = 0, sub = 0;

	c[0] = d->vendor & 0xff;
	c[1] = d->vendor >> 8;
	c[2] = d->device & 0xff;
	c[3] = d->device >> 8;
	c[4] = 0x07;
	c[6] = 0x10;
	c[9] = d->class & 0xff;
	c[10] = (d->class >> 8) & 0xff;
	c[11] = (d->class >> 16) & 0xff;
	c[0x0e] = (unsigned char)d->hdr;
	if ((d->hdr & 0x7f) == 0) {
		c[0x2c] = d->svendor & 0xff;
		c[0x2d] = d->svendor >> 8;
		c[0x2e] = d->sdevice & 0xff;
		c[0x2f] = d->sdevice >> 8;
	} else if ((d->hdr & 0x7f) == 1) {
		for (size_t i = 0; i < fx->npci; i++) {
			int b = fx->pci[i].a.bus;

			for (int p = fx->pci[i].parent; p >= 0; p = fx->pci[p].parent)
				if (&fx->pci[p] == d) {
					if (!sec || b < sec)
						sec = b;
					if (b > sub)
						sub = b;
				}
		}
		c[0x18] = d->a.bus;
		c[0x19] = (unsigned char)sec;
		c[0x1a] = (unsigned char)sub;
	}
	snprintf(rel, sizeof(rel), "%s/config", d->dir);
	fx_putb(fx, rel, c, sizeof(c));
}

#define DEVF(fx, d, attr, ...) do {                                     \
		char rel_[FX_REL + 32];                                  \
		snprintf(rel_, sizeof(rel_), "%s/%s", (d)->dir, attr);   \
		fx_putf(fx, rel_, __VA_ARGS__);                          \
	} while (0)

void fx_render_override(struct fx *fx, const struct fk_pci *d)
{
	DEVF(fx, d, "driver_override", "%s\n", *d->override ? d->override : "(null)");
}

/* The class children naming its device nodes, as holders.c reads them. */
static void render_nodes(struct fx *fx, const struct fk_pci *d)
{
	char buf[sizeof(d->nodes)], *save, *tok;

	snprintf(buf, sizeof(buf), "%s", d->nodes);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *name = strchr(tok, '/') ? strchr(tok, '/') + 1 : tok;
		char rel[FX_REL + 64], file[2 * FX_REL + 128];

		if (strncmp(tok, "snd/", 4) == 0)
			snprintf(rel, sizeof(rel), "sound/card0/%s", name);
		else if (strncmp(tok, "dri/", 4) == 0)
			snprintf(rel, sizeof(rel), "drm/%s", name);
		else
			snprintf(rel, sizeof(rel), "graphics/%s", name);
		fx_mkdirs(fx, "%s/%s", d->dir, rel);
		snprintf(file, sizeof(file), "%s/%s/uevent", d->dir, rel);
		fx_putf(fx, file, "DEVNAME=%s\n", tok);
	}
}

/* The attribute files, as pci-sysfs.c shows them. */
void fx_render_pci_attrs(struct fx *fx, const struct fk_pci *d)
{
	DEVF(fx, d, "vendor", "0x%04x\n", d->vendor);
	DEVF(fx, d, "device", "0x%04x\n", d->device);
	DEVF(fx, d, "subsystem_vendor", "0x%04x\n", d->svendor);
	DEVF(fx, d, "subsystem_device", "0x%04x\n", d->sdevice);
	DEVF(fx, d, "class", "0x%06x\n", d->class);
	DEVF(fx, d, "enable", "1\n");
	DEVF(fx, d, "numa_node", "-1\n");
	DEVF(fx, d, "remove", "%s", "");
	DEVF(fx, d, "rescan", "%s", "");
	fx_render_override(fx, d);
	if (d->hdr >= 0)
		render_config(fx, d);
	/* pci_dev_reset_attr_is_visible(): no method, no file */
	if (*d->reset) {
		DEVF(fx, d, "reset_method", "%s\n", d->reset);
		DEVF(fx, d, "reset", "%s", "");
	}
	if (d->numvfs >= 0) {
		DEVF(fx, d, "sriov_numvfs", "%d\n", d->numvfs);
		DEVF(fx, d, "sriov_totalvfs", "%d\n", d->numvfs > 0 ? d->numvfs : 1);
	}
	/* boot_vga exists for VGA-class devices only */
	if ((d->class >> 8) == 0x0300)
		DEVF(fx, d, "boot_vga", "%d\n", d->boot_vga);
	render_nodes(fx, d);
}

void fx_render_pci(struct fx *fx, struct fk_pci *d)
{
	char rel[FX_REL + 64];

	fx_mkdirs(fx, "%s", d->dir);
	fx_render_pci_attrs(fx, d);
	snprintf(rel, sizeof(rel), "%s/subsystem", d->dir);
	fx_symlink(fx, rel, "sys/bus/pci");
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", d->addr);
	fx_symlink(fx, rel, d->dir);
	if (d->physfn >= 0) {
		const struct fk_pci *pf = &fx->pci[d->physfn];
		int k = 0;

		snprintf(rel, sizeof(rel), "%s/physfn", d->dir);
		fx_symlink(fx, rel, pf->dir);
		for (const struct fk_pci *o = fx->pci; o < d; o++)
			k += o->physfn == d->physfn;
		snprintf(rel, sizeof(rel), "%s/virtfn%d", pf->dir, k);
		fx_symlink(fx, rel, d->dir);
	}
	if (fx->iommu && d->group >= 0) {
		char grp[64];

		snprintf(grp, sizeof(grp), "sys/kernel/iommu_groups/%d", d->group);
		fx_mkdirs(fx, "%s/devices", grp);
		snprintf(rel, sizeof(rel), "%s/type", grp);
		fx_putf(fx, rel, "DMA\n");
		snprintf(rel, sizeof(rel), "%s/iommu_group", d->dir);
		fx_symlink(fx, rel, grp);
		snprintf(rel, sizeof(rel), "%s/devices/%s", grp, d->addr);
		fx_symlink(fx, rel, d->dir);
	}
}

void fx_render_driver_dir(struct fx *fx, const struct fk_driver *drv)
{
	static const char *const attrs[] = { "bind", "unbind", "uevent", "new_id", "remove_id" };
	char dir[FX_REL], rel[FX_REL + 32];

	snprintf(dir, sizeof(dir), "sys/bus/%s/drivers/%s", drv->platform ? "platform" : "pci",
		 drv->name);
	fx_mkdirs(fx, "%s", dir);
	for (size_t i = 0; i < VFH_ARRAY_SIZE(attrs); i++) {
		if (drv->platform && i > 2)
			break;
		snprintf(rel, sizeof(rel), "%s/%s", dir, attrs[i]);
		fx_putf(fx, rel, "%s", "");
	}
	if (drv->module >= 0) {
		char target[FX_REL];

		snprintf(rel, sizeof(rel), "%s/module", dir);
		snprintf(target, sizeof(target), "sys/module/%s", fx->mod[drv->module].name);
		fx_mkdirs(fx, "%s", target);
		fx_symlink(fx, rel, target);
	}
}

static int by_depth(const void *a, const void *b)
{
	const struct fk_pci *x = *(const struct fk_pci *const *)a;
	const struct fk_pci *y = *(const struct fk_pci *const *)b;
	int dx = 0, dy = 0;

	for (const char *p = x->dir; *p; p++)
		dx += *p == '/';
	for (const char *p = y->dir; *p; p++)
		dy += *p == '/';
	return dx != dy ? dx - dy : vfh_pci_addr_cmp(&x->a, &y->a);
}

/* Parents before children, so that each directory's parent is there;
 * then the disks and NICs inside them, then the virtual devices above
 * those. */
void fx_pci_render(struct fx *fx)
{
	static const char *const dirs[] = {
		"sys/bus/pci/devices", "sys/bus/pci/drivers", "sys/bus/pci/slots",
	};
	struct fk_pci *order[FX_MAX_PCI];

	for (size_t i = 0; i < VFH_ARRAY_SIZE(dirs); i++)
		fx_mkdirs(fx, "%s", dirs[i]);
	fx_putf(fx, "sys/bus/pci/drivers_probe", "%s", "");
	fx_putf(fx, "sys/bus/pci/drivers_autoprobe", "1\n");
	fx_putf(fx, "sys/bus/pci/rescan", "%s", "");
	fx_putf(fx, "sys/bus/pci/resource_alignment", "\n");
	for (size_t i = 0; i < fx->ndrv; i++)
		if (fx->drv[i].registered && !fx->drv[i].platform)
			fx_render_driver_dir(fx, &fx->drv[i]);
	for (size_t i = 0; i < fx->npci; i++)
		order[i] = &fx->pci[i];
	qsort(order, fx->npci, sizeof(order[0]), by_depth);
	for (size_t i = 0; i < fx->npci; i++) {
		char drv[FX_NAME];

		fx_render_pci(fx, order[i]);
		snprintf(drv, sizeof(drv), "%s", order[i]->driver);
		order[i]->driver[0] = '\0';
		fk_pci_set_driver(fx, order[i], drv);
	}
	for (size_t i = 0; i < fx->npci; i++)
		fx_render_pci_children(fx, order[i]);
	fx_render_virtual(fx);
}
