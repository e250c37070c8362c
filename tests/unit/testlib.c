// SPDX-License-Identifier: LGPL-2.1-or-later
/* Shared setup, teardown and assertions of the unit tests. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "testlib.h"

static void t_log(void *data, int prio, const char *file, int line, const char *fn,
		  const char *format, va_list args)
{
	struct t *t = data;
	char msg[1024];

	(void)file;
	(void)line;
	vsnprintf(msg, sizeof(msg), format, args);
	if (getenv("VFH_TEST_VERBOSE"))
		fprintf(stderr, "  [%d] %s: %s\n", prio, fn, msg);
	if (t->loglen < sizeof(t->log) - 1) {
		int n = snprintf(t->log + t->loglen, sizeof(t->log) - t->loglen, "%s\n", msg);

		if (n > 0)
			t->loglen += (size_t)n;
		if (t->loglen >= sizeof(t->log))
			t->loglen = sizeof(t->log) - 1;
	}
}

int t_setup(void **state, const char *fixture, const char *extra)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	*state = t;
	t->fx = fx_new_with(fixture, extra);
	t->ctx = vfh_ctx_new();
	assert_non_null(t->ctx);
	fx_attach(t->fx, t->ctx);
	assert_int_equal(vfh_ctx_set_wait_ms(t->ctx, 50), 0);
	vfh_ctx_set_log_fn(t->ctx, t_log, t);
	/* every message formatted: format bugs surface under the sanitizers */
	vfh_ctx_set_log_priority(t->ctx, LOG_DEBUG);
	return 0;
}

int t_teardown(void **state)
{
	struct t *t = *state;
	char err[1024] = "";
	const char *msg;

	if (!t)
		return 0;
	*state = NULL;
	if (t->fx && (msg = fx_check_msg(t->fx)))
		snprintf(err, sizeof(err), "%s", msg);
	vfh_ctx_unref(t->ctx);
	fx_free(t->fx);
	free(t);
	if (*err)
		fail_msg("the tree is incoherent after the test: %s", err);
	return 0;
}

int t_guest(void **state) { return t_setup(state, "guest", NULL); }
int t_efifb(void **state) { return t_setup(state, "efifb", NULL); }
int t_noiommu(void **state) { return t_setup(state, "noiommu", NULL); }
int t_s2idle(void **state) { return t_setup(state, "s2idle", NULL); }
int t_nvmeroot(void **state) { return t_setup(state, "nvmeroot", NULL); }
int t_routenic(void **state) { return t_setup(state, "routenic", NULL); }
int t_bridge(void **state) { return t_setup(state, "bridge", NULL); }
int t_rt(void **state) { return t_setup(state, "rt", NULL); }

struct vfh_cpuset t_cpus(const char *list)
{
	struct vfh_cpuset s;

	if (vfh_cpuset_parse_list(list, VFH_CPUSET_EMPTY_OK, &s) < 0)
		fail_msg("'%s' does not parse", list);
	return s;
}

const char *t_cpulist(const struct vfh_cpuset *s)
{
	static char buf[2][VFH_CPULIST_MAX];
	static int i;

	i ^= 1;
	assert_int_equal(vfh_cpuset_format_list(s, buf[i], sizeof(buf[i])), 0);
	return buf[i];
}

void t_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

struct vfh_pci_addr t_addr(const char *s)
{
	struct vfh_pci_addr a = { 0 };

	if (vfh_pci_addr_parse(s, &a) < 0)
		fail_msg("test bug: '%s' is not a PCI address", s);
	return a;
}

static const char *shown(const char *v)
{
	return v && strcmp(v, "\n") == 0 ? "\\n" : v;
}

void t_assert_writes(struct fx *fx, const struct t_w *want, size_t n, const char *file,
		     int line)
{
	size_t got = fk_nwrites(fx);

	for (size_t i = 0; i < n || i < got; i++) {
		const struct fk_write *w = fk_write_at(fx, i);

		if (i < n && w && strcmp(w->path, want[i].path) == 0 &&
		    strcmp(w->val, want[i].val) == 0)
			continue;
		if (i < n)
			print_error("%s:%d: write %zu: want %s = '%s', got %s = '%s'\n", file, line, i,
				    want[i].path, shown(want[i].val), w ? w->path : "(nothing)",
				    w ? shown(w->val) : "");
		else
			print_error("%s:%d: write %zu: want no more, got %s = '%s'\n", file, line, i,
				    w->path, shown(w->val));
		print_error("the writes were:\n%s", fk_log_dump(fx));
		fail();
	}
}

void t_assert_contains(const char *hay, const char *needle, const char *file, int line)
{
	if (hay && needle && strstr(hay, needle))
		return;
	print_error("%s:%d: '%s' does not contain '%s'\n", file, line, hay ? hay : "(null)",
		    needle ? needle : "(null)");
	fail();
}

struct vfh_pci_info t_info(struct t *t, const char *addr)
{
	struct vfh_pci_addr a = t_addr(addr);
	struct vfh_pci_info info;
	int r = vfh_pci_info_read(t->ctx, &a, &info);

	if (r < 0)
		fail_msg("vfh_pci_info_read(%s): %d %s", addr, r, vfh_ctx_errmsg(t->ctx));
	assert_true(vfh_pci_addr_eq(&info.addr, &a));
	return info;
}

int t_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}
