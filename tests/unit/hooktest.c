// SPDX-License-Identifier: LGPL-2.1-or-later
/* Shared by the engine's and the programs' tests: see hooktest.h. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "testlib.h"
#include "fixture-int.h"
#include "hooktest.h"

void t_config(struct hook_config *cfg, const char *text)
{
	struct eng_err e;
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	assert_non_null(f);
	r = eng_config_parse(f, T_INI, cfg, &e);
	fclose(f);
	if (r < 0)
		fail_msg("eng_config_parse: %d: %s", r, e.msg);
}

int t_config_err(const char *text, char *err, size_t errlen)
{
	struct hook_config cfg;
	struct eng_err e;
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	assert_non_null(f);
	r = eng_config_parse(f, T_INI, &cfg, &e);
	fclose(f);
	if (r == 0)
		eng_config_free(&cfg);
	else
		assert_int_equal(e.err, r);
	snprintf(err, errlen, "%s", e.msg);
	return r;
}

void t_domxml(struct domain_xml *dom, const char *xml)
{
	struct eng_err e = { 0 };
	int r = eng_domxml_parse(xml, strlen(xml), dom, &e);

	if (r < 0)
		fail_msg("eng_domxml_parse: %d: %s", r, e.msg);
}

const char *t_xml_with(const char *const *addrs)
{
	static char xml[8192];
	size_t n;

	n = (size_t)snprintf(xml, sizeof(xml), "<domain type='kvm'>\n  <name>vm</name>\n"
			     "  <devices>\n");
	for (; *addrs; addrs++) {
		struct vfh_pci_addr a = t_addr(*addrs);

		n += (size_t)snprintf(xml + n, sizeof(xml) - n,
				      "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
				      "      <source><address domain='0x%04x' bus='0x%02x' "
				      "slot='0x%02x' function='0x%x'/></source>\n    </hostdev>\n",
				      a.domain, a.bus, a.slot, a.func);
	}
	snprintf(xml + n, sizeof(xml) - n, "  </devices>\n</domain>\n");
	return xml;
}

/* ---- snapshot */

struct lines {
	char **v;
	size_t n;
};

static void add_line(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_line(struct lines *l, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fail_msg("out of memory");
	va_end(ap);
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	assert_non_null(l->v);
	l->v[l->n++] = s;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in a fixture directory, sorted; free each and the array. */
static size_t names_in(struct fx *fx, const char *rel, char ***out)
{
	struct lines l = { 0 };
	struct dirent *de;
	DIR *d = opendir(t_abs(fx, rel));

	*out = NULL;
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			add_line(&l, "%s", de->d_name);
	closedir(d);
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), by_str);
	*out = l.v;
	return l.n;
}

static const char *chomp(const char *s)
{
	static char buf[8][512];
	static unsigned int slot;
	char *b = buf[slot++ % 8];

	snprintf(b, sizeof(buf[0]), "%s", s ? s : "(absent)");
	b[strcspn(b, "\n")] = '\0';
	return b;
}

const char *t_snapshot(struct fx *fx)
{
	static char *text;
	struct lines l = { 0 };
	char **names;
	size_t n, len = 1;

	n = names_in(fx, "sys/bus/pci/devices", &names);
	for (size_t i = 0; i < n; i++) {
		add_line(&l, "pci %s driver=%s override=%s", names[i], fx_driver(fx, names[i]),
			 chomp(fx_read(fx, "sys/bus/pci/devices/%s/driver_override", names[i])));
		free(names[i]);
	}
	free(names);
	n = names_in(fx, "sys/class/vtconsole", &names);
	for (size_t i = 0; i < n; i++) {
		add_line(&l, "vtcon %s name=%s bind=%s", names[i],
			 chomp(fx_read(fx, "sys/class/vtconsole/%s/name", names[i])),
			 chomp(fx_read(fx, "sys/class/vtconsole/%s/bind", names[i])));
		free(names[i]);
	}
	free(names);
	n = names_in(fx, "sys/module", &names);
	for (size_t i = 0; i < n; i++) {
		char **holders, rel[FX_REL], hl[256] = "";
		size_t nh;

		snprintf(rel, sizeof(rel), "sys/module/%s/holders", names[i]);
		nh = names_in(fx, rel, &holders);
		for (size_t j = 0; j < nh; j++) {
			strncat(hl, holders[j], sizeof(hl) - strlen(hl) - 2);
			strcat(hl, ",");
			free(holders[j]);
		}
		free(holders);
		add_line(&l, "module %s initstate=%s refcnt=%s holders=%s", names[i],
			 chomp(fx_read(fx, "sys/module/%s/initstate", names[i])),
			 chomp(fx_read(fx, "sys/module/%s/refcnt", names[i])), hl);
		free(names[i]);
	}
	free(names);
	n = names_in(fx, "sys/bus/platform/devices", &names);
	for (size_t i = 0; i < n; i++) {
		const char *link = fx_readlink(fx, "sys/bus/platform/devices/%s/driver", names[i]);

		add_line(&l, "platform %s driver=%s", names[i],
			 link ? strrchr(link, '/') + 1 : "");
		free(names[i]);
	}
	free(names);
	n = names_in(fx, "sys/bus/pci/drivers", &names);
	for (size_t i = 0; i < n; i++) {
		add_line(&l, "pcidriver %s", names[i]);
		free(names[i]);
	}
	free(names);
	for (size_t i = 0; i < fx->nunit; i++)
		add_line(&l, "unit %s active=%d allowed_cpus=%#llx", fx->unit[i].name,
			 fk_unit_active(fx, fx->unit[i].name),
			 (unsigned long long)fk_unit_allowed_cpus(fx, fx->unit[i].name));
	/* the host resources a VM takes: hugepage pools, cgroups, IRQs, kernel
	 * CPU masks, the rt runtime, /dev/shm */
	n = names_in(fx, "sys/devices/system/node", &names);
	for (size_t i = 0; i < n; i++) {
		char rel[FX_REL], **sizes;
		size_t ns;

		snprintf(rel, sizeof(rel), "sys/devices/system/node/%s/hugepages", names[i]);
		ns = names_in(fx, rel, &sizes);
		for (size_t j = 0; j < ns; j++) {
			add_line(&l, "hugepages %s/%s nr=%s", names[i], sizes[j],
				 chomp(fx_read(fx, "%s/%s/nr_hugepages", rel, sizes[j])));
			free(sizes[j]);
		}
		free(sizes);
		free(names[i]);
	}
	free(names);
	n = names_in(fx, "sys/kernel/mm/hugepages", &names);
	for (size_t i = 0; i < n; i++) {
		add_line(&l, "hugepages host/%s nr=%s", names[i],
			 chomp(fx_read(fx, "sys/kernel/mm/hugepages/%s/nr_hugepages", names[i])));
		free(names[i]);
	}
	free(names);
	if (fx_exists(fx, "sys/fs/cgroup/cgroup.controllers"))
		add_line(&l, "cgroup / subtree=%s",
			 chomp(fx_read(fx, "sys/fs/cgroup/cgroup.subtree_control")));
	n = names_in(fx, "sys/fs/cgroup", &names);
	for (size_t i = 0; i < n; i++) {
		if (fx_exists(fx, "sys/fs/cgroup/%s/cgroup.subtree_control", names[i]))
			add_line(&l, "cgroup %s subtree=%s cpus=%s", names[i],
				 chomp(fx_read(fx, "sys/fs/cgroup/%s/cgroup.subtree_control",
					       names[i])),
				 chomp(fx_read(fx, "sys/fs/cgroup/%s/cpuset.cpus", names[i])));
		free(names[i]);
	}
	free(names);
	n = names_in(fx, "proc/irq", &names);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], "default_smp_affinity") == 0)
			add_line(&l, "irq default=%s",
				 chomp(fx_read(fx, "proc/irq/default_smp_affinity")));
		else
			add_line(&l, "irq %s affinity=%s", names[i],
				 chomp(fx_read(fx, "proc/irq/%s/smp_affinity_list", names[i])));
		free(names[i]);
	}
	free(names);
	if (fx_exists(fx, "sys/devices/virtual/workqueue/cpumask"))
		add_line(&l, "workqueue cpumask=%s writeback=%s",
			 chomp(fx_read(fx, "sys/devices/virtual/workqueue/cpumask")),
			 chomp(fx_read(fx, "sys/devices/virtual/workqueue/writeback/cpumask")));
	n = names_in(fx, "sys/devices/system/cpu/cpufreq", &names);
	for (size_t i = 0; i < n; i++) {
		if (strncmp(names[i], "policy", 6) == 0)
			add_line(&l, "cpufreq %s governor=%s", names[i],
				 chomp(fx_read(fx, "sys/devices/system/cpu/cpufreq/%s/"
					       "scaling_governor", names[i])));
		free(names[i]);
	}
	free(names);
	if (fx_exists(fx, "proc/sys/kernel/sched_rt_runtime_us"))
		add_line(&l, "sysctl sched_rt_runtime_us=%s",
			 chomp(fx_read(fx, "proc/sys/kernel/sched_rt_runtime_us")));
	n = names_in(fx, "dev/shm", &names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		char rel[FX_REL];

		snprintf(rel, sizeof(rel), "dev/shm/%s", names[i]);
		if (lstat(t_abs(fx, rel), &st) == 0)
			add_line(&l, "shm %s size=%lld mode=%04o owner=%u:%u", names[i],
				 (long long)st.st_size, (unsigned)(st.st_mode & 07777),
				 (unsigned)st.st_uid, (unsigned)st.st_gid);
		free(names[i]);
	}
	free(names);
	add_line(&l, "power mem_sleep=%s", chomp(fx_read(fx, "sys/power/mem_sleep")));
	n = names_in(fx, "sys/class/rtc", &names);
	for (size_t i = 0; i < n; i++) {
		add_line(&l, "rtc %s wakealarm=%s", names[i],
			 chomp(fx_read(fx, "sys/class/rtc/%s/wakealarm", names[i])));
		free(names[i]);
	}
	free(names);

	qsort(l.v, l.n, sizeof(*l.v), by_str);
	for (size_t i = 0; i < l.n; i++)
		len += strlen(l.v[i]) + 1;
	free(text);
	text = malloc(len);
	assert_non_null(text);
	text[0] = '\0';
	for (size_t i = 0; i < l.n; i++) {
		strcat(text, l.v[i]);
		strcat(text, "\n");
		free(l.v[i]);
	}
	free(l.v);
	return text;
}

/* ---- files */

const char *t_abs(struct fx *fx, const char *rel)
{
	static char buf[4][PATH_MAX];
	static unsigned int slot;
	char *b = buf[slot++ % 4];

	snprintf(b, PATH_MAX, "%s/%s", fx_root(fx), rel);
	return b;
}

void t_mkdirs(struct fx *fx, const char *rel)
{
	fx_mkdirs(fx, "%s", rel);
}

void t_ini(struct fx *fx, const char *domain, const char *text)
{
	char rel[FX_REL + 256];

	snprintf(rel, sizeof(rel), "etc/" VFH_CONF_DIR "/%.200s.ini", domain);
	fx_mkdirs(fx, "etc/" VFH_CONF_DIR);
	fx_putf(fx, rel, "%s", text);
	assert_int_equal(chmod(t_abs(fx, rel), 0644), 0);
}

/* ---- programs */

const char *t_build_path(const char *rel)
{
	static char path[PATH_MAX * 2];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		fail_msg("readlink /proc/self/exe: %s", strerror(errno));
	exe[n] = '\0';
	/* BUILD/tests/unit/test-x: three components up */
	for (int i = 0; i < 3; i++) {
		char *slash = strrchr(exe, '/');

		if (!slash)
			fail_msg("unexpected test program path %s", exe);
		*slash = '\0';
	}
	snprintf(path, sizeof(path), "%s/%s", exe, rel);
	if (access(path, X_OK) != 0)
		fail_msg("%s: %s (build it: make O=tests/build VARIANT=check test-programs)", path,
			 strerror(errno));
	return path;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	assert_non_null(*buf);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void t_spawn(const char *const *argv, const char *const *env, const char *in, size_t inlen,
	     int timeout_ms, struct t_proc *p)
{
	static const char *const keep[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" };
	int pin[2], pout[2], perr[2], wst;
	const char *envp[32];
	char *owned[4] = { 0 };
	size_t ne = 0, outlen = 0, errlen = 0;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	long long deadline;
	pid_t pid;

	memset(p, 0, sizeof(*p));
	p->out = strdup("");
	p->err = strdup("");
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		const char *v = getenv(keep[i]);

		if (v && asprintf(&owned[i], "%s=%s", keep[i], v) > 0)
			envp[ne++] = owned[i];
	}
	for (; env && *env && ne < 30; env++)
		envp[ne++] = *env;
	envp[ne] = NULL;
	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0)
		fail_msg("pipe: %s", strerror(errno));
	/* a child that stops reading must show as EPIPE, not kill the test */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		dup2(perr[1], 2);
		signal(SIGPIPE, SIG_DFL);
		execve(argv[0], (char *const *)argv, (char *const *)envp);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	fcntl(pin[1], F_SETFL, O_NONBLOCK);
	if (inlen == 0) {
		close(pin[1]);
		pin[1] = -1;
	}
	/* make valgrind runs every program 20-50 times slower: it scales
	 * the bounds (tests/analyse/valgrind-run) */
	if (getenv("VFH_TEST_TIMEOUT_SCALE"))
		timeout_ms *= atoi(getenv("VFH_TEST_TIMEOUT_SCALE")) > 0 ?
			      atoi(getenv("VFH_TEST_TIMEOUT_SCALE")) : 1;
	deadline = now_ms() + timeout_ms;
	while (pout[0] >= 0 || perr[0] >= 0) {
		struct pollfd pfd[3];
		int np = 0, left = (int)(deadline - now_ms());

		if (left <= 0) {
			p->timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		if (pin[1] >= 0)
			pfd[np++] = (struct pollfd){ .fd = pin[1], .events = POLLOUT };
		if (pout[0] >= 0)
			pfd[np++] = (struct pollfd){ .fd = pout[0], .events = POLLIN };
		if (perr[0] >= 0)
			pfd[np++] = (struct pollfd){ .fd = perr[0], .events = POLLIN };
		if (poll(pfd, (nfds_t)np, left) < 0 && errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
		for (int i = 0; i < np; i++) {
			char buf[65536];
			ssize_t r;

			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == pin[1]) {
				r = write(pin[1], in + p->in_written, inlen - p->in_written);
				if (r > 0)
					p->in_written += (size_t)r;
				else if (r < 0 && errno != EAGAIN && errno != EINTR)
					p->in_errno = errno;
				if (p->in_written == inlen || p->in_errno) {
					close(pin[1]);
					pin[1] = -1;
				}
				continue;
			}
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r > 0) {
				if (pfd[i].fd == pout[0])
					append(&p->out, &outlen, buf, (size_t)r);
				else
					append(&p->err, &errlen, buf, (size_t)r);
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				if (pfd[i].fd == pout[0]) {
					close(pout[0]);
					pout[0] = -1;
				} else {
					close(perr[0]);
					perr[0] = -1;
				}
			}
		}
	}
	/* stdin the child never read to the end: the writer would block */
	if (pin[1] >= 0) {
		if (!p->in_errno && p->in_written < inlen)
			p->in_errno = EWOULDBLOCK;
		close(pin[1]);
	}
	if (pout[0] >= 0)
		close(pout[0]);
	if (perr[0] >= 0)
		close(perr[0]);
	while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGPIPE, &old, NULL);
	p->status = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
	for (size_t i = 0; i < 4; i++)
		free(owned[i]);
}

void t_proc_free(struct t_proc *p)
{
	free(p->out);
	free(p->err);
	p->out = p->err = NULL;
}

char *t_subst(const char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	const char *p;
	char *out, *o;

	for (p = s; (p = strstr(p, from)); p += fl)
		n++;
	out = malloc(strlen(s) + n * tl + 1);
	assert_non_null(out);
	for (o = out; (p = strstr(s, from)); s = p + fl) {
		memcpy(o, s, (size_t)(p - s));
		o += p - s;
		memcpy(o, to, tl);
		o += tl;
	}
	strcpy(o, s);
	return out;
}

char *t_golden(const char *name)
{
	char path[PATH_MAX];
	FILE *f;
	char *buf = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/../golden/%s", fx_dir(), name);
	f = fopen(path, "re");
	if (!f)
		fail_msg("golden file %s: %s", path, strerror(errno));
	for (;;) {
		char chunk[4096];
		size_t r = fread(chunk, 1, sizeof(chunk), f);

		if (r == 0)
			break;
		append(&buf, &len, chunk, r);
	}
	fclose(f);
	if (!buf)
		buf = strdup("");
	return buf;
}

void t_assert_text(const char *got, const char *want, const char *what, const char *file,
		   int line)
{
	size_t i = 0, lineno = 1;

	if (got && want && strcmp(got, want) == 0)
		return;
	for (; got && want && got[i] && got[i] == want[i]; i++)
		lineno += got[i] == '\n';
	print_error("%s:%d: %s differs at line %zu\n--- want\n%s--- got\n%s---\n", file, line, what,
		    lineno, want ? want : "(null)\n", got ? got : "(null)\n");
	fail();
}
