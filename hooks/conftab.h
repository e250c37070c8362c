/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-domain INI file as data: one table of keys per section, one
 * table of sections.  The parser (hooks/config.c), its unknown-key
 * messages, the defaults and the man page's key lists (checked by
 * tests/unit/test-manpage.c against hooks/vfiohook.ini.5) all come from
 * here.  A new section is a table of keys, the fields they fill in
 * struct hook_config, and one line in eng_sections[]. */
#ifndef VFH_CONFTAB_H
#define VFH_CONFTAB_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"

struct ini;		/* the parser's state (config.c) */
struct eng_key;

/* A typed parser: reads value into the field(s) k names below base, or
 * reports "PATH:LINE: ..." and returns -EINVAL (-ENOMEM). */
typedef int eng_key_parse_fn(struct ini *p, const struct eng_key *k, void *base,
			     const char *value);

/* An enum's spellings, ending with { NULL }. */
struct eng_enum {
	const char *name;
	int value;
};

struct eng_key {
	const char *name;
	eng_key_parse_fn *parse;
	size_t off;			/* the field below the section's base */
	size_t off_n;			/* lists: their count (size_t) */
	const char *def;		/* the default as written in the file; NULL: the
					   field starts empty (lists) or unset */
	const char *help;		/* one line: the man page starts with it */
	/* what the parser needs */
	unsigned int lo, hi;		/* eng_key_uint: the range */
	const char *unit;		/* eng_key_uint: "seconds" in the messages */
	const struct eng_enum *values;	/* eng_key_enum */
	const char *what;		/* names: "driver name", "unit name" */
	size_t max;			/* names: the longest + 1 */
	const char *extra;		/* names: allowed besides [A-Za-z0-9_-] */
	const char *example;		/* names: " (vfio-pci, pci-stub...)" */
	bool need_suffix;		/* names: a unit's ".service" */
};

struct eng_section {
	const char *name;		/* the header's first word: "devices" */
	const char *shown;		/* in messages and the man page: "[devices]" */
	bool takes_address;		/* [device ADDRESS], given once per address */
	const char *inherits;		/* keys default to this section's values */
	const struct eng_key *keys;
	size_t n_keys;
	/* The struct its keys fill, once the header at the parser's line is
	 * read; NULL when the header is refused (reported). */
	void *(*open)(struct ini *p, const char *arg);
};

extern const struct eng_section eng_sections[];
extern const size_t eng_n_sections;

eng_key_parse_fn eng_key_bool;		/* yes/no, true/false, on/off, 1/0, any case */
eng_key_parse_fn eng_key_uint;		/* decimal, lo..hi */
eng_key_parse_fn eng_key_enum;		/* one of values, lower-case */
eng_key_parse_fn eng_key_name;		/* a name into a char[max] */
eng_key_parse_fn eng_key_names;		/* a list of names: char ** and its count */
eng_key_parse_fn eng_key_addrs;		/* passthrough: auto and PCI addresses */
eng_key_parse_fn eng_key_free_addrs;	/* free: PCI addresses */

#endif
