// SPDX-License-Identifier: LGPL-2.1-or-later
/* The libvirt hook: /etc/libvirt/hooks/qemu.d/vfiohook (or hooks/qemu).
 *
 *   qemu DOMAIN OP SUBOP EXTRA   with the domain XML on stdin
 *
 * This front needs nothing but libc, so for the many domains vfiohook does
 * not manage it drains stdin and exits at once.  For a domain with an INI
 * file it loads the engine (libxml2, libudev, sd-bus...) and hands over.
 * It never prints to stdout (libvirt parses it for migrate and restore),
 * never starts a process, never calls back into libvirt. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "engine.h"

#ifndef VFH_ENGINE_PATH
#error "VFH_ENGINE_PATH: the engine's absolute path, set by the Makefile"
#endif

typedef int (*engine_fn)(int argc, char **argv, const char *xml, size_t len);

/* libvirt waits for the hook to read all it writes */
static void drain(void)
{
	char buf[65536];

	for (;;) {
		ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));

		if (r > 0 || (r < 0 && errno == EINTR))
			continue;
		break;
	}
}

/* stdin, at most ENG_XML_MAX + 1 bytes: one more than the engine takes,
 * so that it can say the XML is too large instead of parsing a cut one. */
static char *slurp(size_t *len)
{
	const size_t limit = (size_t)ENG_XML_MAX + 1;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return NULL;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			size_t ncap = cap * 2 < limit ? cap * 2 : limit;
			char *nb;

			if (cap >= limit) {
				drain();
				break;
			}
			nb = realloc(buf, ncap + 1);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap = ncap;
		}
		r = read(STDIN_FILENO, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Whether the engine has anything to do: a name that can be part of a path,
 * an operation it acts in, and an INI file -- or, for stopped and release,
 * a journal (an INI removed while the VM ran must not keep its devices). */
static bool ours(const char *domain, const char *op, const char *etc, const char *run)
{
	const struct eng_op *o = eng_op_find(op);
	char path[512];
	struct stat st;

	if (!eng_domain_ok(domain) || !o || eng_ini_path(etc, domain, path, sizeof(path)) < 0)
		return false;
	if (lstat(path, &st) == 0 || errno != ENOENT)
		return true;	/* there, or unreadable: the engine says why */
	if (o->reads_ini)
		return false;
	return eng_journal_path(run, domain, path, sizeof(path)) == 0 &&
	       (lstat(path, &st) == 0 || errno != ENOENT);
}

int main(int argc, char **argv)
{
	const char *etc = "/etc", *run = "/run";
#ifdef VFH_TEST_BUILD
	char root_etc[512], root_run[512];
#endif
	engine_fn fn;
	void *engine;
	size_t len = 0;
	char *xml;

	if (argc < 3) {
		fprintf(stderr, "usage: %s DOMAIN OPERATION [SUBOPERATION [EXTRA]]\n"
			"vfiohook's libvirt hook: libvirt runs it; see vfiohook-hook(8).\n", argv[0]);
		return 2;
	}
#ifdef VFH_TEST_BUILD
	{
		const char *root = secure_getenv("VFIOHOOK_ROOT");

		if (root && *root) {
			snprintf(root_etc, sizeof(root_etc), "%s/etc", root);
			snprintf(root_run, sizeof(root_run), "%s/run", root);
			etc = root_etc;
			run = root_run;
		}
	}
#endif
	if (!ours(argv[1], argv[2], etc, run)) {
		drain();
		return 0;
	}
	xml = slurp(&len);
	if (!xml) {
		fprintf(stderr, "vfiohook: %s: out of memory reading the domain XML\n", argv[1]);
		return 1;
	}
	engine = dlopen(VFH_ENGINE_PATH, RTLD_NOW | RTLD_LOCAL);
	fn = engine ? (engine_fn)dlsym(engine, VFH_ENGINE_SYMBOL) : NULL;
	if (!fn) {
		fprintf(stderr, "vfiohook: %s: cannot load %s (%s); reinstall vfiohook\n", argv[1],
			VFH_ENGINE_PATH, dlerror());
		free(xml);
		return 1;
	}
	{
		int rc = fn(argc, argv, xml, len);

		free(xml);
		return rc;
	}
}
