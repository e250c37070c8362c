// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake kernel's modules, loaded and unloaded through the library's
 * module seam (libkmod in the real library), not through a file.
 *
 * Loading registers the module's drivers, and bus_add_driver() ->
 * driver_attach() binds every unbound device they match.  Unloading
 * detaches their devices and unregisters them; a module still held
 * reports -EWOULDBLOCK like delete_module(). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fixture-int.h"

/* The kernel's module names use '_'; modprobe accepts either. */
static bool modname_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

struct fk_module *fk_module_find(struct fx *fx, const char *name)
{
	for (size_t i = 0; i < fx->nmod; i++)
		if (modname_eq(fx->mod[i].name, name))
			return &fx->mod[i];
	return NULL;
}

static void holders_drop(struct fx *fx, const char *name)
{
	for (size_t i = 0; i < fx->nmod; i++) {
		struct fk_module *m = &fx->mod[i];
		char buf[256], out[256] = "", *save, *tok;
		bool changed = false;

		snprintf(buf, sizeof(buf), "%s", m->holders);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (modname_eq(tok, name)) {
				changed = true;
				continue;
			}
			if (*out)
				strcat(out, ",");
			strcat(out, tok);
		}
		if (!changed)
			continue;
		snprintf(m->holders, sizeof(m->holders), "%s", out);
		if (m->refcnt > 0)
			m->refcnt--;
		fx_render_module(fx, m);
	}
}

int fk_module_op(void *data, const char *name, bool load)
{
	struct fx *fx = data;
	struct fk_module *m = fk_module_find(fx, name);
	size_t idx = fk_log_add(fx, load ? "@modprobe" : "@rmmod", name);
	int r = 0;

	if (!m) {
		r = -ENOENT;
	} else if (load) {
		if (m->fail_load)
			r = m->fail_load;
		else if (m->state == MOD_ABSENT) {
			m->state = MOD_LIVE;
			m->refcnt = 0;
			for (size_t i = 0; i < fx->ndrv; i++)
				if (fx->drv[i].module == (int)(m - fx->mod)) {
					fx->drv[i].registered = true;
					fx_render_driver_dir(fx, &fx->drv[i]);
				}
			fx_render_module(fx, m);
			/* bus_add_driver() -> driver_attach() */
			for (size_t i = 0; i < fx->npci; i++)
				fk_pci_autoprobe(fx, &fx->pci[i]);
		}
	} else {
		if (m->fail_unload)
			r = m->fail_unload;
		else if (m->state == MOD_ABSENT || m->state == MOD_BUILTIN)
			r = -ENOENT;
		else if (m->refcnt > 0 || *m->holders)
			r = -EWOULDBLOCK;
		else {
			for (size_t i = 0; i < fx->ndrv; i++) {
				struct fk_driver *drv = &fx->drv[i];
				char dir[FX_REL];

				if (drv->module != (int)(m - fx->mod) || !drv->registered)
					continue;
				for (size_t j = 0; j < fx->npci; j++)
					if (fx->pci[j].present && strcmp(fx->pci[j].driver, drv->name) == 0)
						fk_pci_set_driver(fx, &fx->pci[j], NULL);
				drv->registered = false;
				snprintf(dir, sizeof(dir), "sys/bus/pci/drivers/%s", drv->name);
				fx_rmtree(fx, dir);
			}
			m->state = MOD_ABSENT;
			fx_render_module(fx, m);
			holders_drop(fx, m->name);
		}
	}
	fk_fb_sync(fx);
	fx->log[idx].result = r;
	return r;
}

/* ------------------------------------------------------------ test API */

void fk_fail_module(struct fx *fx, const char *module, bool load, int err)
{
	struct fk_module *m = fk_module_find(fx, module);

	if (!m)
		fx_fail("no module %s in the fixture", module);
	if (load)
		m->fail_load = err;
	else
		m->fail_unload = err;
}

bool fk_module_live(struct fx *fx, const char *module)
{
	struct fk_module *m = fk_module_find(fx, module);

	return m && m->state != MOD_ABSENT;
}
