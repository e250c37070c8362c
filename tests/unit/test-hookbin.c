// SPDX-License-Identifier: LGPL-2.1-or-later
/* The built hook, tests/build/hooks/vfiohook-qemu, run as libvirt runs it
 * (DOMAIN OP SUBOP EXTRA, the domain XML on stdin) against a fixture
 * through VFIOHOOK_ROOT (honoured by the test build only).  It runs
 * without the fake kernel: what it is asked to do here needs no kernel to
 * act (refusals, the domains it leaves alone, a device already where the
 * plan puts it), so the tree must come out exactly as it went in.
 * Whatever happens, nothing on stdout (libvirt parses it), stdin read to
 * the end (libvirt blocks until it is), at most one line on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "testlib.h"
#include "hooktest.h"

#define BIG (256u << 10)	/* stdin larger than any pipe buffer */
#define JREL "run/vfiohook/%s/journal"

struct h {
	struct t *t;
	char domain[64];	/* unique: a leak to the real /run would show */
	char root_env[600];
	char *before;
};

static struct h *h_of(void **state)
{
	return *state;
}

static int setup_with(void **state, const char *extra)
{
	struct h *h = calloc(1, sizeof(*h));
	void *ts;

	assert_non_null(h);
	t_setup(&ts, "guest", extra);
	h->t = ts;
	snprintf(h->domain, sizeof(h->domain), "vfhtest-%d", (int)getpid());
	snprintf(h->root_env, sizeof(h->root_env), "VFIOHOOK_ROOT=%s", fx_root(h->t->fx));
	h->before = strdup(t_snapshot(h->t->fx));
	*state = h;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, NULL);
}

/* 00:03.0 on vfio-pci already: binding it there is no change */
static int setup_on_vfio(void **state)
{
	return setup_with(state, "module vfio_pci state=live\n"
			  "pci 0000:00:03.0 driver=vfio-pci native=e1000e override=vfio-pci\n");
}

static int teardown(void **state)
{
	struct h *h = *state;
	char path[256];
	void *ts = h->t;

	/* never anything on the machine itself */
	snprintf(path, sizeof(path), "/run/vfiohook/%s", h->domain);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "/etc/libvirt/hooks/vfiohook/%s.ini", h->domain);
	assert_int_equal(access(path, F_OK), -1);
	free(h->before);
	free(h);
	*state = NULL;
	return t_teardown(&ts);
}

static char *big_input(const char *xml)
{
	char *in = malloc(BIG + 1);
	size_t n = strlen(xml);

	assert_non_null(in);
	/* a valid document padded with a comment, as long as BIG */
	assert_true(n + 64 < BIG);
	memcpy(in, xml, n);
	memcpy(in + n, "<!-- ", 5);
	memset(in + n + 5, 'x', BIG - n - 9);
	memcpy(in + BIG - 4, "-->\n", 4);
	in[BIG] = '\0';
	return in;
}

/* Runs the hook with stdin `in`, checks what must always hold. */
static void hook(struct h *h, const char *domain, const char *op, const char *in,
		 struct t_proc *p)
{
	const char *bin = t_build_path("hooks/vfiohook-qemu");
	const char *argv[] = { bin, domain, op, "begin", "-", NULL };
	const char *env[] = { h->root_env, NULL };
	size_t len = in ? strlen(in) : 0;

	t_spawn(argv, env, in, len, 20000, p);
	if (p->timed_out)
		fail_msg("%s %s %s: still running after 20 s", bin, domain, op);
	assert_string_equal(p->out, "");
	if (p->in_errno || p->in_written != len)
		fail_msg("%s %s: took %zu of %zu bytes of stdin (%s)", domain, op, p->in_written, len,
			 strerror(p->in_errno));
	/* one line at most */
	if (*p->err && strchr(p->err, '\n') != p->err + strlen(p->err) - 1)
		fail_msg("stderr is not one line:\n%s", p->err);
}

static void assert_tree_unchanged(struct h *h)
{
	assert_text(t_snapshot(h->t->fx), h->before, "the tree after the hook");
}

static const char *journal_of(struct h *h)
{
	return fx_read(h->t->fx, JREL, h->domain);
}

static void test_unmanaged_domain(void **state)
{
	struct h *h = h_of(state);
	struct t_proc p;
	char *in = big_input("<domain><name>x</name></domain>\n");
	static const char *const ops[] = { "prepare", "start", "started", "stopped", "release",
					   "migrate", "restore", "reconnect", "attach" };

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		hook(h, h->domain, ops[i], in, &p);
		assert_int_equal(p.status, 0);
		assert_string_equal(p.err, "");
		t_proc_free(&p);
	}
	free(in);
	assert_false(fx_exists(h->t->fx, "run/vfiohook"));
	assert_tree_unchanged(h);
}

/* Names vfiohook never manages, even with a file of that name there */
static void test_invalid_names(void **state)
{
	struct h *h = h_of(state);
	char *in = big_input("<domain/>\n"), long_name[202];
	const char *names[] = { "../x", "-x", ".x", "", "a b", "a/b", "caf\xc3\xa9", long_name };
	struct t_proc p;

	memset(long_name, 'a', 201);
	long_name[201] = '\0';
	t_ini(h->t->fx, "-x", "this is not an INI file\n");
	t_ini(h->t->fx, ".x", "this is not an INI file\n");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		hook(h, names[i], "prepare", in, &p);
		if (p.status != 0 || *p.err)
			fail_msg("'%s': exit %d, stderr '%s'", names[i], p.status, p.err);
		t_proc_free(&p);
	}
	free(in);
	assert_false(fx_exists(h->t->fx, "run/vfiohook"));
	assert_tree_unchanged(h);
}

/* An INI the engine would refuse: any op it has no business in must not
 * even load it */
static void test_other_ops_leave_it_alone(void **state)
{
	struct h *h = h_of(state);
	char *in = big_input("<domain/>\n");
	static const char *const ops[] = { "start", "started", "migrate", "restore", "attach",
					   "detach", "prepare2", "PREPARE", "" };
	struct t_proc p;

	t_ini(h->t->fx, h->domain, "[devices]\nbogus = 1\n");
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		hook(h, h->domain, ops[i], in, &p);
		if (p.status != 0 || *p.err)
			fail_msg("op '%s': exit %d, stderr '%s'", ops[i], p.status, p.err);
		t_proc_free(&p);
	}
	free(in);
	assert_tree_unchanged(h);
}

static void test_bad_ini(void **state)
{
	struct h *h = h_of(state);
	char *in = big_input("<domain/>\n"), want[1024];
	struct t_proc p;

	t_ini(h->t->fx, h->domain, "[devices]\npassthrough = auto\nbogus = 1\n");
	hook(h, h->domain, "prepare", in, &p);
	assert_int_equal(p.status, 1);
	snprintf(want, sizeof(want), "vfiohook: %s/etc/libvirt/hooks/vfiohook/%s.ini:3: unknown key "
		 "'bogus' in [devices] (passthrough, driver, take_group, take_companions, reset, "
		 "reset_at, suspend_seconds, suspend_attempts, wait_ms, write_ms, free)\n", fx_root(h->t->fx),
		 h->domain);
	assert_string_equal(p.err, want);
	t_proc_free(&p);
	/* reconnect only looks, whatever the INI says: libvirt would kill
	 * the running domain over a failure */
	hook(h, h->domain, "reconnect", in, &p);
	assert_int_equal(p.status, 0);
	assert_string_equal(p.err, "");
	t_proc_free(&p);
	free(in);
	assert_false(fx_exists(h->t->fx, "run/vfiohook/%s", h->domain));
	assert_tree_unchanged(h);
}

static void test_ini_not_root_owned(void **state)
{
	struct h *h = h_of(state);
	char ini[600], want[1400];
	struct t_proc p;

	t_ini(h->t->fx, h->domain, "[devices]\npassthrough = 0000:00:03.0\n");
	snprintf(ini, sizeof(ini), "%s/etc/libvirt/hooks/vfiohook/%s.ini", fx_root(h->t->fx),
		 h->domain);
	assert_int_equal(chown(ini, 1000, 1000), 0);
	hook(h, h->domain, "prepare", "<domain/>", &p);
	assert_int_equal(p.status, 1);
	snprintf(want, sizeof(want), "vfiohook: %s: refused: owned by uid 1000, not root (chown "
		 "root:root %s)\n", ini, ini);
	assert_string_equal(p.err, want);
	t_proc_free(&p);
	assert_tree_unchanged(h);
}

static void test_bad_xml(void **state)
{
	struct h *h = h_of(state);
	struct t_proc p;
	char want[256];

	t_ini(h->t->fx, h->domain, "[devices]\npassthrough = auto\n");
	hook(h, h->domain, "prepare", "<domain><devices>\n", &p);
	assert_int_equal(p.status, 1);
	snprintf(want, sizeof(want), "vfiohook: %s: domain XML on stdin does not parse (line ",
		 h->domain);
	assert_int_equal(strncmp(p.err, want, strlen(want)), 0);
	t_proc_free(&p);
	hook(h, h->domain, "prepare", NULL, &p);
	assert_int_equal(p.status, 1);
	snprintf(want, sizeof(want), "vfiohook: %s: domain XML: empty stdin\n", h->domain);
	assert_string_equal(p.err, want);
	t_proc_free(&p);
	assert_false(fx_exists(h->t->fx, "run/vfiohook/%s", h->domain));
	assert_tree_unchanged(h);
}

/* One byte over the bound says so; 0.1.0 cut the XML at exactly the size
 * the engine accepts, and the user saw libxml2's errors about the cut. */
static void test_xml_too_large(void **state)
{
	struct h *h = h_of(state);
	size_t len = (size_t)ENG_XML_MAX + 1000;
	char *in = malloc(len + 1), want[256];
	struct t_proc p;

	assert_non_null(in);
	memset(in, ' ', len);
	memcpy(in, "<domain>", 8);
	in[len] = '\0';
	t_ini(h->t->fx, h->domain, "[devices]\npassthrough = auto\n");
	hook(h, h->domain, "prepare", in, &p);
	free(in);
	assert_int_equal(p.status, 1);
	snprintf(want, sizeof(want), "vfiohook: %s: domain XML: larger than 64 MiB (the hook's "
		 "bound): is this a libvirt domain XML?\n", h->domain);
	assert_string_equal(p.err, want);
	t_proc_free(&p);
	assert_tree_unchanged(h);
}

static void test_refused_plan(void **state)
{
	struct h *h = h_of(state);
	static const char *const gpu[] = { "0000:01:00.0", NULL };
	char *in = big_input(t_xml_with(gpu)), want[1024];
	struct t_proc p;

	t_ini(h->t->fx, h->domain, "[devices]\npassthrough = auto\n");
	hook(h, h->domain, "prepare", in, &p);
	assert_int_equal(p.status, 1);
	snprintf(want, sizeof(want), "vfiohook: %s: refused: 0000:01:00.0 is the host's boot "
		 "display and no other GPU would be left; add a [single-gpu] section to "
		 "%s/etc/libvirt/hooks/vfiohook/%s.ini to hand the host's only GPU to the VM\n",
		 h->domain, fx_root(h->t->fx), h->domain);
	assert_string_equal(p.err, want);
	t_proc_free(&p);
	free(in);
	assert_false(fx_exists(h->t->fx, "run/vfiohook/%s", h->domain));
	assert_tree_unchanged(h);
}

#define ON_VFIO_JOURNAL "vfiohook-journal 2\nbegin 0 pci-bind what=0000:00:03.0 " \
	"captured=1 target=vfio-pci prior_driver=vfio-pci prior_override=vfio-pci\n" \
	"done 0\nprepared\n"

/* The whole life of a domain through the binary: prepare journals the
 * step (nothing to change), reconnect and stopped only look, release
 * removes the journal. */
static void test_life_cycle(void **state)
{
	struct h *h = h_of(state);
	static const char *const nic[] = { "0000:00:03.0", NULL };
	char *in = big_input(t_xml_with(nic));
	struct t_proc p;
	static const char *const ops[] = { "prepare", "start", "started", "reconnect", "stopped" };

	t_ini(h->t->fx, h->domain, "[devices]\npassthrough = auto\n");
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		hook(h, h->domain, ops[i], in, &p);
		if (p.status != 0 || *p.err)
			fail_msg("%s: exit %d, stderr '%s'", ops[i], p.status, p.err);
		t_proc_free(&p);
		assert_string_equal(journal_of(h), ON_VFIO_JOURNAL);
	}
	hook(h, h->domain, "release", in, &p);
	assert_int_equal(p.status, 0);
	assert_string_equal(p.err, "");
	t_proc_free(&p);
	assert_false(fx_exists(h->t->fx, "run/vfiohook/%s", h->domain));
	/* a second release: nothing to do */
	hook(h, h->domain, "release", in, &p);
	assert_int_equal(p.status, 0);
	assert_string_equal(p.err, "");
	t_proc_free(&p);
	free(in);
	assert_tree_unchanged(h);
}

/* The INI removed (or renamed) while the domain ran: release follows the
 * journal, never the INI, so the devices still come back. */
static void test_release_after_ini_removed(void **state)
{
	struct h *h = h_of(state);
	struct t_proc p;
	char rel[300];

	t_ini(h->t->fx, h->domain, "[devices]\npassthrough = 0000:00:03.0\n");
	hook(h, h->domain, "prepare", "<domain/>", &p);
	assert_int_equal(p.status, 0);
	t_proc_free(&p);
	assert_string_equal(journal_of(h), ON_VFIO_JOURNAL);
	snprintf(rel, sizeof(rel), "etc/libvirt/hooks/vfiohook/%s.ini", h->domain);
	fx_delete(h->t->fx, rel);
	hook(h, h->domain, "release", "<domain/>", &p);
	assert_int_equal(p.status, 0);
	assert_string_equal(p.err, "");
	t_proc_free(&p);
	if (fx_exists(h->t->fx, "run/vfiohook/%s", h->domain))
		fail_msg("release without the INI left the journal (and the devices) in place");
	assert_tree_unchanged(h);
}

static void test_corrupt_journal(void **state)
{
	struct h *h = h_of(state);
	struct t_proc p;
	char dir[300], rel[300], want[1024];

	t_ini(h->t->fx, h->domain, "[devices]\npassthrough = 0000:00:03.0\n");
	snprintf(dir, sizeof(dir), "run/vfiohook/%s", h->domain);
	snprintf(rel, sizeof(rel), JREL, h->domain);
	t_mkdirs(h->t->fx, dir);
	fx_write(h->t->fx, rel, "garbage\n");
	hook(h, h->domain, "release", "<domain/>", &p);
	assert_int_equal(p.status, 1);
	snprintf(want, sizeof(want), "vfiohook: %s: its journal in %s cannot be read (line 1: not "
		 "a vfiohook journal header (version 2 expected)); the devices may still be on "
		 "vfio-pci: inspect it, fix or remove it, then run 'vfiohook recover %s'\n",
		 h->domain, t_abs(h->t->fx, dir), h->domain);
	assert_string_equal(p.err, want);
	t_proc_free(&p);
	assert_string_equal(fx_read(h->t->fx, "%s", rel), "garbage\n");
	assert_tree_unchanged(h);
}

static void test_usage(void **state)
{
	struct h *h = h_of(state);
	const char *bin = t_build_path("hooks/vfiohook-qemu");
	const char *argv[] = { bin, "vm", NULL };
	struct t_proc p;

	t_spawn(argv, NULL, NULL, 0, 20000, &p);
	assert_int_equal(p.status, 2);
	assert_string_equal(p.out, "");
	assert_contains(p.err, "usage: ");
	assert_contains(p.err, "DOMAIN OPERATION [SUBOPERATION [EXTRA]]\n");
	t_proc_free(&p);
	(void)h;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unmanaged_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_ops_leave_it_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_ini, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ini_not_root_owned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_xml, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xml_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_life_cycle, setup_on_vfio, teardown),
		cmocka_unit_test_setup_teardown(test_release_after_ini_removed, setup_on_vfio,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
	};

	t_init();
	return cmocka_run_group_tests_name("hookbin", tests, NULL, NULL);
}
