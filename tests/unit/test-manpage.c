// SPDX-License-Identifier: LGPL-2.1-or-later
/* hooks/vfiohook.ini.5 against the tables the parser reads
 * (hooks/conftab.h): every section and key in the man page under its
 * section, each key as ".BI key \" = ...\"" followed by its help line and
 * its default, and no key the tables lack.  A key added to a table and
 * not to the man page (or the other way round) fails here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conftab.h"
#include "fixture.h"

static char *man;

static int load_man(void **state)
{
	char path[1024];
	FILE *f;
	long n;

	(void)state;
	/* hooks/ is two levels above fixtures/ (tests/unit/fixtures) */
	snprintf(path, sizeof(path), "%s/../../../hooks/vfiohook.ini.5", fx_dir());
	f = fopen(path, "re");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	man = calloc(1, (size_t)n + 1);
	if (!man || fread(man, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static int free_man(void **state)
{
	(void)state;
	free(man);
	return 0;
}

/* The text of `.SH "[name]"` up to the next .SH, in a static buffer. */
static const char *man_section(const char *shown)
{
	static char buf[16384];
	char head[128];
	const char *s, *e;

	snprintf(head, sizeof(head), "\n.SH \"%s\"\n", shown);
	s = strstr(man, head);
	if (!s)
		return NULL;
	s += strlen(head) - 1;
	e = strstr(s, "\n.SH ");
	if (!e)
		e = s + strlen(s);
	snprintf(buf, sizeof(buf), "%.*s\n", (int)(e - s), s);
	return buf;
}

/* The tag line of a key and the text under it (to the next .TP). */
static bool man_key(const char *sec, const char *key, char *tag, size_t taglen, char *body,
		    size_t bodylen)
{
	char head[128];
	const char *s, *e, *nl;

	snprintf(head, sizeof(head), "\n.BI %s \" = ", key);
	s = strstr(sec, head);
	if (!s)
		return false;
	s++;
	nl = strchr(s, '\n');
	snprintf(tag, taglen, "%.*s", (int)(nl - s), s);
	e = strstr(nl, "\n.TP\n");
	if (!e)
		e = nl + strlen(nl);
	snprintf(body, bodylen, "%.*s", (int)(e - nl - 1), nl + 1);
	return true;
}

static void test_every_key_documented(void **state)
{
	(void)state;
	for (size_t i = 0; i < eng_n_sections; i++) {
		const struct eng_section *s = &eng_sections[i];
		const char *sec = man_section(s->shown);

		if (!sec)
			fail_msg("hooks/vfiohook.ini.5 has no .SH \"%s\"", s->shown);
		for (size_t j = 0; j < s->n_keys; j++) {
			const struct eng_key *k = &s->keys[j];
			char tag[256], body[4096], want[256];
			size_t hl = strlen(k->help);

			if (!man_key(sec, k->name, tag, sizeof(tag), body, sizeof(body)))
				fail_msg("%s: key '%s' is not in the man page (.BI %s \" = ...\")",
					 s->shown, k->name, k->name);
			if (strncmp(body, k->help, hl) != 0 || body[hl] != '\n')
				fail_msg("%s %s: the man page's text does not start with the table's "
					 "help line \"%s\"", s->shown, k->name, k->help);
			if (k->def)
				snprintf(want, sizeof(want), "\nDefault: \\fB%s\\fR.", k->def);
			else if (s->inherits)
				snprintf(want, sizeof(want), "\nDefault: as in \\fB%s\\fR.", s->inherits);
			else
				snprintf(want, sizeof(want), "\nDefault: empty.");
			if (!strstr(body, want))
				fail_msg("%s %s: the man page does not say \"%s\"", s->shown, k->name,
					 want + 1);
			for (const struct eng_enum *v = k->values; v && v->name; v++) {
				char last[64];

				snprintf(want, sizeof(want), " %s ", v->name);
				snprintf(last, sizeof(last), " %s\"", v->name);
				if (!strstr(tag, want) && !strstr(tag, last))
					fail_msg("%s %s: the man page's %s does not show '%s'", s->shown,
						 k->name, tag, v->name);
			}
		}
	}
}

/* No section or key in the man page that the parser would refuse */
static void test_no_key_the_tables_lack(void **state)
{
	(void)state;
	for (const char *p = strstr(man, "\n.SH \"["); p; p = strstr(p + 1, "\n.SH \"[")) {
		const struct eng_section *s = NULL;
		const char *sec, *q;
		char shown[64];

		sscanf(p, "\n.SH \"%63[^\"]", shown);
		for (size_t i = 0; i < eng_n_sections; i++)
			if (strcmp(eng_sections[i].shown, shown) == 0)
				s = &eng_sections[i];
		if (!s)
			fail_msg("the man page documents %s, which the tables lack", shown);
		sec = man_section(shown);
		for (q = strstr(sec, "\n.BI "); q; q = strstr(q + 1, "\n.BI ")) {
			char key[64];
			bool known = false;

			if (sscanf(q, "\n.BI %63s", key) != 1)
				continue;
			for (size_t j = 0; j < s->n_keys; j++)
				known |= strcmp(s->keys[j].name, key) == 0;
			if (!known)
				fail_msg("the man page documents '%s' in %s, which the tables lack", key,
					 shown);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key_documented),
		cmocka_unit_test(test_no_key_the_tables_lack),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("manpage", tests, load_man, free_man);
}
