// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture's platform devices, the framebuffers firmware leaves
 * (efi-framebuffer, simple-framebuffer).  PCI framebuffers are a key of
 * the pci kind (fx-pci.c); fbcon's part is in fk-fb.c.
 *
 *  platform DEV    driver=NAME bound=0|1 fb=1 (a framebuffer while bound) */
#include <stdio.h>
#include <string.h>

#include "fixture-int.h"

void fx_platform_add(struct fx *fx, const struct fx_ent *pe)
{
	struct fk_platform *p;
	const char *v;

	if (fx->nplat == FX_MAX_PLAT)
		fx_fail("too many platform devices");
	p = &fx->plat[fx->nplat++];
	fx_copy_name(p->name, pe->name, pe);
	v = fx_ent_get(pe, "driver");
	if (!v)
		fx_fail("%s:%d: platform device without driver=", pe->file, pe->line);
	fx_copy_name(p->native, v, pe);
	fx_add_driver(fx, v, true, pe);
	if (fx_num(pe, "bound", 1))
		strcpy(p->driver, p->native);
	p->fb = fx_num(pe, "fb", 0) != 0;
}

void fx_render_platform(struct fx *fx, const struct fk_platform *p)
{
	char dir[FX_REL], rel[FX_REL + 64], target[FX_REL];
	const struct fk_driver *drv = fk_driver_find(fx, p->native, true);

	snprintf(dir, sizeof(dir), "sys/devices/platform/%s", p->name);
	fx_mkdirs(fx, "%s", dir);
	snprintf(rel, sizeof(rel), "%s/driver_override", dir);
	fx_putf(fx, rel, "(null)\n");
	snprintf(rel, sizeof(rel), "%s/modalias", dir);
	fx_putf(fx, rel, "platform:%s\n", p->native);
	snprintf(rel, sizeof(rel), "sys/bus/platform/devices/%s", p->name);
	fx_symlink(fx, rel, dir);
	fx_render_driver_dir(fx, drv);
	/* both links, or neither */
	for (size_t i = 0; i < fx->ndrv; i++)
		if (fx->drv[i].platform)
			fx_remove(fx, "sys/bus/platform/drivers/%s/%s", fx->drv[i].name, p->name);
	snprintf(rel, sizeof(rel), "%s/driver", dir);
	if (*p->driver) {
		snprintf(target, sizeof(target), "sys/bus/platform/drivers/%s", p->driver);
		fx_symlink(fx, rel, target);
		snprintf(rel, sizeof(rel), "%s/%s", target, p->name);
		fx_symlink(fx, rel, dir);
	} else {
		fx_remove(fx, "%s", rel);
	}
}

void fx_platform_render(struct fx *fx)
{
	static const char *const dirs[] = {
		"sys/bus/platform/devices", "sys/bus/platform/drivers", "sys/devices/platform",
	};

	for (size_t i = 0; i < VFH_ARRAY_SIZE(dirs); i++)
		fx_mkdirs(fx, "%s", dirs[i]);
	for (size_t i = 0; i < fx->nplat; i++)
		fx_render_platform(fx, &fx->plat[i]);
}
