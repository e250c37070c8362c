// SPDX-License-Identifier: LGPL-2.1-or-later
/* Domain names and the INI path: libc only, so the hook's front can decide
 * "not ours" before it loads anything. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

static const struct eng_op ops[] = {
	{ "prepare", ENG_PREPARE, true },
	{ "stopped", ENG_STOPPED, false },
	{ "release", ENG_RELEASE, false },
	{ "reconnect", ENG_RECONNECT, true },
};

const struct eng_op *eng_op_find(const char *op)
{
	for (size_t i = 0; op && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(op, ops[i].name) == 0)
			return &ops[i];
	return NULL;
}

bool eng_domain_ok(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n > VFH_DOMAIN_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (const char *p = name; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '+' ||
		      c == ':' || c == '@' || c == '-'))
			return false;
	}
	/* no component can be ".." without a '/', but a name like "a..b" is
	 * harmless; still, keep every name far from path syntax */
	return strstr(name, "..") == NULL;
}

int eng_ini_path(const char *etc_root, const char *domain, char *buf, size_t len)
{
	int n;

	if (!eng_domain_ok(domain) || !etc_root || etc_root[0] != '/')
		return -EINVAL;
	if (strcmp(etc_root, "/") == 0)
		etc_root = "";
	n = snprintf(buf, len, "%s/" VFH_CONF_DIR "/%s.ini", etc_root, domain);
	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

int eng_journal_path(const char *run_root, const char *domain, char *buf, size_t len)
{
	int n;

	if (!eng_domain_ok(domain) || !run_root || run_root[0] != '/')
		return -EINVAL;
	if (strcmp(run_root, "/") == 0)
		run_root = "";
	n = snprintf(buf, len, "%s/" VFH_RUN_DIR "/%s/journal", run_root, domain);
	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}
