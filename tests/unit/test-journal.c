// SPDX-License-Identifier: LGPL-2.1-or-later
/* The journal (hooks/journal.c): its records read back as written by each
 * kind, odd values surviving the trip, a record torn by a crash ignored
 * and cut before the next is appended, anything else refused with its
 * line, never followed through a link or blocked on a FIFO, a 0.1.0
 * journal still read, and the ledger (hooks/ledger.c) of who holds what. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "testlib.h"
#include "hooktest.h"

#define JDIR "run/vfiohook/vm"
#define JFILE JDIR "/journal"
#define HEADER "vfiohook-journal 2\n"
#define V1 "vfiohook-journal 1\n"
#define LINE0 "begin 0 unit-stop what=display-manager.service captured=1 was_on=1\n"
#define LINE1 "begin 1 pci-bind what=0000:01:00.0 captured=1 target=vfio-pci " \
	"prior_driver=bochs-drm prior_override=\n"
#define LINE2 "begin 2 reset what=0000:01:00.0 captured=1 reset=2 reset_at=3 seconds=5 " \
	"attempts=2\n"
/* the same records as 0.1.0 wrote them */
#define V1_LINE0 "begin 0 unit-stop what=display-manager.service target= captured=1 was_on=1 " \
	"prior_driver= prior_override= reset=0 reset_at=0 seconds=0 attempts=0\n"

static struct step unit_stop(void)
{
	struct step s;

	assert_int_equal(eng_step_init(&s, &eng_step_unit_stop, "display-manager.service"), 0);
	assert_int_equal(eng_step_set_field(&s, "was_on", "1"), 0);
	s.captured = true;
	return s;
}

static struct step pci_bind(const char *addr, const char *driver)
{
	struct step s;

	assert_int_equal(eng_step_init_pci_bind(&s, addr, "vfio-pci"), 0);
	assert_int_equal(eng_step_set_field(&s, "prior_driver", driver), 0);
	s.captured = true;
	return s;
}

static struct step reset_step(void)
{
	struct step s;

	assert_int_equal(eng_step_init_reset(&s, "0000:01:00.0", RESET_SUSPEND,
					     RESET_AT_PREPARE | RESET_AT_RELEASE, 5, 2), 0);
	s.captured = true;
	return s;
}

/* Two steps are the same when the journal writes them the same. */
static void assert_step_eq(const struct step *a, const struct step *b)
{
	char ea[1024], eb[1024];

	assert_ptr_equal(a->ops, b->ops);
	assert_int_equal(eng_step_encode(a, ea, sizeof(ea)), 0);
	assert_int_equal(eng_step_encode(b, eb, sizeof(eb)), 0);
	assert_string_equal(ea, eb);
}

static mode_t mode_of(struct t *t, const char *rel)
{
	struct stat st;

	assert_int_equal(lstat(t_abs(t->fx, rel), &st), 0);
	return st.st_mode;
}

static void test_round_trip(void **state)
{
	struct t *t = *state;
	struct step s0 = unit_stop(), s1 = pci_bind("0000:01:00.0", "bochs-drm"), s2 = reset_step();
	struct journal j;
	mode_t old = umask(0);

	assert_int_equal(eng_journal_create(t->ctx, "vm", &j), 0);
	umask(old);
	assert_string_equal(fx_read(t->fx, JFILE), HEADER);
	assert_int_equal(eng_journal_begin(&j, &s0), 0);
	assert_int_equal(eng_journal_done(&j, 0), 0);
	assert_int_equal(eng_journal_begin(&j, &s1), 0);
	assert_int_equal(eng_journal_done(&j, 1), 0);
	assert_int_equal(eng_journal_begin(&j, &s2), 0);
	assert_int_equal(eng_journal_done(&j, 2), 0);
	assert_int_equal(eng_journal_prepared(&j), 0);
	assert_int_equal(eng_journal_undone(&j, 2), 0);
	assert_int_equal(j.n, 3);
	assert_true(j.prepared);
	assert_int_equal(eng_journal_pending(&j), 2);
	eng_journal_close(&j);
	assert_string_equal(fx_read(t->fx, JFILE), HEADER LINE0 "done 0\n" LINE1 "done 1\n" LINE2
			    "done 2\nprepared\nundone 2\n");
	/* only root reads it: the priors are the host's configuration */
	assert_int_equal(mode_of(t, "run/vfiohook"), S_IFDIR | 0700);
	assert_int_equal(mode_of(t, JDIR), S_IFDIR | 0700);
	assert_int_equal(mode_of(t, JFILE), S_IFREG | 0600);

	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_string_equal(j.domain, "vm");
	assert_string_equal(j.dir, t_abs(t->fx, JDIR));
	assert_int_equal(j.fd, -1);
	assert_int_equal(j.version, 2);
	assert_true(j.prepared);
	assert_int_equal(j.n, 3);
	assert_step_eq(&j.e[0].step, &s0);
	assert_step_eq(&j.e[1].step, &s1);
	assert_step_eq(&j.e[2].step, &s2);
	for (size_t i = 0; i < 3; i++) {
		assert_true(j.e[i].begun);
		assert_true(j.e[i].done);
		assert_int_equal(j.e[i].undone, i == 2);
	}
	assert_int_equal(eng_journal_pending(&j), 2);
	eng_journal_close(&j);
	assert_null(j.e);

	assert_int_equal(eng_journal_open(t->ctx, "vm", true, &j), 0);
	assert_true(j.fd >= 0);
	assert_int_equal(eng_journal_undone(&j, 1), 0);
	assert_int_equal(eng_journal_undone(&j, 0), 0);
	assert_int_equal(eng_journal_pending(&j), 0);
	assert_int_equal(eng_journal_remove(&j), 0);
	eng_journal_close(&j);
	assert_false(fx_exists(t->fx, JDIR));
	assert_true(fx_exists(t->fx, "run/vfiohook"));
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), -ENOENT);
	/* the kernel was never asked anything */
	assert_no_writes(t->fx);
}

static void test_begun_not_done(void **state)
{
	struct t *t = *state;
	struct step s1 = pci_bind("0000:01:00.0", "bochs-drm");
	struct journal j;

	assert_int_equal(eng_journal_create(t->ctx, "vm", &j), 0);
	assert_int_equal(eng_journal_begin(&j, &s1), 0);
	eng_journal_close(&j);
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_int_equal(j.n, 1);
	assert_true(j.e[0].begun);
	assert_false(j.e[0].done);
	assert_false(j.prepared);
	assert_int_equal(eng_journal_pending(&j), 1);
	/* read-only: nothing can be appended */
	assert_int_equal(eng_journal_undone(&j, 0), -EBADF);
	assert_int_equal(eng_journal_begin(&j, &s1), -EBADF);
	assert_int_equal(j.n, 1);
	eng_journal_close(&j);
	assert_string_equal(fx_read(t->fx, JFILE), HEADER "begin 0 pci-bind what=0000:01:00.0 "
			    "captured=1 target=vfio-pci prior_driver=bochs-drm prior_override=\n");
}

static void test_escaping(void **state)
{
	struct t *t = *state;
	struct step s;
	struct journal j;
	char full[STEP_WHAT_MAX];

	assert_int_equal(eng_step_init(&s, &eng_step_unit_stop, "a b%c\xc3\xa9=;.service"), 0);
	s.captured = true;
	assert_int_equal(eng_journal_create(t->ctx, "vm", &j), 0);
	assert_int_equal(eng_journal_begin(&j, &s), 0);
	eng_journal_close(&j);
	assert_string_equal(fx_read(t->fx, JFILE), HEADER "begin 0 unit-stop "
			    "what=a%20b%25c%c3%a9%3d%3b.service captured=1 was_on=0\n");
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_step_eq(&j.e[0].step, &s);
	assert_string_equal(j.e[0].step.what, "a b%c\xc3\xa9=;.service");
	eng_journal_close(&j);

	/* the longest values fit, escaped three times over */
	fx_delete(t->fx, JDIR);
	memset(full, '%', sizeof(full) - 1);
	full[sizeof(full) - 1] = '\0';
	full[1] = '.';
	assert_int_equal(eng_step_init(&s, &eng_step_unit_stop, full), 0);
	assert_int_equal(eng_journal_create(t->ctx, "vm", &j), 0);
	assert_int_equal(eng_journal_begin(&j, &s), 0);
	eng_journal_close(&j);
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_int_equal(j.n, 1);
	assert_string_equal(j.e[0].step.what, full);
	eng_journal_close(&j);
}

static void append_raw(struct t *t, const char *text, size_t len)
{
	int fd = open(t_abs(t->fx, JFILE), O_WRONLY | O_APPEND | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* A crash while a record was written leaves it without its newline: the
 * step it announced never began.  Read-only, it is skipped; writable, it
 * is cut before anything is appended. */
static void test_torn_last_line(void **state)
{
	struct t *t = *state;
	struct step s0 = unit_stop();
	struct journal j;

	assert_int_equal(eng_journal_create(t->ctx, "vm", &j), 0);
	assert_int_equal(eng_journal_begin(&j, &s0), 0);
	assert_int_equal(eng_journal_done(&j, 0), 0);
	eng_journal_close(&j);
	append_raw(t, "begin 1 pci-bind what=0000:01", 29);

	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_int_equal(j.n, 1);
	assert_true(j.e[0].done);
	eng_journal_close(&j);
	assert_string_equal(fx_read(t->fx, JFILE), HEADER LINE0 "done 0\nbegin 1 pci-bind "
			    "what=0000:01");

	assert_int_equal(eng_journal_open(t->ctx, "vm", true, &j), 0);
	assert_int_equal(j.n, 1);
	assert_string_equal(fx_read(t->fx, JFILE), HEADER LINE0 "done 0\n");
	assert_int_equal(eng_journal_undone(&j, 0), 0);
	eng_journal_close(&j);
	assert_string_equal(fx_read(t->fx, JFILE), HEADER LINE0 "done 0\nundone 0\n");
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_true(j.e[0].undone);
	assert_int_equal(eng_journal_pending(&j), 0);
	eng_journal_close(&j);

	/* a torn "done": the step counts as begun, not done */
	fx_delete(t->fx, JDIR);
	assert_int_equal(eng_journal_create(t->ctx, "vm", &j), 0);
	assert_int_equal(eng_journal_begin(&j, &s0), 0);
	eng_journal_close(&j);
	append_raw(t, "don", 3);
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_true(j.e[0].begun);
	assert_false(j.e[0].done);
	eng_journal_close(&j);

	/* a torn last line may hold anything, a NUL included */
	append_raw(t, "\0\0\0", 3);
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_int_equal(j.n, 1);
	eng_journal_close(&j);
}

/* Killed between creating the file and writing its header: an empty (or
 * torn) header announced nothing; it is an empty journal, not corruption
 * that blocks the domain. */
static void test_torn_header(void **state)
{
	struct t *t = *state;
	struct journal j;

	fx_write(t->fx, JFILE, "");
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_int_equal(j.n, 0);
	eng_journal_close(&j);
	fx_write(t->fx, JFILE, "vfiohook-jour");
	assert_int_equal(eng_journal_open(t->ctx, "vm", true, &j), 0);
	assert_int_equal(j.n, 0);
	assert_int_equal(eng_journal_pending(&j), 0);
	eng_journal_close(&j);
	/* what is appended after it starts with a whole header */
	assert_string_equal(fx_read(t->fx, JFILE), HEADER);
}

/* The last line of a case, for the failure message */
static const char *last_line(const char *s)
{
	static char buf[512];
	size_t n = strlen(s);
	const char *start;

	if (n && s[n - 1] == '\n')
		n--;
	for (start = s + n; start > s && start[-1] != '\n'; start--)
		;
	snprintf(buf, sizeof(buf), "%.*s", (int)(s + n - start), start);
	return buf;
}

static void test_corrupt(void **state)
{
	static const char *const bad[] = {
		"\n",
		"vfiohook-journal 3\n",
		"vfiohook-journal 1 \n",
		"VFIOHOOK-JOURNAL 2\n",
		HEADER "frobnicate 0\n",
		HEADER "\n",
		HEADER "begin\n",
		HEADER "begin 1 unit-stop what=x.service\n",
		HEADER "begin 0 teleport what=x\n",
		HEADER "begin 0\n",
		HEADER "begin 0 unit-stop\n",
		HEADER "begin 0 unit-stop captured=1\n",
		HEADER "begin 0 unit-stop what=x.service colour=red\n",
		HEADER "begin 0 unit-stop what\n",
		HEADER "begin 0 unit-stop =x\n",
		HEADER "begin 0 unit-stop what=%zz\n",
		HEADER "begin 0 unit-stop what=%4\n",
		HEADER "begin 0 unit-stop what=x.service captured=2\n",
		HEADER "begin 0 unit-stop what=x.service was_on=yes\n",
		/* a field another kind has is not this kind's */
		HEADER "begin 0 unit-stop what=x.service target=vfio-pci\n",
		/* a what its kind cannot act on */
		HEADER "begin 0 pci-bind what=01:00\n",
		HEADER "begin 0 vtcon-unbind what=vtcon99\n",
		HEADER "begin 0 reset what=0000:01:00.0 seconds=x\n",
		HEADER "begin 0 reset what=0000:01:00.0 seconds=-1\n",
		HEADER "begin 0 reset what=0000:01:00.0 seconds=99999999\n",
		HEADER "begin 0 reset what=0000:01:00.0 reset=7\n",
		HEADER "begin 0 pci-bind what=0000:01:00.0 prior_driver="
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		/* control characters would reach stderr and terminals */
		HEADER "begin 0 unit-stop what=a%0ab.service\n",
		HEADER "begin 0 unit-stop what=a%1b[2Jb.service\n",
		HEADER "begin 0 pci-bind what=0000:01:00.0 target=vfio%7f\n",
		HEADER "done 0\n",
		HEADER LINE0 "done 1\n",
		HEADER LINE0 "undone 7\n",
		HEADER LINE0 "done x\n",
		HEADER LINE0 "undone x\n",
		HEADER LINE0 "undone 0junk\n",
		HEADER LINE0 "done\n",
		HEADER LINE0 LINE0,
		HEADER LINE0 "done 0\nprepared 12\n",
		"begin 0 unit-stop what=x.service\n",
		/* version 1 wrote every kind's fields, but only empty ones are
		 * not a kind's own */
		V1 "begin 0 unit-stop what=x.service target=vfio-pci captured=1\n",
		V1 "begin 0 unit-stop what=x.service reset=1 captured=1\n",
	};
	struct t *t = *state;
	int fds = t_open_fds();
	char accepted[4096] = "";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct journal j;
		int r;

		fx_write(t->fx, JFILE, bad[i]);
		r = eng_journal_open(t->ctx, "vm", true, &j);
		if (r != -EBADMSG) {
			size_t n = strlen(accepted);

			if (r == 0)
				eng_journal_close(&j);
			snprintf(accepted + n, sizeof(accepted) - n, "  case %zu: %d for '%s'\n", i,
				 r, last_line(bad[i]));
			continue;
		}
		assert_null(j.e);
		assert_int_equal(j.fd, -1);
		/* it says where */
		assert_true(strncmp(j.why, "line ", 5) == 0);
		/* refused means left as it was, for a human to look at */
		assert_string_equal(fx_read(t->fx, JFILE), bad[i]);
	}
	assert_int_equal(t_open_fds(), fds);
	if (*accepted)
		fail_msg("corrupt journals not refused with -EBADMSG (last line shown):\n%s", accepted);
}

/* A line longer than any reader buffer, or one holding a NUL, between two
 * complete records is no crash-torn last record: 0.1.0 stopped reading
 * there, released the rest as if it were not there and truncated it
 * away.  Refused with its line number, the file untouched. */
static void test_corrupt_middle(void **state)
{
	struct t *t = *state;
	char text[4096];
	struct journal j;
	int n;

	n = snprintf(text, sizeof(text), HEADER LINE0 "done 0\nbegin 1 unit-stop what=x.service "
		     "captured=1 was_on=1 junk=");
	memset(text + n, 'a', 1100);
	n += 1100;
	n += snprintf(text + n, sizeof(text) - (size_t)n, "\n" LINE1 "done 1\n");
	fx_write(t->fx, JFILE, text);
	assert_int_equal(eng_journal_open(t->ctx, "vm", true, &j), -EBADMSG);
	assert_string_equal(j.why, "line 4: the value of junk is too long");
	assert_string_equal(fx_read(t->fx, JFILE), text);

	/* the same line without the bad field is long but fine */
	n = snprintf(text, sizeof(text), HEADER "begin 0 unit-stop what=");
	memset(text + n, 'b', 100);
	n += 100;
	n += snprintf(text + n, sizeof(text) - (size_t)n, ".service captured=1 was_on=1 \n"
		      LINE1 "done 1\n");
	fx_write(t->fx, JFILE, text);
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_int_equal(j.n, 2);
	eng_journal_close(&j);

	/* a NUL inside a complete record */
	fx_delete(t->fx, JFILE);
	assert_int_equal(eng_journal_create(t->ctx, "vm", &j), 0);
	eng_journal_close(&j);
	append_raw(t, LINE0, strlen(LINE0));
	append_raw(t, "done\0 0\n", 8);
	append_raw(t, LINE1, strlen(LINE1));
	assert_int_equal(eng_journal_open(t->ctx, "vm", true, &j), -EBADMSG);
	assert_string_equal(j.why, "line 3: holds a NUL byte");
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), -EBADMSG);
}

static int setup_corrupt(void **state)
{
	struct t *t;

	t_setup(state, "guest", NULL);
	t = *state;
	t_mkdirs(t->fx, JDIR);
	return 0;
}

/* What vfiohook 0.1.0 wrote is read as it meant: users upgrade while a
 * VM runs, and the new hook releases it. */
static void test_version_1(void **state)
{
	struct t *t = *state;
	char path[600], *text;
	struct journal j;
	FILE *f;
	long len;

	snprintf(path, sizeof(path), "%s/journals/single-gpu-0.1.0", fx_dir());
	f = fopen(path, "re");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	fx_write(t->fx, JFILE, text);

	assert_int_equal(eng_journal_open(t->ctx, "vm", true, &j), 0);
	assert_int_equal(j.version, 1);
	assert_true(j.prepared);
	assert_int_equal(j.n, 7);
	{
		static const char *const want[] = {
			"unit-stop:stop display-manager.service",
			"vtcon-unbind:unbind the framebuffer console vtcon1",
			"fb-unbind:unbind efi-framebuffer.0 from efi-framebuffer",
			"pci-bind:bind 0000:01:00.0 to vfio-pci (was bochs-drm)",
			"pci-bind:bind 0000:01:00.1 to vfio-pci (was snd_hda_intel)",
			"module-unload:unload module bochs",
			"reset:function reset of 0000:01:00.0 before release",
		};
		for (size_t i = 0; i < 7; i++) {
			char d[256], got[300];

			eng_step_describe(&j.e[i].step, d, sizeof(d));
			snprintf(got, sizeof(got), "%s:%s", j.e[i].step.ops->name, d);
			assert_string_equal(got, want[i]);
			assert_true(j.e[i].done);
		}
	}
	/* its appended records keep the version's grammar */
	assert_int_equal(eng_journal_undone(&j, 6), 0);
	eng_journal_close(&j);
	{
		const char *now = fx_read(t->fx, JFILE);

		assert_int_equal(strncmp(now, text, (size_t)len), 0);
		assert_string_equal(now + len, "undone 6\n");
	}
	free(text);
}

static void test_create_refusals(void **state)
{
	struct t *t = *state;
	struct step s0 = unit_stop();
	struct journal j, k;

	assert_int_equal(eng_journal_create(t->ctx, "../vm", &j), -EINVAL);
	assert_int_equal(eng_journal_open(t->ctx, "../vm", false, &j), -EINVAL);
	assert_int_equal(eng_journal_create(t->ctx, "vm", &j), 0);
	assert_int_equal(eng_journal_begin(&j, &s0), 0);
	/* one journal per domain: a second is refused, the first untouched */
	assert_int_equal(eng_journal_create(t->ctx, "vm", &k), -EEXIST);
	eng_journal_close(&k);
	assert_int_equal(eng_journal_done(&j, 0), 0);
	eng_journal_close(&j);
	assert_string_equal(fx_read(t->fx, JFILE), HEADER LINE0 "done 0\n");
	assert_int_equal(eng_journal_open(t->ctx, "other", true, &j), -ENOENT);
}

/* A SIGKILL between mkdir and creating the journal, or between unlinking
 * it and rmdir, leaves an empty directory: it must not block the domain. */
static void test_empty_directory(void **state)
{
	struct t *t = *state;
	struct step s0 = unit_stop();
	struct journal j;

	t_mkdirs(t->fx, JDIR);
	/* read-only looks leave it */
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), -ENOENT);
	assert_true(fx_exists(t->fx, JDIR));
	/* release and recover clean it up */
	assert_int_equal(eng_journal_open(t->ctx, "vm", true, &j), -ENOENT);
	assert_false(fx_exists(t->fx, JDIR));
	/* prepare takes it over */
	t_mkdirs(t->fx, JDIR);
	assert_int_equal(eng_journal_create(t->ctx, "vm", &j), 0);
	assert_int_equal(eng_journal_begin(&j, &s0), 0);
	eng_journal_close(&j);
	assert_string_equal(fx_read(t->fx, JFILE), HEADER LINE0);
}

/* Nothing but a regular file in a real directory is a journal: a FIFO
 * would block the hook while it holds the global lock (every other
 * domain's start would wait), a link would make release read and unlink
 * a file outside the run root. */
static void test_not_a_file(void **state)
{
	struct t *t = *state;
	struct journal j;
	struct ledger l;

	t_mkdirs(t->fx, JDIR);
	assert_int_equal(mkfifo(t_abs(t->fx, JFILE), 0600), 0);
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), -EPERM);
	assert_true(strstr(j.why, "not a regular file") != NULL);
	assert_int_equal(eng_journal_open(t->ctx, "vm", true, &j), -EPERM);
	/* another domain's FIFO: the ledger says it cannot be read */
	assert_int_equal(eng_ledger_load(t->ctx, "other", &l), 0);
	assert_string_equal(l.unreadable, "vm");
	assert_int_equal(l.unreadable_err, -EPERM);
	eng_ledger_free(&l);
	fx_delete(t->fx, JFILE);

	/* a symlinked journal */
	t_mkdirs(t->fx, "elsewhere");
	fx_write(t->fx, "elsewhere/journal", HEADER LINE0);
	assert_int_equal(symlink(t_abs(t->fx, "elsewhere/journal"), t_abs(t->fx, JFILE)), 0);
	assert_int_equal(eng_journal_open(t->ctx, "vm", true, &j), -EPERM);
	fx_delete(t->fx, JDIR);

	/* a symlinked domain directory */
	assert_int_equal(symlink(t_abs(t->fx, "elsewhere"), t_abs(t->fx, JDIR)), 0);
	assert_int_equal(eng_journal_open(t->ctx, "vm", true, &j), -EPERM);
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), -EPERM);
	assert_int_equal(eng_journal_create(t->ctx, "vm", &j), -EPERM);
	eng_journal_close(&j);
	assert_string_equal(fx_read(t->fx, "elsewhere/journal"), HEADER LINE0);
	fx_delete(t->fx, JDIR);

	/* the lock file too */
	assert_int_equal(mkfifo(t_abs(t->fx, "run/vfiohook/lock"), 0600), 0);
	{
		struct eng_err e = { 0 };

		assert_int_equal(eng_lock(t->ctx, &e), -EPERM);
		assert_true(strstr(e.msg, "not a regular file") != NULL);
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_list(void **state)
{
	struct t *t = *state;
	struct journal j;
	char **doms = (void *)1;
	size_t n = 9;

	assert_int_equal(eng_journal_list(t->ctx, &doms, &n), 0);
	assert_null(doms);
	assert_int_equal(n, 0);
	assert_int_equal(eng_journal_create(t->ctx, "b-vm", &j), 0);
	eng_journal_close(&j);
	assert_int_equal(eng_journal_create(t->ctx, "a.vm", &j), 0);
	eng_journal_close(&j);
	/* the lock, and what is no domain of ours */
	fx_write(t->fx, "run/vfiohook/lock", "");
	t_mkdirs(t->fx, "run/vfiohook/-bad");
	t_mkdirs(t->fx, "run/vfiohook/.hidden");
	fx_write(t->fx, "run/vfiohook/file-vm", "");
	assert_int_equal(eng_journal_list(t->ctx, &doms, &n), 0);
	assert_int_equal(n, 2);
	qsort(doms, n, sizeof(*doms), by_name);
	assert_string_equal(doms[0], "a.vm");
	assert_string_equal(doms[1], "b-vm");
	free(doms);
}

static void make_journal(struct t *t, const char *domain, const struct step *s, bool undone)
{
	struct journal j;

	assert_int_equal(eng_journal_create(t->ctx, domain, &j), 0);
	assert_int_equal(eng_journal_begin(&j, s), 0);
	if (undone)
		assert_int_equal(eng_journal_undone(&j, 0), 0);
	eng_journal_close(&j);
}

static void test_ledger(void **state)
{
	struct t *t = *state;
	struct step bind_nic = pci_bind("0000:00:03.0", "e1000e");
	struct step bind_nic2 = pci_bind("0000:00:04.0", "e1000e");
	struct step r = reset_step(), unit = unit_stop();
	struct ledger l;

	assert_int_equal(eng_ledger_load(t->ctx, "vm", &l), 0);
	assert_int_equal(l.n, 0);
	assert_null(eng_ledger_holder(&l, "pci", "0000:00:03.0"));
	eng_ledger_free(&l);
	/* begun is enough: the device may have moved */
	make_journal(t, "other", &bind_nic, false);
	make_journal(t, "third", &bind_nic2, true);
	make_journal(t, "resetter", &r, false);
	make_journal(t, "desktop", &unit, false);
	assert_int_equal(eng_ledger_load(t->ctx, "vm", &l), 0);
	assert_string_equal(eng_ledger_holder(&l, "pci", "0000:00:03.0"), "other");
	/* undone: given back */
	assert_null(eng_ledger_holder(&l, "pci", "0000:00:04.0"));
	/* a reset step is no claim on the device */
	assert_null(eng_ledger_holder(&l, "pci", "0000:01:00.0"));
	/* a unit it stopped is counted (others may have stopped it too) */
	assert_null(eng_ledger_holder(&l, "unit", "display-manager.service"));
	assert_int_equal(eng_ledger_sum(&l, "unit", "display-manager.service"), 1);
	assert_string_equal(l.unreadable, "");
	assert_int_equal(l.n, 2);
	eng_ledger_free(&l);
	/* its own journal does not hold it against itself */
	assert_int_equal(eng_ledger_load(t->ctx, "other", &l), 0);
	assert_null(eng_ledger_holder(&l, "pci", "0000:00:03.0"));
	eng_ledger_free(&l);
	/* NULL: everyone's */
	assert_int_equal(eng_ledger_load(t->ctx, NULL, &l), 0);
	assert_string_equal(eng_ledger_holder(&l, "pci", "0000:00:03.0"), "other");
	eng_ledger_free(&l);
	/* an unreadable journal is named, the others still read */
	fx_write(t->fx, "run/vfiohook/third/journal", "garbage\n");
	assert_int_equal(eng_ledger_load(t->ctx, "vm", &l), 0);
	assert_string_equal(l.unreadable, "third");
	assert_int_equal(l.unreadable_err, -EBADMSG);
	assert_string_equal(eng_ledger_holder(&l, "pci", "0000:00:03.0"), "other");
	eng_ledger_free(&l);
	assert_no_writes(t->fx);
}

/* Counted claims add up across domains (hugepages, next). */
static void test_ledger_sum(void **state)
{
	struct ledger l = { 0 };
	struct ledger_claim v[3] = {
		{ { "pages", "node0/2048kB", 512, false }, "a" },
		{ { "pages", "node0/2048kB", 256, false }, "b" },
		{ { "pages", "node1/2048kB", 64, false }, "b" },
	};

	(void)state;
	l.v = v;
	l.n = 3;
	assert_int_equal(eng_ledger_sum(&l, "pages", "node0/2048kB"), 768);
	assert_int_equal(eng_ledger_sum(&l, "pages", "node1/2048kB"), 64);
	assert_int_equal(eng_ledger_sum(&l, "pages", "node2/2048kB"), 0);
	assert_null(eng_ledger_holder(&l, "pages", "node0/2048kB"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_round_trip),
		T(test_begun_not_done),
		T(test_escaping),
		T(test_torn_last_line),
		T_ON(test_torn_header, setup_corrupt),
		T_ON(test_corrupt, setup_corrupt),
		T_ON(test_corrupt_middle, setup_corrupt),
		T_ON(test_version_1, setup_corrupt),
		T(test_create_refusals),
		T(test_empty_directory),
		T(test_not_a_file),
		T(test_list),
		T(test_ledger),
		cmocka_unit_test(test_ledger_sum),
	};

	t_init();
	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
