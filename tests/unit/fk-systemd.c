// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake systemd: an in-memory table of units, reached through the
 * library's unit seam.  An unknown unit cannot be started or stopped
 * (-ENOENT, systemd's "Unit not found"). */
#include <errno.h>
#include <string.h>

#include "fixture-int.h"

int fk_unit_op(void *data, const char *unit, const char *verb)
{
	struct fx *fx = data;
	struct fk_unit *u = NULL;
	size_t idx;
	int r = 0;

	for (size_t i = 0; i < fx->nunit; i++)
		if (strcmp(fx->unit[i].name, unit) == 0)
			u = &fx->unit[i];
	if (strcmp(verb, "is-active") == 0)
		return u && u->active;
	idx = fk_log_add(fx, strcmp(verb, "start") == 0 ? "@start" :
		      strcmp(verb, "stop") == 0 ? "@stop" : "@unit", unit);
	if (!u)
		r = -ENOENT;
	else if (strcmp(verb, "start") == 0)
		r = u->fail_start ? u->fail_start : (u->active = true, 0);
	else if (strcmp(verb, "stop") == 0)
		r = u->fail_stop ? u->fail_stop : (u->active = false, 0);
	else
		r = -EINVAL;
	fx->log[idx].result = r;
	return r;
}

/* ------------------------------------------------------------ test API */

void fk_fail_unit(struct fx *fx, const char *unit, const char *verb, int err)
{
	for (size_t i = 0; i < fx->nunit; i++)
		if (strcmp(fx->unit[i].name, unit) == 0) {
			if (strcmp(verb, "start") == 0)
				fx->unit[i].fail_start = err;
			else
				fx->unit[i].fail_stop = err;
			return;
		}
	fx_fail("no unit %s in the fixture", unit);
}

int fk_unit_active(const struct fx *fx, const char *unit)
{
	for (size_t i = 0; i < fx->nunit; i++)
		if (strcmp(fx->unit[i].name, unit) == 0)
			return fx->unit[i].active;
	return -1;
}
