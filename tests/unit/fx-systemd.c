// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture's systemd units, for the fake systemd (fk-systemd.c); they
 * have no place in the tree.
 *
 *  unit NAME       active=0|1 pid=PID (its process, a proc line: gone
 *                  while the unit is stopped, back once it starts)
 *
 * A user manager's unit is named "user/UID/UNIT" (the library's user-unit
 * calls reach the same seam with that name). */
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
	u->pid = (int)fx_num(pe, "pid", 0);
}
