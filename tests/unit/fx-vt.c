// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture's console drivers.
 *
 *  vtcon N         name="(M) frame buffer device" bound=0|1 (bound: holds
 *                  the VTs; "(M)"/"(S)" as the kernel shows a modular or a
 *                  system console driver, "frame buffer" in the name is
 *                  fbcon; the fake kernel's rules are in fk-vt.c) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture-int.h"

void fx_vtcon_add(struct fx *fx, const struct fx_ent *pe)
{
	struct fk_vtcon *c;
	const char *v;

	if (fx->nvtcon == FX_MAX_VTCON)
		fx_fail("too many vtcons");
	c = &fx->vtcon[fx->nvtcon++];
	c->index = atoi(pe->name);
	v = fx_ent_get(pe, "name");
	snprintf(c->name, sizeof(c->name), "%s", v ? v : "(S) dummy device");
	c->bound = fx_num(pe, "bound", 0) != 0;
}

void fx_vtcon_build(struct fx *fx)
{
	for (size_t i = 0; i < fx->nvtcon; i++) {
		bool dup = false;

		for (size_t j = 0; j < i; j++)
			dup |= fx->vtcon[i].index == fx->vtcon[j].index;
		if (dup || fx->vtcon[i].index < 0 || fx->vtcon[i].index > 15)
			fx_fail("vtcon%d: one per index, 0 to 15 (MAX_NR_CON_DRIVER)",
				fx->vtcon[i].index);
	}
}

void fx_render_vtcon(struct fx *fx, const struct fk_vtcon *c)
{
	char dir[FX_REL], rel[FX_REL + 32];

	snprintf(dir, sizeof(dir), "sys/devices/virtual/vtconsole/vtcon%d", c->index);
	snprintf(rel, sizeof(rel), "%s/name", dir);
	fx_putf(fx, rel, "%s\n", c->name);
	snprintf(rel, sizeof(rel), "%s/bind", dir);
	fx_putf(fx, rel, "%d\n", c->bound);
	snprintf(rel, sizeof(rel), "sys/class/vtconsole/vtcon%d", c->index);
	fx_symlink(fx, rel, dir);
}

void fx_vtcon_render(struct fx *fx)
{
	fx_mkdirs(fx, "sys/class/vtconsole");
	for (size_t i = 0; i < fx->nvtcon; i++)
		fx_render_vtcon(fx, &fx->vtcon[i]);
}
