// SPDX-License-Identifier: LGPL-2.1-or-later
/* The ledger: what every domain holds, as the union of the claims of the
 * steps its journal still has applied.  Nothing is stored apart from the
 * journals: they are the one source of truth, so the ledger is always
 * read anew (under the global lock when it decides anything). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static int add(struct ledger *l, const struct claim *c, const char *domain)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct ledger_claim *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n].c = *c;
	snprintf(l->v[l->n++].domain, sizeof(l->v[0].domain), "%s", domain);
	return 0;
}

int eng_ledger_load(struct vfh_ctx *ctx, const char *self, struct ledger *l)
{
	char **doms;
	size_t n;
	int r = eng_journal_list(ctx, &doms, &n);

	memset(l, 0, sizeof(*l));
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct journal j;
		int o;

		if (self && strcmp(doms[i], self) == 0)
			continue;
		o = eng_journal_open(ctx, doms[i], false, &j);
		if (o == -ENOENT)
			continue;	/* a directory without journal: nothing held */
		if (o < 0) {
			/* unreadable: it may hold anything */
			if (!*l->unreadable) {
				snprintf(l->unreadable, sizeof(l->unreadable), "%s", doms[i]);
				l->unreadable_err = o;
			}
			continue;
		}
		for (size_t k = 0; k < j.n && r == 0; k++) {
			struct claim c[STEP_CLAIMS_MAX];
			size_t nc;

			if (!j.e[k].begun || j.e[k].undone)
				continue;
			memset(c, 0, sizeof(c));
			nc = eng_step_claims(&j.e[k].step, c);
			for (size_t m = 0; m < nc && r == 0; m++)
				r = add(l, &c[m], doms[i]);
		}
		eng_journal_close(&j);
	}
	free(doms);
	if (r < 0)
		eng_ledger_free(l);
	return r;
}

const char *eng_ledger_holder(const struct ledger *l, const char *type, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].c.exclusive && strcmp(l->v[i].c.type, type) == 0 &&
		    strcmp(l->v[i].c.key, key) == 0)
			return l->v[i].domain;
	return NULL;
}

uint64_t eng_ledger_sum(const struct ledger *l, const char *type, const char *key)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].c.exclusive && strcmp(l->v[i].c.type, type) == 0 &&
		    strcmp(l->v[i].c.key, key) == 0)
			sum += l->v[i].c.amount;
	return sum;
}

void eng_ledger_free(struct ledger *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
