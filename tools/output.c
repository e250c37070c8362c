// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reports as data: a small JSON tree each reporting command fills, printed
 * either by the command's human formatter or as JSON (--json).  One tree,
 * two printers: the two outputs cannot say different things. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void *xalloc(void *p)
{
	if (!p)
		die("out of memory");
	return p;
}

static struct onode *node(enum otype t)
{
	struct onode *n = xalloc(calloc(1, sizeof(*n)));

	n->t = t;
	return n;
}

/* A new node owned by parent (never NULL: only o_doc makes a root, and a
 * node of no parent would be nobody's to free). */
static struct onode *add(struct onode *parent, const char *key, enum otype t)
{
	struct onode *n = node(t);

	if (parent->t == O_OBJ)
		n->key = xalloc(strdup(key ? key : ""));
	if (parent->n == parent->cap) {
		parent->cap = parent->cap ? parent->cap * 2 : 8;
		parent->kid = xalloc(realloc(parent->kid, parent->cap * sizeof(*parent->kid)));
	}
	parent->kid[parent->n++] = n;
	return n;
}

struct onode *o_doc(const char *cmd)
{
	struct onode *d = node(O_OBJ);

	o_int(d, "schema", CLI_JSON_SCHEMA);
	o_str(d, "command", cmd);
	return d;
}

struct onode *o_obj(struct onode *parent, const char *key)
{
	return add(parent, key, O_OBJ);
}

struct onode *o_arr(struct onode *parent, const char *key)
{
	return add(parent, key, O_ARR);
}

void o_str(struct onode *parent, const char *key, const char *val)
{
	if (!val) {
		add(parent, key, O_NULL);
		return;
	}
	add(parent, key, O_STR)->s = xalloc(strdup(val));
}

void o_strf(struct onode *parent, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	add(parent, key, O_STR)->s = s;
}

void o_int(struct onode *parent, const char *key, long long val)
{
	add(parent, key, O_INT)->i = val;
}

void o_bool(struct onode *parent, const char *key, bool val)
{
	add(parent, key, O_BOOL)->b = val;
}

void o_null(struct onode *parent, const char *key)
{
	add(parent, key, O_NULL);
}

void o_free(struct onode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		o_free(n->kid[i]);
	free(n->kid);
	free(n->key);
	free(n->s);
	free(n);
}

const struct onode *o_get(const struct onode *obj, const char *key)
{
	if (!obj || obj->t != O_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->kid[i]->key, key) == 0)
			return obj->kid[i];
	return NULL;
}

const char *o_gets(const struct onode *obj, const char *key)
{
	const struct onode *n = o_get(obj, key);

	return n && n->t == O_STR ? n->s : "";
}

long long o_geti(const struct onode *obj, const char *key)
{
	const struct onode *n = o_get(obj, key);

	return n && n->t == O_INT ? n->i : -1;
}

bool o_getb(const struct onode *obj, const char *key)
{
	const struct onode *n = o_get(obj, key);

	return n && n->t == O_BOOL && n->b;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void json(FILE *f, const struct onode *n, int depth)
{
	switch (n->t) {
	case O_STR: json_str(f, n->s); return;
	case O_INT: fprintf(f, "%lld", n->i); return;
	case O_BOOL: fputs(n->b ? "true" : "false", f); return;
	case O_NULL: fputs("null", f); return;
	case O_OBJ:
	case O_ARR:
		break;
	}
	if (n->n == 0) {
		fputs(n->t == O_OBJ ? "{}" : "[]", f);
		return;
	}
	fputc(n->t == O_OBJ ? '{' : '[', f);
	for (size_t i = 0; i < n->n; i++) {
		fprintf(f, "%s\n%*s", i ? "," : "", 2 * (depth + 1), "");
		if (n->t == O_OBJ) {
			json_str(f, n->kid[i]->key);
			fputs(": ", f);
		}
		json(f, n->kid[i], depth + 1);
	}
	fprintf(f, "\n%*s%c", 2 * depth, "", n->t == O_OBJ ? '}' : ']');
}

void o_print_json(FILE *f, const struct onode *n)
{
	json(f, n, 0);
	fputc('\n', f);
}

void o_emit(struct onode *doc, const struct opts *o,
	    void (*human)(const struct onode *doc, const struct opts *o))
{
	if (o->json)
		o_print_json(stdout, doc);
	else
		human(doc, o);
	fflush(stdout);
	o_free(doc);
}

const char *c_on(const struct opts *o, const char *verdict)
{
	if (!o->color)
		return "";
	if (strcmp(verdict, "ok") == 0)
		return "\033[32m";
	if (strcmp(verdict, "warn") == 0)
		return "\033[33m";
	if (strcmp(verdict, "fail") == 0)
		return "\033[31m";
	return "\033[1m";
}

const char *c_off(const struct opts *o)
{
	return o->color ? "\033[0m" : "";
}

const char *fit(const char *s, size_t width, char *buf, size_t len)
{
	size_t n = strlen(s);

	if (n <= width || width < 4) {
		snprintf(buf, len, "%s", s);
		return buf;
	}
	snprintf(buf, len, "%.*s...", (int)(width - 3), s);
	return buf;
}

/* text from column col, wrapped to COLS, continuation lines at indent */
static void wrap_from(size_t col, size_t indent, const char *text)
{
	const char *p = text;
	bool first = true;

	while (*p) {
		size_t w = strcspn(p, " \n");
		const char *q;

		/* a quoted command ('vfiohook plan NAME') stays on one line */
		if (*p == '\'' && (q = strchr(p + 1, '\'')) && !memchr(p, '\n', (size_t)(q - p)))
			w = (size_t)(q + 1 - p) + strcspn(q + 1, " \n");
		if (!first && col + 1 + w > COLS) {
			printf("\n%*s", (int)indent, "");
			col = indent;
		} else if (!first) {
			putchar(' ');
			col++;
		}
		fwrite(p, 1, w, stdout);
		col += w;
		p += w;
		first = false;
		if (*p == '\n') {
			/* kept: a fix holding XML keeps its lines and their indent */
			printf("\n%*s", (int)indent, "");
			col = indent;
			p++;
			while (*p == ' ') {
				putchar(' ');
				col++;
				p++;
			}
			first = true;
			continue;
		}
		while (*p == ' ')
			p++;
	}
	putchar('\n');
}

void print_wrapped(const char *head, const char *text)
{
	fputs(head, stdout);
	wrap_from(strlen(head), strlen(head), text);
}

void print_hanging(const char *head, const char *text)
{
	fputs(head, stdout);
	wrap_from(strlen(head), 2, text);
}

void wrap_at(size_t indent, const char *text)
{
	wrap_from(indent, indent, text);
}
