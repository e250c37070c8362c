// SPDX-License-Identifier: LGPL-2.1-or-later
/* The journal (hooks/journal.c): its records read back as written, odd
 * values surviving the trip, a record torn by a crash ignored and cut
 * before the next is appended, anything else unreadable refused, and who
 * holds which device. */
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
#define HEADER "vfiohook-journal 1\n"
#define LINE0 "begin 0 unit-stop what=display-manager.service target= captured=1 was_on=1 " \
	"prior_driver= prior_override= reset=0 reset_at=0 seconds=0 attempts=0\n"
#define LINE1 "begin 1 pci-bind what=0000:01:00.0 target=vfio-pci captured=1 was_on=0 " \
	"prior_driver=bochs-drm prior_override= reset=0 reset_at=0 seconds=0 attempts=0\n"
#define LINE2 "begin 2 reset what=0000:01:00.0 target= captured=1 was_on=0 prior_driver= " \
	"prior_override= reset=2 reset_at=3 seconds=5 attempts=2\n"

static struct step unit_stop(void)
{
	struct step s = { .kind = STEP_UNIT_STOP, .captured = true, .was_on = true };

	strcpy(s.what, "display-manager.service");
	return s;
}

static struct step pci_bind(const char *addr, const char *driver)
{
	struct step s = { .kind = STEP_PCI_BIND, .captured = true };

	strcpy(s.what, addr);
	strcpy(s.target, "vfio-pci");
	strcpy(s.prior.driver, driver);
	return s;
}

static struct step reset_step(void)
{
	struct step s = { .kind = STEP_RESET, .captured = true, .reset = RESET_SUSPEND,
			  .reset_at = RESET_AT_PREPARE | RESET_AT_RELEASE, .seconds = 5,
			  .attempts = 2 };

	strcpy(s.what, "0000:01:00.0");
	return s;
}

static void assert_step_eq(const struct step *a, const struct step *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_string_equal(a->what, b->what);
	assert_string_equal(a->target, b->target);
	assert_int_equal(a->captured, b->captured);
	assert_int_equal(a->was_on, b->was_on);
	assert_string_equal(a->prior.driver, b->prior.driver);
	assert_string_equal(a->prior.driver_override, b->prior.driver_override);
	assert_int_equal(a->reset, b->reset);
	assert_int_equal(a->reset_at, b->reset_at);
	assert_int_equal(a->seconds, b->seconds);
	assert_int_equal(a->attempts, b->attempts);
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
			    "target=vfio-pci captured=1 was_on=0 prior_driver=bochs-drm "
			    "prior_override= reset=0 reset_at=0 seconds=0 attempts=0\n");
}

static void test_escaping(void **state)
{
	struct t *t = *state;
	struct step s = { .kind = STEP_UNIT_STOP, .captured = true };
	struct journal j;
	char full[sizeof(s.what)];

	strcpy(s.what, "a b%c/\xc3\xa9=\n\t;");
	strcpy(s.target, "x y");
	strcpy(s.prior.driver, "d=1");
	strcpy(s.prior.driver_override, "%00");
	assert_int_equal(eng_journal_create(t->ctx, "vm", &j), 0);
	assert_int_equal(eng_journal_begin(&j, &s), 0);
	eng_journal_close(&j);
	assert_string_equal(fx_read(t->fx, JFILE), HEADER "begin 0 unit-stop "
			    "what=a%20b%25c%2f%c3%a9%3d%0a%09%3b target=x%20y captured=1 was_on=0 "
			    "prior_driver=d%3d1 prior_override=%2500 reset=0 reset_at=0 seconds=0 "
			    "attempts=0\n");
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_step_eq(&j.e[0].step, &s);
	eng_journal_close(&j);

	/* the longest values fit, escaped three times over */
	fx_delete(t->fx, JDIR);
	memset(full, ' ', sizeof(full) - 1);
	full[sizeof(full) - 1] = '\0';
	strcpy(s.what, full);
	memset(s.target, '%', VFH_NAME_MAX - 1);
	s.target[VFH_NAME_MAX - 1] = '\0';
	memset(s.prior.driver, '\xff', VFH_NAME_MAX - 1);
	s.prior.driver[VFH_NAME_MAX - 1] = '\0';
	assert_int_equal(eng_journal_create(t->ctx, "vm", &j), 0);
	assert_int_equal(eng_journal_begin(&j, &s), 0);
	eng_journal_close(&j);
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_int_equal(j.n, 1);
	assert_step_eq(&j.e[0].step, &s);
	eng_journal_close(&j);
}

static void append_raw(struct t *t, const char *text)
{
	int fd = open(t_abs(t->fx, JFILE), O_WRONLY | O_APPEND | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
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
	append_raw(t, "begin 1 pci-bind what=0000:01");

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
	append_raw(t, "don");
	assert_int_equal(eng_journal_open(t->ctx, "vm", false, &j), 0);
	assert_true(j.e[0].begun);
	assert_false(j.e[0].done);
	eng_journal_close(&j);
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
		"",
		"\n",
		"vfiohook-journal 2\n",
		"vfiohook-journal 1 \n",
		"VFIOHOOK-JOURNAL 1\n",
		HEADER "frobnicate 0\n",
		HEADER "\n",
		HEADER "begin\n",
		HEADER "begin 1 unit-stop what=x\n",
		HEADER "begin 0 teleport what=x\n",
		HEADER "begin 0\n",
		HEADER "begin 0 unit-stop colour=red\n",
		HEADER "begin 0 unit-stop what\n",
		HEADER "begin 0 unit-stop =x\n",
		HEADER "begin 0 unit-stop what=%zz\n",
		HEADER "begin 0 unit-stop what=%4\n",
		HEADER "begin 0 unit-stop seconds=x\n",
		HEADER "begin 0 unit-stop seconds=-1\n",
		HEADER "begin 0 unit-stop seconds=99999999\n",
		HEADER "begin 0 unit-stop prior_driver="
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		HEADER "done 0\n",
		HEADER LINE0 "done 1\n",
		HEADER LINE0 "undone 7\n",
		HEADER LINE0 "done x\n",
		HEADER LINE0 "undone x\n",
		HEADER LINE0 "undone 0junk\n",
		HEADER LINE0 "done\n",
		HEADER LINE0 LINE0,
		HEADER LINE0 "done 0\nprepared 12\n",
		"begin 0 unit-stop what=x\n",
	};
	struct t *t = *state;
	int fds = t_open_fds();
	char accepted[2048] = "";

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
		/* refused means left as it was, for a human to look at */
		assert_string_equal(fx_read(t->fx, JFILE), bad[i]);
	}
	assert_int_equal(t_open_fds(), fds);
	if (*accepted)
		fail_msg("corrupt journals not refused with -EBADMSG (last line shown):\n%s", accepted);
}

static int setup_corrupt(void **state)
{
	struct t *t;

	t_setup(state, "guest", NULL);
	t = *state;
	t_mkdirs(t->fx, JDIR);
	return 0;
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

static void test_holder(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr nic = t_addr("0000:00:03.0"), nic2 = t_addr("0000:00:04.0");
	struct vfh_pci_addr gpu = t_addr("0000:01:00.0");
	struct step bind_nic = pci_bind("0000:00:03.0", "e1000e");
	struct step bind_nic2 = pci_bind("0000:00:04.0", "e1000e");
	struct step r = reset_step();
	char holder[64] = "x";

	assert_int_equal(eng_journal_holder(t->ctx, "vm", &nic, holder, sizeof(holder)), 0);
	assert_string_equal(holder, "");
	/* begun is enough: the device may have moved */
	make_journal(t, "other", &bind_nic, false);
	make_journal(t, "third", &bind_nic2, true);
	make_journal(t, "resetter", &r, false);
	assert_int_equal(eng_journal_holder(t->ctx, "vm", &nic, holder, sizeof(holder)), 0);
	assert_string_equal(holder, "other");
	/* its own journal does not hold it against itself */
	assert_int_equal(eng_journal_holder(t->ctx, "other", &nic, holder, sizeof(holder)), 0);
	assert_string_equal(holder, "");
	/* undone: given back */
	assert_int_equal(eng_journal_holder(t->ctx, "vm", &nic2, holder, sizeof(holder)), 0);
	assert_string_equal(holder, "");
	/* a reset step is no claim on the device */
	assert_int_equal(eng_journal_holder(t->ctx, "vm", &gpu, holder, sizeof(holder)), 0);
	assert_string_equal(holder, "");
	assert_no_writes(t->fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_round_trip),
		T(test_begun_not_done),
		T(test_escaping),
		T(test_torn_last_line),
		T_ON(test_corrupt, setup_corrupt),
		T(test_create_refusals),
		T(test_list),
		T(test_holder),
	};

	t_init();
	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
