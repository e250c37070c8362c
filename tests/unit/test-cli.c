// SPDX-License-Identifier: LGPL-2.1-or-later
/* The built CLI, tests/build/tools/vfiohook --root FIXTURE: its output
 * against golden files written by hand from the fixture specs
 * (tests/unit/golden/README), its exit codes (0 done, 1 failed, 2 usage)
 * and its one-line complaints.  Only commands that read: the CLI runs
 * without the fake kernel behind the fixture. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"
#include "hooktest.h"

#define TRY "Try 'vfiohook --help'.\n"
#define TRYC(cmd) "Try 'vfiohook " cmd " --help'.\n"

struct cli {
	int status;
	char *out, *err;
};

/* Runs vfiohook --root ROOT ARGS... (NULL-terminated); ROOT in its
 * output reads "ROOT". */
static struct cli run(struct t *t, ...)
{
	const char *argv[16];
	struct t_proc p;
	struct cli c;
	size_t n = 0;
	va_list ap;

	argv[n++] = t_build_path("tools/vfiohook");
	argv[n++] = "--root";
	argv[n++] = fx_root(t->fx);
	va_start(ap, t);
	for (const char *a; (a = va_arg(ap, const char *)) && n < 15;)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	t_spawn(argv, NULL, NULL, 0, 20000, &p);
	if (p.timed_out)
		fail_msg("vfiohook %s: still running after 20 s", argv[3]);
	c.status = p.status;
	c.out = t_subst(p.out, fx_root(t->fx), "ROOT");
	c.err = t_subst(p.err, fx_root(t->fx), "ROOT");
	t_proc_free(&p);
	return c;
}

static void cli_free(struct cli *c)
{
	free(c->out);
	free(c->err);
}

/* the first line of text wider than 80 columns (UTF-8 characters
 * counted, not bytes), or NULL */
static const char *too_wide(const char *text)
{
	for (const char *l = text; *l;) {
		size_t cols = 0;
		const char *p = l;

		for (; *p && *p != '\n'; p++)
			cols += ((unsigned char)*p & 0xc0) != 0x80;
		if (cols > 80)
			return l;
		l = *p ? p + 1 : p;
	}
	return NULL;
}

/* exit status, stdout against a golden file (or text), stderr exactly;
 * human output (a .out golden) readable on 80 columns; frees c either
 * way (a failing test must not leak on top) */
static void expect(struct cli c, int status, const char *golden, const char *out, const char *err)
{
	char *want = golden ? t_golden(golden) : strdup(out);
	bool human = golden && strstr(golden, ".out");
	const char *wide = human ? too_wide(c.out) : NULL;
	bool ok = c.status == status && strcmp(c.out, want) == 0 && strcmp(c.err, err) == 0 &&
		  !wide;

	if (wide)
		print_error("%s: a line wider than 80 columns: %.*s\n", golden,
			    (int)strcspn(wide, "\n"), wide);
	if (!ok)
		print_error("exit %d (want %d)\n--- stdout, want (%s)\n%s--- got\n%s--- stderr, want\n"
			    "%s--- got\n%s---\n", c.status, status, golden ? golden : "text", want,
			    c.out, err, c.err);
	free(want);
	cli_free(&c);
	if (!ok)
		fail();
}

static bool json_ok(const char *text);

/* a --json run: the strict checker on it, then its golden as expect() */
static void expect_json(struct cli c, int status, const char *golden)
{
	if (!json_ok(c.out)) {
		print_error("not JSON (want %s):\n%s\n", golden, c.out);
		cli_free(&c);
		fail();
	}
	expect(c, status, golden, NULL, "");
}

static void test_list(void **state)
{
	struct t *t = *state;

	expect(run(t, "list", NULL), 0, "list-guest.out", NULL, "");
	expect_json(run(t, "list", "--json", NULL), 0, "list-guest.json");
	assert_no_writes(t->fx);
}

static void test_show(void **state)
{
	struct t *t = *state;

	expect(run(t, "show", "0000:01:00.0", NULL), 0, "show-gpu.out", NULL, "");
	expect(run(t, "show", "00:05.0", NULL), 0, "show-bridge.out", NULL, "");
	expect(run(t, "show", "0000:00:09.0", NULL), 1, NULL, "",
	       "vfiohook: no PCI device 0000:00:09.0\n");
}

static void test_show_without_iommu(void **state)
{
	struct t *t = *state;

	expect(run(t, "show", "0000:00:03.0", NULL), 0, "show-noiommu.out", NULL, "");
	expect_json(run(t, "show", "0000:00:03.0", "--json", NULL), 0, "show-noiommu.json");
	expect(run(t, "group", "00:03.0", NULL), 1, NULL, "",
	       "vfiohook: 00:03.0 has no IOMMU group: enable the IOMMU (intel_iommu=on or "
	       "amd_iommu=on, VT-d/AMD-Vi in firmware)\n");
}

static void test_group(void **state)
{
	struct t *t = *state;

	expect(run(t, "group", "0000:01:00.0", NULL), 0, "group-gpu.out", NULL, "");
	expect_json(run(t, "group", "0000:01:00.0", "--json", NULL), 0, "group-gpu.json");
	expect(run(t, "group", "02:02.0", NULL), 0, "group-bridge.out", NULL, "");
	expect(run(t, "group", "0000:00:1f.2", NULL), 0, "group-lpc.out", NULL, "");
}

static const char sgpu_ini[] =
	"# the single-GPU workstation of the real-kernel tier\n"
	"[devices]\npassthrough = auto\nreset = auto\n\n"
	"[single-gpu]\nstop_units = display-manager.service\nunload_modules = bochs\n";

static const char *gpu_xml_file(struct t *t)
{
	static const char *const gpu[] = { "0000:01:00.0", NULL };

	fx_write(t->fx, "win11.xml", t_xml_with(gpu));
	return t_abs(t->fx, "win11.xml");
}

static void test_plan(void **state)
{
	struct t *t = *state;

	t_ini(t->fx, "win11", sgpu_ini);
	t_ini(t->fx, "router", "[devices]\npassthrough = 0000:00:03.0\ndriver = pci-stub\n");
	expect(run(t, "plan", "win11", "--xml", gpu_xml_file(t), NULL), 0, "plan-single-gpu.out",
	       NULL, "");
	expect_json(run(t, "plan", "win11", "--xml", gpu_xml_file(t), "--json", NULL), 0,
		    "plan-single-gpu.json");
	/* options after the command, as getopt permutes */
	expect(run(t, "plan", "router", NULL), 0, "plan-nic.out", NULL, "");
	expect_json(run(t, "--json", "plan", "router", NULL), 0, "plan-nic.json");
	/* planning never touches the host */
	assert_no_writes(t->fx);
	assert_false(fx_exists(t->fx, "run/vfiohook/win11"));
}

/* passthrough = auto without --xml: said on stderr, and only the steps
 * the INI itself implies (here the single-GPU ones, no device) */
static void test_plan_auto_without_xml(void **state)
{
	struct t *t = *state;

	t_ini(t->fx, "win11", sgpu_ini);
	/* without the XML no device moves, so the GPU's module cannot go */
	expect(run(t, "plan", "win11", NULL), 1, NULL, "",
	       "vfiohook: ROOT/etc/libvirt/hooks/vfiohook/win11.ini says passthrough = auto: "
	       "without --xml only the devices it lists are planned\n"
	       "vfiohook: refused: module bochs also drives 0000:01:00.0 (driver bochs-drm), which "
	       "stays with the host: unloading it would take that device away too; remove bochs "
	       "from unload_modules in ROOT/etc/libvirt/hooks/vfiohook/win11.ini\n");
}

static void test_check(void **state)
{
	struct t *t = *state;

	t_ini(t->fx, "win11", sgpu_ini);
	t_ini(t->fx, "boot", "[devices]\npassthrough = 0000:01:00.0\n");
	t_ini(t->fx, "broken", "[devices]\npassthrough = auto\nreset = sometimes\n");
	expect(run(t, "check", "win11", "--xml", gpu_xml_file(t), NULL), 0,
	       "check-single-gpu.out", NULL, "");
	expect_json(run(t, "check", "win11", "--xml", gpu_xml_file(t), "--json", NULL), 0,
		    "check-single-gpu.json");
	expect(run(t, "check", "boot", NULL), 1, NULL,
	       "ROOT/etc/libvirt/hooks/vfiohook/boot.ini: valid\n",
	       "vfiohook: refused: 0000:01:00.0 is the host's boot display and no other GPU would "
	       "be left; add a [single-gpu] section to ROOT/etc/libvirt/hooks/vfiohook/boot.ini "
	       "to hand the host's only GPU to the VM\n");
	expect(run(t, "check", "broken", NULL), 1, NULL, "",
	       "vfiohook: ROOT/etc/libvirt/hooks/vfiohook/broken.ini:3: reset: 'sometimes' is not "
	       "one of none, auto, suspend\n");
	/* a file that gives the hook nothing to do is valid, and check says
	 * what it would take */
	t_ini(t->fx, "idle", "# vfiohook: nothing yet\n");
	expect(run(t, "check", "idle", NULL), 0, NULL,
	       "ROOT/etc/libvirt/hooks/vfiohook/idle.ini: valid\n"
	       "idle: nothing to do: idle.ini passes no device through; add 'passthrough = auto'\n"
	       "  under [devices] to take the domain's PCI <hostdev>s, or list their addresses\n"
	       "  (see vfiohook.ini(5))\n", "");
	expect_json(run(t, "check", "idle", "--json", NULL), 0, "check-idle.json");
	expect(run(t, "plan", "idle", NULL), 0, NULL,
	       "idle: prepare would take no step ('vfiohook check idle' says why)\n", "");
	t_ini(t->fx, "auto", "[devices]\npassthrough = auto\n");
	fx_write(t->fx, "empty.xml", "<domain><name>auto</name><devices/></domain>");
	expect(run(t, "check", "auto", "--xml", t_abs(t->fx, "empty.xml"), NULL), 0, NULL,
	       "ROOT/etc/libvirt/hooks/vfiohook/auto.ini: valid\n"
	       "auto: nothing to do: auto.ini takes the domain's PCI <hostdev>s (passthrough =\n"
	       "  auto) and the domain has none; add the devices to the domain (virt-manager:\n"
	       "  Add Hardware > PCI Host Device)\n", "");
	/* a file asking for hugepages alone, for a domain without them: what
	 * the domain lacks, not a device */
	t_ini(t->fx, "mem", "[memory]\nhugepages = auto\n");
	fx_write(t->fx, "mem.xml", "<domain><name>mem</name><memory unit='GiB'>8</memory>"
		 "<vcpu>2</vcpu><devices/></domain>");
	expect(run(t, "check", "mem", "--xml", t_abs(t->fx, "mem.xml"), NULL), 0, NULL,
	       "ROOT/etc/libvirt/hooks/vfiohook/mem.ini: valid\n"
	       "mem: nothing to do: mem.ini asks for hugepages = auto, and the domain does not\n"
	       "  use hugepages; add <memoryBacking><hugepages/></memoryBacking> to the domain\n"
	       "  XML (virsh edit mem)\n", "");
	/* an explicit list that leaves a hostdev of the domain out */
	t_ini(t->fx, "nic", "[devices]\npassthrough = 0000:00:03.0\n");
	expect(run(t, "check", "nic", "--xml", gpu_xml_file(t), NULL), 1, NULL,
	       "ROOT/etc/libvirt/hooks/vfiohook/nic.ini: valid\n",
	       "vfiohook: refused: the domain's PCI <hostdev> 0000:01:00.0 is not among the devices "
	       "ROOT/etc/libvirt/hooks/vfiohook/nic.ini passes through (passthrough at line 2); "
	       "add 0000:01:00.0 to passthrough, or write passthrough = auto\n");
	expect(run(t, "check", "nosuch", NULL), 1, NULL, "",
	       "vfiohook: nosuch: no INI file (ROOT/etc/libvirt/hooks/vfiohook/nosuch.ini): "
	       "vfiohook leaves this domain alone\n");
	expect(run(t, "plan", "../etc/passwd", NULL), 1, NULL, "",
	       "vfiohook: '../etc/passwd' is not a domain name vfiohook manages (letters, digits, "
	       "_ . + : @ -; no leading . or -)\n");
	expect(run(t, "plan", "win11", "--xml", "/nonexistent/win11.xml", NULL), 1, NULL, "",
	       "vfiohook: /nonexistent/win11.xml: No such file or directory\n");
	fx_write(t->fx, "bad.xml", "<network/>");
	expect(run(t, "plan", "win11", "--xml", t_abs(t->fx, "bad.xml"), NULL), 1, NULL, "",
	       "vfiohook: ROOT/bad.xml: domain XML: the root element is not <domain>\n");
	assert_no_writes(t->fx);
}

#define J_HEADER "vfiohook-journal 1\n"
#define J_BAD "bad: journal unreadable: line 1: not a vfiohook journal header (version 2 " \
	"expected)\n"
#define J_REST "captured=1 was_on=0 prior_driver=%s prior_override= reset=%d reset_at=%d " \
	"seconds=%d attempts=%d\n"

static void test_status(void **state)
{
	struct t *t = *state;

	expect(run(t, "status", NULL), 0, NULL, "no journals: vfiohook holds nothing\n", "");
	expect(run(t, "status", "--json", NULL), 0, NULL,
	       "{\n  \"schema\": 1,\n  \"command\": \"status\",\n  \"journals\": []\n}\n", "");
	t_mkdirs(t->fx, "run/vfiohook/win11");
	fx_write(t->fx, "run/vfiohook/win11/journal", J_HEADER
		 "begin 0 unit-stop what=display-manager.service target= captured=1 was_on=1 "
		 "prior_driver= prior_override= reset=0 reset_at=0 seconds=0 attempts=0\n"
		 "done 0\n"
		 "begin 1 pci-bind what=0000:01:00.0 target=vfio-pci captured=1 was_on=0 "
		 "prior_driver=bochs-drm prior_override= reset=0 reset_at=0 seconds=0 attempts=0\n"
		 "done 1\n"
		 "begin 2 reset what=0000:01:00.0 target= captured=1 was_on=0 prior_driver= "
		 "prior_override= reset=1 reset_at=2 seconds=2 attempts=3\n"
		 "done 2\nprepared\nundone 2\n");
	expect(run(t, "status", NULL), 0, "status-win11.out", NULL, "");
	expect(run(t, "status", "win11", NULL), 0, "status-win11.out", NULL, "");
	expect_json(run(t, "status", "win11", "--json", NULL), 0, "status-win11.json");
	expect(run(t, "status", "other", NULL), 0, NULL, "other: no journal (nothing held)\n", "");
	t_mkdirs(t->fx, "run/vfiohook/nic");
	fx_write(t->fx, "run/vfiohook/nic/journal", J_HEADER
		 "begin 0 pci-bind what=0000:00:03.0 target=vfio-pci captured=1 was_on=0 "
		 "prior_driver=e1000e prior_override= reset=0 reset_at=0 seconds=0 attempts=0\n");
	expect(run(t, "status", "nic", NULL), 0, "status-nic.out", NULL, "");
	expect_json(run(t, "status", "nic", "--json", NULL), 0, "status-nic.json");
	t_mkdirs(t->fx, "run/vfiohook/bad");
	fx_write(t->fx, "run/vfiohook/bad/journal", "garbage\n");
	expect(run(t, "status", "bad", NULL), 0, NULL, J_BAD, "");
	expect_json(run(t, "status", "bad", "--json", NULL), 0, "status-bad.json");
	/* every journal, each as alone */
	{
		struct cli c = run(t, "status", NULL);
		char *w = t_golden("status-win11.out"), *n = t_golden("status-nic.out");

		assert_int_equal(c.status, 0);
		assert_contains(c.out, w);
		assert_contains(c.out, n);
		assert_contains(c.out, J_BAD);
		assert_int_equal(strlen(c.out), strlen(w) + strlen(n) +
				 strlen(J_BAD));
		free(w);
		free(n);
		cli_free(&c);
	}
	assert_no_writes(t->fx);
}


/* ---- JSON: a strict little parser, so that every --json output is
 * checked to parse (no python or jq needed) */

static const char *js_value(const char *p);

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if (!*p || (unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
	}
	return p + 1;
}

static const char *js_seq(const char *p, char close, bool members)
{
	p = js_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (members) {
			if (!(p = js_string(js_ws(p))))
				return NULL;
			p = js_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		if (!(p = js_value(p)))
			return NULL;
		p = js_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *js_value(const char *p)
{
	p = js_ws(p);
	if (*p == '{')
		return js_seq(p, '}', true);
	if (*p == '[')
		return js_seq(p, ']', false);
	if (*p == '"')
		return js_string(p);
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		p += *p == '-';
		while (*p >= '0' && *p <= '9')
			p++;
		return p;
	}
	return NULL;
}

/* one JSON value and nothing after it, a document of schema 1 */
static bool json_ok(const char *text)
{
	const char *end = js_value(text);

	if (!end || *js_ws(end)) {
		print_error("not JSON (at offset %td)\n", end ? end - text : -1);
		return false;
	}
	return strstr(text, "\"schema\": 1,\n") != NULL;
}

static void assert_json(const char *text)
{
	if (!json_ok(text)) {
		print_error("%s\n", text);
		fail();
	}
}

static void test_json_parser(void **state)
{
	/* the checker itself must refuse what is not JSON */
	(void)state;
	assert_non_null(js_value("{\"a\": [1, -2, true, null, \"x\\\"\\u00e9\"], \"b\": {}}"));
	assert_null(js_value("{\"a\": [1, 2,]}"));
	assert_null(js_value("{\"a\" 1}"));
	assert_null(js_value("[\"tab\there\"]"));
	assert_null(js_value("{\"a\": \"\\q\"}"));
}

static void test_groups(void **state)
{
	struct t *t = *state;
	struct cli c;

	expect(run(t, "groups", NULL), 0, "groups-guest.out", NULL, "");
	expect(run(t, "groups", "--json", NULL), 0, "groups-guest.json", NULL, "");
	expect(run(t, "--json", "show", "01:00.0", NULL), 0, "show-gpu.json", NULL, "");
	/* every reporting command's JSON parses */
	t_ini(t->fx, "router", "[devices]\npassthrough = 0000:00:03.0\ndriver = pci-stub\n");
	for (const char *const *cmd = (const char *const[]){ "list", "groups", "status", NULL };
	     *cmd; cmd++) {
		c = run(t, *cmd, "--json", NULL);
		assert_int_equal(c.status, 0);
		assert_json(c.out);
		cli_free(&c);
	}
	c = run(t, "group", "02:01.0", "--json", NULL);
	assert_json(c.out);
	cli_free(&c);
	c = run(t, "plan", "router", "--json", NULL);
	assert_int_equal(c.status, 0);
	assert_json(c.out);
	assert_contains(c.out, "\"kind\": \"pci-bind\",\n");
	cli_free(&c);
	c = run(t, "check", "router", "--json", NULL);
	assert_int_equal(c.status, 0);
	assert_json(c.out);
	assert_contains(c.out, "\"steps\": 1,\n");
	cli_free(&c);
	c = run(t, "check", "--json", NULL);
	assert_int_equal(c.status, 1);
	assert_json(c.out);
	cli_free(&c);
	assert_no_writes(t->fx);
}

static void test_groups_without_iommu(void **state)
{
	struct t *t = *state;
	struct cli c;

	expect(run(t, "groups", NULL), 1, "groups-noiommu.out", NULL, "");
	c = run(t, "groups", "--json", NULL);
	assert_int_equal(c.status, 1);
	assert_json(c.out);
	assert_contains(c.out, "\"iommu\": false,\n");
	cli_free(&c);
}

static int t_desktop(void **state)
{
	return t_setup(state, "desktop", NULL);
}

/* a libvirtd that started `ago` seconds after boot, boot `boot_ago`
 * seconds before now */
static void fake_libvirtd(struct t *t, long boot_at)
{
	char stat_text[256];

	t_mkdirs(t->fx, "proc/4242");
	fx_write(t->fx, "proc/4242/comm", "libvirtd\n");
	/* starttime (field 22) 100 s after boot at 100 ticks a second */
	fx_write(t->fx, "proc/4242/stat", "4242 (libvirtd) S 1 4242 4242 0 -1 4194560 1 0 0 0 "
		 "0 0 0 0 20 0 17 0 10000 1000 100 18446744073709551615\n");
	snprintf(stat_text, sizeof(stat_text), "cpu  1 2 3 4\nbtime %ld\nprocesses 5\n", boot_at);
	fx_write(t->fx, "proc/stat", stat_text);
}

static void test_check_host(void **state)
{
	struct t *t = *state;
	struct cli c;

	/* no hook yet, one INI file, no libvirtd */
	t_ini(t->fx, "win11", "[devices]\npassthrough = auto\n");
	expect(run(t, "check", NULL), 1, "check-host-desktop.out", NULL, "");
	expect_json(run(t, "check", "--json", NULL), 1, "check-host-desktop.json");
	/* the hook installed (a file, executable) while libvirtd runs since
	 * long before: libvirtd does not run it until reloaded.  No journal
	 * below the fake root (never this machine's) tells of a reload: the
	 * verdict stays a failure, its fix the reload. */
	t_mkdirs(t->fx, "etc/libvirt/hooks/qemu.d");
	fx_write(t->fx, "etc/libvirt/hooks/qemu.d/vfiohook", "#!/bin/sh\n");
	assert_int_equal(chmod(t_abs(t->fx, "etc/libvirt/hooks/qemu.d/vfiohook"), 0755), 0);
	fake_libvirtd(t, 1000);
	c = run(t, "check", NULL);
	assert_int_equal(c.status, 1);
	assert_contains(c.out, "ok    hook: installed: /etc/libvirt/hooks/qemu.d/vfiohook\n");
	assert_contains(c.out, "fail  hook: installed after libvirtd (pid 4242) started: it "
			"does not run the\n      hook until it reloads or restarts (no systemd "
			"journal readable to show a\n      reload)\n"
			"      fix: systemctl reload libvirtd (or restart it: systemctl restart "
			"libvirtd)\n");
	cli_free(&c);
	/* libvirtd (re)started after the hook: fine */
	fake_libvirtd(t, (long)time(NULL) + 3600);
	c = run(t, "check", NULL);
	assert_contains(c.out, "ok    libvirtd: started after the hook was installed (pid 4242): "
			"it runs it\n");
	assert_null(strstr(c.out, "fail  hook"));
	cli_free(&c);
	/* a world-writable INI file is refused by the hook: check says so */
	assert_int_equal(chmod(t_abs(t->fx, "etc/" VFH_CONF_DIR "/win11.ini"), 0666), 0);
	c = run(t, "check", NULL);
	assert_int_equal(c.status, 1);
	assert_contains(c.out, "fail  win11.ini: group- or world-writable: the hook refuses it, and "
			"that\n      domain's start fails until it is fixed\n      fix: chown root "
			"/etc/libvirt/hooks/vfiohook/win11.ini; chmod 0644\n"
			"           /etc/libvirt/hooks/vfiohook/win11.ini\n");
	cli_free(&c);
	/* a symlinked hook is not run under AppArmor */
	fx_write(t->fx, "elsewhere", "#!/bin/sh\n");
	assert_int_equal(unlink(t_abs(t->fx, "etc/libvirt/hooks/qemu.d/vfiohook")), 0);
	fx_symlink(t->fx, "etc/libvirt/hooks/qemu.d/vfiohook", "elsewhere");
	c = run(t, "check", NULL);
	assert_contains(c.out, "fail  hook: /etc/libvirt/hooks/qemu.d/vfiohook is a symlink");
	cli_free(&c);
}

static int t_noremap(void **state)
{
	return t_setup(state, "noremap", NULL);
}

/* one finding as check --json prints it; fix: a JSON string or null */
#define FINDING(verdict, what, detail, fix) "    {\n      \"verdict\": \"" verdict "\",\n" \
	"      \"what\": \"" what "\",\n      \"detail\": \"" detail "\",\n      \"fix\": " fix "\n"
#define IR "interrupt remapping"
#define IR_FIX "\"turn on interrupt remapping: VT-d (Intel) or AMD-Vi (AMD) in the firmware, " \
	"intel_iommu=on or amd_iommu=on on the kernel command line"
#define ALLOW_UNSAFE "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"

/* check's interrupt remapping from the running kernel: /proc/interrupts
 * names the remapping irqchips when it is on */
static void test_check_host_noremap(void **state)
{
	struct t *t = *state;
	struct cli c;

	t_ini(t->fx, "win11", "[devices]\npassthrough = auto\n");
	expect(run(t, "check", NULL), 1, "check-host-noremap.out", NULL, "");
	expect_json(run(t, "check", "--json", NULL), 1, "check-host-noremap.json");
	/* turned off on the kernel command line: the fix says to drop that */
	fx_write(t->fx, "proc/cmdline", "BOOT_IMAGE=/vmlinuz root=UUID=1 intel_iommu=on "
		 "intremap=off quiet\n");
	c = run(t, "check", "--json", NULL);
	assert_int_equal(c.status, 1);
	assert_contains(c.out, FINDING("fail", IR, "off (no IR-* irqchip in /proc/interrupts, "
		"intremap=off on the kernel command line): VFIO refuses to give a device to a VM "
		"without it", IR_FIX ", without intremap=off, and reboot; only as a last resort, "
		"on hardware without it: vfio_iommu_type1.allow_unsafe_interrupts=1, which lets a "
		"guest forge interrupts to the host (its device's MSI writes go unchecked)\""));
	cli_free(&c);
	/* allowed unsafe: VFIO takes the device, a warning with the risk */
	t_mkdirs(t->fx, "sys/module/vfio_iommu_type1/parameters");
	fx_write(t->fx, ALLOW_UNSAFE, "Y\n");
	fx_write(t->fx, "proc/cmdline", "root=UUID=1\n");
	c = run(t, "check", "--json", NULL);
	assert_contains(c.out, FINDING("warn", IR, "off (no IR-* irqchip in /proc/interrupts): "
		"VFIO takes devices only because allow_unsafe_interrupts is on, and a guest can "
		"forge interrupts to the host", IR_FIX ", and reboot; then remove "
		"vfio_iommu_type1.allow_unsafe_interrupts=1\""));
	assert_null(strstr(c.out, "\"verdict\": \"fail\",\n      \"what\": \"" IR));
	cli_free(&c);
	assert_no_writes(t->fx);
}

/* a 6.x kernel's own lines, interrupt remapping on (Intel) */
static const char ir_interrupts[] =
	"            CPU0       CPU1       CPU2       CPU3       \n"
	"   1:          0          0          0          9  IR-IO-APIC    1-edge      i8042\n"
	"   8:          0          0          0          0  IR-IO-APIC    8-edge      rtc0\n"
	"   9:          0        120          0          0  IR-IO-APIC    9-fasteoi   acpi\n"
	" 120:          0          0          0          0  DMAR-MSI    0-edge      dmar0\n"
	" 122:          0          0       3471          0  IR-PCI-MSIX-0000:01:00.0    "
	"0-edge      nvme0q0\n"
	" 124:       5432          0          0          0  IR-PCI-MSI-0000:00:17.0    0-edge"
	"      ahci[0000:00:17.0]\n"
	" NMI:          0          0          0          0   Non-maskable interrupts\n"
	" LOC:      53162      48712      49977      48164   Local timer interrupts\n"
	" ERR:          0\n"
	" MIS:          0\n"
	" PIN:          0          0          0          0   Posted-interrupt notification event\n";

/* an arm64 host's: no x86 irqchip, MSIs isolated by the GIC's ITS */
static const char its_interrupts[] =
	"           CPU0       CPU1       \n"
	" 11:      61013      58220     GICv3  27 Level     arch_timer\n"
	" 52:          0          0   ITS-PCI-MSIX-0002:01:00.0   0 Edge      nvme0q0\n"
	"IPI0:       812        903       Rescheduling interrupts\n"
	"Err:          0\n";

static void test_check_host_remap(void **state)
{
	struct t *t = *state;
	struct cli c;

	/* the desktop's rendered /proc/interrupts: on (its golden shows it) */
	c = run(t, "check", "--json", NULL);
	assert_contains(c.out, FINDING("ok", IR, "on (IR-* irqchips in /proc/interrupts: "
		"IR-IO-APIC, IR-PCI-MSI)", "null"));
	cli_free(&c);
	/* a kernel's own lines: the chip column after the counts, one name a
	 * chip whatever the device; DMAR-MSI, NMI: and LOC: are no irqchips
	 * to count */
	fx_write(t->fx, "proc/interrupts", ir_interrupts);
	c = run(t, "check", "--json", NULL);
	assert_contains(c.out, FINDING("ok", IR, "on (IR-* irqchips in /proc/interrupts: "
		"IR-IO-APIC, IR-PCI-MSIX, IR-PCI-MSI)", "null"));
	cli_free(&c);
	/* allow_unsafe_interrupts left on: harmless now, a warning */
	t_mkdirs(t->fx, "sys/module/vfio_iommu_type1/parameters");
	fx_write(t->fx, ALLOW_UNSAFE, "Y\n");
	c = run(t, "check", "--json", NULL);
	assert_contains(c.out, FINDING("ok", IR, "on (IR-* irqchips in /proc/interrupts: "
		"IR-IO-APIC, IR-PCI-MSIX, IR-PCI-MSI)", "null"));
	assert_contains(c.out, FINDING("warn", IR, "allow_unsafe_interrupts is on, and not "
		"needed: should remapping go off, a guest could forge interrupts to the host",
		"\"remove vfio_iommu_type1.allow_unsafe_interrupts=1 (kernel command line or "
		"/etc/modprobe.d)\""));
	cli_free(&c);
	fx_write(t->fx, ALLOW_UNSAFE, "N\n");
	/* no x86 irqchip named (arm64): the kernel command line only */
	fx_write(t->fx, "proc/interrupts", its_interrupts);
	c = run(t, "check", "--json", NULL);
	assert_null(strstr(c.out, IR));
	cli_free(&c);
	fx_write(t->fx, "proc/cmdline", "root=/dev/vda1 intremap=off\n");
	c = run(t, "check", "--json", NULL);
	assert_contains(c.out, FINDING("warn", IR, "turned off (intremap=off): VFIO refuses "
		"devices unless unsafe interrupts are allowed", "\"remove intremap=off from the "
		"kernel command line\""));
	cli_free(&c);
	/* /proc/interrupts unreadable: the same */
	assert_int_equal(unlink(t_abs(t->fx, "proc/interrupts")), 0);
	c = run(t, "check", "--json", NULL);
	assert_contains(c.out, FINDING("warn", IR, "turned off (intremap=off): VFIO refuses "
		"devices unless unsafe interrupts are allowed", "\"remove intremap=off from the "
		"kernel command line\""));
	assert_null(strstr(c.out, "IR-*"));
	cli_free(&c);
	assert_no_writes(t->fx);
}

/* the bash completion file, run by bash against the built binary */
static void test_completion(void **state)
{
	struct t *t = *state;
	char script[4096];
	const char *argv[] = { "/bin/bash", "--norc", "-c", script, NULL };
	struct t_proc p;

	t_ini(t->fx, "win11", "[devices]\n");
	t_ini(t->fx, "router", "[devices]\n");
	snprintf(script, sizeof(script),
		 ". %s/../../../tools/vfiohook.bash-completion\n"
		 "c() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _vfiohook;"
		 " printf '%%s\\n' \"${COMPREPLY[*]}\" | tr ' ' '\\n' | sort | tr '\\n' ' '; echo; }\n"
		 "B=%s R=%s\n"
		 "c $B gr\nc $B --root $R show 0000:01:00\nc $B --root $R check ''\n"
		 "c $B reset 01:00.0 --m\nc $B reset --method s\nc $B list --j\n"
		 "c $B --root $R bind 01:00.0 vf\nc $B --root $R status ''\n",
		 fx_dir(), t_build_path("tools/vfiohook"), fx_root(t->fx));
	/* eight runs of the sanitized binary: a loaded machine needs time */
	t_spawn(argv, NULL, NULL, 0, 90000, &p);
	assert_int_equal(p.status, 0);
	assert_string_equal(p.out, "group groups \n"
			    "0000:01:00.0 0000:01:00.1 \n"
			    "router win11 \n"
			    "--method \n"
			    "suspend \n"
			    "--json \n"
			    "vfio-pci \n"
			    " \n");
	assert_string_equal(p.err, "");
	t_proc_free(&p);
}

/* the desktop with an NVIDIA card of its own, beside the boot GPU */
static int t_desktop_nvidia(void **state)
{
	return t_setup(state, "desktop", "pci 0000:03:00.0 id=10de:2484 subsys=10de:146b "
		       "class=0x030000 group=10 reset=bus boot_vga=0\n");
}

/* Domain "big": GiB of hugepage-backed memory on node 0 */
static const char *big_xml(struct t *t, unsigned int gib)
{
	char xml[512];

	snprintf(xml, sizeof(xml), "<domain type='kvm'><name>big</name><memory unit='GiB'>%u"
		 "</memory><vcpu>1</vcpu><memoryBacking><hugepages/></memoryBacking><numatune>"
		 "<memory mode='strict' nodeset='0'/></numatune><devices><memballoon "
		 "model='none'/></devices></domain>", gib);
	fx_write(t->fx, "big.xml", xml);
	return t_abs(t->fx, "big.xml");
}

/* check DOMAIN's advice on the domain XML, each finding with the XML to add */
static void test_check_advice(void **state)
{
	struct t *t = *state;
	struct cli c;

	fx_write(t->fx, "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
	fx_write(t->fx, "etc/group", "root:x:0:\nkvm:x:104:\n");
	t_ini(t->fx, "lg", "[devices]\npassthrough = auto\n[cpus]\nisolate = 2-3\n"
	      "[looking-glass]\n");
	fx_write(t->fx, "lg.xml", "<domain type='kvm'><name>lg</name>"
		 "<memory unit='MiB'>64</memory><vcpu>2</vcpu>"
		 "<memoryBacking><hugepages/></memoryBacking><devices>"
		 "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
		 "<address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source></hostdev>"
		 "<shmem name='looking-glass'><model type='ivshmem-plain'/>"
		 "<size unit='M'>32</size></shmem>"
		 "<memballoon model='virtio'/></devices></domain>");
	expect(run(t, "check", "lg", "--xml", t_abs(t->fx, "lg.xml"), "--resolution", "2560x1440",
		   NULL), 1, "check-advice.out", NULL, "");
	expect_json(run(t, "check", "lg", "--xml", t_abs(t->fx, "lg.xml"), "--resolution",
			"2560x1440", "--json", NULL), 1, "check-advice.json");
	/* 1920x1080 fits in 32 MiB: 1920*1080*4*2 + 10 MiB = 25.8 MiB -> 32 MiB */
	c = run(t, "check", "lg", "--xml", t_abs(t->fx, "lg.xml"), "--resolution", "1920x1080",
		NULL);
	assert_int_equal(c.status, 0);
	assert_null(strstr(c.out, "fail "));
	cli_free(&c);
	/* everything the findings ask for added: nothing left to say */
	fx_write(t->fx, "lg.xml", "<domain type='kvm'><name>lg</name>"
		 "<memory unit='MiB'>64</memory><vcpu>2</vcpu>"
		 "<memoryBacking><hugepages/></memoryBacking>"
		 "<cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='3'/>"
		 "<vcpusched vcpus='0-1' scheduler='fifo' priority='1'/></cputune>"
		 "<features><hyperv><vendor_id state='on' value='0123456789ab'/></hyperv>"
		 "<kvm><hidden state='on'/></kvm></features><devices>"
		 "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
		 "<address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source></hostdev>"
		 "<shmem name='looking-glass'><model type='ivshmem-plain'/>"
		 "<size unit='M'>64</size></shmem>"
		 "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>"
		 "<memballoon model='none'/></devices></domain>");
	c = run(t, "check", "lg", "--xml", t_abs(t->fx, "lg.xml"), "--resolution", "2560x1440",
		NULL);
	assert_int_equal(c.status, 0);
	assert_contains(c.out, "ok    domain XML: nothing to add for what the INI file asks\n");
	assert_null(strstr(c.out, "warn "));
	cli_free(&c);
	c = run(t, "check", "lg", "--xml", t_abs(t->fx, "lg.xml"), "--json", NULL);
	assert_json(c.out);
	cli_free(&c);
	/* 6 GiB of 2 MiB pages on node 0, which has 8 GiB in all and 4 GiB free
	 * (desktop.fx): a warning, the plan still runs */
	t_ini(t->fx, "big", "[memory]\nhugepages = auto\n");
	c = run(t, "check", "big", "--xml", big_xml(t, 6), NULL);
	assert_int_equal(c.status, 0);
	assert_contains(c.out, "big: this host can run its plan (1 step; 'vfiohook plan big' lists "
			"it)\n");
	assert_contains(c.out, "warn  hugepages: 3072 new hugepages of 2048 kB (6144 MiB) at "
			"start, and node 0\n      has 4096 MiB free now: the rest must come from "
			"reclaim and compaction,\n      which may fall short\n"
			"      fix: free memory before the domain starts, or reserve the pages at boot\n"
			"           (hugepages= on the kernel command line) and set hugepages = keep in\n"
			"           [memory]\n");
	assert_null(too_wide(c.out));
	cli_free(&c);
	/* 10 GiB there: more than the node holds, refused as the hook would */
	c = run(t, "check", "big", "--xml", big_xml(t, 10), NULL);
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "the domain needs 5120 hugepages of 2048 kB (10240 MiB) on NUMA "
			"node 0, which has 8192 MiB of memory in all");
	cli_free(&c);
	assert_no_writes(t->fx);
}

/* the desktop with eight CPUs: room to isolate one per vCPU of a 4-vCPU
 * domain and keep some for the host */
static int t_desktop8(void **state)
{
	return t_setup(state, "desktop", "cpus online=0-7 present=0-7 possible=0-7 isolated= "
		       "governors=\"performance powersave schedutil\" governor=schedutil "
		       "rt_runtime=950000 rt_period=1000000\n");
}

/* A 4-vCPU domain (cputune: what is given, between <cputune> tags) */
static const char *vcpus4_xml(struct t *t, const char *vcpu, const char *cputune)
{
	char xml[1024];

	snprintf(xml, sizeof(xml), "<domain type='kvm'><name>rt</name>"
		 "<memory unit='MiB'>64</memory>%s%s%s%s<devices/></domain>", vcpu,
		 *cputune ? "<cputune>" : "", cputune, *cputune ? "</cputune>" : "");
	fx_write(t->fx, "rt.xml", xml);
	return t_abs(t->fx, "rt.xml");
}

/* check DOMAIN's <vcpupin> and <vcpusched> advice fits the domain: one pin
 * per vCPU, on the CPUs the INI isolates, a placeholder where it names
 * none or too few, the scheduler on every vCPU */
static void test_check_advice_vcpus(void **state)
{
	struct t *t = *state;
	struct cli c;

	/* isolate names four CPUs for four vCPUs: one each, in order */
	t_ini(t->fx, "rt", "[cpus]\nisolate = 2-5\n");
	expect(run(t, "check", "rt", "--xml", vcpus4_xml(t, "<vcpu>4</vcpu>", ""), NULL), 0,
	       "check-advice-vcpus.out", NULL, "");
	/* a long domain name: the verdict wraps under it, a quoted command kept
	 * whole (expect() holds every line to 80 columns) */
	{
		const char *name = "windows-11-gaming-looking-glass";
		char xml[256];

		snprintf(xml, sizeof(xml), "<domain type='kvm'><name>%s</name><memory unit='MiB'>"
			 "64</memory><vcpu>4</vcpu><devices/></domain>", name);
		fx_write(t->fx, "long.xml", xml);
		t_ini(t->fx, name, "[cpus]\nisolate = 2-5\n");
		c = run(t, "check", name, "--xml", t_abs(t->fx, "long.xml"), NULL);
		assert_int_equal(c.status, 0);
		assert_null(too_wide(c.out));
		assert_contains(c.out, "\nwindows-11-gaming-looking-glass: this host can run its plan "
				"(11 steps;\n  'vfiohook plan windows-11-gaming-looking-glass' lists "
				"them)\n");
		cli_free(&c);
	}
	/* two CPUs for four vCPUs: the other two marked CPU, and said */
	t_ini(t->fx, "rt", "[cpus]\nisolate = 2-3\n");
	expect(run(t, "check", "rt", "--xml", vcpus4_xml(t, "<vcpu>4</vcpu>", ""), NULL), 0,
	       "check-advice-vcpus-few.out", NULL, "");
	/* isolate = auto: the CPUs <vcpu cpuset=> lets the vCPUs float over */
	t_ini(t->fx, "rt", "[cpus]\nisolate = auto\n");
	c = run(t, "check", "rt", "--xml", vcpus4_xml(t, "<vcpu cpuset='4-7'>4</vcpu>", ""),
		NULL);
	assert_int_equal(c.status, 0);
	assert_contains(c.out, "cpuset='4-7'>:\n"
			"           <vcpupin vcpu='0' cpuset='4'/>\n"
			"           <vcpupin vcpu='1' cpuset='5'/>\n"
			"           <vcpupin vcpu='2' cpuset='6'/>\n"
			"           <vcpupin vcpu='3' cpuset='7'/>\n");
	cli_free(&c);
	/* isolate = auto with the emulator pinned alone: no CPU named for the
	 * vCPUs, every one a placeholder */
	expect(run(t, "check", "rt", "--xml", vcpus4_xml(t, "<vcpu>4</vcpu>",
							 "<emulatorpin cpuset='7'/>"), NULL), 0,
	       "check-advice-vcpus-choose.out", NULL, "");
	/* one vCPU: one pin, the scheduler on vCPU 0 */
	t_ini(t->fx, "rt", "[cpus]\nisolate = 3\n");
	c = run(t, "check", "rt", "--xml", vcpus4_xml(t, "<vcpu>1</vcpu>", ""), NULL);
	assert_int_equal(c.status, 0);
	assert_contains(c.out, "<vcpupin vcpu='0' cpuset='3'/>\n");
	assert_null(strstr(c.out, "vcpu='1'"));
	assert_contains(c.out, "<vcpusched vcpus='0' scheduler='fifo' priority='1'/>\n");
	cli_free(&c);
	c = run(t, "check", "rt", "--xml", vcpus4_xml(t, "<vcpu>1</vcpu>", ""), "--json", NULL);
	assert_json(c.out);
	cli_free(&c);
	assert_no_writes(t->fx);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* vfiohook(8) documents every command of the table (as the binary lists
 * them for completion), and the JSON of every reporting command */
static void test_manpage(void **state)
{
	struct t *t = *state;
	const char *argv[] = { t_build_path("tools/vfiohook"), "__complete", "", NULL };
	char path[PATH_MAX], *man, *json;
	struct t_proc p;

	(void)t;
	snprintf(path, sizeof(path), "%s/../../../tools/vfiohook.8", fx_dir());
	man = slurp(path);
	json = strstr(man, "\n.SH JSON OUTPUT\n");
	assert_non_null(json);
	t_spawn(argv, NULL, NULL, 0, 20000, &p);
	assert_int_equal(p.status, 0);
	assert_non_null(strstr(p.out, "groups\n"));
	for (char *line = p.out, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		char b[96], bi[96], ri[96], per[96];

		*nl = 0;
		snprintf(b, sizeof(b), "\n.B %s\n", line);
		snprintf(bi, sizeof(bi), "\n.BI %s \"", line);
		snprintf(ri, sizeof(ri), "\n.RI \"%s [", line);
		if (!strstr(man, b) && !strstr(man, bi) && !strstr(man, ri))
			fail_msg("vfiohook(8) has no entry for the command '%s'", line);
		/* the reporting ones have their JSON described */
		snprintf(per, sizeof(per), "\n.TP\n.B %s\n", line);
		if (strstr("list show group groups check plan status", line) && !strstr(json, per))
			fail_msg("vfiohook(8)'s JSON OUTPUT does not describe '%s'", line);
	}
	t_proc_free(&p);
	free(man);
}

static void test_usage_errors(void **state)
{
	struct t *t = *state;

	expect(run(t, NULL), 2, NULL, "", "vfiohook: no command\n" TRY);
	expect(run(t, "frob", NULL), 2, NULL, "", "vfiohook: unknown command 'frob'\n" TRY);
	expect(run(t, "show", "01:00", NULL), 2, NULL, "",
	       "vfiohook: invalid PCI address '01:00' (DDDD:BB:SS.F or BB:SS.F)\n" TRYC("show"));
	expect(run(t, "group", "0000:01:00.8", NULL), 2, NULL, "",
	       "vfiohook: invalid PCI address '0000:01:00.8' (DDDD:BB:SS.F or BB:SS.F)\n"
	       TRYC("group"));
	expect(run(t, "show", NULL), 2, NULL, "", "vfiohook: usage: vfiohook show ADDR\n"
	       TRYC("show"));
	expect(run(t, "show", "01:00.0", "01:00.1", NULL), 2, NULL, "",
	       "vfiohook: usage: vfiohook show ADDR\n" TRYC("show"));
	expect(run(t, "list", "extra", NULL), 2, NULL, "", "vfiohook: usage: vfiohook list\n"
	       TRYC("list"));
	expect(run(t, "status", "a", "b", NULL), 2, NULL, "",
	       "vfiohook: usage: vfiohook status [DOMAIN]\n" TRYC("status"));
	expect(run(t, "plan", NULL), 2, NULL, "",
	       "vfiohook: usage: vfiohook plan DOMAIN\n" TRYC("plan"));
	expect(run(t, "--wait-ms", "0", "list", NULL), 2, NULL, "",
	       "vfiohook: --wait-ms must be at least 1\n" TRY);
	expect(run(t, "--wait-ms", "ten", "list", NULL), 2, NULL, "",
	       "vfiohook: invalid --wait-ms 'ten'\n" TRY);
	expect(run(t, "reset", "01:00.0", "--method", "kick", NULL), 2, NULL, "",
	       "vfiohook: invalid --method 'kick' (auto or suspend)\n" TRYC("reset"));
	expect(run(t, "--frob", "list", NULL), 2, NULL, "", "vfiohook: unknown option '--frob'\n"
	       TRY);
	/* each command takes its own options; another's is refused, naming whose it is */
	expect(run(t, "list", "--xml", "f.xml", NULL), 2, NULL, "",
	       "vfiohook: list does not take --xml (it is for: check, plan)\n" TRYC("list"));
	expect(run(t, "list", "--slot", NULL), 2, NULL, "",
	       "vfiohook: list does not take --slot (it is for: remove-rescan)\n" TRYC("list"));
	expect(run(t, "show", "01:00.0", "--frob", NULL), 2, NULL, "",
	       "vfiohook: unknown option '--frob'\n" TRYC("show"));
	expect(run(t, "bind", "01:00.0", "vfio-pci", "--json", NULL), 2, NULL, "",
	       "vfiohook: bind does not take --json: it reports nothing but success or one line "
	       "on failure\n" TRYC("bind"));
	expect(run(t, "check", "--xml", NULL), 2, NULL, "",
	       "vfiohook: option '--xml' needs an argument\n" TRYC("check"));
	expect(run(t, "check", "--xml", "f.xml", NULL), 2, NULL, "",
	       "vfiohook: --xml goes with a DOMAIN: check DOMAIN --xml FILE\n" TRYC("check"));
	assert_no_writes(t->fx);
}

static void test_help_version_and_root(void **state)
{
	struct t *t = *state;
	const char *bin = t_build_path("tools/vfiohook");
	const char *help[] = { bin, "--help", NULL }, *version[] = { bin, "-V", NULL };
	const char *rel[] = { bin, "--root", "relative/dir", "list", NULL };
	struct t_proc p;

	const char *chelp[] = { bin, "reset", "--help", NULL };

	t_spawn(help, NULL, NULL, 0, 20000, &p);
	assert_int_equal(p.status, 0);
	assert_int_equal(strncmp(p.out, "Usage: vfiohook [OPTIONS] COMMAND [ARGS]\n", 41), 0);
	/* every command of the table in the help */
	for (const char *const *c = (const char *const[]){ "list", "show", "group", "groups",
		"check", "plan", "status", "recover", "bind", "restore", "unbind", "remove-rescan",
		"reset", NULL }; *c; c++) {
		char line[64];

		snprintf(line, sizeof(line), "\n  %s ", *c);
		assert_contains(p.out, line);
	}
	assert_string_equal(p.err, "");
	t_proc_free(&p);
	/* a command's own help: its usage and only its options */
	t_spawn(chelp, NULL, NULL, 0, 20000, &p);
	assert_int_equal(p.status, 0);
	assert_int_equal(strncmp(p.out, "Usage: vfiohook reset [OPTIONS] ADDR\n", 37), 0);
	assert_contains(p.out, "  --method M ");
	assert_contains(p.out, "  --attempts N ");
	assert_null(strstr(p.out, "--xml"));
	assert_null(strstr(p.out, "--json"));
	t_proc_free(&p);
	t_spawn(version, NULL, NULL, 0, 20000, &p);
	assert_int_equal(p.status, 0);
	assert_string_equal(p.out, "vfiohook " VFH_VERSION "\n");
	t_proc_free(&p);
	t_spawn(rel, NULL, NULL, 0, 20000, &p);
	assert_int_equal(p.status, 1);
	assert_string_equal(p.out, "");
	assert_string_equal(p.err, "vfiohook: invalid --root 'relative/dir': Invalid argument\n");
	t_proc_free(&p);
	(void)t;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_list),
		T(test_show),
		T_ON(test_show_without_iommu, t_noiommu),
		T(test_group),
		T(test_plan),
		T(test_plan_auto_without_xml),
		T(test_check),
		T(test_status),
		T(test_json_parser),
		T(test_groups),
		T_ON(test_groups_without_iommu, t_noiommu),
		T_ON(test_check_host, t_desktop),
		T_ON(test_check_host_remap, t_desktop),
		T_ON(test_check_host_noremap, t_noremap),
		T(test_completion),
		T_ON(test_check_advice, t_desktop_nvidia),
		T_ON(test_check_advice_vcpus, t_desktop8),
		T(test_manpage),
		T(test_usage_errors),
		T(test_help_version_and_root),
	};

	t_init();
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
