// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture's systemd units, for the fake systemd (fk-systemd.c); they
 * have no place in the tree.
 *
 *  unit NAME       active=0|1 */
#include <stdio.h>

#include "fixture-int.h"

void fx_unit_add(struct fx *fx, const struct fx_ent *pe)
{
	struct fk_unit *u;

	if (fx->nunit == FX_MAX_UNIT)
		fx_fail("too many units");
	u = &fx->unit[fx->nunit++];
	snprintf(u->name, sizeof(u->name), "%s", pe->name);
	u->active = fx_num(pe, "active", 0) != 0;
}
