// SPDX-License-Identifier: LGPL-2.1-or-later
/* README's "Worked examples" stay true: each INI shown there is written as
 * its domain's file into a fixture and must say nothing conf/ does not
 * say; each XML line shown is in the domain XML the commands read; each
 * `$ vfiohook ...` shown is run (the built CLI, --root the fixture) and
 * every line shown after it must be a line of what it prints, in order
 * (lines may be left out, and "..." marks where).
 *
 * VFH_README_SHOW=1 prints what each command really prints, to write the
 * README from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "testlib.h"
#include "hooktest.h"

/* The hosts the examples run on: a fixture, sometimes with devices added
 * (README says which), and the whole XML of the domain. */
struct example {
	const char *name;	/* the domain, and NAME.ini / NAME.xml */
	const char *fixture;
	const char *extra;
	const char *xml;	/* with what README says to add */
	const char *bare;	/* before: as virt-manager made it (NULL: xml) */
};

static const struct example examples[] = {
	{ "win11", "desktop",
	  /* an RX 7900 XTX and its HDMI audio beside the boot GPU */
	  "pci 0000:03:00.0 id=1002:744c subsys=1002:0e3b class=0x030000 group=10 "
	  "driver=amdgpu boot_vga=0\n"
	  "pci 0000:03:00.1 id=1002:ab30 subsys=1002:ab30 class=0x040300 group=10 "
	  "driver=snd_hda_intel\n"
	  "module amdgpu drivers=amdgpu\n",
	  "<domain type='kvm'>\n"
	  "  <name>win11</name>\n"
	  "  <memory unit='GiB'>16</memory>\n"
	  "  <vcpu placement='static'>8</vcpu>\n"
	  "  <devices>\n"
	  "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
	  "      <source><address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source>\n"
	  "    </hostdev>\n"
	  "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
	  "      <source><address domain='0x0000' bus='0x03' slot='0x00' function='0x1'/></source>\n"
	  "    </hostdev>\n"
	  "    <shmem name='looking-glass'>\n"
	  "      <model type='ivshmem-plain'/>\n"
	  "      <size unit='M'>64</size>\n"
	  "    </shmem>\n"
	  "    <channel type='spicevmc'>\n"
	  "      <target type='virtio' name='com.redhat.spice.0'/>\n"
	  "    </channel>\n"
	  "  </devices>\n"
	  "</domain>\n",
	  "<domain type='kvm'>\n"
	  "  <name>win11</name>\n"
	  "  <memory unit='GiB'>16</memory>\n"
	  "  <vcpu placement='static'>8</vcpu>\n"
	  "  <devices>\n"
	  "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
	  "      <source><address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source>\n"
	  "    </hostdev>\n"
	  "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
	  "      <source><address domain='0x0000' bus='0x03' slot='0x00' function='0x1'/></source>\n"
	  "    </hostdev>\n"
	  "    <shmem name='looking-glass'>\n"
	  "      <model type='ivshmem-plain'/>\n"
	  "      <size unit='M'>32</size>\n"
	  "    </shmem>\n"
	  "  </devices>\n"
	  "</domain>\n" },
	{ "win10", "efifb",
	  /* the boot GPU on amdgpu, as the example INI has it */
	  "pci 0000:01:00.0 driver=amdgpu\n"
	  "module bochs state=absent refcnt=0\n"
	  "module amdgpu drivers=amdgpu refcnt=1\n",
	  "<domain type='kvm'>\n"
	  "  <name>win10</name>\n"
	  "  <memory unit='GiB'>16</memory>\n"
	  "  <vcpu placement='static'>8</vcpu>\n"
	  "  <devices>\n"
	  "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
	  "      <source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>\n"
	  "    </hostdev>\n"
	  "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
	  "      <source><address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/></source>\n"
	  "    </hostdev>\n"
	  "  </devices>\n"
	  "</domain>\n",
	  NULL },
	{ "rt-audio", "desktop",
	  /* a DSP card in a group of its own */
	  "pci 0000:05:00.0 id=10ee:3fc6 subsys=10ee:3fc6 class=0x040100 group=11 "
	  "driver=snd_hdspm reset=flr\n"
	  "module snd_hdspm drivers=snd_hdspm\n",
	  "<domain type='kvm'>\n"
	  "  <name>rt-audio</name>\n"
	  "  <memory unit='MiB'>512</memory>\n"
	  "  <vcpu placement='static'>2</vcpu>\n"
	  "  <memoryBacking>\n"
	  "    <hugepages/>\n"
	  "    <locked/>\n"
	  "  </memoryBacking>\n"
	  "  <cputune>\n"
	  "    <vcpupin vcpu='0' cpuset='2'/>\n"
	  "    <vcpupin vcpu='1' cpuset='3'/>\n"
	  "    <vcpusched vcpus='0-1' scheduler='fifo' priority='95'/>\n"
	  "  </cputune>\n"
	  "  <devices>\n"
	  "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
	  "      <source><address domain='0x0000' bus='0x05' slot='0x00' function='0x0'/></source>\n"
	  "    </hostdev>\n"
	  "    <memballoon model='none'/>\n"
	  "  </devices>\n"
	  "</domain>\n",
	  "<domain type='kvm'>\n"
	  "  <name>rt-audio</name>\n"
	  "  <memory unit='MiB'>512</memory>\n"
	  "  <vcpu placement='static'>2</vcpu>\n"
	  "  <memoryBacking>\n"
	  "    <hugepages/>\n"
	  "    <locked/>\n"
	  "  </memoryBacking>\n"
	  "  <cputune>\n"
	  "    <vcpupin vcpu='0' cpuset='2'/>\n"
	  "    <vcpupin vcpu='1' cpuset='3'/>\n"
	  "  </cputune>\n"
	  "  <devices>\n"
	  "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
	  "      <source><address domain='0x0000' bus='0x05' slot='0x00' function='0x0'/></source>\n"
	  "    </hostdev>\n"
	  "    <memballoon model='virtio'/>\n"
	  "  </devices>\n"
	  "</domain>\n" },
	{ "desktop", "numa", NULL,
	  "<domain type='kvm'>\n"
	  "  <name>desktop</name>\n"
	  "  <memory unit='GiB'>8</memory>\n"
	  "  <vcpu placement='static'>4</vcpu>\n"
	  "  <memoryBacking>\n"
	  "    <hugepages/>\n"
	  "  </memoryBacking>\n"
	  "  <numatune>\n"
	  "    <memory mode='strict' nodeset='0'/>\n"
	  "  </numatune>\n"
	  "  <devices>\n"
	  "    <memballoon model='none'/>\n"
	  "  </devices>\n"
	  "</domain>\n",
	  "<domain type='kvm'>\n"
	  "  <name>desktop</name>\n"
	  "  <memory unit='GiB'>8</memory>\n"
	  "  <vcpu placement='static'>4</vcpu>\n"
	  "  <memoryBacking>\n"
	  "    <hugepages/>\n"
	  "  </memoryBacking>\n"
	  "  <devices>\n"
	  "    <memballoon model='virtio'/>\n"
	  "  </devices>\n"
	  "</domain>\n" },
};

#define N_EX (sizeof(examples) / sizeof(examples[0]))

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *s = NULL;
	size_t n = 0;

	if (!f)
		fail_msg("cannot open %s", path);
	if (getdelim(&s, &n, '\0', f) < 0) {
		free(s);
		s = strdup("");
	}
	fclose(f);
	return s;
}

/* The README's lines from "Worked examples" to the next section. */
static char **section(size_t *n)
{
	char path[1024], *text, **l = NULL, **v;
	size_t nl = 0, begin = 0, end;

	snprintf(path, sizeof(path), "%s/../../../README", fx_dir());
	text = slurp(path);
	for (char *p = text, *q; p && *p; p = q) {
		q = strchr(p, '\n');
		if (q)
			*q++ = 0;
		l = realloc(l, (nl + 1) * sizeof(*l));
		assert_non_null(l);
		l[nl++] = strdup(p);
	}
	free(text);
	for (size_t i = 0; i + 1 < nl && !begin; i++)
		if (strcmp(l[i], "Worked examples") == 0 && l[i + 1][0] == '-')
			begin = i + 2;
	if (!begin)
		fail_msg("README has no \"Worked examples\" section");
	for (end = begin; end + 1 < nl; end++)
		if (l[end][0] && l[end][0] != ' ' && l[end + 1][0] == '-' && l[end + 1][1] == '-')
			break;
	v = calloc(end - begin + 1, sizeof(*v));
	assert_non_null(v);
	for (size_t i = 0; i < nl; i++) {
		if (i >= begin && i < end)
			v[i - begin] = l[i];
		else
			free(l[i]);
	}
	free(l);
	*n = end - begin;
	return v;
}

/* "a = b   # c" -> "a = b", spaces squeezed; "" for a comment line */
static void setting(const char *line, char *out, size_t len)
{
	size_t o = 0;
	bool sp = false;

	while (*line == ' ' || *line == '\t')
		line++;
	for (; *line && *line != '#' && *line != ';' && o + 1 < len; line++) {
		if (*line == ' ' || *line == '\t') {
			sp = true;
			continue;
		}
		if (sp && o)
			out[o++] = ' ';
		sp = false;
		out[o++] = *line;
	}
	out[o] = 0;
}

/* Each setting of the README's INI is one of the settings of the conf/
 * files its comments name ("# ...NAME.ini, from conf/A"), or one of their
 * commented-out ones ("#reset = suspend"). */
static void consistent_with_conf(const char *ini, const char *name)
{
	char *text = strdup(""), *copy, *save = NULL;

	for (const char *c = strstr(ini, "conf/"); c; c = strstr(c + 5, "conf/")) {
		char path[1024], file[64] = "", *more, *both;

		sscanf(c + 5, "%63[^ \n]", file);
		snprintf(path, sizeof(path), "%s/../../../conf/%s", fx_dir(), file);
		more = slurp(path);
		if (asprintf(&both, "%s%s\n", text, more) < 0)
			fail();
		free(text);
		free(more);
		text = both;
	}
	copy = strdup(ini);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char want[512], *tsave = NULL, *t = strdup(text);
		bool found = false;

		setting(l, want, sizeof(want));
		for (char *c = strtok_r(t, "\n", &tsave); c && *want && !found;
		     c = strtok_r(NULL, "\n", &tsave)) {
			char have[512];

			setting(c[0] == '#' && c[1] != ' ' ? c + 1 : c, have, sizeof(have));
			found = strcmp(have, want) == 0;
		}
		free(t);
		if (*want && !found)
			fail_msg("README: '%s', in the INI shown for %s, is in none of the conf/ "
				 "files it names", want, name);
	}
	free(copy);
	free(text);
}

static const struct example *find_example(const char *name)
{
	for (size_t i = 0; i < N_EX; i++)
		if (strcmp(examples[i].name, name) == 0)
			return &examples[i];
	fail_msg("README shows %s.ini, which test-readme.c has no host for", name);
	return NULL;
}

/* A host ready for the hook: installed, libvirtd started after it, the
 * desktop user and the kvm group known. */
static struct t *host_for(void **state, const struct example *ex)
{
	char stat_text[256];
	struct t *t;

	t_setup(state, ex->fixture, ex->extra);
	t = *state;
	fx_write(t->fx, "etc/passwd", "root:x:0:0::/root:/bin/sh\n"
		 "alice:x:1000:1000::/home/alice:/bin/bash\n");
	fx_write(t->fx, "etc/group", "root:x:0:\nkvm:x:104:alice\nalice:x:1000:\n");
	t_mkdirs(t->fx, "etc/libvirt/hooks/qemu.d");
	fx_write(t->fx, "etc/libvirt/hooks/qemu.d/vfiohook", "#!/bin/sh\n");
	assert_int_equal(chmod(t_abs(t->fx, "etc/libvirt/hooks/qemu.d/vfiohook"), 0755), 0);
	t_mkdirs(t->fx, "proc/4242");
	fx_write(t->fx, "proc/4242/comm", "libvirtd\n");
	fx_write(t->fx, "proc/4242/stat", "4242 (libvirtd) S 1 4242 4242 0 -1 4194560 1 0 0 0 "
		 "0 0 0 0 20 0 17 0 10000 1000 100 18446744073709551615\n");
	/* booted "later" than the hook was written: libvirtd runs it */
	snprintf(stat_text, sizeof(stat_text), "cpu  1 2 3 4\nbtime %ld\nprocesses 5\n",
		 (long)time(NULL) + 3600);
	fx_write(t->fx, "proc/stat", stat_text);
	{
		char rel[128];

		snprintf(rel, sizeof(rel), "%s.xml", ex->name);
		fx_write(t->fx, rel, ex->bare ? ex->bare : ex->xml);
	}
	return t;
}

static bool is_line_of(const char *want, char **have, size_t nh, size_t *from)
{
	for (size_t i = *from; i < nh; i++)
		if (strcmp(have[i], want) == 0) {
			*from = i + 1;
			return true;
		}
	return false;
}

/* Runs "vfiohook ARGS" (cmd) on t's fixture; README's lines shown after it
 * (shown[0..ns)) must be lines of what it prints, in order. */
static void run_shown(struct t *t, const struct example *ex, const char *cmd, char **shown,
		      size_t ns)
{
	const char *argv[24];
	char *words = strdup(cmd), *save = NULL, *all, *got, **have = NULL;
	char xmlname[128];
	size_t n = 0, nh = 0, from = 0;
	struct t_proc p;

	snprintf(xmlname, sizeof(xmlname), "%s.xml", ex->name);
	argv[n++] = t_build_path("tools/vfiohook");
	argv[n++] = "--root";
	argv[n++] = fx_root(t->fx);
	strtok_r(words, " ", &save);	/* "vfiohook" */
	for (char *w = strtok_r(NULL, " ", &save); w && n < 23; w = strtok_r(NULL, " ", &save))
		argv[n++] = strcmp(w, xmlname) == 0 ? t_abs(t->fx, xmlname) : w;
	argv[n] = NULL;
	t_spawn(argv, NULL, NULL, 0, 20000, &p);
	if (asprintf(&all, "%s%s", p.out, p.err) < 0)
		fail();
	got = t_subst(all, fx_root(t->fx), "");
	free(all);
	if (getenv("VFH_README_SHOW")) {
		printf("    $ %s\n", cmd);
		for (char *s = got, *e; *s; s = e + 1) {
			e = strchr(s, '\n');
			if (!e)
				e = s + strlen(s) - 1;
			printf("    %.*s\n", (int)(e - s), s);
		}
		printf("(exit %d)\n\n", p.status);
	}
	for (char *s = got, *e; *s; s = e + 1) {
		e = strchr(s, '\n');
		if (!e)
			break;
		*e = 0;
		have = realloc(have, (nh + 1) * sizeof(*have));
		assert_non_null(have);
		have[nh++] = s;
	}
	for (size_t i = 0; i < ns; i++) {
		if (strcmp(shown[i], "...") == 0 || strcmp(shown[i], "") == 0)
			continue;
		if (!is_line_of(shown[i], have, nh, &from))
			fail_msg("README shows, after '$ %s':\n%s\nwhich it does not print "
				 "(there, or in that order)", cmd, shown[i]);
	}
	free(have);
	free(got);
	free(words);
	t_proc_free(&p);
}

/* One example's blocks: its INI first, then its XML bits and commands. */
static void test_examples(void **state)
{
	size_t nl, ran = 0, inis = 0;
	char **l = section(&nl);
	const struct example *ex = NULL;
	struct t *t = NULL;

	for (size_t i = 0; i < nl;) {
		size_t b = i, e;
		char **blk;
		size_t nb = 0;

		if (strncmp(l[i], "    ", 4) != 0) {
			i++;
			continue;
		}
		/* an indented block: indented lines and blank lines between; a
		 * blank line ends an XML or command block (but for a next
		 * command), and an INI before a command or XML */
		for (e = b + 1; e < nl && (strncmp(l[e], "    ", 4) == 0 || l[e][0] == 0); e++) {
			const char *next = e + 1 < nl && !strncmp(l[e + 1], "    ", 4) ? l[e + 1] + 4 : "";

			if (l[e][0] || !*next)
				continue;
			if (l[b][4] == '<' || (l[b][4] == '$' && next[0] != '$'))
				break;
			if (l[b][4] == '#' && (next[0] == '$' || next[0] == '<'))
				break;
		}
		while (e > b && l[e - 1][0] == 0)
			e--;
		i = e;
		blk = calloc(e - b + 1, sizeof(*blk));
		assert_non_null(blk);
		for (size_t k = b; k < e; k++)
			blk[nb++] = l[k][0] ? l[k] + 4 : l[k];
		if (strncmp(blk[0], "# /etc/libvirt/hooks/vfiohook/", 30) == 0) {
			char name[64] = "", conf[256] = "", *ini = NULL;
			size_t len = 0;

			if (sscanf(blk[0] + 30, "%63[^.].ini, from %255[^\n]", name, conf) != 2 ||
			    strncmp(conf, "conf/", 5) != 0)
				fail_msg("README: '%s': want '# /etc/libvirt/hooks/vfiohook/NAME.ini, "
					 "from conf/FILE [and conf/FILE]'", blk[0]);
			for (size_t k = 0; k < nb; k++) {
				ini = realloc(ini, len + strlen(blk[k]) + 2);
				assert_non_null(ini);
				len += (size_t)sprintf(ini + len, "%s\n", blk[k]);
			}
			consistent_with_conf(ini, name);
			if (t)
				t_teardown(state);
			ex = find_example(name);
			t = host_for(state, ex);
			t_ini(t->fx, name, ini);
			free(ini);
			inis++;
		} else if (blk[0][0] == '<') {
			if (!ex)
				fail_msg("README: XML before any INI: %s", blk[0]);
			char rel[128];

			/* the commands after it read the domain with them added */
			snprintf(rel, sizeof(rel), "%s.xml", ex->name);
			fx_write(t->fx, rel, ex->xml);
			for (size_t k = 0; k < nb; k++) {
				const char *x = blk[k];

				while (*x == ' ')
					x++;
				if (*x && !strstr(ex->xml, x))
					fail_msg("README: '%s' is not in %s's XML in test-readme.c", x,
						 ex->name);
			}
		} else if (strncmp(blk[0], "$ vfiohook ", 11) == 0) {
			if (!t)
				fail_msg("README: a command before any INI: %s", blk[0]);
			for (size_t k = 0; k < nb;) {
				size_t c = k++;

				while (k < nb && strncmp(blk[k], "$ ", 2) != 0)
					k++;
				run_shown(t, ex, blk[c] + 2, blk + c + 1, k - c - 1);
				ran++;
			}
		}
		free(blk);
	}
	for (size_t i = 0; i < nl; i++)
		free(l[i]);
	free(l);
	/* a README that lost its examples is not one the test let pass */
	assert_true(inis >= 4);
	assert_true(ran >= 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_examples, t_teardown),
	};

	t_init();
	return cmocka_run_group_tests_name("readme", tests, NULL, NULL);
}
