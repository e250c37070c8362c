// SPDX-License-Identifier: LGPL-2.1-or-later
/* The spec reader: fixtures/NAME.fx (format at the top of fixture.c) into
 * fx->ents, one entry per kind and name, later lines merged into earlier
 * ones.  Which kinds and keys exist is fx_kinds[]'s to say. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture-int.h"

const char *fx_ent_get(const struct fx_ent *e, const char *key)
{
	for (size_t i = 0; i < e->nkv; i++)
		if (strcmp(e->kv[i].key, key) == 0)
			return e->kv[i].val;
	return NULL;
}

const struct fx_ent *fx_find_ent(const struct fx *fx, const char *kind, const char *name)
{
	for (size_t i = 0; i < fx->nents; i++)
		if (strcmp(fx->ents[i].kind, kind) == 0 && strcmp(fx->ents[i].name, name) == 0)
			return &fx->ents[i];
	return NULL;
}

static void ent_free(struct fx_ent *e)
{
	for (size_t i = 0; i < e->nkv; i++) {
		free(e->kv[i].key);
		free(e->kv[i].val);
	}
	free(e->kv);
}

static void ent_set(struct fx_ent *e, const char *key, const char *val)
{
	for (size_t i = 0; i < e->nkv; i++)
		if (strcmp(e->kv[i].key, key) == 0) {
			free(e->kv[i].val);
			e->kv[i].val = strdup(val);
			return;
		}
	e->kv = realloc(e->kv, (e->nkv + 1) * sizeof(*e->kv));
	if (!e->kv)
		fx_fail("out of memory");
	e->kv[e->nkv].key = strdup(key);
	e->kv[e->nkv].val = strdup(val);
	e->nkv++;
}

/* Splits a line into words; "..." groups a value with spaces (the quotes
 * are dropped).  In place. */
static int tokenize(char *s, char **tok, int max)
{
	int n = 0;
	char *out = s;

	while (*s) {
		bool quoted = false;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (n == max)
			return -1;
		tok[n++] = out;
		while (*s && (quoted || (*s != ' ' && *s != '\t'))) {
			if (*s == '"')
				quoted = !quoted;
			else
				*out++ = *s;
			s++;
		}
		if (quoted)
			return -1;
		if (*s)
			s++;
		*out++ = '\0';
	}
	return n;
}

static void spec_line(struct fx *fx, char *line, const char *file, int lineno, int depth)
{
	char *tok[40];
	int n = tokenize(line, tok, 40), first;
	const struct fx_kind *k;
	const char *ename = "";
	struct fx_ent *e = NULL;

	if (n < 0)
		fx_fail("%s:%d: unbalanced quote or too many words", file, lineno);
	if (n == 0)
		return;
	if (strcmp(tok[0], "include") == 0) {
		if (n != 2)
			fx_fail("%s:%d: include takes one name", file, lineno);
		fx_load_spec(fx, tok[1], depth + 1);
		return;
	}
	if (strcmp(tok[0], "drop") == 0) {
		if (n != 3)
			fx_fail("%s:%d: drop takes a kind and a name", file, lineno);
		for (size_t i = 0; i < fx->nents; i++)
			if (strcmp(fx->ents[i].kind, tok[1]) == 0 &&
			    strcmp(fx->ents[i].name, tok[2]) == 0) {
				ent_free(&fx->ents[i]);
				memmove(&fx->ents[i], &fx->ents[i + 1],
					(fx->nents - i - 1) * sizeof(*fx->ents));
				fx->nents--;
				return;
			}
		fx_fail("%s:%d: drop: no %s %s", file, lineno, tok[1], tok[2]);
		return;
	}
	k = fx_kind_find(tok[0]);
	if (!k)
		fx_fail("%s:%d: unknown kind '%s'", file, lineno, tok[0]);
	first = 1;
	if (k->named) {
		if (n < 2 || strchr(tok[1], '='))
			fx_fail("%s:%d: %s needs a name", file, lineno, tok[0]);
		ename = tok[1];
		first = 2;
	}
	if (strlen(ename) >= sizeof(e->name))
		fx_fail("%s:%d: name too long", file, lineno);
	for (size_t i = 0; i < fx->nents; i++)
		if (strcmp(fx->ents[i].kind, tok[0]) == 0 && strcmp(fx->ents[i].name, ename) == 0)
			e = &fx->ents[i];
	if (!e) {
		fx->ents = realloc(fx->ents, (fx->nents + 1) * sizeof(*fx->ents));
		if (!fx->ents)
			fx_fail("out of memory");
		e = &fx->ents[fx->nents++];
		memset(e, 0, sizeof(*e));
		snprintf(e->kind, sizeof(e->kind), "%s", tok[0]);
		snprintf(e->name, sizeof(e->name), "%s", ename);
	}
	e->line = lineno;
	snprintf(e->file, sizeof(e->file), "%s", file);
	for (int i = first; i < n; i++) {
		char *eq = strchr(tok[i], '='), key[40];

		if (!eq || eq == tok[i] || (size_t)(eq - tok[i]) >= sizeof(key) - 2)
			fx_fail("%s:%d: '%s' is not key=value", file, lineno, tok[i]);
		snprintf(key, sizeof(key), " %.*s ", (int)(eq - tok[i]), tok[i]);
		if (!strstr(k->keys, key))
			fx_fail("%s:%d: unknown key%sfor %s", file, lineno, key, tok[0]);
		*eq = '\0';
		ent_set(e, tok[i], eq + 1);
	}
}

void fx_spec_text(struct fx *fx, char *text, const char *file, int depth)
{
	int lineno = 0;
	char *save, *line;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *p = line;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || !*p)
			continue;
		spec_line(fx, line, file, lineno, depth);
	}
}

void fx_load_spec(struct fx *fx, const char *name, int depth)
{
	char path[PATH_MAX], *text;
	struct stat st;
	FILE *f;

	if (depth > 4)
		fx_fail("includes nested too deep at %s", name);
	if (!*name || strchr(name, '/') || name[0] == '.')
		fx_fail("bad fixture name '%s'", name);
	snprintf(path, sizeof(path), "%s/%s.fx", fx_dir(), name);
	f = fopen(path, "re");
	if (!f || fstat(fileno(f), &st) < 0) {
		fx_fail("cannot read %s: %s", path, strerror(errno));
		return;
	}
	text = calloc(1, (size_t)st.st_size + 1);
	if (!text || fread(text, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		fx_fail("cannot read %s", path);
	fclose(f);
	fx_spec_text(fx, text, name, depth);
	free(text);
}

unsigned long fx_num(const struct fx_ent *e, const char *key, unsigned long def)
{
	const char *v = fx_ent_get(e, key);
	char *end;
	unsigned long n;

	if (!v)
		return def;
	errno = 0;
	n = strtoul(v, &end, 0);
	if (errno || end == v || *end)
		fx_fail("%s:%d: %s=%s is not a number", e->file, e->line, key, v);
	return n;
}

void fx_copy_name(char *dst, const char *src, const struct fx_ent *e)
{
	if (strlen(src) >= FX_NAME)
		fx_fail("%s:%d: name '%s' too long", e->file, e->line, src);
	strcpy(dst, src);
}

void fx_ents_free(struct fx *fx)
{
	for (size_t i = 0; i < fx->nents; i++)
		ent_free(&fx->ents[i]);
	free(fx->ents);
	fx->ents = NULL;
	fx->nents = 0;
}
