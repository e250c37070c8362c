// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture's modules.
 *
 *  module NAME     state=live|builtin|absent (absent: modprobe can load it)
 *                  refcnt=N holders=a,b drivers=x,y (PCI drivers it registers)
 *
 * Names are written as the kernel shows them, with '_'.  A live module has
 * sys/module/NAME with initstate, refcnt, holders/ and drivers/pci:X; a
 * built-in one only its directory; an absent one nothing. */
#include <stdio.h>
#include <string.h>

#include "fixture-int.h"

void fx_module_add(struct fx *fx, const struct fx_ent *e)
{
	struct fk_module *m;
	const char *v;

	if (fx->nmod == FX_MAX_MOD)
		fx_fail("too many modules");
	m = &fx->mod[fx->nmod++];
	memset(m, 0, sizeof(*m));
	fx_copy_name(m->name, e->name, e);
	if (strchr(m->name, '-'))
		fx_fail("%s:%d: module names use '_' as the kernel shows them", e->file, e->line);
	v = fx_ent_get(e, "state");
	if (!v || strcmp(v, "live") == 0)
		m->state = MOD_LIVE;
	else if (strcmp(v, "builtin") == 0)
		m->state = MOD_BUILTIN;
	else if (strcmp(v, "absent") == 0)
		m->state = MOD_ABSENT;
	else
		fx_fail("%s:%d: state=%s", e->file, e->line, v);
	m->refcnt = (int)fx_num(e, "refcnt", 0);
	v = fx_ent_get(e, "holders");
	if (v)
		snprintf(m->holders, sizeof(m->holders), "%s", v);
}

static void model_module_drivers(struct fx *fx, const struct fx_ent *e)
{
	const char *v = fx_ent_get(e, "drivers");
	char buf[256], *save, *tok;
	int mi = (int)(fk_module_find(fx, e->name) - fx->mod);

	if (!v)
		return;
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct fk_driver *d = fx_add_driver(fx, tok, false, e);

		d->module = mi;
	}
}

/* The drivers each module registers, once every module is known; a
 * holder must be one of them. */
void fx_module_build(struct fx *fx)
{
	for (size_t i = 0; i < fx->nents; i++)
		if (strcmp(fx->ents[i].kind, "module") == 0)
			model_module_drivers(fx, &fx->ents[i]);
	for (size_t i = 0; i < fx->nmod; i++) {
		char buf[256], *save, *tok;

		snprintf(buf, sizeof(buf), "%s", fx->mod[i].holders);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (!fk_module_find(fx, tok))
				fx_fail("module %s: holder %s is not a module of the fixture",
					fx->mod[i].name, tok);
	}
}

void fx_render_module(struct fx *fx, const struct fk_module *m)
{
	char dir[FX_REL], rel[FX_REL + 64], buf[256], *save, *tok;

	snprintf(dir, sizeof(dir), "sys/module/%s", m->name);
	if (m->state == MOD_ABSENT) {
		fx_rmtree(fx, dir);
		return;
	}
	fx_mkdirs(fx, "%s/parameters", dir);
	if (m->state == MOD_BUILTIN)
		return;
	snprintf(rel, sizeof(rel), "%s/initstate", dir);
	fx_putf(fx, rel, "live\n");
	snprintf(rel, sizeof(rel), "%s/refcnt", dir);
	fx_putf(fx, rel, "%d\n", m->refcnt);
	snprintf(rel, sizeof(rel), "%s/holders", dir);
	fx_rmtree(fx, rel);
	fx_mkdirs(fx, "%s/holders", dir);
	snprintf(buf, sizeof(buf), "%s", m->holders);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char target[FX_REL];

		snprintf(rel, sizeof(rel), "%s/holders/%s", dir, tok);
		snprintf(target, sizeof(target), "sys/module/%s", tok);
		fx_mkdirs(fx, "%s", target);
		fx_symlink(fx, rel, target);
	}
	for (size_t i = 0; i < fx->ndrv; i++) {
		const struct fk_driver *d = &fx->drv[i];
		char target[FX_REL];

		if (d->module < 0 || &fx->mod[d->module] != m || !d->registered)
			continue;
		snprintf(rel, sizeof(rel), "%s/drivers/pci:%s", dir, d->name);
		snprintf(target, sizeof(target), "sys/bus/pci/drivers/%s", d->name);
		fx_symlink(fx, rel, target);
	}
}

void fx_module_render(struct fx *fx)
{
	fx_mkdirs(fx, "sys/module");
	for (size_t i = 0; i < fx->nmod; i++)
		fx_render_module(fx, &fx->mod[i]);
}
