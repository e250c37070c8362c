// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake kernel's virtual consoles.
 *
 * vtconN/bind (store_bind(), drivers/tty/vt/vt.c) always "succeeds",
 * whatever vt_bind()/vt_unbind() made of it; the library must read bind
 * back.  Both ignore a system console driver ("(S)", no
 * CON_DRIVER_FLAG_MODULE).  Binding a modular one ("(M)") only takes the
 * VTs the default driver holds, the first registered "(S)" one: where
 * every driver is "(M)" (the QEMU guest: fbcon and dummycon), or another
 * "(M)" driver holds the VTs, writing 1 does nothing.  Unbinding
 * (do_unbind_con_driver()) hands the VTs to the first other registered
 * driver, whatever its kind: unbinding dummycon gives them back to fbcon.
 * Observed on the guest (6.1): fbcon=1 dummy=0; unbind fbcon -> 0/1; bind
 * fbcon -> 0/1; bind dummy -> 0/1; unbind dummy -> 1/0.
 *
 * fbcon coming and going with the framebuffers is in fk-fb.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture-int.h"

static bool vt_modular(const struct fk_vtcon *c)
{
	return strncmp(c->name, "(M)", 3) == 0;
}

bool fk_vt_is_fbcon(const struct fk_vtcon *c)
{
	return strstr(c->name, "frame buffer") != NULL;
}

/* The first registered console driver (registered_con_driver[] order),
 * other than `except`; only system ones when system_only. */
static struct fk_vtcon *vt_first(struct fx *fx, const struct fk_vtcon *except, bool system_only)
{
	struct fk_vtcon *best = NULL;

	for (size_t i = 0; i < fx->nvtcon; i++) {
		struct fk_vtcon *c = &fx->vtcon[i];

		if (c->gone || c == except || (system_only && vt_modular(c)))
			continue;
		if (!best || c->index < best->index)
			best = c;
	}
	return best;
}

/* do_bind_con_driver(): c takes the VTs from whoever holds them */
void fk_vt_take(struct fx *fx, struct fk_vtcon *c)
{
	for (size_t i = 0; i < fx->nvtcon; i++)
		fx->vtcon[i].bound = false;
	c->bound = true;
}

/* do_unbind_con_driver(): the VTs go to the first other driver; without
 * one nothing changes (-ENODEV, which store_bind() ignores) */
void fk_vt_give_up(struct fx *fx, struct fk_vtcon *c)
{
	struct fk_vtcon *back = vt_first(fx, c, false);

	if (!c->bound || !back)
		return;
	c->bound = false;
	back->bound = true;
}

void fk_vt_render_all(struct fx *fx)
{
	for (size_t i = 0; i < fx->nvtcon; i++)
		if (!fx->vtcon[i].gone)
			fx_render_vtcon(fx, &fx->vtcon[i]);
}

static int vtcon_bind(struct fx *fx, struct fk_vtcon *c, const char *val)
{
	int bind = (int)strtoul(val, NULL, 0);	/* simple_strtoul: no error */

	if (c->decline || !vt_modular(c))
		return 0;
	if (bind) {
		/* vt_bind(): only what the default (system) driver holds */
		struct fk_vtcon *def = vt_first(fx, NULL, true);

		if (def && def->bound)
			fk_vt_take(fx, c);
	} else {
		fk_vt_give_up(fx, c);
	}
	fk_vt_render_all(fx);
	return 0;
}

int fk_vt_write(struct fx *fx, const char *path, const char *val)
{
	for (size_t i = 0; i < fx->nvtcon; i++) {
		char want[FX_REL];

		snprintf(want, sizeof(want), "sys/devices/virtual/vtconsole/vtcon%d/bind",
			 fx->vtcon[i].index);
		if (!fx->vtcon[i].gone && strcmp(path, want) == 0)
			return vtcon_bind(fx, &fx->vtcon[i], val);
	}
	return -EACCES;
}

bool fk_vt_restore(struct fx *fx, const char *path)
{
	(void)path;
	fk_vt_render_all(fx);
	return true;
}

/* ------------------------------------------------------------ test API */

void fk_vtcon_decline(struct fx *fx, int index)
{
	for (size_t i = 0; i < fx->nvtcon; i++)
		if (!fx->vtcon[i].gone && fx->vtcon[i].index == index) {
			fx->vtcon[i].decline = true;
			return;
		}
	fx_fail("no vtcon%d in the fixture", index);
}

void fk_vtcon_slot_lingers(struct fx *fx)
{
	fx->vt_lingers = true;
}
